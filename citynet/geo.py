"""Geography for maps: the Equal Earth projection (Šavrič, Patterson, Jenny 2018),
great circles cut at the antimeridian, the country outlines shipped in `atlas/`
(Natural Earth via world-atlas, read only when a map is drawn), and the view fitted
to the points a map shows. Pure functions and plain values; no dataset, no output.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, TypedDict

import msgspec  # loaded with the records

Point = tuple[float, float]  # (longitude, latitude) in degrees

ATLAS = Path(__file__).resolve().parent / "atlas"

# --- projection and arcs -----------------------------------------------------------

_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


def equal_earth(lng: float, lat: float) -> Point:
    """Equal Earth on the unit sphere, centred on 0°: (x east, y north)."""
    return equal_earth_all(((lng, lat),))[0]


def equal_earth_all(points: Iterable[Point]) -> list[Point]:
    """`equal_earth` of many points, with the names it needs bound locally: the
    outlines have thousands of points, and a map is drawn while someone waits."""
    radians, asin, sin, cos = math.radians, math.asin, math.sin, math.cos
    a1, a2, a3, a4, m = _A1, _A2, _A3, _A4, _M
    out = []
    for lng, lat in points:
        theta = asin(m * sin(radians(lat)))
        t2 = theta * theta
        t6 = t2 * t2 * t2
        x = radians(lng) * cos(theta) / (m * (a1 + 3 * a2 * t2 + t6 * (7 * a3 + 9 * a4 * t2)))
        y = theta * (a1 + a2 * t2 + t6 * (a3 + a4 * t2))
        out.append((x, y))
    return out


WORLD_X, _ = equal_earth(180.0, 0.0)
_, WORLD_Y = equal_earth(0.0, 90.0)


def wrap(lng: float) -> float:
    """A longitude in [-180, 180)."""
    return (lng + 180.0) % 360.0 - 180.0


def great_circle(a: Point, b: Point, step: float = 2.0) -> list[Point]:
    """Points along the shorter great circle from a to b, about `step` degrees apart."""
    (lng1, lat1), (lng2, lat2) = a, b
    p1 = _vector(lng1, lat1)
    p2 = _vector(lng2, lat2)
    dot = max(-1.0, min(1.0, sum(u * v for u, v in zip(p1, p2, strict=True))))
    angle = math.acos(dot)
    n = max(1, math.ceil(math.degrees(angle) / step))
    if angle < 1e-9 or math.isclose(angle, math.pi):
        return [a, b]  # the same place, or antipodes (no single shortest arc)
    sin_angle = math.sin(angle)
    points = [a]
    for i in range(1, n):
        t = i / n
        f1 = math.sin((1 - t) * angle) / sin_angle
        f2 = math.sin(t * angle) / sin_angle
        x, y, z = (f1 * u + f2 * v for u, v in zip(p1, p2, strict=True))
        points.append(
            (math.degrees(math.atan2(y, x)), math.degrees(math.atan2(z, math.hypot(x, y))))
        )
    points.append(b)
    return points


def _vector(lng: float, lat: float) -> tuple[float, float, float]:
    lam, phi = math.radians(lng), math.radians(lat)
    return (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))


def split_antimeridian(points: Sequence[Point]) -> list[list[Point]]:
    """The line cut where it crosses ±180°, each piece ending exactly on the meridian."""
    pieces: list[list[Point]] = [[points[0]]]
    for (lng1, lat1), (lng2, lat2) in itertools.pairwise(points):
        if abs(lng2 - lng1) > 180.0:
            edge = 180.0 if lng1 > 0 else -180.0
            unwrapped = lng2 + 360.0 if lng1 > 0 else lng2 - 360.0
            # A segment from a point on the meridian itself (180° to -180°) is cut there.
            t = (edge - lng1) / (unwrapped - lng1) if unwrapped != lng1 else 0.0
            lat = lat1 + t * (lat2 - lat1)
            pieces[-1].append((edge, lat))
            pieces.append([(-edge, lat)])
        pieces[-1].append((lng2, lat2))
    return [piece for piece in pieces if len(piece) > 1]


# --- outlines ------------------------------------------------------------------


class Country(NamedTuple):
    code: str  # ISO 3166-1 alpha-2, "" for the few shapes without one
    name: str
    bbox: tuple[float, float, float, float]  # west, south, east, north in degrees
    rings: tuple[tuple[int, ...], ...]  # arc indexes of each ring (~i: arc i reversed)


class Atlas:
    """Country outlines from a TopoJSON topology; an arc is decoded when a country
    that has it is drawn, so a map of Europe does not decode the Pacific (its arcs
    may be given as JSON still to decode, `atlas`)."""

    def __init__(self, topology: dict[str, Any]) -> None:
        (self._sx, self._sy), (self._tx, self._ty) = (
            topology["transform"]["scale"],
            topology["transform"]["translate"],
        )
        self._raw: list[list[list[int]] | msgspec.Raw] = topology["arcs"]
        self._arcs: dict[int, list[Point]] = {}
        countries = []
        for geometry in topology["objects"]["countries"]["geometries"]:
            arcs = geometry["arcs"]
            polygons = arcs if geometry["type"] == "MultiPolygon" else [arcs]
            rings = tuple(tuple(ring) for polygon in polygons for ring in polygon)
            code, name = geometry.get("id", ""), geometry["properties"]["name"]
            countries.append(Country(code, name, tuple(geometry["bbox"]), rings))
        self.countries = tuple(countries)

    def _arc(self, index: int) -> list[Point]:
        arc = self._arcs.get(index)
        if arc is None:
            raw = self._raw[index]  # quantized and delta-encoded
            if not isinstance(raw, list):
                raw = msgspec.json.decode(raw)
            sx, sy, tx, ty = self._sx, self._sy, self._tx, self._ty
            xs = itertools.accumulate(map(operator.itemgetter(0), raw))
            ys = itertools.accumulate(map(operator.itemgetter(1), raw))
            arc = self._arcs[index] = [
                (x * sx + tx, y * sy + ty) for x, y in zip(xs, ys, strict=True)
            ]
        return arc

    def rings(self, country: Country) -> list[list[Point]]:
        """The country's rings as longitude/latitude points."""
        rings = []
        for indexes in country.rings:
            points: list[Point] = []
            for index in indexes:
                arc = self._arc(index) if index >= 0 else self._arc(~index)[::-1]
                points.extend(arc if not points else arc[1:])
            rings.append(points)
        return rings


@cache
def atlas(scale: str = "110m") -> Atlas:
    """The country outlines shipped with citynet at Natural Earth's 1:110m or (simplified)
    1:50m scale (made by scripts/make_atlas.py)."""
    # msgspec: the same values as json's, decoded in about 60 % of its time; and each
    # arc left as its JSON until it is drawn (decoding all of them took 3/4 of the
    # reading, and `check` draws a handful of countries)
    topology = msgspec.json.decode((ATLAS / f"countries-{scale}.json").read_bytes(), type=_Topology)
    return Atlas(dict(topology))


class _Topology(TypedDict):
    """What Atlas reads of a TopoJSON topology."""

    transform: dict[str, list[float]]
    objects: dict[str, Any]
    arcs: list[msgspec.Raw]


def jumps(ring: Sequence[Point]) -> bool:
    """Does the ring jump from one side of the antimeridian to the other?"""
    lngs = [lng for lng, _ in ring]
    if max(lngs) - min(lngs) <= 180.0:  # the usual case, decided in C
        return False
    return any(abs(b - a) > 180.0 for a, b in itertools.pairwise(lngs))


def ring_copies(ring: Sequence[Point], centre: float) -> list[list[Point]]:
    """A ring relative to the central meridian, with its longitudes made continuous, and
    the copies shifted by 360° that show the parts beyond the map's edge.

    world-atlas leaves the cutting at the antimeridian to the renderer (Russia and Fiji
    cross it, Antarctica surrounds the pole); the copies, clipped to the sphere, do it.
    """
    lngs = [lng for lng, _ in ring]
    # each step wrapped as `wrap` does, written out: outlines have thousands of points
    steps = [(b - a + 180.0) % 360.0 - 180.0 for a, b in itertools.pairwise(lngs)]
    xs = itertools.accumulate(steps, initial=wrap(lngs[0] - centre))
    points = list(zip(xs, [lat for _, lat in ring], strict=True))
    turn = points[-1][0] - points[0][0]
    if abs(turn) > 180.0:  # goes round a pole: close it along the pole's line
        pole = 90.0 if sum(lat for _, lat in points) > 0 else -90.0
        points += [(points[-1][0], pole), (points[0][0], pole)]
    lngs = [lng for lng, _ in points]
    copies = [points]
    if min(lngs) < -180.0:
        copies.append([(lng + 360.0, lat) for lng, lat in points])
    if max(lngs) > 180.0:
        copies.append([(lng - 360.0, lat) for lng, lat in points])
    return copies


# --- the view -----------------------------------------------------------------

WIDTH = 960.0
_MIN_SPAN = (0.62, 0.34)  # the smallest view, in units of the unit sphere (about 40° by 20°)
_ASPECT = (0.45, 0.9)  # height / width of the map


class View(NamedTuple):
    """Which part of the projected world is drawn, and at what scale."""

    centre: float  # central meridian, degrees
    left: float
    top: float
    scale: float  # pixels per unit
    width: float
    height: float

    @property
    def world(self) -> bool:
        return self.centre == 0.0 and math.isclose(self.width / self.scale, 2 * WORLD_X)

    def shift(self, lng: float) -> float:
        return wrap(lng - self.centre) if self.centre else lng

    def project(self, lng: float, lat: float) -> Point:
        """Pixel position (x right, y down) of an already shifted longitude."""
        x, y = equal_earth(lng, lat)
        return (x - self.left) * self.scale, (self.top - y) * self.scale

    def may_show(self, west: float, south: float, east: float, north: float) -> bool:
        """Can anything within these bounds (degrees) fall inside the view?"""
        if east - west > 180.0:
            return True  # too wide to bound this way (or cut at the antimeridian)
        low = self.shift(west)
        high = low + (east - west)
        if high > 180.0:
            return True  # astride the map's edge
        # x = λ·g(φ) with g largest at the equator, y grows with φ: the extremes are
        # at these six points.
        nearest = min(max(0.0, south), north)
        corners = [(lng, lat) for lng in (low, high) for lat in (south, north, nearest)]
        projected = self.project_all(corners)
        xs = [x for x, _ in projected]
        ys = [y for _, y in projected]
        return not (max(xs) < 0 or min(xs) > self.width or max(ys) < 0 or min(ys) > self.height)

    def project_all(self, points: Iterable[Point]) -> list[Point]:
        """`project` for many points."""
        left, top, scale = self.left, self.top, self.scale
        return [((x - left) * scale, (top - y) * scale) for x, y in equal_earth_all(points)]


def fit_view(
    points: Sequence[Point], width: float = WIDTH, least: tuple[float, float] = _MIN_SPAN
) -> View:
    """The view that shows every point with a margin, at least `least` wide and high.

    Points that fit in less than 150° of longitude get a regional map centred on
    them; anything wider is a world map centred on Greenwich.
    """
    if not points:
        return _view(0.0, -WORLD_X, WORLD_X, -WORLD_Y, WORLD_Y, width)
    centre = _centre_meridian([lng for lng, _ in points])
    shifted = [(wrap(lng - centre) if centre else lng, lat) for lng, lat in points]
    xs, ys = zip(*equal_earth_all(shifted), strict=True)
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    if centre == 0.0 and _lng_span([lng for lng, _ in points]) >= 150.0:
        x0, x1 = -WORLD_X, WORLD_X
    pad_x = max((x1 - x0) * 0.08, 0.05)
    pad_y = max((y1 - y0) * 0.1, 0.05)
    x0, x1, y0, y1 = x0 - pad_x, x1 + pad_x, y0 - pad_y, y1 + pad_y
    x0, x1 = _widen(x0, x1, least[0])
    y0, y1 = _widen(y0, y1, least[1])
    aspect = (y1 - y0) / (x1 - x0)
    if aspect < _ASPECT[0]:
        y0, y1 = _widen(y0, y1, (x1 - x0) * _ASPECT[0])
    elif aspect > _ASPECT[1]:
        x0, x1 = _widen(x0, x1, (y1 - y0) / _ASPECT[1])
    x0, x1 = _inside(x0, x1, WORLD_X)
    y0, y1 = _inside(y0, y1, WORLD_Y)
    return _view(centre, x0, x1, y0, y1, width)


def _view(centre: float, x0: float, x1: float, y0: float, y1: float, width: float) -> View:
    scale = width / (x1 - x0)
    return View(centre, x0, y1, scale, width, round((y1 - y0) * scale, 1))


def _lng_span(lngs: Sequence[float]) -> float:
    """Degrees of longitude the points cover, going the short way round."""
    ordered = sorted({wrap(lng) for lng in lngs})
    gaps = [b - a for a, b in itertools.pairwise(ordered)]
    gaps.append(ordered[0] + 360.0 - ordered[-1])
    return 360.0 - max(gaps)


def _centre_meridian(lngs: Sequence[float]) -> float:
    """The middle of the points' longitudes for a regional map; 0 for a world map."""
    ordered = sorted({wrap(lng) for lng in lngs})
    span = _lng_span(ordered)
    if span >= 150.0:
        return 0.0
    gaps = [(b - a, b) for a, b in itertools.pairwise(ordered)]
    gaps.append((ordered[0] + 360.0 - ordered[-1], ordered[0]))
    _, start = max(gaps)  # the points begin after the widest empty stretch
    return round(wrap(start + span / 2.0), 3) or 0.0


def _widen(low: float, high: float, least: float) -> tuple[float, float]:
    if high - low >= least:
        return low, high
    middle = (low + high) / 2
    return middle - least / 2, middle + least / 2


def _inside(low: float, high: float, limit: float) -> tuple[float, float]:
    """Move [low, high] inside [-limit, limit], shrinking it only if it is wider."""
    if high - low >= 2 * limit:
        return -limit, limit
    if low < -limit:
        return -limit, high - low - limit
    if high > limit:
        return limit - (high - low), limit
    return low, high

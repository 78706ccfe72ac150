"""What a careful editor would question in a dataset's cities: warnings, not errors.

`city_warnings(dataset)` returns every warning; each names its records by id and says
what to do. Nothing here changes the data or decides the exit status (`check` does,
with `--strict`). Pure: the dataset in, warnings out, so that a caller can cache them.

- `outside-country`: coordinates outside the outline of the city's country (Natural
  Earth, shipped in `atlas/`), farther than BORDER_KM from it, unless the city's
  GeoNames place of that country lies there;
- `name-coordinates`: a name the gazetteer knows in the country only far from the
  city's coordinates, or coordinates far from the city's own GeoNames place;
- `same-name`: cities of one name in one country, farther apart than `merge`'s
  likely duplicates, that nothing (Wikidata ids) tells apart;
- `one-place`: two cities linked to the same GeoNames place;
- `country-code`: a code that is no ISO 3166-1 country, or a placeholder (XX, ZZ …).
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from .gazetteer import CONFIRM_KM, EARTH_KM, distance_km
from .i18n import _, number
from .model import City, Dataset

if TYPE_CHECKING:
    from .gazetteer import Gazetteer, Place
    from .geo import Atlas, Point

BORDER_KM = 15.0  # the outlines are simplified (0.07°): a coastal city may lie just outside
_CELL_DEGREES = 10.0  # the grid that finds the countries a point may lie in
SEA_KM = 150.0  # … and leave out small islands: at sea, only this far out is a mistake
# The grid of scripts/make_outline_grid.py: cells of 1/16°, stored in blocks of 16 × 16
GRID_PER_DEGREE = 16
GRID_BLOCK = 16
KINDS = ("outside-country", "name-coordinates", "same-name", "one-place", "country-code")


@dataclass(frozen=True, slots=True)
class CityWarning:
    """One thing to look at: its kind, the records (ids), what is odd, what to do."""

    kind: str
    records: tuple[str, ...]
    message: str
    advice: str

    def __str__(self) -> str:
        return f"{', '.join(self.records)}: {self.message} — {self.advice}"


def city_warnings(dataset: Dataset) -> list[CityWarning]:
    """Every warning about the dataset's cities, by kind, then by record."""
    cities = dataset.cities
    found = [
        *country_code_warnings(cities),
        *outside_country_warnings(cities),
        *name_coordinate_warnings(cities),
        *same_name_warnings(cities),
        *one_place_warnings(cities),
    ]
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(found, key=lambda w: (order[w.kind], w.records))


# --- country codes ---------------------------------------------------------------------


def _placeholder(code: str) -> bool:
    """ISO 3166-1's user-assigned codes (AA, QM–QZ, XA–XZ, ZZ), which name no country."""
    return code in ("AA", "ZZ") or (code[0] == "Q" and code[1] >= "M") or code[0] == "X"


def country_code_warnings(cities: Iterable[City]) -> list[CityWarning]:
    """Cities whose country code is a placeholder or no country's code."""
    from .gazetteer import countries

    known = countries()
    found = []
    for city in cities:
        if city.country in known:
            continue
        message = (
            _("country {code} is a placeholder, not a country")
            if _placeholder(city.country)
            else _("country {code} is not an ISO 3166-1 country")
        )
        found.append(
            CityWarning(
                "country-code",
                (city.id,),
                message.format(code=city.country),
                _("set its country: citynet edit city {id} --country CODE").format(id=city.id),
            )
        )
    return found


# --- coordinates and outlines -------------------------------------------------------


def outside_country_warnings(cities: Iterable[City]) -> list[CityWarning]:
    """Cities whose coordinates lie outside their country's outline (beyond BORDER_KM)."""
    from .gazetteer import gazetteer
    from .geo import atlas

    grid = outline_grid()
    # most cities lie well inside their country (or near it): the grid lets them pass
    undecided = grid.undecided(cities)
    if not undecided:
        return []
    outlines, places = Outlines(atlas("50m")), gazetteer()
    found = []
    for city in undecided:
        assert city.lat is not None and city.lng is not None  # undecided has coordinates
        # GeoNames has the last word, and asking it first spares most outline tests
        if _placed_by_geonames(city, places):
            continue
        point = (city.lng, city.lat)
        km, far = outlines.outside_km(city.country, point)
        if km <= BORDER_KM:
            continue
        inside = grid.country_at(city.lng, city.lat)
        if inside is None:
            inside = outlines.country_at(point, grid.candidates(city.lng, city.lat))
        if not inside and km <= SEA_KM:
            continue
        where = (
            _("in {country}").format(country=inside)
            if inside
            else _("in no country (sea, or a place the outlines leave out)")
        )
        message = (
            _("coordinates {lat:.2f}, {lng:.2f} lie {where}, more than {km} km outside {country}")
            if far
            else _("coordinates {lat:.2f}, {lng:.2f} lie {where}, {km} km outside {country}")
        )
        found.append(
            CityWarning(
                "outside-country",
                (city.id,),
                message.format(
                    lat=city.lat, lng=city.lng, where=where, km=number(km), country=city.country
                ),
                _("correct its coordinates or its country: citynet edit city {id} --lat … --lng …")
                .format(id=city.id),
            )
        )  # fmt: skip
    return found


def _placed_by_geonames(city: City, places: Gazetteer) -> bool:
    """Does the city's GeoNames place, in its country, lie at its coordinates? Then the
    outline is too coarse (Ceuta and Melilla, small islands) or draws another border
    (Crimea): GeoNames, which names the country, has the last word."""
    position = places.position(city.geonames) if city.geonames else None
    return (
        position is not None
        and position[0] == city.country
        and distance_km(city.lat, city.lng, position[1], position[2]) <= CONFIRM_KM  # type: ignore[arg-type]
    )


class OutlineGrid:
    """scripts/make_outline_grid.py's grid over the 1:50m outlines: for each cell of
    1/GRID_PER_DEGREE °, the countries for which every point of the cell passes the
    outline test (inside, or within BORDER_KM), and the country every point of it lies
    in where that is sure, else the few that may hold a point of it. Beyond what it
    says the outlines tell, as before; what it says, they would have said."""

    def __init__(self, raw: bytes) -> None:
        import sys
        from array import array

        import msgspec  # loaded with the records; json would be one more import

        end = raw.index(b"\n")
        header = msgspec.json.decode(raw[:end])
        self._countries = frozenset(header["countries"])
        # … and after the table's entries one for the cells off the grid (±180°, the
        # poles), which lets no country pass and knows no country: _entry's -1
        self._size = len(header["table"])
        table = header["table"]
        # each set once: the table's entries repeat a few hundred of them
        sets = {text: frozenset(text.split()) for row in table for text in (row[0], row[2])}
        self._passing = [sets[codes] for codes, _lies, _may in table]
        self._passing.append(frozenset())
        self._lies: list[str | None] = [lies for _codes, lies, _may in table]
        self._lies.append(None)
        self._candidates: list[frozenset[str] | None] = [sets[may] for _c, _l, may in table]
        self._candidates.append(None)
        sizes = (_COARSE * 2, (header["blocks"] + 1) * 4, header["palettes"] * 2)
        parts, at = [], end + 1
        for typecode, size in zip("HIH", sizes, strict=True):
            part = array(typecode, raw[at : at + size])
            if sys.byteorder == "big":
                part.byteswap()
            parts.append(part)
            at += size
        self._coarse, self._offsets, self._palettes = parts
        self._cells = memoryview(raw)[at:]  # a byte per cell, not copied

    def has(self, code: str) -> bool:
        """Has the country an outline (in the atlas the grid was made from)?"""
        return code in self._countries

    def _entry(self, lng: float, lat: float) -> int:
        """The table's entry for the cell of (lng, lat); -1 off the grid (±180°, the poles)."""
        x, y = (lng + 180.0) * GRID_PER_DEGREE, (lat + 90.0) * GRID_PER_DEGREE
        if not (0.0 <= x < 360 * GRID_PER_DEGREE and 0.0 <= y < 180 * GRID_PER_DEGREE):
            return -1
        column, row, block = int(x), int(y), GRID_BLOCK
        value = self._coarse[row // block * (360 * GRID_PER_DEGREE // block) + column // block]
        if value >= self._size:  # a block of cells that say different things
            value -= self._size
            place = self._cells[value * block * block + row % block * block + column % block]
            value = self._palettes[self._offsets[value] + place]
        return value

    def passing(self, lng: float, lat: float) -> frozenset[str]:
        """The countries whose outline test every point of the cell of (lng, lat) passes."""
        return self._passing[self._entry(lng, lat)]

    def country_at(self, lng: float, lat: float) -> str | None:
        """What Outlines.country_at says of every point of the cell, if the grid is sure."""
        return self._lies[self._entry(lng, lat)]

    def candidates(self, lng: float, lat: float) -> frozenset[str] | None:
        """Where country_at is not sure: the only countries that may hold a point of the
        cell (None: any)."""
        return self._candidates[self._entry(lng, lat)]

    def undecided(self, cities: Iterable[City]) -> list[City]:
        """The cities with coordinates, in a country with an outline, that the grid does
        not let pass: those the outlines must test."""
        entry, passing, countries = self._entry, self._passing, self._countries
        return [
            city
            for city in cities
            if city.lat is not None
            and city.lng is not None
            and city.country in countries
            and city.country not in passing[entry(city.lng, city.lat)]
        ]


_COARSE = 360 * 180 * GRID_PER_DEGREE * GRID_PER_DEGREE // (GRID_BLOCK * GRID_BLOCK)


@cache
def outline_grid() -> OutlineGrid:
    """The grid shipped in atlas/outline-grid.bin."""
    from .geo import ATLAS

    return OutlineGrid((ATLAS / "outline-grid.bin").read_bytes())


class Outlines:
    """The atlas's countries as rings of points, for point-in-country tests; a country's
    rings are decoded (and indexed, `_Ring`) when a point is first tested against it."""

    def __init__(self, atlas: Atlas) -> None:
        self._atlas = atlas
        self._countries = {c.code: c for c in atlas.countries if c.code}
        self._rings: dict[str, list[_Ring]] = {}
        self._cells: dict[tuple[int, int], list[str]] | None = None
        self._ring_cells: dict[str, dict[tuple[int, int], list[_Ring]]] = {}

    def codes(self) -> list[str]:
        """The codes of the countries with an outline."""
        return list(self._countries)

    def edges(self, code: str) -> list[tuple[float, float, float, float]]:
        """Every edge of the country's rings, (x1, y1, x2, y2), as `contains` tests them."""
        found = []
        for ring in self._rings_of(code):
            points = ring.points
            x1, y1 = points[-1]
            for x2, y2 in points:
                found.append((x1, y1, x2, y2))
                x1, y1 = x2, y2
        return found

    def _rings_of(self, code: str) -> list[_Ring]:
        rings = self._rings.get(code)
        if rings is None:
            from .geo import ring_copies

            # Rings that cross the antimeridian are made continuous, with copies
            # shifted by 360°, so that an even-odd test sees one closed shape.
            rings = self._rings[code] = [
                _Ring(copy)
                for ring in self._atlas.rings(self._countries[code])
                for copy in ring_copies(ring, 0.0)
            ]
        return rings

    def contains(self, code: str, point: Point) -> bool:
        """Is the point inside the country (even-odd over all its rings)?"""
        lng, lat = point
        cells = self._ring_cells.get(code)
        if cells is None:  # the rings whose box meets each grid cell
            cells = self._ring_cells[code] = {}
            for ring in self._rings_of(code):
                for cell in _cells(*ring.box):
                    cells.setdefault(cell, []).append(ring)
        inside = False
        for ring in cells.get(_cell(lng, lat), ()):
            west, south, east, north = ring.box  # most rings are far: decided here
            if west <= lng <= east and south <= lat <= north and ring.contains(lng, lat):
                inside = not inside
        return inside

    def outside_km(self, code: str, point: Point) -> tuple[float, bool]:
        """How far the point lies outside the country (0 inside), in km, and whether that
        is only the distance from the country's box, which is more than SEA_KM."""
        if self.contains(code, point):
            return 0.0, False
        # Far from the country's box, the box's distance says enough (and costs nothing).
        km = self.box_km(code, point)
        if km > SEA_KM:
            return km, True
        return self.distance_km(code, point), False

    def country_at(self, point: Point, among: Collection[str] | None = None) -> str:
        """The code of the country the point lies in, or "" (asking only the countries
        `among`, if given: those that may hold it)."""
        lng, lat = point
        # in the order of the atlas either way: the first country that holds the point
        codes = (
            self._boxes_by_cell().get(_cell(lng, lat), ())
            if among is None
            else [code for code in self._countries if code in among]
        )
        for code in codes:
            west, south, east, north = self._countries[code].bbox
            if (
                (west <= lng <= east or west > east)
                and south <= lat <= north
                and self.contains(code, point)
            ):
                return code
        return ""

    def _boxes_by_cell(self) -> dict[tuple[int, int], list[str]]:
        """The countries whose bounding box meets each grid cell: a point is tested
        against a handful of countries, not all of them."""
        if self._cells is None:
            self._cells = {}
            for code, country in self._countries.items():
                west, south, east, north = country.bbox
                if west > east:  # across the antimeridian: the whole width
                    west, east = -180.0, 180.0
                for cell in _cells(west, south, east, north):
                    self._cells.setdefault(cell, []).append(code)
        return self._cells

    def box_km(self, code: str, point: Point) -> float:
        """How far the point lies at least from the country (its bounding box), in km."""
        lng, lat = point
        west, south, east, north = self._countries[code].bbox
        if west > east:  # the box crosses the antimeridian: no bound from it
            return 0.0
        dlat = max(south - lat, 0.0, lat - north)
        dlng = max(west - lng, 0.0, lng - east)
        dlng = min(dlng, 360.0 - dlng) if dlng else 0.0
        # the nearer latitude of the box gives the smaller east-west distance
        scale = math.cos(math.radians(min(abs(lat), 90.0 - 1e-9)))
        scale = max(scale, math.cos(math.radians(max(abs(south), abs(north)))))
        return math.hypot(dlat, dlng * scale) * 111.2 * 0.99

    def distance_km(self, code: str, point: Point) -> float:
        """About how far the point lies from the country's outline (km)."""
        lng, lat = point
        scale = math.cos(math.radians(lat))
        # The nearest rings first: a ring (or a run of its edges) whose box lies farther
        # than the nearest edge found so far cannot hold a nearer one.
        rings = sorted(
            (_box_distance(ring.box, lng, lat, scale), i, ring)
            for i, ring in enumerate(self._rings_of(code))
        )
        best = math.inf
        for bound, _i, ring in rings:
            if bound > best:
                break
            best = ring.distance(lng, lat, scale, best)
        return best * 111.2


def _cell(lng: float, lat: float) -> tuple[int, int]:
    """The grid cell of a point."""
    return (math.floor(lng / _CELL_DEGREES), math.floor(lat / _CELL_DEGREES))


def _cells(west: float, south: float, east: float, north: float) -> list[tuple[int, int]]:
    """The grid cells a box meets: those of every point in it, as `_cell` is monotone."""
    (x1, y1), (x2, y2) = _cell(west, south), _cell(east, north)
    return [(x, y) for x in range(x1, x2 + 1) for y in range(y1, y2 + 1)]


_RUN = 16  # edges per run, for the distance's boxes
_EDGES_PER_BAND = 4  # about: a ring of n points has n / 4 bands of latitude
# A box's distance is a lower bound of its edges' distances; this margin keeps rounding
# from ever making it exceed one of them.
_BOUND_MARGIN = 1.0 - 1e-9


class _Ring:
    """A ring of an outline, indexed for the two questions asked of it: the edges that
    cross each band of latitude (a point's even-odd test needs only those of its band)
    and runs of consecutive edges with their boxes (a distance skips the runs whose box
    lies farther than the nearest edge found). Each index is made when first needed,
    and the arithmetic on each edge is that of a walk round the whole ring: the answers
    are the same, only cheaper."""

    __slots__ = ("_bands", "_height", "_runs", "box", "points")

    def __init__(self, points: list[Point]) -> None:
        self.points = points
        lngs = [p[0] for p in points]
        lats = [p[1] for p in points]
        self.box = (min(lngs), min(lats), max(lngs), max(lats))
        self._bands: list[list[tuple[float, float, float, float]]] = []
        self._height = 0.0
        self._runs: list[tuple[tuple[float, float, float, float], list[Point]]] = []

    def _band(self, lat: float) -> int:
        """The band of a latitude inside the box: a non-decreasing function of it, so an
        edge from latitude a to b is in the bands from _band(a) to _band(b)."""
        if self._height <= 0.0:
            return 0
        return min(len(self._bands) - 1, int((lat - self.box[1]) / self._height))

    def _make_bands(self) -> None:
        points = self.points
        count = max(1, len(points) // _EDGES_PER_BAND)
        self._height = (self.box[3] - self.box[1]) / count
        bands: list[list[tuple[float, float, float, float]]] = [[] for _ in range(count)]
        self._bands = bands
        # each point's band; an edge's are those from its lower end's to its upper end's
        south, height, last = self.box[1], self._height, count - 1
        of = (
            [min(last, int((lat - south) / height)) for _, lat in points]  # as _band
            if height > 0.0
            else [0] * len(points)
        )
        x1, y1 = points[-1]  # each edge from the point before (the last, for the first)
        b1 = of[-1]
        for (x2, y2), b2 in zip(points, of, strict=True):
            if b1 == b2:
                bands[b1].append((x1, y1, x2, y2))
            else:
                for band in range(min(b1, b2), max(b1, b2) + 1):
                    bands[band].append((x1, y1, x2, y2))
            x1, y1, b1 = x2, y2, b2

    def contains(self, x: float, y: float) -> bool:
        """Is the point, inside the ring's box, inside the ring (even-odd, a ray east)?"""
        if not self._bands:
            self._make_bands()
        inside = False
        for x1, y1, x2, y2 in self._bands[self._band(y)]:
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
        return inside

    def distance(self, x: float, y: float, scale: float, best: float) -> float:
        """The distance from the point to the ring's nearest edge if it is less than
        `best`, else `best` (degrees of latitude, longitudes scaled)."""
        if not self._runs:
            points = self.points
            for start in range(0, len(points) - 1, _RUN):
                run = points[start : start + _RUN + 1]  # its edges join consecutive points
                lngs = [p[0] for p in run]
                lats = [p[1] for p in run]
                self._runs.append(((min(lngs), min(lats), max(lngs), max(lats)), run))
        px, hypot = x * scale, math.hypot
        for box, run in self._runs:
            if _box_distance(box, x, y, scale) > best:
                continue
            # each edge's distance in degrees of latitude, longitudes scaled
            for (x1, y1), (x2, y2) in itertools.pairwise(run):
                ax, bx = x1 * scale, x2 * scale
                dx, dy = bx - ax, y2 - y1
                length = dx * dx + dy * dy
                t = (
                    0.0
                    if length == 0
                    else max(0.0, min(1.0, ((px - ax) * dx + (y - y1) * dy) / length))
                )
                d = hypot(px - (ax + t * dx), y - (y1 + t * dy))
                if d < best:
                    best = d
        return best


def _box_distance(
    box: tuple[float, float, float, float], x: float, y: float, scale: float
) -> float:
    west, south, east, north = box
    dx = max(west - x, 0.0, x - east) * scale
    dy = max(south - y, 0.0, y - north)
    return math.hypot(dx, dy) * _BOUND_MARGIN


# --- names and places -------------------------------------------------------------------


def name_coordinate_warnings(cities: Iterable[City]) -> list[CityWarning]:
    """Cities whose name and coordinates disagree, as the gazetteer sees them.

    A city with a Wikidata id is a place of its own where no GeoNames id says otherwise:
    the gazetteer holds only places of 15,000+ inhabitants, not their small namesakes.
    """
    from .gazetteer import gazetteer
    from .matching import FAR_KM

    places = gazetteer()
    found = []
    unplaced = []  # with coordinates, neither a GeoNames place nor a Wikidata id
    for city in cities:
        if city.lat is None or city.lng is None:
            continue
        position = places.position(city.geonames) if city.geonames else None
        if position is None:
            if not city.wikidata:
                unplaced.append(city)
            continue
        if _surely_within(city.lat, city.lng, position[1], position[2], FAR_KM):
            continue
        km = distance_km(city.lat, city.lng, position[1], position[2])
        if km <= FAR_KM:
            continue
        own = places.place(city.geonames)  # made only for what is said of it
        assert own is not None  # it has a position
        message = _("its GeoNames place {place} ({region}) is {km} km from its coordinates")
        advice = _("correct its coordinates or its GeoNames id")
        found.append(
            CityWarning(
                "name-coordinates",
                (city.id,),
                message.format(place=own.name, region=own.region or own.country, km=number(km)),
                advice,
            )
        )
    for city, names in _named_in_gazetteer(unplaced, places):
        namesakes = places.far_namesakes(names, city.country, city.lat, city.lng, FAR_KM)  # type: ignore[arg-type]
        if namesakes:
            found.append(_namesake_warning(city, namesakes[0], places))
    return found


def _named_in_gazetteer(
    cities: list[City], places: Gazetteer
) -> list[tuple[City, tuple[str, ...]]]:
    """The cities of which a name may be that of a place of their country, with their
    names. Their names are the German and the English one and, as in imports, the part
    of either before a comma ("San Isidro, Spain"). Most cities without a GeoNames place
    are too small for the gazetteer: all their names are asked at once, in C
    (`Gazetteer.maybe_named`), and a city is looked at only if one may be there."""
    names = list(map(_NAME, cities))
    owners = list(range(len(cities)))
    english = list(map(_NAME_EN, cities))
    # the English names that are not the German one (most are)
    other = list(itertools.compress(owners, map(operator.ne, english, names)))
    names += map(english.__getitem__, other)
    owners += other
    commas = map(operator.contains, names, itertools.repeat(","))
    for at in list(itertools.compress(range(len(names)), commas)):
        names.append(names[at].split(",")[0])
        owners.append(owners[at])
    countries = list(map(_COUNTRY, map(cities.__getitem__, owners)))
    held = set(itertools.compress(owners, places.maybe_named(names, countries)))
    found = []
    for at in sorted(held):
        city = cities[at]
        # each once (name_en is mostly the name); in any order: far_namesakes orders
        # what it finds
        own = {city.name, city.name_en}
        found.append((city, tuple({*own, *_before_comma(*own)} - {""})))
    return found


def _namesake_warning(city: City, place: Place, places: Gazetteer) -> CityWarning:
    """The warning about a city whose name is that of a place far from it."""
    from .matching import AT_KM

    assert city.lat is not None and city.lng is not None  # it was measured
    at = places.nearest(city.lat, city.lng, AT_KM)
    lies = _(", which lie at {place}").format(place=at.name) if at is not None else ""
    km = distance_km(city.lat, city.lng, place.lat, place.lng)
    return CityWarning(
        "name-coordinates",
        (city.id,),
        _(
            "its name is that of {place} ({region}, {population} inhabitants), "
            "{km} km from its coordinates {lat:.2f}, {lng:.2f}{lies}"
        ).format(
            place=place.name,
            region=place.region or place.country,
            population=number(place.population),
            km=number(km),
            lat=city.lat,
            lng=city.lng,
            lies=lies,
        ),
        _(
            "if it is {place}, correct its coordinates or merge it into that city "
            "(citynet merge KEEP {id} --force); if not, give it its Wikidata id"
        ).format(place=place.name, id=city.id),
    )


def _before_comma(*names: str) -> list[str]:
    return [name.split(",")[0] for name in names if "," in name]


def _surely_within(lat1: float, lng1: float, lat2: float, lng2: float, km: float) -> bool:
    """Is the great-circle distance surely at most `km`? A way north or south, then along
    a parallel, is never shorter than the great circle, and no longer than the
    differences in latitude and longitude together; the margin covers rounding. False
    says nothing: then `distance_km` decides."""
    way = (abs(lat1 - lat2) + abs(lng1 - lng2)) * (math.pi / 180.0) * EARTH_KM
    return way <= km * (1.0 - 1e-9)


def _distinct(a: City, b: City) -> bool:
    """Different Wikidata ids and not one GeoNames place: two places for certain."""
    return bool(a.wikidata and b.wikidata and a.wikidata != b.wikidata) and not (
        a.geonames and a.geonames == b.geonames
    )


def same_name_warnings(cities: Iterable[City]) -> list[CityWarning]:
    """Pairs of cities with one name in one country that nothing tells apart, farther
    apart than `merge.likely_duplicates` looks (those it lists itself)."""
    from .merge import CLOSE_KM

    cities = list(cities)
    found = []
    seen: set[tuple[str, str]] = set()
    for (country, _key), group in sorted(_same_names(cities).items()):
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                pair = (min(a.id, b.id), max(a.id, b.id))
                if pair in seen or _distinct(a, b):
                    continue
                if None in (a.lat, a.lng, b.lat, b.lng):
                    continue  # likely_duplicates lists same names without coordinates
                km = distance_km(a.lat, a.lng, b.lat, b.lng)  # type: ignore[arg-type]
                if km <= CLOSE_KM:
                    continue
                seen.add(pair)
                found.append(
                    CityWarning(
                        "same-name",
                        pair,
                        _("two cities named {name} in {country}, {km} km apart").format(
                            name=a.name, country=country, km=number(km)
                        ),
                        _(
                            "if they are one place: citynet merge {a} {b} --force; if not, "
                            "give each its Wikidata id"
                        ).format(a=pair[0], b=pair[1]),
                    )
                )
    return found


def _same_names(cities: list[City]) -> dict[tuple[str, str], list[City]]:
    """The country and folded name (`names.fold_variants`) of two or more cities, with
    those cities in their order."""
    from .names import folded_keys, held_by_several

    keys, owners = folded_keys(list(map(_NAME, cities)))
    countries = map(_COUNTRY, map(cities.__getitem__, owners))
    groups = held_by_several(list(zip(countries, keys, strict=True)), owners)
    return {key: [cities[at] for at in group] for key, group in groups.items()}


_NAME = operator.attrgetter("name")
_NAME_EN = operator.attrgetter("name_en")
_COUNTRY = operator.attrgetter("country")
_GEONAMES = operator.attrgetter("geonames")


def one_place_warnings(cities: Iterable[City]) -> list[CityWarning]:
    """Cities linked to the same GeoNames place."""
    from .names import held_by_several

    cities = list(cities)
    places = list(map(_GEONAMES, cities))
    linked = list(itertools.compress(range(len(cities)), places))
    shared = held_by_several(list(map(places.__getitem__, linked)), linked)
    found = []
    for geonames, at in sorted(shared.items()):
        group = list(map(cities.__getitem__, at))
        ids = tuple(sorted(c.id for c in group))
        qids = ", ".join(f"{c.id} {c.wikidata or '–'}" for c in sorted(group, key=lambda c: c.id))
        found.append(
            CityWarning(
                "one-place",
                ids,
                _("one GeoNames place ({geonames}) for several cities (Wikidata: {qids})").format(
                    geonames=geonames, qids=qids
                ),
                _(
                    "if they are one place: citynet merge {a} {b} --force; if one is a "
                    "municipality or region around the city, remove the GeoNames id from it"
                ).format(a=ids[0], b=ids[1]),
            )
        )
    return found

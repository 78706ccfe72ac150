"""Maps of a city's partners, a network's members or a country's links abroad.

The flow is that of the rest of citynet: a dataset becomes a `MapData` (which
cities, which links), which becomes SVG, GeoJSON (RFC 7946) or a self-contained
HTML page, drawn with `geo`: Equal Earth, great-circle arcs cut at the
antimeridian, a view fitted to the data, Natural Earth's outlines. Labels are
placed greedily, the most important city first. Nothing here prints; text from the
data is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from . import formats, markup
from .contract import null
from .errors import NotFoundError, UsageError
from .geo import (
    Point,
    View,
    atlas,
    fit_view,
    great_circle,
    jumps,
    ring_copies,
    split_antimeridian,
)
from .i18n import N_, _, ngettext

# Re-exported: the maps' colours and order of kinds, as report and tests know them.
from .kinds import KIND_COLOURS as KIND_COLOURS
from .kinds import UNKNOWN_KIND_COLOUR as UNKNOWN_KIND_COLOUR
from .kinds import kind_colour as kind_colour
from .kinds import kind_rank as kind_rank
from .model import City, Dataset, Network, Partnership
from .names import fold

FORMATS = formats.names("map")
# Views narrower than this (in units of the unit sphere; the world is 5.4 wide) get
# the more detailed outlines.
DETAILED_BELOW = 1.8

# The roles a city has on a map, in drawing order, with marker radius, colour and
# legend (translated where shown: `role_label`).
ROLES = {
    "partner": (4.0, "#333333", N_("partner city")),
    "abroad": (4.0, "#333333", N_("partner city abroad")),
    "member": (4.5, "#2166ac", N_("member city")),
    "home": (4.5, "#b2182b", N_("city in the country")),
    "centre": (6.5, "#b2182b", N_("the city")),
}


# --- what is on a map -----------------------------------------------------------
# (Named tuples rather than dataclasses: they are made faster when the module is
# imported, and a map is drawn while someone waits.)


class Place(NamedTuple):
    """A city on the map, its role there and how many links it has (label priority)."""

    city: City
    role: str
    links: int = 0
    note: str = ""  # one line about it: kinds and years, or since-year and roles


class Link(NamedTuple):
    """Every relation between two cities of the map, the most formal kind first."""

    a: City
    b: City
    partnerships: tuple[Partnership, ...]

    @property
    def kind(self) -> str:
        """The kind whose colour the line gets."""
        return self.partnerships[0].kind


class MapData(NamedTuple):
    kind: str  # "city", "network" or "country"
    id: str
    title: str
    places: tuple[Place, ...]
    links: tuple[Link, ...]
    country: str = ""  # the country drawn darker
    extent: str = "auto"  # "auto", "world", "europe" or a country code (`map_extent`)


def kind_label(kind: str) -> str:
    """The name of a partnership kind in the interface's language; an unknown kind as it is."""
    from .views import kind_label

    return kind_label(kind)


def role_label(role: str) -> str:
    """The legend's name of a role, in the interface's language."""
    return _(ROLES.get(role, ROLES["partner"])[2])


def _kind_order(partnership: Partnership) -> tuple[int, str]:
    return kind_rank(partnership.kind)


def _relation_text(partnerships: Iterable[Partnership]) -> str:
    from .views import _years

    parts = []
    for p in partnerships:
        years = _years(p.since, p.until)
        parts.append(f"{kind_label(p.kind)} {years}" if years else kind_label(p.kind))
    return ", ".join(parts)


def _links_between(pairs: dict[tuple[str, str], list[Partnership]], dataset: Dataset) -> list[Link]:
    links = []
    for (a, b), found in pairs.items():
        found.sort(key=_kind_order)
        links.append(Link(dataset.city_by_id[a], dataset.city_by_id[b], tuple(found)))
    return links


def city_map(dataset: Dataset, city: City, kinds: Sequence[str] = ()) -> MapData:
    """A city and its partner cities, one link per partner with every kind of relation."""
    wanted = set(kinds)
    pairs: dict[tuple[str, str], list[Partnership]] = {}
    for p in dataset.partnerships_of(city.id):
        if not wanted or p.kind in wanted:
            pairs.setdefault((city.id, p.other(city.id)), []).append(p)
    links = _links_between(pairs, dataset)
    places = [Place(city, "centre", len(links))]
    places += [
        Place(link.b, "partner", len(link.partnerships), _relation_text(link.partnerships))
        for link in links
    ]
    title = _("{city}: partner cities").format(city=city_label(city)) + _kinds_note(kinds)
    return MapData("city", city.id, title, tuple(places), tuple(links))


def _kinds_note(kinds: Sequence[str]) -> str:
    """ " (twinning partnership, contact)" when a map shows only some kinds."""
    return f" ({', '.join(kind_label(k) for k in kinds)})" if kinds else ""


def network_map(dataset: Dataset, network: Network) -> MapData:
    """A network's member cities; those with roles in it are labelled first."""
    from .query import members_of
    from .views import _years

    places = []
    for membership in members_of(dataset, network):
        roles = ", ".join(dict.fromkeys(r.role for r in membership.roles))
        years = _years(membership.since, membership.until, membership.since_text)
        note = "; ".join(part for part in (years, roles) if part)
        city = dataset.city_by_id[membership.city]
        places.append(Place(city, "member", len(membership.roles), note))
    title = _("{network}: member cities").format(network=network.label)
    return MapData("network", network.id, title, tuple(places), ())


def country_map(dataset: Dataset, country: str, kinds: Sequence[str] = ()) -> MapData:
    """The cities of a country and their partner cities abroad."""
    from .names import COUNTRY, lookup

    wanted = set(kinds)
    code = lookup(None, country, COUNTRY)
    home = [c for c in dataset.cities if c.country == code]
    if not home:
        raise NotFoundError(_("no city of country {code} in the dataset").format(code=repr(code)))
    pairs: dict[tuple[str, str], list[Partnership]] = {}
    for city in home:
        for p in dataset.partnerships_of(city.id):
            other = dataset.city_by_id[p.other(city.id)]
            if other.country != code and (not wanted or p.kind in wanted):
                pairs.setdefault((city.id, other.id), []).append(p)
    links = _links_between(pairs, dataset)
    count: dict[str, int] = {}
    for link in links:
        count[link.a.id] = count.get(link.a.id, 0) + 1
        count[link.b.id] = count.get(link.b.id, 0) + 1
    places = [Place(c, "home", count.get(c.id, 0)) for c in home]
    abroad = {link.b.id: link.b for link in links}
    places += [Place(c, "abroad", count[c.id]) for c in abroad.values()]
    title = _("{country}: cities and their partner cities abroad").format(country=code)
    title += _kinds_note(kinds)
    return MapData("country", code, title, tuple(places), tuple(links), country=code)


# --- SVG ----------------------------------------------------------------------

_HEADER = 34.0  # title strip above the map
_FONT = 12.0
_OCEAN = "#e4eef5"
_LAND = "#f3f0e8"
_LAND_WITH_CITIES = "#e9e0cb"
_LAND_SUBJECT = "#dccba4"
_MAX_LABELS = 60
_MAX_NUMBERS = 60  # beyond this many unlabelled cities the key would be a list, not a key


def render_svg(data: MapData) -> str:
    """The map as a standalone SVG document (UTF-8 text): title, map, legend, and the
    cities without coordinates listed below."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _svg(data, standalone=True) + "\n"


def _placed(data: MapData) -> list[Place]:
    return [p for p in data.places if p.city.lat is not None and p.city.lng is not None]


def _unplaced(data: MapData) -> list[Place]:
    return [p for p in data.places if p.city.lat is None or p.city.lng is None]


def _where(city: City) -> Point:
    assert city.lng is not None and city.lat is not None
    return (city.lng, city.lat)


def _arcs(data: MapData) -> list[tuple[Link, list[Point]]]:
    return [
        (link, great_circle(_where(link.a), _where(link.b)))
        for link in data.links
        if None not in (link.a.lat, link.a.lng, link.b.lat, link.b.lng)
    ]


class Panel(NamedTuple):
    """One drawn view of the map: the whole, or the enlarged detail below it."""

    view: View
    top: float  # y of the panel's top edge in the SVG
    caption: str  # "" for the main view
    numbers: dict[str, int]  # city id → its number in the key, for cities not labelled
    named: frozenset[str]  # the ids of the cities labelled with their names


class Layout(NamedTuple):
    panels: tuple[Panel, ...]
    parts: list[str]  # the SVG elements of the panels
    bottom: float  # y below the last panel
    key: list[tuple[int, Place]]  # the numbered cities, in number order
    crowded: list[Place]  # cities in view with neither name nor number
    outside: list[Place]  # cities with coordinates outside every view


def _svg(data: MapData, *, standalone: bool, layout: Layout | None = None) -> str:
    """The SVG element; without `standalone`, only the map (drawn as `layout`), for a
    page that gives the title, the legend, the key and the cities without
    coordinates itself."""
    places = _placed(data)
    unplaced = _unplaced(data)
    header = _HEADER if standalone else 0.0
    layout = layout or _layout(data, header)
    width = layout.panels[0].view.width
    legend = _legend_rows(_legend_items(data), width) if standalone else []
    footer = (
        _key_lines(layout, width)
        + _footer_lines(unplaced, width)
        + _outside_lines(layout.outside, width)
        if standalone
        else []
    )
    height = layout.bottom
    if standalone:
        height += 8.0 + 20.0 * len(legend) + 16.0 * len(footer) + 6.0
    w, h = f"{width:.0f}", f"{height:.0f}"
    desc = ngettext(
        "{placed} city on the map, {unplaced} without coordinates; "
        "Equal Earth projection; outlines: Natural Earth.",
        "{placed} cities on the map, {unplaced} without coordinates; "
        "Equal Earth projection; outlines: Natural Earth.",
        len(places),
    ).format(placed=len(places), unplaced=len(unplaced))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" '
        f'height="{h}" role="img" aria-labelledby="map-title" '
        f'font-family="{markup.FONTS}" font-size="{_FONT:.0f}">',
        f'<title id="map-title">{markup.text(data.title)}</title>',
        f"<desc>{markup.text(desc)}</desc>",
        f'<rect width="{w}" height="{h}" fill="#fff"/>',
    ]
    add = parts.append
    if standalone:
        add(
            '<text x="12" y="23" font-size="17" font-weight="bold" fill="#1b1b1b">'
            f"{markup.text(data.title)}</text>"
        )
    parts += layout.parts
    y = layout.bottom
    credit = markup.text(_("Equal Earth · outlines: Natural Earth"))
    add(
        f'<text x="{width - 6:.0f}" y="{y - 6:.1f}" text-anchor="end" font-size="9" '
        f'fill="#666">{credit}</text>'
    )
    y += 8.0
    if legend:
        add('<g class="legend" font-size="11" fill="#333">')
        for row in legend:
            y += 20.0
            add(_legend_svg(row, y - 6.0))
        add("</g>")
    for line in footer:
        y += 16.0
        add(f'<text x="12" y="{y - 4:.1f}" fill="#333">{markup.text(line)}</text>')
    add("</svg>")
    return "\n".join(parts)


_CAPTION = 22.0  # the strip above the detail view
_DETAIL_SPAN = (0.16, 0.08)  # the smallest enlarged view: about 10° by 5°


def _layout(data: MapData, top: float) -> Layout:
    """The main view (fitted to the data, or the extent asked for) and, where cities
    crowd so that some get no label, an enlarged view of them below it; a city that
    still has no room for its name gets a number and a line in the key."""
    places = _placed(data)
    arcs = _arcs(data)
    view = _main_view(data, places, arcs)
    detail = None
    if data.extent == "auto":
        # A first placement, not drawn, finds the cities that get no label.
        boxes = _draw_markers([], places, view)
        named = {label[0].city.id for label in place_labels(places, boxes, view.width, view.height)}
        missing = [p for p in places if p.city.id in boxes and p.city.id not in named]
        if missing:
            detail = _detail_view([_where(p.city) for p in missing], view)
    parts: list[str] = []
    main = _panel(parts, data, places, arcs, view, top, "", "main", numbers=detail is None)
    panels = [main]
    bottom = top + view.height
    if detail is not None:
        caption = _("Enlarged: the cities too close together above")
        top = bottom + _CAPTION
        unnamed = frozenset(p.city.id for p in places) - main.named
        panels.append(
            _panel(parts, data, places, arcs, detail, top, caption, "detail", first=unnamed)
        )
        bottom = top + detail.height
    last = panels[-1]
    numbered = [p for p in places if p.city.id in last.numbers]
    key = sorted(((last.numbers[p.city.id], p) for p in numbered), key=lambda t: t[0])
    seen = [p for p in places if _inside(p, panels)]
    crowded = [p for p in seen if p.city.id not in last.named | set(last.numbers)]
    if len(panels) > 1:  # cities named in the main view only, outside the detail
        crowded = [p for p in crowded if p.city.id not in panels[0].named]
    outside = [p for p in places if p not in seen]
    return Layout(tuple(panels), parts, bottom, key, crowded, outside)


def _detail_view(points: list[Point], view: View) -> View | None:
    """A view at least 1.6 times larger around the crowd of unlabelled points: all of
    them if they are close enough together, else the densest half around their
    middle, then its densest half, …; None if no crowd of three is that close."""
    lng = sorted(p[0] for p in points)[len(points) // 2]
    lat = sorted(p[1] for p in points)[len(points) // 2]
    nearest = sorted(points, key=lambda p: (p[0] - lng) ** 2 + (p[1] - lat) ** 2)
    while len(nearest) >= 3:
        detail = fit_view(nearest, view.width, _DETAIL_SPAN)
        if detail.scale >= 1.6 * view.scale:
            return detail
        nearest = nearest[: len(nearest) // 2]
    return None


def _inside(place: Place, panels: list[Panel]) -> bool:
    for panel in panels:
        x, y = panel.view.project(panel.view.shift(place.city.lng or 0.0), place.city.lat or 0.0)
        if 0 <= x <= panel.view.width and 0 <= y <= panel.view.height:
            return True
    return False


def _panel(
    parts: list[str],
    data: MapData,
    places: list[Place],
    arcs: list[tuple[Link, list[Point]]],
    view: View,
    top: float,
    caption: str,
    name: str,
    *,
    numbers: bool = True,
    first: frozenset[str] = frozenset(),
) -> Panel:
    """Draw one view at `top`; with `numbers`, a city without room for its name gets
    a number for the key."""
    add = parts.append
    if caption:
        add(
            f'<text x="12" y="{top - 7:.1f}" font-size="12" font-weight="bold" fill="#333">'
            f"{markup.text(caption)}</text>"
        )
    w = f"{view.width:.0f}"
    add(
        f'<clipPath id="{name}-area"><rect x="0" y="{top:.1f}" width="{w}" '
        f'height="{view.height:.1f}"/></clipPath>'
    )
    add(f'<g clip-path="url(#{name}-area)"><g transform="translate(0 {top:.1f})">')
    _draw_outlines(parts, data, view, name)
    _draw_links(parts, arcs, view)
    boxes = _draw_markers(parts, places, view)
    named, numbered = _draw_labels(parts, places, boxes, view, numbers, first)
    add("</g></g>")
    add(
        f'<rect x="0.5" y="{top + 0.5:.1f}" width="{view.width - 1:.0f}" '
        f'height="{view.height - 1:.1f}" fill="none" stroke="#b9c4cc"/>'
    )
    return Panel(view, top, caption, numbered, frozenset(named))


# The box (west, south, east, north) of `--extent europe`.
EUROPE = (-24.0, 35.0, 42.0, 70.0)
EXTENTS = ("auto", "world", "europe")


def _main_view(data: MapData, places: list[Place], arcs: list[tuple[Link, list[Point]]]) -> View:
    extent = data.extent
    if extent == "auto" and data.kind == "country":
        extent = data.country  # a country's map shows the country and its neighbours
    if extent == "auto":
        return fit_view([_where(p.city) for p in places] + [pt for _, line in arcs for pt in line])
    if extent == "world":
        return fit_view([(lng, lat) for lng in (-179.0, 0.0, 179.0) for lat in (-56.0, 83.0)])
    west, south, east, north = EUROPE if extent == "europe" else _country_box(extent)
    # The edges, not only the corners: Equal Earth bends the meridians.
    edge = [(west + (east - west) * i / 8, lat) for i in range(9) for lat in (south, north)]
    edge += [(lng, south + (north - south) * i / 8) for i in range(9) for lng in (west, east)]
    return fit_view(edge)


def _country_box(code: str) -> tuple[float, float, float, float]:
    """The country's mainland (its largest ring) with a margin that shows its neighbours."""
    outlines = atlas("110m")
    country = next((c for c in outlines.countries if c.code == code), None)
    if country is None:
        raise UsageError(
            _(
                "no outline for country {code}; extents: auto, world, europe or a country code"
            ).format(code=repr(code))
        )
    ring = max(outlines.rings(country), key=len)
    lngs, lats = [lng for lng, _ in ring], [lat for _, lat in ring]
    west, east, south, north = min(lngs), max(lngs), min(lats), max(lats)
    margin = max(east - west, north - south) * 0.25
    return west - margin, max(south - margin, -85.0), east + margin, min(north + margin, 85.0)


def map_extent(value: str) -> str:
    """The extent a person typed: auto, world, europe or an ISO country code."""
    from .names import COUNTRY, lookup

    folded = value.strip().lower()
    return folded if folded in EXTENTS else lookup(None, value, COUNTRY)


def _path(points: Iterable[Point], view: View, close: bool = False) -> str:
    """SVG path data through the projected points, to a tenth of a pixel."""
    d = "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in view.project_all(points))
    return d + "Z" if close else d


def _draw_outlines(parts: list[str], data: MapData, view: View, name: str = "main") -> None:
    # The sphere's outline is the ocean: on a world map the corners stay white.
    edge = [(-180.0, lat) for lat in range(-90, 91, 5)] + [
        (180.0, lat) for lat in range(90, -91, -5)
    ]
    sphere = _path(edge, view, close=True)
    parts.append(f'<clipPath id="{name}-sphere"><path d="{sphere}"/></clipPath>')
    parts.append(f'<path d="{sphere}" fill="{_OCEAN}"/>')
    with_cities = {p.city.country for p in data.places}
    subject = data.country or next((p.city.country for p in data.places if p.role == "centre"), "")
    groups: dict[str, list[str]] = {_LAND: [], _LAND_WITH_CITIES: [], _LAND_SUBJECT: []}
    outlines = atlas("50m" if view.width / view.scale < DETAILED_BELOW else "110m")
    for country in outlines.countries:
        if not view.may_show(*country.bbox):
            continue
        path = _country_path(outlines.rings(country), view)
        if not path:
            continue
        fill = (
            _LAND_SUBJECT
            if country.code and country.code == subject
            else _LAND_WITH_CITIES
            if country.code in with_cities
            else _LAND
        )
        groups[fill].append(f'<path d="{path}"><title>{markup.text(country.name)}</title></path>')
    parts.append(
        f'<g clip-path="url(#{name}-sphere)" stroke="#fff" stroke-width="0.6" '
        'stroke-linejoin="round" fill-rule="evenodd">'
    )
    for fill, paths in groups.items():
        if paths:
            parts.append(f'<g fill="{fill}">' + "".join(paths) + "</g>")
    parts.append("</g>")


def _country_path(rings: Sequence[Sequence[Point]], view: View) -> str:
    pieces = []
    width, height = view.width, view.height
    for ring in rings:
        copies = ring_copies(ring, view.centre) if view.centre or jumps(ring) else [ring]
        for copy in copies:
            projected = view.project_all(copy)
            xs = [x for x, _ in projected]
            ys = [y for _, y in projected]
            if max(xs) < 0 or min(xs) > width or max(ys) < 0 or min(ys) > height:
                continue
            # Points closer than a pixel to the last one kept add bytes, not shape.
            kept = [projected[0]]
            last_x, last_y = projected[0]
            for x, y in projected[1:-1]:
                if abs(x - last_x) + abs(y - last_y) >= 0.8:
                    kept.append((x, y))
                    last_x, last_y = x, y
            kept.append(projected[-1])
            if len(kept) >= 3:
                pieces.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in kept) + "Z")
    return "".join(pieces)


def _draw_links(parts: list[str], arcs: list[tuple[Link, list[Point]]], view: View) -> None:
    if not arcs:
        return
    count = len(arcs)
    width, opacity = (1.8, 0.9) if count <= 40 else (1.1, 0.7) if count <= 250 else (0.6, 0.45)
    parts.append(
        f'<g fill="none" stroke-width="{width}" stroke-opacity="{opacity}" stroke-linecap="round">'
    )
    # The most formal kinds are drawn last, on top.
    for link, line in sorted(arcs, key=lambda item: kind_rank(item[0].kind), reverse=True):
        shifted = [(view.shift(lng), lat) for lng, lat in line]
        d = "".join(_path(piece, view) for piece in split_antimeridian(shifted))
        title = f"{link.a.name} – {link.b.name}: {_relation_text(link.partnerships)}"
        parts.append(
            f'<path class="link" data-kind="{markup.text(link.kind)}" '
            f'stroke="{kind_colour(link.kind)}" d="{d}"><title>{markup.text(title)}</title></path>'
        )
    parts.append("</g>")


Box = tuple[float, float, float, float]  # left, top, right, bottom in pixels


def _draw_markers(parts: list[str], places: list[Place], view: View) -> dict[str, Box]:
    order = list(ROLES)
    shrink = 1.0 if len(places) <= 150 else 0.7  # a crowded map needs smaller dots
    parts.append(f'<g stroke="#fff" stroke-width="{1.2 * shrink:.1f}">')
    boxes: dict[str, Box] = {}
    for place in sorted(places, key=lambda p: order.index(p.role) if p.role in order else 0):
        lng, lat = _where(place.city)
        x, y = view.project(view.shift(lng), lat)
        radius, colour, _ = ROLES.get(place.role, ROLES["partner"])
        radius *= shrink
        boxes[place.city.id] = (x - radius, y - radius, x + radius, y + radius)
        title = f"{city_label(place.city)} ({place.city.country})"
        if place.note:
            title += f": {place.note}"
        parts.append(
            f'<circle class="marker" data-city="{markup.text(place.city.id)}" '
            f'data-role="{place.role}" cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{colour}">'
            f"<title>{markup.text(title)}</title></circle>"
        )
    parts.append("</g>")
    return boxes


# --- labels ---------------------------------------------------------------------


def text_width(label: str, size: float = _FONT) -> float:
    """A generous estimate of the width of a label in a sans-serif font."""
    wide = sum(1 for ch in label if ch.isupper() or ch in "mwMW")
    narrow = sum(1 for ch in label if ch in " .,:;'’ilIjft()-|")
    return (0.56 * (len(label) - wide - narrow) + 0.72 * wide + 0.3 * narrow) * size


class _Grid:
    """Boxes bucketed in cells, so a collision test looks only at its neighbours."""

    def __init__(self, cell: float = 48.0) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[Box]] = {}

    def _keys(self, box: Box) -> Iterable[tuple[int, int]]:
        c = self.cell
        for i in range(int(box[0] // c), int(box[2] // c) + 1):
            for j in range(int(box[1] // c), int(box[3] // c) + 1):
                yield i, j

    def add(self, box: Box) -> None:
        for key in self._keys(box):
            self.cells.setdefault(key, []).append(box)

    def hits(self, box: Box, ignore: Box | None = None) -> bool:
        for key in self._keys(box):
            for other in self.cells.get(key, ()):
                if other is not ignore and (
                    box[0] < other[2]
                    and other[0] < box[2]
                    and box[1] < other[3]
                    and other[1] < box[3]
                ):
                    return True
        return False


def place_labels(
    places: Sequence[Place],
    boxes: dict[str, Box],
    width: float,
    height: float,
    *,
    numbers: bool = False,
    first: frozenset[str] = frozenset(),
) -> list[tuple[Place, float, float, str, str]]:
    """Greedy label placement, the most important city first: each label takes the
    first of eight positions around its marker that overlaps no other label, no
    labelled city's marker and no edge, preferring one that covers no marker at all.
    With `numbers`, the cities left without a name get a number for the key, placed
    the same way; the cities in `first` are named before all others (an enlarged
    view names those its main view could not). Returns (place, x, y, text-anchor,
    text) for each label."""
    order = {"centre": 0, "home": 1, "member": 2, "partner": 2, "abroad": 3}
    ranked = sorted(
        (p for p in places if p.city.id in boxes),
        key=lambda p: (p.city.id not in first, order.get(p.role, 2), -p.links, fold(p.city.name)),
    )
    markers = _Grid()
    for box in boxes.values():
        markers.add(box)
    taken = _Grid()  # labels and the markers of labelled cities
    placed: list[tuple[Place, float, float, str, str]] = []
    left: list[Place] = []
    for place in ranked:
        text = city_label(place.city)
        own = boxes[place.city.id]
        found = (
            _label_position(text, own, width, height, taken, markers)
            if len(placed) < _MAX_LABELS
            else None
        )
        if found:
            box, x, y, anchor = found
            taken.add(box)
            taken.add(own)
            placed.append((place, x, y, anchor, text))
        else:
            left.append(place)
    if numbers and len(left) <= _MAX_NUMBERS:
        number = 0
        for place in left:
            own = boxes[place.city.id]
            found = _label_position(str(number + 1), own, width, height, taken, markers)
            if found:
                number += 1
                box, x, y, anchor = found
                taken.add(box)
                taken.add(own)
                placed.append((place, x, y, anchor, str(number)))
    return placed


def city_label(city: City) -> str:
    """The name a map gives a city: its (German-first) name in a German session, its
    English name where it has one in an English session; controls dropped."""
    from .i18n import language

    name = city.name if language() == "de" or not city.name_en else city.name_en
    return markup.clean(name)


def _label_position(
    text: str, own: Box, width: float, height: float, taken: _Grid, markers: _Grid
) -> tuple[Box, float, float, str] | None:
    # The box a browser gives the text: a little wider than the estimate, and from
    # the ascent above the baseline to the descent below it (1.2 × the font size).
    w = text_width(text) * 1.08 + 2
    h = _FONT * 1.2
    cx, cy = (own[0] + own[2]) / 2, (own[1] + own[3]) / 2
    gap = (own[2] - own[0]) / 2 + 3
    candidates = []
    for left, top, anchor in (
        (cx + gap, cy - h / 2, "start"),
        (cx - gap - w, cy - h / 2, "end"),
        (cx - w / 2, cy - gap - h, "middle"),
        (cx - w / 2, cy + gap, "middle"),
        (cx + gap * 0.7, cy - gap * 0.7 - h, "start"),
        (cx + gap * 0.7, cy + gap * 0.7, "start"),
        (cx - gap * 0.7 - w, cy - gap * 0.7 - h, "end"),
        (cx - gap * 0.7 - w, cy + gap * 0.7, "end"),
    ):
        box = (left - 1, top, left + w + 1, top + h)
        if box[0] < 2 or box[1] < 2 or box[2] > width - 2 or box[3] > height - 14:
            continue
        if not taken.hits(box):
            x = left if anchor == "start" else left + w if anchor == "end" else left + w / 2
            candidates.append((box, x, top + _FONT * 0.95, anchor))
    clear = [c for c in candidates if not markers.hits(c[0], ignore=own)]
    return (clear or candidates)[0] if candidates else None


def _draw_labels(
    parts: list[str],
    places: list[Place],
    boxes: dict[str, Box],
    view: View,
    numbers: bool,
    first: frozenset[str] = frozenset(),
) -> tuple[set[str], dict[str, int]]:
    """The labels of one view; returns the ids of the cities named and the numbers of
    those that got a number instead."""
    labels = place_labels(places, boxes, view.width, view.height, numbers=numbers, first=first)
    parts.append(
        '<g class="labels" fill="#1b1b1b" stroke="#fff" stroke-width="3" '
        'stroke-linejoin="round" paint-order="stroke">'
    )
    named: set[str] = set()
    numbered: dict[str, int] = {}
    for place, x, y, anchor, text in labels:
        weight = ' font-weight="bold"' if place.role == "centre" else ""
        if text != city_label(place.city):  # a number for the key
            numbered[place.city.id] = int(text)
            weight = ' class="number" font-weight="bold" fill="#2b5d8a"'
        else:
            named.add(place.city.id)
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{weight}>'
            f"{markup.text(text)}</text>"
        )
    parts.append("</g>")
    return named, numbered


# --- legend and the cities without coordinates ---------------------------------------


def _legend_items(data: MapData) -> list[tuple[str, str, str]]:
    """(shape, colour, label) for each role and kind drawn on the map, the subject first."""
    placed = _placed(data)
    items = []
    for role in reversed(ROLES):
        here = [p for p in placed if p.role == role]
        if here:
            colour = ROLES[role][1]
            label = city_label(here[0].city) if role == "centre" else role_label(role)
            items.append(("marker", colour, label))
    kinds = sorted({link.kind for link, _ in _arcs(data)}, key=kind_rank)
    items += [("line", kind_colour(k), kind_label(k)) for k in kinds]
    return items


_LEGEND_FONT = 11.0


def _legend_width(item: tuple[str, str, str]) -> float:
    shape, _, label = item
    return (14.0 if shape == "marker" else 24.0) + text_width(label, _LEGEND_FONT) + 16.0


def _legend_rows(
    items: list[tuple[str, str, str]], width: float
) -> list[list[tuple[str, str, str]]]:
    rows: list[list[tuple[str, str, str]]] = []
    used = width
    for item in items:
        if used + _legend_width(item) > width - 12:
            rows.append([])
            used = 12.0
        rows[-1].append(item)
        used += _legend_width(item)
    return rows


def _legend_svg(items: list[tuple[str, str, str]], y: float) -> str:
    x = 12.0
    out = []
    for item in items:
        shape, colour, label = item
        if shape == "marker":
            out.append(f'<circle cx="{x + 5:.1f}" cy="{y - 4:.1f}" r="4.5" fill="{colour}"/>')
            text_x = x + 14.0
        else:
            out.append(
                f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 18:.1f}" y2="{y - 4:.1f}" '
                f'stroke="{colour}" stroke-width="3"/>'
            )
            text_x = x + 24.0
        out.append(f'<text x="{text_x:.1f}" y="{y:.1f}">{markup.text(label)}</text>')
        x += _legend_width(item)
    return "".join(out)


def _footer_lines(unplaced: Sequence[Place], width: float) -> list[str]:
    if not unplaced:
        return []
    names = [f"{city_label(p.city)} ({p.city.country})" for p in unplaced]
    lead = _("Without coordinates, not on the map ({count}):").format(count=len(names))
    return _wrapped(lead + " ", names, width)


def _key_lines(layout: Layout, width: float) -> list[str]:
    """The numbered cities ("Numbers on the map: 1 Wien (AT), 2 Prag (CZ) …") and those
    with no room even for a number, wrapped to the width."""
    lines = []
    if layout.key:
        names = [f"{n} {city_label(p.city)} ({p.city.country})" for n, p in layout.key]
        lines += _wrapped(_("Numbers on the map:") + " ", names, width)
    if layout.crowded:
        names = [f"{city_label(p.city)} ({p.city.country})" for p in layout.crowded]
        if len(names) > _MAX_NUMBERS:
            names = [*names[:_MAX_NUMBERS], "…"]
        lead = _("Too close together to be named ({count}):").format(count=len(layout.crowded))
        lines += _wrapped(lead + " ", names, width)
    return lines


def _outside_lines(outside: list[Place], width: float) -> list[str]:
    if not outside:
        return []
    names = [f"{city_label(p.city)} ({p.city.country})" for p in outside[:_MAX_NUMBERS]]
    if len(outside) > _MAX_NUMBERS:
        names.append("…")
    lead = _("Outside this view ({count}; --extent world shows them):").format(count=len(outside))
    return _wrapped(lead + " ", names, width)


def _wrapped(lead: str, names: list[str], width: float) -> list[str]:
    lines: list[str] = []
    line = lead
    for i, name in enumerate(names):
        piece = name + (", " if i < len(names) - 1 else "")
        if text_width(line + piece) > width - 60 and line.strip():
            lines.append(line.rstrip())
            line = ""
        line += piece
    lines.append(line)
    return lines


# --- GeoJSON ----------------------------------------------------------------------


def geojson(data: MapData) -> dict[str, Any]:
    """The map as an RFC 7946 FeatureCollection: a Point per city (null geometry when
    its coordinates are unknown), a LineString per link, a MultiLineString where
    the link crosses the antimeridian."""
    features: list[dict[str, Any]] = []
    for place in data.places:
        city = place.city
        located = city.lng is not None and city.lat is not None
        features.append(
            {
                "type": "Feature",
                "id": city.id,
                "geometry": {"type": "Point", "coordinates": [city.lng, city.lat]}
                if located
                else None,
                "properties": {
                    "id": city.id,
                    "name": city.name,
                    "name_en": null(city.name_en),
                    "country": city.country,
                    "role": place.role,
                    "note": null(place.note),
                    "marker-color": ROLES.get(place.role, ROLES["partner"])[1],
                },
            }
        )
    for link, line in _arcs(data):
        pieces = [
            [[round(lng, 5), round(lat, 5)] for lng, lat in p] for p in split_antimeridian(line)
        ]
        geometry = (
            {"type": "LineString", "coordinates": pieces[0]}
            if len(pieces) == 1
            else {"type": "MultiLineString", "coordinates": pieces}
        )
        first = link.partnerships[0]
        features.append(
            {
                "type": "Feature",
                "id": f"{link.a.id}--{link.b.id}",
                "geometry": geometry,
                "properties": {
                    "id": f"{link.a.id}--{link.b.id}",
                    "from": link.a.id,
                    "to": link.b.id,
                    "from_name": link.a.name,
                    "to_name": link.b.name,
                    "kind": link.kind,
                    "kind_label": kind_label(link.kind),
                    "kinds": [p.kind for p in link.partnerships],
                    "since": first.since,
                    "until": first.until,
                    "sources": sorted({s for p in link.partnerships for s in p.sources}),
                    "stroke": kind_colour(link.kind),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def render_geojson(data: MapData) -> str:
    """The GeoJSON text; controls, bidi and line separators as \\uXXXX (the JSON contract)."""
    import json

    from .output import json_safe

    return json_safe(json.dumps(geojson(data), ensure_ascii=False, indent=1)) + "\n"


# --- HTML ------------------------------------------------------------------------

_HTML_CSS = """
.map-table td:nth-child(2) { white-space: nowrap; }
@media print { figure > svg { border: 0; } tr { break-inside: avoid; } }
"""


def render_html(data: MapData) -> str:
    """One self-contained page: the map, its legend, a table of the cities."""
    body = [f"<h1>{markup.text(data.title)}</h1>", figure(data)]
    cities = markup.text(_("Cities"))
    body.append(f"<h2>{cities}</h2>")
    headers = (_("City"), _("Country"), _("Role"), _("Relation"), _("Coordinates"))
    body.append(
        '<table class="map-table"><thead><tr>'
        + "".join(f"<th>{markup.text(h)}</th>" for h in headers)
        + "</tr></thead><tbody>"
    )
    for place in sorted(data.places, key=_table_order):
        city = place.city
        where = (
            f"{city.lat:.3f}, {city.lng:.3f}"
            if city.lat is not None and city.lng is not None
            else markup.text(_("– (not on the map)"))
        )
        role = city_label(city) if place.role == "centre" else role_label(place.role)
        body.append(
            f'<tr data-city="{markup.text(city.id)}"><td>{markup.text(city_label(city))}</td>'
            f"<td>{markup.text(city.country)}</td><td>{markup.text(role)}</td>"
            f"<td>{markup.text(place.note)}</td><td>{where}</td></tr>"
        )
    body.append("</tbody></table>")
    attribution = _(
        "Equal Earth projection. Outlines: Natural Earth (public domain), via world-atlas "
        "(ISC licence, © Michael Bostock). Made with citynet."
    )
    body.append(f"<footer>{markup.text(attribution)}</footer>")
    return markup.page(data.title, "\n".join(body), css=_HTML_CSS)


def figure(data: MapData) -> str:
    """The map as an HTML <figure>: the SVG, the legend, and the cities without
    coordinates listed under it; for a page or a report."""
    items = _legend_items(data)
    legend = "".join(
        f"<li>{_swatch(shape, colour)}{markup.text(label)}</li>" for shape, colour, label in items
    )
    unplaced = _unplaced(data)
    listed = ""
    if unplaced:
        names = ", ".join(
            f"{markup.text(city_label(p.city))} ({markup.text(p.city.country)})" for p in unplaced
        )
        without = markup.text(_("Without coordinates, not on the map:"))
        listed = f'<p class="unplaced">{without} {names}</p>'
    layout = _layout(data, 0.0)
    for line in _key_lines(layout, math.inf) + _outside_lines(layout.outside, math.inf):
        listed += f'<p class="key">{markup.text(line)}</p>'
    return (
        f"<figure>{_svg(data, standalone=False, layout=layout)}\n"
        f'<figcaption><ul class="legend">{legend}</ul>{listed}</figcaption></figure>'
    )


def _swatch(shape: str, colour: str) -> str:
    if shape == "marker":
        return (
            '<svg width="12" height="12" aria-hidden="true">'
            f'<circle cx="6" cy="6" r="5" fill="{colour}"/></svg>'
        )
    return (
        f'<svg width="22" height="12" aria-hidden="true"><line x1="1" y1="6" x2="21" y2="6" '
        f'stroke="{colour}" stroke-width="3"/></svg>'
    )


def _table_order(place: Place) -> tuple[int, str]:
    order = list(ROLES)
    return (-order.index(place.role) if place.role in order else 0, fold(place.city.name))


def render(data: MapData, fmt: str) -> str:
    """The map in one of FORMATS."""
    if fmt == "svg":
        return render_svg(data)
    if fmt == "geojson":
        return render_geojson(data)
    if fmt == "html":
        return render_html(data)
    raise UsageError(
        _("unknown map format {value}; formats: {formats}").format(
            value=repr(fmt), formats=", ".join(FORMATS)
        )
    )

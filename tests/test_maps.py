"""Maps as a person and a GIS see them: the right cities, escaped names, valid GeoJSON.

The fixture `maps.toml` has Berlin with European partners (and one partner without
coordinates), Tokio–San Francisco and Wellington–Anchorage across the antimeridian,
and a city whose name is `<script>…</script> & "Q"` with control characters.

The maps are drawn in German (`--lang de`, `install("de")`) where a test reads their
words; messages of errors stay English, as the tests run (conftest.english_locale).
"""

from __future__ import annotations

import itertools
import json
import math
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from typer.testing import CliRunner

import citynet
from citynet import geo, maps
from citynet.cli import app

MAPS = Path(__file__).parent / "fixtures" / "maps.toml"
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & "Q" \x01\x1b[31m'
HOSTILE_CLEAN = '<script>alert("x")</script> & "Q" [31m'  # controls dropped, text kept

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data", str(MAPS), *args])
    return result.exit_code, result.stdout, result.stderr


def german(*args: str) -> tuple[int, str, str]:
    """`run` with `--lang de`: the map's own words in German."""
    return run("--lang", "de", *args)


@pytest.fixture(scope="module")
def data() -> citynet.model.Dataset:
    return citynet.load(MAPS)


def svg_markers(svg: str) -> dict[str, str]:
    """city id → the text of the marker's <title>."""
    root = ET.fromstring(svg.encode("utf-8"))
    return {
        circle.get("data-city", ""): circle.findtext(f"{SVG}title", "")
        for circle in root.iter(f"{SVG}circle")
        if circle.get("class") == "marker"
    }


# --- projection, arcs, view ----------------------------------------------------------


def test_equal_earth_keeps_areas_equal() -> None:
    """An equal-area projection: a 1°×1° cell's projected area is its share of the sphere."""

    def area(lng: float, lat: float) -> float:
        corners = [
            geo.equal_earth(lng + dx, lat + dy) for dx, dy in ((0, 0), (1, 0), (1, 1), (0, 1))
        ]
        return (
            abs(
                sum(
                    x1 * y2 - x2 * y1
                    for (x1, y1), (x2, y2) in zip(corners, corners[1:] + corners[:1], strict=True)
                )
            )
            / 2
        )

    def sphere(lat: float) -> float:
        return math.radians(1) * (math.sin(math.radians(lat + 1)) - math.sin(math.radians(lat)))

    for lng, lat in ((0, 0), (40, 30), (-120, 60), (170, -75)):
        assert area(lng, lat) == pytest.approx(sphere(lat), rel=2e-3)


def test_equal_earth_is_symmetric_and_bounded() -> None:
    assert geo.equal_earth(0, 0) == (0.0, 0.0)
    x, y = geo.equal_earth(13.4, 52.5)
    assert geo.equal_earth(-13.4, -52.5) == pytest.approx((-x, -y))
    assert geo.WORLD_X > geo.WORLD_Y > 0
    assert abs(geo.equal_earth(180, 45)[0]) < geo.WORLD_X


def test_great_circle_is_the_shortest_way() -> None:
    points = geo.great_circle((0.0, 0.0), (90.0, 0.0))
    assert points[0] == (0.0, 0.0) and points[-1] == (90.0, 0.0)
    assert all(lat == pytest.approx(0.0, abs=1e-9) for _, lat in points)  # along the equator

    # Berlin–Los Angeles: every point on the plane through both cities and the
    # centre of the earth, bending north to the circle's highest latitude.
    def vector(lng: float, lat: float) -> tuple[float, float, float]:
        lam, phi = math.radians(lng), math.radians(lat)
        return (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))

    a, b = vector(13.4, 52.5), vector(-118.2, 34.1)
    normal = (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])
    length = math.sqrt(sum(v * v for v in normal))
    points = geo.great_circle((13.4, 52.5), (-118.2, 34.1))
    for point in points:
        assert sum(u * v for u, v in zip(vector(*point), normal, strict=True)) == pytest.approx(
            0.0, abs=1e-9
        )
    vertex = math.degrees(math.acos(abs(normal[2]) / length))
    assert max(lat for _, lat in points) == pytest.approx(vertex, abs=0.5)
    assert vertex > 60


def test_a_line_across_the_antimeridian_is_cut_there() -> None:
    line = geo.great_circle((139.692, 35.69), (-122.419, 37.775))  # Tokio → San Francisco
    pieces = geo.split_antimeridian(line)
    assert len(pieces) == 2
    (end_lng, end_lat), (start_lng, start_lat) = pieces[0][-1], pieces[1][0]
    assert (end_lng, start_lng) == (180.0, -180.0)
    assert end_lat == start_lat
    for piece in pieces:
        assert all(abs(b[0] - a[0]) < 180 for a, b in itertools.pairwise(piece))


longitudes = st.floats(-180, 180, allow_nan=False)
latitudes = st.floats(-89.9, 89.9, allow_nan=False)


@given(longitudes, latitudes, longitudes, latitudes)
@example(8.760034096810619e-15, 0.0, -180.0, 1.0)  # an arc point exactly on the meridian
def test_any_arc_is_cut_into_pieces_that_never_jump(
    lng1: float, lat1: float, lng2: float, lat2: float
) -> None:
    line = geo.great_circle((lng1, lat1), (lng2, lat2))
    pieces = geo.split_antimeridian(line)
    assert pieces[0][0] == (lng1, lat1) and pieces[-1][-1] == (lng2, lat2)
    for piece in pieces:
        assert len(piece) >= 2
        assert all(-180 <= lng <= 180 and -90 <= lat <= 90 for lng, lat in piece)
        assert all(abs(b[0] - a[0]) <= 180 for a, b in itertools.pairwise(piece))


@given(st.text())
@example('<script>alert("x")</script> & "Q" \x01\x1b[31m\ud800\ufffe\u202e')
def test_any_text_is_safe_in_xml_text_and_attributes(text: str) -> None:
    from citynet import markup

    escaped = markup.text(text)
    element = ET.fromstring(f'<t a="{escaped}">{escaped}</t>'.encode("utf-8", "surrogatepass"))
    assert (element.text or "") == markup.clean(text)
    assert element.get("a") == markup.clean(text)
    assert not list(element)  # never an element of its own


def test_european_partners_give_a_europe_map(data: Any) -> None:
    drawn = maps.city_map(data, citynet.lookup(data, "berlin"))
    places = [(p.city.lng, p.city.lat) for p in drawn.places if p.city.lat is not None]
    view = geo.fit_view(places)
    assert not view.world
    assert view.width / view.scale < 1.0  # under a fifth of the world's width
    for lng, lat in places:
        x, y = view.project(view.shift(lng), lat)
        assert 0 < x < view.width and 0 < y < view.height


def test_a_worldwide_network_gives_a_world_map(data: Any) -> None:
    drawn = maps.network_map(data, citynet.lookup(data, "pacific"))
    view = geo.fit_view([(p.city.lng, p.city.lat) for p in drawn.places])
    assert view.world
    assert view.width / view.scale == pytest.approx(2 * geo.WORLD_X)


def test_pacific_cities_are_centred_on_the_pacific() -> None:
    view = geo.fit_view([(139.7, 35.7), (-122.4, 37.8), (174.8, -41.3), (-149.9, 61.2)])
    assert not view.world
    assert 160 < abs(view.centre) <= 180


def test_shipped_outlines_are_closed_rings_with_iso_codes() -> None:
    for scale in ("110m", "50m"):
        outlines = geo.atlas(scale)
        codes = {c.code for c in outlines.countries}
        assert {"DE", "FR", "US", "JP", "NZ", "RU", "FJ", "AQ", "XK"} <= codes
        assert all(len(code) in (0, 2) for code in codes)
        for country in outlines.countries:
            west, south, east, north = country.bbox
            for ring in outlines.rings(country):
                assert ring[0] == ring[-1] and len(ring) >= 4
                assert all(west <= lng <= east and south <= lat <= north for lng, lat in ring)
    notice = (geo.ATLAS / "LICENSE-world-atlas").read_text(encoding="utf-8")
    assert "Copyright 2013-2019 Michael Bostock" in notice


def country_names(svg: str) -> set[str]:
    root = ET.fromstring(svg.encode("utf-8"))
    return {p.findtext(f"{SVG}title", "") for p in root.iter(f"{SVG}path") if not p.get("class")}


def test_a_regional_map_draws_the_countries_in_view_in_detail() -> None:
    names = country_names(run("map", "berlin")[1])
    assert {"Germany", "France", "Poland", "Austria", "Denmark"} <= names
    assert not {"Japan", "Australia", "Brazil"} & names  # far outside, never drawn
    assert "Andorra" in names  # only the detailed outlines have it


def test_a_world_map_draws_the_countries_cut_by_the_antimeridian() -> None:
    names = country_names(run("map", "pacific")[1])
    assert {"Russia", "Fiji", "New Zealand", "United States of America"} <= names
    assert "Andorra" not in names  # world maps use the 1:110m outlines


# --- SVG -------------------------------------------------------------------------------


def test_city_map_has_a_marker_with_a_title_for_every_partner_with_coordinates() -> None:
    code, svg, err = german("map", "berlin")
    assert code == 0, err
    markers = svg_markers(svg)
    assert set(markers) == {"berlin", "paris", "wien", "hamburg", "evil"}
    assert markers["paris"].startswith("Paris (FR): Städtepartnerschaft seit 1987")
    assert "Fachaustausch 2012–2014" in markers["paris"]
    # The partner without coordinates is listed under the map, not drawn.
    assert "irgendwo" not in markers
    root = ET.fromstring(svg.encode("utf-8"))
    footer = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Ohne Koordinaten, nicht auf der Karte (1): Irgendwo (PL)" in footer


def test_lines_are_coloured_by_kind_with_a_legend() -> None:
    svg = german("map", "berlin")[1]
    root = ET.fromstring(svg.encode("utf-8"))
    lines = {
        p.get("data-kind"): p.get("stroke")
        for p in root.iter(f"{SVG}path")
        if p.get("class") == "link"
    }
    assert lines["partnership"] == maps.KIND_COLOURS["partnership"]
    assert lines["project"] == maps.KIND_COLOURS["project"]
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    texts = [t.text for t in legend.iter(f"{SVG}text")]
    assert texts[:2] == ["Berlin", "Partnerstadt"]
    assert {"Städtepartnerschaft", "Projektpartnerschaft", "Städtefreundschaft"} <= set(texts)
    assert "Kontakt" not in texts  # Berlin's only contact has no coordinates: no line


def test_an_unknown_kind_is_drawn_grey() -> None:
    from citynet.i18n import install

    install("de")
    assert maps.kind_colour("weltraum") == maps.UNKNOWN_KIND_COLOUR
    assert maps.kind_label("weltraum") == "weltraum"
    # An imported twinning of unknown type is grey too, and says what it is.
    assert maps.kind_colour("twinning") == maps.UNKNOWN_KIND_COLOUR
    assert maps.kind_label("twinning") == "Städteverbindung (Art unbekannt)"


def test_labels_never_overlap() -> None:
    places = [
        maps.Place(citynet.model.City(f"c{i}", f"Stadt Nummer {i}", "DE", ("s",)), "partner", 1)
        for i in range(40)
    ]
    boxes = {
        p.city.id: (100.0 + i % 5 * 6, 100.0 + i // 5 * 6, 106.0 + i % 5 * 6, 106.0 + i // 5 * 6)
        for i, p in enumerate(places)
    }
    labels = maps.place_labels(places, boxes, 960, 600, numbers=True)
    assert labels  # some fit
    spans = []
    for _place, x, y, anchor, text in labels:
        width = maps.text_width(text)
        left = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
        spans.append((left, y - 10, left + width, y + 2))
    for i, a in enumerate(spans):
        for b in spans[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def test_hostile_names_stay_text_in_svg() -> None:
    code, svg, _ = run("map", "berlin")
    assert code == 0
    assert "<script" not in svg and "\x01" not in svg and "\x1b" not in svg
    root = ET.fromstring(svg.encode("utf-8"))  # well-formed XML despite the name
    assert not list(root.iter(f"{SVG}script"))
    assert svg_markers(svg)["evil"].startswith(HOSTILE_CLEAN + " (FR)")
    assert all(not name.startswith("on") for el in root.iter() for name in el.attrib)


def test_network_map_shows_members_and_lists_those_without_coordinates() -> None:
    code, svg, _ = german("map", "eurocities")
    assert code == 0
    markers = svg_markers(svg)
    assert set(markers) == {"berlin", "paris"}
    assert "Co-Vorsitz" in markers["berlin"]
    assert "Irgendwo (PL)" in svg


def test_country_map_shows_its_cities_and_their_partners_abroad() -> None:
    code, svg, _ = run("map", "--country", "us")
    assert code == 0
    markers = svg_markers(svg)
    assert set(markers) == {"san-francisco", "anchorage", "tokio", "wellington"}
    root = ET.fromstring(svg.encode("utf-8"))
    roles = {
        c.get("data-city"): c.get("data-role")
        for c in root.iter(f"{SVG}circle")
        if c.get("data-city")
    }
    assert roles["anchorage"] == "home" and roles["tokio"] == "abroad"


def test_an_svg_world_map_cuts_lines_at_its_edge() -> None:
    svg = run("map", "tokio")[1]  # Tokio's partners are Paris and San Francisco: a world map
    root = ET.fromstring(svg.encode("utf-8"))
    line = next(
        p for p in root.iter(f"{SVG}path") if "San Francisco" in p.findtext(f"{SVG}title", "")
    )
    assert line.get("d", "").count("M") == 2


def test_kind_narrows_a_city_map_and_a_country_map() -> None:
    svg = german("map", "berlin", "--kind", "project")[1]
    assert set(svg_markers(svg)) == {"berlin", "wien"}
    assert '<title id="map-title">Berlin: Partnerstädte (Projektpartnerschaft)</title>' in svg
    markers = svg_markers(run("map", "--country", "US", "-k", "friendship")[1])
    assert set(markers) == {"san-francisco", "anchorage", "wellington"}


# --- GeoJSON ---------------------------------------------------------------------------


def check_rfc7946(document: Any) -> None:
    """The structure RFC 7946 asks of a FeatureCollection of points and lines."""
    assert document["type"] == "FeatureCollection"
    assert isinstance(document["features"], list)

    def position(p: Any) -> None:
        assert isinstance(p, list) and len(p) == 2
        assert all(isinstance(v, int | float) and not isinstance(v, bool) for v in p)
        assert -180 <= p[0] <= 180 and -90 <= p[1] <= 90  # [longitude, latitude]

    def line(coordinates: Any) -> None:
        assert len(coordinates) >= 2
        for p in coordinates:
            position(p)
        # §3.1.9: a line crossing the antimeridian is cut, no segment jumps across it
        for a, b in itertools.pairwise(coordinates):
            assert abs(b[0] - a[0]) <= 180

    for feature in document["features"]:
        assert feature["type"] == "Feature"
        assert isinstance(feature["properties"], dict)
        assert isinstance(feature.get("id", ""), str | int)
        geometry = feature["geometry"]
        if geometry is None:  # §3.2: an unlocated feature
            continue
        kind, coordinates = geometry["type"], geometry["coordinates"]
        if kind == "Point":
            position(coordinates)
        elif kind == "LineString":
            line(coordinates)
        elif kind == "MultiLineString":
            assert len(coordinates) >= 2
            for piece in coordinates:
                line(piece)
        else:
            pytest.fail(f"unexpected geometry {kind}")


@pytest.mark.parametrize("args", [("berlin",), ("eurocities",), ("--country", "US"), ("tokio",)])
def test_geojson_is_valid_rfc7946(args: tuple[str, ...]) -> None:
    import geojson  # the validating reader of python-geojson

    code, out, err = run("map", *args, "--format", "geojson")
    assert code == 0, err
    document = json.loads(out)
    check_rfc7946(document)
    read = geojson.loads(out)
    assert read.is_valid, read.errors()


def test_geojson_has_every_city_and_link() -> None:
    features = json.loads(run("map", "berlin", "-f", "geojson")[1])["features"]
    points = {f["properties"]["id"]: f for f in features if f["properties"].get("role")}
    assert set(points) == {"berlin", "paris", "wien", "hamburg", "evil", "irgendwo"}
    assert points["berlin"]["geometry"] == {"type": "Point", "coordinates": [13.405, 52.52]}
    assert points["irgendwo"]["geometry"] is None
    assert points["paris"]["properties"]["country"] == "FR"
    links = {f["properties"]["to"]: f["properties"] for f in features if "kind" in f["properties"]}
    assert links["paris"]["kinds"] == ["partnership", "exchange"]
    assert links["paris"]["kind"] == "partnership" and links["paris"]["since"] == 1987
    assert "irgendwo" not in links  # no coordinates, no line


def test_geojson_is_the_same_bytes_in_every_language(tmp_path: Path) -> None:
    for args in (("berlin",), ("eurocities",), ("--country", "US")):
        english = run("--lang", "en", "map", *args, "-f", "geojson")
        assert english == german("map", *args, "-f", "geojson"), args
    features = json.loads(english[1])["features"]
    assert {f["properties"].get("kind_label") for f in features} >= {"Städtefreundschaft"}
    # … and what is said after it is in the interface's language again
    missing = str(tmp_path / "missing" / "berlin.geojson")
    code, _, err = run("--lang", "en", "map", "berlin", "-o", missing)
    assert code == 3 and "cannot write" in err


def test_geojson_cuts_lines_at_the_antimeridian() -> None:
    features = json.loads(run("map", "--country", "US", "-f", "geojson")[1])["features"]
    lines = {
        f["id"]: f["geometry"]
        for f in features
        if f["geometry"] and f["geometry"]["type"] != "Point"
    }
    for pair in ("san-francisco--tokio", "anchorage--wellington"):
        assert lines[pair]["type"] == "MultiLineString"
        first, second = lines[pair]["coordinates"]
        assert {first[-1][0], second[0][0]} == {180.0, -180.0}
        assert first[-1][1] == second[0][1]


def test_hostile_names_round_trip_in_geojson() -> None:
    out = run("map", "berlin", "-f", "geojson")[1]
    assert "\x01" not in out and "\x1b" not in out  # escaped by JSON, not raw
    points = [f["properties"] for f in json.loads(out)["features"] if "role" in f["properties"]]
    names = {p["id"]: p["name"] for p in points}
    assert names["evil"] == HOSTILE


# --- HTML ------------------------------------------------------------------------------


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


def assert_self_contained(html: str) -> None:
    """No script, no handler, nothing that would be fetched from the network."""
    found = elements(html)
    assert not [t for t, _ in found.tags if t in ("script", "iframe", "object", "embed", "link")]
    for tag, attrs in found.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in ("src", "href", "xlink:href", "action", "srcset"):
                assert not (value or "").lower().startswith(("http:", "https:", "//")), (tag, value)
    assert "@import" not in html and "url(http" not in html
    assert "Content-Security-Policy" in html


def test_html_map_is_one_self_contained_page(tmp_path: Path) -> None:
    target = tmp_path / "karte.html"
    code, out, err = german("map", "berlin", "-o", str(target))
    assert code == 0 and out == "", err
    html = target.read_text(encoding="utf-8")
    assert_self_contained(html)
    found = elements(html)
    rows = [a["data-city"] for t, a in found.tags if t == "tr" and "data-city" in a]
    assert sorted(rows) == ["berlin", "evil", "hamburg", "irgendwo", "paris", "wien"]
    assert "Ohne Koordinaten" in "".join(found.text)
    assert [a.get("class") for t, a in found.tags if t == "ul"].count("legend") == 1


def test_hostile_names_stay_text_in_html(tmp_path: Path) -> None:
    target = tmp_path / "karte.html"
    assert run("map", "berlin", "-o", str(target))[0] == 0
    html = target.read_text(encoding="utf-8")
    assert "<script" not in html and "\x01" not in html and "\x1b" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;Q&quot;" in html
    assert HOSTILE_CLEAN in "".join(elements(html).text)


# --- the command ------------------------------------------------------------------------


def test_output_file_format_follows_its_suffix(tmp_path: Path) -> None:
    for name, start in (("a.svg", "<?xml"), ("a.geojson", "{"), ("a.html", "<!DOCTYPE html>")):
        assert run("map", "berlin", "-o", str(tmp_path / name))[0] == 0
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(start)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_format_option_wins_over_the_suffix(tmp_path: Path) -> None:
    target = tmp_path / "karte.txt"
    assert run("map", "berlin", "-f", "geojson", "-o", str(target))[0] == 0
    assert json.loads(target.read_text(encoding="utf-8"))["type"] == "FeatureCollection"


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        ((), 2, "give a city or network name, or --country"),
        (("berlin", "--country", "DE"), 2, "one of them"),
        (("atlantis",), 1, "atlantis"),
        (("--country", "Island"), 1, "no city of country 'IS'"),  # a name, as everywhere
        (("--country", "XX"), 2, "unknown country 'XX'"),
        (("eurocities", "--kind", "partnership"), 2, "network map shows its members"),
        (("berlin", "--kind", "twin"), 2, "unknown kind"),
        (("berlin", "-f", "png"), 2, "png"),
    ],
)
def test_map_errors_have_clear_messages_and_statuses(
    args: tuple[str, ...], status: int, message: str
) -> None:
    code, out, err = run("map", *args)
    assert code == status and out == ""
    assert message in err and "Traceback" not in err


def test_an_unwritable_output_is_a_data_error(tmp_path: Path) -> None:
    code, _, err = run("map", "berlin", "-o", str(tmp_path / "missing" / "karte.svg"))
    assert code == 3 and "cannot write" in err


def test_on_a_terminal_a_map_needs_a_file(tmp_path: Path) -> None:
    from test_entry_point import on_a_terminal  # the installed command on a pseudo-terminal

    code, screen = on_a_terminal("--data", str(MAPS), "map", "berlin")
    assert code == 2 and "-o map.svg" in screen and "<svg" not in screen


# --- in a browser ----------------------------------------------------------------------


def dom_markers(dom: str) -> set[str]:
    return {
        a["data-city"] or ""
        for t, a in elements(dom).tags
        if t == "circle" and a.get("class") == "marker" and "data-city" in a
    }


@pytest.mark.parametrize("args", [("berlin",), ("eurocities",), ("--country", "US")])
def test_chromium_renders_the_html_map_with_every_marker(
    chromium: Any, tmp_path: Path, args: tuple[str, ...]
) -> None:
    target = tmp_path / "karte.html"
    assert run("map", *args, "-o", str(target))[0] == 0
    page = chromium.open(target)
    assert page.console == []  # no errors, no blocked loads
    assert page.requests == []  # nothing fetched
    drawn = json.loads(run("map", *args, "-f", "geojson")[1])["features"]
    located = {f["id"] for f in drawn if f["geometry"] and f["geometry"]["type"] == "Point"}
    assert dom_markers(page.dom) == located
    assert "<script" not in page.dom


def test_chromium_renders_the_svg(chromium: Any, tmp_path: Path) -> None:
    target = tmp_path / "karte.svg"
    assert run("map", "berlin", "-o", str(target))[0] == 0
    page = chromium.open(target)
    assert page.console == [] and page.requests == []
    assert dom_markers(page.dom) == {"berlin", "paris", "wien", "hamburg", "evil"}
    png = chromium.screenshot(target, tmp_path / "karte.png", "980,600")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000

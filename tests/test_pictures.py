"""The pictures at the real size, as Chromium draws them: the shipped dataset with
the three real imports (5,500 cities). Label boxes come from the DOM (tests/boxes.py),
so a label that Chromium's fonts make wider than citynet's estimate is caught."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from boxes import overlaps, text_boxes
from conftest import shared
from typer.testing import CliRunner

from citynet import store
from citynet.cli import app
from citynet.files import shipped_path
from citynet.members import import_members
from citynet.wikidata import import_tables

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped dataset after the three imports, written to a file."""
    data_dir = shared("data")
    twins = data_dir / "wikidata-twin-cities"
    data, _ = import_tables(store.load(shipped_path()), twins / "nodes.tsv", twins / "links.tsv")
    data, _ = import_members(
        data, data_dir / "eurocities-members" / "members-wikidata-enriched.json",
        network="eurocities",
    )  # fmt: skip
    data, _ = import_members(
        data,
        data_dir / "climactor" / "climactor-initcols-2020-09.csv",
        columns={"C40Cities2019": "c40", "EUCovenantofMayors2019": "covenant-of-mayors"},
    )
    path = tmp_path_factory.mktemp("real") / "networks.toml"
    path.write_text(store.dumps(data), encoding="utf-8")
    return path


def draw(real: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--data", str(real), "--lang", "de", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def labels_of(svg: str) -> list[str]:
    root = ET.fromstring(svg.encode("utf-8"))
    return [
        "".join(text.itertext())
        for group in root.iter(f"{SVG}g")
        if group.get("class") == "labels"
        for text in group.iter(f"{SVG}text")
    ]


def test_every_partner_of_berlin_is_named_on_its_map(
    real: Path, chromium: Any, tmp_path: Path
) -> None:
    """The world view names the far partners; the enlarged view of Europe names the
    crowd around Berlin; nothing is left for the key."""
    svg = draw(real, "map", "berlin", "-f", "svg")
    geo = draw(real, "map", "berlin", "-f", "geojson")
    import json

    partners = {
        f["properties"]["name"]
        for f in json.loads(geo)["features"]
        if f["geometry"] and f["geometry"]["type"] == "Point"
    }
    assert len(partners) > 30
    assert partners <= set(labels_of(svg))
    assert "Numbers on the map" not in svg and "Zahlen auf der Karte" not in svg
    assert svg.count('class="labels"') == 2  # the world and the enlarged view
    boxes = text_boxes(chromium, svg, "g.labels text", tmp_path)
    assert len(boxes) == len(labels_of(svg))
    assert overlaps(boxes) == []


@pytest.mark.parametrize(
    "args",
    [
        ("map", "--country", "DE"),
        ("map", "berlin", "--extent", "europe"),
        ("map", "eurocities"),
        ("map", "c40", "--extent", "world"),
    ],
)
def test_no_two_labels_overlap_in_chromium(
    real: Path, chromium: Any, tmp_path: Path, args: tuple[str, ...]
) -> None:
    svg = draw(real, *args, "-f", "svg")
    boxes = text_boxes(chromium, svg, "g.labels text", tmp_path)
    assert len(boxes) > 10
    assert overlaps(boxes) == []


def test_a_country_map_shows_the_country_and_its_neighbours(real: Path) -> None:
    svg = draw(real, "map", "--country", "DE", "-f", "svg")
    root = ET.fromstring(svg.encode("utf-8"))
    drawn = {
        "".join(path.itertext())
        for path in root.iter(f"{SVG}path")
        if path.find(f"{SVG}title") is not None
    }
    assert {"Germany", "Poland", "France", "Czechia", "Austria", "Denmark"} <= drawn
    assert "Brazil" not in drawn and "Japan" not in drawn
    labels = labels_of(svg)
    assert {"Berlin", "Hamburg", "Köln"} <= set(labels)
    assert "Außerhalb dieser Ansicht" in svg  # the partners far away are counted


def test_the_html_map_has_the_enlarged_view_and_every_partner(real: Path, tmp_path: Path) -> None:
    page = draw(real, "map", "berlin", "-f", "html")
    assert page.count('class="labels"') == 2
    for name in ("Wien", "Prag", "Budapest", "Brüssel", "Sofia"):
        assert f">{name}</text>" in page


# --- graphs ---------------------------------------------------------------------------


def graph_nodes(svg: str) -> dict[str, list[str]]:
    """Graphviz's SVG: node id (its <title>) → the lines of its label."""
    root = ET.fromstring(svg.encode("utf-8"))
    return {
        group.findtext(f"{SVG}title", ""): [t.text or "" for t in group.iter(f"{SVG}text")]
        for group in root.iter(f"{SVG}g")
        if group.get("class") == "node"
    }


@pytest.mark.parametrize("depth", ["1", "2"])
def test_graphviz_lays_out_berlin_s_network_legibly(
    real: Path, chromium: Any, tmp_path: Path, depth: str
) -> None:
    """Every node placed by Graphviz, the size limit kept and said, one font, no
    two node labels overlapping as Chromium draws them, and a legend of the kinds."""
    result = CliRunner().invoke(
        app, ["--data", str(real), "--lang", "de", "graph", "berlin", "-d", depth, "-f", "svg"]
    )
    assert result.exit_code == 0, result.stderr
    svg = result.stdout
    dot = draw(real, "graph", "berlin", "-d", depth, "-f", "dot", "--limit", "120")
    nodes = graph_nodes(svg)
    assert "city:berlin" in nodes
    assert len(nodes) == dot.count("type=")  # every node of the DOT was laid out
    assert len(nodes) <= 120
    if depth == "2":
        assert "weitere" in svg or "more" in svg  # the note on what was left out
        assert "120 von" in result.stderr or "120 of" in result.stderr
    fonts = {e.get("font-family") for e in ET.fromstring(svg.encode()).iter(f"{SVG}text")}
    assert len(fonts) == 1
    assert "Städtepartnerschaft" in svg and "Stadt" in svg  # the legend, in German
    boxes = text_boxes(chromium, svg, "g.node text", tmp_path)
    assert len(boxes) >= len(nodes)
    assert overlaps(boxes) == []


def test_trim_keeps_the_centre_and_its_nearest(real: Path) -> None:
    from citynet import graphs

    data = store.load(real)
    whole = graphs.build_graph(data, [data.city_by_id["berlin"]], depth=2)
    kept = graphs.trim(whole, 50)
    assert len(kept.nodes) == 50 and kept.left_out == len(whole.nodes) - 50
    ids = {n.id for n in kept.nodes}
    assert "city:berlin" in ids
    partners = {f"city:{p.other('berlin')}" for p in data.partnerships_of("berlin")}
    assert len(ids & partners) >= min(len(partners), 40)  # the nearest first
    assert all(e.source in ids and e.target in ids for e in kept.edges)

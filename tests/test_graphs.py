"""`citynet graph`: the files open in the tools they are for (networkx, Graphviz)."""

from __future__ import annotations

import re
import shutil
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from conftest import missing
from typer.testing import CliRunner

from citynet.cli import app
from citynet.files import shipped_path
from citynet.graphs import build_graph, render_svg, to_dot, to_gexf, to_graphml, to_mermaid
from citynet.model import City, Dataset, Membership, Network, Partnership

runner = CliRunner()
SHIPPED = shipped_path()
HOSTILE = 'Ev"il <b>&amp; \\N \x07city\nzwei ]] ;#'
HOSTILE_READ = HOSTILE.replace("\x07", "")  # XML 1.0 cannot hold it: dropped


def run(path: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


def need_dot() -> None:
    """Skip without Graphviz on a developer machine; in CI it must be there."""
    if shutil.which("dot") is None:
        missing("Graphviz's dot is not installed (.ci/run installs graphviz)")


def shipped_toml() -> dict[str, list[dict[str, object]]]:
    with SHIPPED.open("rb") as file:
        return tomllib.load(file)


def hostile_dataset() -> Dataset:
    """Names with quotes, markup, an entity, a backslash, a control character, a newline."""
    return Dataset(
        networks=(Network("net", HOSTILE, "europe", ("s",), themes=("klima", "<x>")),),
        cities=(
            City("evil", HOSTILE, "DE", ("s",), lat=52.5, lng=13.4),
            City("good", "Gut & Schön", "FR", ("s",)),
        ),
        memberships=(Membership("evil", "net", ("s",), since=1999),),
        partnerships=(Partnership(("evil", "good"), "friendship", ("s",), since=2001),),
    )


# --- GraphML and GEXF read back by networkx -----------------------------------------


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_whole_dataset_reads_back_with_every_node_and_edge(fmt: str, tmp_path: Path) -> None:
    target = tmp_path / f"all.{fmt}"
    code, out, err = run(SHIPPED, "graph", "-o", str(target))  # format from the suffix
    assert (code, out) == (0, ""), err
    graph = nx.read_graphml(target) if fmt == "graphml" else nx.read_gexf(target)
    data = shipped_toml()
    assert graph.number_of_nodes() == len(data["networks"]) + len(data["cities"])
    assert graph.number_of_edges() == len(data["memberships"]) + len(data["partnerships"])
    types = [attributes["type"] for _, attributes in graph.nodes(data=True)]
    assert types.count("network") == len(data["networks"])
    kinds = sorted(k for _, _, k in graph.edges(data="kind"))
    expected = sorted(
        ["member"] * len(data["memberships"]) + [str(p["kind"]) for p in data["partnerships"]]
    )
    assert kinds == expected


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_attributes_survive_with_their_types(fmt: str, tmp_path: Path) -> None:
    target = tmp_path / "g.xml"
    code, _, err = run(SHIPPED, "graph", "--format", fmt, "-o", str(target))
    assert code == 0, err
    graph = nx.read_graphml(target) if fmt == "graphml" else nx.read_gexf(target)
    data = shipped_toml()
    berlin = next(c for c in data["cities"] if c["id"] == "berlin")
    node = graph.nodes["city:berlin"]
    assert (node["type"], node["name"], node["country"]) == ("city", "Berlin", "DE")
    assert node["label"] == "Berlin"
    assert node["lat"] == pytest.approx(berlin["lat"]) and node["lng"] == pytest.approx(
        berlin["lng"]
    )
    c40_record = next(n for n in data["networks"] if n["id"] == "c40")
    c40 = graph.nodes["network:c40"]
    assert c40["themes"] == ", ".join(c40_record.get("themes", []))  # type: ignore[arg-type]
    assert (c40["scope"], c40["founded"]) == (c40_record["scope"], c40_record["founded"])
    membership = next(
        m for m in data["memberships"] if m["city"] == "berlin" and m["network"] == "c40"
    )
    edges = graph.get_edge_data("city:berlin", "network:c40")
    edge = next(iter(edges.values())) if graph.is_multigraph() else edges
    assert edge["kind"] == "member" and edge.get("since") == membership.get("since")
    with_until = next(p for p in data["partnerships"] if "until" in p)
    first, second = with_until["cities"]  # type: ignore[misc]
    found = graph.get_edge_data(f"city:{first}", f"city:{second}").values()
    assert any(
        e["kind"] == with_until["kind"] and e.get("until") == with_until["until"] for e in found
    )


@pytest.mark.parametrize("write,read", [(to_graphml, nx.read_graphml), (to_gexf, nx.read_gexf)])
def test_hostile_names_survive_escaped(write: object, read: object, tmp_path: Path) -> None:
    target = tmp_path / "hostile.xml"
    target.write_text(write(build_graph(hostile_dataset())), encoding="utf-8")  # type: ignore[operator]
    text = target.read_text(encoding="utf-8")
    assert "<b>" not in text and "\x07" not in text
    graph = read(target)  # type: ignore[operator]
    assert graph.nodes["city:evil"]["name"] == HOSTILE_READ
    assert graph.nodes["network:net"]["label"] == HOSTILE_READ
    assert graph.nodes["network:net"]["themes"] == "klima, <x>"
    assert graph.nodes["city:good"]["name"] == "Gut & Schön"
    assert graph.number_of_edges() == 2


# --- DOT through Graphviz ---------------------------------------------------------------


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_dot_with_hostile_names_renders_them_literally() -> None:
    need_dot()
    svg = render_svg(to_dot(build_graph(hostile_dataset())))
    texts = svg_texts(svg)
    # A city's label is its name and country on separate lines; the newline splits too.
    first_line, second_line = HOSTILE_READ.split("\n")
    assert texts.count(first_line) == 2  # the city and the network
    assert second_line in texts
    assert "Gut & Schön" in texts
    assert "friendship" in "".join(texts)  # the legend


def test_graph_of_berlin_as_svg_shows_berlin_its_partners_and_networks(tmp_path: Path) -> None:
    need_dot()
    target = tmp_path / "berlin.svg"
    code, _, err = run(SHIPPED, "graph", "berlin", "-o", str(target))
    assert code == 0, err
    texts = set(svg_texts(target.read_text(encoding="utf-8")))
    data = shipped_toml()
    names = {c["id"]: c["name"] for c in data["cities"]}
    partners = {
        other
        for p in data["partnerships"]
        if "berlin" in p["cities"]  # type: ignore[operator]
        for other in p["cities"]  # type: ignore[attr-defined]
        if other != "berlin"
    }
    assert {"Berlin", *(names[p] for p in partners)} <= texts
    networks = {n["id"]: n.get("short_name") or n["name"] for n in data["networks"]}
    assert {networks[m["network"]] for m in data["memberships"] if m["city"] == "berlin"} <= texts


def test_svg_without_graphviz_is_a_clear_error_with_status_4(tmp_path: Path) -> None:
    target = tmp_path / "x.svg"
    result = CliRunner(env={"PATH": str(tmp_path)}).invoke(
        app, ["--data", str(SHIPPED), "graph", "berlin", "-o", str(target)]
    )
    assert result.exit_code == 4
    assert "Graphviz" in result.stderr and "--format dot" in result.stderr
    assert not target.exists()


def test_dot_quotes_every_id_and_value() -> None:
    dot = to_dot(build_graph(hostile_dataset()))
    assert "\x07" not in dot
    assert '\\"il' in dot and "&amp;amp;" in dot and "\\\\N" in dot
    # Every statement line is an id, an edge or an attribute list; no raw newline in a string.
    for line in dot.splitlines()[4:-2]:
        assert re.fullmatch(r'  "(?:[^"\\]|\\.)*"( -- "(?:[^"\\]|\\.)*")? \[.*\];', line), line


# --- Mermaid ------------------------------------------------------------------------------

_MERMAID_LINE = re.compile(
    r'  n\d+(\[\["[^"<>&]*"\]\]:::network|\("[^"<>&]*"\):::city)'
    r'|  n\d+ (-\.-|---\|"[^"<>&|]*"\|) n\d+'
    r"|  classDef \w+ [\w:#,]+"
)


def test_mermaid_has_safe_ids_and_escaped_labels() -> None:
    text = to_mermaid(build_graph(hostile_dataset()))
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    for line in lines[1:]:
        assert _MERMAID_LINE.fullmatch(line), line
    assert "#34;" in text and "#60;b#62;" in text and "#38;amp#59;" in text
    assert "\x07" not in text


def test_mermaid_of_the_shipped_dataset_has_one_line_per_node_and_edge() -> None:
    code, out, _ = run(SHIPPED, "graph", "--format", "mermaid")
    data = shipped_toml()
    body = [line for line in out.splitlines()[1:] if "classDef" not in line]
    assert code == 0
    assert len(body) == sum(
        len(data[k]) for k in ("networks", "cities", "memberships", "partnerships")
    )
    assert all(_MERMAID_LINE.fullmatch(line) for line in body)


# --- choosing the records ---------------------------------------------------------------


def test_depth_zero_is_the_named_records_and_their_edges() -> None:
    code, out, _ = run(SHIPPED, "graph", "berlin", "c40", "--depth", "0", "-f", "mermaid")
    assert code == 0
    assert '("Berlin (DE)")' in out and '[["C40"]]' in out
    assert out.count(":::") == 2 and out.count(" -.- ") == 1


def test_depth_one_is_the_neighbours_and_the_edges_between_them(tmp_path: Path) -> None:
    target = tmp_path / "koeln.graphml"
    assert run(SHIPPED, "graph", "koeln", "-o", str(target))[0] == 0
    graph = nx.read_graphml(target)
    data = shipped_toml()
    networks = {m["network"] for m in data["memberships"] if m["city"] == "koeln"}
    partners = {o for p in data["partnerships"] if "koeln" in p["cities"] for o in p["cities"]}  # type: ignore[operator, attr-defined]
    expected = {f"network:{n}" for n in networks} | {f"city:{c}" for c in partners | {"koeln"}}
    assert set(graph.nodes) == expected
    inside = [
        m
        for m in data["memberships"]
        if f"city:{m['city']}" in expected and m["network"] in networks
    ]
    pairs = [p for p in data["partnerships"] if all(f"city:{c}" in expected for c in p["cities"])]  # type: ignore[attr-defined]
    assert graph.number_of_edges() == len(inside) + len(pairs)


def test_kind_narrows_the_partnership_edges(tmp_path: Path) -> None:
    code, out, _ = run(SHIPPED, "graph", "berlin", "--kind", "exchange", "-f", "mermaid")
    assert code == 0
    assert "---|" in out and all('"exchange' in line for line in out.splitlines() if "---|" in line)


def test_unknown_name_and_bad_output_folder_have_their_statuses(tmp_path: Path) -> None:
    code, _, err = run(SHIPPED, "graph", "atlantis")
    assert code == 1 and "atlantis" in err
    code, _, err = run(SHIPPED, "graph", "-o", str(tmp_path / "missing" / "g.dot"))
    assert code == 3 and "cannot write" in err
    assert run(SHIPPED, "graph", "--format", "png")[0] == 2


def test_output_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "g.dot"
    target.write_text("old", encoding="utf-8")
    assert run(SHIPPED, "graph", "berlin", "-o", str(target))[0] == 0
    assert target.read_text(encoding="utf-8").startswith("graph citynet {")
    assert [p.name for p in tmp_path.iterdir()] == ["g.dot"]  # no temporary file left


def test_core_modules_import_neither_the_cli_nor_xml_until_needed() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, citynet.graphs, citynet.stats, citynet.suggest; "
        "print(sorted(m for m in ('typer', 'rich', 'xml.etree.ElementTree', 'subprocess') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"

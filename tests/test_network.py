"""The network's own questions, checked by networkx on the real twin-city tables.

networkx builds its graph from the data file itself (tomllib, not citynet's
loader), so a wrong adjacency in citynet cannot agree with it by accident.
"""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from conftest import shared

from citynet import network, store
from citynet.files import shipped_path
from citynet.model import Dataset, Partnership
from citynet.wikidata import import_tables


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, nx.Graph]:
    """The shipped dataset with the Wikidata twin-city tables imported (5,500 cities),
    and networkx's graph of it read from the written file."""
    folder = shared("data", "wikidata-twin-cities")
    data, _ = import_tables(store.load(shipped_path()), folder / "nodes.tsv", folder / "links.tsv")
    path = tmp_path_factory.mktemp("real") / "networks.toml"
    path.write_text(store.dumps(data), encoding="utf-8")
    return store.load(path), graph_of(path)


def graph_of(path: Path, kinds: set[str] | None = None) -> nx.Graph:
    with path.open("rb") as file:
        raw: dict[str, Any] = tomllib.load(file)
    graph = nx.Graph()
    for p in raw["partnerships"]:
        if kinds is None or p["kind"] in kinds:
            a, b = p["cities"]
            if a != b:
                graph.add_edge(a, b)
                graph.edges[a, b].setdefault("kinds", set()).add(p["kind"])
    return graph


@pytest.mark.parametrize(
    ("start", "end"),
    [("berlin", "koeln"), ("los-angeles", "paris"), ("tokio", "windhuk"), ("berlin", "berlin")],
)
def test_path_is_a_shortest_chain_that_networkx_confirms(
    real: tuple[Dataset, nx.Graph], start: str, end: str
) -> None:
    data, graph = real
    if end not in data.city_by_id or start not in graph or end not in graph:
        pytest.skip(f"{start} or {end} has no relation in this data")
    steps = network.path(data, data.city_by_id[start], data.city_by_id[end])
    assert steps is not None
    assert len(steps) == nx.shortest_path_length(graph, start, end)
    chain = network.path_object(steps)
    assert [s["from"] for s in chain[:1]] in ([start], [])
    for here, there in itertools.pairwise(chain):
        assert here["to"] == there["from"]
    for step in chain:
        assert graph.has_edge(step["from"], step["to"])
        assert step["kind"] in graph.edges[step["from"], step["to"]]["kinds"]
        assert step["source"] in data.source_by_id


def test_path_between_unconnected_cities_is_none_as_networkx_says(
    real: tuple[Dataset, nx.Graph],
) -> None:
    data, graph = real
    berlin = data.city_by_id["berlin"]
    reached = nx.node_connected_component(graph, "berlin")
    apart = [c for c in data.cities if c.id not in reached]
    assert apart
    for city in apart[:20]:
        assert network.path(data, berlin, city) is None


def test_kinds_narrow_the_chain(real: tuple[Dataset, nx.Graph]) -> None:
    data, _ = real
    formal = Dataset(
        cities=data.cities,
        partnerships=tuple(p for p in data.partnerships if p.kind == "partnership"),
        sources=data.sources,
    )
    berlin, paris = data.city_by_id["berlin"], data.city_by_id["paris"]
    steps = network.path(data, berlin, paris, ["partnership"])
    assert steps == network.path(formal, berlin, paris)
    assert steps and all(s.partnership.kind == "partnership" for s in steps)


def _part(data: Dataset, countries: set[str]) -> Dataset:
    """The relations among the cities of a few countries: a few hundred cities, small
    enough for exact betweenness in networkx."""
    cities = {c.id for c in data.cities if c.country in countries}
    kept: tuple[Partnership, ...] = tuple(
        p for p in data.partnerships if p.cities[0] in cities and p.cities[1] in cities
    )
    return Dataset(cities=data.cities, partnerships=kept)


def test_degree_and_betweenness_are_those_of_networkx(real: tuple[Dataset, nx.Graph]) -> None:
    data, _ = real
    part = _part(data, {"PL", "CZ", "HU", "SK", "UA", "LT"})
    graph = nx.Graph()
    graph.add_edges_from(p.cities for p in part.partnerships if p.cities[0] != p.cities[1])
    assert 100 < graph.number_of_nodes() <= network.EXACT_UP_TO
    expected = nx.betweenness_centrality(graph)
    found = network.centrality(part)
    assert {r.city.id for r in found} == set(graph)
    for record in found:
        assert record.degree == graph.degree[record.city.id]
        assert record.betweenness == pytest.approx(expected[record.city.id], abs=1e-9)
    assert [r.degree for r in found] == sorted((r.degree for r in found), reverse=True)


def test_estimated_betweenness_finds_networkx_s_most_central_cities(
    real: tuple[Dataset, nx.Graph], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above EXACT_UP_TO cities betweenness is estimated from PIVOTS sources: on 470
    cities, estimated from 150, the total is close and the top cities are found."""
    data, _ = real
    part = _part(data, {"PL", "CZ", "HU", "SK", "UA", "LT"})
    graph = nx.Graph()
    graph.add_edges_from(p.cities for p in part.partnerships if p.cities[0] != p.cities[1])
    monkeypatch.setattr(network, "EXACT_UP_TO", 100)
    monkeypatch.setattr(network, "PIVOTS", 150)
    found = {r.city.id: r.betweenness for r in network.centrality(part)}
    exact = nx.betweenness_centrality(graph)
    assert sum(found.values()) == pytest.approx(sum(exact.values()), rel=0.15)
    ours = sorted(found, key=lambda c: -found[c])[:15]
    top = sorted(exact, key=lambda c: -exact[c])[:5]
    assert set(top) <= set(ours)


def test_communities_partition_the_cities_as_well_as_networkx_s_louvain(
    real: tuple[Dataset, nx.Graph],
) -> None:
    data, graph = real
    found = network.communities(data)
    groups = [{c.id for c in community.members} for community in found]
    assert sum(len(g) for g in groups) == graph.number_of_nodes()
    assert set().union(*groups) == set(graph)
    assert [len(g) for g in groups] == sorted((len(g) for g in groups), reverse=True)
    ours = nx.community.modularity(graph, groups)
    theirs = nx.community.modularity(graph, nx.community.louvain_communities(graph, seed=1))
    assert ours >= 0.97 * theirs
    for community in found:
        counted: dict[str, int] = {}
        for city in community.members:
            counted[city.country] = counted.get(city.country, 0) + 1
        assert dict(community.countries) == counted


def test_communities_are_the_same_every_run(real: tuple[Dataset, nx.Graph]) -> None:
    data, _ = real
    first = network.communities(data)
    assert network.communities(data) == first


def test_louvain_splits_two_cliques_joined_by_one_edge() -> None:
    left = {f"a{i}": {f"a{j}": 1.0 for j in range(5) if j != i} for i in range(5)}
    right = {f"b{i}": {f"b{j}": 1.0 for j in range(5) if j != i} for i in range(5)}
    graph = left | right
    graph["a0"]["b0"] = graph["b0"]["a0"] = 1.0
    groups = sorted(sorted(g) for g in network.louvain(graph))
    assert groups == [[f"a{i}" for i in range(5)], [f"b{i}" for i in range(5)]]


# --- the commands ---------------------------------------------------------------------


def cli(*args: str) -> tuple[int, str, str]:
    from typer.testing import CliRunner

    from citynet.cli import app

    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_path_command_gives_each_step_in_json(mini: Path) -> None:
    import json

    code, out, err = cli("--data", str(mini), "path", "Paris", "windhuk", "--format", "json")
    assert code == 0, err
    assert json.loads(out) == [
        {"from": "paris", "to": "berlin", "kind": "partnership", "source": "doc-b"},
        {"from": "berlin", "to": "windhuk", "kind": "partnership", "source": "doc-b"},
    ]
    code, out, _ = cli("--data", str(mini), "path", "paris", "windhuk", "--format", "ids")
    assert out.split() == ["paris", "berlin", "windhuk"]


def test_path_command_without_a_chain_says_so_with_status_1(mini: Path) -> None:
    code, out, err = cli("--data", str(mini), "path", "paris", "windhuk", "--kind", "exchange")
    assert code == 1 and not out
    assert "no chain of relations joins Paris and Windhuk" in err
    code, _, err = cli("--data", str(mini), "path", "paris", "atlantis")
    assert code == 1 and "atlantis" in err


def test_stats_tables_of_centrality_and_communities(mini: Path) -> None:
    import json

    code, out, err = cli("--data", str(mini), "stats", "--table", "centrality", "--format", "json")
    assert code == 0, err
    rows = {r["id"]: r for r in json.loads(out)}
    assert rows["berlin"]["partners"] == 2 and rows["berlin"]["betweenness"] == 1.0
    assert rows["paris"]["betweenness"] == 0.0
    code, out, err = cli("--data", str(mini), "stats", "--table", "communities", "--format", "json")
    assert code == 0, err
    (community,) = json.loads(out)
    assert sorted(community["members"]) == ["berlin", "paris", "windhuk"]
    assert sum(c["cities"] for c in community["countries"]) == 3
    code, out, _ = cli("--data", str(mini), "stats", "--format", "json")
    assert "centrality" not in json.loads(out)  # computed only when asked for


def test_stats_country_is_read_by_the_one_resolver(mini: Path) -> None:
    by_name = cli("--data", str(mini), "stats", "--country", "Deutschland", "--format", "json")
    by_code = cli("--data", str(mini), "stats", "--country", "de", "--format", "json")
    assert by_name[0] == by_code[0] == 0 and by_name[1] == by_code[1]
    code, _, err = cli("--data", str(mini), "stats", "--country", "Atlantis")
    assert code == 2 and "Atlantis" in err


def test_the_report_of_a_city_gives_its_ranks_and_community() -> None:
    from citynet.i18n import install
    from citynet.report import Paragraph, build

    data = store.load(shipped_path())
    berlin = data.city_by_id["berlin"]
    ranked = network.ranks(network.centrality(data))
    (community,) = [c for c in network.communities(data) if berlin in c.members]
    install("en")
    report = build(data, berlin)
    text = " ".join(
        cell.text for block in report.blocks if isinstance(block, Paragraph) for cell in block.cells
    )
    degree, between = ranked["berlin"]
    assert f"Berlin ranks {degree} of {len(ranked)} cities by partner cities" in text
    assert f"and {between} by betweenness" in text
    assert f"community {community.number} of {len(community.members)} cities" in text

"""`citynet suggest`: networks of a city's peers, with reasons that match the counts."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from citynet.cli import app
from citynet.files import shipped_path
from citynet.model import City, Dataset, Membership, Network, Partnership
from citynet.suggest import peers_of, suggest

runner = CliRunner()
SHIPPED = shipped_path()


def run(path: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


def town() -> Dataset:
    """Four German cities in `core`; three of the others are also in `green`,
    one in `ports`; Aachen is partnered with Lyon, which is in `ports` too."""
    cities = [
        City("aachen", "Aachen", "DE", ("s",)),
        City("bonn", "Bonn", "DE", ("s",)),
        City("celle", "Celle", "DE", ("s",)),
        City("dessau", "Dessau", "DE", ("s",)),
        City("lyon", "Lyon", "FR", ("s",)),
        City("oslo", "Oslo", "NO", ("s",)),
    ]
    networks = [Network(n, n.title(), "europe", ("s",)) for n in ("core", "green", "ports", "far")]
    memberships = [
        Membership(city, network, ("s",))
        for city, network in [
            ("aachen", "core"),
            ("bonn", "core"),
            ("celle", "core"),
            ("dessau", "core"),
            ("bonn", "green"),
            ("celle", "green"),
            ("dessau", "green"),
            ("dessau", "ports"),
            ("lyon", "ports"),
            ("oslo", "far"),  # shares nothing with Aachen: never a peer
        ]
    ]
    partnerships = [Partnership(("aachen", "lyon"), "partnership", ("s",))]
    return Dataset(
        networks=tuple(networks),
        cities=tuple(cities),
        memberships=tuple(memberships),
        partnerships=tuple(partnerships),
    )


def test_peers_share_networks_or_partners_and_nobody_else() -> None:
    data = town()
    weights = peers_of(data, data.city_by_id["aachen"])
    assert set(weights) == {"bonn", "celle", "dessau", "lyon"}
    # Same country and more shared networks weigh more; the partner weighs its bonus
    # (times 0.75: the populations are unknown).
    assert weights["bonn"] == weights["celle"] > weights["dessau"]
    assert weights["lyon"] == pytest.approx(0.5 * 0.75)


def test_a_rare_shared_network_weighs_more_than_a_common_one() -> None:
    """X shares a two-member network with A and a six-member one with B: the plain
    Jaccard similarity is 1/2 for both, but the rare network says more."""
    ids = ["x", "a", "b", "f1", "f2", "f3", "f4"]
    cities = tuple(City(i, i.upper(), "DE", ("s",)) for i in ids)
    networks = tuple(Network(n, n, "europe", ("s",)) for n in ("rare", "common"))
    memberships = tuple(
        Membership(city, network, ("s",))
        for city, network in [("x", "rare"), ("a", "rare")]
        + [(c, "common") for c in ("x", "b", "f1", "f2", "f3", "f4")]
    )
    data = Dataset(networks=networks, cities=cities, memberships=memberships)
    weights = peers_of(data, cities[0])
    assert weights["a"] > weights["b"] > 0


def test_similar_sizes_make_closer_peers() -> None:
    data = town()
    sized = {"aachen": 250_000, "bonn": 330_000, "celle": 70_000}
    cities = tuple(
        c if c.id not in sized else City(c.id, c.name, c.country, c.sources, population=sized[c.id])
        for c in data.cities
    )
    weights = peers_of(Dataset(**{**_fields(data), "cities": cities}), cities[0])
    assert weights["bonn"] > weights["celle"]  # the same networks; Bonn's size is closer


def _fields(data: Dataset) -> dict[str, Any]:
    return {
        "networks": data.networks,
        "memberships": data.memberships,
        "partnerships": data.partnerships,
    }


def test_suggestions_rank_the_networks_of_peers_with_reasons_in_numbers() -> None:
    data = town()
    found = suggest(data, data.city_by_id["aachen"])
    assert [s.network.id for s in found] == ["green", "ports"]
    green, ports = found
    assert green.reason == (
        "3 of the 3 other Core members in DE are in Green; closest peers in it: Bonn, Celle, Dessau"
    )
    assert ports.reason == (
        "1 of the 3 other Core members in DE is in Ports; Aachen's one partner city is in Ports; "
        f"closest peers in it: {', '.join(c.name for c in ports.peers)}"
    )
    weights = peers_of(data, data.city_by_id["aachen"])
    total = sum(weights.values())
    expected = (weights["bonn"] + weights["celle"] + weights["dessau"]) / total
    assert green.score == pytest.approx(expected, abs=0.001)
    assert {c.id for c in ports.peers} == {"lyon", "dessau"}


def test_a_city_without_peers_gets_nothing_and_says_why(mini: Path) -> None:
    add = ["add", "city", "--id", "lyon", "--name", "Lyon", "--country", "FR", "--source", "doc-a"]
    assert run(mini, *add)[0] == 0
    code, out, err = run(mini, "--lang", "de", "suggest", "lyon", "--format", "table")
    assert code == 0, err
    assert "teilt mit keiner Stadt" in out
    assert json.loads(run(mini, "suggest", "lyon", "--format", "json")[1]) == []


def test_unknown_city_and_network_names_are_not_found(mini: Path) -> None:
    assert run(mini, "suggest", "atlantis")[0] == 1
    assert run(mini, "suggest", "eurocities")[0] == 1  # a network is not a city


def shipped() -> dict[str, Any]:
    with SHIPPED.open("rb") as file:
        return tomllib.load(file)


_NETWORK_FACT = re.compile(
    r"(?:(\d+) of the (\d+)|the (one)) other (.+?) members? (?:in ([A-Z]{2}) )?(?:is|are) in (.+)"
)
_PARTNER_FACT = re.compile(
    r"(?:(\d+) of (.+?)'s (\d+) partner cities|(.+?)'s one partner city) (?:is|are) in (.+)"
)
_SHARING_FACT = re.compile(
    r"(?:(\d+) of the (\d+) cities that share partner cities|the (one) city that shares a "
    r"partner city) with (.+?) (?:is|are) in (.+)"
)


@pytest.mark.parametrize("city", ["berlin", "koeln", "paris", "mexiko-stadt"])
def test_reasons_on_the_shipped_data_match_counts_made_from_the_file(city: str) -> None:
    code, out, err = run(SHIPPED, "suggest", city, "--format", "json", "--limit", "0")
    assert code == 0, err
    suggestions = json.loads(out)
    assert suggestions, city
    data = shipped()
    members: dict[str, set[str]] = {}
    for m in data["memberships"]:
        members.setdefault(m["network"], set()).add(m["city"])
    country = {c["id"]: c["country"] for c in data["cities"]}
    labels = {n["id"]: n.get("short_name") or n["name"] for n in data["networks"]}
    by_label = {label: network for network, label in labels.items()}
    partners = {
        other for p in data["partnerships"] if city in p["cities"] for other in p["cities"]
    } - {city}
    own = {n for n, cities in members.items() if city in cities}
    scores = [s["score"] for s in suggestions]
    assert scores == sorted(scores, reverse=True)
    for suggestion in suggestions:
        assert set(suggestion) >= {"network", "score", "reason"}
        assert suggestion["network"] not in own
        inside = members[suggestion["network"]]
        for part in suggestion["reason"].split("; "):
            if part.startswith("closest peers in it: "):
                names = {c["name"]: c["id"] for c in data["cities"]}
                named = part.removeprefix("closest peers in it: ").split(", ")
                assert named and all(names[n] in inside for n in named), part
                continue
            fact = _NETWORK_FACT.fullmatch(part)
            if fact:
                hits, size, one, via, where, target = fact.groups()
                assert by_label[target] == suggestion["network"]
                group = members[by_label[via]] - {city}
                assert by_label[via] in own
                if where:
                    assert where == country[city]
                    group = {c for c in group if country[c] == where}
                hits, size = (1, 1) if one else (int(hits), int(size))
                assert (hits, size) == (len(group & inside), len(group)), part
                continue
            fact = _SHARING_FACT.fullmatch(part)
            if fact:
                sharing = {
                    other
                    for p in data["partnerships"]
                    for partner in partners & set(p["cities"])
                    for other in p["cities"]
                    if other != partner
                } - {city}
                hits, size = (1, 1) if fact.group(3) else (int(fact[1]), int(fact[2]))
                assert (hits, size) == (len(sharing & inside), len(sharing)), part
                continue
            fact = _PARTNER_FACT.fullmatch(part)
            assert fact, part
            assert by_label[fact.group(5)] == suggestion["network"]
            if fact.group(4):
                assert len(partners) == 1 and len(partners & inside) == 1
            else:
                assert (int(fact.group(1)), int(fact.group(3))) == (
                    len(partners & inside),
                    len(partners),
                ), part


def test_json_is_a_list_of_network_score_reason(mini: Path) -> None:
    code, out, _ = run(mini, "suggest", "paris", "--format", "json")
    assert code == 0
    assert json.loads(out) == [
        {
            "network": "eurocities",
            "name": "EUROCITIES",
            "score": 0.5,
            "reason": "Paris's one partner city is in EUROCITIES; closest peers in it: Berlin",
            "peers": ["berlin"],
            "evidence": [
                {"group": "partners", "via": None, "country": None, "members": 1, "in_network": 1}
            ],
        },
        {
            "network": "klima-buendnis",
            "name": "Klima-Bündnis",
            "score": 0.5,
            "reason": "Paris's one partner city is in Klima-Bündnis; closest peers in it: Berlin",
            "peers": ["berlin"],
            "evidence": [
                {"group": "partners", "via": None, "country": None, "members": 1, "in_network": 1}
            ],
        },
    ]


def test_limit_and_tsv(mini: Path) -> None:
    code, out, _ = run(mini, "suggest", "paris", "--limit", "1")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "network\tname\tscore\tpeers\treason"
    assert len(lines) == 2

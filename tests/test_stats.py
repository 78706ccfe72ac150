"""`citynet stats`: every figure checked against a count made here, from the files."""

from __future__ import annotations

import csv
import io
import json
import shutil
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import shared
from typer.testing import CliRunner

from citynet.cli import app
from citynet.files import shipped_path
from citynet.model import City, Dataset, Partnership
from citynet.stats import NETWORK_TABLES, TABLES, statistics, statistics_object

runner = CliRunner()
SHIPPED = shipped_path()


def run(path: Path, *args: str, columns: str = "100") -> tuple[int, str, str]:
    result = CliRunner(env={"COLUMNS": columns}).invoke(app, ["--data", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


def stats_json(path: Path, *args: str) -> dict[str, Any]:
    code, out, err = run(path, "stats", "--format", "json", *args)
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as file:
        return tomllib.load(file)


def expected_partners(data: dict[str, Any], kinds: set[str] = frozenset()) -> Counter[str]:  # type: ignore[assignment]
    """Distinct partner cities per city, from the file's partnership tables."""
    pairs = {
        frozenset(p["cities"]) for p in data["partnerships"] if not kinds or p["kind"] in kinds
    }
    return Counter(city for pair in pairs for city in pair)


def expected_country_pairs(data: dict[str, Any]) -> Counter[tuple[str, str]]:
    country = {c["id"]: c["country"] for c in data["cities"]}
    pairs = {frozenset(p["cities"]) for p in data["partnerships"]}
    counted: Counter[tuple[str, str]] = Counter()
    for pair in pairs:
        a, b = sorted(country[c] for c in pair)
        counted[a, b] += 1
    return counted


@pytest.mark.parametrize("source", ["shipped", "mini"])
def test_counts_rankings_and_pairs_match_the_file(source: str, mini: Path) -> None:
    path = SHIPPED if source == "shipped" else mini
    data = toml(path)
    result = stats_json(path, "--limit", "0")
    counts = result["counts"]
    for section in ("networks", "cities", "memberships", "partnerships", "sources", "themes"):
        assert counts[section] == len(data[section]), section
    assert counts["countries"] == len({c["country"] for c in data["cities"]})
    partners = expected_partners(data)
    ranking = result["most_connected_cities"]
    assert {r["id"]: r["partners"] for r in ranking} == dict(partners)
    assert [r["partners"] for r in ranking] == sorted(partners.values(), reverse=True)
    names = {c["id"]: (c["name"], c["country"]) for c in data["cities"]}
    assert all((r["name"], r["country"]) == names[r["id"]] for r in ranking)
    pairs = {(p["a"], p["b"]): p["partnerships"] for p in result["country_pairs"]}
    assert pairs == dict(expected_country_pairs(data))
    assert all(p["a"] <= p["b"] for p in result["country_pairs"])
    memberships = Counter(m["city"] for m in data["memberships"])
    assert {r["id"]: r["memberships"] for r in result["most_memberships"]} == dict(memberships)
    themes = Counter(t for n in data["networks"] for t in n.get("themes", []))
    assert {t["theme"]: t["networks"] for t in result["networks_by_theme"]} == dict(themes)
    decades = Counter(
        f"{n['founded'] // 10 * 10}s" if "founded" in n else "unknown" for n in data["networks"]
    )
    by_decade = {d["decade"]: d["networks"] for d in result["networks_by_decade"]}
    assert {d: n for d, n in by_decade.items() if n} == dict(decades)
    known = [d for d in by_decade if d != "unknown"]
    assert [int(d[:-1]) for d in known] == list(
        range(int(known[0][:-1]), int(known[-1][:-1]) + 10, 10)
    )
    assert sum(c["size"] for c in result["country_components"]) == counts["countries"]


def test_a_pair_with_two_kinds_counts_once_unless_kind_narrows(mini: Path) -> None:
    # In the fixture Berlin and Paris are partners twice: a partnership and an exchange.
    data = toml(mini)
    kinds = [p["kind"] for p in data["partnerships"] if set(p["cities"]) == {"berlin", "paris"}]
    assert sorted(kinds) == ["exchange", "partnership"]
    everything = stats_json(mini)
    ranking = {r["id"]: r["partners"] for r in everything["most_connected_cities"]}
    assert ranking["berlin"] == expected_partners(data)["berlin"] == 2  # Paris and Windhuk
    assert ranking["paris"] == 1
    exchange = stats_json(mini, "--kind", "exchange")
    assert {r["id"]: r["partners"] for r in exchange["most_connected_cities"]} == dict(
        expected_partners(data, {"exchange"})
    )
    assert exchange["country_pairs"] == [
        {"a": "DE", "b": "FR", "domestic": False, "partnerships": 1}
    ]
    assert run(mini, "stats", "--kind", "weltraum")[0] == 2


def test_limit_cuts_the_rankings_only(mini: Path) -> None:
    result = stats_json(mini, "--limit", "1")
    assert len(result["most_connected_cities"]) == 1
    assert result["most_connected_cities"][0]["id"] == "berlin"
    assert len(result["networks_by_theme"]) == 2


def test_country_components_say_whether_every_country_is_connected(mini: Path) -> None:
    result = stats_json(mini)
    # DE–FR and DE–NA are partnered: one group.
    assert result["countries_connected"] is True
    assert result["country_components"] == [{"size": 3, "countries": ["DE", "FR", "NA"]}]
    code, _, err = run(mini, "remove", "partnership", "berlin:windhuk")
    assert code == 0, err
    result = stats_json(mini)
    assert result["countries_connected"] is False
    assert [c["countries"] for c in result["country_components"]] == [["DE", "FR"], ["NA"]]


class RegionCity(City, frozen=True):
    """A city with the region field that another change adds to City."""

    region: str = ""


def test_region_by_partner_country_counts_pairs_from_each_side() -> None:
    cities = (
        RegionCity("muenchen", "München", "DE", ("s",), region="Bayern"),
        RegionCity("nuernberg", "Nürnberg", "DE", ("s",), region="Bayern"),
        RegionCity("verona", "Verona", "IT", ("s",), region="Veneto"),
        City("bordeaux", "Bordeaux", "FR", ("s",)),
    )
    partnerships = (
        Partnership(("muenchen", "verona"), "partnership", ("s",)),
        Partnership(("muenchen", "verona"), "exchange", ("s",)),  # the same pair
        Partnership(("nuernberg", "verona"), "partnership", ("s",)),
        Partnership(("bordeaux", "muenchen"), "friendship", ("s",)),
    )
    result = statistics_object(statistics(Dataset(cities=cities, partnerships=partnerships)))
    rows = {
        (r["region"], r["partner_country"]): r["partnerships"] for r in result["region_country"]
    }
    assert rows == {("Bayern", "IT"): 2, ("Veneto", "DE"): 2, ("Bayern", "FR"): 1}


# --- every table in every format -----------------------------------------------------


def test_tsv_gives_the_ranking_and_table_chooses_another(mini: Path) -> None:
    code, out, _ = run(mini, "stats")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out), delimiter="\t"))
    assert list(rows[0]) == ["id", "name", "country", "partners"]
    assert rows[0]["id"] == "berlin"
    for table in TABLES:
        code, out, err = run(mini, "stats", "--table", table, "--format", "csv")
        assert code == 0, (table, err)
        assert out.strip(), table
    code, out, _ = run(mini, "stats", "--table", "country_pairs", "--format", "csv")
    assert out.splitlines()[:2] == ["a,b,domestic,partnerships", "DE,FR,false,1"]
    code, out, _ = run(mini, "stats", "--table", "country_pairs", "--format", "json")
    assert json.loads(out)[0] == {"a": "DE", "b": "FR", "domestic": False, "partnerships": 1}


def test_unknown_table_is_a_usage_error_naming_the_tables(mini: Path) -> None:
    code, _, err = run(mini, "stats", "--table", "country_pair")
    assert code == 2 and "country_pairs" in err and "counts" in err


def test_markdown_has_every_table(mini: Path) -> None:
    """Every table but the network's own (centrality, communities: asked for by name)."""
    code, out, _ = run(mini, "stats", "--format", "md")
    assert code == 0
    titles = [line for line in out.splitlines() if line.startswith("**")]
    assert len(titles) == len(TABLES) - len(NETWORK_TABLES)
    assert "| DE | FR |  | 1 |" in out


def test_terminal_draws_bar_charts_that_fit_the_width(mini: Path) -> None:
    code, out, _ = run(mini, "--no-color", "--lang", "de", "stats", "-f", "table", columns="60")
    assert code == 0
    lines = out.splitlines()
    assert all(len(line) <= 60 for line in lines), max(lines, key=len)
    assert "\x1b" not in out
    start = lines.index("Städte mit den meisten Partnerstädten (erste 20)")
    berlin, paris = lines[start + 2], lines[start + 3]
    assert berlin.startswith("berlin") and paris.split()[0] in ("paris", "windhuk")
    # Berlin (2 partners) has the full bar, twice as long as a city with one.
    assert berlin.count("█") == pytest.approx(2 * paris.count("█"), abs=1)


# --- the real twin-city import -------------------------------------------------------


@pytest.fixture(scope="module")
def twin_cities(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped dataset with the Wikidata twin-city tables imported, through the CLI."""
    tables = shared("data", "wikidata-twin-cities")
    path = tmp_path_factory.mktemp("twins") / "networks.toml"
    shutil.copyfile(SHIPPED, path)
    code, _, err = run(
        path,
        "import",
        "wikidata",
        "--cities",
        str(tables / "nodes.tsv"),
        "--links",
        str(tables / "links.tsv"),
    )
    assert code == 0, err
    return path


def test_most_connected_cities_of_the_twin_city_import_match_the_links_table(
    twin_cities: Path,
) -> None:
    with shared("data", "wikidata-twin-cities", "links.tsv").open(
        encoding="utf-8", newline=""
    ) as file:
        links = list(csv.DictReader(file, delimiter="\t"))
    neighbours: dict[str, set[str]] = {}
    for link in links:
        neighbours.setdefault(link["source"], set()).add(link["target"])
        neighbours.setdefault(link["target"], set()).add(link["source"])
    imported = toml(twin_cities)
    shipped = toml(SHIPPED)
    by_qid = {c["wikidata"]: c["id"] for c in imported["cities"] if c.get("wikidata")}
    shipped_ids = {c["id"] for c in shipped["cities"]}
    shipped_partners: dict[str, set[str]] = {}
    for p in shipped["partnerships"]:
        a, b = p["cities"]
        shipped_partners.setdefault(a, set()).add(b)
        shipped_partners.setdefault(b, set()).add(a)
    expected = {
        by_qid[qid]: len({by_qid[n] for n in found} | shipped_partners.get(by_qid[qid], set()))
        for qid, found in neighbours.items()
    }
    for city in shipped_ids - set(expected):
        if city in shipped_partners:
            expected[city] = len(shipped_partners[city])
    result = stats_json(twin_cities, "--limit", "0")
    ranking = result["most_connected_cities"]
    assert {r["id"]: r["partners"] for r in ranking} == expected
    top = max(expected.values())
    assert ranking[0]["partners"] == top
    # The cities most connected in the links table alone (QIDs), where no shipped
    # partnership adds to them, lead the ranking with the same counts.
    by_links = sorted(neighbours, key=lambda q: -len(neighbours[q]))[:5]
    for qid in by_links:
        if by_qid[qid] not in shipped_ids:
            row = next(r for r in ranking if r["id"] == by_qid[qid])
            assert row["partners"] == len(neighbours[qid])
    assert result["counts"]["partnerships"] == len(imported["partnerships"])


# --- the terminal rendering, with names that could misalign or inject ---------------


def test_bar_charts_align_wide_characters_and_show_control_codes_literally() -> None:
    from rich.cells import cell_len

    from citynet.output import render_sections
    from citynet.statviews import stats_listings

    cities = (
        City("tokio", "東京", "JP", ("s",)),
        City("evil", "\x1b[31mEvil", "DE", ("s",)),
        City("bonn", "Bonn", "DE", ("s",)),
    )
    partnerships = (
        Partnership(("evil", "tokio"), "partnership", ("s",)),
        Partnership(("bonn", "tokio"), "partnership", ("s",)),
    )
    listings = stats_listings(statistics(Dataset(cities=cities, partnerships=partnerships)), 20)
    out = io.StringIO()
    render_sections([listings["most_connected_cities"]], "table", out, color=False, width=60)
    text = out.getvalue()
    assert "\x1b" not in text and "\\e[31mEvil" in text
    rows = text.splitlines()[2:]  # under the title and the header
    assert rows[0].split()[0] == "tokio"
    assert sorted(row.split()[0] for row in rows[1:]) == ["bonn", "evil"]
    # The bars start in the same terminal column whatever the width of the names.
    starts = {cell_len(row[: row.index("█")]) for row in rows}
    assert len(starts) == 1


def test_country_matrix_is_the_pairs_table_both_ways(twin_cities: Path) -> None:
    result = stats_json(twin_cities, "--limit", "12")
    matrix = result["country_matrix"]
    countries, counts = matrix["countries"], matrix["partnerships"]
    assert len(countries) == 12 and len(counts) == 12
    pairs = {
        (p["a"], p["b"]): p["partnerships"]
        for p in stats_json(twin_cities, "--limit", "0")["country_pairs"]
    }
    for i, a in enumerate(countries):
        for j, b in enumerate(countries):
            assert counts[i][j] == counts[j][i] == pairs.get((min(a, b), max(a, b)), 0)
    totals = Counter[str]()
    for (a, b), n in pairs.items():
        totals[a] += n
        if a != b:
            totals[b] += n
    assert countries == sorted(totals, key=lambda c: (-totals[c], c))[:12]


def test_help_names_every_table() -> None:
    result = CliRunner(env={"COLUMNS": "300"}).invoke(app, ["stats", "--help"])
    assert result.exit_code == 0
    for table in TABLES:
        assert table in result.stdout, table

"""The JSON contract, checked: every command's JSON against its published schema (jsonschema),
and the README's contract tables against the schemas."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import shared
from typer.testing import CliRunner

from citynet.cli import app
from citynet.contract import objects_schema
from citynet.files import shipped_path
from citynet.schemas import NAMES, document

runner = CliRunner()
README = Path(__file__).resolve().parents[1] / "README.md"
MINI = Path(__file__).parent / "fixtures" / "mini.toml"

# (arguments, schema) for both datasets: the shipped one and tests/fixtures/mini.toml.
COMMANDS = [
    (("list",), "list"),
    (("list", "--theme", "klima"), "list"),
    (("show", "eurocities"), "show-network"),
    (("show", "klima-buendnis"), "show-network"),
    (("show", "berlin"), "show-city"),
    (("show", "paris"), "show-city"),
    (("partners", "berlin"), "partners"),
    (("partners", "paris"), "partners"),
    (("timeline", "berlin"), "timeline"),
    (("cities",), "cities"),
    (("themes",), "themes"),
    (("search", "klima"), "search"),
    (("search", "köln"), "search"),
    (("compare", "eurocities", "klima-buendnis"), "compare"),
    (("compare", "berlin", "koeln"), "compare"),
    (("compare", "berlin", "koeln", "paris"), "compare"),
    (("export", "json", "-"), "dataset"),
    (("stats",), "stats"),
    (("stats", "--kind", "partnership"), "stats"),
    (("stats", "--table", "centrality"), "stats-centrality"),
    (("stats", "--table", "communities"), "stats-communities"),
    (("suggest", "koeln"), "suggest"),
    (("suggest", "berlin"), "suggest"),
    (("path", "berlin", "paris"), "path"),
    (("path", "paris", "windhuk"), "path"),
]
SHIPPED_ONLY = [
    (("show", "c40"), "show-network"),  # bodies, people, notes
    (("sources",), "sources"),
    (("show", "berlin-netzwerke"), "show-source"),
    (("sources", "koeln-netzwerke"), "show-source"),
    (("show", "cemr"), "show-network"),
    (("show", "koeln"), "show-city"),
    (("compare", "eurocities", "cemr", "c40"), "compare"),
]


# The shipped data after the three real imports of ../shared/data (Wikidata's twin cities,
# Eurocities, ClimActor): kinds, sources and names the shipped data does not have.
REAL_COMMANDS = [
    (("list",), "list"),
    (("show", "eurocities"), "show-network"),
    (("show", "berlin"), "show-city"),
    (("show", "saint-petersburg"), "show-city"),
    (("partners", "berlin"), "partners"),
    (("partners", "rio-de-janeiro"), "partners"),
    (("cities", "--country", "DE"), "cities"),
    (("themes",), "themes"),
    (("search", "springfield"), "search"),
    (("compare", "berlin", "paris", "istanbul"), "compare"),
    (("stats",), "stats"),
    (("stats", "--country", "DE"), "stats"),
    (("stats", "--table", "centrality", "--limit", "50"), "stats-centrality"),
    (("stats", "--table", "communities", "--limit", "10"), "stats-communities"),
    (("suggest", "berlin"), "suggest"),
    (("path", "koeln", "rio-de-janeiro"), "path"),
    (("show", "wikidata-p190"), "show-source"),
    (("export", "json", "-"), "dataset"),
]


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped data with the three real tables imported, as a data file."""
    from citynet import store
    from citynet.members import import_members
    from citynet.wikidata import import_tables

    tables = shared("data")
    twins = tables / "wikidata-twin-cities"
    data, _ = import_tables(store.load(shipped_path()), twins / "nodes.tsv", twins / "links.tsv")
    members = tables / "eurocities-members" / "members-wikidata-enriched.json"
    data, _ = import_members(data, members, network="eurocities")
    climactor = tables / "climactor" / "climactor-initcols-2020-09.csv"
    columns = {"C40Cities2019": "c40", "EUCovenantofMayors2019": "covenant-of-mayors"}
    data, _ = import_members(data, climactor, columns=columns)
    path = tmp_path_factory.mktemp("real") / "networks.toml"
    path.write_text(store.dumps(data), encoding="utf-8")
    return path


def output(data: Path, *args: str) -> Any:
    extra = () if args[0] == "export" else ("--format", "json")
    result = runner.invoke(app, ["--data", str(data), *args, *extra])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(document(name))


@pytest.mark.parametrize("name", NAMES)
def test_every_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    schema = document(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize(("args", "name"), COMMANDS, ids=lambda x: " ".join(x))
def test_mini_output_matches_its_schema(args: tuple[str, ...], name: str) -> None:
    validator(name).validate(output(MINI, *args))


@pytest.mark.parametrize(("args", "name"), COMMANDS + SHIPPED_ONLY, ids=lambda x: " ".join(x))
def test_shipped_output_matches_its_schema(args: tuple[str, ...], name: str) -> None:
    validator(name).validate(output(shipped_path(), *args))


@pytest.mark.parametrize(
    ("args", "name"), REAL_COMMANDS, ids=[" ".join(a) for a, _ in REAL_COMMANDS]
)
def test_output_on_the_real_imports_matches_its_schema(
    real: Path, args: tuple[str, ...], name: str
) -> None:
    found = output(real, *args)
    errors = [e.message for e in validator(name).iter_errors(found)]
    assert errors == [], f"{len(errors)} errors, first: {errors[:3]}"
    if name == "dataset":  # the kinds only the imports write are there, and valid
        assert {p["kind"] for p in found["partnerships"]} >= {"twinning", "partnership"}
        assert any(s["date"] and s["citation"] for s in found["sources"])


def test_a_missing_or_mistyped_key_fails_validation() -> None:
    network = output(MINI, "show", "eurocities")
    check = validator("show-network")
    assert check.is_valid(network)
    assert not check.is_valid({k: v for k, v in network.items() if k != "founded_place"})
    assert not check.is_valid({**network, "founded": "1986"})
    assert not check.is_valid({**network, "scope": "mars"})
    assert check.is_valid({**network, "a_new_key": 1})  # new keys may be added


def test_both_compare_shapes_are_told_apart() -> None:
    check = validator("compare")
    networks = output(MINI, "compare", "eurocities", "klima-buendnis")
    cities = output(MINI, "compare", "berlin", "koeln")
    assert check.is_valid(networks) and check.is_valid(cities)
    assert not check.is_valid({**networks, "kind": "city"})


def table_validator(key: str) -> jsonschema.Draft202012Validator:
    """The schema of `stats --table KEY`: that key's value in the statistics object."""
    schema = document("stats")
    schema["$ref"] = f"urn:citynet:schema:objects#/$defs/statistics/properties/{key}"
    return jsonschema.Draft202012Validator(schema)


# The tables whose --table output is the value of their key in the whole object.
TABLES_OF_THE_WHOLE = ("country_pairs", "region_country", "region_matrix")


@pytest.mark.parametrize("data", [MINI, shipped_path()], ids=["mini", "shipped"])
def test_a_stats_table_is_its_key_of_the_whole_object(data: Path) -> None:
    whole = output(data, "stats")
    for key in TABLES_OF_THE_WHOLE:
        table = output(data, "stats", "--table", key)
        table_validator(key).validate(table)
        assert table == whole[key], key


def test_the_region_tables_of_the_real_imports_match_their_schema(real: Path) -> None:
    """Only the real data has regions (Bundesländer): the matrix has rows to check."""
    for key in ("region_matrix", "region_country"):
        found = output(real, "stats", "--table", key, "--country", "DE")
        assert found, key
        errors = [e.message for e in table_validator(key).iter_errors(found)]
        assert errors == [], f"{key}: {len(errors)} errors, first: {errors[:3]}"
    matrix = output(real, "stats", "--table", "region_matrix", "--country", "DE")
    assert len(matrix["regions"]) == len(matrix["region_names"]) == len(matrix["partnerships"])
    assert len(matrix["regions"]) == 16  # every Bundesland
    assert all(len(row) == len(matrix["countries"]) for row in matrix["partnerships"])


def test_new_stats_keys_and_path_steps_are_required() -> None:
    whole = output(MINI, "stats")
    check = validator("stats")
    assert check.is_valid(whole)
    assert not check.is_valid({k: v for k, v in whole.items() if k != "region_matrix"})
    pair = {k: v for k, v in whole["country_pairs"][0].items() if k != "domestic"}
    assert not check.is_valid({**whole, "country_pairs": [pair]})
    steps = output(MINI, "path", "paris", "windhuk")
    assert len(steps) == 2 and validator("path").is_valid(steps)
    assert not validator("path").is_valid([{k: v for k, v in steps[0].items() if k != "to"}])
    assert not validator("path").is_valid([{**steps[0], "kind": "alliance"}])
    central = output(MINI, "stats", "--table", "centrality")
    assert not validator("stats-centrality").is_valid([{**central[0], "betweenness": 2}])
    communities = output(MINI, "stats", "--table", "communities")
    assert validator("stats-communities").is_valid(communities)
    assert not validator("stats-communities").is_valid([{**communities[0], "countries": ["DE"]}])


def test_schema_command_lists_and_prints_the_schemas() -> None:
    result = runner.invoke(app, ["schema", "--format", "json"])
    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    assert [s["name"] for s in listed] == list(NAMES)
    assert all(s["title"] for s in listed)
    for name in NAMES:
        result = runner.invoke(app, ["schema", name])
        assert result.exit_code == 0
        assert json.loads(result.stdout) == document(name)


def test_unknown_schema_is_a_usage_error_listing_the_names() -> None:
    result = runner.invoke(app, ["schema", "partner"])
    assert result.exit_code == 2
    assert "did you mean 'partners'" in result.stderr and "show-city" in result.stderr


def contract_tables() -> tuple[dict[str, set[str]], dict[str, str]]:
    """From the README's contract section: keys per object, and schema per command."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## JSON contract") :]
    section = section[: section.index("\n## ", 1)]
    objects: dict[str, set[str]] = {}
    schemas: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| `") or len(cells) not in (2, 3):
            continue
        if len(cells) == 2:
            objects[cells[0].strip("`")] = set(re.findall(r"`([a-z_]+)`", cells[1]))
        else:
            schemas[cells[0].strip("`")] = cells[2].strip("`")
    return objects, schemas


def test_readme_contract_names_exactly_the_keys_the_schemas_require() -> None:
    objects, schemas = contract_tables()
    defs = objects_schema()["$defs"]
    assert set(objects) == set(defs)
    for name, keys in objects.items():
        assert keys == set(defs[name]["required"]), name
        assert set(defs[name]["required"]) == set(defs[name]["properties"]), name
    assert sorted(schemas.values()) == sorted(NAMES)

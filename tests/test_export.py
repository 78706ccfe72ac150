"""`export sqlite` and `export json`, read back by the sqlite3 module and served by datasette."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from citynet import load
from citynet.cli import app
from citynet.export import LICENCE
from citynet.files import shipped_path

runner = CliRunner()
REPOSITORY = Path(__file__).resolve().parents[1]


def export(data: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--data", str(data), "export", *args])
    return result.exit_code, result.stderr


@pytest.fixture(params=["shipped", "mini"])
def data(request: pytest.FixtureRequest, mini: Path) -> Path:
    return shipped_path() if request.param == "shipped" else mini


@pytest.fixture
def database(data: Path, tmp_path: Path) -> sqlite3.Connection:
    target = tmp_path / "citynet.db"
    code, err = export(data, "sqlite", str(target))
    assert code == 0, err
    return sqlite3.connect(target)


def count(connection: sqlite3.Connection, table: str) -> int:
    result: int = connection.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
    return result


def test_sqlite_counts_equal_the_dataset(data: Path, database: sqlite3.Connection) -> None:
    dataset = load(data)
    for table, records in (
        ("sources", dataset.sources),
        ("themes", dataset.themes),
        ("networks", dataset.networks),
        ("cities", dataset.cities),
        ("memberships", dataset.memberships),
        ("partnerships", dataset.partnerships),
    ):
        assert count(database, table) == len(records), table
    networks = dataset.networks
    assert count(database, "figures") == sum(len(n.figures) for n in networks)
    assert count(database, "bodies") == sum(len(n.bodies) for n in networks)
    assert count(database, "notes") == sum(len(n.notes) for n in networks)
    roles = sum(len(n.people) for n in networks) + sum(len(m.roles) for m in dataset.memberships)
    assert count(database, "roles") == roles
    assert count(database, "network_themes") == sum(len(n.themes) for n in networks)
    assert count(database, "city_aliases") == sum(len(c.aliases) for c in dataset.cities)
    assert count(database, "city_partners") == 2 * len(dataset.partnerships)
    assert count(database, "membership_details") == len(dataset.memberships)


def test_sqlite_foreign_keys_are_declared_and_hold(database: sqlite3.Connection) -> None:
    assert database.execute("PRAGMA foreign_key_check").fetchall() == []
    references = {
        (row[3], row[2], row[4])
        for row in database.execute("PRAGMA foreign_key_list(memberships)").fetchall()
    }
    assert references == {
        ("city", "cities", "id"),
        ("network", "networks", "id"),
        ("since_source", "sources", "id"),
        ("status_source", "sources", "id"),
    }
    assert database.execute("PRAGMA foreign_key_list(network_themes)").fetchall()


def test_sqlite_link_tables_keep_the_order_of_lists(mini: Path, tmp_path: Path) -> None:
    target = tmp_path / "mini.db"
    assert export(mini, "sqlite", str(target))[0] == 0
    connection = sqlite3.connect(target)
    themes = connection.execute(
        "SELECT theme FROM network_themes WHERE network = 'eurocities' ORDER BY position"
    ).fetchall()
    assert themes == [("klima",), ("soziales",)]
    assert connection.execute("SELECT alias FROM city_aliases").fetchall() == []
    assert connection.execute("SELECT alias FROM theme_aliases").fetchall() == [
        ("climate",),
        ("social",),
    ]


def test_sqlite_full_text_index_finds_names_aliases_and_descriptions(
    data: Path, database: sqlite3.Connection
) -> None:
    def networks(query: str) -> set[str]:
        rows = database.execute(
            "SELECT id FROM networks WHERE rowid IN "
            "(SELECT rowid FROM networks_fts WHERE networks_fts MATCH ?)",
            (query,),
        ).fetchall()
        return {row[0] for row in rows}

    assert "klima-buendnis" in networks("klima*")
    assert "klima-buendnis" in networks("bundnis")  # accents folded
    assert "klima-buendnis" in networks("aliases:klimabundnis")
    assert "klima-buendnis" in networks("description:klimaschutz")
    cities = database.execute(
        "SELECT c.id FROM cities c JOIN cities_fts f ON f.rowid = c.rowid "
        "WHERE cities_fts MATCH 'cologne'"
    ).fetchall()
    assert cities == [("koeln",)]


def test_sqlite_views_answer_the_common_questions(data: Path, database: sqlite3.Connection) -> None:
    # A pair is stored once (berlin, paris) and seen from both cities.
    partners_of_paris = database.execute(
        "SELECT partner, partner_name, kind FROM city_partners WHERE city = 'paris'"
    ).fetchall()
    assert ("berlin", "Berlin", "partnership") in partners_of_paris
    partners_of_berlin = database.execute(
        "SELECT partner FROM city_partners WHERE city = 'berlin'"
    ).fetchall()
    assert ("paris",) in partners_of_berlin
    memberships = database.execute(
        "SELECT city_name, network_name FROM membership_details WHERE city = 'koeln'"
    ).fetchall()
    assert "eurocities" in {name.lower() for _, name in memberships}
    summary = database.execute(
        "SELECT themes, member_cities FROM network_summary WHERE id = 'eurocities'"
    ).fetchone()
    eurocities = load(data).network_by_id["eurocities"]
    members = load(data).memberships_by_network["eurocities"]
    assert summary == (", ".join(eurocities.themes), len(members))


def test_sqlite_existing_files_are_replaced_only_with_force(mini: Path, tmp_path: Path) -> None:
    target = tmp_path / "citynet.db"
    target.write_text("mine")
    code, err = export(mini, "sqlite", str(target))
    assert code == 2
    assert "already there" in err and "--force" in err
    assert target.read_text() == "mine"
    assert not (tmp_path / "citynet.db.metadata.json").exists()
    assert export(mini, "sqlite", str(target), "--force")[0] == 0
    assert count(sqlite3.connect(target), "cities") == len(load(mini).cities)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "citynet.db",
        "citynet.db.metadata.json",
        "networks.toml",
    ]


def test_metadata_gives_titles_sources_and_licence(mini: Path, tmp_path: Path) -> None:
    target, metadata = tmp_path / "netze.db", tmp_path / "meta.json"
    assert export(mini, "sqlite", str(target), "--metadata", str(metadata))[0] == 0
    document = json.loads(metadata.read_text(encoding="utf-8"))
    assert document["license"] == LICENCE
    tables = document["databases"]["netze"]["tables"]
    assert tables["networks"]["title"] == "City networks"
    assert tables["networks"]["source"] == "Stadt A, Stadt B"
    assert tables["networks"]["fts_table"] == "networks_fts"
    assert tables["figures"]["columns"]["qualifier"]
    assert all(tables[t]["license"] == LICENCE for t in ("cities", "memberships", "figures"))


def test_the_licence_is_the_package_licence() -> None:
    with (REPOSITORY / "pyproject.toml").open("rb") as file:
        assert tomllib.load(file)["project"]["license"] == LICENCE


def datasette(database: Path, *args: str) -> str:
    metadata = database.with_name(database.name + ".metadata.json")
    command = [sys.executable, "-m", "datasette", str(database), "--metadata", str(metadata)]
    done = subprocess.run(
        [*command, *args], capture_output=True, text=True, encoding="utf-8", check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_datasette_serves_the_tables_search_and_views(tmp_path: Path) -> None:
    target = tmp_path / "citynet.db"
    assert export(shipped_path(), "sqlite", str(target))[0] == 0

    def get(path: str) -> Any:
        return json.loads(datasette(target, "--get", path))

    networks = get("/citynet/networks.json?_shape=array&_size=max")
    assert len(networks) == len(load(shipped_path()).networks)
    found = get("/citynet/networks.json?_search=klima*&_searchmode=raw&_shape=array")
    assert "klima-buendnis" in {n["id"] for n in found}
    berlin = get("/citynet/city_partners.json?city=berlin&_shape=array&_size=max")
    assert "paris" in {row["partner"] for row in berlin}
    labelled = get("/citynet/memberships.json?city=koeln&_labels=on&_shape=array")
    assert {"value": "koeln", "label": "Köln"} in [row["city"] for row in labelled]
    page = datasette(target, "--get", "/citynet/networks")
    assert "<h1>City networks</h1>" in page and LICENCE in page


def test_export_json_writes_the_whole_dataset(data: Path, tmp_path: Path) -> None:
    target = tmp_path / "citynet.json"
    assert export(data, "json", str(target))[0] == 0
    text = target.read_text(encoding="utf-8")
    document = json.loads(text)
    # Written piece by piece, laid out as one json.dumps would lay it out.
    assert text == json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    dataset = load(data)
    assert document["schema_version"] == dataset.schema_version
    for section in ("sources", "themes", "networks", "cities", "memberships", "partnerships"):
        assert len(document[section]) == len(getattr(dataset, section)), section
    assert {(m["city"], m["network"]) for m in document["memberships"]} == {
        (m.city, m.network) for m in dataset.memberships
    }


def test_export_json_to_stdout_and_refusing_to_overwrite(mini: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["--data", str(mini), "export", "json", "-"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["cities"][0]["kind"] == "city"
    target = tmp_path / "taken.json"
    target.write_text("{}")
    assert export(mini, "json", str(target))[0] == 2
    assert target.read_text() == "{}"
    assert export(mini, "json", str(target), "--force")[0] == 0
    assert json.loads(target.read_text(encoding="utf-8"))["networks"]


def test_every_value_of_every_record_is_in_the_database(tmp_path: Path) -> None:
    """A field added to the model and forgotten would be dropped from every export: each
    value of the shipped data is read back from its column, its list field's link table
    (in order) or, for nested records, its table, row for row."""
    from citynet import schema
    from citynet.model import SECTIONS

    target = tmp_path / "all.db"
    result = CliRunner().invoke(app, ["export", "sqlite", str(target)])
    assert result.exit_code == 0, result.stderr
    db = sqlite3.connect(target)
    nested_rows: dict[str, int] = {}

    def check(record: Any, table: str, key: Any, where: str) -> None:
        kind = type(record).__name__.lower()
        for spec in schema.fields_of(type(record)):
            value = getattr(record, spec.name)
            if spec.nested:
                sub = spec.nested.__name__.lower()
                sub_table = sub[:-1] + "ies" if sub.endswith("y") else sub + "s"
                ids = [r[0] for r in db.execute(
                    f"SELECT id FROM [{sub_table}] WHERE [{kind}] = ? ORDER BY id", (key,)
                )]  # fmt: skip
                if kind == "network" and sub == "role":  # people, not member cities' roles
                    ids = [
                        i for i in ids
                        if db.execute("SELECT membership FROM roles WHERE id = ?", (i,)).fetchone()
                        == (None,)
                    ]  # fmt: skip
                assert len(ids) == len(value), f"{where}.{spec.name}"
                for row_id, item in zip(ids, value, strict=True):
                    check(item, sub_table, row_id, f"{where}.{spec.name}")
                nested_rows[sub_table] = nested_rows.get(sub_table, 0) + len(value)
            elif spec.size:
                columns = ", ".join(f"{spec.item_name}_{c}" for c in "ab"[: spec.size])
                found = db.execute(f"SELECT {columns} FROM [{table}] WHERE id = ?", (key,))
                assert found.fetchone() == tuple(value), f"{where}.{spec.name}"
            elif spec.many:
                found = db.execute(
                    f"SELECT [{spec.item_name}] FROM [{kind}_{spec.name}] WHERE [{kind}] = ? "
                    "ORDER BY position",
                    (key,),
                )
                assert [r[0] for r in found] == list(value), f"{where}.{spec.name}"
            else:
                found = db.execute(f"SELECT [{spec.name}] FROM [{table}] WHERE id = ?", (key,))
                assert found.fetchone() == (None if value == "" else value,), f"{where}.{spec.name}"

    data = load()
    for section in SECTIONS:
        for number, record in enumerate(getattr(data, section), start=1):
            key = getattr(record, "id", number)
            check(record, section, key, f"{section}[{number}]")
    for table, count in nested_rows.items():  # and nothing else
        assert db.execute(f"SELECT count(*) FROM [{table}]").fetchone() == (count,), table
    assert set(nested_rows) == {"figures", "bodies", "roles", "notes"}

"""The whole dataset for other tools: a SQLite database (with datasette metadata) and JSON.

The database's tables follow from the schema in `citynet.model`
(`citynet.contract.sql_tables`, `sql_rows`): the SQL and the datasette metadata
(titles, column descriptions, labels) come from there. Written here by hand is what
no record describes: the full-text indexes and the views. Plain sqlite3 rather than
sqlite-utils: the schema is explicit DDL either way, and the standard library needs
no extra packages at run time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from . import i18n
from .errors import DataError, Problem, UsageError
from .model import Dataset

# The licence of the citynet package, which ships the dataset (pyproject.toml).
LICENCE = "MIT"
LICENCE_URL = "https://opensource.org/licenses/MIT"


# Full-text indexes (FTS5): (index, table, columns); a row's rowid is its record's rowid.
FULL_TEXT = (
    (
        "networks_fts",
        "networks",
        ("name", "short_name", "name_de", "name_en", "aliases", "description", "description_en"),
    ),
    ("cities_fts", "cities", ("name", "name_en", "aliases")),
)

VIEWS = {
    "city_partners": (
        "Every partner of every city, in both directions: one row per city, partner and kind.",
        """
        SELECT p.id AS partnership, a.id AS city, a.name AS city_name, b.id AS partner,
               b.name AS partner_name, b.country AS partner_country, p.kind, p.since,
               p.until, p.programme, p.note
        FROM partnerships p JOIN cities a ON a.id = p.city_a JOIN cities b ON b.id = p.city_b
        UNION ALL
        SELECT p.id, b.id, b.name, a.id, a.name, a.country, p.kind, p.since, p.until,
               p.programme, p.note
        FROM partnerships p JOIN cities a ON a.id = p.city_a JOIN cities b ON b.id = p.city_b
        """,
    ),
    "membership_details": (
        "Memberships with the names of city and network.",
        """
        SELECT m.id AS membership, m.city, c.name AS city_name, c.country, m.network,
               coalesce(n.short_name, n.name) AS network_name, n.scope, m.since, m.until,
               m.since_text, m.note
        FROM memberships m JOIN cities c ON c.id = m.city JOIN networks n ON n.id = m.network
        """,
    ),
    "network_summary": (
        "One row per network: scope, founding year, themes and member cities in the dataset.",
        """
        SELECT n.id, coalesce(n.short_name, n.name) AS name, n.scope, n.founded,
               (SELECT group_concat(theme, ', ') FROM
                   (SELECT theme FROM network_themes t WHERE t.network = n.id
                    ORDER BY position)) AS themes,
               (SELECT count(*) FROM memberships m WHERE m.network = n.id) AS member_cities
        FROM networks n
        """,
    ),
}


def _full_text(dataset: Dataset) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    yield (
        "networks_fts",
        [
            (
                n.name,
                n.short_name,
                n.name_de,
                n.name_en,
                " ".join(n.aliases),
                n.description,
                n.description_en,
            )
            for n in dataset.networks
        ],
    )
    yield "cities_fts", [(c.name, c.name_en, " ".join(c.aliases)) for c in dataset.cities]


def sqlite_bytes(dataset: Dataset) -> bytes:
    """The dataset as a SQLite database file's content."""
    import sqlite3

    from .contract import sql_rows, sql_tables

    connection = sqlite3.connect(":memory:")
    try:
        for table in sql_tables():
            connection.execute(table.create())
        rows = sql_rows(dataset)
        for table in sql_tables():
            connection.executemany(table.insert(), rows[table.name])
        texts = dict(_full_text(dataset))
        for index, _, columns in FULL_TEXT:
            connection.execute(
                f"CREATE VIRTUAL TABLE [{index}] USING fts5({', '.join(columns)}, "
                "tokenize = 'unicode61 remove_diacritics 2')"
            )
            # The n-th record of a table has rowid n: inserted in order, above.
            connection.executemany(
                f"INSERT INTO [{index}] (rowid, {', '.join(columns)}) "
                f"VALUES (?, {', '.join('?' for _ in columns)})",
                [(number, *values) for number, values in enumerate(texts[index], start=1)],
            )
        for name, (_, sql) in VIEWS.items():
            connection.execute(f"CREATE VIEW [{name}] AS {sql.strip()}")
        connection.execute(f"PRAGMA user_version = {int(dataset.schema_version)}")
        broken = connection.execute("PRAGMA foreign_key_check").fetchall()
        if broken:  # a validated dataset has none; this guards the export itself
            raise DataError(
                [
                    Problem(
                        "export",
                        "",
                        i18n._("dangling references: {value}").format(value=broken[:5]),
                    )
                ]
            )
        connection.commit()
        return connection.serialize()
    finally:
        connection.close()


def datasette_metadata(dataset: Dataset, database: str) -> dict[str, Any]:
    """datasette's metadata for the database: titles, descriptions, sources and licence."""
    from .contract import sql_tables

    publishers = ", ".join(dict.fromkeys(s.publisher for s in dataset.sources))
    common = {"source": publishers, "license": LICENCE, "license_url": LICENCE_URL}
    tables: dict[str, Any] = {}
    for table in sql_tables():
        tables[table.name] = {
            "title": table.title,
            "description": table.description,
            **common,
            "columns": {c.name: c.description for c in table.columns},
        }
        if table.label:
            tables[table.name]["label_column"] = table.label
    for index, table_name, _ in FULL_TEXT:
        tables[table_name]["fts_table"] = index
    for name, (description, _) in VIEWS.items():
        title = name.replace("_", " ").capitalize()
        tables[name] = {"title": title, "description": description, **common}
    return {
        "title": "citynet",
        "description": "European and international city networks and city partnerships, "
        "every fact with its source document.",
        **common,
        "databases": {database: {"title": "citynet", **common, "tables": tables}},
    }


def write_sqlite(
    dataset: Dataset,
    path: Path,
    metadata: Path | None = None,
    *,
    force: bool = False,
    data: Path | None = None,
) -> Path:
    """Write the database and its datasette metadata (default: beside it), atomically.

    Existing files are replaced only with `force`, the data file `data` never (see
    `files.write_output`). Returns the metadata file's path.
    """
    from .files import named_file, write_output
    from .output import json_text

    path = named_file(path, i18n.N_("a file to write"))
    metadata = metadata or path.with_name(path.name + ".metadata.json")
    refuse_existing([path, metadata], force)
    write_output(path, (sqlite_bytes(dataset),), data=data)
    document = datasette_metadata(dataset, path.stem)
    write_output(metadata, ((json_text(document) + "\n").encode("utf-8"),), data=data)
    return metadata


def refuse_existing(paths: Iterable[Path], force: bool) -> None:
    """UsageError if any of the files exists and `force` is not given."""
    existing = [str(p) for p in paths if p.exists()]
    if existing and not force:
        raise UsageError(
            i18n._("{value}: already there; give --force to replace").format(
                value=", ".join(existing)
            )
        )


def dataset_sections(dataset: Dataset) -> Iterator[tuple[str, Any]]:
    """The whole dataset's sections, in the shapes of the JSON contract, made one by one."""
    from .contract import city_object, network_object, record_object, theme_objects

    yield "schema_version", dataset.schema_version
    yield "sources", (record_object(s) for s in dataset.sources)
    yield "themes", iter(theme_objects(dataset))
    yield "networks", (network_object(dataset, n) for n in dataset.networks)
    yield "cities", (city_object(dataset, c) for c in dataset.cities)
    # Every network's members are all the memberships, in the contract's shape.
    yield (
        "memberships",
        (m for n in dataset.networks for m in network_object(dataset, n)["members"]),
    )
    yield "partnerships", (record_object(p) for p in dataset.partnerships)


def dataset_json(dataset: Dataset) -> Iterator[str]:
    """The whole dataset as one JSON document (`json.dumps(..., indent=2)` layout), in pieces:
    a large dataset is never in memory as objects all at once."""
    import json

    from .output import json_safe

    yield "{"
    for number, (section, value) in enumerate(dataset_sections(dataset)):
        yield ("," if number else "") + f"\n  {json.dumps(section)}: "
        if not isinstance(value, Iterator):
            yield json.dumps(value)
            continue
        empty = True
        for item in value:
            text = json_safe(json.dumps(item, ensure_ascii=False, indent=2))
            text = text.replace("\n", "\n    ")
            yield ("[" if empty else ",") + "\n    " + text
            empty = False
        yield "[]" if empty else "\n  ]"
    yield "\n}\n"

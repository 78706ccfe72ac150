"""The whole dataset for other tools: a SQLite database (with datasette metadata) and JSON.

The database's tables are described once, in TABLES: the SQL and the datasette
metadata (titles, column descriptions, labels) follow from it, and `_rows` gives
each table's rows in the order of its fields. Plain sqlite3 rather than
sqlite-utils: the schema is explicit DDL either way, and the standard library
needs no extra packages at run time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import i18n
from .errors import DataError, Problem, UsageError
from .model import Dataset, Membership, Partnership, Role

# The licence of the citynet package, which ships the dataset (pyproject.toml).
LICENCE = "MIT"
LICENCE_URL = "https://opensource.org/licenses/MIT"


@dataclass(frozen=True, slots=True)
class Field:
    """A column: its SQL type, the table it refers to (if any) and what it holds."""

    name: str
    description: str
    sql_type: str = "TEXT"
    references: str = ""  # "table" (its primary key) for a foreign key
    required: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    unique: tuple[str, ...] = ()
    label: str = ""  # the column datasette shows for a reference to this table

    def create(self) -> str:
        lines = []
        for f in self.fields:
            line = f"[{f.name}] {f.sql_type}"
            if f.required:
                line += " NOT NULL"
            if f.references:
                line += f" REFERENCES [{f.references}] ([id])"
            lines.append(line)
        lines.append(f"PRIMARY KEY ({', '.join(self.primary_key)})")
        if self.unique:
            lines.append(f"UNIQUE ({', '.join(self.unique)})")
        return f"CREATE TABLE [{self.name}] (\n  " + ",\n  ".join(lines) + "\n)"

    def insert(self) -> str:
        marks = ", ".join("?" for _ in self.fields)
        return f"INSERT INTO [{self.name}] VALUES ({marks})"


def _id(what: str) -> Field:
    return Field("id", f"the {what}'s id", required=True)


def _serial(what: str) -> Field:
    return Field("id", f"number of the {what} in this export", "INTEGER", required=True)


def _text(name: str, description: str, required: bool = False) -> Field:
    return Field(name, description, required=required)


def _year(name: str, description: str) -> Field:
    return Field(name, description, "INTEGER")


def _ref(name: str, table: str, description: str, required: bool = True) -> Field:
    sql_type = "INTEGER" if table in ("memberships", "partnerships") else "TEXT"
    return Field(name, description, sql_type, table, required)


def _lifecycle() -> tuple[Field, ...]:
    """The columns of a relation's lifecycle (memberships and partnerships alike)."""
    return (
        _ref("since_source", "sources", "the source of the year since", required=False),
        _text("status", "active, suspended or ended; null where no document says"),
        _year("status_since", "the year of the last change of status"),
        _ref("status_source", "sources", "the source of the status", required=False),
    )


def _source(required: bool = True) -> Field:
    return _ref("source", "sources", "the source document that states it", required)


def _link(name: str, owner: str, value: Field, title: str) -> Table:
    """A table for one list field: one row per value, in the list's order."""
    owner_table = "cities" if owner == "city" else owner + "s"
    return Table(
        name,
        title,
        f"The {value.name.replace('_', ' ')} values of each {owner}, one row each, in order.",
        (
            _ref(owner, owner_table, f"the {owner}"),
            Field("position", "place in the list, from 0", "INTEGER", required=True),
            value,
        ),
        (owner, "position"),
    )


def _alias() -> Field:
    return _text("alias", "another name", required=True)


def _item(name: str, description: str) -> Field:
    return _text(name, description, required=True)


TABLES: tuple[Table, ...] = (
    Table(
        "sources",
        "Sources",
        "The documents the data rests on; every record names its sources.",
        (
            _id("source"),
            _text("publisher", "who published the document", True),
            _text("title", "the document's title", True),
            _text("language", "language code", True),
            _text("file", "the document's file in the source collection"),
            _text("url", "where the document was published"),
            _text("note", "what the document covers"),
            _text("date", "when the document or table was published or read"),
            _text("citation", "how to cite the source"),
        ),
        ("id",),
        label="title",
    ),
    Table(
        "themes",
        "Themes",
        "The theme vocabulary of the networks (German slugs).",
        (
            _id("theme"),
            _text("name", "German name", True),
            _text("name_en", "English name"),
        ),
        ("id",),
        label="name",
    ),
    _link("theme_aliases", "theme", _alias(), "Theme aliases"),
    Table(
        "networks",
        "City networks",
        "European and international networks of cities.",
        (
            _id("network"),
            _text("name", "full name", True),
            _text("short_name", "short name or acronym"),
            _text("name_de", "German name"),
            _text("name_en", "English name"),
            _text("scope", "global, europe, national or regional", True),
            _year("founded", "year founded"),
            _text("founded_place", "where it was founded"),
            _text("seat", "where its secretariat is"),
            _text("homepage", "web site"),
            _text("wikidata", "Wikidata QID"),
            _text("description", "description (German)"),
            _text("description_en", "description (English)"),
            _ref("parent", "networks", "the network it belongs to", required=False),
        ),
        ("id",),
        label="name",
    ),
    _link("network_aliases", "network", _alias(), "Network aliases"),
    _link(
        "network_themes",
        "network",
        _ref("theme", "themes", "a theme of the network"),
        "Themes of each network",
    ),
    _link(
        "network_sources",
        "network",
        _ref("source", "sources", "a source of the network's record"),
        "Sources of each network",
    ),
    _link(
        "network_related",
        "network",
        _ref("related", "networks", "a related network"),
        "Related networks",
    ),
    _link("network_aims", "network", _item("aim", "an aim"), "Aims of each network"),
    _link("network_campaigns", "network", _item("campaign", "a campaign"), "Campaigns of networks"),
    _link(
        "network_working_groups",
        "network",
        _item("working_group", "a working group"),
        "Working groups of networks",
    ),
    _link(
        "network_partner_organisations",
        "network",
        _item("organisation", "a partner organisation"),
        "Partner organisations of networks",
    ),
    _link(
        "network_member_organisations",
        "network",
        _item("organisation", "a member organisation that is not a city"),
        "Member organisations of networks",
    ),
    Table(
        "figures",
        "Figures",
        "Numbers the documents state about a network (members, countries), with their source; "
        "where documents disagree, each figure is kept.",
        (
            _serial("figure"),
            _ref("network", "networks", "the network"),
            _text("measure", "members, countries or other", True),
            Field("value", "the number", "INTEGER", required=True),
            _text("qualifier", "über, fast, rund … as the document says"),
            _text("unit", "what is counted", True),
            _text("text", "the figure as a person reads it", True),
            _year("year", "the year the figure refers to"),
            _source(),
            _text("note", "remark"),
        ),
        ("id",),
    ),
    Table(
        "bodies",
        "Bodies",
        "The organs of each network (assemblies, boards, committees).",
        (
            _serial("body"),
            _ref("network", "networks", "the network"),
            _text("name", "name", True),
            _text("name_en", "English name"),
            _text("description", "what it does"),
            _source(),
        ),
        ("id",),
        label="name",
    ),
    Table(
        "memberships",
        "Memberships",
        "Cities that are members of networks, with period and source.",
        (
            _serial("membership"),
            _ref("city", "cities", "the member city"),
            _ref("network", "networks", "the network"),
            _year("since", "member since"),
            _year("until", "member until"),
            _text("since_text", "the period as the document words it, when not a year"),
            _text("note", "remark"),
            *_lifecycle(),
        ),
        ("id",),
        unique=("city", "network"),
    ),
    _link(
        "membership_sources",
        "membership",
        _ref("source", "sources", "a source of the membership"),
        "Sources of each membership",
    ),
    _link(
        "membership_working_groups",
        "membership",
        _item("working_group", "a working group the city takes part in"),
        "Working groups of member cities",
    ),
    Table(
        "roles",
        "Roles and people",
        "Roles held in a network: by named people (membership empty) or by a member city "
        "(membership set), with period and source.",
        (
            _serial("role"),
            _ref("network", "networks", "the network"),
            _ref("membership", "memberships", "the membership the role belongs to", False),
            _text("role", "the role", True),
            _text("person", "the person holding it"),
            _text("body", "the body it is held in"),
            _ref("city", "cities", "the city the person represents", False),
            _year("since", "held since"),
            _year("until", "held until"),
            _source(),
            _text("note", "remark"),
        ),
        ("id",),
    ),
    Table(
        "notes",
        "Notes",
        "Remarks on networks; doubtful claims are marked.",
        (
            _serial("note"),
            _ref("network", "networks", "the network"),
            _text("text", "the note", True),
            _source(required=False),
            Field("doubtful", "1 if the claim is doubtful", "INTEGER", required=True),
        ),
        ("id",),
    ),
    Table(
        "cities",
        "Cities",
        "Cities that are members of networks or partners of other cities.",
        (
            _id("city"),
            _text("name", "name (German)", True),
            _text("name_en", "English name"),
            _text("country", "ISO 3166-1 alpha-2 code", True),
            _text("wikidata", "Wikidata QID"),
            Field("lat", "latitude", "REAL"),
            Field("lng", "longitude", "REAL"),
            _text("region", "first-level region, GeoNames code with the country (DE.02)"),
            Field("population", "inhabitants, from GeoNames", "INTEGER"),
            _text("geonames", "GeoNames id"),
            _text("note", "remarks, such as facts two merged records disagreed on"),
        ),
        ("id",),
        label="name",
    ),
    _link("city_aliases", "city", _alias(), "City aliases"),
    _link(
        "city_sources",
        "city",
        _ref("source", "sources", "a source of the city's record"),
        "Sources of each city",
    ),
    Table(
        "partnerships",
        "Partnerships",
        "Relations between two cities, stored once per pair and kind and true both ways "
        "(see the view city_partners for both directions).",
        (
            _serial("partnership"),
            _ref("city_a", "cities", "one city of the pair (the first by id)"),
            _ref("city_b", "cities", "the other city"),
            _text(
                "kind", "partnership, friendship, contact, project, cooperation or exchange", True
            ),
            _year("since", "since"),
            _year("until", "until"),
            _text("programme", "the programme it belongs to"),
            _text("note", "remark"),
            *_lifecycle(),
        ),
        ("id",),
        unique=("city_a", "city_b", "kind"),
    ),
    _link(
        "partnership_sources",
        "partnership",
        _ref("source", "sources", "a source of the partnership"),
        "Sources of each partnership",
    ),
)

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


def _none(text: str) -> str | None:
    return text or None


def _rows(dataset: Dataset) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, in the order of its fields."""
    rows: dict[str, list[tuple[Any, ...]]] = {t.name: [] for t in TABLES}

    def links(table: str, owner: Any, values: Iterable[str]) -> None:
        rows[table] += [(owner, i, v) for i, v in enumerate(values)]

    def role_row(role: Role, network: str, membership: int | None) -> None:
        rows["roles"].append(
            (
                len(rows["roles"]) + 1,
                network,
                membership,
                role.role,
                _none(role.person),
                _none(role.body),
                _none(role.city),
                role.since,
                role.until,
                role.source,
                _none(role.note),
            )
        )

    for s in dataset.sources:
        rows["sources"].append(
            (
                s.id,
                s.publisher,
                s.title,
                s.language,
                _none(s.file),
                _none(s.url),
                _none(s.note),
                _none(s.date),
                _none(s.citation),
            )
        )
    for t in dataset.themes:
        rows["themes"].append((t.id, t.name, _none(t.name_en)))
        links("theme_aliases", t.id, t.aliases)
    for n in dataset.networks:
        rows["networks"].append(
            (
                n.id,
                n.name,
                _none(n.short_name),
                _none(n.name_de),
                _none(n.name_en),
                n.scope,
                n.founded,
                _none(n.founded_place),
                _none(n.seat),
                _none(n.homepage),
                _none(n.wikidata),
                _none(n.description),
                _none(n.description_en),
                _none(n.parent),
            )
        )
        links("network_aliases", n.id, n.aliases)
        links("network_themes", n.id, n.themes)
        links("network_sources", n.id, n.sources)
        links("network_related", n.id, n.related)
        links("network_aims", n.id, n.aims)
        links("network_campaigns", n.id, n.campaigns)
        links("network_working_groups", n.id, n.working_groups)
        links("network_partner_organisations", n.id, n.partner_organisations)
        links("network_member_organisations", n.id, n.member_organisations)
        for f in n.figures:
            rows["figures"].append(
                (
                    len(rows["figures"]) + 1,
                    n.id,
                    f.measure,
                    f.value,
                    _none(f.qualifier),
                    f.unit,
                    f.text,
                    f.year,
                    f.source,
                    _none(f.note),
                )
            )
        for b in n.bodies:
            rows["bodies"].append(
                (
                    len(rows["bodies"]) + 1,
                    n.id,
                    b.name,
                    _none(b.name_en),
                    _none(b.description),
                    b.source,
                )
            )
        for person in n.people:
            role_row(person, n.id, None)
        for note in n.notes:
            rows["notes"].append(
                (len(rows["notes"]) + 1, n.id, note.text, _none(note.source), int(note.doubtful))
            )
    for c in dataset.cities:
        rows["cities"].append(
            (
                c.id,
                c.name,
                _none(c.name_en),
                c.country,
                _none(c.wikidata),
                c.lat,
                c.lng,
                _none(c.region),
                c.population,
                _none(c.geonames),
                _none(c.note),
            )
        )
        links("city_aliases", c.id, c.aliases)
        links("city_sources", c.id, c.sources)
    for number, m in enumerate(dataset.memberships, start=1):
        rows["memberships"].append(
            (
                number,
                m.city,
                m.network,
                m.since,
                m.until,
                _none(m.since_text),
                _none(m.note),
                *_lifecycle_values(m),
            )
        )
        links("membership_sources", number, m.sources)
        links("membership_working_groups", number, m.working_groups)
        for role in m.roles:
            role_row(role, m.network, number)
    for number, p in enumerate(dataset.partnerships, start=1):
        first, second = p.cities
        rows["partnerships"].append(
            (
                number,
                first,
                second,
                p.kind,
                p.since,
                p.until,
                _none(p.programme),
                _none(p.note),
                *_lifecycle_values(p),
            )
        )
        links("partnership_sources", number, p.sources)
    return rows


def _lifecycle_values(relation: Membership | Partnership) -> tuple[Any, ...]:
    return (
        _none(relation.since_source),
        _none(relation.status),
        relation.status_since,
        _none(relation.status_source),
    )


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

    connection = sqlite3.connect(":memory:")
    try:
        for table in TABLES:
            connection.execute(table.create())
        rows = _rows(dataset)
        for table in TABLES:
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
    publishers = ", ".join(dict.fromkeys(s.publisher for s in dataset.sources))
    common = {"source": publishers, "license": LICENCE, "license_url": LICENCE_URL}
    tables: dict[str, Any] = {}
    for table in TABLES:
        tables[table.name] = {
            "title": table.title,
            "description": table.description,
            **common,
            "columns": {f.name: f.description for f in table.fields},
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
    dataset: Dataset, path: Path, metadata: Path | None = None, *, force: bool = False
) -> Path:
    """Write the database and its datasette metadata (default: beside it), atomically.

    Existing files are replaced only with `force`. Returns the metadata file's path.
    """
    import json

    from .files import atomic_write, atomic_write_bytes

    metadata = metadata or path.with_name(path.name + ".metadata.json")
    refuse_existing([path, metadata], force)
    atomic_write_bytes(path, sqlite_bytes(dataset))
    document = datasette_metadata(dataset, path.stem)
    atomic_write(metadata, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
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
    from .query import city_object, network_object
    from .views import theme_list

    yield "schema_version", dataset.schema_version
    yield (
        "sources",
        (
            {
                "id": s.id,
                "publisher": s.publisher,
                "title": s.title,
                "language": s.language,
                "file": _none(s.file),
                "url": _none(s.url),
                "note": _none(s.note),
            }
            for s in dataset.sources
        ),
    )
    yield "themes", iter(theme_list(dataset).payload)
    yield "networks", (network_object(dataset, n) for n in dataset.networks)
    yield "cities", (city_object(dataset, c) for c in dataset.cities)
    # Every network's members are all the memberships, in the contract's shape.
    yield (
        "memberships",
        (m for n in dataset.networks for m in network_object(dataset, n)["members"]),
    )
    yield (
        "partnerships",
        (
            {
                "cities": list(p.cities),
                "kind": p.kind,
                "since": p.since,
                "until": p.until,
                "status": _none(p.status),
                "status_since": p.status_since,
                "programme": _none(p.programme),
                "note": _none(p.note),
                "sources": list(p.sources),
            }
            for p in dataset.partnerships
        ),
    )


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

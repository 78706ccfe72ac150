"""The contract, derived from the schema in `model`: JSON objects and Schemas, SQL tables.

Each object citynet prints is a record's fields in reading order (`reading_order`),
plus the keys computed across records (a network's `children` and `members`, a
membership's `city_name`), which are written here by hand with their place and
their schema. Empty text becomes `null` in one place, `null`. The JSON Schemas
(draft 2020-12) of the record objects follow from the same description
(`objects_schema`), with the vocabularies of the model; the objects computed
across records that no record describes (statistics, comparisons, search hits)
are described by hand in `schemas/computed.json`. The tables and rows of `export
sqlite` follow too (`sql_tables`, `sql_rows`), and scripts/make_docs.py writes the
docs from here. A field added to a record in `model` is a key of its object, of its
schema and a column of `export sqlite`, with nothing else to change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from msgspec import Struct
from msgspec.structs import replace

from .model import (
    FUTURE_YEAR,
    SECTIONS,
    YEAR_RANGE,
    Body,
    City,
    Dataset,
    Figure,
    Membership,
    Network,
    Note,
    Partnership,
    Role,
    Source,
    Theme,
)
from .schema import FieldSpec, field_of, fields_of

if TYPE_CHECKING:
    from .query import Partner

# --- reading order ------------------------------------------------------------------

START, END = "^", "$"


def _lifecycle(after: str) -> dict[str, str]:
    """A relation's lifecycle (`model.STATUSES`) right after its period, not after its note."""
    return {
        "since_source": after,
        "status": "since_source",
        "status_since": "status",
        "status_source": "status_since",
    }


# msgspec puts a record's required fields before its optional ones; people read them
# elsewhere: each of these goes after the field named (END: last). This is the order of
# every JSON object, SQL table and the docs (version 1 of the contract); a field added to
# the model keeps its place after the field it follows there.
PLACES: dict[type, dict[str, str]] = {
    Network: {"scope": "aliases", "sources": END},
    City: {"country": "aliases", "sources": END},
    Figure: {"unit": "qualifier", "source": "year"},
    Body: {"source": END},
    Role: {"source": "until"},
    Membership: {"sources": "roles", **_lifecycle("since_text")},
    Partnership: {"sources": END, **_lifecycle("until")},
}


def _placed(names: list[str], places: Mapping[str, str]) -> list[str]:
    """`names` with each of `places` moved after the name it gives (START/END: the ends)."""
    order = [n for n in names if n not in places]
    for name, after in places.items():
        if after == START:
            order.insert(0, name)
        elif after == END or after not in order:
            order.append(name)
        else:
            order.insert(order.index(after) + 1, name)
    return order


@cache
def field_names(record_type: type) -> tuple[str, ...]:
    """The names of a record type's fields in the order people read them (JSON, SQL,
    docs). Read from the class itself, without resolving its annotations (start-up)."""
    names: tuple[str, ...] = record_type.__struct_fields__  # type: ignore[attr-defined]
    return tuple(_placed(list(names), PLACES.get(record_type, {})))


@cache
def _required(record_type: type) -> frozenset[str]:
    """The fields without a default: msgspec keeps the defaults of the last ones."""
    names = record_type.__struct_fields__  # type: ignore[attr-defined]
    return frozenset(names[: len(names) - len(record_type.__struct_defaults__)])  # type: ignore[attr-defined]


@cache
def reading_order(record_type: type) -> tuple[FieldSpec, ...]:
    """The fields of a record type, described, in the order people read them."""
    specs = {spec.name: spec for spec in fields_of(record_type)}
    return tuple(specs[name] for name in field_names(record_type))


# --- values ---------------------------------------------------------------------------


def null(value: Any) -> Any:
    """Empty text is null in every JSON object and SQL row: "" → None."""
    return None if value == "" else value


def plain(value: Any, required: bool = False) -> Any:
    """A field's value as JSON: nested records as objects, lists as lists, empty text as
    null unless the field is required."""
    if isinstance(value, tuple):
        return [record_object(item) if isinstance(item, Struct) else item for item in value]
    return value if required else null(value)


# --- objects --------------------------------------------------------------------------


class Key(Struct, frozen=True):
    """A key computed across records, or from a record: where it goes and its schema.

    `schema` is a JSON Schema, or (record type, field) whose schema it shares; `get`
    computes the value from the record, else the caller gives it.
    """

    name: str
    after: str
    schema: dict[str, Any] | tuple[type, str]
    get: Callable[[Any], Any] | None = None


class ObjectSpec(Struct, frozen=True):
    """An object of the contract: a record's fields (all, or `only` these, or all but
    `without`), with computed keys."""

    name: str
    description: str
    record: type
    keys: tuple[Key, ...] = ()
    only: tuple[str, ...] = ()
    without: tuple[str, ...] = ()


TEXT: dict[str, Any] = {"type": "string"}
COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}
IDS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}


def _objects_ref(name: str) -> dict[str, Any]:
    return {"type": "array", "items": {"$ref": f"#/$defs/{name}"}}


def _kind(kind: str) -> Key:
    return Key("kind", START, {"const": kind}, lambda _record: kind)


OBJECTS: tuple[ObjectSpec, ...] = (
    ObjectSpec(
        "network",
        "A network (`list`, `show NETWORK`).",
        Network,
        (
            _kind("network"),
            Key("children", "parent", {**IDS, "description": "ids of its sub-networks"}),
            Key("members", "notes", _objects_ref("membership")),
        ),
    ),
    ObjectSpec(
        "figure",
        "A number a source states about a network.",
        Figure,
        (
            Key(
                "text",
                "unit",
                {**TEXT, "description": "the figure as a person reads it"},
                lambda figure: figure.text,
            ),
        ),
    ),
    ObjectSpec("body", "An organ of a network.", Body),
    ObjectSpec("note", "A remark on a network.", Note),
    ObjectSpec("role", "A role held by a person or a member city.", Role),
    ObjectSpec(
        "membership",
        "A city's membership in a network.",
        Membership,
        (Key("city_name", "city", (City, "name")), Key("network_name", "network", TEXT)),
    ),
    ObjectSpec(
        "city",
        "A city (`show CITY`).",
        City,
        (
            _kind("city"),
            Key("memberships", "note", _objects_ref("membership")),
            Key("partners", "memberships", _objects_ref("partner")),
        ),
    ),
    ObjectSpec(
        "partner",
        "One relation of a city, seen from that city (`partners`).",
        Partnership,
        (
            Key("city", START, {**TEXT, "description": "the partner's id"}),
            Key("name", "city", (City, "name")),
            Key("name_en", "name", (City, "name_en")),
            Key("country", "name_en", (City, "country")),
        ),
        without=("cities",),
    ),
    ObjectSpec(
        "city_row",
        "A row of `cities`.",
        City,
        (
            Key("memberships", END, {**COUNT, "description": "count"}),
            Key("partners", END, {**COUNT, "description": "count of partner cities"}),
        ),
        only=("id", "name", "name_en", "aliases", "country", "wikidata"),
    ),
    ObjectSpec(
        "theme_row",
        "A row of `themes`.",
        Theme,
        (Key("networks", END, {**COUNT, "description": "count"}),),
    ),
    ObjectSpec("source", "A source document.", Source),
    ObjectSpec(
        "partnership", "A relation between two cities, stored once per pair and kind.", Partnership
    ),
    ObjectSpec(
        "source_detail",
        "A source with the records that rest on it (`sources`, `show SOURCE`).",
        Source,
        (Key("records", END, _objects_ref("citing_record")),),
    ),
)
OBJECT: dict[str, ObjectSpec] = {o.name: o for o in OBJECTS}


def shape_of(record_type: type) -> str:
    """The object a record becomes by default, named after its type: a network's figures
    are `figure` objects. A kind of record new to the model gets one with its fields."""
    name = record_type.__name__.lower()
    if name not in OBJECT:
        OBJECT[name] = ObjectSpec(name, _first_line(record_type.__doc__), record_type)
    return name


def _first_line(text: str | None) -> str:
    return (text or "").strip().split("\n")[0]


@cache
def layout(name: str) -> tuple[tuple[str, Key | bool], ...]:
    """The keys of an object in order, each with its computed key, or for a field of the
    record whether it is required."""
    spec = OBJECT[name]
    fields = [
        field
        for field in field_names(spec.record)
        if (not spec.only or field in spec.only) and field not in spec.without
    ]
    computed = {key.name: key for key in spec.keys}
    required = _required(spec.record)
    order = _placed(fields, {key.name: key.after for key in spec.keys})
    return tuple((key, computed.get(key) or key in required) for key in order)


def record_object(record: Any, shape: str = "", /, **values: Any) -> dict[str, Any]:
    """A record as the contract object `shape` (default: its type's), with the values of
    the keys computed across records given by name."""
    shown: dict[str, Any] = {}
    for key, what in layout(shape or shape_of(type(record))):
        if isinstance(what, Key):
            shown[key] = what.get(record) if what.get else values[key]
        else:
            shown[key] = plain(getattr(record, key), what)
    return shown


# --- the objects of the commands -------------------------------------------------------


def network_object(dataset: Dataset, network: Network) -> dict[str, Any]:
    """A network as the JSON contract describes it (README: "JSON contract")."""
    from .query import members_of

    return record_object(
        network,
        children=[n.id for n in dataset.children_of.get(network.id, ())],
        members=[membership_object(dataset, m) for m in members_of(dataset, network)],
    )


def object_of(dataset: Dataset, record: Any) -> dict[str, Any]:
    """Any record of the dataset as its contract object, with what it relates to."""
    if isinstance(record, Network):
        return network_object(dataset, record)
    if isinstance(record, City):
        return city_object(dataset, record)
    if isinstance(record, Membership):
        return membership_object(dataset, record)
    return record_object(record)


def membership_object(dataset: Dataset, membership: Membership) -> dict[str, Any]:
    return record_object(
        membership,
        city_name=dataset.city_by_id[membership.city].name,
        network_name=dataset.network_by_id[membership.network].label,
    )


def city_object(dataset: Dataset, city: City) -> dict[str, Any]:
    """A city as the JSON contract describes it, with its memberships and partners."""
    from .names import fold
    from .query import partners_of

    memberships = sorted(
        dataset.memberships_by_city.get(city.id, ()),
        key=lambda m: fold(dataset.network_by_id[m.network].label),
    )
    return record_object(
        city,
        memberships=[membership_object(dataset, m) for m in memberships],
        partners=[partner_object(p) for p in partners_of(dataset, city)],
    )


def partner_object(partner: Partner) -> dict[str, Any]:
    """One relation of a city, seen from that city: `city` is the partner."""
    city = partner.city
    return record_object(
        partner.partnership,
        "partner",
        city=city.id,
        name=city.name,
        name_en=null(city.name_en),
        country=city.country,
    )


def city_summary_object(dataset: Dataset, city: City) -> dict[str, Any]:
    """A city in a list of cities (`citynet cities`), with counts."""
    from .query import city_counts

    memberships, partners = city_counts(dataset, city)
    return record_object(city, "city_row", memberships=memberships, partners=partners)


def theme_objects(dataset: Dataset) -> list[dict[str, Any]]:
    """The theme vocabulary, with how many networks each theme has."""
    from collections import Counter

    counts = Counter(t for n in dataset.networks for t in n.themes)
    return [record_object(t, "theme_row", networks=counts.get(t.id, 0)) for t in dataset.themes]


def source_object(dataset: Dataset, source: Source) -> dict[str, Any]:
    """A source with the records that rest on it (`citynet show SOURCE`, `sources`).

    No retrieval date and no address is invented: what the data does not give is null.
    """
    from .query import citing

    return record_object(source, "source_detail", records=citing(dataset, source.id))


# --- JSON Schemas ---------------------------------------------------------------------

_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}


def _value_schema(spec: FieldSpec) -> dict[str, Any]:
    """The schema of one value of a field (an item, for a list), without null."""
    rule = spec.rule
    if rule.choices:
        return {"enum": [c for c in rule.choices if c]}
    schema: dict[str, Any] = {"type": _TYPES[spec.value]}
    if rule.pattern:
        schema["pattern"] = f"^{rule.pattern}$"
    if rule.not_blank:
        schema["minLength"] = 1
    if rule.year:
        schema["minimum"], schema["maximum"] = YEAR_RANGE[0], FUTURE_YEAR
    if rule.span:
        schema["minimum"], schema["maximum"] = rule.span
    return schema


def field_schema(record_type: type, spec: FieldSpec) -> dict[str, Any]:
    """The JSON Schema of a field's value in its object."""
    if spec.nested:
        return _objects_ref(shape_of(spec.nested))
    schema = _value_schema(spec)
    if spec.many:
        schema = {"type": "array", "items": schema}
        if spec.size:
            schema["minItems"] = schema["maxItems"] = spec.size
        elif spec.rule.not_empty:
            schema["minItems"] = 1
    elif not spec.required and (spec.value == "str" or spec.optional_value):
        if "enum" in schema:
            schema["enum"].append(None)
        else:
            schema["type"] = [schema["type"], "null"]
    description = describe(record_type, spec)
    return {**schema, "description": description} if description else schema


def describe(record_type: type, spec: FieldSpec) -> str:
    """What a field holds, for people: its description in the model, what it refers to,
    what it looks like."""
    parts = [field_docs(record_type).get(spec.name, "")]
    if spec.refers:
        parts.append(SECTIONS[spec.refers].__name__.lower() + " id")
    if spec.rule.expected:
        parts.append(spec.rule.expected)
    return "; ".join(p for p in parts if p)


def object_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of a contract object: every key required (null or [] when empty)."""
    spec = OBJECT[name]
    properties: dict[str, Any] = {}
    for key, what in layout(name):
        if not isinstance(what, Key):
            properties[key] = field_schema(spec.record, field_of(spec.record, key))
        elif isinstance(what.schema, tuple):
            record_type, field = what.schema
            properties[key] = field_schema(record_type, field_of(record_type, field))
        else:
            properties[key] = what.schema
    return {
        "type": "object",
        "description": spec.description,
        "required": list(properties),
        "properties": properties,
    }


def objects_schema() -> dict[str, Any]:
    """The schema of every object of the contract (`$defs`), derived and written by hand."""
    from .schemas import load

    document = load("computed")
    nested = [s.nested for t in SECTIONS.values() for s in fields_of(t) if s.nested]
    names = dict.fromkeys([*(o.name for o in OBJECTS), *map(shape_of, nested)])
    derived = {name: object_schema(name) for name in names}
    document["$defs"] = {**derived, **document["$defs"]}
    return document


# --- descriptions ---------------------------------------------------------------------


@cache
def field_docs(record_type: type) -> dict[str, str]:
    """The descriptions of a record type's fields: the string under each in `model`.

    Read from the source only when a schema, the docs or an export's metadata are made,
    never when citynet starts; without the source (a frozen build) there are none.
    """
    import ast
    import inspect
    import itertools
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(record_type)))
    except (OSError, TypeError):
        return {}
    docs: dict[str, str] = {}
    body = tree.body[0].body if isinstance(tree.body[0], ast.ClassDef) else []
    for field, after in itertools.pairwise(body):
        if (
            isinstance(field, ast.AnnAssign)
            and isinstance(field.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[field.target.id] = " ".join(after.value.value.split())
    return docs


# --- SQL tables ----------------------------------------------------------------------
# `export sqlite`: one table per section, a link table per list field (`network_themes`:
# owner, position, value), a table per kind of nested record (`figures`, `roles`) with a
# column for each kind of record that holds it. Written by hand: what identifies a row
# beyond its id (UNIQUE), a title where the table's name says too little, and the column
# datasette shows for a reference to a table (its label).

UNIQUE: dict[str, tuple[str, ...]] = {
    "memberships": ("city", "network"),
    "partnerships": ("city_a", "city_b", "kind"),
}
TITLES = {"networks": "City networks", "roles": "Roles and people"}  # else the table's name
LABELS = {
    "sources": "title",
    "themes": "name",
    "networks": "name",
    "cities": "name",
    "bodies": "name",
}
_SQL_TYPES = {"str": "TEXT", "int": "INTEGER", "float": "REAL", "bool": "INTEGER"}
_ORDINALS = ("first", "second", "third")


class Column(Struct, frozen=True):
    """A column: its SQL type, the table whose id it holds (if any) and what it holds."""

    name: str
    description: str
    sql_type: str = "TEXT"
    references: str = ""
    required: bool = False


class Table(Struct, frozen=True):
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    unique: tuple[str, ...] = ()
    label: str = ""

    def create(self) -> str:
        lines = []
        for c in self.columns:
            line = f"[{c.name}] {c.sql_type}"
            if c.required:
                line += " NOT NULL"
            if c.references:
                line += f" REFERENCES [{c.references}] ([id])"
            lines.append(line)
        lines.append(f"PRIMARY KEY ({', '.join(self.primary_key)})")
        if self.unique:
            lines.append(f"UNIQUE ({', '.join(self.unique)})")
        return f"CREATE TABLE [{self.name}] (\n  " + ",\n  ".join(lines) + "\n)"

    def insert(self) -> str:
        marks = ", ".join("?" for _ in self.columns)
        return f"INSERT INTO [{self.name}] VALUES ({marks})"


def _kind_of(record_type: type) -> str:
    return record_type.__name__.lower()


@cache
def _table_of(record_type: type) -> str:
    """The table of a kind of record: its section, or its name in the plural."""
    for section, section_type in SECTIONS.items():
        if section_type is record_type:
            return section
    name = _kind_of(record_type)
    return name[:-1] + "ies" if name.endswith("y") else name + "s"


@cache
def _serial(record_type: type) -> bool:
    """Whether a kind of record has no id of its own: its rows are numbered."""
    return not any(spec.name == "id" for spec in fields_of(record_type))


@cache
def _holders(nested: type) -> list[type]:
    """The kinds of record whose fields hold records of kind `nested`, in file order."""
    return [t for t in SECTIONS.values() if any(s.nested is nested for s in fields_of(t))]


def _owner_value(holder: Any, holder_id: Any, kind: str) -> Any:
    """What a nested record's column for kind `kind` holds: its holder's id, or the
    holder's reference to a record of that kind (a member city's role: its network)."""
    if _kind_of(type(holder)) == kind:
        return holder_id
    for spec in fields_of(type(holder)):
        if not spec.many and spec.refers and _kind_of(SECTIONS[spec.refers]) == kind:
            return getattr(holder, spec.name)
    return None


def _sql_column(record_type: type, spec: FieldSpec, name: str = "") -> Column:
    description = describe(record_type, spec) or spec.name.replace("_", " ")
    refers = spec.refers
    sql_type = "TEXT" if refers else _SQL_TYPES[spec.value]
    required = spec.required or spec.value == "bool"
    return Column(name or spec.name, description, sql_type, refers, required)


@cache
def _computed_columns(record_type: type) -> dict[str, tuple[str, Column, Callable[[Any], Any]]]:
    """Columns computed from the record alone (a figure's text), by the field they follow."""
    found = {}
    for key in OBJECT[shape_of(record_type)].keys:
        if key.get and isinstance(key.schema, dict) and "const" not in key.schema:
            description = str(key.schema.get("description", key.name))
            required = key.schema.get("type") == "string"  # not nullable
            column = Column(key.name, description, _SQL_TYPES["str"], required=required)
            found[key.after] = (key.name, column, key.get)
    return found


@cache
def sql_tables() -> tuple[Table, ...]:
    """The tables of `export sqlite`, from the schema."""
    tables: list[Table] = []
    made: set[type] = set()

    def add(record_type: type, owners: tuple[Column, ...]) -> None:
        made.add(record_type)
        kind = _kind_of(record_type)
        table = _table_of(record_type)
        if _serial(record_type):
            key = Column("id", f"number of the {kind} in this export", "INTEGER", required=True)
        else:
            key = _sql_column(record_type, field_of(record_type, "id"))
        columns = [key, *owners]
        later: list[Table | type] = []
        computed = _computed_columns(record_type)
        for spec in reading_order(record_type):
            if spec.name == "id":
                continue
            if spec.nested:
                if spec.nested not in made:
                    later.append(spec.nested)
            elif spec.size:
                column = _sql_column(record_type, spec)
                columns += [
                    replace(
                        column,
                        name=f"{spec.item_name}_{chr(97 + n)}",
                        description=f"{column.description} ({_ORDINALS[n]})",
                    )
                    for n in range(spec.size)
                ]
            elif spec.many:
                value = replace(_sql_column(record_type, spec, spec.item_name), required=True)
                later.append(_link_table(record_type, key, spec, value))
            else:
                columns.append(_sql_column(record_type, spec))
            if spec.name in computed:
                columns.append(computed[spec.name][1])
        doc = _first_line(record_type.__doc__)
        tables.append(
            Table(
                table,
                TITLES.get(table, table.capitalize()),
                doc,
                tuple(columns),
                ("id",),
                UNIQUE.get(table, ()),
                LABELS.get(table, ""),
            )
        )
        for item in later:
            if isinstance(item, Table):
                tables.append(item)
            else:
                add(item, _owner_columns(item))

    for record_type in SECTIONS.values():
        add(record_type, ())
    return tuple(tables)


def _owner_columns(nested: type) -> tuple[Column, ...]:
    holders = _holders(nested)
    columns = []
    for owner in holders:
        kind = _kind_of(owner)
        supplied = all(
            h is owner
            or any(s.refers == _table_of(owner) and not s.many and s.required for s in fields_of(h))
            for h in holders
        )
        sql_type = "INTEGER" if _serial(owner) else "TEXT"
        columns.append(Column(kind, f"the {kind}", sql_type, _table_of(owner), supplied))
    return tuple(columns)


def _link_table(owner: type, key: Column, spec: FieldSpec, value: Column) -> Table:
    """A table for one list field: one row per value, in the list's order."""
    kind = _kind_of(owner)
    name = f"{kind}_{spec.name}"
    return Table(
        name,
        name.replace("_", " ").capitalize(),
        f"The {spec.name.replace('_', ' ')} of each {kind}, one row each, in order.",
        (
            Column(kind, f"the {kind}", key.sql_type, _table_of(owner), True),
            Column("position", "place in the list, from 0", "INTEGER", required=True),
            value,
        ),
        (kind, "position"),
    )


def sql_rows(dataset: Dataset) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, in the order of its columns."""
    tables = {t.name: t for t in sql_tables()}
    rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in tables}

    def add(record: Any, owners: tuple[Any, ...]) -> None:
        record_type: type = type(record)
        table = _table_of(record_type)
        computed = _computed_columns(record_type)
        record_id = len(rows[table]) + 1 if _serial(record_type) else record.id
        row: list[Any] = [record_id, *owners]
        nested: list[tuple[FieldSpec, Any]] = []
        for spec in reading_order(record_type):
            value = getattr(record, spec.name)
            if spec.name == "id":
                pass
            elif spec.nested:
                nested.append((spec, value))
            elif spec.size:
                row += list(value)
            elif spec.many:
                link = f"{_kind_of(record_type)}_{spec.name}"
                rows[link] += [(record_id, i, v) for i, v in enumerate(value)]
            else:
                row.append(plain(value, spec.required))
            if spec.name in computed:
                row.append(computed[spec.name][2](record))
        rows[table].append(tuple(row))
        for spec, items in nested:
            assert spec.nested is not None
            kinds = [_kind_of(holder) for holder in _holders(spec.nested)]
            for item in items:
                add(item, tuple(_owner_value(record, record_id, k) for k in kinds))

    for section in SECTIONS:
        for record in getattr(dataset, section):
            add(record, ())
    return rows

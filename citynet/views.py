"""Query results as Listings: the columns and rows each command shows.

Each command's JSON objects are built in one place, `citynet.contract`; the rows of
the tabular formats are read from those same objects here, so a table and the
JSON cannot tell different stories. Headers, titles and the labels of kinds and
scopes are in the interface's language (`citynet.i18n`); the column keys (the
TSV/CSV header line) and the values are stable English identifiers for scripts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from msgspec.structs import replace

from .contract import (
    city_object,
    city_summary_object,
    network_object,
    partner_object,
    source_object,
    theme_objects,
)
from .i18n import N_, _, ngettext, number
from .model import PARTNERSHIP_KINDS, SCOPES, STATUSES, City, Dataset, Network, Source
from .output import SHOWN, Column, Listing, limit_note
from .query import Partner, citation, compare_cities, compare_networks, figure_conflicts

if TYPE_CHECKING:
    from .sparql import Difference
    from .timeline import Event

RECORD_SOURCES_NOTE = N_(
    "Without a source of their own: backed by the record's sources (row sources)."
)
# The labels people read for the machine values of the vocabularies (tsv keeps the
# ids): the first word of each in the model, in the interface's language.
KIND_NAMES = {kind: words[0] for kind, words in PARTNERSHIP_KINDS.items()}
SCOPE_NAMES = {scope: words[0] for scope, words in SCOPES.items()}


def labels(names: dict[str, str]) -> Callable[[str], str]:
    """How people read the machine values of a vocabulary, in the interface's language
    (a value without a name stays itself; a cell of several, "a; b", is read value by value)."""
    return lambda cell: "; ".join(_(names.get(value) or value) for value in cell.split("; "))


def quantity(cell: str) -> str:
    """A count as people read it in the interface's language: 10,985 or 10.985."""
    return number(int(cell)) if cell.isdigit() else cell


kind_label = labels({**KIND_NAMES, "membership": N_("membership")})
scope_label = labels(SCOPE_NAMES)


Cell = Callable[[dict[str, Any]], str]


def _years(since: int | None, until: int | None, text: str | None = "", ended: bool = False) -> str:
    if since and until:
        return f"{since}–{until}"
    if since and ended:
        return _("since {year}, now ended").format(year=since)
    if ended:
        return _("ended")
    if since:
        return _("since {year}").format(year=since)
    if until:
        return _("until {year}").format(year=until)
    return text or ""


def _text(value: Any) -> str:
    """A JSON value as a table cell."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(map(_text, value))
    return str(value)


def _rows(
    objects: Sequence[dict[str, Any]], columns: Sequence[Column], cells: dict[str, Cell]
) -> list[dict[str, str]]:
    """One row per JSON object: a column shows its key's value unless a cell function
    says otherwise."""
    return [
        {c.key: cells[c.key](obj) if c.key in cells else _text(obj.get(c.key)) for c in columns}
        for obj in objects
    ]


def _member_figure(network: dict[str, Any]) -> str:
    figure = next((f for f in network["figures"] if f["measure"] == "members"), None)
    return f"{figure['text']} [{figure['source']}]" if figure else ""


NETWORK_COLUMNS = (
    Column("id", N_("ID"), no_wrap=True),
    Column("name", N_("Name")),
    Column("scope", N_("Scope"), shown=scope_label),
    Column("themes", N_("Themes")),
    Column("founded", N_("Founded"), numeric=True),
    Column("members", N_("Members (per source)"), optional=True),
    Column("member_cities", N_("Member cities"), optional=True),
    Column("full_name", N_("Full name"), optional=True),
)
NETWORK_CELLS: dict[str, Cell] = {
    "name": lambda n: n["short_name"] or n["name"],
    "full_name": lambda n: n["name"] if n["short_name"] else "",
    "members": _member_figure,
    "member_cities": lambda n: ", ".join(m["city_name"] for m in n["members"]),
}


def theme_label(dataset: Dataset) -> Callable[[str], str]:
    """A cell of theme ids as people read it: the themes' names in the interface's
    language (English names where the data has them)."""
    from .i18n import language

    english = language() == "en"
    names = {t.id: (t.name_en or t.name) if english else t.name for t in dataset.themes}
    return lambda text: ", ".join(names.get(t, t) for t in text.split(", "))


def _with_theme_names(dataset: Dataset, columns: Sequence[Column]) -> list[Column]:
    shown = theme_label(dataset)
    return [replace(c, shown=shown) if c.key == "themes" else c for c in columns]


def network_list(dataset: Dataset, networks: Sequence[Network]) -> Listing:
    payload = [network_object(dataset, n) for n in networks]
    return Listing(
        columns=_with_theme_names(dataset, NETWORK_COLUMNS),
        rows=_rows(payload, NETWORK_COLUMNS, NETWORK_CELLS),
        payload=payload,
        title=ngettext("{n} network", "{n} networks", len(payload)).format(n=number(len(payload))),
    )


# The fields `show` writes in its own way (a network's first rows in this order); any
# other field of the schema gets a row of its own after them.
_NETWORK_FIRST = (
    "id",
    "name",
    "short_name",
    "name_de",
    "name_en",
    "aliases",
    "scope",
    "themes",
    "founded",
    "founded_place",
    "seat",
    "homepage",
    "description",
    "parent",
    "children",
    "related",
)
_NETWORK_SHOWN = frozenset(
    (
        *_NETWORK_FIRST,
        *["figures", "bodies", "people", "aims", "campaigns", "working_groups"],
        *["partner_organisations", "member_organisations", "notes", "sources"],
    )
)
_CITY_SHOWN = frozenset(
    [
        "id",
        "name",
        "name_en",
        "aliases",
        "country",
        "wikidata",
        "lat",
        "lng",
        "region",
        "population",
        "geonames",
        "note",
        "sources",
    ]
)


def other_fields(record_type: type, shown: frozenset[str]) -> list[str]:
    """The fields of a record type, in schema order, that are not among `shown` and hold
    values rather than nested records: so a field new to the model is shown too."""
    from .schema import fields_of

    return [s.name for s in fields_of(record_type) if s.nested is None and s.name not in shown]


class _Facts:
    """The rows of a record's detail: one per fact that has a value, with its source."""

    def __init__(self) -> None:
        self.rows: list[dict[str, str]] = []

    def __call__(self, field: str, value: Any, source: str | None = "") -> None:
        text = _text(value)
        if text:
            self.rows.append({"field": field, "value": text, "source": source or ""})


def network_detail(dataset: Dataset, network: Network) -> Listing:
    """Every fact of a network with its source, one row each, read from its JSON object."""
    obj = network_object(dataset, network)
    fact = _Facts()
    rows = fact.rows

    themes = theme_label(dataset)
    for key in _NETWORK_FIRST:
        fact(key, obj[key])
    for key in other_fields(Network, _NETWORK_SHOWN):
        fact(key, obj[key])
    for row in rows:
        if row["field"] == "scope":
            row["value" + SHOWN] = scope_label(row["value"])
        elif row["field"] == "themes":
            row["value" + SHOWN] = themes(row["value"])
    for f in obj["figures"]:
        note = f" ({f['note']})" if f["note"] else ""
        year = " (" + _("as of {year}").format(year=f["year"]) + ")" if f["year"] else ""
        fact(f"figure:{f['measure']}", f["text"] + year + note, f["source"])
    for body in obj["bodies"]:
        label = f"{body['name']} ({body['name_en']})" if body["name_en"] else body["name"]
        text = f"{label}: {body['description']}" if body["description"] else label
        fact("body", text, body["source"])
    for person in obj["people"]:
        fact("person", _role_text(dataset, person), person["source"])
    for label, key in (
        ("aim", "aims"),
        ("campaign", "campaigns"),
        ("working_group", "working_groups"),
        ("partner_organisation", "partner_organisations"),
        ("member_organisation", "member_organisations"),
    ):
        for value in obj[key]:
            fact(label, value)
    for m in obj["members"]:
        city = dataset.city_by_id[m["city"]]
        parts = [f"{city.name} ({city.country})", _period(m)]
        if m["working_groups"]:
            parts.append(_("Working groups: ") + ", ".join(m["working_groups"]))
        fact("member", " · ".join(p for p in parts if p), ", ".join(m["sources"]))
        for r in m["roles"]:
            fact("member_role", f"{city.name}: " + _role_text(dataset, r), r["source"])
    for n in obj["notes"]:
        # The key stays the same in every language (tsv); field_label translates it.
        fact("note (doubtful)" if n["doubtful"] else "note", n["text"], n["source"])
    fact("sources", obj["sources"])
    columns, citations = _numbered(dataset, rows)
    return Listing(
        columns=columns,
        rows=rows,
        payload=obj,
        title=f"{network.label} – {network.name}" if network.short_name else network.name,
        ids=[network.id],
        footer=[_(RECORD_SOURCES_NOTE), *citations],
    )


# The fields of `show` and `search` as people call them (tsv keeps the keys).
FIELD_NAMES = {
    "id": N_("id"),
    "name": N_("name"),
    "short_name": N_("short name"),
    "name_de": N_("German name"),
    "name_en": N_("English name"),
    "aliases": N_("also called"),
    "alias": N_("also called"),
    "scope": N_("scope"),
    "themes": N_("themes"),
    "theme": N_("theme"),
    "founded": N_("founded"),
    "founded_place": N_("founded in"),
    "seat": N_("seat"),
    "homepage": N_("homepage"),
    "description": N_("description"),
    "description_en": N_("English description"),
    "parent": N_("parent network"),
    "children": N_("sub-networks"),
    "related": N_("related"),
    "figure:members": N_("members"),
    "figure:countries": N_("countries"),
    "figure:other": N_("figure"),
    "figure": N_("figure"),
    "body": N_("body"),
    "person": N_("person"),
    "role": N_("role"),
    "aim": N_("aim"),
    "campaign": N_("campaign"),
    "working_group": N_("working group"),
    "partner_organisation": N_("partner organisation"),
    "member_organisation": N_("member organisation"),
    "member": N_("member"),
    "member_role": N_("member's role"),
    "member_working_group": N_("member's working group"),
    "member_note": N_("note on a member"),
    "note": N_("note"),
    "sources": N_("sources"),
    "country": N_("country"),
    "wikidata": N_("Wikidata"),
    "coordinates": N_("coordinates"),
    "membership": N_("membership"),
    "partner": N_("partner"),
    "title": N_("title"),
    "publisher": N_("publisher"),
}
DOUBTFUL = N_("(doubtful)")


def field_label(field: str) -> str:
    """A field key as people call it: "note (doubtful)" stays a note, doubtful."""
    key, _space, rest = field.partition(" ")
    return labels(FIELD_NAMES)(key) + (" " + _(rest) if rest else "")


DETAIL_COLUMNS = (
    Column("field", N_("Field"), no_wrap=True, shown=field_label),
    Column("value", N_("Value")),
    Column("source", N_("Source")),
)


def _role_text(dataset: Dataset, role: dict[str, Any]) -> str:
    """A role object as a line: "Jane Doe (Köln): Präsidentin, Vorstand (seit 2018)"."""
    who = role.get("person") or ""
    if role.get("city"):
        name = dataset.city_by_id[role["city"]].name
        who = f"{who} ({name})" if who else name
    text = f"{who}: {role['role']}" if who else role["role"]
    if role.get("body"):
        text += f", {role['body']}"
    years = _years(role["since"], role["until"], ended=role["ended"])
    if years:
        text += f" ({years})"
    if role.get("note"):
        text += f" – {role['note']}"
    return text


def city_detail(dataset: Dataset, city: City) -> Listing:
    """Every fact of a city, its memberships and partners, read from its JSON object."""
    obj = city_object(dataset, city)
    fact = _Facts()
    rows = fact.rows

    for key in ("id", "name", "name_en", "aliases", "country", "wikidata"):
        fact(key, obj[key])
    if obj["lat"] is not None and obj["lng"] is not None:
        fact("coordinates", f"{obj['lat']}, {obj['lng']}")
    fact("region", obj["region"])
    if obj["population"] is not None:
        fact("population", obj["population"])
        rows[-1]["value" + SHOWN] = number(obj["population"])
    fact("geonames", obj["geonames"])
    fact("note", obj["note"])
    for key in other_fields(City, _CITY_SHOWN):
        fact(key, obj[key])
    for m in obj["memberships"]:
        roles = "; ".join(
            r["role"]
            + (f" ({r['person']})" if r["person"] else "")
            + (" – " + _years(r["since"], r["until"], ended=True) if r["ended"] else "")
            for r in m["roles"]
        )
        when = _period(m)
        text = " · ".join(p for p in (m["network_name"], when, roles) if p)
        fact("membership", text, ", ".join(m["sources"]))
    for p in obj["partners"]:
        parts = (
            f"{p['name']} ({p['country']})",
            kind_label(p["kind"]),
            _period(p),
            p["programme"] or "",
        )
        fact("partner", " · ".join(x for x in parts if x), ", ".join(p["sources"]))
    fact("sources", obj["sources"])
    columns, citations = _numbered(dataset, rows)
    return Listing(
        columns=columns,
        rows=rows,
        payload=obj,
        title=f"{city.name} ({city.country})",
        ids=[city.id],
        footer=[_(RECORD_SOURCES_NOTE), *citations],
    )


def _numbered(dataset: Dataset, rows: list[dict[str, str]]) -> tuple[list[Column], list[str]]:
    """Citations numbered [1], [2] … in a table, with the list of those sources to put
    under it; tsv, csv and json keep the source ids."""
    numbers: dict[str, int] = {}
    for row in rows:
        for source_id in filter(None, row["source"].split(", ")):
            numbers.setdefault(source_id, len(numbers) + 1)
    if row_sources := next((r for r in rows if r["field"] == "sources"), None):
        for source_id in row_sources["value"].split(", "):
            numbers.setdefault(source_id, len(numbers) + 1)

    def cited(text: str) -> str:
        return " ".join(f"[{numbers[s]}]" for s in text.split(", ") if s in numbers)

    def listed(source_id: str) -> str:
        source = dataset.source_by_id.get(source_id)
        where = citation(source) if source else ""
        return f"[{numbers[source_id]}] {source_id} – {where}"

    columns = [replace(c, shown=cited) if c.key == "source" else c for c in DETAIL_COLUMNS]
    return columns, [listed(s) for s in numbers]


PARTNER_COLUMNS = (
    Column("city", N_("ID"), no_wrap=True),
    Column("name", N_("City")),
    Column("country", N_("Country")),
    Column("kind", N_("Kind"), shown=kind_label),
    Column("since", N_("Period")),
    Column("programme", N_("Programme"), optional=True),
    Column("sources", N_("Source"), optional=True),
)
PARTNER_CELLS: dict[str, Cell] = {"since": lambda p: _period(p)}


def period(
    since: int | None,
    until: int | None,
    status: str | None = "",
    status_since: int | None = None,
    text: str | None = "",
) -> str:
    """The years of a relation, and its state where a document gives one other than
    active: "1991–2022", "since 1991, suspended since 2022"."""
    years = _years(since, until, text)
    if not status or status == "active":
        return years
    state = _(STATUSES[status][0])
    if status_since:
        state = _("{status} since {year}").format(status=state, year=status_since)
    return f"{years}, {state}" if years else state


def _period(relation: dict[str, Any]) -> str:
    """`period` of a relation's JSON object."""
    return period(
        relation["since"],
        relation["until"],
        relation.get("status"),
        relation.get("status_since"),
        relation.get("since_text"),
    )


def partner_list(city: City, partners: Sequence[Partner], grouped: bool = False) -> Listing:
    """One row per relation; `grouped`: one row per partner city, its relations joined."""
    payload = [partner_object(p) for p in partners]
    rows: list[dict[str, str]] = []
    for row in _rows(payload, PARTNER_COLUMNS, PARTNER_CELLS):
        if grouped and rows and rows[-1]["city"] == row["city"]:
            for key in ("kind", "since", "programme", "sources"):
                parts = [*rows[-1][key].split("; "), *row[key].split("; ")]
                rows[-1][key] = "; ".join(dict.fromkeys(p for p in parts if p))
            continue
        rows.append(row)
    distinct = len({p.city.id for p in partners})
    return Listing(
        columns=PARTNER_COLUMNS,
        rows=rows,
        payload=payload,
        title=_("Partners of {city}: {cities}, {relations}").format(
            city=city.name,
            cities=ngettext("{n} city", "{n} cities", distinct).format(n=number(distinct)),
            relations=ngettext("{n} relation", "{n} relations", len(payload)).format(
                n=number(len(payload))
            ),
        ),
        id_key="city",
    )


CITY_COLUMNS = (
    Column("id", N_("ID"), no_wrap=True),
    Column("name", N_("City")),
    Column("name_en", N_("English")),
    Column("country", N_("Country")),
    Column("memberships", N_("Networks"), numeric=True, shown=quantity),
    Column("partners", N_("Partners"), numeric=True, shown=quantity),
)


def city_list(dataset: Dataset, cities: Sequence[City], limit: int | None = None) -> Listing:
    """The cities as a listing; with `limit`, rows only for the first ones (the title
    still counts all), so that `cities --limit 20` costs twenty rows, not all."""
    shown = cities if limit is None else cities[:limit]
    payload = [city_summary_object(dataset, city) for city in shown]
    cut = [limit_note(len(shown), len(cities))] if len(shown) < len(cities) else []
    return Listing(
        columns=CITY_COLUMNS,
        rows=_rows(payload, CITY_COLUMNS, {}),
        payload=payload,
        title=ngettext("{n} city", "{n} cities", len(cities)).format(n=number(len(cities))),
        footer=cut,
    )


THEME_COLUMNS = (
    Column("id", N_("ID"), no_wrap=True),
    Column("name", N_("Theme")),
    Column("name_en", N_("English")),
    Column("aliases", N_("Also")),
    Column("networks", N_("Networks"), numeric=True, shown=quantity),
)


def theme_list(dataset: Dataset) -> Listing:
    payload = theme_objects(dataset)
    return Listing(
        columns=THEME_COLUMNS,
        rows=_rows(payload, THEME_COLUMNS, {}),
        payload=payload,
        title=ngettext("{n} theme", "{n} themes", len(payload)).format(n=number(len(payload))),
    )


RECORD_NAMES = {
    "network": N_("network"),
    "city": N_("city"),
    "membership": N_("membership"),
    "partnership": N_("partnership"),
    "source": N_("source"),
    "theme": N_("theme"),
}
RELATION_NAMES = {
    "shared_network": N_("shared network"),
    "only_network": N_("network of one"),
    "shared_partner": N_("shared partner"),
    "partners_of_each_other": N_("partners of each other"),
}


SEARCH_COLUMNS = (
    Column("id", N_("ID"), no_wrap=True),
    Column("kind", N_("Kind"), shown=labels(RECORD_NAMES)),
    Column("name", N_("Name")),
    Column("matched", N_("Found in"), shown=field_label),
    Column("text", N_("Text"), optional=True),
)


def search_results(hits: Sequence[dict[str, Any]]) -> Listing:
    return Listing(
        columns=SEARCH_COLUMNS,
        rows=_rows(hits, SEARCH_COLUMNS, {}),
        payload=list(hits),
        title=ngettext("{n} match", "{n} matches", len(hits)).format(n=number(len(hits))),
    )


def network_comparison(dataset: Dataset, networks: Sequence[Network]) -> Listing:
    compared = compare_networks(dataset, networks)
    rows = []
    for row in compared:
        cells: dict[str, str] = {
            "attribute": row["attribute"],
            "differs": "≠" if row["differs"] else "=",
        }
        cells.update(row["values"])
        rows.append(cells)
    columns = [
        Column("attribute", N_("Attribute"), no_wrap=True),
        Column("differs", "", no_wrap=True),
    ]
    columns += [Column(n.id, n.label) for n in networks]
    payload: dict[str, Any] = {
        "kind": "network",
        "networks": [n.id for n in networks],
        "attributes": compared,
    }
    return Listing(
        columns=columns,
        rows=rows,
        payload=payload,
        title=_("Comparison: ") + " · ".join(n.label for n in networks),
        ids=[n.id for n in networks],
    )


def city_comparison(dataset: Dataset, cities: Sequence[City]) -> Listing:
    compared = compare_cities(dataset, cities)
    label = {n.id: n.label for n in dataset.networks}
    name = {c.id: c.name for c in dataset.cities}
    rows = [
        {"relation": "shared_network", "city": "all", "id": n, "name": label[n]}
        for n in compared["shared_networks"]
    ]
    for city_id, only in compared["only"].items():
        rows += [
            {"relation": "only_network", "city": city_id, "id": n, "name": label[n]} for n in only
        ]
    rows += [
        {"relation": "shared_partner", "city": "all", "id": c, "name": name[c]}
        for c in compared["shared_partners"]
    ]
    rows += [
        {"relation": "partners_of_each_other", "city": a, "id": b, "name": name[b]}
        for a, b in compared["partners_of_each_other"]
    ]
    payload = {"kind": "city", **compared}
    return Listing(
        columns=[
            Column("relation", N_("Relation"), no_wrap=True, shown=labels(RELATION_NAMES)),
            Column("city", N_("City"), shown=lambda city: _("all") if city == "all" else city),
            Column("id", N_("ID")),
            Column("name", N_("Name")),
        ],
        rows=rows,
        payload=payload,
        title=_("Comparison: ") + " · ".join(c.name for c in cities),
    )


def check_report(name: str, dataset: Dataset) -> list[str]:
    """What `citynet check` says of a valid file: the counts, and where sources disagree."""
    conflicts = figure_conflicts(dataset)
    figures = sum(len(n.figures) for n in dataset.networks)
    counts = _(
        "{networks} networks, {cities} cities, {memberships} memberships, "
        "{partnerships} partnerships, {sources} sources, {themes} themes, {figures} figures"
    )
    lines = [
        _("{file}: ok").format(file=name),
        counts.format(
            networks=number(len(dataset.networks)),
            cities=number(len(dataset.cities)),
            memberships=number(len(dataset.memberships)),
            partnerships=number(len(dataset.partnerships)),
            sources=number(len(dataset.sources)),
            themes=number(len(dataset.themes)),
            figures=number(figures),
        ),
        _("{n} figure(s) on which sources disagree:").format(n=number(len(conflicts))),
    ]
    for network, measure, stated in conflicts:
        told = "; ".join(f"{f.text} [{f.source}]" for f in stated)
        lines.append(f"  {network.id} {field_label('figure:' + measure)}: {told}")
    return lines


SOURCE_COLUMNS = (
    Column("id", N_("ID"), no_wrap=True),
    Column("publisher", N_("Publisher")),
    Column("title", N_("Title")),
    Column("language", N_("Language"), no_wrap=True),
    Column("file", N_("File"), optional=True),
    Column("url", N_("Address"), optional=True),
    Column("licence", N_("Licence"), optional=True),
    Column("retrieved", N_("Retrieved"), optional=True, no_wrap=True),
    Column("citation", N_("Citation"), optional=True),
    Column("records", N_("Records"), numeric=True, shown=quantity),
)


def source_list(dataset: Dataset) -> Listing:
    """Every source: who published what, in which language, and how many records rest on it."""
    payload = [source_object(dataset, s) for s in dataset.sources]
    rows = _rows(payload, SOURCE_COLUMNS, {"records": lambda s: str(len(s["records"]))})
    return Listing(
        columns=SOURCE_COLUMNS,
        rows=rows,
        payload=payload,
        title=ngettext("{n} source", "{n} sources", len(payload)).format(n=number(len(payload))),
    )


CITING_COLUMNS = (
    Column("kind", N_("Kind"), no_wrap=True, shown=labels(RECORD_NAMES)),
    Column("id", N_("ID"), no_wrap=True),
    Column("name", N_("Name")),
    Column("field", N_("Field"), shown=field_label),
)


def source_detail(dataset: Dataset, source: Source) -> Listing:
    """A source, and the records that rest on it, one row each."""
    obj = source_object(dataset, source)
    about = [obj["publisher"], obj["title"], obj["language"], obj["file"], obj["url"]]
    return Listing(
        columns=CITING_COLUMNS,
        rows=_rows(obj["records"], CITING_COLUMNS, {}),
        payload=obj,
        title=f"{source.id}: " + " · ".join(a for a in about if a),
        footer=[_("Cite as: {citation}").format(citation=citation(source))]
        + ([obj["note"]] if obj["note"] else []),
    )


# --- a city's timeline ----------------------------------------------------------------


def _event_label(event: str) -> str:
    from .timeline import EVENTS

    return _(EVENTS.get(event, event))


TIMELINE_COLUMNS = (
    Column("year", N_("Year"), numeric=True, no_wrap=True),
    Column("event", N_("Event"), shown=_event_label),
    Column("party", N_("ID"), no_wrap=True),
    Column("name", N_("City or network")),
    Column("kind", N_("Kind"), shown=kind_label),
    Column("role", N_("Role"), optional=True),
    Column("source", N_("Source"), optional=True),
)


def timeline_list(city: City, events: Sequence[Event], undated: int) -> Listing:
    """A city's events, one row per event (`citynet timeline`)."""
    from .timeline import event_object, undated_note

    payload = [event_object(e) for e in events]
    rows = [
        {
            "year": str(e.year),
            "event": e.event,
            "party": e.party,
            "name": e.name,
            "kind": e.kind,
            "role": e.role,
            "source": e.source,
        }
        for e in events
    ]
    return Listing(
        columns=TIMELINE_COLUMNS,
        rows=rows,
        payload=payload,
        title=_("Timeline of {city}").format(city=city.name),
        id_key="party",
        footer=[undated_note(undated)] if undated else [],
    )


# --- Wikidata and the dataset ---------------------------------------------------------


def _difference_label(what: str) -> str:
    from .sparql import DIFFERENCES

    return _(DIFFERENCES.get(what, what))


DIFFERENCE_COLUMNS = (
    Column("difference", N_("Difference"), shown=_difference_label),
    Column("city", N_("City"), no_wrap=True),
    Column("partner", N_("Partner"), no_wrap=True),
    Column("kind", N_("Kind"), shown=kind_label),
    Column("since", N_("Since"), numeric=True),
    Column("wikidata_since", N_("Wikidata: since"), numeric=True),
    Column("sources", N_("Source"), optional=True),
)


def difference_list(differences: Sequence[Difference]) -> Listing:
    """How the dataset and Wikidata differ, one row per difference (`wikidata diff`)."""
    from .sparql import difference_object

    payload = [difference_object(d) for d in differences]
    return Listing(
        columns=DIFFERENCE_COLUMNS,
        rows=_rows(payload, DIFFERENCE_COLUMNS, {}),
        payload=payload,
        title=ngettext(
            "{n} difference from Wikidata", "{n} differences from Wikidata", len(payload)
        ).format(n=number(len(payload))),
        id_key="partner",
    )

"""Query results as Listings: the columns and rows each command shows.

Each command's JSON objects are built in one place, `citynet.query`; the rows of
the tabular formats are read from those same objects here, so a table and the
JSON cannot tell different stories. Headers are German, like the data; the column
keys (the TSV/CSV header line) are stable English identifiers for scripts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .model import KIND_LABELS, City, Dataset, Network
from .output import Column, Listing
from .query import (
    Partner,
    city_object,
    city_summary_object,
    compare_cities,
    compare_networks,
    figure_conflicts,
    network_object,
    partner_object,
    theme_objects,
)

RECORD_SOURCES_NOTE = "Ohne eigene Quelle: belegt durch die Quellen des Eintrags (Zeile sources)."

Cell = Callable[[dict[str, Any]], str]


def _years(since: int | None, until: int | None, text: str | None = "") -> str:
    if since and until:
        return f"{since}–{until}"
    if since:
        return f"seit {since}"
    if until:
        return f"bis {until}"
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
    Column("id", "ID", no_wrap=True),
    Column("name", "Name"),
    Column("scope", "Ebene"),
    Column("themes", "Themen"),
    Column("founded", "Gegr.", numeric=True),
    Column("members", "Mitglieder (lt. Quelle)", optional=True),
    Column("member_cities", "Mitgliedsstädte", optional=True),
    Column("full_name", "Voller Name", optional=True),
)
NETWORK_CELLS: dict[str, Cell] = {
    "name": lambda n: n["short_name"] or n["name"],
    "full_name": lambda n: n["name"] if n["short_name"] else "",
    "members": _member_figure,
    "member_cities": lambda n: ", ".join(m["city_name"] for m in n["members"]),
}


def network_list(dataset: Dataset, networks: Sequence[Network]) -> Listing:
    payload = [network_object(dataset, n) for n in networks]
    return Listing(
        columns=NETWORK_COLUMNS,
        rows=_rows(payload, NETWORK_COLUMNS, NETWORK_CELLS),
        payload=payload,
        title=f"{len(payload)} Netzwerke",
    )


def network_detail(dataset: Dataset, network: Network) -> Listing:
    """Every fact of a network with its source, one row each, read from its JSON object."""
    obj = network_object(dataset, network)
    rows: list[dict[str, str]] = []

    def fact(field: str, value: Any, source: str | None = "") -> None:
        text = _text(value)
        if text:
            rows.append({"field": field, "value": text, "source": source or ""})

    for key in (
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
    ):
        fact(key, obj[key])
    for f in obj["figures"]:
        note = f" ({f['note']})" if f["note"] else ""
        year = f" (Stand {f['year']})" if f["year"] else ""
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
        parts = [f"{city.name} ({city.country})", _years(m["since"], m["until"], m["since_text"])]
        if m["working_groups"]:
            parts.append("Arbeitsgruppen: " + ", ".join(m["working_groups"]))
        fact("member", " · ".join(p for p in parts if p), ", ".join(m["sources"]))
        for r in m["roles"]:
            fact("member_role", f"{city.name}: " + _role_text(dataset, r), r["source"])
    for n in obj["notes"]:
        fact("note" + (" (zweifelhaft)" if n["doubtful"] else ""), n["text"], n["source"])
    fact("sources", obj["sources"])
    return Listing(
        columns=DETAIL_COLUMNS,
        rows=rows,
        payload=obj,
        title=f"{network.label} – {network.name}" if network.short_name else network.name,
        ids=[network.id],
        footer=[RECORD_SOURCES_NOTE],
    )


DETAIL_COLUMNS = (
    Column("field", "Feld", no_wrap=True),
    Column("value", "Wert"),
    Column("source", "Quelle"),
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
    years = _years(role["since"], role["until"])
    if years:
        text += f" ({years})"
    if role.get("note"):
        text += f" – {role['note']}"
    return text


def city_detail(dataset: Dataset, city: City) -> Listing:
    """Every fact of a city, its memberships and partners, read from its JSON object."""
    obj = city_object(dataset, city)
    rows: list[dict[str, str]] = []

    def fact(field: str, value: Any, source: str | None = "") -> None:
        text = _text(value)
        if text:
            rows.append({"field": field, "value": text, "source": source or ""})

    for key in ("id", "name", "name_en", "aliases", "country", "wikidata"):
        fact(key, obj[key])
    if obj["lat"] is not None and obj["lng"] is not None:
        fact("coordinates", f"{obj['lat']}, {obj['lng']}")
    fact("region", obj["region"])
    if obj["population"] is not None:
        fact("population", f"{obj['population']:,}".replace(",", "."))
    fact("geonames", obj["geonames"])
    fact("note", obj["note"])
    for m in obj["memberships"]:
        roles = "; ".join(
            r["role"] + (f" ({r['person']})" if r["person"] else "") for r in m["roles"]
        )
        when = _years(m["since"], m["until"], m["since_text"])
        text = " · ".join(p for p in (m["network_name"], when, roles) if p)
        fact("membership", text, ", ".join(m["sources"]))
    for p in obj["partners"]:
        parts = (
            f"{p['name']} ({p['country']})",
            KIND_LABELS[p["kind"]],
            _years(p["since"], p["until"]),
            p["programme"] or "",
        )
        fact("partner", " · ".join(x for x in parts if x), ", ".join(p["sources"]))
    fact("sources", obj["sources"])
    return Listing(
        columns=DETAIL_COLUMNS,
        rows=rows,
        payload=obj,
        title=f"{city.name} ({city.country})",
        ids=[city.id],
        footer=[RECORD_SOURCES_NOTE],
    )


PARTNER_COLUMNS = (
    Column("city", "ID", no_wrap=True),
    Column("name", "Stadt"),
    Column("country", "Land"),
    Column("kind", "Art"),
    Column("since", "Zeitraum"),
    Column("programme", "Programm", optional=True),
    Column("sources", "Quelle", optional=True),
)
PARTNER_CELLS: dict[str, Cell] = {"since": lambda p: _years(p["since"], p["until"])}


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
        title=f"Partner von {city.name}: {distinct} Städte, {len(payload)} Beziehungen",
        id_key="city",
    )


CITY_COLUMNS = (
    Column("id", "ID", no_wrap=True),
    Column("name", "Stadt"),
    Column("name_en", "English"),
    Column("country", "Land"),
    Column("memberships", "Netzwerke", numeric=True),
    Column("partners", "Partner", numeric=True),
)


def city_list(dataset: Dataset, cities: Sequence[City]) -> Listing:
    payload = [city_summary_object(dataset, city) for city in cities]
    return Listing(
        columns=CITY_COLUMNS,
        rows=_rows(payload, CITY_COLUMNS, {}),
        payload=payload,
        title=f"{len(payload)} Städte",
    )


THEME_COLUMNS = (
    Column("id", "ID", no_wrap=True),
    Column("name", "Thema"),
    Column("name_en", "English"),
    Column("aliases", "Auch"),
    Column("networks", "Netzwerke", numeric=True),
)


def theme_list(dataset: Dataset) -> Listing:
    payload = theme_objects(dataset)
    return Listing(
        columns=THEME_COLUMNS,
        rows=_rows(payload, THEME_COLUMNS, {}),
        payload=payload,
        title=f"{len(payload)} Themen",
    )


SEARCH_COLUMNS = (
    Column("id", "ID", no_wrap=True),
    Column("kind", "Art"),
    Column("name", "Name"),
    Column("matched", "Gefunden in"),
)


def search_results(hits: Sequence[dict[str, Any]]) -> Listing:
    return Listing(
        columns=SEARCH_COLUMNS,
        rows=_rows(hits, SEARCH_COLUMNS, {}),
        payload=list(hits),
        title=f"{len(hits)} Treffer",
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
    columns = [Column("attribute", "Merkmal", no_wrap=True), Column("differs", "", no_wrap=True)]
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
        title="Vergleich: " + " · ".join(n.label for n in networks),
        ids=[n.id for n in networks],
    )


def city_comparison(dataset: Dataset, cities: Sequence[City]) -> Listing:
    compared = compare_cities(dataset, cities)
    label = {n.id: n.label for n in dataset.networks}
    name = {c.id: c.name for c in dataset.cities}
    rows = [
        {"relation": "shared_network", "city": "alle", "id": n, "name": label[n]}
        for n in compared["shared_networks"]
    ]
    for city_id, only in compared["only"].items():
        rows += [
            {"relation": "only_network", "city": city_id, "id": n, "name": label[n]} for n in only
        ]
    rows += [
        {"relation": "shared_partner", "city": "alle", "id": c, "name": name[c]}
        for c in compared["shared_partners"]
    ]
    rows += [
        {"relation": "partners_of_each_other", "city": a, "id": b, "name": name[b]}
        for a, b in compared["partners_of_each_other"]
    ]
    payload = {"kind": "city", **compared}
    return Listing(
        columns=[
            Column("relation", "Beziehung", no_wrap=True),
            Column("city", "Stadt"),
            Column("id", "ID"),
            Column("name", "Name"),
        ],
        rows=rows,
        payload=payload,
        title="Vergleich: " + " · ".join(c.name for c in cities),
    )


def check_report(name: str, dataset: Dataset) -> list[str]:
    """What `citynet check` says of a valid file: the counts, and where sources disagree."""
    conflicts = figure_conflicts(dataset)
    figures = sum(len(n.figures) for n in dataset.networks)
    lines = [
        f"{name}: ok",
        f"{len(dataset.networks)} networks, {len(dataset.cities)} cities, "
        f"{len(dataset.memberships)} memberships, {len(dataset.partnerships)} partnerships, "
        f"{len(dataset.sources)} sources, {len(dataset.themes)} themes, {figures} figures",
        f"{len(conflicts)} figure(s) on which sources disagree:",
    ]
    for network, measure, stated in conflicts:
        told = "; ".join(f"{f.text} [{f.source}]" for f in stated)
        lines.append(f"  {network.id} {measure}: {told}")
    return lines

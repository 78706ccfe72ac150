"""Query results as Listings: the columns and rows each command shows.

Headers are German, like the data; the column keys (the TSV/CSV header line)
are stable English identifiers for scripts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .model import KIND_LABELS, City, Dataset, Network
from .output import Column, Listing
from .query import (
    Partner,
    city_counts,
    city_object,
    compare_cities,
    compare_networks,
    members_of,
    network_object,
    partner_object,
    theme_counts,
)

RECORD_SOURCES_NOTE = "Ohne eigene Quelle: belegt durch die Quellen des Eintrags (Zeile sources)."


def _years(since: int | None, until: int | None, text: str = "") -> str:
    if since and until:
        return f"{since}–{until}"
    if since:
        return f"seit {since}"
    if until:
        return f"bis {until}"
    return text


def network_list(dataset: Dataset, networks: Sequence[Network]) -> Listing:
    rows = []
    for n in networks:
        figure = n.member_figure()
        member_names = [dataset.city_by_id[m.city].name for m in members_of(dataset, n)]
        rows.append(
            {
                "id": n.id,
                "name": n.label,
                "full_name": n.name if n.name != n.label else "",
                "scope": n.scope,
                "themes": ", ".join(n.themes),
                "founded": "" if n.founded is None else str(n.founded),
                "members": f"{figure.text} [{figure.source}]" if figure else "",
                "member_cities": ", ".join(member_names),
            }
        )
    return Listing(
        columns=[
            Column("id", "ID", no_wrap=True),
            Column("name", "Name"),
            Column("scope", "Ebene"),
            Column("themes", "Themen"),
            Column("founded", "Gegr."),
            Column("members", "Mitglieder (lt. Quelle)", optional=True),
            Column("member_cities", "Mitgliedsstädte", optional=True),
            Column("full_name", "Voller Name", optional=True),
        ],
        rows=rows,
        payload=[network_object(dataset, n) for n in networks],
        title=f"{len(rows)} Netzwerke",
    )


def network_detail(dataset: Dataset, network: Network) -> Listing:
    """Every fact of a network with its source, one row each."""
    rows: list[dict[str, str]] = []

    def fact(field: str, value: str, source: str = "") -> None:
        if value:
            rows.append({"field": field, "value": value, "source": source})

    fact("id", network.id)
    fact("name", network.name)
    fact("short_name", network.short_name)
    fact("name_de", network.name_de)
    fact("name_en", network.name_en)
    fact("aliases", ", ".join(network.aliases))
    fact("scope", network.scope)
    fact("themes", ", ".join(network.themes))
    fact("founded", "" if network.founded is None else str(network.founded))
    fact("founded_place", network.founded_place)
    fact("seat", network.seat)
    fact("homepage", network.homepage)
    fact("description", network.description)
    fact("parent", network.parent)
    fact("children", ", ".join(n.id for n in dataset.networks if n.parent == network.id))
    fact("related", ", ".join(network.related))
    for f in network.figures:
        note = f" ({f.note})" if f.note else ""
        year = f" (Stand {f.year})" if f.year else ""
        fact(f"figure:{f.measure}", f.text + year + note, f.source)
    for body in network.bodies:
        label = f"{body.name} ({body.name_en})" if body.name_en else body.name
        fact("body", f"{label}: {body.description}" if body.description else label, body.source)
    for person in network.people:
        fact(
            "person",
            _role_text(
                dataset,
                person.person,
                person.role,
                person.body,
                person.city,
                person.since,
                person.until,
                person.note,
            ),
            person.source,
        )
    for label, values in (
        ("aim", network.aims),
        ("campaign", network.campaigns),
        ("working_group", network.working_groups),
        ("partner_organisation", network.partner_organisations),
        ("member_organisation", network.member_organisations),
    ):
        for value in values:
            fact(label, value)
    for m in members_of(dataset, network):
        city = dataset.city_by_id[m.city]
        parts = [f"{city.name} ({city.country})", _years(m.since, m.until, m.since_text)]
        if m.working_groups:
            parts.append("Arbeitsgruppen: " + ", ".join(m.working_groups))
        fact("member", " · ".join(p for p in parts if p), ", ".join(m.sources))
        for r in m.roles:
            fact(
                "member_role",
                f"{city.name}: "
                + _role_text(dataset, r.person, r.role, r.body, "", r.since, r.until, r.note),
                r.source,
            )
    for n in network.notes:
        fact("note" + (" (zweifelhaft)" if n.doubtful else ""), n.text, n.source)
    fact("sources", ", ".join(network.sources))
    return Listing(
        columns=[
            Column("field", "Feld", no_wrap=True),
            Column("value", "Wert"),
            Column("source", "Quelle"),
        ],
        rows=rows,
        payload=network_object(dataset, network),
        title=f"{network.label} – {network.name}" if network.short_name else network.name,
        ids=[network.id],
        footer=[RECORD_SOURCES_NOTE],
    )


def _role_text(
    dataset: Dataset,
    person: str,
    role: str,
    body: str,
    city: str,
    since: int | None,
    until: int | None,
    note: str,
) -> str:
    who = person
    if city:
        who = f"{who} ({dataset.city_by_id[city].name})" if who else dataset.city_by_id[city].name
    text = f"{who}: {role}" if who else role
    if body:
        text += f", {body}"
    years = _years(since, until)
    if years:
        text += f" ({years})"
    if note:
        text += f" – {note}"
    return text


def city_detail(dataset: Dataset, city: City) -> Listing:
    payload = city_object(dataset, city)
    rows: list[dict[str, str]] = []

    def fact(field: str, value: str, source: str = "") -> None:
        if value:
            rows.append({"field": field, "value": value, "source": source})

    fact("id", city.id)
    fact("name", city.name)
    fact("name_en", city.name_en)
    fact("aliases", ", ".join(city.aliases))
    fact("country", city.country)
    fact("wikidata", city.wikidata)
    if city.lat is not None and city.lng is not None:
        fact("coordinates", f"{city.lat}, {city.lng}")
    fact("region", city.region)
    fact("population", "" if city.population is None else f"{city.population:,}".replace(",", "."))
    fact("geonames", city.geonames)
    fact("note", city.note)
    for m in payload["memberships"]:
        roles = "; ".join(
            r["role"] + (f" ({r['person']})" if r["person"] else "") for r in m["roles"]
        )
        when = _years(m["since"], m["until"], m["since_text"] or "")
        text = " · ".join(p for p in (m["network_name"], when, roles) if p)
        fact("membership", text, ", ".join(m["sources"]))
    for p in payload["partners"]:
        when = _years(p["since"], p["until"])
        text = " · ".join(
            x
            for x in (
                f"{p['name']} ({p['country']})",
                KIND_LABELS[p["kind"]],
                when,
                p["programme"] or "",
            )
            if x
        )
        fact("partner", text, ", ".join(p["sources"]))
    fact("sources", ", ".join(city.sources))
    return Listing(
        columns=[
            Column("field", "Feld", no_wrap=True),
            Column("value", "Wert"),
            Column("source", "Quelle"),
        ],
        rows=rows,
        payload=payload,
        title=f"{city.name} ({city.country})",
        ids=[city.id],
        footer=[RECORD_SOURCES_NOTE],
    )


def partner_list(city: City, partners: Sequence[Partner], grouped: bool = False) -> Listing:
    """One row per relation; `grouped`: one row per partner city, its relations joined."""
    rows: list[dict[str, str]] = []
    for partner in partners:
        p = partner.partnership
        row = {
            "city": partner.city.id,
            "name": partner.city.name,
            "country": partner.city.country,
            "kind": p.kind,
            "since": _years(p.since, p.until),
            "programme": p.programme,
            "sources": ", ".join(p.sources),
        }
        if grouped and rows and rows[-1]["city"] == row["city"]:
            for key in ("kind", "since", "programme"):
                rows[-1][key] = "; ".join(v for v in (rows[-1][key], row[key]) if v)
            sources = [*rows[-1]["sources"].split(", "), *p.sources]
            rows[-1]["sources"] = ", ".join(dict.fromkeys(sources))
            continue
        rows.append(row)
    distinct = len({p.city.id for p in partners})
    return Listing(
        columns=[
            Column("city", "ID", no_wrap=True),
            Column("name", "Stadt"),
            Column("country", "Land"),
            Column("kind", "Art"),
            Column("since", "Zeitraum"),
            Column("programme", "Programm", optional=True),
            Column("sources", "Quelle", optional=True),
        ],
        rows=rows,
        payload=[partner_object(p) for p in partners],
        title=f"Partner von {city.name}: {distinct} Städte, {len(partners)} Beziehungen",
        id_key="city",
    )


def city_list(dataset: Dataset, cities: Sequence[City]) -> Listing:
    rows = []
    payload = []
    for city in cities:
        memberships, partners = city_counts(dataset, city)
        rows.append(
            {
                "id": city.id,
                "name": city.name,
                "name_en": city.name_en,
                "country": city.country,
                "memberships": str(memberships),
                "partners": str(partners),
            }
        )
        payload.append(
            {
                "id": city.id,
                "name": city.name,
                "name_en": city.name_en or None,
                "aliases": list(city.aliases),
                "country": city.country,
                "wikidata": city.wikidata or None,
                "memberships": memberships,
                "partners": partners,
            }
        )
    return Listing(
        columns=[
            Column("id", "ID", no_wrap=True),
            Column("name", "Stadt"),
            Column("name_en", "English"),
            Column("country", "Land"),
            Column("memberships", "Netzwerke"),
            Column("partners", "Partner"),
        ],
        rows=rows,
        payload=payload,
        title=f"{len(rows)} Städte",
    )


def theme_list(dataset: Dataset) -> Listing:
    counts = theme_counts(dataset)
    rows = [
        {
            "id": t.id,
            "name": t.name,
            "name_en": t.name_en,
            "aliases": ", ".join(t.aliases),
            "networks": str(counts.get(t.id, 0)),
        }
        for t in dataset.themes
    ]
    payload = [
        {
            "id": t.id,
            "name": t.name,
            "name_en": t.name_en or None,
            "aliases": list(t.aliases),
            "networks": counts.get(t.id, 0),
        }
        for t in dataset.themes
    ]
    return Listing(
        columns=[
            Column("id", "ID", no_wrap=True),
            Column("name", "Thema"),
            Column("name_en", "English"),
            Column("aliases", "Auch"),
            Column("networks", "Netzwerke"),
        ],
        rows=rows,
        payload=payload,
        title=f"{len(rows)} Themen",
    )


def search_results(hits: Sequence[tuple[Network | City, str]]) -> Listing:
    rows = [
        {
            "id": r.id,
            "kind": "network" if isinstance(r, Network) else "city",
            "name": r.label,
            "matched": where,
        }
        for r, where in hits
    ]
    return Listing(
        columns=[
            Column("id", "ID", no_wrap=True),
            Column("kind", "Art"),
            Column("name", "Name"),
            Column("matched", "Gefunden in"),
        ],
        rows=rows,
        payload=rows,
        title=f"{len(rows)} Treffer",
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

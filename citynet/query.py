"""Pure functions over a Dataset: filter, show, partners, compare, search.

They return records and plain dicts (the JSON contract); nothing here prints.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from msgspec import Struct

from .errors import UsageError
from .i18n import N_, _
from .model import (
    PARTNERSHIP_KINDS,
    SCOPES,
    City,
    Dataset,
    Figure,
    Membership,
    Network,
    Partnership,
    Role,
)
from .names import fold, fold_variants, resolve_word

NETWORK_SORT_KEYS = ("id", "name", "scope", "founded", "members")

# --- vocabularies -------------------------------------------------------------


def resolve_theme(dataset: Dataset, name: str) -> str:
    """The theme id for a slug, name or alias in any language ("climate" → "klima")."""
    vocabulary = {t.id: (t.name, t.name_en, *t.aliases) for t in dataset.themes}
    return resolve_word(name, vocabulary, N_("theme"))


def resolve_scope(name: str) -> str:
    """The scope id for an English or German name ("Europa" → "europe")."""
    return resolve_word(name, SCOPES, N_("scope"))


def resolve_kind(name: str) -> str:
    """The partnership kind for its id or a German or English name ("Partnerschaft")."""
    return resolve_word(name, PARTNERSHIP_KINDS, N_("kind"))


# --- networks -----------------------------------------------------------------


def filter_networks(
    dataset: Dataset,
    *,
    themes: Sequence[str] = (),
    scope: str | None = None,
    member: City | None = None,
    founded_after: int | None = None,
    founded_before: int | None = None,
    sort: str = "id",
) -> list[Network]:
    """Networks that have every given theme and match the other filters, sorted."""
    member_of = (
        {m.network for m in dataset.memberships_by_city.get(member.id, ())} if member else None
    )
    found = [
        n
        for n in dataset.networks
        if all(t in n.themes for t in themes)
        and (scope is None or n.scope == scope)
        and (member_of is None or n.id in member_of)
        and (founded_after is None or (n.founded is not None and n.founded > founded_after))
        and (founded_before is None or (n.founded is not None and n.founded < founded_before))
    ]
    return sort_networks(found, sort)


def sort_networks(networks: list[Network], key: str) -> list[Network]:
    if key not in NETWORK_SORT_KEYS:
        message = _("cannot sort by {key}; sort keys: {keys}")
        raise UsageError(message.format(key=repr(key), keys=", ".join(NETWORK_SORT_KEYS)))
    if key == "members":
        # Largest first; networks without a figure last.
        def members(n: Network) -> tuple[bool, int, str]:
            figure = n.member_figure()
            return (figure is None, -(figure.value if figure else 0), n.id)

        return sorted(networks, key=members)
    if key == "founded":
        return sorted(networks, key=lambda n: (n.founded is None, n.founded or 0, n.id))
    return sorted(networks, key=lambda n: (fold(str(getattr(n, key))), n.id))


def members_of(dataset: Dataset, network: Network) -> list[Membership]:
    """The network's member cities in the dataset, by city name."""
    found = dataset.memberships_by_network.get(network.id, [])
    return sorted(found, key=lambda m: fold(dataset.city_by_id[m.city].name))


def figure_conflicts(dataset: Dataset) -> list[tuple[Network, str, list[Figure]]]:
    """Per network and measure, the figures whose sources state different numbers."""
    conflicts = []
    for network in dataset.networks:
        by_measure: dict[str, list[Figure]] = {}
        for figure in network.figures:
            if figure.measure != "other":
                by_measure.setdefault(figure.measure, []).append(figure)
        for measure, figures in by_measure.items():
            stated = {(f.value, f.qualifier) for f in figures}
            if len(stated) > 1 and len({f.source for f in figures}) > 1:
                conflicts.append((network, measure, figures))
    return conflicts


def network_object(dataset: Dataset, network: Network) -> dict[str, Any]:
    """A network as the JSON contract describes it (README: "JSON")."""
    return {
        "kind": "network",
        "id": network.id,
        "name": network.name,
        "short_name": network.short_name or None,
        "name_de": network.name_de or None,
        "name_en": network.name_en or None,
        "aliases": list(network.aliases),
        "scope": network.scope,
        "themes": list(network.themes),
        "founded": network.founded,
        "founded_place": network.founded_place or None,
        "seat": network.seat or None,
        "homepage": network.homepage or None,
        "wikidata": network.wikidata or None,
        "description": network.description or None,
        "description_en": network.description_en or None,
        "parent": network.parent or None,
        "children": [n.id for n in dataset.children_of.get(network.id, ())],
        "related": list(network.related),
        "partner_organisations": list(network.partner_organisations),
        "member_organisations": list(network.member_organisations),
        "aims": list(network.aims),
        "campaigns": list(network.campaigns),
        "working_groups": list(network.working_groups),
        "figures": [_figure_object(f) for f in network.figures],
        "bodies": [
            {
                "name": b.name,
                "name_en": b.name_en or None,
                "description": b.description or None,
                "source": b.source,
            }
            for b in network.bodies
        ],
        "people": [_role_object(r) for r in network.people],
        "notes": [
            {"text": n.text, "source": n.source or None, "doubtful": n.doubtful}
            for n in network.notes
        ],
        "members": [_membership_object(dataset, m) for m in members_of(dataset, network)],
        "sources": list(network.sources),
    }


def _figure_object(figure: Figure) -> dict[str, Any]:
    return {
        "measure": figure.measure,
        "value": figure.value,
        "qualifier": figure.qualifier or None,
        "unit": figure.unit,
        "text": figure.text,
        "year": figure.year,
        "source": figure.source,
        "note": figure.note or None,
    }


def _role_object(role: Role) -> dict[str, Any]:
    return {
        "role": role.role,
        "person": role.person or None,
        "body": role.body or None,
        "city": role.city or None,
        "since": role.since,
        "until": role.until,
        "source": role.source,
        "note": role.note or None,
    }


def _membership_object(dataset: Dataset, membership: Membership) -> dict[str, Any]:
    return {
        "city": membership.city,
        "city_name": dataset.city_by_id[membership.city].name,
        "network": membership.network,
        "network_name": dataset.network_by_id[membership.network].label,
        "since": membership.since,
        "until": membership.until,
        "since_text": membership.since_text or None,
        "working_groups": list(membership.working_groups),
        "roles": [_role_object(r) for r in membership.roles],
        "sources": list(membership.sources),
        "note": membership.note or None,
    }


# --- cities and partners ------------------------------------------------------


class Partner(Struct, frozen=True):
    """One relation of a city, seen from that city."""

    city: City
    partnership: Partnership


def partners_of(dataset: Dataset, city: City, kinds: Iterable[str] = ()) -> list[Partner]:
    """The city's partners in both directions, by partner name then kind."""
    wanted = set(kinds)
    found = [
        Partner(dataset.city_by_id[p.other(city.id)], p)
        for p in dataset.partnerships_of(city.id)
        if not wanted or p.kind in wanted
    ]
    order = {kind: i for i, kind in enumerate(PARTNERSHIP_KINDS)}
    return sorted(found, key=lambda x: (fold(x.city.name), order[x.partnership.kind]))


def partner_object(partner: Partner) -> dict[str, Any]:
    p = partner.partnership
    return {
        "city": partner.city.id,
        "name": partner.city.name,
        "name_en": partner.city.name_en or None,
        "country": partner.city.country,
        "kind": p.kind,
        "since": p.since,
        "until": p.until,
        "programme": p.programme or None,
        "note": p.note or None,
        "sources": list(p.sources),
    }


def filter_cities(dataset: Dataset, country: str | None = None) -> list[City]:
    code = country.upper() if country else None
    return sorted(
        (c for c in dataset.cities if code is None or c.country == code),
        key=lambda c: (fold(c.name), c.id),
    )


def city_object(dataset: Dataset, city: City) -> dict[str, Any]:
    """A city as the JSON contract describes it."""
    memberships = sorted(
        dataset.memberships_by_city.get(city.id, ()),
        key=lambda m: fold(dataset.network_by_id[m.network].label),
    )
    return {
        "kind": "city",
        "id": city.id,
        "name": city.name,
        "name_en": city.name_en or None,
        "aliases": list(city.aliases),
        "country": city.country,
        "wikidata": city.wikidata or None,
        "lat": city.lat,
        "lng": city.lng,
        "memberships": [_membership_object(dataset, m) for m in memberships],
        "partners": [partner_object(p) for p in partners_of(dataset, city)],
        "sources": list(city.sources),
    }


def city_counts(dataset: Dataset, city: City) -> tuple[int, int]:
    """How many memberships and how many distinct partner cities a city has."""
    partners = {p.other(city.id) for p in dataset.partnerships_of(city.id)}
    return len(dataset.memberships_by_city.get(city.id, ())), len(partners)


def city_summary_object(dataset: Dataset, city: City) -> dict[str, Any]:
    """A city in a list of cities (`citynet cities`), with counts."""
    memberships, partners = city_counts(dataset, city)
    return {
        "id": city.id,
        "name": city.name,
        "name_en": city.name_en or None,
        "aliases": list(city.aliases),
        "country": city.country,
        "wikidata": city.wikidata or None,
        "memberships": memberships,
        "partners": partners,
    }


def theme_objects(dataset: Dataset) -> list[dict[str, Any]]:
    """The theme vocabulary, with how many networks each theme has."""
    counts = Counter(t for n in dataset.networks for t in n.themes)
    return [
        {
            "id": t.id,
            "name": t.name,
            "name_en": t.name_en or None,
            "aliases": list(t.aliases),
            "networks": counts.get(t.id, 0),
        }
        for t in dataset.themes
    ]


# --- compare ------------------------------------------------------------------


def compare_networks(dataset: Dataset, networks: Sequence[Network]) -> list[dict[str, Any]]:
    """One row per attribute, one value per network, and whether the values differ."""

    def figures(n: Network, measure: str) -> str:
        return "; ".join(f"{f.text} [{f.source}]" for f in n.figures if f.measure == measure)

    def cities(n: Network) -> str:
        return ", ".join(dataset.city_by_id[m.city].name for m in members_of(dataset, n))

    attributes: list[tuple[str, Any]] = [
        ("name", lambda n: n.name),
        ("short_name", lambda n: n.short_name),
        ("scope", lambda n: n.scope),
        ("themes", lambda n: ", ".join(n.themes)),
        ("founded", lambda n: "" if n.founded is None else str(n.founded)),
        ("founded_place", lambda n: n.founded_place),
        ("seat", lambda n: n.seat),
        ("parent", lambda n: n.parent),
        ("members", lambda n: figures(n, "members")),
        ("countries", lambda n: figures(n, "countries")),
        ("member_cities", cities),
        ("homepage", lambda n: n.homepage),
    ]
    rows = []
    for attribute, get in attributes:
        values = [get(n) for n in networks]
        if any(values):
            rows.append(
                {
                    "attribute": attribute,
                    "values": dict(zip([n.id for n in networks], values, strict=True)),
                    "differs": len(set(values)) > 1,
                }
            )
    return rows


def compare_cities(dataset: Dataset, cities: Sequence[City]) -> dict[str, Any]:
    """Networks all the cities share, those only some are in, and shared partners."""
    networks_of = {
        c.id: {m.network for m in dataset.memberships_by_city.get(c.id, ())} for c in cities
    }
    partners_of_city = {
        c.id: {p.other(c.id) for p in dataset.partnerships_by_city.get(c.id, ())} for c in cities
    }
    shared_networks = set.intersection(*networks_of.values())
    shared_partners = set.intersection(*partners_of_city.values())
    return {
        "cities": [c.id for c in cities],
        "shared_networks": sorted(shared_networks),
        "only": {c: sorted(networks_of[c] - shared_networks) for c in networks_of},
        "shared_partners": sorted(shared_partners),
        "partners_of_each_other": sorted(
            {
                tuple(sorted((a.id, b.id)))
                for a in cities
                for b in cities
                if a.id < b.id and b.id in partners_of_city[a.id]
            }
        ),
    }


# --- search -------------------------------------------------------------------


def search(dataset: Dataset, text: str) -> list[dict[str, Any]]:
    """Networks and cities whose names, aliases or descriptions contain `text` (folded).

    Each hit names the field it was found in; name hits rank before description hits.
    """
    needle = fold(text)
    if not needle:
        raise UsageError(_("search needs some letters or digits to look for"))
    hits: list[tuple[int, str, Network | City, str]] = []
    records: list[Network | City] = [*dataset.networks, *dataset.cities]
    for record in records:
        where = _match_field(record, needle)
        if where:
            rank = (
                0 if where in ("id", "name", "short_name") else 1 if where != "description" else 2
            )
            hits.append((rank, fold(record.label), record, where))
    hits.sort(key=lambda h: (h[0], h[1]))
    return [
        {
            "id": record.id,
            "kind": "network" if isinstance(record, Network) else "city",
            "name": record.label,
            "matched": where,
        }
        for _, _, record, where in hits
    ]


def _match_field(record: Network | City, needle: str) -> str:
    fields: list[tuple[str, str]] = [("id", record.id), ("name", record.name)]
    if isinstance(record, Network):
        fields += [
            ("short_name", record.short_name),
            ("name_de", record.name_de),
            ("name_en", record.name_en),
        ]
    else:
        fields += [("name_en", record.name_en)]
    fields += [("alias", a) for a in record.aliases]
    if isinstance(record, Network):
        fields += [("description", record.description), ("description_en", record.description_en)]
    for name, value in fields:
        if value and any(needle in key for key in fold_variants(value)):
            return name
    return ""

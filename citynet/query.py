"""Pure functions over a Dataset: filter, show, partners, compare, search.

They return records (and comparisons and search hits as plain dicts); nothing here
prints. The JSON objects of records are made by `citynet.contract`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, overload

from msgspec import Struct

from .errors import UsageError
from .i18n import _
from .model import (
    PARTNERSHIP_KINDS,
    City,
    Dataset,
    Figure,
    Membership,
    Network,
    Partnership,
    Source,
    Theme,
    records_changed,
)
from .names import fold, fold_variants, patched_lines

NETWORK_SORT_KEYS = ("id", "name", "scope", "founded", "members")

# --- networks -----------------------------------------------------------------


def filter_networks(
    dataset: Dataset,
    *,
    themes: Sequence[str] = (),
    scope: str | None = None,
    member: City | None = None,
    founded_after: int | None = None,
    founded_before: int | None = None,
    as_of: int | None = None,
    sort: str = "id",
) -> list[Network]:
    """Networks that have every given theme and match the other filters, sorted;
    `as_of` a year: only memberships known to be in force then (see `timeline`)."""
    member_of = None
    if member:
        memberships = dataset.memberships_by_city.get(member.id, [])
        if as_of is not None:
            from .timeline import known_in_force

            memberships = known_in_force(memberships, as_of)[0]
        member_of = {m.network for m in memberships}
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


# --- cities and partners ------------------------------------------------------


class Partner(Struct, frozen=True):
    """One relation of a city, seen from that city."""

    city: City
    partnership: Partnership


def partners_of(
    dataset: Dataset, city: City, kinds: Iterable[str] = (), without: Iterable[str] = ()
) -> list[Partner]:
    """The city's partners in both directions, by partner name then kind.

    `kinds` keeps the relations of those kinds; `without` leaves out the partner CITIES
    that have a relation of one of those kinds with the city: `without=["partnership"]`
    answers "whom does Berlin work with without a formal partnership?".
    """
    wanted, unwanted = set(kinds), set(without)
    relations = dataset.partnerships_of(city.id)
    excluded = {p.other(city.id) for p in relations if p.kind in unwanted}
    found = [
        Partner(dataset.city_by_id[p.other(city.id)], p)
        for p in relations
        if (not wanted or p.kind in wanted) and p.other(city.id) not in excluded
    ]
    order = {kind: i for i, kind in enumerate(PARTNERSHIP_KINDS)}
    return sorted(found, key=lambda x: (fold(x.city.name), order[x.partnership.kind]))


def filter_cities(dataset: Dataset, country: str | None = None) -> list[City]:
    code = country.upper() if country else None
    return sorted(
        (c for c in dataset.cities if code is None or c.country == code),
        key=lambda c: (fold(c.name), c.id),
    )


class CitiesInOrder(Sequence[City]):
    """Cities named by ids in a known order (such as `filter_cities` gave for this data,
    kept in the cache), each looked up when it is read: `cities --limit 20` reads 20."""

    def __init__(self, dataset: Dataset, ids: Sequence[str]) -> None:
        self._dataset = dataset
        self._ids = ids

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, at: int) -> City: ...
    @overload
    def __getitem__(self, at: slice) -> list[City]: ...
    def __getitem__(self, at: int | slice) -> City | list[City]:
        by_id = self._dataset.city_by_id
        if isinstance(at, slice):
            return [by_id[city_id] for city_id in self._ids[at]]
        return by_id[self._ids[at]]


def city_counts(dataset: Dataset, city: City) -> tuple[int, int]:
    """How many memberships and how many distinct partner cities a city has."""
    partners = {p.other(city.id) for p in dataset.partnerships_of(city.id)}
    return len(dataset.memberships_by_city.get(city.id, ())), len(partners)


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


def search_lines(dataset: Dataset) -> dict[str, str]:
    """The search index: for each section `search` looks at, a line per record of its
    id and every folded form of every text `search` looks at in it, tab-separated (a
    folded text has neither tabs nor newlines), as a text of lines (`names.name_lines`).
    Kept in the cache for each content and patched after each edit (`carry_search`),
    so that `search` folds nothing and looks closer only at the records whose line
    holds the text: at the real size not at thousands of memberships."""
    themes = {t.id: t for t in dataset.themes}
    return {
        section: _search_lines(dataset, kind, getattr(dataset, section), themes)
        for kind, section in _SEARCHED
    }


def _search_lines(
    dataset: Dataset, kind: str, records: Iterable[Any], themes: dict[str, Theme]
) -> str:
    lines = ["\n"]
    for r in records:
        texts = _texts(dataset, kind, r, themes)
        keys = (key for _, text in texts if text for key in fold_variants(text))
        lines.append("\t".join((r.id, *keys)) + "\n")
    return "".join(lines)


def carry_search(
    path: Path, old_content: bytes, old: Dataset, new_content: bytes, new: Dataset
) -> None:
    """After a write: keep for the new content the step that patches the search index
    (the lines of the records that changed, and of the networks whose members did), so
    that the first search after an edit costs what the edit changed."""
    from .cache import carry

    changed = {section: records_changed(old, new, section) for _, section in _SEARCHED}
    members = records_changed(old, new, "memberships")
    if old.section("themes") is not new.section("themes") or members is None:
        return  # a theme's names are in its networks' lines: made afresh on first use
    themes = {t.id: t for t in new.themes}
    steps: SearchPatch = []
    for kind, section in _SEARCHED:
        went_came = changed[section]
        if went_came is None:
            return
        went, came = went_came
        if section == "networks":  # and those whose members changed
            ids = {m.network for m in members[0] + members[1]} - {n.id for n in went + came}
            went = went + [old.network_by_id[i] for i in ids if i in old.network_by_id]
            came = came + [new.network_by_id[i] for i in ids if i in new.network_by_id]
        if went or came:
            went_lines = _search_lines(old, kind, went, {t.id: t for t in old.themes})
            steps.append((section, went_lines, _search_lines(new, kind, came, themes)))

    def extend(patch: SearchPatch | None) -> SearchPatch | None:
        patch = [*(patch or []), *steps]
        return patch if len(patch) <= _MOST_SEARCH_STEPS else None

    if steps:
        carry(path, old_content, new_content, SEARCH_LABEL, extend, SearchPatch)


SEARCH_LABEL = "search"
SearchPatch = list[tuple[str, str, str]]  # (section, lines that went, lines that came)
_MOST_SEARCH_STEPS = 500  # beyond as many changed sections the index is made afresh


def patched_search(lines: dict[str, str], patch: SearchPatch) -> dict[str, str] | None:
    """The search index after the steps of a patch; None if it does not apply."""
    for section, went, came in patch:
        patched = patched_lines(lines.get(section, "\n"), [(went, came)])
        if patched is None:
            return None
        lines[section] = patched
    return lines


def search(
    dataset: Dataset, text: str, lines: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Every record with a text that contains `text` (folded): networks, cities, themes,
    sources. A network is found by its names, seat, founding place, descriptions, people,
    roles, bodies, working groups, notes, its members' roles and its themes' names in
    either language (so `search klima` finds what `list --theme klima` lists). `lines`,
    the `search_lines` of this dataset, narrow the records looked at.

    Each hit names the field it was found in first and the text there; name hits rank
    before other hits, then by name, kind and id.
    """
    needle = fold(text)
    if not needle:
        raise UsageError(_("search needs some letters or digits to look for"))
    themes = {t.id: t for t in dataset.themes}
    hits: list[tuple[int, str, int, str, dict[str, Any]]] = []
    for order, (kind, section) in enumerate(_SEARCHED):
        by_id: Mapping[str, Any] = themes if kind == "theme" else getattr(dataset, f"{kind}_by_id")
        if lines is None:
            records: Iterable[Any] = getattr(dataset, section)
        else:  # the records whose line holds the text (an id not there is of no record)
            records = [by_id[i] for i in _lines_with(lines.get(section, ""), needle) if i in by_id]
        for record in records:
            found = _hit(dataset, kind, record, themes, needle)
            if found is not None:
                rank, hit = found
                hits.append((rank, fold(hit["name"]), order, record.id, hit))
    hits.sort(key=lambda h: h[:4])
    return [hit[-1] for hit in hits]


# What search looks at: (kind, section), in this order.
_SEARCHED = (
    ("network", "networks"),
    ("city", "cities"),
    ("theme", "themes"),
    ("source", "sources"),
)


def _hit(
    dataset: Dataset, kind: str, record: Any, themes: dict[str, Theme], needle: str
) -> tuple[int, dict[str, Any]] | None:
    """The rank and the hit of a record whose texts hold `needle` (folded), else None:
    the first text it is found in names the hit."""
    for field, value in _texts(dataset, kind, record, themes):
        if value and any(needle in key for key in fold_variants(value)):
            name = getattr(record, "label", None) or getattr(record, "name", "") or record.title
            rank = 0 if field in _NAME_FIELDS else 1 if field in ("alias", "theme") else 2
            return rank, {
                "id": record.id,
                "kind": kind,
                "name": name,
                "matched": field,
                "text": value,
            }
    return None


def _lines_with(lines: str, needle: str) -> list[str]:
    """The ids of the lines of a text of `search_lines` that hold `needle`."""
    ids = []
    at = lines.find(needle)
    while at >= 0:
        start = lines.rfind("\n", 0, at) + 1
        ids.append(lines[start : lines.find("\t", start)])
        at = lines.find(needle, lines.find("\n", at))
    return ids


def _texts(
    dataset: Dataset, kind: str, r: Any, themes: dict[str, Theme]
) -> Iterable[tuple[str, str]]:
    """(field, text) of a record that `search` looks at, names first."""
    if kind == "network":
        return _network_texts(dataset, r, themes)
    if kind == "city":
        return [("id", r.id), ("name", r.name), ("name_en", r.name_en)] + [
            ("alias", a) for a in r.aliases
        ]
    if kind == "theme":
        return _theme_texts(r)
    return [("id", r.id), ("title", r.title), ("publisher", r.publisher)]


_NAME_FIELDS = ("id", "name", "short_name", "name_de", "name_en", "title")


def _theme_texts(theme: Theme) -> list[tuple[str, str]]:
    return [("id", theme.id), ("name", theme.name), ("name_en", theme.name_en)] + [
        ("alias", a) for a in theme.aliases
    ]


def _network_texts(
    dataset: Dataset, network: Network, themes: dict[str, Theme]
) -> Iterable[tuple[str, str]]:
    """(field, text) of everything a person might look for in a network, names first."""
    yield from [("id", network.id), ("name", network.name), ("short_name", network.short_name)]
    yield from [("name_de", network.name_de), ("name_en", network.name_en)]
    yield from (("alias", a) for a in network.aliases)
    for theme_id in network.themes:
        yield from (("theme", text) for _, text in _theme_texts(themes[theme_id]))
    yield from [("seat", network.seat), ("founded_place", network.founded_place)]
    yield from [("description", network.description)]
    yield from [("description_en", network.description_en)]
    for field, values in (
        ("working_group", network.working_groups),
        ("aim", network.aims),
        ("campaign", network.campaigns),
        ("partner_organisation", network.partner_organisations),
        ("member_organisation", network.member_organisations),
    ):
        yield from ((field, v) for v in values)
    for body in network.bodies:
        yield from [("body", body.name), ("body", body.name_en), ("body", body.description)]
    for role in network.people:
        yield from [("person", role.person), ("role", role.role), ("role", role.body)]
        yield ("role", role.note)
    for membership in dataset.memberships_by_network.get(network.id, ()):
        yield from (("member_working_group", w) for w in membership.working_groups)
        for role in membership.roles:
            yield from [("person", role.person), ("member_role", role.role)]
        yield ("member_note", membership.note)
    yield from (("figure", f.note) for f in network.figures)
    yield from (("note", n.text) for n in network.notes)


# --- sources: what each id in a "source" column stands for -------------------------


def citation(source: Source) -> str:
    """How to cite a source in one line: its own citation (else publisher and title),
    address, date retrieved and licence, as far as the data has them."""
    parts = [source.citation or f"{source.publisher}: {source.title}"]
    if source.url and source.url not in parts[0]:
        parts.append(source.url)
    if source.retrieved:
        parts.append(_("Retrieved {date}").format(date=source.retrieved))
    if source.licence and source.licence not in parts[0]:
        parts.append(_("Licence: {licence}").format(licence=source.licence))
    return ". ".join(p.rstrip(".") for p in parts) + "."


def citing(dataset: Dataset, source_id: str) -> list[dict[str, str]]:
    """The records that cite `source_id`, and in which field, in the order of the file."""
    found: list[dict[str, str]] = []

    def add(kind: str, record_id: str, name: str, field: str) -> None:
        found.append({"kind": kind, "id": record_id, "name": name, "field": field})

    for n in dataset.networks:
        if source_id in n.sources:
            add("network", n.id, n.label, "sources")
        cited = [(f"figure:{f.measure}", f.source) for f in n.figures]
        cited += [("body", b.source) for b in n.bodies] + [("person", r.source) for r in n.people]
        cited += [("note", x.source) for x in n.notes]
        for field in dict.fromkeys(field for field, source in cited if source == source_id):
            add("network", n.id, n.label, field)
    for c in dataset.cities:
        if source_id in c.sources:
            add("city", c.id, c.name, "sources")
    for m in dataset.memberships:
        if source_id in m.sources or any(r.source == source_id for r in m.roles):
            name = f"{dataset.city_by_id[m.city].name} – {dataset.network_by_id[m.network].label}"
            add("membership", f"{m.city}:{m.network}", name, "sources")
    for p in dataset.partnerships:
        if source_id in p.sources:
            add("partnership", f"{p.cities[0]}:{p.cities[1]}:{p.kind}", p.kind, "sources")
    return found

"""Join two records of one place: `citynet merge KEEP OTHER`.

Every reference to OTHER moves to KEEP (memberships, partnerships, roles); KEEP gains
OTHER's names as aliases and its sources; a fact only OTHER has is taken over; where
the two disagree, KEEP's value stays and OTHER's is kept in KEEP's note. Memberships and
partnerships that become the same are joined the same way; a relation of the two with
each other disappears (a city is not its own partner). Then OTHER is removed.

Two cities in different countries, with different Wikidata ids or more than MERGE_KM
apart are not one place: they are merged only when the user insists (`force`).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import operator
import re
from collections.abc import Sequence
from typing import Any

from .changes import replace_references
from .errors import UsageError
from .i18n import _, number
from .matching import replace_record
from .model import City, Dataset, Membership
from .names import HAS_UMLAUT, fold_lines, fold_variants, line_keys

# The facts of a city that merging takes over or records as a disagreement.
CITY_FACTS = ("country", "wikidata", "lat", "lng", "region", "population", "geonames")
RELATION_FACTS = ("since", "until", "since_text", "programme", "status", "status_since")
# A fact taken over brings the source that gives it (a relation's lifecycle).
FACT_SOURCES = {"since": "since_source", "status": "status_source"}
MERGE_KM = 50.0  # two cities farther apart are two places


def merge_refusals(keep: City, other: City) -> list[str]:
    """The rules that say two cities are two places (empty if none does)."""
    from .gazetteer import distance_km

    found = []
    if keep.country != other.country:
        found.append(
            _("{keep} is in {keep_country}, {other} in {other_country}").format(
                keep=keep.id,
                keep_country=keep.country,
                other=other.id,
                other_country=other.country,
            )
        )
    if keep.wikidata and other.wikidata and keep.wikidata != other.wikidata:
        found.append(
            _("{keep} is Wikidata's {keep_qid}, {other} is {other_qid}").format(
                keep=keep.id, keep_qid=keep.wikidata, other=other.id, other_qid=other.wikidata
            )
        )
    if None not in (keep.lat, keep.lng, other.lat, other.lng):
        km = distance_km(keep.lat, keep.lng, other.lat, other.lng)  # type: ignore[arg-type]
        if km > MERGE_KM:
            found.append(
                _("they lie {km} km apart (more than {limit} km)").format(
                    km=number(km), limit=number(MERGE_KM)
                )
            )
    return found


def merge_cities(dataset: Dataset, keep: City, other: City, *, force: bool = False) -> Dataset:
    """The dataset with `other` joined into `keep`; UsageError if they are two places
    (`merge_refusals`) unless `force`."""
    if keep.id == other.id:
        raise UsageError(f"cannot merge {keep.id!r} with itself")
    refusals = merge_refusals(keep, other)
    if refusals and not force:
        raise UsageError(
            _(
                "not merged, {keep} and {other} are two places: {why}; --force merges them anyway"
            ).format(keep=keep.id, other=other.id, why="; ".join(refusals))
        )
    moved = replace_references(dataset, "cities", other.id, keep.id)
    cities = tuple(
        _joined_city(keep, other) if c.id == keep.id else c
        for c in moved.cities
        if c.id != other.id
    )
    return Dataset(
        sources=moved.sources,
        themes=moved.themes,
        networks=moved.networks,
        cities=cities,
        memberships=tuple(
            _join_duplicates(moved.memberships, lambda m: (m.city, m.network), other.id)
        ),
        partnerships=tuple(
            _join_duplicates(
                [p for p in moved.partnerships if p.cities[0] != p.cities[1]],
                lambda p: (p.cities, p.kind),
                other.id,
            )
        ),
    )


def merge_plan(dataset: Dataset, keep: City, other: City) -> list[str]:
    """What merging `other` into `keep` moves, joins, takes over and removes, one line each."""
    lines = []
    has = {m.network for m in dataset.memberships_by_city.get(keep.id, [])}
    for m in dataset.memberships_by_city.get(other.id, []):
        what = _("joins {keep}'s") if m.network in has else _("moves to {keep}")
        lines.append(
            _("membership in {network}: {what}").format(
                network=m.network, what=what.format(keep=keep.id)
            )
        )
    relations = {(p.other(keep.id), p.kind) for p in dataset.partnerships_of(keep.id)}
    for p in dataset.partnerships_of(other.id):
        partner = p.other(other.id)
        if partner == keep.id:
            what = _("goes (a city is not its own partner)")
        elif (partner, p.kind) in relations:
            what = _("joins {keep}'s").format(keep=keep.id)
        else:
            what = _("moves to {keep}").format(keep=keep.id)
        lines.append(
            _("{kind} with {partner}: {what}").format(kind=p.kind, partner=partner, what=what)
        )
    roles = [
        (n.id, r.role)
        for n in dataset.networks
        for r in (
            *n.people,
            *(r for m in dataset.memberships_by_network.get(n.id, ()) for r in m.roles),
        )
        if r.city == other.id
    ]
    for network, role in roles:
        lines.append(
            _("role {role} in {network}: moves to {keep}").format(
                role=role, network=network, keep=keep.id
            )
        )
    joined = _joined_city(keep, other)
    if joined.aliases != keep.aliases:
        added = ", ".join(joined.aliases[len(keep.aliases) :])
        lines.append(
            _("names that become aliases of {keep}: {names}").format(keep=keep.id, names=added)
        )
    if joined.sources != keep.sources:
        added = ", ".join(joined.sources[len(keep.sources) :])
        lines.append(_("sources added: {sources}").format(sources=added))
    for fact in ("name_en", *CITY_FACTS):
        if getattr(joined, fact) != getattr(keep, fact):
            lines.append(
                _("taken over: {fact} {value}").format(fact=fact, value=getattr(joined, fact))
            )
    if joined.note != keep.note:
        lines.append(_("note of {keep}: {note}").format(keep=keep.id, note=joined.note))
    lines.append(_("{other} is removed").format(other=other.id))
    return lines


def _joined_city(keep: City, other: City) -> City:
    known = {key for name in keep.names if name for key in fold_variants(name)}
    aliases = list(keep.aliases)
    for name in (other.name, other.name_en, *other.aliases):
        keys = fold_variants(name) if name else set()
        if keys and not keys & known:
            aliases.append(name)
            known |= keys
    changes: dict[str, Any] = {
        "aliases": tuple(aliases),
        "sources": _union(keep.sources, other.sources),
    }
    if not keep.name_en and other.name_en:
        changes["name_en"] = other.name_en
    disagree = _take_over(keep, other, CITY_FACTS, changes)
    changes["note"] = _note(keep.note, other.note, other.id, disagree)
    return replace_record(keep, **changes)


def _join_duplicates(records: Sequence[Any], key: Any, other_id: str) -> list[Any]:
    """Records with the same key joined into the first: sources, lists and roles united."""
    first: dict[Any, int] = {}
    joined: list[Any] = []
    for record in records:
        k = key(record)
        if k not in first:
            first[k] = len(joined)
            joined.append(record)
            continue
        kept = joined[first[k]]
        changes: dict[str, Any] = {"sources": _union(kept.sources, record.sources)}
        disagree = _take_over(kept, record, RELATION_FACTS, changes)
        if isinstance(kept, Membership):
            changes["working_groups"] = _union(kept.working_groups, record.working_groups)
            changes["roles"] = _union(kept.roles, record.roles)
        changes["note"] = _note(kept.note, record.note, other_id, disagree)
        joined[first[k]] = replace_record(kept, **changes)
    return joined


def _take_over(keep: Any, other: Any, facts: Sequence[str], changes: dict[str, Any]) -> list[str]:
    """Take over the facts only `other` has; return the ones on which the two disagree."""
    disagree = []
    for fact in facts:
        if not hasattr(keep, fact):
            continue
        mine, theirs = getattr(keep, fact), getattr(other, fact)
        if theirs in (None, "") or mine == theirs:
            continue
        if mine in (None, ""):
            changes[fact] = theirs
            if fact in FACT_SOURCES:
                changes[FACT_SOURCES[fact]] = getattr(other, FACT_SOURCES[fact])
        else:
            disagree.append(f"{fact} {theirs}")
    return disagree


def _note(note: str, other_note: str, other_id: str, disagree: list[str]) -> str:
    parts = [note] if note else []
    if other_note and other_note != note:
        parts.append(other_note)
    if disagree:
        parts.append(f"Zusammengeführt mit {other_id}, dort abweichend: {'; '.join(disagree)}.")
    return " ".join(parts)


def _union(first: tuple[Any, ...], second: tuple[Any, ...]) -> tuple[Any, ...]:
    return (*first, *(x for x in second if x not in first))


# --- likely duplicates, for `check` -------------------------------------------------

CLOSE_KM = 10.0
# Farther apart in latitude than this is farther than CLOSE_KM (a degree is over 110 km):
# the height of the strips the scan cuts the map into.
_CLOSE_DEGREES = CLOSE_KM / 110.0


@functools.cache
def _gap(strip: int) -> float:
    """How far apart in longitude two cities of this strip and the next may lie and be
    within CLOSE_KM (360 near a pole: all round)."""
    from .gazetteer import EARTH_KM

    # Two points of these strips a longitude gap g apart lie at least
    # 2 R asin(cos(latitude) sin(g / 2)) apart, at the latitude farthest from the equator
    # (and a hair more than CLOSE_KM: a pair exactly that far apart is one to compare).
    edges = (abs(strip * _CLOSE_DEGREES), abs((strip + 2) * _CLOSE_DEGREES))
    farthest = math.radians(min(90.0, max(edges)))
    least = math.sin(CLOSE_KM * (1 + 1e-9) / (2 * EARTH_KM)) / max(math.cos(farthest), 1e-12)
    return 360.0 if least >= 1.0 else math.degrees(2 * math.asin(least))


def likely_duplicates(dataset: Dataset) -> list[tuple[City, City, str]]:
    """Pairs of cities that are probably one place, and why: same country, similar names,
    and coordinates within CLOSE_KM (or no coordinates and a name in common).

    Cities with different Wikidata or GeoNames ids are different places. Each country
    is cut into strips _CLOSE_DEGREES high, ordered by longitude: a city is compared
    only with the cities after it in its strip and those of the next strip that lie
    within the strip's longitude gap, found by bisection.
    """
    from .gazetteer import distance_km

    signs: dict[str, set[object]] = {}  # by city id: a city meets several neighbours

    def sign(city: City) -> set[object]:
        made = signs.get(city.id)
        if made is None:
            texts = dict.fromkeys(city.names)
            texts.pop("", None)
            made = signs[city.id] = _sign(list(texts))
        return made

    strips: dict[tuple[str, int], list[City]] = {}
    unplaced: dict[tuple[str, str], list[City]] = {}
    for city in dataset.cities:
        if city.lat is None or city.lng is None:
            for key in set().union(*map(fold_variants, city.names)):
                unplaced.setdefault((city.country, key), []).append(city)
            continue
        strips.setdefault((city.country, int(city.lat // _CLOSE_DEGREES)), []).append(city)
    longitudes: dict[tuple[str, int], list[float]] = {}
    for place, members in strips.items():
        members.sort(key=_LONGITUDE)
        longitudes[place] = list(map(_LONGITUDE, members))
    found: dict[tuple[str, str], tuple[City, City, str]] = {}
    # looked up once: the loop below runs for each of ten thousand cities
    left, right, close = bisect.bisect_left, bisect.bisect_right, _CLOSE_DEGREES
    for (country, strip), members in strips.items():
        gap, lngs = _gap(strip), longitudes[(country, strip)]
        next_members = strips.get((country, strip + 1), [])
        next_lngs = longitudes.get((country, strip + 1), [])
        for i, first in enumerate(members):
            lng = first.lng
            # in its strip, the cities after it are less than _CLOSE_DEGREES away in
            # latitude; in the next one, they may be more
            candidates = members[i + 1 : right(lngs, lng + gap, i + 1)]  # type: ignore[operator]
            if next_lngs:
                start = left(next_lngs, lng - gap)  # type: ignore[operator]
                candidates += next_members[start : right(next_lngs, lng + gap, start)]  # type: ignore[operator]
            if not candidates:  # most cities of a sparse strip
                continue
            lat, wikidata, geonames = first.lat, first.wikidata, first.geonames
            mine = None  # first's sign, made when a pair gets that far
            for second in candidates:
                if second.lat - lat > close:  # type: ignore[operator]
                    continue
                # _may_be_one, written out: a call per pair cost more than the test
                if wikidata and second.wikidata and wikidata != second.wikidata:
                    continue
                if geonames and second.geonames and geonames != second.geonames:
                    continue
                if mine is None:
                    mine = sign(first)
                theirs = signs.get(second.id)  # written out: a call per pair cost more
                if mine.isdisjoint(theirs if theirs is not None else sign(second)):
                    continue
                city, other = (first, second) if first.id < second.id else (second, first)
                km = distance_km(city.lat, city.lng, other.lat, other.lng)  # type: ignore[arg-type]
                if km <= CLOSE_KM:
                    found[(city.id, other.id)] = (
                        city,
                        other,
                        _("{km} km apart").format(km=number(km, 1)),
                    )
    for bucket in unplaced.values():
        for city in bucket:
            for other in bucket:
                if city.id < other.id and _may_be_one(city, other):
                    found.setdefault((city.id, other.id), (city, other, _("same name")))
    return [found[k] for k in sorted(found)]


_LONGITUDE = operator.attrgetter("lng")


def _may_be_one(a: City, b: City) -> bool:
    return not (a.wikidata and b.wikidata and a.wikidata != b.wikidata) and not (
        a.geonames and b.geonames and a.geonames != b.geonames
    )


# Words that name the kind of place, not the place: "Mestna občina Celje" is Celje.
_GENERIC = frozenset(
    [
        "city",
        "of",
        "the",
        "town",
        "municipality",
        "municipio",
        "municipal",
        "comune",
        "gemeinde",
        "stadt",
        "mestna",
        "obcina",
        "ville",
        "metropole",
        "metropolis",
        "metropolitan",
        "grand",
        "greater",
        "urban",
        "district",
        "kommune",
        "gmina",
        "miasto",
        "concello",
        "ayuntamiento",
        "ajuntament",
        "council",
        "borough",
    ]
)


_NO_WORDS: frozenset[str] = frozenset()
_AFTER_COMMA = re.compile(",[^\n]*")


def _sign(names: list[str]) -> set[object]:
    """The entries of these names, together. A name's entries are its keys
    (`names.fold_variants`) and its core: its words, folded, without the generic ones
    (and before a comma: "Munster, Lower Saxony" is Munster). Two names that differ only
    in generic words have the same core; a name of generic words alone has one entry
    per word, as it matches another such name sharing one. (A key is a string, a core
    is not: they never meet.) The names are folded together (`names.fold_lines`), in
    one way for every script."""
    folded = fold_lines(names)
    sign: set[object] = set(line_keys(folded))
    if any(map(HAS_UMLAUT.search, names)):  # and the keys with umlauts spelled out
        sign.update(line_keys(fold_lines(names, umlauts=True)))
    sign.discard("")  # a name without letters or digits has no key
    heads = (_AFTER_COMMA.sub("", folded) if "," in folded else folded).split("\n")
    words = list(map(frozenset, map(str.split, heads)))
    cores = set(map(frozenset.difference, words, itertools.repeat(_GENERIC)))
    if _NO_WORDS in cores:  # a name of generic words alone (or of none)
        cores.discard(_NO_WORDS)
        for each in words:
            if each <= _GENERIC:
                sign.update(("generic", word) for word in each)
    sign.update(cores)
    return sign

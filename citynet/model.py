"""The records of a citynet dataset, as frozen dataclasses: no I/O, no CLI.

Field names and order follow the TOML schema (docs/schema.md); `store` reads and
writes them generically from these definitions, so a field added here is a field
of the file format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

SCHEMA_VERSION = 1

SCOPES: tuple[str, ...] = ("global", "europe", "national", "regional")
PARTNERSHIP_KINDS: tuple[str, ...] = (
    "partnership",
    "friendship",
    "contact",
    "project",
    "cooperation",
    "exchange",
    "twinning",
)
MEASURES: tuple[str, ...] = ("members", "countries", "other")
QUALIFIERS: tuple[str, ...] = ("", "über", "fast", "rund", "mehr als", "nahezu", "knapp", "aktuell")

# German labels for the fixed vocabularies; the data is German first.
SCOPE_LABELS = {
    "global": "weltweit",
    "europe": "Europa",
    "national": "national",
    "regional": "regional",
}
KIND_LABELS = {
    "partnership": "Städtepartnerschaft",
    "friendship": "Städtefreundschaft",
    "contact": "Kontakt",
    "project": "Projektpartnerschaft",
    "cooperation": "Zusammenarbeit",
    "exchange": "Fachaustausch",
    "twinning": "Städteverbindung (Art unbekannt)",
}


class _Record:
    """Base of the records: pickles as a plain constructor call.

    Frozen slotted dataclasses otherwise unpickle field by field through
    object.__setattr__, which made loading a large cached dataset 3.5× slower.
    Records are declared with repr=False and share the __repr__ below.
    """

    __slots__: tuple[str, ...] = ()

    # One __repr__ for all records: a generated one per class costs start-up time.
    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), tuple(getattr(self, name) for name in self.__slots__))


@dataclass(frozen=True, slots=True, repr=False)
class Source(_Record):
    id: str
    publisher: str
    title: str
    language: str
    file: str = ""
    url: str = ""
    note: str = ""
    date: str = ""
    citation: str = ""


@dataclass(frozen=True, slots=True, repr=False)
class Theme(_Record):
    id: str
    name: str
    name_en: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, repr=False)
class Figure(_Record):
    """A number a document states, with its qualifier ("über", "fast") and what it counts."""

    measure: str
    value: int
    unit: str
    source: str
    qualifier: str = ""
    year: int | None = None
    note: str = ""

    @property
    def text(self) -> str:
        """The figure as a person reads it: "über 200 europäische Großstädte"."""
        number = f"{self.value:,}".replace(",", ".")
        return " ".join(part for part in (self.qualifier, number, self.unit) if part)


@dataclass(frozen=True, slots=True, repr=False)
class Body(_Record):
    name: str
    source: str
    name_en: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True, repr=False)
class Role(_Record):
    """A role held by a member city or by a named person, with its period."""

    role: str
    source: str
    person: str = ""
    body: str = ""
    city: str = ""
    since: int | None = None
    until: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True, repr=False)
class Note(_Record):
    text: str
    source: str = ""
    doubtful: bool = False


@dataclass(frozen=True, slots=True, repr=False)
class Network(_Record):
    id: str
    name: str
    scope: str
    sources: tuple[str, ...]
    short_name: str = ""
    name_de: str = ""
    name_en: str = ""
    aliases: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    founded: int | None = None
    founded_place: str = ""
    seat: str = ""
    homepage: str = ""
    wikidata: str = ""
    description: str = ""
    description_en: str = ""
    parent: str = ""
    related: tuple[str, ...] = ()
    partner_organisations: tuple[str, ...] = ()
    member_organisations: tuple[str, ...] = ()
    aims: tuple[str, ...] = ()
    campaigns: tuple[str, ...] = ()
    working_groups: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()
    bodies: tuple[Body, ...] = ()
    people: tuple[Role, ...] = ()
    notes: tuple[Note, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a person might use for this network, the id first."""
        return (self.id, self.name, self.short_name, self.name_de, self.name_en, *self.aliases)

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def member_figure(self) -> Figure | None:
        """The first stated member count, for one-line listings."""
        return next((f for f in self.figures if f.measure == "members"), None)


@dataclass(frozen=True, slots=True, repr=False)
class City(_Record):
    id: str
    name: str
    country: str
    sources: tuple[str, ...]
    name_en: str = ""
    aliases: tuple[str, ...] = ()
    wikidata: str = ""
    lat: float | None = None
    lng: float | None = None
    region: str = ""
    population: int | None = None
    geonames: str = ""
    note: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.id, self.name, self.name_en, *self.aliases)

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True, repr=False)
class Membership(_Record):
    city: str
    network: str
    sources: tuple[str, ...]
    since: int | None = None
    until: int | None = None
    since_text: str = ""
    working_groups: tuple[str, ...] = ()
    roles: tuple[Role, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True, repr=False)
class Partnership(_Record):
    """A relation between two cities; stored once per pair and kind, true both ways."""

    cities: tuple[str, str]
    kind: str
    sources: tuple[str, ...]
    since: int | None = None
    until: int | None = None
    programme: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        # One canonical order per pair, so a pair reads and compares the same both ways.
        if len(self.cities) == 2 and self.cities[0] > self.cities[1]:
            object.__setattr__(self, "cities", (self.cities[1], self.cities[0]))

    def other(self, city_id: str) -> str:
        """The partner of `city_id` in this pair."""
        first, second = self.cities
        return second if city_id == first else first


@dataclass(frozen=True)
class Dataset:
    """A whole, validated dataset; the indexes are built on first use."""

    sources: tuple[Source, ...] = ()
    themes: tuple[Theme, ...] = ()
    networks: tuple[Network, ...] = ()
    cities: tuple[City, ...] = ()
    memberships: tuple[Membership, ...] = ()
    partnerships: tuple[Partnership, ...] = ()
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def lazy(
        cls,
        sections: dict[str, Callable[[], tuple[Any, ...]]],
        partnerships_of: Callable[[str], list[Partnership]] | None = None,
    ) -> Dataset:
        """A dataset whose sections are made by the given functions on first use.

        The cache uses it: a command that needs only networks and memberships never
        builds the 50,000 partnerships of a large dataset, and `partnerships_of`,
        if given, finds one city's partnerships without building the rest.
        """
        dataset = object.__new__(cls)
        dataset.__dict__["_lazy_sections"] = dict(sections)
        dataset.__dict__["_partnerships_of"] = partnerships_of
        return dataset

    def __getattr__(self, name: str) -> Any:
        # Reached only for a section not yet made (the class attributes that
        # dataclass leaves for defaults are removed below the class).
        pending = self.__dict__.get("_lazy_sections", {})
        if name in pending:
            value = pending.pop(name)()
            self.__dict__[name] = value  # frozen: write past __setattr__, as cached_property does
            return value
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @cached_property
    def network_by_id(self) -> dict[str, Network]:
        return {n.id: n for n in self.networks}

    @cached_property
    def city_by_id(self) -> dict[str, City]:
        return {c.id: c for c in self.cities}

    @cached_property
    def source_by_id(self) -> dict[str, Source]:
        return {s.id: s for s in self.sources}

    @cached_property
    def memberships_by_city(self) -> dict[str, list[Membership]]:
        index: dict[str, list[Membership]] = {}
        for m in self.memberships:
            index.setdefault(m.city, []).append(m)
        return index

    @cached_property
    def memberships_by_network(self) -> dict[str, list[Membership]]:
        index: dict[str, list[Membership]] = {}
        for m in self.memberships:
            index.setdefault(m.network, []).append(m)
        return index

    def partnerships_of(self, city_id: str) -> list[Partnership]:
        """One city's partnerships, the cheapest way at hand: the index once it exists,
        else the lazy dataset's own finder, else one pass over the partnerships."""
        index = self.__dict__.get("partnerships_by_city")
        if index is not None:
            return list(index.get(city_id, ()))
        find: Callable[[str], list[Partnership]] | None = self.__dict__.get("_partnerships_of")
        if find is not None and "partnerships" not in self.__dict__:
            return find(city_id)
        return [p for p in self.partnerships if city_id in p.cities]

    @cached_property
    def partnerships_by_city(self) -> dict[str, list[Partnership]]:
        index: dict[str, list[Partnership]] = {}
        for p in self.partnerships:
            for city_id in p.cities:
                index.setdefault(city_id, []).append(p)
        return index


# The top-level arrays of tables of a data file, in file order, and their record types.
SECTIONS: dict[str, type] = {
    "sources": Source,
    "themes": Theme,
    "networks": Network,
    "cities": City,
    "memberships": Membership,
    "partnerships": Partnership,
}

# The dataclass keeps each default as a class attribute, which would answer before
# __getattr__ could make a lazy section; __init__ has its own copy of the defaults.
for _section in SECTIONS:
    delattr(Dataset, _section)
del _section

"""The records of a citynet dataset and the one description of its schema: no I/O, no CLI.

Each record is a frozen msgspec Struct. Its annotations are the schema: the type
of each field, whether it has a default (optional) or not (required), and a
`Rule` for what the type alone cannot say: which section an id refers to, which
vocabulary a word comes from, which years are sane. `citynet.schema` reads this
description once, and validation, references, renaming, cascades, the options of
`add`/`edit`, `citynet fields` and the docs all follow from it, so a field added
here is a field of the file format everywhere. The string under a field says what
it holds: `citynet.contract` reads it for the docs, the JSON Schemas and the
metadata of `export sqlite`; the JSON objects, their schemas and the SQL tables
follow from the fields themselves.

msgspec rather than dataclasses: its classes are made in microseconds instead of
about a millisecond each (start-up time), and the cache decodes its bytes into
these typed records without running code. Records are declared `gc=False` (they
hold only strings, numbers and tuples of those or of records, so they cannot form
cycles, and the collector need not walk 90,000 of them) and `array_like=True` (the
cache stores a record as an array, not a map: on the large benchmark dataset 5.7
instead of 10.9 MB, decoded in 65 instead of 176 ms).
"""

# No `from __future__ import annotations` here: msgspec reads these annotations when a
# command first decodes records, and each string annotation would cost it an evaluation.
import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import cached_property
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated, Any, Generic, Protocol, TypeVar, overload
from weakref import ReferenceType, ref

from msgspec import Struct
from msgspec.structs import force_setattr

from .i18n import N_

if TYPE_CHECKING:
    from .names import NameIndex

SCHEMA_VERSION = 1
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)
# A year something happened in: none after this one (`--founded 2090` is a typo). An end
# or a target (until, a figure's year) may lie ahead, up to FUTURE_YEAR.
YEAR_RANGE = (1800, date.today().year)
FUTURE_YEAR = 2100
# The whole numbers a field may hold: 64 bits, what the cache (MessagePack), SQLite and
# JSON readers carry. `citynet.schema` bounds every whole-number field by this range
# unless its Rule sets a narrower span.
INT_RANGE = (-(2**63), 2**63 - 1)


class Rule:
    """What a field's type cannot say: set in the annotation, read by `citynet.schema`."""

    __slots__ = (
        "choices",
        "expected",
        "future",
        "not_blank",
        "not_empty",
        "pattern",
        "refers",
        "span",
        "year",
    )

    def __init__(
        self,
        *,
        refers: str = "",
        choices: tuple[str, ...] = (),
        pattern: str = "",
        expected: str = "",
        year: bool = False,
        future: bool = False,
        not_blank: bool = False,
        not_empty: bool = False,
        span: tuple[float, float] | None = None,
    ) -> None:
        self.refers = refers  # the section whose ids this field holds
        self.choices = choices  # the vocabulary of the field
        self.pattern = pattern  # a regular expression the whole value matches …
        self.expected = expected  # … described for people
        self.year = year  # a year within YEAR_RANGE
        self.future = future  # … or ahead of it, up to FUTURE_YEAR
        self.not_blank = not_blank  # text that must say something
        self.not_empty = not_empty  # a list with at least one item
        self.span = span  # the range of a number


# --- vocabularies ---------------------------------------------------------------
# Each vocabulary maps its ids to the words a person may use for them: first the
# label tables show (English, translated through the message catalog, so German
# tables say "Städtepartnerschaft"), then other German and English words.

SCOPES: dict[str, tuple[str, ...]] = {
    "global": (N_("worldwide"), "weltweit", "international", "world"),
    "europe": (N_("Europe"), "Europa", "europäisch", "european"),
    "national": (N_("national"), "bundesweit", "nationwide"),
    "regional": (N_("regional"),),
}
PARTNERSHIP_KINDS: dict[str, tuple[str, ...]] = {
    "partnership": (
        N_("twinning partnership"),
        "Städtepartnerschaft",
        "Partnerschaft",
        "Partnerstadt",
        "sister city",
    ),
    "friendship": (N_("friendship"), "Städtefreundschaft", "Freundschaft", "friendship city"),
    "contact": (N_("contact"), "Kontakt", "Städtekontakt"),
    "project": (N_("project partnership"), "Projektpartnerschaft", "Projekt"),
    "cooperation": (N_("cooperation"), "Zusammenarbeit", "Kooperation"),
    "exchange": (N_("expert exchange"), "Fachaustausch", "Austausch"),
    # Imported links whose kind the source does not say (Wikidata's P190): never formal.
    "twinning": (
        N_("twinning of unknown kind"),
        "Städteverbindung (Art unbekannt)",
        "Städteverbindung",
        "twin town",
    ),
}
MEASURES: dict[str, tuple[str, ...]] = {
    "members": (N_("members"), "Mitglieder"),
    "countries": (N_("countries"), "Länder"),
    "other": (N_("other"), "andere"),
}
# The state of a relation (a partnership or a membership); "" where no document says,
# which a query in time reads as in force between `since` and `until`.
STATUSES: dict[str, tuple[str, ...]] = {
    "active": (N_("active"), "aktiv", "bestehend", "in force"),
    "suspended": (N_("suspended"), "ruhend", "ausgesetzt", "suspendiert", "eingefroren"),
    "ended": (N_("ended"), "beendet", "aufgelöst", "gekündigt", "un-twinned"),
}
QUALIFIERS: tuple[str, ...] = ("", "über", "fast", "rund", "mehr als", "nahezu", "knapp", "aktuell")

ID_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

# The kinds of field, as annotations.
Id = Annotated[str, Rule(pattern=ID_PATTERN, expected="a lower-case slug like 'klima-buendnis'")]
SourceId = Annotated[str, Rule(refers="sources")]
ThemeId = Annotated[str, Rule(refers="themes")]
NetworkId = Annotated[str, Rule(refers="networks")]
CityId = Annotated[str, Rule(refers="cities")]
Sources = Annotated[tuple[SourceId, ...], Rule(not_empty=True)]
Text = Annotated[str, Rule(not_blank=True)]
Year = Annotated[int | None, Rule(year=True)]
LaterYear = Annotated[int | None, Rule(year=True, future=True)]
Country = Annotated[str, Rule(pattern="[A-Z]{2}", expected="an ISO 3166-1 code like 'DE'")]
Wikidata = Annotated[str, Rule(pattern="Q[1-9][0-9]*", expected="a QID like 'Q64'")]
Count = Annotated[int, Rule(span=(0, INT_RANGE[1]))]
Status = Annotated[str, Rule(choices=("", *STATUSES))]


class Source(Struct, frozen=True, gc=False, array_like=True):
    """A document or table the data rests on, and how to cite it."""

    id: Id
    """the source's id, which records cite"""
    publisher: Text
    """who published the document"""
    title: Text
    """the document's title"""
    language: str
    """the document's language, ISO 639-1"""
    file: str = ""
    """the stored copy of the document in the source collection"""
    url: str = ""
    """where the document was published"""
    note: str = ""
    """what the document covers"""
    date: str = ""
    """when the document or table was published, as it says"""
    citation: str = ""
    """how to cite the source, as its authors ask"""
    licence: str = ""
    """the terms the source is used under"""
    retrieved: Annotated[str, Rule(pattern=DATE_PATTERN, expected="a date like '2026-12-03'")] = ""
    """when the source was read (an import: the day it ran)"""


class Theme(Struct, frozen=True, gc=False, array_like=True):
    """A word of the theme vocabulary of the networks (German slugs)."""

    id: Id
    """the theme's id, a German slug"""
    name: Text
    """German name"""
    name_en: str = ""
    """English name"""
    aliases: tuple[str, ...] = ()
    """other words for it, in any language"""


class Figure(Struct, frozen=True, gc=False, array_like=True):
    """A number a document states, with its qualifier ("über", "fast") and what it counts."""

    measure: Annotated[str, Rule(choices=tuple(MEASURES))]
    """what is counted"""
    value: Count
    """the number as the document states it"""
    unit: Text
    """what is counted, in the document's words (German)"""
    source: SourceId
    """the document that states it"""
    qualifier: Annotated[str, Rule(choices=QUALIFIERS)] = ""
    """the word before the number: über, fast, rund … (none: exact)"""
    year: LaterYear = None
    """the year the figure refers to"""
    note: str = ""
    """remark"""

    @property
    def text(self) -> str:
        """The figure as a person reads it: "über 200 europäische Großstädte"."""
        number = f"{self.value:,}".replace(",", ".")
        return " ".join(part for part in (self.qualifier, number, self.unit) if part)


class Body(Struct, frozen=True, gc=False, array_like=True):
    """An organ of a network: an assembly, a board, a committee."""

    name: Text
    """name"""
    source: SourceId
    """the document that names it"""
    name_en: str = ""
    """English name"""
    description: str = ""
    """what it does, in our own words"""


class Role(Struct, frozen=True, gc=False, array_like=True):
    """A role held by a member city or by a named person, with its period."""

    role: Text
    """the role, in German"""
    source: SourceId
    """the document that states it"""
    person: str = ""
    """the person holding it"""
    body: str = ""
    """the body or working group it is held in"""
    city: CityId = ""
    """the city the person comes from, or the role is held for"""
    since: Year = None
    """held since"""
    until: LaterYear = None
    """held until"""
    note: str = ""
    """remark"""
    ended: bool = False
    """whether the documents say the role ended, where they give no year (else: until)"""


class Note(Struct, frozen=True, gc=False, array_like=True):
    """A remark on a network: a doubt, a disagreement between documents."""

    text: Text
    """the note"""
    source: SourceId = ""
    """the document it concerns"""
    doubtful: bool = False
    """true if the documents' claim looks wrong"""


class Network(Struct, frozen=True, gc=False, array_like=True):
    """A city network: a network of cities, European or international."""

    id: Id
    """the network's id, unique among networks and cities"""
    name: Text
    """full name"""
    scope: Annotated[str, Rule(choices=tuple(SCOPES))]
    """where its members are"""
    sources: Sources
    """the documents the record rests on"""
    short_name: str = ""
    """short name or acronym"""
    name_de: str = ""
    """German name, where it differs"""
    name_en: str = ""
    """English name"""
    aliases: tuple[str, ...] = ()
    """other names, spellings, abbreviations"""
    themes: tuple[ThemeId, ...] = ()
    """its themes"""
    founded: Year = None
    """the year it was founded"""
    founded_place: str = ""
    """where it was founded, as text"""
    seat: str = ""
    """where its secretariat is, as text"""
    homepage: str = ""
    """web site"""
    wikidata: Wikidata = ""
    """Wikidata id"""
    description: str = ""
    """description in German, in our own words"""
    description_en: str = ""
    """description in English"""
    parent: NetworkId = ""
    """the network it belongs to"""
    related: tuple[NetworkId, ...] = ()
    """related networks"""
    partner_organisations: tuple[str, ...] = ()
    """partners that are not networks, as text"""
    member_organisations: tuple[str, ...] = ()
    """members that are not cities, as text"""
    aims: tuple[str, ...] = ()
    """aims, as short phrases in our own words"""
    campaigns: tuple[str, ...] = ()
    """campaigns"""
    working_groups: tuple[str, ...] = ()
    """working groups"""
    figures: tuple[Figure, ...] = ()
    """numbers the documents state, each with its source"""
    bodies: tuple[Body, ...] = ()
    """governing bodies"""
    people: tuple[Role, ...] = ()
    """people named in a role for the network as a whole"""
    notes: tuple[Note, ...] = ()
    """remarks, doubts, disagreements"""

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


class City(Struct, frozen=True, gc=False, array_like=True):
    """A city: a member of networks or a partner of other cities."""

    id: Id
    """the city's id, unique among networks and cities"""
    name: Text
    """German name"""
    country: Country
    """the country"""
    sources: Sources
    """the documents the record rests on"""
    name_en: str = ""
    """English name"""
    aliases: tuple[str, ...] = ()
    """other names and spellings"""
    wikidata: Wikidata = ""
    """Wikidata id"""
    lat: Annotated[float | None, Rule(span=(-90, 90))] = None
    """latitude"""
    lng: Annotated[float | None, Rule(span=(-180, 180))] = None
    """longitude"""
    region: str = ""
    """first-level region: GeoNames' admin1 code with the country (DE.02 is Bayern)"""
    population: Annotated[int | None, Rule(span=(0, INT_RANGE[1]))] = None
    """inhabitants, from the gazetteer"""
    geonames: str = ""
    """GeoNames id of the place"""
    note: str = ""
    """remarks, such as facts two merged records disagreed on"""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.id, self.name, self.name_en, *self.aliases)

    @property
    def label(self) -> str:
        return self.name


class Membership(Struct, frozen=True, gc=False, array_like=True):
    """A city's membership in a network."""

    city: CityId
    """the member city"""
    network: NetworkId
    """the network"""
    sources: Sources
    """the documents that state it"""
    since: Year = None
    """member since"""
    until: LaterYear = None
    """member until"""
    since_text: str = ""
    """the period in the documents' words, when they give no year"""
    working_groups: tuple[str, ...] = ()
    """working groups the city takes part in"""
    roles: tuple[Role, ...] = ()
    """roles of the city or of its people in the network"""
    note: str = ""
    """remark"""
    since_source: SourceId = ""
    """the document that gives the year since"""
    status: Status = ""
    """the state of the relation, where a document gives one"""
    status_since: Year = None
    """the year of the last change of status"""
    status_source: SourceId = ""
    """the document that gives the status"""


class Partnership(Struct, frozen=True, gc=False, array_like=True):
    """A relation between two cities; stored once per pair and kind, true both ways."""

    cities: tuple[CityId, CityId]
    """the two cities, the first by id first"""
    kind: Annotated[str, Rule(choices=tuple(PARTNERSHIP_KINDS))]
    """the kind of relation"""
    sources: Sources
    """the documents that state it"""
    since: Year = None
    """since"""
    until: LaterYear = None
    """until"""
    programme: str = ""
    """the exchange programme or project it belongs to"""
    note: str = ""
    """remark"""
    since_source: SourceId = ""
    """the document that gives the year since"""
    status: Status = ""
    """the state of the relation, where a document gives one"""
    status_since: Year = None
    """the year of the last change of status"""
    status_source: SourceId = ""
    """the document that gives the status"""

    def __post_init__(self) -> None:
        # One canonical order per pair, so a pair reads and compares the same both ways.
        if len(self.cities) == 2 and self.cities[0] > self.cities[1]:
            force_setattr(self, "cities", (self.cities[1], self.cities[0]))

    def other(self, city_id: str) -> str:
        """The partner of `city_id` in this pair."""
        first, second = self.cities
        return second if city_id == first else first


Record = Source | Theme | Network | City | Membership | Partnership


class Pending(Protocol[R_co]):
    """A section whose records are still encoded (as the cache holds them)."""

    def __len__(self) -> int: ...

    def records(self) -> tuple[R_co, ...]:
        """Every record, decoded."""
        ...

    def by_id(self) -> Mapping[str, R_co]:
        """The records by id, each decoded when it is first looked up."""
        ...

    def ids(self) -> Sequence[str]:
        """The records' ids, in order, none decoded."""
        ...

    def referring(self, field: str) -> Mapping[str, Sequence[R_co]]:
        """The records by each id their `field` names (a field of INDEXED), decoded
        when they are first looked up."""
        ...

    def mentions(self, texts: Iterable[str]) -> bool:
        """Whether any of `texts` may stand in a record (if not, none holds it),
        without decoding one."""
        ...


class _Section(Generic[R]):
    """A section of a Dataset: a tuple of records, decoded on first use where it was
    given as `Pending`, so a command decodes only the sections it reads."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, dataset: None, owner: type) -> "_Section[R]": ...
    @overload
    def __get__(self, dataset: "Dataset", owner: type) -> tuple[R, ...]: ...
    def __get__(self, dataset: "Dataset | None", owner: type) -> "tuple[R, ...] | _Section[R]":
        if dataset is None:
            return self
        records: tuple[R, ...] = dataset._pending.pop(self.name).records()
        dataset.__dict__[self.name] = records
        return records


class Dataset:
    """A whole, validated dataset: a plain value; its indexes are made on first use.

    A section may be given `Pending`: it is decoded when it is first read, and its
    records by id (`city_by_id`) one at a time before that, so `partners berlin`
    decodes Berlin and its partners rather than every city.
    """

    # Sections live in the instance dict (where `_Section` puts them once decoded),
    # beside the indexes that cached_property keeps there.
    sources = _Section[Source]()
    themes = _Section[Theme]()
    networks = _Section[Network]()
    cities = _Section[City]()
    memberships = _Section[Membership]()
    partnerships = _Section[Partnership]()

    def __init__(
        self,
        sources: "tuple[Source, ...] | Pending[Source]" = (),
        themes: "tuple[Theme, ...] | Pending[Theme]" = (),
        networks: "tuple[Network, ...] | Pending[Network]" = (),
        cities: "tuple[City, ...] | Pending[City]" = (),
        memberships: "tuple[Membership, ...] | Pending[Membership]" = (),
        partnerships: "tuple[Partnership, ...] | Pending[Partnership]" = (),
        schema_version: int = SCHEMA_VERSION,
    ) -> None:
        given = dict(
            sources=sources,
            themes=themes,
            networks=networks,
            cities=cities,
            memberships=memberships,
            partnerships=partnerships,
        )
        self._pending: dict[str, Pending[Any]] = {}
        # What `records_changed` found from a dataset this one was made from, by section
        # (a weak reference: a chain of edits in one program does not keep every step).
        self._changed_from: dict[
            str, tuple[ReferenceType[Dataset], tuple[list[Any], list[Any]] | None]
        ] = {}
        self._positions: dict[tuple[str, str], dict[str, list[int]]] = {}
        for name, records in given.items():
            if isinstance(records, tuple | list):
                self.__dict__[name] = tuple(records)
            else:
                self._pending[name] = records
        self.schema_version = schema_version

    def section(self, name: str) -> "tuple[Any, ...] | Pending[Any]":
        """A section as it is held: its records, or still `Pending`."""
        pending = self._pending.get(name)
        return self.__dict__[name] if pending is None else pending

    def replace(self, **sections: tuple[Any, ...]) -> "Dataset":
        """This dataset with the given sections replaced; the others are carried over as
        they are held (a pending one stays undecoded)."""
        held = {name: sections.get(name, self.section(name)) for name in _SECTION_NAMES}
        return Dataset(**held, schema_version=self.schema_version)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dataset):
            return NotImplemented
        return self.schema_version == other.schema_version and all(
            getattr(self, name) == getattr(other, name) for name in _SECTION_NAMES
        )

    __hash__ = None  # type: ignore[assignment]

    def ids(self, section: str) -> Sequence[str]:
        """The ids of a section's records, in order (a pending one stays undecoded)."""
        pending = self._pending.get(section)
        return pending.ids() if pending is not None else [r.id for r in getattr(self, section)]

    def __repr__(self) -> str:
        counts = ", ".join(f"{name}={len(self.section(name))}" for name in _SECTION_NAMES)
        return f"Dataset({counts})"

    @cached_property
    def network_by_id(self) -> Mapping[str, Network]:
        return self._by_id("networks")

    @cached_property
    def city_by_id(self) -> Mapping[str, City]:
        return self._by_id("cities")

    @cached_property
    def source_by_id(self) -> Mapping[str, Source]:
        return self._by_id("sources")

    def _by_id(self, name: str) -> Mapping[str, Any]:
        pending = self._pending.get(name)
        if pending is not None:
            return pending.by_id()
        return {record.id: record for record in getattr(self, name)}

    def referring(self, section: str, field: str) -> Mapping[str, Sequence[Any]]:
        """The records of a section by each id their `field` names (a field of INDEXED):
        a pending section answers from the index its entry keeps."""
        return self._referring(section, field)

    @cached_property
    def memberships_by_city(self) -> Mapping[str, Sequence[Membership]]:
        return self._referring("memberships", "city")

    @cached_property
    def memberships_by_network(self) -> Mapping[str, Sequence[Membership]]:
        return self._referring("memberships", "network")

    @cached_property
    def partnerships_by_city(self) -> Mapping[str, Sequence[Partnership]]:
        return self._referring("partnerships", "cities")

    def _referring(self, section: str, field: str) -> Mapping[str, Sequence[Any]]:
        """The records of a section by each id their `field` names (see INDEXED)."""
        pending = self._pending.get(section)
        if pending is not None:
            return pending.referring(field)
        records = getattr(self, section)
        return {
            key: [records[at] for at in found]
            for key, found in self.positions(section, field).items()
        }

    def positions(self, section: str, field: str) -> dict[str, list[int]]:
        """Where the records of a section stand by each id their `field` names (see
        INDEXED), made once: a cold read indexes them for its query and for the cache
        entry it writes."""
        found = self._positions.get((section, field))
        if found is None:
            found = positions_by_id(getattr(self, section), field)
            self._positions[section, field] = found
        return found

    def partnerships_of(self, city_id: str) -> Sequence[Partnership]:
        """One city's partnerships, in both directions."""
        return self.partnerships_by_city.get(city_id, [])

    @cached_property
    def children_of(self) -> dict[str, list[Network]]:
        """Networks by the id of their parent network."""
        index: dict[str, list[Network]] = {}
        for n in self.networks:
            if n.parent:
                index.setdefault(n.parent, []).append(n)
        return index

    @cached_property
    def name_index(self) -> "NameIndex":
        """Every name of every network and city, folded (see `citynet.names`)."""
        from .names import NameIndex

        return NameIndex.build(self)


# The top-level arrays of tables of a data file, in file order, and their record types;
# a record's kind, as commands name it, is its type's name in lower case.
SECTIONS: dict[str, type[Record]] = {
    "sources": Source,
    "themes": Theme,
    "networks": Network,
    "cities": City,
    "memberships": Membership,
    "partnerships": Partnership,
}
_SECTION_NAMES = tuple(SECTIONS)


def positions_by_id(records: Sequence[Any], field: str) -> dict[str, list[int]]:
    """Where the records stand, by each id their `field` names (one id, or a tuple)."""
    positions: dict[str, list[int]] = {}
    named = list(map(attrgetter(field), records))
    if named and isinstance(named[0], tuple):  # a field holds ids or one id, always
        for at, keys in enumerate(named):
            for key in keys:
                positions.setdefault(key, []).append(at)
    else:
        for at, key in enumerate(named):
            positions.setdefault(key, []).append(at)
    return positions


def records_changed(old: Dataset, new: Dataset, section: str) -> tuple[list[Any], list[Any]] | None:
    """The records of a section that went and that came from `old` to `new` (an edit
    keeps each record it does not change as the same object); None where most of
    them came (what is made of the section is then better made afresh). Found once
    for a pair of datasets: an edit asks for each section several times."""
    if old.section(section) is new.section(section):
        return [], []
    known = new._changed_from.get(section)
    if known is None or known[0]() is not old:
        found = _went_came(getattr(old, section), getattr(new, section))
        known = new._changed_from[section] = (ref(old), found)
    found = known[1]
    return None if found is None else (list(found[0]), list(found[1]))


def _went_came(before: Sequence[Any], after: Sequence[Any]) -> tuple[list[Any], list[Any]] | None:
    # By identity, each step in C: a section of 11,000 cities is asked after each edit.
    # The common beginning and end are found by halving; only what lies between (a few
    # records, after an edit) is compared as sets.
    ids_before, ids_after = list(map(id, before)), list(map(id, after))
    head, end_before, end_after = differing_span(ids_before, ids_after)
    was, now = set(ids_before[head:end_before]), set(ids_after[head:end_after])
    # One object that also stands in the common beginning or end did not come or go.
    came_ids = _outside(now - was, ids_before)
    went_ids = _outside(was - now, ids_after)
    between_after = itertools.islice(after, head, end_after)
    came = list(
        itertools.compress(between_after, map(came_ids.__contains__, ids_after[head:end_after]))
    )
    if len(came) > len(after) // 4 + 1:
        return None
    between_before = itertools.islice(before, head, end_before)
    went = list(
        itertools.compress(between_before, map(went_ids.__contains__, ids_before[head:end_before]))
    )
    return went, came


def _outside(ids: set[int], among: list[int]) -> set[int]:
    """The ids that are not among `among`: a few looked for one by one (in C), many in a set."""
    if len(ids) > 8:
        return ids - set(among)
    return {i for i in ids if i not in among}


def differing_span(a: Sequence[Any], b: Sequence[Any]) -> tuple[int, int, int]:
    """Where `a` and `b` differ: how many items they share at their beginning, and where
    the items they then share at their end begin in `a` and in `b` (the two ends never
    overlap): what an edit left of a section around what it changed."""
    room = min(len(a), len(b))
    head = _same_length(a, b, room)
    tail = _same_length(a, b, room - head, backwards=True)
    return head, len(a) - tail, len(b) - tail


def _same_length(a: Sequence[Any], b: Sequence[Any], room: int, *, backwards: bool = False) -> int:
    """How many items `a` and `b` share at their beginning (or end), at most `room`; by
    halving, each step one compare of two slices in C."""
    low, high = 0, room
    while low < high:
        middle = (low + high + 1) // 2
        if backwards:
            same = a[len(a) - middle : len(a) - low] == b[len(b) - middle : len(b) - low]
        else:
            same = a[low:middle] == b[low:middle]
        if same:
            low = middle
        else:
            high = middle - 1
    return low


# The fields a Dataset indexes its records by (memberships_by_city, …): what refers to
# a city or a network; a cache entry keeps these indexes beside the records.
INDEXED: dict[str, tuple[str, ...]] = {
    "memberships": ("city", "network"),
    "partnerships": ("cities",),
}

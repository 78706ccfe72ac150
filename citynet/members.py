"""Import the member cities of networks from a table.

Two layouts: long (one row per member city of one network: `network=` given) and
wide (one 0/1 column per network: `columns={"C40Cities2019": "c40"}`). The file is CSV
or TSV (decided by its header line) or JSON (an array of objects, or an object holding
one, such as `{"members": [...]}`). Columns are found by their usual names.

Cities are matched as `matching` describes; unknown ones are added with what the row
gives. The import is a source record of its own; a membership it finds is added, or,
if it exists, only gains that source: nothing is duplicated, overwritten or removed.
Pure: no output, only a `progress` callback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .citing import SourceInfo, known_defaults, source_record
from .errors import DataError, Problem, UsageError
from .files import decode, read_bytes
from .gazetteer import country_code, gazetteer
from .i18n import N_, _, translate_phrases
from .matching import (
    NEW,
    Matcher,
    Row,
    enrich,
    enrich_all,
    geonames_source,
    new_ids,
    replace_record,
    with_import,
)
from .model import City, Dataset, Membership, Source
from .names import fold, slug
from .schema import field_of

# What the data file accepts as a QID (not Q0, Q01 or other digits than 0-9).
QID_PATTERN = field_of(City, "wikidata").rule.pattern

# Usual column names, lower case, in order of preference.
# What became of a row (the report's machine values; people read them translated).
STATUSES = (N_("matched"), N_("added"), N_("ambiguous"), N_("rejected"))
NAME_COLUMNS = ("name", "city", "wikidata_name", "name_on_website", "city_name", "stadt")
COUNTRY_COLUMNS = ("countrycd", "iso", "country_code", "iso2", "iso3", "country", "country_name")
WIKIDATA_COLUMNS = ("wikidata", "wikidata_id", "qid")
LAT_COLUMNS = ("lat", "latitude")
LNG_COLUMNS = ("lng", "lon", "long", "longitude")
TYPE_COLUMNS = ("entity_type", "type")
SINCE_COLUMNS = ("since", "year", "joined", "member_since", "seit", "jahr", "beitritt")
FIELDS = ("name", "country", "wikidata", "lat", "lng", "since")
_EMPTY = {"", "na", "n/a", "<na>", "null", "none", "nan"}
_YES = {"1", "1.0", "true", "yes", "y", "x", "ja"}
PROGRESS_STEP = 500


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one row."""

    line: int
    name: str
    country: str
    status: str  # matched | added | ambiguous | rejected
    city: str = ""
    networks: tuple[str, ...] = ()
    reason: str = ""
    conflict: str = ""  # the row's name and coordinates disagree (matched or added anyway)


@dataclass
class MembersReport:
    outcomes: list[Outcome] = field(default_factory=list)
    memberships_added: int = 0
    memberships_confirmed: int = 0  # existing memberships that gained the source
    years_added: int = 0  # memberships that gained the year they began, from the table
    source: str = ""
    # Cities an earlier run made from a row whose coordinates were a namesake's, joined
    # into the place the name says: (old id, id).
    repaired: list[tuple[str, str]] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def conflicts(self) -> list[Outcome]:
        """The rows imported although their name and coordinates disagree."""
        return [o for o in self.outcomes if o.conflict and o.status in ("matched", "added")]


def make_source(path: Path, info: SourceInfo) -> Source:
    """The import's source record: what was given, over the defaults of a known table."""
    generic = SourceInfo(id=source_id_for(path), title=f"Mitgliederliste {path.name}")
    defaults = known_defaults(path).over(generic)
    return source_record(info, defaults, file=path.name)


def source_id_for(path: Path) -> str:
    """The default source id of an import: `import-` and the file's name."""
    return "import-" + (slug(path.stem)[:50].strip("-") or "members")


# --- reading -------------------------------------------------------------------


def read_records(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The column names (lower case) and the rows as (line or item number, cells by column).

    DataError if the file cannot be read or has no rows of the expected shape.
    """
    raw = read_bytes(path, N_("a CSV, TSV or JSON table"))
    text = decode(raw, str(path))
    if text.lstrip()[:1] in ("[", "{"):
        return _json_records(text, str(path))
    from .wikidata import open_table

    header, width, rows = open_table(path, (), ())
    names = sorted(header, key=header.__getitem__)

    def cells() -> Iterator[tuple[int, dict[str, str]]]:
        for line, values in rows:
            if len(values) != width:
                message = _("expected {width} cells, got {n}").format(width=width, n=len(values))
                yield line, {"\0problem": message}
                continue
            yield line, {column: values[index] for column, index in header.items()}

    return names, cells()


# The messages of Python's JSON parser (they say where apart from the message).
JSON_MESSAGES = (
    N_("Expecting property name enclosed in double quotes"),
    N_("Expecting value"),
    N_("Expecting ':' delimiter"),
    N_("Expecting ',' delimiter"),
    N_("Unterminated string starting at"),
    N_("Invalid control character at"),
    N_("Invalid \\escape"),
    N_("Invalid \\uXXXX escape"),
    N_("Extra data"),
)


def _json_records(text: str, name: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        message = _("not valid JSON: {error} (column {column})").format(
            error=translate_phrases(error.msg, JSON_MESSAGES), column=error.colno
        )
        raise DataError([Problem(name, "", message, error.lineno)]) from None
    except RecursionError:
        message = _("not valid JSON here: arrays or objects nested too deeply")
        raise DataError([Problem(name, "", message)]) from None
    except ValueError:  # Python converts no integer of more than 4,300 digits
        message = _("not valid JSON here: a number with more than 4,300 digits")
        raise DataError([Problem(name, "", message)]) from None
    items: Any = data
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        items = data.get("members") if isinstance(data.get("members"), list) else None
        items = items if items is not None else (lists[0] if lists else None)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        message = _("expected an array of objects, or an object holding one (such as 'members')")
        raise DataError([Problem(name, "", message)])
    names: list[str] = []
    for item in items:
        for key in item:
            if str(key).lower() not in names:
                names.append(str(key).lower())

    def text_of(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        if isinstance(value, int | float):
            return str(value)
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def records() -> Iterator[tuple[int, dict[str, str]]]:
        for number, item in enumerate(items, 1):
            yield number, {str(k).lower(): text_of(v) for k, v in item.items()}

    return names, records()


def _coordinate(text: str, what: str, limit: float) -> tuple[float | None, str]:
    from .wikidata import _coordinate as coordinate

    return coordinate("" if text.strip().lower() in _EMPTY else text, what, limit)


def choose_columns(columns: Sequence[str], chosen: dict[str, str]) -> dict[str, list[str]]:
    """For each field (name, country, …), the columns that give it, in order of preference.

    `chosen` names columns for fields (`{"name": "Stadt"}`); UsageError if such a column
    is missing, or if no column gives a name.
    """
    present = set(columns)
    found: dict[str, list[str]] = {}
    usual = {
        "name": NAME_COLUMNS,
        "country": COUNTRY_COLUMNS,
        "wikidata": WIKIDATA_COLUMNS,
        "lat": LAT_COLUMNS,
        "lng": LNG_COLUMNS,
        "type": TYPE_COLUMNS,
        "since": SINCE_COLUMNS,
    }
    for field_name, names in usual.items():
        if field_name in chosen:
            column = chosen[field_name].lower()
            if column not in present:
                message = _("no column {column} for {field}; the file has columns {columns}")
                raise UsageError(
                    message.format(
                        column=repr(chosen[field_name]),
                        field=repr(field_name),
                        columns=", ".join(columns),
                    )
                )
            found[field_name] = [column]
        else:
            found[field_name] = [n for n in names if n in present]
    if not found["name"]:
        message = _(
            "no column with the city's name (one of {names}); the file has columns {columns}; "
            "name it with --map name=COLUMN"
        )
        raise UsageError(message.format(names=", ".join(NAME_COLUMNS), columns=", ".join(columns)))
    return found


# --- merging -------------------------------------------------------------------


def import_members(
    dataset: Dataset,
    path: Path,
    *,
    network: str = "",
    columns: dict[str, str] | None = None,
    field_columns: dict[str, str] | None = None,
    source: SourceInfo | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Dataset, MembersReport]:
    """The dataset with the table's member cities and memberships, and what was done.

    Long layout: `network` (a network id) for every row. Wide layout: `columns` maps
    a table column to a network id; a row is a member where the cell is 1 (or true,
    yes, x). The same object is returned when nothing changed.
    """
    if bool(network) == bool(columns):
        raise UsageError(_("give either --network (one network) or --column COLUMN=NETWORK"))
    for network_id in [network] if network else list((columns or {}).values()):
        if network_id not in dataset.network_by_id:
            raise UsageError(_("unknown network {name}").format(name=repr(network_id)))
    from .wikidata import year_cell

    names, records = read_records(path)
    using = choose_columns(names, field_columns or {})
    wide = {column.lower(): network_id for column, network_id in (columns or {}).items()}
    missing = [column for column in columns or {} if column.lower() not in names]
    if missing:
        message = _("no column {column} in {file}; the file has columns {columns}")
        raise UsageError(
            message.format(
                column=", ".join(map(repr, missing)), file=path, columns=", ".join(names)
            )
        )
    record = make_source(path, source or SourceInfo())
    _refuse_unused(source or SourceInfo(), dataset.source_by_id.get(record.id))
    report = MembersReport(source=record.id)

    places = gazetteer()
    cities = list(dataset.cities)
    changed = enrich_all(cities, places)
    position = {city.id: index for index, city in enumerate(cities)}
    matcher = Matcher(cities, places, record.id)
    new_cities: list[City] = []
    wanted: list[tuple[str, str, int | None]] = []  # (city id, network id, since), in row order
    stale: dict[str, str] = {}  # a city an earlier run made from a row → the row's city
    pending = 0
    for line, cells in records:
        pending += 1
        if progress is not None and pending >= PROGRESS_STEP:
            progress(pending)
            pending = 0
        networks = (
            (network,)
            if network
            else tuple(n for c, n in wide.items() if cells.get(c, "").strip().lower() in _YES)
        )
        if not networks and "\0problem" not in cells:
            continue  # a row of a wide table that is a member of none of the networks
        row, problem = _parse(cells, using)
        since, why_since = year_cell(_first(cells, using["since"]), "since")
        problem = problem or why_since
        outcome = Outcome(line, row.name, row.country, "rejected", networks=networks)
        if problem:
            report.outcomes.append(_with(outcome, reason=problem))
            continue
        found = matcher.match(row)
        outcome = _with(outcome, conflict=found.conflict)
        if found.held:
            report.outcomes.append(_with(outcome, status="ambiguous", reason=found.held))
            continue
        if found.candidates:
            reason = _("fits several cities: {cities}").format(cities=", ".join(found.candidates))
            report.outcomes.append(_with(outcome, status="ambiguous", reason=reason))
            continue
        placed = found.row or row  # the place's coordinates where the name won
        if found.city.startswith(NEW):
            city_id = found.city
            index = int(city_id[len(NEW) :])
            new_cities[index] = enrich(new_cities[index], found.place)
            reason = _("a city added by an earlier row")
            outcome = _with(outcome, status="matched", city=city_id, reason=reason)
        elif found.city:
            city_id = found.city
            old = cities[position[city_id]]
            new = old
            if row.wikidata and not new.wikidata and row.wikidata not in matcher.by_qid:
                new = replace_record(new, wikidata=row.wikidata)
            if new.lat is None and new.lng is None and placed.lat is not None:
                new = replace_record(new, lat=placed.lat, lng=placed.lng)
            if new is not old and record.id not in new.sources:
                new = replace_record(new, sources=(*new.sources, record.id))
            new = enrich(new, found.place)
            if new is not old:
                cities[position[city_id]] = new
                matcher.add(new)
                changed = True
            reason = _("by {what}").format(what=found.by)
            outcome = _with(outcome, status="matched", city=city_id, reason=reason)
        elif placed is not row and matcher.made_from(row, record.id, ""):
            # An earlier run made this city at the namesake's coordinates: it moves.
            city_id = matcher.made_from(row, record.id, "")[0]
            old = cities[position[city_id]]
            new = enrich(replace_record(old, lat=placed.lat, lng=placed.lng), found.place)
            cities[position[city_id]] = new
            matcher.add(new)
            changed = True
            reason = "moved to the place its name says"
            outcome = _with(outcome, status="matched", city=city_id, reason=reason)
        else:
            city_id = f"{NEW}{len(new_cities)}"
            city = City(
                id=city_id,
                name=row.name,
                name_en=row.name,
                country=row.country,
                wikidata=row.wikidata if row.wikidata not in matcher.by_qid else "",
                lat=placed.lat,
                lng=placed.lng,
                sources=(record.id,),
            )
            city = enrich(city, found.place)
            new_cities.append(city)
            matcher.add(city)
            outcome = _with(outcome, status="added", city=city_id, reason=found.note)
        report.outcomes.append(outcome)
        wanted += [(city_id, n, since) for n in networks]
        if placed is not row:
            stale.update(dict.fromkeys(matcher.made_from(row, record.id, city_id), city_id))
    if progress is not None and pending:
        progress(pending)

    # New cities get their ids; then the memberships.
    taken = {n.id for n in dataset.networks} | set(position)
    ids = new_ids(new_cities, taken)
    new_cities = [replace_record(c, id=ids[c.id]) for c in new_cities]
    report.outcomes = [_final_ids(o, ids) for o in report.outcomes]
    memberships = list(dataset.memberships)
    where = {(m.city, m.network): i for i, m in enumerate(memberships)}
    for city_id, network_id, since in wanted:
        key = (ids.get(city_id, city_id), network_id)
        # A year the table gives is kept, with the table as its source; a year the
        # dataset has already is never changed.
        since_source = record.id if since is not None else ""
        if key in where:
            existing = memberships[where[key]]
            changes: dict[str, Any] = {}
            if record.id not in existing.sources:
                changes["sources"] = (*existing.sources, record.id)
                report.memberships_confirmed += 1
            if (
                since is not None
                and existing.since is None
                and (existing.until is None or since <= existing.until)
            ):
                changes.update(since=since, since_source=since_source)
                report.years_added += 1
            if changes:
                memberships[where[key]] = replace_record(existing, **changes)
            continue
        where[key] = len(memberships)
        memberships.append(
            Membership(
                city=key[0],
                network=key[1],
                sources=(record.id,),
                since=since,
                since_source=since_source,
            )
        )
        report.memberships_added += 1
        report.years_added += since is not None

    if not (
        changed
        or new_cities
        or stale
        or report.memberships_added
        or report.memberships_confirmed
        or report.years_added
    ):
        return dataset, report
    result = with_import(
        dataset,
        (record, geonames_source()),
        cities=(*cities, *new_cities),
        memberships=tuple(memberships),
        partnerships=dataset.partnerships,
    )
    for old_id, city_id in sorted(stale.items()):
        from .merge import merge_cities

        kept = result.city_by_id[ids.get(city_id, city_id)]
        result = merge_cities(result, kept, result.city_by_id[old_id], force=True)
        report.repaired.append((old_id, kept.id))
    if stale:  # a membership that moved with its city was not added
        report.memberships_added = len(result.memberships) - len(dataset.memberships)
    return result, report


def _refuse_unused(info: SourceInfo, existing: Source | None) -> None:
    """UsageError if the import reuses a source whose description it was given anew:
    the existing record is kept as it is, so the given --title etc. would be lost."""
    if existing is None:
        return
    differ = [
        f"--{name}"
        for name in ("title", "publisher", "citation", "url", "date")
        if getattr(info, name) and getattr(info, name) != getattr(existing, name)
    ]
    if differ:
        message = _(
            "the source {id} exists already and is kept as it is, so {options} would be "
            "ignored: leave them out, or give a new --source"
        )
        raise UsageError(message.format(id=repr(existing.id), options=", ".join(differ)))


def _with(outcome: Outcome, **changes: Any) -> Outcome:
    return replace_record(outcome, **changes)


def _final_ids(outcome: Outcome, ids: dict[str, str]) -> Outcome:
    """The outcome naming new cities by their ids, not the provisional ones."""
    if NEW not in outcome.city and NEW not in outcome.reason:
        return outcome
    reason = re.sub(re.escape(NEW) + r"[0-9]+", lambda m: ids[m.group()], outcome.reason)
    return _with(outcome, city=ids.get(outcome.city, outcome.city), reason=reason)


def _parse(cells: dict[str, str], using: dict[str, list[str]]) -> tuple[Row, str]:
    """The city a row describes, and why it cannot be imported ("" if it can)."""
    name = _first(cells, using["name"])
    country, why = _country(cells, using["country"])
    kind = _first(cells, using["type"])
    lat, why_lat = _coordinate(_first(cells, using["lat"]), "lat", 90.0)
    lng, why_lng = _coordinate(_first(cells, using["lng"]), "lng", 180.0)
    qid = _first(cells, using["wikidata"]).upper()
    if lat is None or lng is None:
        lat = lng = None
    problem = cells.get("\0problem", "")
    if problem:
        pass
    elif not name:
        problem = _("no name")
    elif not fold(name):
        # Such a name matches nothing, so every run would add the city again.
        problem = _("the name {name} has no letters or digits").format(name=repr(name))
    elif why:
        problem = why
    elif kind and kind.lower() != "city":
        problem = _("a {kind}, not a city").format(kind=kind)
    elif why_lat or why_lng:
        problem = why_lat or why_lng
    elif qid and not re.fullmatch(QID_PATTERN, qid):
        problem = _("{value} is not a Wikidata id like 'Q64'").format(value=repr(qid))
    return Row(name, country, qid, lat, lng), problem


def _first(cells: dict[str, str], columns: list[str]) -> str:
    for column in columns:
        value = " ".join(cells.get(column, "").split())
        if value.lower() not in _EMPTY:
            return value
    return ""


def _country(cells: dict[str, str], columns: list[str]) -> tuple[str, str]:
    """The row's country code from its first country column that names one (codes come
    before names: "HKG" says more than "China"), or the reason there is none."""
    given = [cells.get(c, "").strip() for c in columns]
    given = [g for g in given if g and g.lower() not in _EMPTY - {"na"}]
    codes = [code for code in map(country_code, given) if code]
    if len(codes) > 1 and given[0] == "NA" and codes[0] == "NA":
        codes.pop(0)  # a literal NA beside another country meant "not available"
    if codes:
        return codes[0], ""
    if given:
        message = _(
            "country {value} is not a country citynet knows "
            "(ISO alpha-2 or alpha-3 code, English or German name, Wikidata id)"
        )
        return "", message.format(value=repr(given[0]))
    return "", _("no country")


# --- the report as a table --------------------------------------------------------


def report_listing(report: MembersReport) -> Any:
    """The rows of the report as a Listing, for `--report FILE` (TSV), which a person
    opens in a spreadsheet: a name from the table never becomes a formula."""
    from .output import Column, Listing, spreadsheet_safe

    keys = ("line", "name", "country", "status", "city", "networks", "reason", "conflict")
    rows = [
        {
            "line": str(o.line),
            "name": spreadsheet_safe(o.name),
            "country": o.country,
            "status": o.status,
            "city": o.city,
            "networks": ", ".join(o.networks),
            "reason": spreadsheet_safe(o.reason),
            "conflict": spreadsheet_safe(o.conflict),
        }
        for o in report.outcomes
    ]
    return Listing(columns=[Column(k, k) for k in keys], rows=rows, payload=rows, id_key="city")

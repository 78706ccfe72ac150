"""Import twin cities from Wikidata's "twinned administrative body" (P190) tables.

The tables are the ones published by bothness/twin-cities (TSV, not quoted) and by
TidyTuesday "Twinned Cities", 2026-05-12 (CSV, names with commas quoted):

- cities: `id` (QID), `name`, `lng`, `lat`, `country`, `countrycd`, `continent`;
- links: `source`, `target` (QIDs; a link has no direction).

`read_cities` and `read_links` read a table whichever layout it has (decided by the
header line: a tab in it means TSV); a file that cannot be read at all raises
DataError, a row that cannot be used becomes a `Rejected` entry. `merge` adds the
rows to a Dataset: cities are matched to existing ones by Wikidata id, then by name
and country; each new pair becomes a partnership. Pure and quick: no output, no
progress bar, only a `progress` callback.
"""

from __future__ import annotations

import csv
import io
import math
import re
from _csv import Reader
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from .citing import SourceInfo, source_record
from .errors import DataError, Problem
from .files import read_text
from .i18n import N_, _
from .matching import geonames_source, with_import
from .model import PARTNERSHIP_KINDS, City, Dataset, Partnership, Source

SOURCE_ID = "wikidata-p190"
KIND = "twinning"  # P190 does not say which kind of relation a link is
# The kinds a P190 link stands for: formal relations, and the imported twinnings.
TWIN_KINDS = ("partnership", "friendship", "twinning")
PROGRESS_STEP = 500

CITY_COLUMNS = ("id", "name", "lng", "lat", "countrycd")  # required
CITY_OPTIONAL = ("country", "continent")
LINK_COLUMNS = ("source", "target")
# Optional columns with the years of a link, the first present of each group.
SINCE_COLUMNS = ("since", "start", "year", "p580")
UNTIL_COLUMNS = ("until", "end", "p582")

Years = dict[frozenset[str], tuple[int | None, int | None]]  # QID pair -> (since, until)

# Codes in `countrycd` that are not ISO 3166-1 alpha-2 as they stand.
COUNTRY_CODES = {"CN-TW": "TW"}

_QID = re.compile(r"Q[1-9][0-9]*")
_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True, slots=True)
class CityRow:
    """One row of the cities table, as the data means it (empty cell → None or "")."""

    qid: str
    name: str
    lng: float | None
    lat: float | None
    country_name: str
    country: str  # ISO 3166-1 alpha-2, after mapping (CN-TW → TW)
    continent: str
    line: int


@dataclass(frozen=True, slots=True)
class Rejected:
    """A row that was not imported, and why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class ImportReport:
    cities_added: int = 0
    cities_matched: int = 0
    links_added: int = 0
    duplicates_skipped: int = 0  # pairs already related, or repeated in the input
    relations_confirmed: int = 0  # existing relations that gained the import's source
    retyped: int = 0  # partnerships of an earlier import that were twinnings all along
    years_added: int = 0  # relations that gained a start or end year from the import
    rejected: list[Rejected] = field(default_factory=list)
    # Rows imported although their name and coordinates disagree, and what about.
    conflicts: list[Rejected] = field(default_factory=list)


WIKIDATA = SourceInfo(
    id=SOURCE_ID,
    publisher="Wikidata (via bothness/twin-cities, TidyTuesday 2026-05-12)",
    title="Twinned administrative body (P190)",
    language="en",
    url="https://www.wikidata.org/wiki/Property:P190",
    note="Imported from the twin-city tables derived from property P190; a link there has "
    "no kind, date or source of its own, so imported links are twinnings of unknown kind.",
    date="2026-05-12",
    citation="Wikidata contributors, property P190 (twinned administrative body), "
    "tables by bothness/twin-cities and TidyTuesday (2026-05-12)",
    licence="CC0 1.0 (public domain)",
)


def wikidata_source(info: SourceInfo | None = None) -> Source:
    """The source record every imported city and partnership cites: `info` over the
    defaults of the published twin-city tables."""
    return source_record(info or SourceInfo(), WIKIDATA)


# --- reading -----------------------------------------------------------------


def read_cities(path: Path) -> tuple[list[CityRow], list[Rejected]]:
    """The usable rows of a cities table, and the rejected ones.

    DataError if the file cannot be read, has no header or lacks a required column.
    """
    name = str(path)
    header, width, rows = open_table(path, CITY_COLUMNS, CITY_OPTIONAL)
    col = {column: header.get(column) for column in (*CITY_COLUMNS, *CITY_OPTIONAL)}
    i_qid, i_name, i_lng, i_lat, i_code = (col[c] for c in CITY_COLUMNS)
    i_country, i_continent = col["country"], col["continent"]
    assert i_qid is not None and i_name is not None and i_code is not None
    assert i_lng is not None and i_lat is not None
    cities: list[CityRow] = []
    rejected: list[Rejected] = []
    first_line: dict[str, int] = {}
    for line, cells in rows:
        if len(cells) != width:
            rejected.append(Rejected(name, line, _cell_count(width, cells)))
            continue
        qid = cells[i_qid].strip()
        city_name = cells[i_name].strip()
        code = cells[i_code].strip().upper()
        code = COUNTRY_CODES.get(code, code)
        problem = ""
        if not _QID.fullmatch(qid):
            problem = _("id {qid} is not a Wikidata QID like 'Q64'").format(qid=repr(qid))
        elif qid in first_line:
            problem = _("{qid} is already on line {value}").format(qid=qid, value=first_line[qid])
        elif not city_name:
            problem = _("{qid} has no name").format(qid=qid)
        elif "\n" in city_name or "\r" in city_name:
            problem = _("{qid}: the name spans lines").format(qid=qid)
        elif not code:
            problem = _("{qid} ({city_name}) has no country code").format(
                qid=qid, city_name=city_name
            )
        elif not _COUNTRY.fullmatch(code):
            problem = _(
                "{qid} ({city_name}): country code {value} is not two letters (ISO 3166-1)"
            ).format(qid=qid, city_name=city_name, value=repr(cells[i_code].strip()))
        lng, why_lng = _coordinate(cells[i_lng], "lng", 180.0)
        lat, why_lat = _coordinate(cells[i_lat], "lat", 90.0)
        if not problem and (why_lng or why_lat):
            problem = _("{qid} ({city_name}): {value}").format(
                qid=qid, city_name=city_name, value=why_lng or why_lat
            )
        if problem:
            rejected.append(Rejected(name, line, problem))
            continue
        first_line[qid] = line
        cities.append(
            CityRow(
                qid=qid,
                name=city_name,
                lng=lng,
                lat=lat,
                country_name="" if i_country is None else cells[i_country].strip(),
                country=code,
                continent="" if i_continent is None else cells[i_continent].strip(),
                line=line,
            )
        )
    return cities, rejected


def read_links(path: Path) -> tuple[list[tuple[str, str, int]], list[Rejected]]:
    """The usable links of a links table as (qid, qid, line), and the rejected rows."""
    links, _years, rejected = read_links_with_years(path)
    return links, rejected


def read_links_with_years(
    path: Path,
) -> tuple[list[tuple[str, str, int]], Years, list[Rejected]]:
    """`read_links`, and the years the table gives for its pairs (a `since`/`year` and
    an `until` column, where it has them): the earliest start and latest end."""
    name = str(path)
    header, width, rows = open_table(path, LINK_COLUMNS, (*SINCE_COLUMNS, *UNTIL_COLUMNS))
    i_source, i_target = header["source"], header["target"]
    i_since = next((header[c] for c in SINCE_COLUMNS if c in header), None)
    i_until = next((header[c] for c in UNTIL_COLUMNS if c in header), None)
    links: list[tuple[str, str, int]] = []
    years: Years = {}
    rejected: list[Rejected] = []
    for line, cells in rows:
        if len(cells) != width:
            rejected.append(Rejected(name, line, _cell_count(width, cells)))
            continue
        source, target = cells[i_source].strip(), cells[i_target].strip()
        bad = [q for q in (source, target) if not _QID.fullmatch(q)]
        since, why_since = year_cell(cells[i_since] if i_since is not None else "", "since")
        until, why_until = year_cell(cells[i_until] if i_until is not None else "", "until")
        if bad:
            rejected.append(
                Rejected(
                    name,
                    line,
                    _("{value} is not a Wikidata QID like 'Q64'").format(value=repr(bad[0])),
                )
            )
        elif source == target:
            rejected.append(
                Rejected(name, line, _("{source} is linked to itself").format(source=source))
            )
        elif why_since or why_until:
            rejected.append(Rejected(name, line, why_since or why_until))
        else:
            links.append((source, target, line))
            if since is not None or until is not None:
                add_years(years, frozenset((source, target)), since, until)
    return links, years, rejected


def add_years(years: Years, pair: frozenset[str], since: int | None, until: int | None) -> None:
    """Note a pair's years: the earliest start and the latest end stated for it."""
    old_since, old_until = years.get(pair, (None, None))
    if since is not None and (old_since is None or since < old_since):
        old_since = since
    if until is not None and (old_until is None or until > old_until):
        old_until = until
    years[pair] = (old_since, old_until)


def year_cell(text: str, what: str) -> tuple[int | None, str]:
    """The year of a table cell: "1967", "1967.0" or a date "1967-05-01" (Wikidata's
    "+1967-01-01T00:00:00Z" too); None if empty; or the reason it is not a year."""
    from .model import FUTURE_YEAR, YEAR_RANGE

    text = text.strip()
    if not text or text.lower() in ("na", "n/a", "null", "none", "nan"):
        return None, ""
    match = re.fullmatch(r"\+?(\d{4})(?:\.0|[-./]\d{1,2}(?:[-./]\d{1,2})?(?:T[0-9:]+Z?)?)?", text)
    year = int(match.group(1)) if match else None
    last = FUTURE_YEAR if what == "until" else YEAR_RANGE[1]
    if year is None or not YEAR_RANGE[0] <= year <= last:
        return None, _("{what} {text} is not a year {first}–{last}").format(
            what=what, text=repr(text), first=YEAR_RANGE[0], last=last
        )
    return year, ""


def _cell_count(width: int, cells: list[str]) -> str:
    return _("expected {width} cells, got {n}").format(width=width, n=len(cells))


def _coordinate(text: str, what: str, limit: float) -> tuple[float | None, str]:
    """The value of a lat/lng cell (None if empty), or the reason it is unusable."""
    text = text.strip()
    if not text:
        return None, ""
    try:
        value = float(text)
    except ValueError:
        return None, _("{what} {text} is not a number").format(what=what, text=repr(text))
    if not math.isfinite(value) or not -limit <= value <= limit:
        return None, _("{what} {text} is outside -{limit:g}..{limit:g}").format(
            what=what, text=text, limit=limit
        )
    return value, ""


def open_table(
    path: Path, required: tuple[str, ...], optional: tuple[str, ...]
) -> tuple[dict[str, int], int, Iterator[tuple[int, list[str]]]]:
    """The column index by (lower-case) header name, the number of columns, and the
    data rows as (line, cells).

    The layout is decided by the header line: a tab in it means TSV (not quoted),
    semicolons and no comma CSV with semicolons, otherwise CSV (quoted where needed).
    Blank rows are skipped.
    """
    name = str(path)
    text = read_text(path, what=N_("a CSV or TSV table"))
    first = text.split("\n", 1)[0]
    expected = ", ".join((*required, *optional))
    if not first.strip():
        why = _("empty file") if not text.strip() else _("the first line is empty")
        raise DataError(
            [
                Problem(
                    name,
                    _("header"),
                    _("{why}: expected a header line ({expected})").format(
                        why=why, expected=expected
                    ),
                    1,
                )
            ]
        )
    stream = io.StringIO(text, newline="")
    if "\t" in first:
        reader = csv.reader(stream, delimiter="\t", quoting=csv.QUOTE_NONE)
    elif ";" in first and "," not in first:
        reader = csv.reader(stream, delimiter=";")  # as spreadsheets write CSV in Germany
    else:
        reader = csv.reader(stream)
    try:
        names = [cell.strip().lower() for cell in next(reader)]
    except csv.Error as error:
        raise DataError(
            [Problem(name, _("header"), _("cannot read: {error}").format(error=error), 1)]
        ) from None
    header: dict[str, int] = {}
    for index, column in enumerate(names):
        if column in header and column in (*required, *optional):
            message = _("column {column} appears twice").format(column=repr(column))
            raise DataError([Problem(name, _("header"), message, 1)])
        header.setdefault(column, index)
    missing = [column for column in required if column not in header]
    if missing:
        has = ", ".join(repr(n) for n in names)
        what = "column" if len(missing) == 1 else "columns"
        message = _(
            "missing {what} {value}; the file has columns {has} (expected {expected})"
        ).format(what=what, value=", ".join(repr(m) for m in missing), has=has, expected=expected)
        raise DataError([Problem(name, _("header"), message, 1)])
    return header, len(names), _rows(reader, name)


def _rows(reader: Reader, name: str) -> Iterator[tuple[int, list[str]]]:
    line_num = 1  # the header
    while True:
        start = line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise DataError(
                [Problem(name, "", _("cannot read: {error}").format(error=error), start)]
            ) from None
        line_num = reader.line_num
        if any(cell.strip() for cell in cells):
            yield start, cells


# --- merging -----------------------------------------------------------------


def merge(
    dataset: Dataset,
    cities: list[CityRow],
    links: list[tuple[str, str, int]],
    source_id: str = SOURCE_ID,
    progress: Callable[[int], None] | None = None,
    *,
    cities_file: str = "cities",
    links_file: str = "links",
    info: SourceInfo | None = None,
    source_record: Source | None = None,
    years: Years | None = None,
) -> tuple[Dataset, ImportReport]:
    """The dataset with the cities and links added, and what was done.

    Rows are matched to existing cities as `matching` describes (Wikidata id, the
    GeoNames place, names in any language with the country, coordinates); a matched
    city keeps its record and gains the QID and coordinates it lacks. An ambiguous row
    is rejected, naming its candidates. Other rows become new cities with readable ids.
    Cities whose place is certain are enriched from the gazetteer.

    A link of a pair with no relation becomes a `twinning` (P190 does not say which
    kind of relation it is); a pair that already has a relation keeps it, and its most
    formal relation gains the import's source.

    `progress(n)` is called with the number of rows (cities, then links) processed
    since the previous call, every PROGRESS_STEP rows and once for the rest: the
    calls add up to len(cities) + len(links). `cities_file` and `links_file` name
    the tables in the rejections. `years` (by pair of QIDs) are added to the pair's
    most formal relation where it lacks them, citing `source_id` beside its own
    sources; a year it has is never changed. `source_record` is the record `source_id` names (by
    default the twin tables'). The dataset returned is the same object when
    nothing changed; a source record is added only when something cites it.
    """
    from .gazetteer import gazetteer
    from .matching import NEW, Matcher, Row, enrich, enrich_all, new_ids, replace_record

    report = ImportReport()
    tick = _Ticker(progress)
    places = gazetteer()
    records = list(dataset.cities)
    changed = enrich_all(records, places)
    position = {city.id: index for index, city in enumerate(records)}
    matcher = Matcher(records, places)

    # 1. Decide what each row is: an existing city, or a new one.
    qid_to_id: dict[str, str] = {}
    not_imported: dict[str, str] = {}  # qid -> why
    seen_line: dict[str, int] = {}
    claims: dict[str, list[CityRow]] = {}  # existing city id -> rows matching it by place
    new_cities: list[City] = []
    for row in cities:
        tick()
        if row.qid in seen_line:
            reason = _("{qid} is already on line {value}").format(
                qid=row.qid, value=seen_line[row.qid]
            )
            report.rejected.append(Rejected(cities_file, row.line, reason))
            continue
        seen_line[row.qid] = row.line
        found = matcher.match(Row(row.name, row.country, row.qid, row.lat, row.lng))
        said = f"{row.qid} ({row.name}, {row.country})"
        if found.held:
            reason = f"{said}: {found.conflict}; {found.held}"
            report.rejected.append(Rejected(cities_file, row.line, reason))
            not_imported[row.qid] = reason
            continue
        if found.conflict:
            report.conflicts.append(Rejected(cities_file, row.line, f"{said}: {found.conflict}"))
        if found.candidates:
            reason = _(
                "{qid} ({name}, {country}) fits several cities: {cities}; "
                "set 'wikidata' on the right one"
            ).format(
                qid=row.qid, name=row.name, country=row.country, cities=", ".join(found.candidates)
            )
            report.rejected.append(Rejected(cities_file, row.line, reason))
            not_imported[row.qid] = reason
        elif found.city:
            if found.by != "wikidata":
                claims.setdefault(found.city, []).append(row)
            qid_to_id[row.qid] = found.city
            old = records[position[found.city]]
            new = old
            if not new.wikidata:
                new = replace_record(new, wikidata=row.qid)
            if new.lat is None and new.lng is None and None not in (row.lat, row.lng):
                new = replace_record(new, lat=row.lat, lng=row.lng)
            if new is not old and source_id not in new.sources:
                new = replace_record(new, sources=(*new.sources, source_id))
            new = enrich(new, found.place)
            if new is not old:
                # Not indexed again: another row of the same name must still find
                # this city, to be reported as ambiguous with it.
                records[position[found.city]] = new
                changed = True
        else:
            has_point = row.lat is not None and row.lng is not None
            city = City(
                id=f"{NEW}{len(new_cities)}",
                name=row.name,
                name_en=row.name,
                country=row.country,
                wikidata=row.qid,
                lat=row.lat if has_point else None,
                lng=row.lng if has_point else None,
                sources=(source_id,),
            )
            new_cities.append(enrich(city, found.place))
            qid_to_id[row.qid] = city.id
    for city_id, rows in claims.items():
        if len(rows) == 1:
            continue
        qids = ", ".join(r.qid for r in rows)
        records[position[city_id]] = dataset.city_by_id[city_id]  # none of them is it
        for row in rows:
            reason = _(
                "{qid} ({name}, {country}): several rows ({qids}) fit the city {city}; "
                "set its 'wikidata' to choose"
            ).format(qid=row.qid, name=row.name, country=row.country, qids=qids, city=repr(city_id))
            report.rejected.append(Rejected(cities_file, row.line, reason))
            not_imported[row.qid] = reason
            del qid_to_id[row.qid]
    report.cities_matched = len(qid_to_id) - len(new_cities)

    # 2. The new cities get their ids.
    taken = {network.id for network in dataset.networks} | set(position)
    ids = new_ids(new_cities, taken)
    new_cities = [replace_record(city, id=ids[city.id]) for city in new_cities]
    qid_to_id = {qid: ids.get(city_id, city_id) for qid, city_id in qid_to_id.items()}
    report.cities_added = len(new_cities)

    # 3. The links.
    order = {kind: i for i, kind in enumerate(PARTNERSHIP_KINDS)}
    formal: dict[frozenset[str], int] = {}  # pair -> index of its most formal relation
    partnerships = _retyped(dataset.partnerships, source_id, report)
    for index, p in enumerate(partnerships):
        pair = frozenset(p.cities)
        if pair not in formal or order[p.kind] < order[partnerships[formal[pair]].kind]:
            formal[pair] = index
    cited: set[frozenset[str]] = set()
    added: list[Partnership] = []
    for source, target, line in links:
        tick()
        unknown = [q for q in (source, target) if q not in qid_to_id]
        if unknown:
            qid = unknown[0]
            why = (
                _("{qid} was not imported ({why})").format(qid=qid, why=not_imported[qid])
                if qid in not_imported
                else _("{qid} is not in the cities table").format(qid=qid)
            )
            report.rejected.append(Rejected(links_file, line, why))
            continue
        a, b = qid_to_id[source], qid_to_id[target]
        if a == b:
            why = _("{source} and {target} are both the city {city}").format(
                source=source, target=target, city=repr(a)
            )
            report.rejected.append(Rejected(links_file, line, why))
            continue
        pair = frozenset((a, b))
        if pair in cited:
            report.duplicates_skipped += 1
            continue
        cited.add(pair)
        if pair in formal:
            report.duplicates_skipped += 1
            existing = partnerships[formal[pair]]
            if source_id not in existing.sources:
                partnerships[formal[pair]] = replace_record(
                    existing, sources=(*existing.sources, source_id)
                )
                report.relations_confirmed += 1
            continue
        added.append(Partnership(cities=(a, b), kind=KIND, sources=(source_id,)))
    report.links_added = len(added)
    tick.flush()
    partnerships += added
    for qid_pair, (since, until) in (years or {}).items():
        cities_of = frozenset(qid_to_id.get(q, "") for q in qid_pair)
        if "" not in cities_of and len(cities_of) == 2:
            report.years_added += _add_years(partnerships, cities_of, since, until, source_id)

    if not (
        changed
        or new_cities
        or added
        or report.relations_confirmed
        or report.retyped
        or report.years_added
    ):
        return dataset, report
    result = with_import(
        dataset,
        (
            source_record or wikidata_source(replace(info or SourceInfo(), id=source_id)),
            geonames_source(),
        ),
        cities=(*records, *new_cities),
        memberships=dataset.memberships,
        partnerships=tuple(partnerships),
    )
    return result, report


def _add_years(
    partnerships: list[Partnership],
    pair: frozenset[str],
    since: int | None,
    until: int | None,
    source_id: str,
) -> bool:
    """Give the pair's most formal twin relation the years it lacks; whether it changed."""
    from .matching import replace_record

    order = {kind: i for i, kind in enumerate(PARTNERSHIP_KINDS)}
    candidates = [
        i
        for i, p in enumerate(partnerships)
        if frozenset(p.cities) == pair and p.kind in TWIN_KINDS
    ]
    if not candidates:
        return False
    index = min(candidates, key=lambda i: order[partnerships[i].kind])
    p = partnerships[index]
    changes: dict[str, object] = {}
    if p.since is None and since is not None and (p.until is None or since <= p.until):
        changes.update(since=since, since_source=source_id)
    if p.until is None and until is not None and until >= (p.since or since or until):
        changes["until"] = until
    if not changes:
        return False
    if source_id not in p.sources:
        changes["sources"] = (*p.sources, source_id)
    partnerships[index] = replace_record(p, **changes)
    return True


def import_tables(
    dataset: Dataset,
    cities_path: Path,
    links_path: Path,
    source_id: str = SOURCE_ID,
    progress: Callable[[int], None] | None = None,
    source: SourceInfo | None = None,
) -> tuple[Dataset, ImportReport]:
    """Read both tables and merge them; the report holds every rejection, in file order.

    `source` describes the tables' source record over the defaults (`WIKIDATA`); its id,
    if given, is the source id."""
    source_id = source.id if source and source.id else source_id
    cities, rejected_cities = read_cities(cities_path)
    links, years, rejected_links = read_links_with_years(links_path)
    result, report = merge(
        dataset,
        cities,
        links,
        source_id,
        progress,
        cities_file=str(cities_path),
        links_file=str(links_path),
        info=source,
        years=years,
    )
    order = {str(cities_path): 0, str(links_path): 1}
    report.rejected = sorted(
        [*rejected_cities, *rejected_links, *report.rejected],
        key=lambda r: (order.get(r.file, 2), r.line),
    )
    return result, report


def _retyped(
    partnerships: tuple[Partnership, ...], source_id: str, report: ImportReport
) -> list[Partnership]:
    """Formal partnerships that rest on this import alone become twinnings: earlier
    versions of citynet imported every P190 link as a partnership, which no source says."""
    from .matching import replace_record

    twinned = {frozenset(p.cities) for p in partnerships if p.kind == KIND}
    found = []
    for p in partnerships:
        if p.kind == "partnership" and p.sources == (source_id,):
            report.retyped += 1
            if frozenset(p.cities) in twinned:
                continue  # the pair has its twinning already
            twinned.add(frozenset(p.cities))
            p = replace_record(p, kind=KIND)
        found.append(p)
    return found


class _Ticker:
    """Calls progress(n) every PROGRESS_STEP rows, and once for the rest."""

    def __init__(self, progress: Callable[[int], None] | None) -> None:
        self.progress = progress
        self.pending = 0

    def __call__(self) -> None:
        self.pending += 1
        if self.pending >= PROGRESS_STEP and self.progress is not None:
            self.progress(self.pending)
            self.pending = 0

    def flush(self) -> None:
        if self.pending and self.progress is not None:
            self.progress(self.pending)
        self.pending = 0

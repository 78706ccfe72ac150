"""Wikidata both ways: ask a SPARQL 1.1 endpoint about cities, merge, and compare.

`fetch` asks an endpoint (Wikidata's public one by default) for the twin links
(P190) of a set of cities, with their start and end (P580/P582 qualifiers) and
references, and for the labels (de, en), coordinates (P625) and country (P17 →
P297) of every city involved. The queries are plain SPARQL 1.1, every prefix
declared and no `SERVICE wikibase:label`, so any SPARQL 1.1 engine answers them.

Etiquette (https://meta.wikimedia.org/wiki/User-Agent_policy and the query
service's limits): a User-Agent naming citynet, its version and the contact the
user gives in CITYNET_CONTACT; cities asked in
batches (one request for the links of a batch, one per LABEL_BATCH items for
their facts); one request at a time; a timeout; on 429 or 503 a wait as long as
`Retry-After` says (capped) and a few retries. An unreachable endpoint or an
answer that is not SPARQL JSON raises FetchError, and nothing is written.

`merge` adds what was fetched to a dataset through the same matcher as the table
import (`citynet.wikidata.merge`), then adds the years to the relations: a year a
relation lacks is filled in with the Wikidata source beside the others; a kind is
never changed. `diff` compares the dataset with what was fetched, and
`quickstatements` writes the relations Wikidata lacks as QuickStatements V1 for a
person to review: citynet never edits Wikidata.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import __version__
from .errors import EXIT_DATA, CitynetError
from .i18n import N_, _
from .model import PARTNERSHIP_KINDS, City, Dataset, Partnership, Source
from .wikidata import TWIN_KINDS

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
CITY_BATCH = 50  # cities per request for their links
LABEL_BATCH = 200  # items per request for labels, coordinates and countries
TIMEOUT = 60.0  # seconds; the query service stops a query after 60 s itself
RETRIES = 3
MAX_WAIT = 120.0  # the longest Retry-After we honour, in seconds

PREFIXES = """\
PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
PREFIX pr: <http://www.wikidata.org/prop/reference/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
_ENTITY = "http://www.wikidata.org/entity/"
_QID = re.compile(r"Q[1-9][0-9]*")
_POINT = re.compile(r"\s*(?:<[^>]*>\s*)?Point\(\s*(\S+)\s+(\S+)\s*\)\s*", re.IGNORECASE)


class FetchError(CitynetError):
    """The endpoint could not be reached or gave no usable answer."""

    exit_code = EXIT_DATA


# --- the queries ----------------------------------------------------------------------


def links_query(qids: Sequence[str]) -> str:
    """The P190 statements from or to the cities, with years and references."""
    values = " ".join(f"wd:{q}" for q in qids)
    return (
        PREFIXES
        + f"""SELECT ?subject ?object ?start ?end ?url ?statedIn ?retrieved WHERE {{
  {{ VALUES ?subject {{ {values} }} ?subject p:P190 ?statement . }}
  UNION
  {{ VALUES ?object {{ {values} }} ?statement ps:P190 ?object . ?subject p:P190 ?statement . }}
  ?statement ps:P190 ?object .
  OPTIONAL {{ ?statement pq:P580 ?start . }}
  OPTIONAL {{ ?statement pq:P582 ?end . }}
  OPTIONAL {{
    ?statement prov:wasDerivedFrom ?reference .
    OPTIONAL {{ ?reference pr:P854 ?url . }}
    OPTIONAL {{ ?reference pr:P248 ?statedIn . }}
    OPTIONAL {{ ?reference pr:P813 ?retrieved . }}
  }}
}}
"""
    )


def facts_query(qids: Sequence[str]) -> str:
    """German and English labels, coordinates and country code of the items."""
    values = " ".join(f"wd:{q}" for q in qids)
    return (
        PREFIXES
        + f"""SELECT ?item ?de ?en ?point ?country WHERE {{
  VALUES ?item {{ {values} }}
  OPTIONAL {{ ?item rdfs:label ?de . FILTER(LANG(?de) = "de") }}
  OPTIONAL {{ ?item rdfs:label ?en . FILTER(LANG(?en) = "en") }}
  OPTIONAL {{ ?item wdt:P625 ?point . }}
  OPTIONAL {{ ?item wdt:P17 ?state . ?state wdt:P297 ?country . }}
}}
"""
    )


# --- the protocol ---------------------------------------------------------------------


Opener = Callable[..., Any]  # urllib.request.urlopen's shape
Sleeper = Callable[[float], None]


def ask(
    endpoint: str,
    query: str,
    *,
    timeout: float = TIMEOUT,
    retries: int = RETRIES,
    opener: Opener | None = None,
    sleep: Sleeper | None = None,
) -> list[dict[str, str]]:
    """The rows of a SELECT query's answer, each {variable: value} with the bound ones.

    The query goes by POST as a form (SPARQL 1.1 Protocol, §2.1.2), the answer is
    asked for as SPARQL 1.1 Query Results JSON. FetchError when it fails.
    """
    import http.client
    import time
    import urllib.error
    import urllib.parse
    import urllib.request

    from .files import max_bytes, too_large

    open_url = opener or urllib.request.urlopen
    pause = sleep or time.sleep
    body = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(
        endpoint,
        data=body,
        method="POST",
        headers={
            "Accept": "application/sparql-results+json",
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": user_agent(),
        },
    )
    limit = max_bytes()
    for attempt in range(retries + 1):
        try:
            with open_url(request, timeout=timeout) as response:
                data = response.read(limit + 1)  # no answer fills memory
            break
        except urllib.error.HTTPError as error:
            if error.code in (429, 503) and attempt < retries:
                pause(retry_after(error.headers.get("Retry-After"), attempt))
                continue
            raise FetchError(
                _("{endpoint} answered {status} {reason}").format(
                    endpoint=endpoint, status=error.code, reason=error.reason
                )
            ) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            raise FetchError(
                _("cannot reach {endpoint}: {reason}").format(endpoint=endpoint, reason=reason)
            ) from None
    if len(data) > limit:
        raise FetchError(
            _("the answer of {endpoint} {too_large}").format(
                endpoint=endpoint, too_large=too_large(limit)
            )
        )
    return _bindings(endpoint, data)


def user_agent() -> str:
    """citynet's User-Agent as Wikimedia's policy asks: the tool and its version, a way
    to reach its user (CITYNET_CONTACT: an e-mail address or a URL), the library."""
    import os
    import sys

    contact = " ".join(os.environ.get("CITYNET_CONTACT", "").split()) or "no contact given"
    python = ".".join(map(str, sys.version_info[:2]))
    return f"citynet/{__version__} ({contact}) Python-urllib/{python}"


def retry_after(header: str | None, attempt: int) -> float:
    """Seconds to wait before the next try: what `Retry-After` says (seconds or an
    HTTP date), else 2, 4, 8 …; never more than MAX_WAIT."""
    import email.utils

    wait = float(2 ** (attempt + 1))
    if header:
        text = header.strip()
        if text.isdigit():
            wait = float(text)
        else:
            try:
                when = email.utils.parsedate_to_datetime(text)
                wait = (when - dt.datetime.now(dt.UTC)).total_seconds()
            except (TypeError, ValueError):
                pass
    return min(max(wait, 0.0), MAX_WAIT)


def _bindings(endpoint: str, data: bytes) -> list[dict[str, str]]:
    try:
        answer = json.loads(data)
        rows = answer["results"]["bindings"]
        return [{name: cell["value"] for name, cell in row.items()} for row in rows]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise FetchError(
            _("{endpoint} did not answer with SPARQL results in JSON").format(endpoint=endpoint)
        ) from None


# --- what was fetched -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """A city as Wikidata describes it."""

    qid: str
    de: str = ""
    en: str = ""
    lat: float | None = None
    lng: float | None = None
    country: str = ""


@dataclass(frozen=True, slots=True)
class Link:
    """One P190 statement: `subject` says it is twinned with `object`."""

    subject: str
    object: str
    since: int | None = None
    until: int | None = None
    references: tuple[str, ...] = ()  # reference URLs (P854) and stated-in items (P248)


@dataclass
class Fetched:
    items: dict[str, Item] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    asked: tuple[str, ...] = ()  # the QIDs whose links were fetched
    requests: int = 0
    batches: list[int] = field(default_factory=list)  # requests per batch of cities
    retrieved: dt.date = field(default_factory=dt.date.today)


def fetch(
    qids: Sequence[str],
    endpoint: str = DEFAULT_ENDPOINT,
    *,
    batch: int = CITY_BATCH,
    progress: Callable[[int], None] | None = None,
    ask_endpoint: Callable[[str, str], list[dict[str, str]]] | None = None,
) -> Fetched:
    """The links of the cities `qids` and the facts of every city they involve.

    `progress(n)` is called after each batch with the number of cities it held.
    """
    run = ask_endpoint or (lambda url, query: ask(url, query))
    fetched = Fetched(asked=tuple(dict.fromkeys(qids)))
    seen: set[tuple[str, str, int | None, int | None]] = set()
    by_key: dict[tuple[str, str, int | None, int | None], int] = {}
    for start in range(0, len(fetched.asked), batch):
        chunk = fetched.asked[start : start + batch]
        requests = 1
        for row in run(endpoint, links_query(chunk)):
            subject, obj = _qid(row.get("subject", "")), _qid(row.get("object", ""))
            if not subject or not obj or subject == obj:
                continue
            since, until = _year(row.get("start")), _year(row.get("end"))
            reference = row.get("url") or _qid(row.get("statedIn", ""))
            key = (subject, obj, since, until)
            if key not in seen:
                seen.add(key)
                by_key[key] = len(fetched.links)
                fetched.links.append(Link(subject, obj, since, until))
            if reference:
                old = fetched.links[by_key[key]]
                if reference not in old.references:
                    fetched.links[by_key[key]] = Link(
                        subject, obj, since, until, (*old.references, reference)
                    )
        wanted = [q for link in fetched.links for q in (link.subject, link.object)]
        missing = [q for q in dict.fromkeys((*chunk, *wanted)) if q not in fetched.items]
        for first in range(0, len(missing), LABEL_BATCH):
            part = missing[first : first + LABEL_BATCH]
            requests += 1
            for row in run(endpoint, facts_query(part)):
                _add_item(fetched.items, row)
        fetched.batches.append(requests)
        fetched.requests += requests
        if progress is not None:
            progress(len(chunk))
    return fetched


def _add_item(items: dict[str, Item], row: dict[str, str]) -> None:
    qid = _qid(row.get("item", ""))
    if not qid:
        return
    old = items.get(qid, Item(qid))
    lat, lng = _point(row.get("point", ""))
    country = row.get("country", "").strip().upper()
    items[qid] = Item(
        qid,
        de=old.de or row.get("de", "").strip(),
        en=old.en or row.get("en", "").strip(),
        lat=old.lat if old.lat is not None else lat,
        lng=old.lng if old.lng is not None else lng,
        # An item in several states (P17) gets the first code in the answer.
        country=old.country or (country if re.fullmatch("[A-Z]{2}", country) else ""),
    )


def _qid(value: str) -> str:
    qid = value.removeprefix(_ENTITY)
    return qid if _QID.fullmatch(qid) else ""


def _year(value: str | None) -> int | None:
    """The year of an xsd:dateTime as Wikidata writes it ("1967-01-01T00:00:00Z")."""
    match = re.match(r"\+?(\d{4})-", value or "")
    return int(match.group(1)) if match else None


def _point(value: str) -> tuple[float | None, float | None]:
    """(lat, lng) of a WKT point "Point(lng lat)"; (None, None) if it is not one."""
    match = _POINT.fullmatch(value) if value else None
    if not match:
        return None, None
    try:
        lng, lat = float(match.group(1)), float(match.group(2))
    except ValueError:
        return None, None
    if -90 <= lat <= 90 and -180 <= lng <= 180:
        return lat, lng
    return None, None


# --- into the dataset -----------------------------------------------------------------


def source_for(day: dt.date) -> Source:
    """The source of what a fetch on `day` brought: "Wikidata, retrieved DATE"."""
    return Source(
        id=f"wikidata-{day.isoformat()}",
        publisher="Wikidata",
        title=f"Wikidata, retrieved {day.isoformat()}",
        language="en",
        url="https://www.wikidata.org/",
        date=day.isoformat(),
        note="Twinned administrative body (P190) with start and end time (P580, P582), "
        "labels, coordinates (P625) and country (P17, P297), asked through SPARQL.",
        citation=f"Wikidata contributors, retrieved {day.isoformat()}; CC0",
    )


@dataclass
class MergeReport:
    cities_added: int = 0
    cities_matched: int = 0
    links_added: int = 0
    relations_confirmed: int = 0
    years_added: int = 0
    names_added: int = 0  # German names taken from the labels
    rejected: list[str] = field(default_factory=list)


def merge(dataset: Dataset, fetched: Fetched) -> tuple[Dataset, MergeReport]:
    """The dataset with the fetched cities, links, years and German names."""
    from .matching import replace_record, with_import
    from .wikidata import CityRow, Years, add_years
    from .wikidata import merge as merge_tables

    source = source_for(fetched.retrieved)
    rows = [
        CityRow(
            qid=item.qid,
            name=item.en or item.de,
            lng=item.lng,
            lat=item.lat,
            country_name="",
            country=item.country,
            continent="",
            line=0,
        )
        for item in fetched.items.values()
        if (item.en or item.de) and item.country
    ]
    years: Years = {}
    for link in fetched.links:
        add_years(years, frozenset((link.subject, link.object)), link.since, link.until)
    pairs = [(link.subject, link.object, 0) for link in fetched.links]
    result, tables = merge_tables(
        dataset, rows, pairs, source.id, source_record=source, years=years
    )
    report = MergeReport(
        cities_added=tables.cities_added,
        cities_matched=tables.cities_matched,
        links_added=tables.links_added,
        relations_confirmed=tables.relations_confirmed,
        years_added=tables.years_added,
        rejected=[r.reason for r in tables.rejected],
    )
    cities = list(result.cities)
    for index, city in enumerate(cities):
        item = fetched.items.get(city.wikidata) if city.wikidata else None
        # A name taken from an English table becomes the German label Wikidata knows.
        if item and item.de and city.name == city.name_en and item.de != city.name:
            aliases = tuple(a for a in city.aliases if a != item.de)
            cities[index] = replace_record(city, name=item.de, aliases=aliases)
            report.names_added += 1
    if not report.names_added:
        return result, report
    merged = with_import(
        result,
        (source,),
        cities=tuple(cities),
        memberships=result.memberships,
        partnerships=result.partnerships,
    )
    return merged, report


# --- the other way: what Wikidata lacks -----------------------------------------------

DIFFERENCES = {
    "missing in wikidata": N_("documented here, no P190 in Wikidata"),
    "missing here": N_("P190 in Wikidata, no relation here"),
    "years differ": N_("the years disagree"),
    "one side only": N_("P190 recorded on one side only"),
}


@dataclass(frozen=True, slots=True)
class Difference:
    what: str  # a key of DIFFERENCES
    city: str  # our city id (or the QID where we do not know the city)
    partner: str
    city_qid: str
    partner_qid: str
    kind: str = ""  # our relation's kind
    since: int | None = None  # ours
    wikidata_since: int | None = None
    sources: tuple[str, ...] = ()  # ours
    detail: str = ""


def diff(dataset: Dataset, fetched: Fetched, cities: Sequence[City]) -> list[Difference]:
    """How the dataset and Wikidata disagree about the P190 links of `cities`."""
    qid_of = {c.id: c.wikidata for c in dataset.cities if c.wikidata}
    id_of = {q: c for c, q in qid_of.items()}
    directions: dict[frozenset[str], set[tuple[str, str]]] = {}
    starts: dict[frozenset[str], set[int]] = {}
    for link in fetched.links:
        pair = frozenset((link.subject, link.object))
        directions.setdefault(pair, set()).add((link.subject, link.object))
        if link.since is not None:
            starts.setdefault(pair, set()).add(link.since)
    found: list[Difference] = []
    for city in cities:
        if not city.wikidata or city.wikidata not in fetched.asked:
            continue
        ours: dict[str, Partnership] = {}
        for p in dataset.partnerships_of(city.id):
            other = p.other(city.id)
            if p.kind in TWIN_KINDS and (other not in ours or _formal(p) < _formal(ours[other])):
                ours[other] = p
        for other, p in sorted(ours.items()):
            qid = qid_of.get(other, "")
            pair = frozenset((city.wikidata, qid))
            if not qid or pair not in directions:
                if not all(_from_wikidata(s) for s in p.sources):
                    found.append(_difference("missing in wikidata", city, other, qid, p))
                continue
            wikidata_starts = starts.get(pair, set())
            if p.since is not None and wikidata_starts and p.since not in wikidata_starts:
                found.append(
                    _difference(
                        "years differ", city, other, qid, p, wikidata_since=min(wikidata_starts)
                    )
                )
        ours_qids = {qid_of.get(o, "") for o in ours}
        for pair, sides in sorted(directions.items(), key=lambda t: sorted(t[0])):
            if city.wikidata not in pair:
                continue
            (qid,) = pair - {city.wikidata}
            other = id_of.get(qid, qid)
            if qid not in ours_qids:
                found.append(_difference("missing here", city, other, qid, None))
            if len(sides) == 1:
                (subject, _obj) = next(iter(sides))
                found.append(
                    _difference("one side only", city, other, qid, ours.get(other), detail=subject)
                )
    return found


def _formal(p: Partnership) -> int:
    return list(PARTNERSHIP_KINDS).index(p.kind)


def _from_wikidata(source_id: str) -> bool:
    # What Wikidata itself said is no evidence to send back to it.
    return source_id.startswith("wikidata")


def _difference(
    what: str,
    city: City,
    other: str,
    qid: str,
    p: Partnership | None,
    *,
    wikidata_since: int | None = None,
    detail: str = "",
) -> Difference:
    return Difference(
        what,
        city.id,
        other,
        city.wikidata,
        qid,
        kind=p.kind if p else "",
        since=p.since if p else None,
        wikidata_since=wikidata_since,
        # The source of the start year first: a reference then backs the P580 too.
        sources=tuple(dict.fromkeys((p.since_source, *p.sources) if p.since_source else p.sources))
        if p
        else (),
        detail=detail,
    )


def difference_object(d: Difference) -> dict[str, Any]:
    """A difference as JSON: what, the two cities (ids and QIDs), kind, years, sources."""
    return {
        "difference": d.what,
        "city": d.city,
        "partner": d.partner,
        "city_wikidata": d.city_qid or None,
        "partner_wikidata": d.partner_qid or None,
        "kind": d.kind or None,
        "since": d.since,
        "wikidata_since": d.wikidata_since,
        "sources": list(d.sources),
    }


def quickstatements(
    dataset: Dataset, differences: Iterable[Difference]
) -> tuple[list[str], list[Difference]]:
    """QuickStatements V1 lines for the relations Wikidata lacks, both directions of
    P190, with P580 where we know the start and a reference; and the differences that
    could not be written (a city without QID, or no source with a URL)."""
    lines: list[str] = []
    skipped: list[Difference] = []
    for d in differences:
        if d.what != "missing in wikidata":
            continue
        reference = _reference(dataset, d.sources)
        if not d.city_qid or not d.partner_qid or not reference:
            skipped.append(d)
            continue
        start = f"\tP580\t+{d.since:04d}-00-00T00:00:00Z/9" if d.since else ""
        for a, b in ((d.city_qid, d.partner_qid), (d.partner_qid, d.city_qid)):
            lines.append(f"{a}\tP190\t{b}{start}{reference}")
    return lines, skipped


def _reference(dataset: Dataset, source_ids: Iterable[str]) -> str:
    """The QuickStatements reference of the first source that has an address:
    S854 (reference URL) or S248 (stated in, for a Wikidata item), with S813
    (retrieved) where the source is dated."""
    for source_id in source_ids:
        source = dataset.source_by_id.get(source_id)
        if source is None or _from_wikidata(source_id) or not source.url:
            continue
        item = re.fullmatch(
            r"https?://(?:www\.)?wikidata\.org/(?:wiki|entity)/(Q[1-9][0-9]*)", source.url
        )
        out = f"\tS248\t{item.group(1)}" if item else f'\tS854\t"{_qs_text(source.url)}"'
        day = _day(source.date)
        return out + (f"\tS813\t{day}" if day else "")
    return ""


def _qs_text(value: str) -> str:
    return value.replace('"', "%22").replace("\t", " ").replace("\n", " ")


def _day(text: str) -> str:
    """A source's date as a QuickStatements time: +2026-05-12T00:00:00Z/11 (/10 a month,
    /9 a year); "" if it is not one."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text.strip())
    if not match:
        return ""
    year, month, day = match.group(1), match.group(2), match.group(3)
    precision = 11 if day else 10 if month else 9
    return f"+{year}-{month or '00'}-{day or '00'}T00:00:00Z/{precision}"

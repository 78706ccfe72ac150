"""Relations in time: which are in force in a year, and a city's events year by year.

A relation (a partnership or a membership) is in force from `since` to `until`
(both years included) unless its `status` says it was suspended or ended from
`status_since` on. A relation without a start year is neither in force nor out
of it in a given year: the queries leave it out and say how many they left out.
Pure functions; the chart is a string of SVG, nothing here prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from . import markup
from .i18n import N_, _, ngettext
from .model import City, Dataset, Membership, Partnership

# The events of a timeline, and the words tables show for them.
EVENTS: dict[str, str] = {
    "joined": N_("joined"),
    "left": N_("left"),
    "began": N_("began"),
    "ended": N_("ended"),
    "suspended": N_("suspended"),
    "resumed": N_("resumed"),
    "role began": N_("role began"),
    "role ended": N_("role ended"),
}
_OFF = ("suspended", "ended")  # states in which a relation is not in force
T = TypeVar("T")


def in_force(relation: Partnership | Membership, year: int) -> bool | None:
    """Whether the relation was in force in `year`; None where the documents do not say
    (no start year, or a suspension or end without its year)."""
    if relation.since is None:
        return None
    if year < relation.since or (relation.until is not None and year > relation.until):
        return False
    if relation.status in _OFF:
        if relation.status_since is None:
            return None
        if year >= relation.status_since:
            return False
    return True


def known_in_force(
    items: Iterable[T], year: int, relation: Callable[[T], Partnership | Membership] | None = None
) -> tuple[list[T], int]:
    """The items whose relation (the item itself by default) is known to be in force in
    `year`, and how many could not be placed in time."""
    kept: list[T] = []
    unknown = 0
    for item in items:
        state = in_force(relation(item) if relation else item, year)  # type: ignore[arg-type]
        if state is None:
            unknown += 1
        elif state:
            kept.append(item)
    return kept, unknown


def status_of(relation: Partnership | Membership) -> str:
    """The relation's state; `active` where no document gives one."""
    return relation.status or "active"


# --- a city's events ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    """One dated change in a city's relations."""

    year: int
    event: str  # a key of EVENTS
    party: str  # the other city's or the network's id
    name: str  # … and its name
    party_kind: str  # "city" or "network"
    kind: str  # the partnership's kind, or "membership"
    source: str  # the id of the source that dates it
    role: str = ""  # the role, for "role began" and "role ended"


def events(dataset: Dataset, city: City) -> tuple[list[Event], int]:
    """The city's events by year, and how many of its relations have no year at all."""
    found: list[Event] = []
    undated = 0
    for m in dataset.memberships_by_city.get(city.id, ()):
        network = dataset.network_by_id[m.network]
        dated = _lifecycle(m, ("joined", "left"), "network", m.network, network.label, found)
        for role in m.roles:
            for year, what in ((role.since, "role began"), (role.until, "role ended")):
                if year is not None:
                    found.append(
                        Event(
                            year,
                            what,
                            m.network,
                            network.label,
                            "network",
                            "membership",
                            role.source,
                            role.role,
                        )
                    )
                    dated = True
        undated += not dated
    for p in dataset.partnerships_of(city.id):
        other = dataset.city_by_id[p.other(city.id)]
        undated += not _lifecycle(p, ("began", "ended"), "city", other.id, other.name, found)
    order = {event: i for i, event in enumerate(EVENTS)}
    found.sort(key=lambda e: (e.year, order[e.event], e.name.casefold(), e.kind))
    return found, undated


def _lifecycle(
    relation: Partnership | Membership,
    words: tuple[str, str],
    party_kind: str,
    party: str,
    name: str,
    found: list[Event],
) -> bool:
    """Add the dated events of one relation to `found`; whether it had any."""
    kind = relation.kind if isinstance(relation, Partnership) else "membership"
    first = relation.sources[0]
    dated = [
        (relation.since, words[0], relation.since_source or first),
        (relation.until, words[1], first),
    ]
    if relation.status and relation.status_since is not None:
        what = "resumed" if relation.status == "active" else relation.status
        # An end stated both as `until` and as the status is one event.
        if not (what == "ended" and relation.until == relation.status_since):
            dated.append((relation.status_since, what, relation.status_source or first))
    before = len(found)
    for year, what, source in dated:
        if year is not None:
            found.append(Event(year, what, party, name, party_kind, kind, source))
    return len(found) > before


def event_object(event: Event) -> dict[str, object]:
    """An event as the JSON contract describes it: year, event, `city` or `network` (the
    other party's id), its name, kind, source, and the role of a role's event."""
    return {
        "year": event.year,
        "event": event.event,
        event.party_kind: event.party,
        "name": event.name,
        "kind": event.kind,
        "source": event.source,
        "role": event.role or None,
    }


# --- the chart ----------------------------------------------------------------------

_LANE = 22  # px per lane
_LABEL = 190  # px for the names on the left
_WIDTH = 760
_COLOURS = {"city": "#2b6cb0", "network": "#2f855a"}


def chart_svg(
    city: City, found: Sequence[Event], *, this_year: int | None = None, title: str = ""
) -> str:
    """The events as an SVG chart: one lane per partner or network, a bar while the
    relation is in force, dashed while suspended, a tick for every event."""
    last_year = this_year or dt.date.today().year
    lanes: dict[tuple[str, str], list[Event]] = {}
    for event in found:
        lanes.setdefault((event.party_kind, event.party), []).append(event)
    years = [e.year for e in found] or [last_year]
    first = min(years) // 10 * 10
    last = max(max(years), last_year)
    span = max(last - first, 1)
    plot = _WIDTH - _LABEL - 20

    def x(year: float) -> float:
        return round(_LABEL + (year - first) / span * plot, 1)

    height = 40 + _LANE * len(lanes) + 30
    label = title or _("Timeline of {city}").format(city=city.name)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {height}" '
        f'width="{_WIDTH}" height="{height}" font-family="{markup.text(markup.FONTS)}" '
        f'font-size="12" role="img" aria-label="{markup.text(label)}">',
        f"<title>{markup.text(label)}</title>",
    ]
    for decade in range(first, last + 1, 10):
        out.append(
            f'<line x1="{x(decade)}" y1="30" x2="{x(decade)}" y2="{height - 25}" '
            'stroke="#ddd"/>'
            f'<text x="{x(decade)}" y="{height - 10}" text-anchor="middle" '
            f'fill="#555">{decade}</text>'
        )
    for row, ((party_kind, _party), these) in enumerate(lanes.items()):
        y = 40 + row * _LANE
        colour = _COLOURS[party_kind]
        out.append(
            f'<text x="{_LABEL - 8}" y="{y + 4}" text-anchor="end">'
            f"{markup.text(these[0].name)}</text>"
        )
        relations: dict[str, list[Event]] = {}
        for event in these:
            relations.setdefault(event.kind, []).append(event)
        stretches = [s for r in relations.values() for s in _segments(r, last_year)]
        for start, end, dashed in stretches:
            dash = ' stroke-dasharray="4 3"' if dashed else ""
            out.append(
                f'<line x1="{x(start)}" y1="{y}" x2="{x(end + 1) if end < last else x(end)}" '
                f'y2="{y}" stroke="{colour}" stroke-width="6"{dash}/>'
            )
        for event in these:
            what = (
                f"{_(EVENTS[event.event])} {event.role}" if event.role else _(EVENTS[event.event])
            )
            words = f"{event.year}: {what} ({event.kind}, {event.source})"
            out.append(
                f'<circle cx="{x(event.year)}" cy="{y}" r="4" fill="#fff" '
                f'stroke="{colour}" stroke-width="2"><title>{markup.text(words)}</title></circle>'
            )
    out.append("</svg>")
    return "\n".join(out)


def _segments(relation: Sequence[Event], last_year: int) -> list[tuple[int, int, bool]]:
    """(from, to, suspended) stretches of one relation, from its events."""
    years = {e.event: e.year for e in reversed(relation)}  # the first of each event
    # A membership known only through its roles, or a relation known only through a
    # change of state, is drawn from its first event.
    start = years.get("joined", years.get("began", min(e.year for e in relation)))
    end = max(years.get("left", years.get("ended", last_year)), start)
    suspended, resumed = years.get("suspended"), years.get("resumed")
    if suspended is None or not start <= suspended <= end:
        return [(start, end, False)]
    stretches = [(start, suspended - 1, False)] if suspended > start else []
    if resumed is not None and suspended < resumed <= end:
        return [*stretches, (suspended, resumed - 1, True), (resumed, end, False)]
    return [*stretches, (suspended, end, True)]


def chart_html(city: City, found: Sequence[Event], undated: int) -> str:
    """The chart on a self-contained page, with a note on the undated relations."""
    title = _("Timeline of {city}").format(city=city.name)
    note = ""
    if undated:
        note = '<p class="muted">' + markup.text(undated_note(undated)) + "</p>"
    body = f"<h1>{markup.text(title)}</h1>\n<figure>{chart_svg(city, found)}</figure>\n{note}"
    return markup.page(title, body)


def undated_note(count: int, year: int | None = None) -> str:
    """The note under a timeline or a query in time: how many relations had no year."""
    if year is not None:
        return ngettext(
            "{count} relation left out: whether it was in force in {year} is not known.",
            "{count} relations left out: whether they were in force in {year} is not known.",
            count,
        ).format(count=count, year=year)
    return ngettext(
        "{count} relation has no year and is not shown.",
        "{count} relations have no year and are not shown.",
        count,
    ).format(count=count)

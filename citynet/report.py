"""A city's report for its mayor's office: networks, partners, map, figures, sources.

The report is written once as a list of blocks (headings, paragraphs, tables,
the map), every fact with the numbers of its sources, and then rendered as a
self-contained HTML page (printable on A4) or as Markdown, in the interface's
language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, formats, markup
from .i18n import N_, _, ngettext
from .model import City, Dataset, Figure, Membership, Network, Role
from .names import fold

if TYPE_CHECKING:
    from .network import Position
    from .query import Partner

FORMATS = formats.names("report")

_MONTHS = [
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
]
_MEASURES = {"members": N_("Members"), "countries": N_("Countries"), "other": N_("Other")}


# --- the blocks of a report ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    """Plain text (escaped when rendered) and the numbers of the sources it rests on."""

    text: str
    refs: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    cells: tuple[Cell, ...]
    muted: bool = False


Entry = Cell | tuple[Cell, ...]  # a table cell holds one fact or a list of them


@dataclass(frozen=True, slots=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[Entry, ...], ...]


@dataclass(frozen=True, slots=True)
class MapBlock:
    city: City


@dataclass(frozen=True, slots=True)
class TimelineBlock:
    """The chart of a city's timeline (HTML only; the table beside it is a Table)."""

    svg: str


@dataclass(frozen=True, slots=True)
class SourceList:
    items: tuple[tuple[int, str], ...]


Block = Heading | Paragraph | Table | MapBlock | TimelineBlock | SourceList


@dataclass
class Report:
    title: str
    made: dt.date
    blocks: list[Block] = field(default_factory=list)


class _Footnotes:
    """Numbers for sources in the order the report first cites them."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def __call__(self, sources: Iterable[str]) -> tuple[int, ...]:
        found = []
        for source in sources:
            if source:
                found.append(self.numbers.setdefault(source, len(self.numbers) + 1))
        return tuple(sorted(set(found)))


def long_date(day: dt.date) -> str:
    """29 November 2026; in German 29. November 2026."""
    month = _(_MONTHS[day.month - 1])
    return _("{day} {month} {year}").format(day=day.day, month=month, year=day.year)


# --- what the report says -----------------------------------------------------------


def build(
    dataset: Dataset,
    city: City,
    today: dt.date | None = None,
    known: Mapping[str, Position] | None = None,
) -> Report:
    """The report on one city, as blocks; `today` is the date it is made. `known`: every
    city's place in the graph, where the caller has it (the CLI keeps it in the cache),
    else it is computed."""
    from .network import positions
    from .query import partners_of

    made = today or dt.date.today()
    cite = _Footnotes()
    memberships = sorted(
        dataset.memberships_by_city.get(city.id, ()),
        key=lambda m: fold(dataset.network_by_id[m.network].label),
    )
    partners = partners_of(dataset, city)
    report = Report(_("{city}: city networks and partnerships").format(city=city.name), made)
    cities = len({p.city.id for p in partners})
    summary = _(
        "According to the dataset, {city} ({country}) is {membership} and has {relations} "
        "({count})."
    ).format(
        city=city.name,
        country=city.country,
        membership=ngettext(
            "a member of {count} city network",
            "a member of {count} city networks",
            len(memberships),
        ).format(count=len(memberships)),
        relations=ngettext(
            "relations with {count} city", "relations with {count} cities", cities
        ).format(count=cities),
        count=ngettext("{count} relation", "{count} relations", len(partners)).format(
            count=len(partners)
        ),
    )
    report.blocks += [
        Heading(1, report.title),
        Paragraph((Cell(summary, cite(city.sources)),)),
        Paragraph((Cell(_("As of {date}").format(date=long_date(made))),), muted=True),
        Heading(2, _("1. Memberships in city networks")),
        *_networks_section(dataset, city, memberships, cite),
        Heading(2, _("2. Partner cities")),
        *_partners_section(partners, cite),
        *_position_section(city, (known if known is not None else positions(dataset)).get(city.id)),
        Heading(2, _("3. Map")),
        MapBlock(city),
        Heading(2, _("4. Figures of the networks")),
        *_figures_section(dataset, [dataset.network_by_id[m.network] for m in memberships], cite),
        Heading(2, _("5. Timeline")),
        *_timeline_section(dataset, city, cite, made.year),
        Heading(2, _("Sources")),
    ]
    # Last, so that it lists every source the sections above cited.
    items = [(n, _source_text(dataset, source)) for source, n in cite.numbers.items()]
    report.blocks.append(SourceList(tuple(items)))
    return report


def _networks_section(
    dataset: Dataset, city: City, memberships: Sequence[Membership], cite: _Footnotes
) -> list[Block]:
    blocks: list[Block] = []
    if memberships:
        blocks.append(_membership_table(dataset, city, memberships, cite))
    else:
        blocks.append(Paragraph((Cell(_("No memberships in the dataset.")),)))
    member_of = {m.network for m in memberships}
    offices = [
        (network, role)
        for network in dataset.networks
        if network.id not in member_of
        for role in network.people
        if role.city == city.id
    ]
    if offices:
        rows = tuple((Cell(n.label), _role_cell(dataset, city, r, cite)) for n, r in offices)
        blocks.append(Heading(3, _("Offices in networks the city is not a member of")))
        blocks.append(Table((_("Network"), _("Person and office")), rows))
    return blocks


def _partners_section(partners: Sequence[Partner], cite: _Footnotes) -> list[Block]:
    from .maps import kind_label, kind_rank
    from .views import period

    if not partners:
        return [Paragraph((Cell(_("No partner cities in the dataset.")),))]
    blocks: list[Block] = []
    for kind in sorted({p.partnership.kind for p in partners}, key=kind_rank):
        these = [p for p in partners if p.partnership.kind == kind]
        label = kind_label(kind)  # a heading starts with a capital, in English too
        blocks.append(Heading(3, f"{label[:1].upper()}{label[1:]} ({len(these)})"))
        # A note shared by several partners is said once, above the table, with a letter.
        notes = [p.partnership.note for p in these if p.partnership.note]
        shared = [n for n in dict.fromkeys(notes) if notes.count(n) > 1]
        letters = {note: chr(ord("A") + i) for i, note in enumerate(shared)}
        blocks += [Paragraph((Cell(f"{x}: {note}"),), muted=True) for note, x in letters.items()]
        rows: list[tuple[Entry, ...]] = []
        for partner in these:
            p = partner.partnership
            note = _("see {letter}").format(letter=letters[p.note]) if p.note in letters else p.note
            rows.append(
                (
                    Cell(partner.city.name, cite(p.sources)),
                    Cell(partner.city.country),
                    Cell(period(p.since, p.until, p.status, p.status_since)),
                    Cell("; ".join(x for x in (p.programme, note) if x)),
                )
            )
        headers = (_("City"), _("Country"), _("Period"), _("Programme, note"))
        blocks.append(Table(headers, tuple(rows)))
    return blocks


def _timeline_section(dataset: Dataset, city: City, cite: _Footnotes, year: int) -> list[Block]:
    """The dated events of the city's relations: the chart, then one row per event."""
    from .timeline import EVENTS, chart_svg, events, undated_note
    from .views import kind_label

    found, undated = events(dataset, city)
    blocks: list[Block] = []
    if found:
        blocks.append(TimelineBlock(chart_svg(city, found, this_year=year)))
        rows = tuple(
            (
                Cell(str(e.year)),
                Cell(f"{_(EVENTS[e.event])}: {e.role}" if e.role else _(EVENTS[e.event])),
                Cell(e.name, cite([e.source])),
                Cell(kind_label(e.kind)),
            )
            for e in found
        )
        blocks.append(Table((_("Year"), _("Event"), _("City or network"), _("Kind")), rows))
    else:
        blocks.append(Paragraph((Cell(_("No dated events in the dataset.")),)))
    if undated:
        blocks.append(Paragraph((Cell(undated_note(undated)),), muted=True))
    return blocks


def _position_section(city: City, position: Position | None) -> list[Block]:
    """The city's place in the graph of relations: its ranks by partner cities and by
    betweenness, and the community it belongs to (`citynet.network`)."""
    from .i18n import number

    if position is None:
        return []
    rank = _(
        "In the graph of relations {city} ranks {degree} of {total} cities by partner "
        "cities and {between} by betweenness (how many shortest chains between other "
        "cities pass through it)."
    ).format(
        city=city.name,
        degree=number(position.degree_rank),
        between=number(position.between_rank),
        total=number(position.cities),
    )
    group = ngettext(
        "It belongs to community {number} of {count} city (countries: {countries}).",
        "It belongs to community {number} of {count} cities (most in {countries}), with {others}.",
        position.community_size,
    ).format(
        number=position.community,
        count=number(position.community_size),
        countries=", ".join(position.countries),
        others=", ".join(position.others),
    )
    return [Paragraph((Cell(rank), Cell(group)))]


def _figures_section(
    dataset: Dataset, networks: Sequence[Network], cite: _Footnotes
) -> list[Block]:
    """The figures of the networks, one row per network and measure, the statements of
    the sources side by side."""
    from .query import figure_conflicts

    disputed = {(n.id, measure) for n, measure, _ in figure_conflicts(dataset)}
    rows: list[tuple[Entry, ...]] = []
    for network in networks:
        by_measure: dict[str, list[Figure]] = {}
        for figure in network.figures:
            by_measure.setdefault(figure.measure, []).append(figure)
        for measure, figures in by_measure.items():
            verdict = (
                _("differ ≠")
                if (network.id, measure) in disputed
                else _("agree")
                if len(figures) > 1
                else _("one source")
            )
            statements = tuple(
                Cell(f.text + (f" ({f.year})" if f.year else ""), cite([f.source])) for f in figures
            )
            label = Cell(_(_MEASURES[measure]) if measure in _MEASURES else measure)
            rows.append((Cell(network.label), label, Cell(verdict), *statements))
    if not rows:
        return [Paragraph((Cell(_("The sources give no figures for these networks.")),))]
    widest = max(len(row) for row in rows) - 3
    headers = (_("Network"), _("Measure"), _("Sources"), *_statement_headers(widest))
    padded = tuple(row + (Cell(""),) * (widest + 3 - len(row)) for row in rows)
    explanation = _(
        "What the sources say about the size and reach of the networks. Where sources "
        "give different numbers, they stand side by side and are marked."
    )
    return [Paragraph((Cell(explanation),)), Table(headers, padded)]


def _statement_headers(count: int) -> list[str]:
    if count == 1:
        return [_("Statement")]
    return [_("Statement {number}").format(number=i) for i in range(1, count + 1)]


def _membership_table(
    dataset: Dataset, city: City, memberships: Sequence[Membership], cite: _Footnotes
) -> Table:
    from .views import period

    rows: list[tuple[Entry, ...]] = []
    for m in memberships:
        network = dataset.network_by_id[m.network]
        name = network.name
        if network.short_name and not fold(network.name).startswith(fold(network.short_name)):
            name = f"{network.short_name} – {network.name}"
        roles = [_role_cell(dataset, city, r, cite) for r in m.roles]
        roles += [_role_cell(dataset, city, r, cite) for r in network.people if r.city == city.id]
        unique = tuple({cell.text: cell for cell in roles}.values())  # a role told twice
        rows.append(
            (
                Cell(name, cite(m.sources)),
                Cell(period(m.since, m.until, m.status, m.status_since, m.since_text)),
                unique,
                tuple(Cell(group) for group in m.working_groups),
            )
        )
    headers = (_("Network"), _("Period"), _("Roles and people"), _("Working groups"))
    return Table(headers, tuple(rows))


def _role_cell(dataset: Dataset, city: City, role: Role, cite: _Footnotes) -> Cell:
    from .views import _years

    text = role.role
    if role.person:
        text = f"{role.person}: {text}"
    if role.body:
        text += f", {role.body}"
    if role.city and role.city != city.id and role.city in dataset.city_by_id:
        text += " (" + _("with {city}").format(city=dataset.city_by_id[role.city].name) + ")"
    years = _years(role.since, role.until, ended=role.ended)
    if years:
        text += f" ({years})"
    return Cell(text, cite([role.source]))


def _source_text(dataset: Dataset, source_id: str) -> str:
    from .query import citation

    source = dataset.source_by_id.get(source_id)
    if source is None:
        return source_id
    parts = [citation(source).rstrip(".")]
    if source.file:
        parts.append(_("File {file}").format(file=source.file))
    parts.append(_("ID {id}").format(id=source.id))
    return ". ".join(parts) + "."


# --- HTML --------------------------------------------------------------------------

_PRINT_CSS = """
.report-table td:first-child { font-weight: 600; min-width: 8.5em; }
.report-table td { overflow-wrap: break-word; }
.made { color: #555; }
ol.sources li { margin-bottom: .3rem; }
@page { size: A4; margin: 18mm 16mm 20mm 16mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  h1 { font-size: 17pt; } h2 { font-size: 13pt; } h3 { font-size: 11pt; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, li, figure, .legend { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  figure > svg { border: 0; }
  a { color: inherit; text-decoration: none; }
}
"""


def render_html(dataset: Dataset, report: Report) -> str:
    """The report as one self-contained, printable HTML page."""
    out = []
    for block in report.blocks:
        if isinstance(block, Heading):
            out.append(f"<h{block.level}>{markup.text(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            css = ' class="made"' if block.muted else ""
            out.append(f"<p{css}>" + " ".join(_html_cell(c) for c in block.cells) + "</p>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{markup.text(h)}</th>" for h in block.headers)
            body = "".join(
                "<tr>" + "".join(f"<td>{_html_entry(c)}</td>" for c in row) + "</tr>"
                for row in block.rows
            )
            out.append(
                f'<table class="report-table"><thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>"
            )
        elif isinstance(block, MapBlock):
            from .maps import city_map, figure

            out.append(figure(city_map(dataset, block.city)))
        elif isinstance(block, TimelineBlock):
            out.append(f"<figure>{block.svg}</figure>")
        else:
            items = "".join(
                f'<li id="q{n}" value="{n}">{markup.text(text)}</li>' for n, text in block.items
            )
            out.append(f'<ol class="sources">{items}</ol>')
    attribution = _(
        "Map: Equal Earth projection, outlines Natural Earth (public domain) via world-atlas "
        "(ISC licence, © Michael Bostock)."
    )
    out.append(f"<footer>{markup.text(_made(report))} {markup.text(attribution)}</footer>")
    return markup.page(report.title, "\n".join(out), css=_PRINT_CSS)


def _made(report: Report) -> str:
    return _("Made on {date} with citynet {version}.").format(
        date=long_date(report.made), version=__version__
    )


def _html_entry(entry: Entry) -> str:
    if isinstance(entry, Cell):
        return _html_cell(entry)
    return "<br>".join(_html_cell(c) for c in entry)


def _html_cell(cell: Cell) -> str:
    refs = "".join(f'<sup class="ref"><a href="#q{n}">[{n}]</a></sup>' for n in cell.refs)
    # A word joiner keeps the footnote numbers on the line of the fact they belong to.
    return markup.text(cell.text) + ("\u2060" + refs if refs and cell.text else refs)


# --- Markdown ------------------------------------------------------------------------


def render_markdown(report: Report, map_file: str | None = None) -> str:
    """The report as Markdown; the map is an image link to `map_file` when there is one."""
    from .output import markdown_text

    def cell(entry: Entry) -> str:
        if not isinstance(entry, Cell):
            return "; ".join(cell(c) for c in entry)
        return markdown_text(entry.text) + "".join(f" [{n}]" for n in entry.refs)

    out = []
    for block in report.blocks:
        if isinstance(block, Heading):
            out.append("#" * block.level + " " + markdown_text(block.text))
        elif isinstance(block, Paragraph):
            text = " ".join(cell(c) for c in block.cells)
            out.append(f"*{text}*" if block.muted else text)
        elif isinstance(block, Table):
            lines = ["| " + " | ".join(markdown_text(h) for h in block.headers) + " |"]
            lines.append("|" + "|".join(" --- " for _ in block.headers) + "|")
            lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in block.rows]
            out.append("\n".join(lines))
        elif isinstance(block, MapBlock):
            alt = _("Map: {city} and its partner cities").format(
                city=markdown_text(block.city.name)
            )
            elsewhere = _(
                "The map is in the HTML report (`--format html`) or on its own: "
                "`citynet map {city} -o map.svg`."
            )
            out.append(
                f"![{alt}]({map_file})" if map_file else elsewhere.format(city=block.city.id)
            )
        elif isinstance(block, TimelineBlock):
            continue  # the table beside it says the same in text
        else:
            out.append("\n".join(f"{n}. {markdown_text(text)}" for n, text in block.items))
    out.append(f"*{markdown_text(_made(report))}*")
    return "\n\n".join(out) + "\n"


def map_file_for(path: Path) -> Path:
    """Where a Markdown report's map goes: beside it, `bericht.md` → `bericht-karte.svg`."""
    return path.with_name(f"{path.stem}-karte.svg")

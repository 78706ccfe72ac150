"""Typer wiring: parse options, call the query, hand the rows to output.

Each command reads like a sentence: load the dataset, resolve the names, run the
query, render the result. Errors meant for people (CitynetError) are turned into
a message on stderr and their exit status in one place, `_Group.invoke`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from . import __version__
from .errors import CitynetError, DataError
from .model import PARTNERSHIP_KINDS, City, Dataset, Membership, Network, Partnership


class _Group(TyperGroup):
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except CitynetError as error:
            report(str(error))
            raise typer.Exit(error.exit_code) from None


def report(message: str) -> None:
    """A message for people, on stderr, with control characters made visible."""
    from .output import printable

    lines = message.splitlines() or [""]
    sys.stderr.write("".join(f"citynet: {printable(line)}\n" for line in lines))


app = typer.Typer(
    cls=_Group,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Europäische und internationale Städtenetzwerke und Städtepartnerschaften erkunden.\n\n"
    "Explore European and international city networks and city partnerships.",
    epilog="Exit status: 0 ok, 1 name not found or ambiguous, 2 usage error, 3 data file "
    "unreadable or invalid.",
)


@dataclass
class Settings:
    data: Path | None
    color: bool


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    tsv = "tsv"
    md = "md"
    ids = "ids"


FormatOption = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format. Default: table on a terminal, tsv in a pipe.",
        show_default=False,
        case_sensitive=False,
    ),
]


def _version(value: bool) -> None:
    if value:
        print(f"citynet {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            envvar="CITYNET_DATA",
            help="Data file to use instead of the shipped dataset.",
            show_default=False,
            dir_okay=True,  # a folder is reported by the loader, with exit status 3
        ),
    ] = None,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colour (also: NO_COLOR=1).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    ctx.obj = Settings(data=data, color=not no_color and "NO_COLOR" not in os.environ)


# --- helpers shared by every command ---------------------------------------------


def _settings(ctx: typer.Context) -> Settings:
    settings = ctx.find_root().obj
    return settings if isinstance(settings, Settings) else Settings(None, True)


def dataset(ctx: typer.Context) -> Dataset:
    from .cache import load_cached
    from .files import data_path

    return load_cached(data_path(_settings(ctx).data))


def show(ctx: typer.Context, listing: Any, fmt: Format | None) -> None:
    from .output import render

    chosen = fmt.value if fmt else ("table" if sys.stdout.isatty() else "tsv")
    render(listing, chosen, sys.stdout, color=_settings(ctx).color)


def _complete(kind: type[Network] | type[City] | None) -> Any:
    """Shell completion of network and city ids; silent when the data cannot be read."""

    def complete(ctx: typer.Context, incomplete: str) -> list[str]:
        try:
            data = dataset(ctx)
        except CitynetError:
            return []
        records: list[Network | City] = []
        if kind in (None, Network):
            records += data.networks
        if kind in (None, City):
            records += data.cities
        return [r.id for r in records if r.id.startswith(incomplete.lower())]

    return complete


def _complete_theme(ctx: typer.Context, incomplete: str) -> list[str]:
    try:
        return [t.id for t in dataset(ctx).themes if t.id.startswith(incomplete.lower())]
    except CitynetError:
        return []


# --- commands ---------------------------------------------------------------------


@app.command()
def check(ctx: typer.Context) -> None:
    """Validate a data file: print a summary and every problem.

    Examples:

      citynet check

      citynet --data my-networks.toml check
    """
    from .files import data_path
    from .query import figure_conflicts
    from .store import load

    path = data_path(_settings(ctx).data)
    try:
        data = load(path)
    except DataError as error:
        report(f"{path}: {len(error.problems)} problem(s)")
        raise
    conflicts = figure_conflicts(data)
    figures = sum(len(n.figures) for n in data.networks)
    print(f"{path}: ok")
    print(
        f"{len(data.networks)} networks, {len(data.cities)} cities, "
        f"{len(data.memberships)} memberships, {len(data.partnerships)} partnerships, "
        f"{len(data.sources)} sources, {len(data.themes)} themes, {figures} figures"
    )
    print(f"{len(conflicts)} figure(s) on which sources disagree:")
    for network, measure, stated in conflicts:
        told = "; ".join(f"{f.text} [{f.source}]" for f in stated)
        print(f"  {network.id} {measure}: {told}")


@app.command("list")
def list_networks(
    ctx: typer.Context,
    theme: Annotated[
        list[str] | None,
        typer.Option(
            "--theme",
            "-t",
            help="Theme slug or alias (repeatable; all must match).",
            autocompletion=_complete_theme,
        ),
    ] = None,
    scope: Annotated[
        str | None, typer.Option("--scope", help="global, europe, national or regional.")
    ] = None,
    member: Annotated[
        str | None,
        typer.Option(
            "--member",
            "-m",
            help="Only networks this city is a member of.",
            autocompletion=_complete(City),
        ),
    ] = None,
    founded_after: Annotated[int | None, typer.Option(help="Founded after this year.")] = None,
    founded_before: Annotated[int | None, typer.Option(help="Founded before this year.")] = None,
    sort: Annotated[
        str, typer.Option("--sort", help="id, name, scope, founded or members.")
    ] = "id",
    fmt: FormatOption = None,
) -> None:
    """List networks, filtered by theme, scope, member city or founding year.

    Examples:

      citynet list --theme klima

      citynet list --scope europe --member koeln --sort founded

      citynet list --theme climate --format json | jq '.[].id'
    """
    from .names import resolve
    from .query import filter_networks, resolve_scope, resolve_theme
    from .views import network_list

    data = dataset(ctx)
    networks = filter_networks(
        data,
        themes=[resolve_theme(data, t) for t in theme or ()],
        scope=resolve_scope(scope) if scope else None,
        member=resolve(data, member, City) if member else None,  # type: ignore[arg-type]
        founded_after=founded_after,
        founded_before=founded_before,
        sort=sort,
    )
    show(ctx, network_list(data, networks), fmt)


@app.command("show")
def show_record(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(help="Network or city: id, name or alias.", autocompletion=_complete(None)),
    ],
    fmt: FormatOption = None,
) -> None:
    """Show one network or city in full, every fact with its source.

    Examples:

      citynet show c40

      citynet show "Klima-Bündnis"

      citynet show koeln --format json
    """
    from .names import resolve
    from .views import city_detail, network_detail

    data = dataset(ctx)
    record = resolve(data, name)
    listing = (
        network_detail(data, record) if isinstance(record, Network) else city_detail(data, record)
    )
    show(ctx, listing, fmt)


@app.command()
def partners(
    ctx: typer.Context,
    city: Annotated[
        str, typer.Argument(help="City: id, name or alias.", autocompletion=_complete(City))
    ],
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", "-k", help=f"Only these kinds: {', '.join(PARTNERSHIP_KINDS)}."),
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """A city's partner cities, in both directions, with kind and period.

    Examples:

      citynet partners berlin

      citynet partners paris --kind partnership

      citynet partners berlin --format tsv | cut -f2
    """
    from .names import resolve
    from .query import partners_of, resolve_kind
    from .views import partner_list

    data = dataset(ctx)
    found = resolve(data, city, City)
    assert isinstance(found, City)
    kinds = [resolve_kind(k) for k in kind or ()]
    show(ctx, partner_list(found, partners_of(data, found, kinds)), fmt)


@app.command()
def compare(
    ctx: typer.Context,
    names: Annotated[
        list[str],
        typer.Argument(
            help="Two or more networks, or two or more cities.", autocompletion=_complete(None)
        ),
    ],
    fmt: FormatOption = None,
) -> None:
    """Compare networks attribute by attribute, or cities by networks and partners.

    Examples:

      citynet compare eurocities cemr

      citynet compare c40 iclei klima-buendnis

      citynet compare berlin koeln
    """
    from .errors import UsageError
    from .names import resolve
    from .views import city_comparison, network_comparison

    if len(names) < 2:
        raise UsageError("compare needs at least two names")
    data = dataset(ctx)
    records = [resolve(data, n) for n in names]
    if all(isinstance(r, Network) for r in records):
        show(ctx, network_comparison(data, records), fmt)  # type: ignore[arg-type]
    elif all(isinstance(r, City) for r in records):
        show(ctx, city_comparison(data, records), fmt)  # type: ignore[arg-type]
    else:
        raise UsageError(
            "compare either networks or cities, not both: "
            + ", ".join(f"{r.id} ({type(r).__name__.lower()})" for r in records)
        )


@app.command()
def themes(ctx: typer.Context, fmt: FormatOption = None) -> None:
    """The theme vocabulary, with how many networks each theme has.

    Examples:

      citynet themes

      citynet themes --format ids
    """
    from .views import theme_list

    show(ctx, theme_list(dataset(ctx)), fmt)


@app.command()
def cities(
    ctx: typer.Context,
    country: Annotated[
        str | None, typer.Option("--country", "-c", help="ISO 3166-1 code, e.g. DE.")
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Cities with country and counts of memberships and partners.

    Examples:

      citynet cities

      citynet cities --country DE --format csv > staedte.csv
    """
    from .query import filter_cities
    from .views import city_list

    data = dataset(ctx)
    show(ctx, city_list(data, filter_cities(data, country)), fmt)


@app.command()
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Text to look for (case and accents ignored).")],
    fmt: FormatOption = None,
) -> None:
    """Search names, aliases and descriptions of networks and cities.

    Examples:

      citynet search rassismus

      citynet search "covenant" --format ids
    """
    from .query import search as search_dataset
    from .views import search_results

    show(ctx, search_results(search_dataset(dataset(ctx), text)), fmt)


# --- maps and reports ---------------------------------------------------------------


class MapFormat(StrEnum):
    svg = "svg"
    geojson = "geojson"
    html = "html"


class ReportFormat(StrEnum):
    html = "html"
    md = "md"


OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write to this file (replaced in one step) instead of standard output.",
        show_default=False,
        dir_okay=False,
    ),
]


def _write_out(text: str, output: Path | None) -> None:
    from .files import atomic_write

    if output is None:
        sys.stdout.write(text)
    else:
        atomic_write(output, text)


@app.command("map")
def map_command(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(
            help="City (its partners) or network (its members): id, name or alias.",
            autocompletion=_complete(None),
            show_default=False,
        ),
    ] = None,
    country: Annotated[
        str | None,
        typer.Option(
            "--country", "-c", help="Map a country's cities and their partners abroad, e.g. DE."
        ),
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", "-k", help=f"Only these kinds: {', '.join(PARTNERSHIP_KINDS)}."),
    ] = None,
    fmt: Annotated[
        MapFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="svg, geojson or html. Default: from the -o file name, else svg.",
            show_default=False,
            case_sensitive=False,
        ),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Draw a map: a city's partners, a network's members, or a country's links abroad.

    SVG with a legend, GeoJSON (RFC 7946) for QGIS, uMap or geojson.io, or one
    self-contained HTML page with the map and a table. On a terminal, give -o.

    Examples:

      citynet map berlin -o berlin.svg

      citynet map c40 --format html -o c40.html

      citynet map --country DE --format geojson > de.geojson

      citynet map paris --kind partnership > paris.svg
    """
    from .errors import UsageError
    from .maps import city_map, country_map, format_for, network_map, render
    from .names import resolve
    from .query import resolve_kind

    if (name is None) == (country is None):
        raise UsageError("give a city or network name, or --country CODE (one of them)")
    if output is None and fmt is None and sys.stdout.isatty():
        raise UsageError(
            "a map is a file: write it with -o karte.svg (or .html, .geojson), "
            "or redirect it: citynet map ... > karte.svg"
        )
    kinds = [resolve_kind(k) for k in kind or ()]
    data = dataset(ctx)
    if country is not None:
        drawn = country_map(data, country, kinds)
    else:
        record = resolve(data, name or "")
        if isinstance(record, Network):
            if kinds:
                raise UsageError("--kind narrows partner maps; a network map shows its members")
            drawn = network_map(data, record)
        else:
            drawn = city_map(data, record, kinds)
    _write_out(render(drawn, fmt.value if fmt else format_for(output)), output)


@app.command("report")
def report_command(
    ctx: typer.Context,
    city: Annotated[
        str, typer.Argument(help="City: id, name or alias.", autocompletion=_complete(City))
    ],
    fmt: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="html or md. Default: md for .md files and standard output, else html.",
            show_default=False,
            case_sensitive=False,
        ),
    ] = None,
    output: OutputOption = None,
) -> None:
    """A report on a city for its international office: networks, partners, map, sources.

    In German. HTML is one self-contained page that prints cleanly on A4; a Markdown
    report written to a file gets its map beside it (bericht.md → bericht-karte.svg).

    Examples:

      citynet report berlin -o bericht.html

      citynet report koeln -o bericht.md

      citynet report berlin --format md | less
    """
    from .maps import city_map, render_svg
    from .names import resolve
    from .report import build, format_for, map_file_for, render_html, render_markdown

    data = dataset(ctx)
    found = resolve(data, city, City)
    assert isinstance(found, City)
    report = build(data, found)
    chosen = fmt.value if fmt else format_for(output)
    if chosen == "html":
        _write_out(render_html(data, report), output)
        return
    map_file = None
    if output is not None:
        map_path = map_file_for(output)
        _write_out(render_svg(city_map(data, found)), map_path)
        map_file = map_path.name
    _write_out(render_markdown(report, map_file), output)


# --- changing the data ----------------------------------------------------------------

_EDIT_CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True}
ForceOption = Annotated[
    bool, typer.Option(help="Write even if the file has comments (keeps a backup).")
]
KeyArgument = Annotated[
    str,
    typer.Argument(
        help="Id or name; a membership is CITY:NETWORK, a partnership CITY:CITY[:KIND]."
    ),
]
_RECORD_KINDS = "network, city, membership, partnership, source, theme"


def _fields_help() -> str:
    """The fields each kind of record takes, from the model, so help cannot drift."""
    import dataclasses

    from .model import Source, Theme
    from .store import NESTED

    lines = []
    for kind, record_type in (
        ("network", Network),
        ("city", City),
        ("membership", Membership),
        ("partnership", Partnership),
        ("source", Source),
        ("theme", Theme),
    ):
        names = []
        for f in dataclasses.fields(record_type):
            required = f.default is dataclasses.MISSING
            option = "--" + f.name.replace("_", "-")
            if f.name in NESTED:
                option += " 'key=value; …'"
            names.append(option + ("*" if required else ""))
        lines.append(f"{kind}: " + " ".join(names))
    return "\n\n".join(lines) + "\n\n(* required; list fields take the option once per value)"


def _target(ctx: typer.Context) -> Path:
    from .files import data_path

    return data_path(_settings(ctx).data)


def _print_diff(old: str, new: str, path: Path) -> None:
    import difflib

    from .output import printable

    if old == new:
        print("nothing changed")
        return
    diff = difflib.unified_diff(
        old.splitlines(), new.splitlines(), str(path), str(path), lineterm="", n=1
    )
    for line in diff:
        print(printable(line))


def _ask_missing(kind_type: type, values: dict[str, list[str]]) -> None:
    """At a terminal, ask for the required fields that were not given as options."""
    from .changes import required_fields

    if not sys.stdin.isatty():
        return
    for field in required_fields(kind_type):
        if field not in values:
            answer = typer.prompt(field.replace("_", " "))
            values[field] = (
                [part.strip() for part in answer.split(",")]
                if field in ("sources", "cities")
                else [answer]
            )


@app.command(context_settings=_EDIT_CONTEXT, epilog=None)
def add(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(metavar="KIND", help=f"What to add: {_RECORD_KINDS}.")],
    force: ForceOption = False,
) -> None:
    """Add a record: every field is an option (--name, --theme, --founded, --source …).

    Run at a terminal without the required fields, it asks for them. Fields by kind:
    see `citynet fields`.

    Examples:

      citynet add city --id lyon --name Lyon --country FR --source redaktion

      citynet add membership --city lyon --network eurocities --since 1989 --source redaktion

      citynet add partnership --cities berlin --cities lyon --kind contact --source redaktion
    """
    from .changes import add as add_record
    from .changes import build, parse_options, record_type
    from .names import resolve
    from .store import update

    kind_type = record_type(kind)
    values = parse_options(kind_type, ctx.args)
    _ask_missing(kind_type, values)
    path = _target(ctx)

    def change(data: Dataset) -> Dataset:
        # Names and aliases work for the cities and networks a new record refers to.
        for field, wanted in (("city", City), ("network", Network)):
            if field in values:
                values[field] = [resolve(data, v, wanted).id for v in values[field]]
        if kind_type is Partnership and "cities" in values:
            values["cities"] = [resolve(data, v, City).id for v in values["cities"]]
        return add_record(data, build(kind_type, values))

    old, new = update(path, change, force=force)
    _print_diff(old, new, path)


@app.command(context_settings=_EDIT_CONTEXT)
def edit(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(metavar="KIND", help=f"What to edit: {_RECORD_KINDS}.")],
    key: KeyArgument,
    force: ForceOption = False,
) -> None:
    """Change fields of a record: each --field value replaces that field.

    A list field (--theme, --alias, --source …) is replaced by the values given.

    Examples:

      citynet edit network c40 --founded 2005 --homepage https://www.c40.org

      citynet edit city koeln --alias Koeln --alias Cologne

      citynet edit membership berlin:c40 --since 2005
    """
    from .changes import edit as edit_record
    from .changes import find, parse_options, record_type
    from .errors import UsageError
    from .store import update

    values = parse_options(record_type(kind), ctx.args)
    if not values:
        raise UsageError("nothing to change: give at least one --field value")
    path = _target(ctx)
    old, new = update(
        path, lambda data: edit_record(data, find(data, kind, key), values)[0], force=force
    )
    _print_diff(old, new, path)


@app.command()
def remove(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(metavar="KIND", help=f"What to remove: {_RECORD_KINDS}.")],
    key: KeyArgument,
    cascade: Annotated[
        bool, typer.Option(help="Also remove the memberships and partnerships that refer to it.")
    ] = False,
    force: ForceOption = False,
) -> None:
    """Remove a record. A city or network that others refer to is refused unless --cascade.

    Examples:

      citynet remove partnership berlin:lyon:contact

      citynet remove city lyon --cascade
    """
    from .changes import find
    from .changes import remove as remove_record
    from .store import update

    path = _target(ctx)
    old, new = update(
        path, lambda data: remove_record(data, find(data, kind, key), cascade)[0], force=force
    )
    _print_diff(old, new, path)


@app.command()
def fields() -> None:
    """The fields of each kind of record, as options for add and edit."""
    print(_fields_help())


@app.command()
def fmt(
    ctx: typer.Context,
    check_only: Annotated[
        bool,
        typer.Option("--check", help="Only report whether the file is canonical (exit 1 if not)."),
    ] = False,
    force: ForceOption = False,
) -> None:
    """Rewrite the data file in its one canonical form (stable order and layout).

    Examples:

      citynet fmt

      citynet --data networks.toml fmt --check
    """
    from .store import update

    path = _target(ctx)
    old, new = update(path, lambda data: data, force=force, dry_run=check_only)
    if old == new:
        print(f"{path}: already canonical")
    elif check_only:
        report(f"{path}: not in canonical form; `citynet fmt` would rewrite it")
        raise typer.Exit(1)
    else:
        print(f"{path}: rewritten in canonical form")


import_app = typer.Typer(help="Take in data from elsewhere.", no_args_is_help=True)
app.add_typer(import_app, name="import")


@import_app.command("wikidata")
def import_wikidata(
    ctx: typer.Context,
    cities_file: Annotated[
        Path,
        typer.Option(
            "--cities",
            help="Cities table (CSV or TSV): id, name, lng, lat, country, countrycd, continent.",
        ),
    ],
    links_file: Annotated[
        Path, typer.Option("--links", help="Links table (CSV or TSV): source, target.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
    ] = False,
    force: ForceOption = False,
) -> None:
    """Import Wikidata twin-city tables (P190, "twinned administrative body").

    Cities are matched by Wikidata id, then by name and country; each link becomes a
    partnership unless the pair has one. A second run adds nothing.

    Examples:

      citynet import wikidata --cities nodes.tsv --links links.tsv --dry-run

      citynet import wikidata --cities cities.csv --links links.csv
    """
    from .store import update
    from .wikidata import ImportReport, import_tables

    path = _target(ctx)
    outcome: list[ImportReport] = []

    def change(data: Dataset) -> Dataset:
        with _progress(cities_file, links_file) as advance:
            merged, import_report = import_tables(data, cities_file, links_file, progress=advance)
        outcome.append(import_report)
        return merged

    update(path, change, force=force, dry_run=dry_run)
    result = outcome[0]
    print(
        ("would add" if dry_run else "added")
        + f": {result.cities_added} cities, {result.links_added} partnerships"
    )
    print(f"matched to existing cities: {result.cities_matched}")
    print(f"duplicate links skipped: {result.duplicates_skipped}")
    print(f"rows rejected: {len(result.rejected)}")
    for row in result.rejected[:50]:
        report(str(row))
    if len(result.rejected) > 50:
        report(f"… and {len(result.rejected) - 50} more rejected rows")


def _progress(*files: Path) -> Any:
    """A progress bar on stderr for large input at a terminal; a no-op otherwise."""
    import contextlib

    total = sum(_line_count(f) for f in files)
    if total < 2000 or not sys.stderr.isatty():
        return contextlib.nullcontext(lambda rows: None)

    @contextlib.contextmanager
    def bar() -> Any:
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("importing", total=total)
            yield lambda rows: progress.advance(task, rows)

    return bar()


def _line_count(path: Path) -> int:
    try:
        with path.open("rb") as file:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 20), b""))
    except OSError:
        return 0  # reading the table reports the problem properly

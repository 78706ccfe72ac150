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


LimitOption = Annotated[
    int | None, typer.Option("--limit", help="At most this many rows.", show_default=False)
]
SortOption = Annotated[
    str | None,
    typer.Option(
        "--sort", help="Sort by a column (its TSV key); -KEY for descending.", show_default=False
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


def chosen_format(fmt: Format | None) -> str:
    return fmt.value if fmt else ("table" if sys.stdout.isatty() else "tsv")


def show(
    ctx: typer.Context,
    listing: Any,
    fmt: Format | None,
    *,
    sort: str | None = None,
    limit: int | None = None,
) -> None:
    from .output import refine, render

    listing = refine(listing, sort, limit)
    chosen, color = chosen_format(fmt), _settings(ctx).color
    if not sys.stdout.isatty():
        render(listing, chosen, sys.stdout, color=color)
        return
    # On a terminal, output longer than the screen goes through a pager, as git does.
    import io
    import shutil

    size = shutil.get_terminal_size()
    buffer = io.StringIO()
    render(listing, chosen, buffer, color=color, width=size.columns, terminal=True)
    _page(buffer.getvalue(), size.lines)


def _page(text: str, lines: int) -> None:
    """Show text through $CITYNET_PAGER, $PAGER or `less -FRX` if it is longer than the
    screen; directly if it fits, if the pager is empty or `cat`, or cannot be started."""
    import shlex
    import subprocess

    pager = os.environ.get("CITYNET_PAGER", os.environ.get("PAGER", "less -FRX"))
    command = shlex.split(pager, posix=os.name != "nt") if pager.strip() else []
    if text.count("\n") < lines or not command or command == ["cat"]:
        sys.stdout.write(text)
        return
    env = {**os.environ, "LESS": os.environ.get("LESS", "FRX")}
    try:
        subprocess.run(command, input=text, text=True, encoding="utf-8", env=env, check=False)
    except OSError:
        sys.stdout.write(text)


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
    _warn_duplicates(data)


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
    limit: LimitOption = None,
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
    show(ctx, network_list(data, networks), fmt, limit=limit)


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
    sort: SortOption = None,
    limit: LimitOption = None,
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
    found_partners = partners_of(data, found, kinds)
    # A terminal table gives each partner city one row; tsv and json one per relation.
    grouped = chosen_format(fmt) == "table"
    show(ctx, partner_list(found, found_partners, grouped), fmt, sort=sort, limit=limit)


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
def themes(
    ctx: typer.Context, sort: SortOption = None, limit: LimitOption = None, fmt: FormatOption = None
) -> None:
    """The theme vocabulary, with how many networks each theme has.

    Examples:

      citynet themes

      citynet themes --format ids
    """
    from .views import theme_list

    show(ctx, theme_list(dataset(ctx)), fmt, sort=sort, limit=limit)


@app.command()
def cities(
    ctx: typer.Context,
    country: Annotated[
        str | None, typer.Option("--country", "-c", help="ISO 3166-1 code, e.g. DE.")
    ] = None,
    sort: SortOption = None,
    limit: LimitOption = None,
    fmt: FormatOption = None,
) -> None:
    """Cities with country and counts of memberships and partners.

    Examples:

      citynet cities

      citynet cities --country DE --format csv > staedte.csv

      citynet cities --sort -partners --limit 10
    """
    from .query import filter_cities
    from .views import city_list

    data = dataset(ctx)
    show(ctx, city_list(data, filter_cities(data, country)), fmt, sort=sort, limit=limit)


@app.command()
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Text to look for (case and accents ignored).")],
    sort: SortOption = None,
    limit: LimitOption = None,
    fmt: FormatOption = None,
) -> None:
    """Search names, aliases and descriptions of networks and cities.

    Examples:

      citynet search rassismus

      citynet search "covenant" --format ids
    """
    from .query import search as search_dataset
    from .views import search_results

    show(ctx, search_results(search_dataset(dataset(ctx), text)), fmt, sort=sort, limit=limit)


# --- real data: member lists, joining duplicates ---------------------------------------


def import_members(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV, TSV or JSON table of member cities.")],
    network: Annotated[
        str | None,
        typer.Option("--network", "-n", help="Long table: every row is a member of this network."),
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option(
            "--column",
            help="Wide table: COLUMN=NETWORK, a 0/1 column per network (repeatable).",
        ),
    ] = None,
    field_map: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="FIELD=COLUMN for a column with an unusual name; fields: name, country, "
            "wikidata, lat, lng, type (repeatable).",
        ),
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Id of the source record (default: import-FILE).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Title of the source record.")] = None,
    publisher: Annotated[str | None, typer.Option(help="Publisher of the source.")] = None,
    citation: Annotated[str | None, typer.Option(help="How to cite the source.")] = None,
    url: Annotated[str | None, typer.Option(help="Where the table comes from.")] = None,
    date: Annotated[
        str | None, typer.Option(help="Date of the table (default: today, the import's).")
    ] = None,
    report_file: Annotated[
        Path | None, typer.Option("--report", help="Write every row's outcome to this TSV file.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
    ] = False,
    force: ForceOption = False,
) -> None:
    """Import member cities of networks from a table (long or wide layout).

    Cities are matched by Wikidata id, GeoNames place, and names in any language with
    the country; unknown ones are added. An existing membership only gains the source.
    A second run changes nothing.

    Examples:

      citynet import members eurocities.json --network eurocities --dry-run

      citynet import members climate.csv --column C40Cities2019=c40 \\
          --column EUCovenantofMayors2019=covenant-of-mayors --report rows.tsv
    """
    import io

    from .errors import UsageError
    from .files import atomic_write
    from .members import MembersReport, SourceInfo, report_listing
    from .members import import_members as import_table
    from .names import resolve
    from .output import printable, render
    from .store import update

    def pairs(values: list[str] | None, what: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for value in values or ():
            key, sep, target = value.rpartition("=")
            if not sep or not key.strip() or not target.strip():
                raise UsageError(f"{what}: expected KEY=VALUE, got {value!r}")
            found[key.strip()] = target.strip()
        return found

    columns = pairs(column, "--column")
    fields = pairs(field_map, "--map")
    info = SourceInfo(
        id=source or "",
        title=title or "",
        publisher=publisher or "",
        citation=citation or "",
        url=url or "",
        date=date or "",
    )
    path = _target(ctx)
    outcome: list[MembersReport] = []

    def change(data: Dataset) -> Dataset:
        wanted = {c: resolve(data, n, Network).id for c, n in columns.items()}
        chosen = resolve(data, network, Network).id if network else ""
        with _progress(file) as advance:
            merged, result = import_table(
                data,
                file,
                network=chosen,
                columns=wanted,
                field_columns=fields,
                source=info,
                progress=advance,
            )
        outcome.append(result)
        return merged

    update(path, change, force=force, dry_run=dry_run)
    result = outcome[0]
    print(
        ("would add" if dry_run else "added")
        + f": {result.count('added')} cities, {result.memberships_added} memberships"
    )
    print(f"memberships confirmed (source added): {result.memberships_confirmed}")
    print(
        f"rows: {result.count('matched')} matched, {result.count('added')} added, "
        f"{result.count('ambiguous')} ambiguous, {result.count('rejected')} rejected"
    )
    print(f"source: {result.source}")
    if report_file is not None:
        buffer = io.StringIO()
        render(report_listing(result), "tsv", buffer, color=False)
        atomic_write(report_file, buffer.getvalue())
        print(f"report: {report_file}")
    problems = [o for o in result.outcomes if o.status in ("ambiguous", "rejected")]
    for o in problems[:50]:
        report(f"{file}:{o.line}: {printable(o.name)} ({o.country or '?'}): {o.status}: {o.reason}")
    if len(problems) > 50:
        report(f"… and {len(problems) - 50} more; --report FILE lists every row")


@app.command()
def merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(help="The city to keep.", autocompletion=_complete(City))],
    other: Annotated[
        str, typer.Argument(help="The city joined into it.", autocompletion=_complete(City))
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the change; write nothing.")
    ] = False,
    force: ForceOption = False,
) -> None:
    """Join two records of one place: OTHER's references, names and sources go to KEEP.

    Facts only OTHER has are taken over; where the two disagree, KEEP's stay and
    OTHER's are kept in KEEP's note. Prints the change as a diff.

    Examples:

      citynet merge bruessel city-of-brussels --dry-run

      citynet merge muenchen munich
    """
    from .merge import merge_cities
    from .names import resolve
    from .store import update

    def change(data: Dataset) -> Dataset:
        kept, joined = resolve(data, keep, City), resolve(data, other, City)
        assert isinstance(kept, City) and isinstance(joined, City)
        return merge_cities(data, kept, joined)

    path = _target(ctx)
    old, new = update(path, change, force=force, dry_run=dry_run)
    _print_diff(old, new, path)


def _warn_duplicates(data: Dataset) -> None:
    """`check` warns about cities that are probably one place; they are not errors."""
    from .merge import likely_duplicates
    from .output import printable

    pairs = likely_duplicates(data)
    if pairs:
        print(
            f"{len(pairs)} pair(s) of cities that may be one place "
            "(join them: citynet merge KEEP OTHER):"
        )
    for a, b, why in pairs:
        print(printable(f"  warning: {a.id} ({a.name}) and {b.id} ({b.name}), {a.country}: {why}"))


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
import_app.command("members")(import_members)  # defined with the real-data commands above


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

    Cities are matched by Wikidata id, GeoNames place, then names in any language with
    the country; each link becomes a twinning (kind unknown) unless the pair has a
    relation, which gains the source. A second run adds nothing.

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
        + f": {result.cities_added} cities, {result.links_added} twinnings (kind unknown)"
    )
    print(f"matched to existing cities: {result.cities_matched}")
    print(f"documented relations confirmed (source added): {result.relations_confirmed}")
    if result.retyped:
        print(f"partnerships of an earlier import made twinnings: {result.retyped}")
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

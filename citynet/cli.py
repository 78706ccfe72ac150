"""Typer wiring: parse options, call the query, hand the rows to output.

Each command reads like a sentence: load the dataset, resolve the names, run the
query, render the result. Errors meant for people (CitynetError) are turned into
a message on stderr and their exit status in one place, `_Group.invoke`.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from msgspec import Struct
from typer.core import TyperGroup

from . import __version__
from .errors import CitynetError, DataError
from .i18n import N_, _, ngettext
from .model import PARTNERSHIP_KINDS, City, Dataset, Network

GLOBAL_OPTIONS = {"--data": True, "--lang": True, "--no-color": False}  # option: takes a value


def global_options_first(args: list[str]) -> list[str]:
    """The words with the global options moved before the command, so that
    `citynet list --data X` means what `citynet --data X list` means."""
    moved: list[str] = []
    rest: list[str] = []
    words = iter(args)
    for word in words:
        if word == "--":
            rest += [word, *words]
            break
        name = word.split("=", 1)[0]
        if name in GLOBAL_OPTIONS:
            moved.append(word)
            if GLOBAL_OPTIONS[name] and "=" not in word:
                value = next(words, None)
                moved += [] if value is None else [value]
        else:
            rest.append(word)
    return moved + rest


class _Group(TyperGroup):
    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Speak the language asked for, then run; click's errors shown in that language."""
        from typer._click.exceptions import ClickException, NoArgsIsHelpError
        from typer.exceptions import Abort

        from .i18n import install, language_from
        from .localize import localize, show_error

        words = global_options_first(list(sys.argv[1:] if args is None else args))
        install(language_from(os.environ, _lang_word(words)))
        localize(self)
        if not standalone_mode:
            return super().main(words, prog_name, complete_var, False, **extra)
        try:
            code = super().main(words, prog_name, complete_var, False, **extra)
        except NoArgsIsHelpError as error:
            error.show()
            sys.exit(error.exit_code)
        except ClickException as error:
            show_error(error)
            sys.exit(error.exit_code)
        except Abort:
            sys.stderr.write(_("Aborted!") + "\n")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except CitynetError as error:
            report(str(error))
            raise typer.Exit(error.exit_code) from None
        except BrokenPipeError:
            # The reader went away (`citynet list | head -1`): that is no error.
            # (click would exit 1; every format and command ends quietly with 0.)
            from .__main__ import silence_stdout

            silence_stdout()
            raise typer.Exit(0) from None


def _lang_word(words: list[str]) -> str | None:
    """The value of --lang among the words, if given (checked by the option itself)."""
    for index, word in enumerate(words):
        if word.startswith("--lang="):
            return word.split("=", 1)[1]
        if word == "--lang" and index + 1 < len(words):
            return words[index + 1]
    return None


def report(message: str) -> None:
    """A message for people, on stderr, with control characters made visible."""
    from .output import printable

    # Split only at newlines: any other line break is the data's, and is shown escaped.
    lines = message.split("\n")
    sys.stderr.write("".join(f"citynet: {printable(line)}\n" for line in lines))


app = typer.Typer(
    cls=_Group,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Explore European and international city networks and city partnerships.",
    epilog="Exit status: 0 ok, 1 name not found or ambiguous, 2 usage error, 3 data file "
    "unreadable or invalid.",
)


class Settings(Struct):
    data: Path | None
    color: bool


class Language(StrEnum):
    de = "de"
    en = "en"


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    csv_de = "csv-de"
    tsv = "tsv"
    md = "md"
    xlsx = "xlsx"
    ids = "ids"


FormatOption = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format. Default: table on a terminal, tsv in a pipe, or what the "
        "--output file's suffix says. csv-de: for German Excel (BOM, ';'); xlsx: a workbook.",
        show_default=False,
        case_sensitive=False,
    ),
]


class _Captured(Exception):
    """Raised by `show` while completing --fields: the listing the command would print."""

    def __init__(self, listing: Any) -> None:
        self.listing = listing


def _complete_fields(ctx: typer.Context, incomplete: str) -> list[str]:
    """The columns of the command being typed, found by running it with its arguments so far."""
    done, _, partial = incomplete.rpartition(",")
    params = dict(ctx.params)
    # While completing, click leaves the positional arguments unparsed in ctx.args.
    rest = list(ctx.args)
    for param in ctx.command.params:
        if param.param_type_name == "argument" and not params.get(param.name or "") and rest:
            params[param.name or ""] = tuple(rest) if param.nargs == -1 else rest.pop(0)
            rest = [] if param.nargs == -1 else rest
    root = ctx.find_root()
    if root.obj is None:  # completing: the global options were parsed but not applied
        data = root.params.get("data")
        root.obj = Settings(data=Path(data) if data else None, color=False)
    ctx.meta["citynet.capture"] = True
    try:
        with ctx:
            ctx.command.callback(**params)  # type: ignore[misc]
    except _Captured as captured:
        keys = [c.key for c in captured.listing.columns]
    except Exception:  # a command that cannot run yet has nothing to offer
        return []
    chosen = done.split(",")
    return [
        (done + "," if done else "") + k for k in keys if k.startswith(partial) and k not in chosen
    ]


FieldsOption = Annotated[
    str | None,
    typer.Option(
        "--fields",
        help="Only these columns, in this order: comma-separated keys as in the tsv header "
        "(json: objects with only these keys).",
        show_default=False,
        autocompletion=_complete_fields,
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write to this file (atomically) instead of stdout.",
        show_default=False,
        dir_okay=False,
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
            # The loader reports a folder or an unreadable file, with exit status 3.
            dir_okay=True,
            readable=False,
        ),
    ] = None,
    lang: Annotated[
        Language | None,
        typer.Option(
            "--lang",
            envvar="CITYNET_LANG",
            help="Language of the interface: de or en. Default: from the locale (LANG).",
            show_default=False,
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


def build_only_the_invoked_command(args: list[str]) -> None:
    """Typer turns each registered command into a click command on every call (about
    0.4 ms each); a call runs one, so register only that one. Help, completion and a
    misspelt command still see them all."""
    if any(key.endswith("_COMPLETE") for key in os.environ):
        return
    name = _invoked_name(args)
    commands = [c for c in app.registered_commands if _command_name(c) == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if commands or groups:
        app.registered_commands, app.registered_groups = commands, groups


def _invoked_name(args: list[str]) -> str:
    takes_value = {"--data", "--lang"}
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in takes_value:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return ""


def _command_name(info: Any) -> str:
    return str(info.name or info.callback.__name__.replace("_", "-"))


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
    """Render the listing as asked: --sort and --limit, --fields, --format and --output
    (the last three read from the command's parameters, so every command shares them).
    On a terminal, output longer than the screen goes through a pager, as git does."""
    from .output import choose_fields, format_for, refine, render, write_file

    if ctx.meta.get("citynet.capture"):
        raise _Captured(listing)
    listing = refine(listing, sort, limit)
    fields = ctx.params.get("fields")
    # Raw values: Typer converts a command's own arguments, not ctx.params.
    output = Path(ctx.params["output"]) if ctx.params.get("output") else None
    if fields is not None:
        listing = choose_fields(listing, fields.split(","))
    chosen = fmt.value if fmt else format_for(output) if output else chosen_format(None)
    color = _settings(ctx).color
    if output:
        write_file(listing, chosen, output)
    elif not sys.stdout.isatty() or chosen == "xlsx":
        render(listing, chosen, sys.stdout, color=color)
    else:
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


def left_out(listing: Any, note: str) -> None:
    """Say what a filter left out for lack of data: under a terminal table, or on stderr
    in a pipe (so the data stays clean)."""
    if not note:
        return
    if sys.stdout.isatty():
        listing.footer.append(note)
    else:
        report(note)


def print_lines(lines: list[str]) -> None:
    """Lines of text for people on stdout, with control characters made visible."""
    from .output import printable

    sys.stdout.write("".join(printable(line) + "\n" for line in lines))


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
        return _completions(incomplete, ((r.id, r.names) for r in records))

    return complete


def _completions(incomplete: str, choices: Any) -> list[str]:
    """Completions of what was typed, case and accents folded: an id that starts with it,
    else the name that does, continued from the letters as typed ("köl" → "köln",
    which names Köln). Typer keeps only completions that start with the typed text."""
    from .names import fold

    typed = fold(incomplete)
    found: list[str] = []
    for choice_id, names in choices:
        if choice_id.startswith(incomplete):
            found.append(choice_id)
            continue
        matching = [n for n in (choice_id, *names) if n and fold(n).startswith(typed)]
        name = min(matching, key=len, default="")  # "climate" rather than a whole title
        if name:
            found.append(incomplete + name[len(incomplete) :])
    return list(dict.fromkeys(found))


def _complete_shown(ctx: typer.Context, incomplete: str) -> list[str]:
    """What `show` takes: networks and cities, then source ids."""
    found: list[str] = _complete(None)(ctx, incomplete)
    try:
        sources = dataset(ctx).sources
    except CitynetError:
        return found
    return found + [s.id for s in sources if s.id.startswith(incomplete) and s.id not in found]


def _complete_theme(ctx: typer.Context, incomplete: str) -> list[str]:
    try:
        themes = dataset(ctx).themes
    except CitynetError:
        return []
    return _completions(incomplete, ((t.id, (t.name, t.name_en, *t.aliases)) for t in themes))


def _complete_kind(incomplete: str) -> list[str]:
    return _completions(incomplete, PARTNERSHIP_KINDS.items())


def _complete_scope(incomplete: str) -> list[str]:
    from .model import SCOPES

    return _completions(incomplete, SCOPES.items())


# --- commands ---------------------------------------------------------------------


@app.command()
def check(ctx: typer.Context) -> None:
    """Validate a data file: print a summary and every problem.

    Examples:

      citynet check

      citynet --data my-networks.toml check
    """
    from .files import data_path
    from .store import load
    from .views import check_report

    path = data_path(_settings(ctx).data)
    try:
        data = load(path)
    except DataError as error:
        report(_("{file}: {n} problem(s)").format(file=path, n=len(error.problems)))
        raise
    print_lines(check_report(str(path), data))
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
        str | None,
        typer.Option(
            "--scope", help="global, europe, national or regional.", autocompletion=_complete_scope
        ),
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
    fields: FieldsOption = None,
    output: OutputOption = None,
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
    chosen: dict[str, Any] = {
        "themes": [resolve_theme(data, t) for t in theme or ()],
        "scope": resolve_scope(scope) if scope else None,
        "member": resolve(data, member, City) if member else None,
    }
    networks = filter_networks(
        data, **chosen, founded_after=founded_after, founded_before=founded_before, sort=sort
    )
    listing = network_list(data, networks)
    if founded_after is not None or founded_before is not None:
        unknown = sum(n.founded is None for n in filter_networks(data, **chosen))
        note = ngettext(
            "{n} network left out: its founding year is not known.",
            "{n} networks left out: their founding year is not known.",
            unknown,
        )
        left_out(listing, note.format(n=unknown) if unknown else "")
    show(ctx, listing, fmt, limit=limit)


@app.command("show")
def show_record(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="Network or city: id, name or alias; or a source id.",
            autocompletion=_complete_shown,
        ),
    ],
    fmt: FormatOption = None,
    fields: FieldsOption = None,
    output: OutputOption = None,
) -> None:
    """Show one network or city in full, every fact with its source; or a source.

    Networks and cities are looked for first, then sources (their ids are a namespace
    of their own; an id that is both is reported, `citynet sources ID` shows the source).

    Examples:

      citynet show c40

      citynet show berlin-netzwerke

      citynet show "Klima-Bündnis"

      citynet show koeln --format json
    """
    from .views import city_detail, network_detail, source_detail

    data = dataset(ctx)
    record = resolve_with_sources(data, name)
    if isinstance(record, Network):
        listing = network_detail(data, record)
    elif isinstance(record, City):
        listing = city_detail(data, record)
    else:
        listing = source_detail(data, record)
    show(ctx, listing, fmt)


@app.command()
def partners(
    ctx: typer.Context,
    city: Annotated[
        str, typer.Argument(help="City: id, name or alias.", autocompletion=_complete(City))
    ],
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            "-k",
            help=f"Only these kinds: {', '.join(PARTNERSHIP_KINDS)}.",
            autocompletion=_complete_kind,
        ),
    ] = None,
    not_kind: Annotated[
        list[str] | None,
        typer.Option(
            "--not-kind", help="Leave out these kinds (repeatable).", autocompletion=_complete_kind
        ),
    ] = None,
    sort: SortOption = None,
    limit: LimitOption = None,
    fmt: FormatOption = None,
    fields: FieldsOption = None,
    output: OutputOption = None,
) -> None:
    """A city's partner cities, in both directions, with kind and period.

    Examples:

      citynet partners berlin

      citynet partners paris --kind partnership

      citynet partners berlin --format tsv | cut -f2

      citynet partners berlin --not-kind partnership
    """
    from .names import resolve
    from .query import partners_of, resolve_kind
    from .views import partner_list

    data = dataset(ctx)
    found = resolve(data, city, City)
    kinds = [resolve_kind(k) for k in kind or ()]
    excluded = {resolve_kind(k) for k in not_kind or ()}
    found_partners = [
        p for p in partners_of(data, found, kinds) if p.partnership.kind not in excluded
    ]
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
    fields: FieldsOption = None,
    output: OutputOption = None,
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
        raise UsageError(_("compare needs at least two names"))
    data = dataset(ctx)
    records = [resolve(data, n) for n in names]
    if all(isinstance(r, Network) for r in records):
        show(ctx, network_comparison(data, records), fmt)  # type: ignore[arg-type]
    elif all(isinstance(r, City) for r in records):
        show(ctx, city_comparison(data, records), fmt)  # type: ignore[arg-type]
    else:
        raise UsageError(
            _("compare either networks or cities, not both: ")
            + ", ".join(f"{r.id} ({_(type(r).__name__.lower())})" for r in records)
        )


@app.command()
def themes(
    ctx: typer.Context,
    sort: SortOption = None,
    limit: LimitOption = None,
    fmt: FormatOption = None,
    fields: FieldsOption = None,
    output: OutputOption = None,
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
    fields: FieldsOption = None,
    output: OutputOption = None,
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
    fields: FieldsOption = None,
    output: OutputOption = None,
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
    from .store import update_with

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

    def change(data: Dataset) -> tuple[Dataset, MembersReport]:
        wanted = {c: resolve(data, n, Network).id for c, n in columns.items()}
        chosen = resolve(data, network, Network).id if network else ""
        with _progress(file) as advance:
            return import_table(
                data,
                file,
                network=chosen,
                columns=wanted,
                field_columns=fields,
                source=info,
                progress=advance,
            )

    _old, _new, result = update_with(path, change, force=force, dry_run=dry_run)
    added = (
        _("would add: {cities} cities, {memberships} memberships")
        if dry_run
        else _("added: {cities} cities, {memberships} memberships")
    )
    print(added.format(cities=result.count("added"), memberships=result.memberships_added))
    print(_("memberships confirmed (source added): {n}").format(n=result.memberships_confirmed))
    print(
        _(
            "rows: {matched} matched, {added} added, {ambiguous} ambiguous, {rejected} rejected"
        ).format(
            matched=result.count("matched"),
            added=result.count("added"),
            ambiguous=result.count("ambiguous"),
            rejected=result.count("rejected"),
        )
    )
    print(_("source: {source}").format(source=result.source))
    if report_file is not None:
        buffer = io.StringIO()
        render(report_listing(result), "tsv", buffer, color=False)
        atomic_write(report_file, buffer.getvalue())
        print(_("report: {file}").format(file=report_file))
    problems = [o for o in result.outcomes if o.status in ("ambiguous", "rejected")]
    for o in problems[:50]:
        report(f"{file}:{o.line}: {printable(o.name)} ({o.country or '?'}): {o.status}: {o.reason}")
    if len(problems) > 50:
        report(_("… and {n} more; --report FILE lists every row").format(n=len(problems) - 50))


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


# --- graphs, statistics and suggestions ---------------------------------------------


class GraphFormat(StrEnum):
    dot = "dot"
    mermaid = "mermaid"
    graphml = "graphml"
    gexf = "gexf"
    svg = "svg"


KindOption = Annotated[
    list[str] | None,
    typer.Option("--kind", "-k", help=f"Only these kinds: {', '.join(PARTNERSHIP_KINDS)}."),
]
RankingLimitOption = Annotated[
    int, typer.Option("--limit", "-n", min=0, help="Show the first N of each ranking; 0: all.")
]


@app.command()
def graph(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Networks or cities to centre on; none: the whole dataset.",
            autocompletion=_complete(None),
            show_default=False,
        ),
    ] = None,
    depth: Annotated[
        int, typer.Option("--depth", "-d", min=0, help="Steps out from the named records.")
    ] = 1,
    kind: KindOption = None,
    fmt: Annotated[
        GraphFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="dot, mermaid, graphml, gexf or svg (needs Graphviz). Default: from the "
            "suffix of -o, else dot.",
            show_default=False,
            case_sensitive=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file (atomically), not stdout."),
    ] = None,
) -> None:
    """The graph of cities and networks (member edges) and of partner cities (kind edges).

    Named records come with everything within --depth steps: a city's networks and
    partner cities, a network's members. Exit status 4 if --format svg cannot run
    Graphviz's dot.

    Examples:

      citynet graph berlin -o berlin.svg

      citynet graph berlin c40 --depth 2 --format graphml > berlin-c40.graphml

      citynet graph --format gexf -o citynet.gexf

      citynet graph eurocities --format mermaid
    """
    from .graphs import SUFFIX_FORMATS, SVG_PATIENCE, build_graph, write_graph
    from .names import resolve
    from .query import resolve_kind

    data = dataset(ctx)
    records = [resolve(data, name) for name in names or ()]
    kinds = [resolve_kind(k) for k in kind or ()]
    suffix = output.suffix.lower() if output else ""
    chosen = fmt.value if fmt else SUFFIX_FORMATS.get(suffix, "dot")
    found = build_graph(data, records, depth=depth, kinds=kinds)
    if chosen == "svg" and len(found.nodes) > SVG_PATIENCE:
        message = _(
            "laying out {n} nodes, Graphviz may take minutes; "
            "name records to draw their neighbourhood, or write gexf for Gephi"
        )
        report(message.format(n=len(found.nodes)))
    _emit(write_graph(found, chosen), output)


def _emit(text: str, output: Path | None) -> None:
    """Text to a file, atomically, or to stdout."""
    from .files import atomic_write

    if output is None:
        sys.stdout.write(text)
    else:
        atomic_write(output, text)


@app.command()
def stats(
    ctx: typer.Context,
    kind: KindOption = None,
    limit: RankingLimitOption = 20,
    table: Annotated[
        str | None,
        typer.Option(
            "--table",
            # Written out rather than imported from stats, which would cost every
            # command its import; a test checks that it names every table.
            help="Only this table (tsv, csv, ids show one table; default "
            "most_connected_cities): counts, partnership_kinds, most_connected_cities, "
            "most_memberships, country_pairs, country_matrix, region_country, "
            "networks_by_theme, networks_by_decade, country_components.",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Figures: counts, the most connected cities, country pairs, themes, decades.

    Partner counts and country pairs count pairs of cities, whatever their kinds of
    relation, unless --kind narrows them. On a terminal and in md every table; in
    json one object with every table; tsv and csv give one table (--table).

    Examples:

      citynet stats

      citynet stats --kind partnership --limit 10

      citynet stats --table country_pairs --format csv > laenderpaare.csv

      citynet stats --format json | jq '.most_connected_cities[0]'
    """
    from .errors import UsageError
    from .names import did_you_mean
    from .output import render_sections
    from .query import resolve_kind
    from .stats import TABLES, statistics
    from .statviews import DEFAULT_TABLE, stats_listings, stats_whole

    if table is not None and table not in TABLES:
        hint = did_you_mean(table, TABLES)
        message = _("unknown table {table}{hint}; tables: {tables}")
        raise UsageError(message.format(table=repr(table), hint=hint, tables=", ".join(TABLES)))
    kinds = [resolve_kind(k) for k in kind or ()]
    figures = statistics(dataset(ctx), kinds)
    chosen = fmt.value if fmt else ("table" if sys.stdout.isatty() else "tsv")
    listings = stats_listings(figures, limit or None)
    if chosen in ("table", "md"):
        sections = [listings[table]] if table else list(listings.values())
        render_sections(sections, chosen, sys.stdout, color=_settings(ctx).color)
    elif table is None and chosen == "json":
        show(ctx, stats_whole(figures, limit or None), fmt)
    else:
        show(ctx, listings[table or DEFAULT_TABLE], Format(chosen))


@app.command("suggest")
def suggest_networks(
    ctx: typer.Context,
    city: Annotated[
        str, typer.Argument(help="City: id, name or alias.", autocompletion=_complete(City))
    ],
    kind: KindOption = None,
    limit: RankingLimitOption = 10,
    fmt: FormatOption = None,
) -> None:
    """Networks a city's peers belong to and it does not, best first, with the reason.

    Peers are cities that share networks or partners with it (same country counts
    more); --kind limits which partnerships count.

    Examples:

      citynet suggest koeln

      citynet suggest berlin --limit 3 --format json
    """
    from .names import resolve
    from .query import resolve_kind
    from .statviews import suggestion_listing
    from .suggest import suggest

    data = dataset(ctx)
    found = resolve(data, city, City)
    assert isinstance(found, City)
    suggestions = suggest(data, found, [resolve_kind(k) for k in kind or ()])
    show(ctx, suggestion_listing(data, found, suggestions[: limit or None]), fmt)


# --- bridges: SQLite, JSON and schemas for other tools ---------------------------------

export_app = typer.Typer(help="Write the whole dataset for other tools.", no_args_is_help=True)
app.add_typer(export_app, name="export")
ReplaceOption = Annotated[bool, typer.Option("--force", help="Replace files that exist.")]


@export_app.command("sqlite")
def export_sqlite(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The database to write.", dir_okay=False)],
    metadata: Annotated[
        Path | None,
        typer.Option(
            help="datasette metadata file to write. Default: FILE.metadata.json.",
            show_default=False,
            dir_okay=False,
        ),
    ] = None,
    force: ReplaceOption = False,
) -> None:
    """A SQLite database for SQL and datasette: a table per kind of record, full-text search.

    Writes FILE and, beside it, datasette metadata (titles, descriptions, sources,
    licence). Existing files are replaced only with --force.

    Examples:

      citynet export sqlite citynet.db

      datasette citynet.db --metadata citynet.db.metadata.json

      sqlite3 citynet.db "select * from city_partners where city = 'berlin'"
    """
    from .export import write_sqlite

    written = write_sqlite(dataset(ctx), file, metadata, force=force)
    message = _("{file}: written; datasette metadata: {metadata}")
    print(message.format(file=file, metadata=written), file=sys.stderr)


@export_app.command("json")
def export_json(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="The file to write, or - for stdout.")],
    force: ReplaceOption = False,
) -> None:
    """The whole dataset as one JSON document (`citynet schema dataset` describes it).

    Examples:

      citynet export json citynet.json

      citynet export json - | jq '.networks | length'
    """
    from .export import dataset_json, refuse_existing
    from .files import atomic_write_chunks

    pieces = dataset_json(dataset(ctx))
    if file == "-":
        sys.stdout.writelines(pieces)
        return
    refuse_existing([Path(file)], force)
    atomic_write_chunks(Path(file), (piece.encode("utf-8") for piece in pieces))


def _complete_schema(incomplete: str) -> list[str]:
    from .schemas import NAMES

    return [name for name in NAMES if name.startswith(incomplete)]


@app.command()
def schema(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(
            help="The schema to print; without it, the list.", autocompletion=_complete_schema
        ),
    ] = None,
    fmt: FormatOption = None,
    fields: FieldsOption = None,
    output: OutputOption = None,
) -> None:
    """The JSON Schemas (draft 2020-12) of citynet's JSON output: list them, or print one.

    Examples:

      citynet schema

      citynet schema list > list.schema.json

      citynet schema show-city > show-city.schema.json
    """
    import json

    from .output import Column, Listing
    from .schemas import document, published

    if name is not None:
        print(json.dumps(document(name), ensure_ascii=False, indent=2))
        return
    rows = [{"name": n, "title": t} for n, t in published()]
    columns = [Column("name", N_("Name"), no_wrap=True), Column("title", N_("Title"))]
    title = _("{n} schemas").format(n=len(rows))
    show(ctx, Listing(columns, rows, payload=rows, title=title, id_key="name"), fmt)


# --- sources and language ---------------------------------------------------------


def resolve_with_sources(data: Dataset, name: str) -> Any:
    """The network or city `name` means, else the source with that id; an id that is
    both is ambiguous (`citynet sources ID` shows the source)."""
    from .errors import NotFoundError
    from .names import resolve

    source = data.source_by_id.get(name)
    try:
        record = resolve(data, name)
    except NotFoundError:
        if source is None:
            raise
        return source
    if source is not None and record.id == name:
        message = _(
            "{name} is both a {what} and a source; `citynet sources {name}` shows the source"
        )
        raise NotFoundError(message.format(name=name, what=_(type(record).__name__.lower())))
    return record


def _complete_source(ctx: typer.Context, incomplete: str) -> list[str]:
    try:
        return [s.id for s in dataset(ctx).sources if s.id.startswith(incomplete.lower())]
    except CitynetError:
        return []


@app.command()
def sources(
    ctx: typer.Context,
    source: Annotated[
        str | None,
        typer.Argument(
            help="A source id: show it with the records that rest on it.",
            autocompletion=_complete_source,
            show_default=False,
        ),
    ] = None,
    fmt: FormatOption = None,
    fields: FieldsOption = None,
    output: OutputOption = None,
) -> None:
    """The sources every fact cites: publisher, title, language, file, address.

    Addresses and retrieval dates are shown where the data has them; the documents
    do not state them, so none is made up.

    Examples:

      citynet sources

      citynet sources berlin-netzwerke

      citynet sources --format ids
    """
    from .names import closest
    from .views import source_detail, source_list

    data = dataset(ctx)
    if source is None:
        show(ctx, source_list(data), fmt)
        return
    found = data.source_by_id.get(source)
    if found is None:
        from .errors import NotFoundError

        hint = closest(source, list(data.source_by_id), 3)
        message = _("no source {name}").format(name=repr(source))
        if hint:
            message += "; " + _("did you mean {words}?").format(words=", ".join(hint))
        raise NotFoundError(message, tuple(hint))
    show(ctx, source_detail(data, found), fmt)


# --- maps and reports ---------------------------------------------------------------


class MapFormat(StrEnum):
    svg = "svg"
    geojson = "geojson"
    html = "html"


class ReportFormat(StrEnum):
    html = "html"
    md = "md"


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
    from contextlib import nullcontext

    from .errors import UsageError
    from .i18n import speaking
    from .maps import city_map, country_map, format_for, network_map, render
    from .names import resolve
    from .query import resolve_kind

    if (name is None) == (country is None):
        raise UsageError(_("give a city or network name, or --country CODE (one of them)"))
    if output is None and fmt is None and sys.stdout.isatty():
        raise UsageError(
            _(
                "a map is a file: write it with -o map.svg (or .html, .geojson), "
                "or redirect it: citynet map ... > map.svg"
            )
        )
    kinds = [resolve_kind(k) for k in kind or ()]
    data = dataset(ctx)
    chosen = fmt.value if fmt else format_for(output)
    record = None if country is not None else resolve(data, name or "")
    if isinstance(record, Network) and kinds:
        raise UsageError(_("--kind narrows partner maps; a network map shows its members"))
    # GeoJSON is read by programs: its labels are the same (German) in every language.
    with speaking("de") if chosen == "geojson" else nullcontext():
        if record is None:
            drawn = country_map(data, country or "", kinds)
        elif isinstance(record, Network):
            drawn = network_map(data, record)
        else:
            drawn = city_map(data, record, kinds)
        text = render(drawn, chosen)
    _write_out(text, output)


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

    In the interface's language (--lang). HTML is one self-contained page that prints
    cleanly on A4; a Markdown report written to a file gets its map beside it
    (report.md → report-karte.svg).

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
    bool,
    typer.Option(help="Write even if the file has comments (keeps a backup) or is read-only."),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
]
KeyArgument = Annotated[
    str,
    typer.Argument(
        help="Id or name; a membership is CITY:NETWORK, a partnership CITY:CITY[:KIND]."
    ),
]
_RECORD_KINDS = "network, city, membership, partnership, source, theme"


def _complete_record_kind(incomplete: str) -> list[str]:
    return _completions(incomplete, ((kind, ()) for kind in _RECORD_KINDS.split(", ")))


def _fields_help() -> str:
    """The fields each kind of record takes, from the schema, so help cannot drift."""
    from .arguments import option_help
    from .schema import KINDS, fields_of

    lines = [
        f"{kind}: " + " ".join(option_help(spec) for spec in fields_of(record_type))
        for kind, record_type in KINDS.items()
    ]
    footnote = _("(* required; list fields take the option once per value)")
    return "\n\n".join(lines) + "\n\n" + footnote


def _require_utf8(args: list[str]) -> None:
    """UsageError naming the option whose value is not UTF-8 (the shell passed raw bytes)."""
    from .errors import UsageError

    option = "an argument"
    for arg in args:
        if arg.startswith("--"):
            option = arg.split("=", 1)[0]
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            raise UsageError(f"{option}: '{shown}' is not UTF-8 text; give it in UTF-8") from None


def _target(ctx: typer.Context) -> Path:
    from .files import data_path

    return data_path(_settings(ctx).data)


def _print_diff(old: str, new: str, path: Path) -> None:
    import difflib

    from .output import printable

    if old == new:
        print(_("nothing changed"))
        return
    diff = difflib.unified_diff(
        old.splitlines(), new.splitlines(), str(path), str(path), lineterm="", n=1
    )
    for line in diff:
        print(printable(line))


def at_a_terminal() -> bool:
    """Whether a person can be asked (stdin is a terminal)."""
    return sys.stdin.isatty()


def _ask_missing(ctx: typer.Context, record_type: type, values: dict[str, list[str]]) -> None:
    """At a terminal, ask for the required fields that were not given as options, saying
    what each takes; a wrong answer is explained and asked again, nothing is lost."""
    from .arguments import check_answer, expected
    from .schema import fields_of

    if not at_a_terminal():
        return
    missing = [s for s in fields_of(record_type) if s.required and s.name not in values]
    data = dataset(ctx) if any(s.refers for s in missing) else None
    for spec in missing:
        known = [r.id for r in getattr(data, spec.refers)] if data and spec.refers else []
        example = " – " + _("e.g. {example}").format(example=known[0]) if known else ""
        question = f"{spec.option} ({expected(spec)}{example})"
        while True:
            try:
                values[spec.name] = check_answer(spec, typer.prompt(question), known)
                break
            except CitynetError as error:
                report(str(error))


@app.command(context_settings=_EDIT_CONTEXT, epilog=None)
def add(
    ctx: typer.Context,
    kind: Annotated[
        str,
        typer.Argument(
            metavar="KIND",
            help=f"What to add: {_RECORD_KINDS}.",
            autocompletion=_complete_record_kind,
        ),
    ],
    force: ForceOption = False,
    dry_run: DryRunOption = False,
) -> None:
    """Add a record: every field is an option (--name, --theme, --founded, --source …).

    Run at a terminal without the required fields, it asks for them. Fields by kind:
    see `citynet fields`.

    Examples:

      citynet add city --id lyon --name Lyon --country FR --source redaktion

      citynet add membership --city lyon --network eurocities --since 1989 --source redaktion

      citynet add partnership --cities berlin --cities lyon --kind contact --source redaktion
    """
    from .arguments import parse_options
    from .changes import add as add_record
    from .changes import new_record, record_type
    from .store import update

    _require_utf8([kind, *ctx.args])
    kind_type = record_type(kind)
    values = parse_options(kind_type, ctx.args)
    _ask_missing(ctx, kind_type, values)
    path = _target(ctx)
    old, new = update(
        path,
        lambda data: add_record(data, new_record(data, kind_type, values)),
        force=force,
        dry_run=dry_run,
    )
    _print_diff(old, new, path)


@app.command(context_settings=_EDIT_CONTEXT)
def edit(
    ctx: typer.Context,
    kind: Annotated[
        str,
        typer.Argument(
            metavar="KIND",
            help=f"What to edit: {_RECORD_KINDS}.",
            autocompletion=_complete_record_kind,
        ),
    ],
    key: KeyArgument,
    force: ForceOption = False,
    dry_run: DryRunOption = False,
) -> None:
    """Change fields of a record: each --field value replaces that field.

    A list field (--theme, --alias, --source …) changes value by value: --add-alias X,
    --remove-alias X; --set-alias X (once per value) replaces the whole list.

    Examples:

      citynet edit network c40 --founded 2005 --homepage https://www.c40.org

      citynet edit city koeln --add-alias Kölle

      citynet edit city koeln --set-alias Koeln --set-alias Cologne

      citynet edit membership berlin:c40 --since 2005
    """
    from .arguments import parse_edit
    from .changes import edit as edit_record
    from .changes import find, record_type
    from .errors import UsageError
    from .store import update

    _require_utf8([kind, key, *ctx.args])
    values, lists = parse_edit(record_type(kind), ctx.args)
    if not values and not lists:
        raise UsageError(_("nothing to change: give at least one --field value"))
    path = _target(ctx)
    old, new = update(
        path,
        lambda data: edit_record(data, find(data, kind, key), values, lists)[0],
        force=force,
        dry_run=dry_run,
    )
    _print_diff(old, new, path)


@app.command()
def remove(
    ctx: typer.Context,
    kind: Annotated[
        str,
        typer.Argument(
            metavar="KIND",
            help=f"What to remove: {_RECORD_KINDS}.",
            autocompletion=_complete_record_kind,
        ),
    ],
    key: KeyArgument,
    cascade: Annotated[
        bool, typer.Option(help="Also remove the memberships and partnerships that refer to it.")
    ] = False,
    force: ForceOption = False,
    dry_run: DryRunOption = False,
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
        path,
        lambda data: remove_record(data, find(data, kind, key), cascade)[0],
        force=force,
        dry_run=dry_run,
    )
    _print_diff(old, new, path)


@app.command()
def fields() -> None:
    """The fields of each kind of record, as options for add and edit.

    Examples:

      citynet fields

      citynet fields | grep '^city:'
    """
    print(_fields_help())


@app.command()
def fmt(
    ctx: typer.Context,
    check_only: Annotated[
        bool,
        typer.Option("--check", help="Only report whether the file is canonical (exit 1 if not)."),
    ] = False,
    force: ForceOption = False,
    dry_run: DryRunOption = False,
) -> None:
    """Rewrite the data file in its one canonical form (stable order and layout).

    Examples:

      citynet fmt

      citynet --data networks.toml fmt --check
    """
    from .store import update

    path = _target(ctx)
    old, new = update(path, lambda data: data, force=force, dry_run=check_only or dry_run)
    if dry_run:
        _print_diff(old, new, path)
    elif old == new:
        print_lines([_("{file}: already canonical").format(file=path)])
    elif check_only:
        report(_("{file}: not in canonical form; `citynet fmt` would rewrite it").format(file=path))
        raise typer.Exit(1)
    else:
        print_lines([_("{file}: rewritten in canonical form").format(file=path)])


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
    from .store import update_with
    from .wikidata import ImportReport, import_tables

    path = _target(ctx)

    def change(data: Dataset) -> tuple[Dataset, ImportReport]:
        with _progress(cities_file, links_file) as advance:
            return import_tables(data, cities_file, links_file, progress=advance)

    _old, _new, result = update_with(path, change, force=force, dry_run=dry_run)
    added = (
        _("would add: {cities} cities, {links} twinnings (kind unknown)")
        if dry_run
        else _("added: {cities} cities, {links} twinnings (kind unknown)")
    )
    print(added.format(cities=result.cities_added, links=result.links_added))
    print(_("matched to existing cities: {n}").format(n=result.cities_matched))
    print(
        _("documented relations confirmed (source added): {n}").format(n=result.relations_confirmed)
    )
    if result.retyped:
        print(_("partnerships of an earlier import made twinnings: {n}").format(n=result.retyped))
    print(_("duplicate links skipped: {n}").format(n=result.duplicates_skipped))
    print(_("rows rejected: {n}").format(n=len(result.rejected)))
    for row in result.rejected[:50]:
        report(str(row))
    if len(result.rejected) > 50:
        report(_("… and {n} more rejected rows").format(n=len(result.rejected) - 50))


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
            task = progress.add_task(_("importing"), total=total)
            yield lambda rows: progress.advance(task, rows)

    return bar()


def _line_count(path: Path) -> int:
    try:
        with path.open("rb") as file:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 20), b""))
    except OSError:
        return 0  # reading the table reports the problem properly

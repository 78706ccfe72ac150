"""Every option more than one command takes, declared once, with its completion."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NamedTuple, TypeVar

import typer

from .. import formats
from ..errors import CitynetError
from ..model import PARTNERSHIP_KINDS, STATUSES, City, Network
from .app import data_file


class Captured(Exception):
    """Raised by `present.show` while completing --fields: the listing the command would
    print, so that its columns can be offered."""

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
    ctx.meta["citynet.capture"] = True
    try:
        with ctx:
            ctx.command.callback(**params)  # type: ignore[misc]
    except Captured as captured:
        keys = [c.key for c in captured.listing.columns]
    except Exception:  # a command that cannot run yet has nothing to offer
        return []
    chosen = done.split(",")
    return [
        (done + "," if done else "") + k for k in keys if k.startswith(partial) and k not in chosen
    ]


def completions(incomplete: str, choices: Any) -> list[str]:
    """Completions of what was typed, case and accents folded: an id that starts with it,
    else the name that does, continued from the letters as typed ("köl" → "köln",
    which names Köln). Typer keeps only completions that start with the typed text."""
    from ..names import fold

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


def complete_records(kind: type[Network] | type[City] | None) -> Any:
    """Shell completion of network and city ids; silent when the data cannot be read."""

    def complete(ctx: typer.Context, incomplete: str) -> list[str]:
        from ..completion import cached_index
        from ..completion import complete as offer

        try:
            rows = cached_index(data_file(ctx))
        except CitynetError:
            return []
        return offer(rows, incomplete, kind.__name__.lower() if kind else None)

    return complete


def city_argument(help: str) -> Any:
    """A positional argument naming a city, completed from the data."""
    return typer.Argument(help=help, autocompletion=complete_records(City))


CityArgument = Annotated[str, city_argument("City: id, name or alias.")]


def complete_kind(incomplete: str) -> list[str]:
    return completions(incomplete, PARTNERSHIP_KINDS.items())


def complete_status(incomplete: str) -> list[str]:
    return completions(incomplete, STATUSES.items())


def _format_option(kind: formats.Kind, help: str) -> Any:
    """--format, its choices the registry's formats for this kind of result."""
    from typer._types import TyperChoice

    choice = TyperChoice(formats.names(kind), case_sensitive=False)
    return typer.Option("--format", "-f", click_type=choice, help=help, show_default=False)


FormatOption = Annotated[
    str | None,
    _format_option(
        "listing",
        "Output format. Default: table on a terminal, tsv in a pipe, or what the "
        "--output file's suffix says. csv-de: for German Excel (BOM, ';'); xlsx: a workbook.",
    ),
]
GraphFormatOption = Annotated[
    str | None,
    _format_option(
        "graph",
        "dot, mermaid, graphml, gexf or svg (needs Graphviz). Default: from the "
        "suffix of -o, else dot.",
    ),
]
MapFormatOption = Annotated[
    str | None,
    _format_option("map", "svg, geojson or html. Default: from the -o file name, else svg."),
]
ReportFormatOption = Annotated[
    str | None,
    _format_option(
        "report", "html or md. Default: md for .md files and standard output, else html."
    ),
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
RankingLimitOption = Annotated[
    int, typer.Option("--limit", "-n", min=0, help="Show the first N of each ranking; 0: all.")
]
SortOption = Annotated[
    str | None,
    typer.Option(
        "--sort", help="Sort by a column (its TSV key); -KEY for descending.", show_default=False
    ),
]
KindOption = Annotated[
    list[str] | None,
    typer.Option(
        "--kind",
        "-k",
        help=f"Only these kinds: {', '.join(PARTNERSHIP_KINDS)}.",
        autocompletion=complete_kind,
    ),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
]
ForceOption = Annotated[
    bool,
    typer.Option(help="Write even if the file has comments (keeps a backup) or is read-only."),
]
ReplaceOption = Annotated[bool, typer.Option("--force", help="Replace files that exist.")]


class Shown(NamedTuple):
    """How a command's listing is to be shown: the options of `listing_options`."""

    fmt: str | None = None
    fields: str | None = None
    output: Path | None = None
    sort: str | None = None
    limit: int | None = None


# The default of a command's `shown` parameter; `listing_options` always passes the real one.
AS_GIVEN = Shown()

_Command = TypeVar("_Command", bound=Callable[..., None])


def option_bundle(
    parameter: str, bundle: Callable[..., Any], options: dict[str, Any]
) -> Callable[[_Command], _Command]:
    """Add `options` (name → annotated option) to a command's parameters; the command
    receives them together, as `parameter`, made by `bundle(**values)`."""

    def decorate(command: _Command) -> _Command:
        hints = typing.get_type_hints(command, include_extras=True)
        own = [
            p.replace(annotation=hints[p.name])
            for p in inspect.signature(command).parameters.values()
            if p.name != parameter
        ]
        added = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=hint)
            for name, hint in options.items()
        ]

        @functools.wraps(command)
        def with_options(*args: Any, **kwargs: Any) -> None:
            values = {name: kwargs.pop(name) for name in options}
            command(*args, **{parameter: bundle(**values)}, **kwargs)

        # Typer reads the parameters from the signature and their types from the hints.
        with_options.__signature__ = inspect.Signature([*own, *added])  # type: ignore[attr-defined]
        with_options.__annotations__ = {p.name: p.annotation for p in [*own, *added]}
        return typing.cast(_Command, with_options)

    return decorate


def listing_options(*, rows: bool = True) -> Callable[[_Command], _Command]:
    """Give a command that prints a listing the options that shape it, declared here
    once: --format, --fields, -o and (with `rows`) --sort and --limit. The command
    takes them as one argument, `shown: Shown`, and hands it to `present.show`."""
    options: dict[str, Any] = {"fmt": FormatOption, "fields": FieldsOption, "output": OutputOption}
    if rows:
        options = {"sort": SortOption, "limit": LimitOption, **options}
    return option_bundle("shown", Shown, options)


AsOfOption = Annotated[
    int | None,
    typer.Option(
        "--as-of",
        metavar="YEAR",
        help="Only relations known to be in force in this year (those without years are "
        "left out, with a note saying how many).",
        show_default=False,
    ),
]
StatusOption = Annotated[
    str | None,
    typer.Option(
        "--status",
        help=f"Only relations in this state: {', '.join(STATUSES)} (active includes those "
        "no document gives a state).",
        show_default=False,
        autocompletion=complete_status,
    ),
]

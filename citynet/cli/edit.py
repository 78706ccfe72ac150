"""Keeping the data file: check, add, edit, remove, merge, fields, fmt."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ..errors import CitynetError, DataError
from ..i18n import _, number
from ..model import City, Dataset
from .app import data_file, dataset, report
from .options import DryRunOption, ForceOption, city_argument, completions
from .present import print_diff, print_lines

app = typer.Typer()


_EDIT_CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True}


KeyArgument = Annotated[
    str,
    typer.Argument(
        help="Id or name; a membership is CITY:NETWORK, a partnership CITY:CITY[:KIND]."
    ),
]
_RECORD_KINDS = "network, city, membership, partnership, source, theme"


def _complete_record_kind(incomplete: str) -> list[str]:
    return completions(incomplete, ((kind, ()) for kind in _RECORD_KINDS.split(", ")))


RecordKindArgument = Annotated[
    str,
    typer.Argument(
        metavar="KIND",
        help=f"The kind of record: {_RECORD_KINDS}.",
        autocompletion=_complete_record_kind,
    ),
]


def _fields_help() -> str:
    """The fields each kind of record takes, from the schema, so help cannot drift."""
    from ..arguments import option_help
    from ..schema import KINDS, fields_of

    lines = [
        f"{kind}: " + " ".join(option_help(spec) for spec in fields_of(record_type))
        for kind, record_type in KINDS.items()
    ]
    footnote = _("(* required; list fields take the option once per value)")
    return "\n\n".join(lines) + "\n\n" + footnote


def _require_utf8(args: list[str]) -> None:
    """UsageError naming the option whose value is not UTF-8 (the shell passed raw bytes)."""
    from ..errors import UsageError

    option = _("an argument")
    for arg in args:
        if arg.startswith("--"):
            option = arg.split("=", 1)[0]
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            message = _("{option}: '{value}' is not UTF-8 text; give it in UTF-8")
            raise UsageError(message.format(option=option, value=shown)) from None


def at_a_terminal() -> bool:
    """Whether a person can be asked (stdin is a terminal)."""
    return sys.stdin.isatty()


def _ask_missing(ctx: typer.Context, record_type: type, values: dict[str, list[str]]) -> None:
    """At a terminal, ask for the required fields that were not given as options, saying
    what each takes; a wrong answer is explained and asked again, nothing is lost."""
    from ..arguments import check_answer, expected
    from ..schema import fields_of

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
    kind: RecordKindArgument,
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
    from ..arguments import parse_options
    from ..changes import add as add_record
    from ..changes import new_record, record_type
    from ..store import update

    _require_utf8([kind, *ctx.args])
    kind_type = record_type(kind)
    values = parse_options(kind_type, ctx.args)
    _ask_missing(ctx, kind_type, values)
    path = data_file(ctx)
    old, new = update(
        path,
        lambda data: add_record(data, new_record(data, kind_type, values)),
        force=force,
        dry_run=dry_run,
    )
    print_diff(old, new, path)


@app.command(context_settings=_EDIT_CONTEXT)
def edit(
    ctx: typer.Context,
    kind: RecordKindArgument,
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
    from ..arguments import parse_edit
    from ..changes import edit as edit_record
    from ..changes import find, record_type
    from ..errors import UsageError
    from ..store import update

    _require_utf8([kind, key, *ctx.args])
    values, lists = parse_edit(record_type(kind), ctx.args)
    if not values and not lists:
        raise UsageError(_("nothing to change: give at least one --field value"))
    path = data_file(ctx)
    old, new = update(
        path,
        lambda data: edit_record(data, find(data, kind, key), values, lists)[0],
        force=force,
        dry_run=dry_run,
    )
    print_diff(old, new, path)


@app.command()
def remove(
    ctx: typer.Context,
    kind: RecordKindArgument,
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
    from ..changes import find
    from ..changes import remove as remove_record
    from ..store import update

    path = data_file(ctx)
    old, new = update(
        path,
        lambda data: remove_record(data, find(data, kind, key), cascade)[0],
        force=force,
        dry_run=dry_run,
    )
    print_diff(old, new, path)


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
    from ..store import update

    path = data_file(ctx)
    old, new = update(path, lambda data: data, force=force, dry_run=check_only or dry_run)
    if dry_run:
        print_diff(old, new, path)
    elif old == new:
        print_lines([_("{file}: already canonical").format(file=path)])
    elif check_only:
        report(_("{file}: not in canonical form; `citynet fmt` would rewrite it").format(file=path))
        raise typer.Exit(1)
    else:
        print_lines([_("{file}: rewritten in canonical form").format(file=path)])


@app.command()
def check(
    ctx: typer.Context,
    strict: Annotated[
        bool, typer.Option("--strict", help="Warnings are problems too: exit status 3.")
    ] = False,
) -> None:
    """Validate a data file: print a summary, every problem and every warning.

    Warnings (exit status 0 unless --strict) name each city by id and say what to do:
    cities that may be one place, coordinates outside the city's country, a name and
    coordinates that disagree, same-name cities in one country, two cities of one
    GeoNames place, placeholder or unknown country codes.

    Examples:

      citynet check

      citynet --data my-networks.toml check --strict
    """
    from ..cache import remembered
    from ..i18n import catalog

    path = data_file(ctx)
    try:
        # The verdict depends only on the file, citynet and the words it is said in:
        # an unchanged file's is remembered.
        lines, warnings = remembered(
            path,
            f"check-{catalog()}",
            lambda data: _verdict(str(path), data),
            tuple[list[str], int],
        )
    except DataError as error:
        report(_("{file}: {n} problem(s)").format(file=path, n=len(error.problems)))
        raise
    print_lines(lines)
    if strict and warnings:
        from ..errors import EXIT_DATA

        report(_("{n} warning(s), and --strict makes them problems").format(n=number(warnings)))
        raise typer.Exit(EXIT_DATA)


def _verdict(path: str, data: Dataset) -> tuple[list[str], int]:
    """What `check` prints about a valid dataset, and how many warnings it holds."""
    import gc

    from ..views import check_report

    # The checks make many small sets and lists and next to no cycles: each collection
    # would walk them and the dataset read before, for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        pairs, pair_count = _duplicates(data)
        cities, city_count = _city_warnings(data)
    finally:
        if collecting:
            gc.enable()
    return [*check_report(path, data), *pairs, *cities], pair_count + city_count


def _city_warnings(data: Dataset) -> tuple[list[str], int]:
    """`check`'s warnings about cities (citynet.checks), and how many."""
    from ..checks import city_warnings

    found = city_warnings(data)
    if not found:
        return [], 0
    lines = [_("{n} warning(s) about cities:").format(n=number(len(found)))]
    lines += [_("  warning: {warning}").format(warning=w) for w in found]
    return lines, len(found)


@app.command()
def merge(
    ctx: typer.Context,
    keep: Annotated[str, city_argument("The city to keep.")],
    other: Annotated[str, city_argument("The city joined into it.")],
    dry_run: DryRunOption = False,
    force: Annotated[
        bool,
        typer.Option(
            help="Merge even cities in different countries, with different Wikidata ids or "
            "more than 50 km apart; write even if the file has comments (keeps a backup) "
            "or is read-only."
        ),
    ] = False,
) -> None:
    """Join two records of one place: OTHER's references, names and sources go to KEEP.

    Facts only OTHER has are taken over; where the two disagree, KEEP's stay and
    OTHER's are kept in KEEP's note. Cities in different countries, with different
    Wikidata ids or more than 50 km apart are refused unless --force. Prints what
    moves, then the change as a diff.

    Examples:

      citynet merge bruessel city-of-brussels --dry-run

      citynet merge muenchen munich
    """
    from ..merge import merge_cities, merge_plan
    from ..names import lookup
    from ..store import update

    plan: list[str] = []

    def change(data: Dataset) -> Dataset:
        kept = lookup(data, keep, City, guess=False)
        joined = lookup(data, other, City, guess=False)
        assert isinstance(kept, City) and isinstance(joined, City)
        merged = merge_cities(data, kept, joined, force=force)
        plan.extend(merge_plan(data, kept, joined))
        return merged

    path = data_file(ctx)
    old, new = update(path, change, force=force, dry_run=dry_run)
    heading = _("{keep} ← {other}, would move:") if dry_run else _("{keep} ← {other}, moved:")
    print_lines([heading.format(keep=keep, other=other), *(f"  {line}" for line in plan)])
    print_diff(old, new, path)


def _duplicates(data: Dataset) -> tuple[list[str], int]:
    """`check` warns about cities that are probably one place; they are not errors.
    The lines, and how many pairs."""
    from ..merge import likely_duplicates

    pairs = likely_duplicates(data)
    if not pairs:
        return [], 0
    heading = _(
        "{n} pair(s) of cities that may be one place (join them: citynet merge KEEP OTHER):"
    )
    pair = _("{one} ({one_name}) and {other} ({other_name}), {country}: {why}")
    lines = [heading.format(n=number(len(pairs)))]
    lines += [
        _("  warning: {warning}").format(
            warning=pair.format(
                one=a.id, one_name=a.name, other=b.id, other_name=b.name, country=a.country, why=why
            )
        )
        for a, b, why in pairs
    ]
    return lines, len(pairs)

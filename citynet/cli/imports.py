"""Taking in data from elsewhere: member tables and the Wikidata twin-city tables."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import typer

from ..i18n import _, number
from ..model import Dataset, Network
from .app import data_file, report
from .options import DryRunOption, ForceOption, option_bundle

# What every import asks about its source; defaults come from the table when citynet
# knows it (`citynet.citing.KNOWN`), the date retrieved is the day of the import.
TitleOption = Annotated[str | None, typer.Option(help="Title of the source record.")]
PublisherOption = Annotated[str | None, typer.Option(help="Who published the table.")]
CitationOption = Annotated[
    str | None, typer.Option(help="How the table's authors ask to be cited.")
]
UrlOption = Annotated[str | None, typer.Option(help="Where the table comes from.")]
DateOption = Annotated[
    str | None, typer.Option(help="Date of the table, as its publisher gives it.")
]
LicenceOption = Annotated[
    str | None, typer.Option(help="The terms the table is used under, e.g. 'CC BY 4.0'.")
]
RetrievedOption = Annotated[
    str | None,
    typer.Option(help="When the table was downloaded, YYYY-MM-DD (default: today)."),
]


class Citing(NamedTuple):
    """What an import's options say about its source (`citing_options`)."""

    title: str | None = None
    publisher: str | None = None
    citation: str | None = None
    url: str | None = None
    date: str | None = None
    licence: str | None = None
    retrieved: str | None = None


NOT_CITED = Citing()  # the default of `cited`; `citing_options` always passes the real one
citing_options = option_bundle(
    "cited",
    Citing,
    {
        "title": TitleOption,
        "publisher": PublisherOption,
        "citation": CitationOption,
        "url": UrlOption,
        "date": DateOption,
        "licence": LicenceOption,
        "retrieved": RetrievedOption,
    },
)

app = typer.Typer()


import_app = typer.Typer(help="Take in data from elsewhere.", no_args_is_help=True)
app.add_typer(import_app, name="import")


@import_app.command("members")
@citing_options
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
            "wikidata, lat, lng, type, since (the year the city joined) (repeatable).",
        ),
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Id of the source record (default: import-FILE).")
    ] = None,
    report_file: Annotated[
        Path | None, typer.Option("--report", help="Write every row's outcome to this TSV file.")
    ] = None,
    dry_run: DryRunOption = False,
    force: ForceOption = False,
    cited: Citing = NOT_CITED,
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

    from ..errors import UsageError
    from ..files import write_output
    from ..members import MembersReport, report_listing
    from ..members import import_members as import_table
    from ..names import lookup
    from ..output import printable, render
    from ..store import update_with

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
    info = _source_info(source, cited)
    path = data_file(ctx)

    def change(data: Dataset) -> tuple[Dataset, MembersReport]:
        wanted = {c: lookup(data, n, Network).id for c, n in columns.items()}
        chosen = lookup(data, network, Network).id if network else ""
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
    print(
        added.format(
            cities=number(result.count("added")), memberships=number(result.memberships_added)
        )
    )
    print(
        _("memberships confirmed (source added): {n}").format(
            n=number(result.memberships_confirmed)
        )
    )
    if result.years_added:
        print(_("relations that gained years: {n}").format(n=number(result.years_added)))
    print(
        _(
            "rows: {matched} matched, {added} added, {ambiguous} ambiguous, {rejected} rejected"
        ).format(
            matched=number(result.count("matched")),
            added=number(result.count("added")),
            ambiguous=number(result.count("ambiguous")),
            rejected=number(result.count("rejected")),
        )
    )
    _print_conflicts(str(file), [(o.line, o.conflict) for o in result.conflicts])
    for old_id, city_id in result.repaired:
        print(
            _("joined into the place its name says: {old} → {city}").format(
                old=old_id, city=city_id
            )
        )
    print(_("source: {source}").format(source=result.source))
    if report_file is not None:
        buffer = io.StringIO()
        render(report_listing(result), "tsv", buffer, color=False)
        write_output(report_file, (buffer.getvalue().encode("utf-8"),), data=path)
        print(_("report: {file}").format(file=report_file))
    problems = [o for o in result.outcomes if o.status in ("ambiguous", "rejected")]
    for o in problems[:50]:
        report(
            f"{file}:{o.line}: {printable(o.name)} ({o.country or '?'}): {_(o.status)}: {o.reason}"
        )
    if len(problems) > 50:
        report(
            _("… and {n} more; --report FILE lists every row").format(n=number(len(problems) - 50))
        )


@import_app.command("wikidata")
@citing_options
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
        Path,
        typer.Option(
            "--links",
            help="Links table (CSV or TSV): source, target; optional since (or year) and until.",
        ),
    ],
    source: Annotated[
        str | None,
        typer.Option("--source", help="Id of the source record (default: wikidata-p190)."),
    ] = None,
    dry_run: DryRunOption = False,
    force: ForceOption = False,
    cited: Citing = NOT_CITED,
) -> None:
    """Import Wikidata twin-city tables (P190, "twinned administrative body").

    Cities are matched by Wikidata id, GeoNames place, then names in any language with
    the country; each link becomes a twinning (kind unknown) unless the pair has a
    relation, which gains the source. A second run adds nothing.

    Examples:

      citynet import wikidata --cities nodes.tsv --links links.tsv --dry-run

      citynet import wikidata --cities cities.csv --links links.csv
    """
    from ..store import update_with
    from ..wikidata import ImportReport, import_tables

    path = data_file(ctx)
    info = _source_info(source, cited)

    def change(data: Dataset) -> tuple[Dataset, ImportReport]:
        with _progress(cities_file, links_file) as advance:
            return import_tables(data, cities_file, links_file, progress=advance, source=info)

    _old, _new, result = update_with(path, change, force=force, dry_run=dry_run)
    added = (
        _("would add: {cities} cities, {links} twinnings (kind unknown)")
        if dry_run
        else _("added: {cities} cities, {links} twinnings (kind unknown)")
    )
    print(added.format(cities=number(result.cities_added), links=number(result.links_added)))
    print(_("matched to existing cities: {n}").format(n=number(result.cities_matched)))
    print(
        _("documented relations confirmed (source added): {n}").format(
            n=number(result.relations_confirmed)
        )
    )
    if result.retyped:
        print(
            _("partnerships of an earlier import made twinnings: {n}").format(
                n=number(result.retyped)
            )
        )
    if result.years_added:
        print(_("relations that gained years: {n}").format(n=number(result.years_added)))
    print(_("duplicate links skipped: {n}").format(n=number(result.duplicates_skipped)))
    print(_("rows rejected: {n}").format(n=number(len(result.rejected))))
    _print_conflicts(str(cities_file), [(c.line, c.reason) for c in result.conflicts])
    for row in result.rejected[:50]:
        report(str(row))
    if len(result.rejected) > 50:
        report(_("… and {n} more rejected rows").format(n=number(len(result.rejected) - 50)))


def _print_conflicts(file: str, conflicts: list[tuple[int, str]]) -> None:
    """How many rows were imported although their name and coordinates disagree (stdout),
    and each of them (stderr, the first 50)."""
    from ..output import printable

    print(
        _("rows imported despite a conflict of name and coordinates: {n}").format(
            n=number(len(conflicts))
        )
    )
    for line, conflict in conflicts[:50]:
        report(printable(f"{file}:{line}: {conflict}"))
    if len(conflicts) > 50:
        report(_("… and {n} more conflicts").format(n=number(len(conflicts) - 50)))


def _source_info(source: str | None, cited: Citing) -> Any:
    """The import's description of its source, from the options; unset ones stay empty."""
    from ..citing import SourceInfo

    given = {name: value or "" for name, value in cited._asdict().items()}
    return SourceInfo(id=source or "", **given)


def _progress(*files: Path) -> Any:
    """A progress bar on stderr for large input at a terminal; a no-op otherwise."""
    import contextlib

    from ..files import line_count

    total = sum(line_count(f) for f in files)
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

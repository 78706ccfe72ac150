"""Wikidata both ways: fetch what it knows about our cities, and show what it lacks."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..i18n import _, number
from ..model import City, Dataset
from .app import data_file, dataset, report
from .options import DryRunOption, ForceOption, Shown, complete_records

app = typer.Typer()
wikidata_app = typer.Typer(
    help="Wikidata both ways: fetch links, years and names; list what Wikidata lacks.",
    no_args_is_help=True,
)
app.add_typer(wikidata_app, name="wikidata")

CitiesArgument = Annotated[
    list[str] | None,
    typer.Argument(
        help="Cities: id, name or alias. Default: every city with a Wikidata id.",
        autocompletion=complete_records(City),
        show_default=False,
    ),
]
CountryOption = Annotated[
    str | None,
    typer.Option(
        "--country", help="Only cities of this country (ISO code, e.g. DE).", show_default=False
    ),
]
EndpointOption = Annotated[
    str | None,
    typer.Option(
        "--endpoint",
        metavar="URL",
        help="SPARQL 1.1 endpoint. Default: Wikidata's query service.",
        show_default=False,
    ),
]


class DiffFormat(StrEnum):
    table = "table"
    json = "json"
    tsv = "tsv"
    quickstatements = "quickstatements"


@wikidata_app.command("fetch")
def fetch(
    ctx: typer.Context,
    cities: CitiesArgument = None,
    country: CountryOption = None,
    endpoint: EndpointOption = None,
    dry_run: DryRunOption = False,
    force: ForceOption = False,
) -> None:
    """Ask a SPARQL endpoint for the cities' twin links (P190) with their years, and for
    the labels, coordinates and country of every city involved; merge them.

    Cities are matched as in `import wikidata`; a documented relation keeps its kind
    and gains the years it lacks, with the source "Wikidata, retrieved DATE" beside its
    own; a link no relation has becomes a twinning (kind unknown). German labels become
    the German names of cities that had only an English one. If the endpoint cannot be
    reached or answers badly, nothing is written.

    Examples:

      citynet wikidata fetch berlin --dry-run

      citynet wikidata fetch --country DE

      citynet wikidata fetch berlin --endpoint http://localhost:3030/wikidata/sparql
    """
    from ..sparql import DEFAULT_ENDPOINT, MergeReport, merge
    from ..store import update_with

    path = data_file(ctx)
    asked = _chosen(dataset(ctx), cities, country)
    fetched = _fetch(asked, endpoint or DEFAULT_ENDPOINT)

    def change(data: Dataset) -> tuple[Dataset, MergeReport]:
        return merge(data, fetched)

    _old, _new, result = update_with(path, change, force=force, dry_run=dry_run)
    low, high = min(fetched.batches, default=0), max(fetched.batches, default=0)
    print(
        _(
            "asked {endpoint} about {cities} cities: {requests} requests ({batches} per batch)"
        ).format(
            endpoint=endpoint or DEFAULT_ENDPOINT,
            cities=number(len(fetched.asked)),
            requests=number(fetched.requests),
            batches=f"{low}–{high}" if low != high else low,
        )
    )
    added = (
        _("would add: {cities} cities, {links} twinnings (kind unknown)")
        if dry_run
        else _("added: {cities} cities, {links} twinnings (kind unknown)")
    )
    print(added.format(cities=number(result.cities_added), links=number(result.links_added)))
    for message, count in (
        (_("matched to existing cities: {n}"), result.cities_matched),
        (_("documented relations confirmed (source added): {n}"), result.relations_confirmed),
        (_("relations that gained years: {n}"), result.years_added),
        (_("German names taken from Wikidata: {n}"), result.names_added),
    ):
        print(message.format(n=number(count)))
    for reason in result.rejected[:50]:
        report(reason)


@wikidata_app.command("diff")
def diff(
    ctx: typer.Context,
    cities: CitiesArgument = None,
    country: CountryOption = None,
    endpoint: EndpointOption = None,
    fmt: Annotated[
        DiffFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="table, json, tsv, or quickstatements (V1 lines for a person to review "
            "and submit; citynet never edits Wikidata). Default: table on a terminal, "
            "tsv in a pipe.",
            show_default=False,
            case_sensitive=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file (atomically).", dir_okay=False),
    ] = None,
) -> None:
    """Compare the dataset with Wikidata: relations we document that Wikidata lacks,
    links Wikidata has that we lack, years that disagree, P190 on one side only.

    QuickStatements lines give P190 both ways, P580 where the start is known, and a
    reference from the relation's source: its URL (S854) or the Wikidata item it is
    (S248), with its date as retrieved (S813). A relation whose sources have no
    address, or whose partner has no Wikidata id, is listed on stderr instead.

    Examples:

      citynet wikidata diff berlin

      citynet wikidata diff berlin --format quickstatements -o berlin.qs
    """
    from ..sparql import DEFAULT_ENDPOINT, quickstatements
    from ..sparql import diff as compare
    from ..views import difference_list
    from .present import show, write_text

    data = dataset(ctx)
    asked = _chosen(data, cities, country)
    fetched = _fetch(asked, endpoint or DEFAULT_ENDPOINT)
    found = compare(data, fetched, asked)
    if fmt is DiffFormat.quickstatements:
        lines, skipped = quickstatements(data, found)
        write_text(ctx, "".join(line + "\n" for line in lines), output)
        for d in skipped:
            why = (
                _("no Wikidata id")
                if not d.city_qid or not d.partner_qid
                else _("no source with a URL")
            )
            report(
                _("not proposed: {city}–{partner} ({kind}): {why}").format(
                    city=d.city, partner=d.partner, kind=d.kind, why=why
                )
            )
        return
    show(ctx, difference_list(found), Shown(fmt=fmt.value if fmt else None, output=output))


def _chosen(data: Dataset, names: list[str] | None, country: str | None) -> list[City]:
    """The cities asked about: those named, else all; of one country if given; a named
    city without a Wikidata id is left out with a note."""
    from ..names import lookup

    code = country.upper() if country else None
    chosen: list[City] = []
    for name in names or ():
        found = lookup(data, name, City)
        assert isinstance(found, City)
        if not found.wikidata:
            report(
                _(
                    "{city} has no Wikidata id and is left out "
                    "(set one: citynet edit city {id} --wikidata Q…)"
                ).format(city=found.name, id=found.id)
            )
            continue
        chosen.append(found)
    if not names:
        chosen = [c for c in data.cities if c.wikidata]
    return [c for c in chosen if code is None or c.country == code]


def _fetch(cities: list[City], endpoint: str) -> Any:
    """What the endpoint knows about the cities; a progress bar on a terminal."""
    import contextlib

    from ..sparql import fetch

    qids = [c.wikidata for c in cities]
    if not sys.stderr.isatty():
        return fetch(qids, endpoint)

    @contextlib.contextmanager
    def bar() -> Any:
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task(_("asking Wikidata"), total=len(qids))
            yield lambda n: progress.advance(task, n)

    with bar() as advance:
        return fetch(qids, endpoint, progress=advance)

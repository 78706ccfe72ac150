"""Figures about the data: statistics and suggestions of networks to join."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ..i18n import _
from ..model import City
from .app import dataset, settings
from .options import (
    AS_GIVEN,
    CityArgument,
    FormatOption,
    KindOption,
    RankingLimitOption,
    Shown,
    city_argument,
    listing_options,
)
from .present import chosen_format, show

app = typer.Typer()


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
            "most_memberships, country_pairs, country_matrix, region_country, region_matrix, "
            "networks_by_theme, networks_by_decade, partnerships_by_decade, country_components, "
            "centrality, communities.",
            show_default=False,
        ),
    ] = None,
    country: Annotated[
        str | None,
        typer.Option(
            "--country",
            "-c",
            help="Only this country's cities and the pairs with one end there, e.g. DE "
            "(with --table region_country: Bundesland × partner country).",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Figures: counts, the most connected cities, country pairs, themes, decades.

    Partner counts and country pairs count pairs of cities, whatever their kinds of
    relation, unless --kind narrows them; pairs within one country are marked
    domestic. On a terminal and in md every table; in json one object with every
    table; tsv and csv give one table (--table). The tables centrality (partner
    cities and betweenness) and communities (Louvain clusters) take about a second
    at the real size and are shown only when --table names them.

    Examples:

      citynet stats

      citynet stats --kind partnership --limit 10

      citynet stats --table region_country --kind partnership --country DE

      citynet stats --table region_matrix --country DE --limit 8

      citynet stats --table centrality --limit 10

      citynet stats --table communities --format json | jq '.[0].countries'

      citynet stats --table country_pairs --format csv > laenderpaare.csv

      citynet stats --format json | jq '.most_connected_cities[0]'
    """
    from ..errors import UsageError
    from ..names import COUNTRY, KIND, did_you_mean, lookup
    from ..output import render_sections
    from ..stats import NETWORK_TABLES, TABLES, statistics
    from ..statviews import DEFAULT_TABLE, stats_listings, stats_whole

    if table is not None and table not in TABLES:
        hint = did_you_mean(table, TABLES)
        message = _("unknown table {table}{hint}; tables: {tables}")
        raise UsageError(message.format(table=repr(table), hint=hint, tables=", ".join(TABLES)))
    kinds = [lookup(None, k, KIND) for k in kind or ()]
    code = lookup(None, country, COUNTRY) if country else ""
    figures = statistics(
        dataset(ctx), kinds, code, network=[table] if table in NETWORK_TABLES else []
    )
    chosen = chosen_format(fmt)
    listings = stats_listings(figures, limit or None)
    if chosen in ("table", "md"):
        sections = [listings[table]] if table else list(listings.values())
        render_sections(sections, chosen, sys.stdout, color=settings(ctx).color)
    elif table is None and chosen == "json":
        show(ctx, stats_whole(figures, limit or None), Shown(fmt=chosen))
    else:
        show(ctx, listings[table or DEFAULT_TABLE], Shown(fmt=chosen))


@app.command("path")
@listing_options(rows=False)
def path_command(
    ctx: typer.Context,
    start: Annotated[str, city_argument("From this city.")],
    end: Annotated[str, city_argument("To this city.")],
    kind: KindOption = None,
    shown: Shown = AS_GIVEN,
) -> None:
    """The shortest chain of relations between two cities, with each step's kind and source.

    Breadth first over partnerships of every kind, or of --kind; each step names its
    most formal relation. Exit status 1 if no chain joins the two cities. JSON: a list
    of {from, to, kind, source}.

    Examples:

      citynet path berlin koeln

      citynet path berlin windhuk --kind partnership

      citynet path koeln tokio --format json
    """
    from ..errors import NotFoundError
    from ..names import KIND, lookup
    from ..network import path
    from ..statviews import path_listing

    data = dataset(ctx)
    first, last = lookup(data, start, City), lookup(data, end, City)
    steps = path(data, first, last, [lookup(None, k, KIND) for k in kind or ()])
    if steps is None:
        message = _("no chain of relations joins {start} and {end}")
        raise NotFoundError(message.format(start=first.name, end=last.name))
    show(ctx, path_listing(steps, first, last), shown)


@app.command("suggest")
@listing_options(rows=False)
def suggest_networks(
    ctx: typer.Context,
    city: CityArgument,
    kind: KindOption = None,
    limit: RankingLimitOption = 10,
    shown: Shown = AS_GIVEN,
) -> None:
    """Networks a city's peers belong to and it does not, best first, with the reason.

    Peers are cities that share networks or partners with it (same country counts
    more); --kind limits which partnerships count.

    Examples:

      citynet suggest koeln

      citynet suggest berlin --limit 3 --format json
    """
    from ..names import KIND, lookup
    from ..statviews import suggestion_listing
    from ..suggest import suggest

    data = dataset(ctx)
    found = lookup(data, city, City)
    assert isinstance(found, City)
    suggestions = suggest(data, found, [lookup(None, k, KIND) for k in kind or ()])
    show(ctx, suggestion_listing(data, found, suggestions[: limit or None]), shown)

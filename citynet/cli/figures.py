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
            "most_memberships, country_pairs, country_matrix, region_country, "
            "networks_by_theme, networks_by_decade, partnerships_by_decade, country_components.",
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
    from ..errors import UsageError
    from ..names import KIND, did_you_mean, lookup
    from ..output import render_sections
    from ..stats import TABLES, statistics
    from ..statviews import DEFAULT_TABLE, stats_listings, stats_whole

    if table is not None and table not in TABLES:
        hint = did_you_mean(table, TABLES)
        message = _("unknown table {table}{hint}; tables: {tables}")
        raise UsageError(message.format(table=repr(table), hint=hint, tables=", ".join(TABLES)))
    kinds = [lookup(None, k, KIND) for k in kind or ()]
    figures = statistics(dataset(ctx), kinds)
    chosen = chosen_format(fmt)
    listings = stats_listings(figures, limit or None)
    if chosen in ("table", "md"):
        sections = [listings[table]] if table else list(listings.values())
        render_sections(sections, chosen, sys.stdout, color=settings(ctx).color)
    elif table is None and chosen == "json":
        show(ctx, stats_whole(figures, limit or None), Shown(fmt=chosen))
    else:
        show(ctx, listings[table or DEFAULT_TABLE], Shown(fmt=chosen))


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

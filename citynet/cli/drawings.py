"""Pictures: graphs, maps and a city's report."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ..i18n import _
from ..model import City, Network
from .app import data_file, dataset, report
from .options import (
    CityArgument,
    GraphFormatOption,
    KindOption,
    MapFormatOption,
    OutputOption,
    ReportFormatOption,
    complete_records,
)
from .present import write_text

app = typer.Typer()


@app.command()
def graph(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Networks or cities to centre on; none: the whole dataset.",
            autocompletion=complete_records(None),
            show_default=False,
        ),
    ] = None,
    depth: Annotated[
        int, typer.Option("--depth", "-d", min=0, help="Steps out from the named records.")
    ] = 1,
    kind: KindOption = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-n",
            min=0,
            help="Draw at most this many nodes, the nearest and best connected, and say "
            "how many were left out. Default: 120 for svg and mermaid, all for the data "
            "formats; 0: all.",
            show_default=False,
        ),
    ] = None,
    fmt: GraphFormatOption = None,
    output: OutputOption = None,
) -> None:
    """The graph of cities and networks (member edges) and of partner cities (kind edges).

    Named records come with everything within --depth steps: a city's networks and
    partner cities, a network's members. Pictures (svg, mermaid) keep the nearest
    and best connected 120 nodes (--limit) and say how many they left out; a legend
    names the node types and the kinds of edge. Exit status 4 if --format svg
    cannot run Graphviz.

    Examples:

      citynet graph berlin -o berlin.svg

      citynet graph berlin c40 --depth 2 --format graphml > berlin-c40.graphml

      citynet graph --format gexf -o citynet.gexf

      citynet graph eurocities --format mermaid
    """
    from ..formats import choose
    from ..graphs import DRAWN_NODES, SVG_PATIENCE, build_graph, trim, write_graph
    from ..names import KIND, lookup

    data = dataset(ctx)
    records = [lookup(data, name) for name in names or ()]
    kinds = [lookup(None, k, KIND) for k in kind or ()]
    chosen = choose("graph", fmt, output)
    found = build_graph(data, records, depth=depth, kinds=kinds)
    pictures = ("svg", "mermaid")
    found = trim(found, limit if limit is not None else DRAWN_NODES if chosen in pictures else 0)
    if found.left_out:
        message = _(
            "{n} of {total} nodes drawn, the nearest and best connected; --limit 0 draws all"
        )
        report(message.format(n=len(found.nodes), total=len(found.nodes) + found.left_out))
    if chosen == "svg" and len(found.nodes) > SVG_PATIENCE:
        message = _(
            "laying out {n} nodes, Graphviz may take minutes; "
            "name records to draw their neighbourhood, or write gexf for Gephi"
        )
        report(message.format(n=len(found.nodes)))
    write_text(ctx, write_graph(found, chosen), output)


@app.command("map")
def map_command(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(
            help="City (its partners) or network (its members): id, name or alias.",
            autocompletion=complete_records(None),
            show_default=False,
        ),
    ] = None,
    country: Annotated[
        str | None,
        typer.Option(
            "--country", "-c", help="Map a country's cities and their partners abroad, e.g. DE."
        ),
    ] = None,
    kind: KindOption = None,
    extent: Annotated[
        str,
        typer.Option(
            "--extent",
            "-e",
            help="What the view shows: auto (fitted to the cities, with an enlarged view "
            "where they crowd), world, europe, or a country code (the country and its "
            "neighbours).",
        ),
    ] = "auto",
    fmt: MapFormatOption = None,
    output: OutputOption = None,
) -> None:
    """Draw a map: a city's partners, a network's members, or a country's links abroad.

    SVG with a legend, GeoJSON (RFC 7946) for QGIS, uMap or geojson.io, or one
    self-contained HTML page with the map and a table. On a terminal, give -o.
    Every city on the map is named: where cities crowd, an enlarged view of them
    follows the main one, and a city with no room for its name gets a number
    explained under the map. A country's map shows the country and its neighbours
    (--extent world: the partners abroad too).

    Examples:

      citynet map berlin -o berlin.svg

      citynet map berlin --extent europe -o berlin-europa.svg

      citynet map c40 --format html -o c40.html

      citynet map --country DE --format geojson > de.geojson

      citynet map paris --kind partnership > paris.svg
    """
    from contextlib import nullcontext

    from ..errors import UsageError
    from ..formats import choose
    from ..i18n import speaking
    from ..maps import city_map, country_map, map_extent, network_map, render
    from ..names import KIND, lookup

    if (name is None) == (country is None):
        raise UsageError(_("give a city or network name, or --country CODE (one of them)"))
    if output is None and fmt is None and sys.stdout.isatty():
        raise UsageError(
            _(
                "a map is a file: write it with -o map.svg (or .html, .geojson), "
                "or redirect it: citynet map ... > map.svg"
            )
        )
    kinds = [lookup(None, k, KIND) for k in kind or ()]
    view = map_extent(extent)
    data = dataset(ctx)
    chosen = choose("map", fmt, output)
    record = None if country is not None else lookup(data, name or "")
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
        text = render(drawn._replace(extent=view), chosen)
    write_text(ctx, text, output)


@app.command("report")
def report_command(
    ctx: typer.Context,
    city: CityArgument,
    fmt: ReportFormatOption = None,
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
    from ..cache import remembered
    from ..formats import choose
    from ..maps import city_map, render_svg
    from ..names import lookup
    from ..network import Position, positions
    from ..report import build, map_file_for, render_html, render_markdown

    data = dataset(ctx)
    found = lookup(data, city, City)
    # Every city's rank and community, kept for this content of the data file.
    known = remembered(data_file(ctx), "positions", positions, dict[str, Position])
    city_report = build(data, found, known=known)
    chosen = choose("report", fmt, output)
    if chosen == "html":
        write_text(ctx, render_html(data, city_report), output)
        return
    map_file = None
    if output is not None:
        map_path = map_file_for(output)
        write_text(ctx, render_svg(city_map(data, found)), map_path)
        map_file = map_path.name
    write_text(ctx, render_markdown(city_report, map_file), output)

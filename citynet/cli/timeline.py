"""Relations in time: a city's events year by year, as a table or a chart."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..model import City
from .app import dataset
from .options import FieldsOption, FormatOption, complete_records
from .present import left_out, show, write_text

app = typer.Typer()

CHARTS = (".svg", ".html", ".htm")


@app.command()
def timeline(
    ctx: typer.Context,
    city: Annotated[
        str, typer.Argument(help="City: id, name or alias.", autocompletion=complete_records(City))
    ],
    fmt: FormatOption = None,
    fields: FieldsOption = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file (atomically); .svg or .html: the chart, one lane per "
            "partner or network.",
            show_default=False,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """A city's events by year: joined or left a network, a partnership began, was
    suspended or ended, a role began or ended; each with its source.

    Relations without any year are not shown; a note says how many.

    Examples:

      citynet timeline berlin

      citynet timeline berlin --format json

      citynet timeline berlin -o berlin-zeitleiste.svg
    """
    from ..names import resolve
    from ..timeline import chart_html, chart_svg, events, undated_note
    from ..views import timeline_list

    data = dataset(ctx)
    found = resolve(data, city, City)
    assert isinstance(found, City)
    found_events, undated = events(data, found)
    suffix = output.suffix.lower() if output else ""
    if output is not None and fmt is None and suffix in CHARTS:
        if suffix == ".svg":
            write_text(chart_svg(found, found_events) + "\n", output)
        else:
            write_text(chart_html(found, found_events, undated), output)
        if undated:
            from .app import report

            report(undated_note(undated))
        return
    listing = timeline_list(found, found_events, undated)
    listing.footer.clear()
    left_out(listing, undated_note(undated) if undated else "")
    show(ctx, listing, fmt, fields=fields, output=output)

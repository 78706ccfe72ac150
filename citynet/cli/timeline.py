"""Relations in time: a city's events year by year, as a table or a chart."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer._types import TyperChoice

from .. import formats
from ..model import City
from .app import dataset
from .options import FieldsOption, Shown, complete_records
from .present import left_out, show, write_text

app = typer.Typer()


@app.command()
def timeline(
    ctx: typer.Context,
    city: Annotated[
        str, typer.Argument(help="City: id, name or alias.", autocompletion=complete_records(City))
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            click_type=TyperChoice(formats.names("timeline"), case_sensitive=False),
            help="A listing format, or svg or html: the chart. Default: table on a terminal, "
            "tsv in a pipe, or what the --output file's suffix says.",
            show_default=False,
        ),
    ] = None,
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
    from ..names import lookup
    from ..timeline import chart_html, chart_svg, events, undated_note
    from ..views import timeline_list

    chart = _chart_format(fmt, output)
    data = dataset(ctx)
    found = lookup(data, city, City)
    assert isinstance(found, City)
    found_events, undated = events(data, found)
    note = undated_note(undated) if undated else ""
    if chart == "svg":
        write_text(ctx, chart_svg(found, found_events) + "\n", output)
    elif chart == "html":
        write_text(ctx, chart_html(found, found_events, undated), output)
    else:
        listing = timeline_list(found, found_events, undated)
        listing.footer.clear()
        left_out(listing, note)
        show(ctx, listing, Shown(fmt=fmt, fields=fields, output=output))
        return
    if note:
        from .app import report

        report(note)


def _chart_format(fmt: str | None, output: Path | None) -> str:
    """ "svg" or "html" when the chart is asked for, by --format or the file's suffix;
    "" for a listing. An unknown suffix is refused here, before anything is done."""
    if fmt is None and output is None:
        return ""  # a table on a terminal, tsv in a pipe
    chosen = formats.choose("timeline", fmt, output)
    return chosen if chosen in ("svg", "html") else ""

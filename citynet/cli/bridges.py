"""Bridges to other tools: the dataset as SQLite and JSON, the JSON Schemas of the output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..i18n import N_, _
from .app import data_file, dataset
from .options import (
    AS_GIVEN,
    ReplaceOption,
    Shown,
    listing_options,
)
from .present import show

app = typer.Typer()


export_app = typer.Typer(help="Write the whole dataset for other tools.", no_args_is_help=True)
app.add_typer(export_app, name="export")


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
    from ..export import write_sqlite

    written = write_sqlite(dataset(ctx), file, metadata, force=force, data=data_file(ctx))
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
    from ..export import dataset_json, refuse_existing
    from ..files import write_output

    pieces = dataset_json(dataset(ctx))
    if file == "-":
        sys.stdout.writelines(pieces)
        return
    refuse_existing([Path(file)], force)
    chunks = (piece.encode("utf-8") for piece in pieces)
    write_output(Path(file), chunks, data=data_file(ctx))


def _complete_schema(incomplete: str) -> list[str]:
    from ..schemas import NAMES

    return [name for name in NAMES if name.startswith(incomplete)]


@app.command()
@listing_options(rows=False)
def schema(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(
            help="The schema to print; without it, the list.", autocompletion=_complete_schema
        ),
    ] = None,
    shown: Shown = AS_GIVEN,
) -> None:
    """The JSON Schemas (draft 2020-12) of citynet's JSON output: list them, or print one.

    Examples:

      citynet schema

      citynet schema list > list.schema.json

      citynet schema show-city > show-city.schema.json
    """
    import json

    from ..output import Column, Listing
    from ..schemas import document, published

    if name is not None:
        print(json.dumps(document(name), ensure_ascii=False, indent=2))
        return
    rows = [{"name": n, "title": t} for n, t in published()]
    columns = [Column("name", N_("Name"), no_wrap=True), Column("title", N_("Title"))]
    title = _("{n} schemas").format(n=len(rows))
    show(ctx, Listing(columns, rows, payload=rows, title=title, id_key="name"), shown)

"""How a command's result reaches the reader: a listing rendered as asked, text to a
file or stdout, a diff of a change, a note on what a filter left out."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer

from ..i18n import _
from .app import data_file, report, settings
from .options import Captured, Shown


def chosen_format(fmt: str | None, output: Path | None = None) -> str:
    """The format asked for or the --output file's suffix says, else a table on a
    terminal and tsv in a pipe."""
    from ..formats import choose

    if fmt or output:
        return choose("listing", fmt, output)
    return "table" if sys.stdout.isatty() else "tsv"


def show(ctx: typer.Context, listing: Any, shown: Shown) -> None:
    """Render the listing as asked: --sort and --limit, --fields, --format and --output.
    On a terminal, output longer than the screen goes through a pager, as git does."""
    from ..output import choose_fields, refine, render, write_file

    if ctx.meta.get("citynet.capture"):
        raise Captured(listing)
    listing = refine(listing, shown.sort, shown.limit)
    if shown.fields is not None:
        listing = choose_fields(listing, shown.fields.split(","))
    chosen = chosen_format(shown.fmt, shown.output)
    output = shown.output
    color = settings(ctx).color
    if output:
        write_file(listing, chosen, output, data=data_file(ctx))
    elif not sys.stdout.isatty() or chosen == "xlsx":
        render(listing, chosen, sys.stdout, color=color)
    else:
        import io
        import shutil

        size = shutil.get_terminal_size()
        buffer = io.StringIO()
        render(listing, chosen, buffer, color=color, width=size.columns, terminal=True)
        _page(buffer.getvalue(), size.lines)


def _page(text: str, lines: int) -> None:
    """Show text through $CITYNET_PAGER, $PAGER or `less -FRX` if it is longer than the
    screen; directly if it fits, if the pager is empty or `cat`, or cannot be started."""
    import shlex
    import subprocess

    pager = os.environ.get("CITYNET_PAGER", os.environ.get("PAGER", "less -FRX"))
    command = shlex.split(pager, posix=os.name != "nt") if pager.strip() else []
    if text.count("\n") < lines or not command or command == ["cat"]:
        sys.stdout.write(text)
        return
    env = {**os.environ, "LESS": os.environ.get("LESS", "FRX")}
    try:
        subprocess.run(command, input=text, text=True, encoding="utf-8", env=env, check=False)
    except OSError:
        sys.stdout.write(text)


def write_text(ctx: typer.Context, text: str, output: Path | None) -> None:
    """Text to stdout, or to a file as `files.write_output` writes it (never over the
    data file)."""
    from ..files import write_output

    if output is None:
        sys.stdout.write(text)
    else:
        write_output(output, (text.encode("utf-8"),), data=data_file(ctx))


def left_out(listing: Any, note: str) -> None:
    """Say what a filter left out for lack of data: under a terminal table, or on stderr
    in a pipe (so the data stays clean)."""
    if not note:
        return
    if sys.stdout.isatty():
        listing.footer.append(note)
    else:
        report(note)


def print_lines(lines: list[str]) -> None:
    """Lines of text for people on stdout, with control characters made visible."""
    from ..output import printable

    sys.stdout.write("".join(printable(line) + "\n" for line in lines))


def print_diff(old: bytes, new: bytes, path: Path) -> None:
    """The change a write made (or would make) to the data file, as a unified diff."""
    from ..output import printable
    from ..splice import unified_diff

    if old == new:
        print(_("nothing changed"))
        return
    # The same lines as difflib's diff of the whole texts, in time that grows with the change.
    sys.stdout.write("".join(printable(line) + "\n" for line in unified_diff(old, new, str(path))))

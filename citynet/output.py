"""The one place where rows become table, json, csv, tsv, md or ids.

Every command hands over a `Listing`: columns, rows of plain strings for the
tabular formats, and the JSON payload. Text from the dataset is untrusted: it
is escaped here, once, so it never becomes markup or terminal control codes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

FORMATS = ("table", "json", "csv", "tsv", "md", "ids")

# C0/C1 controls and the bidi overrides that can make a terminal line lie.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\x1b": "\\e"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def printable(text: str) -> str:
    """Text with every control character shown as a visible escape (ESC → \\e)."""
    return _UNSAFE.sub(lambda m: _NAMED.get(m.group(), f"\\u{ord(m.group()):04x}"), text)


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    no_wrap: bool = False
    optional: bool = False  # dropped from a terminal table that is too narrow for it


@dataclass
class Listing:
    """What a command shows: a titled table, and the JSON payload behind it."""

    columns: Sequence[Column]
    rows: list[dict[str, str]]
    payload: Any
    title: str = ""
    id_key: str = "id"  # the column that `--format ids` prints …
    ids: list[str] = field(default_factory=list)  # … unless the ids are given here
    footer: list[str] = field(default_factory=list)  # lines shown under a terminal table


def render(
    listing: Listing, fmt: str, out: TextIO, *, color: bool = True, width: int | None = None
) -> None:
    """Write the listing to `out` in one of FORMATS."""
    if fmt == "json":
        import json

        json.dump(listing.payload, out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "tsv":
        lines = ["\t".join(c.key for c in listing.columns)]
        lines += [
            "\t".join(printable(row.get(c.key, "")) for c in listing.columns)
            for row in listing.rows
        ]
        out.write("\n".join(lines) + "\n")
    elif fmt == "csv":
        _write_csv(listing, out)
    elif fmt == "md":
        _write_markdown(listing, out)
    elif fmt == "ids":
        ids = listing.ids or [row.get(listing.id_key, "") for row in listing.rows]
        out.write("".join(printable(i) + "\n" for i in ids if i))
    elif fmt == "table":
        _write_table(listing, out, color=color, width=width)
    else:
        raise ValueError(f"unknown format {fmt!r}")


def _write_csv(listing: Listing, out: TextIO) -> None:
    import csv

    def cell(text: str) -> str:
        text = printable(text)
        # A leading =, +, - or @ would run as a formula in a spreadsheet.
        return "'" + text if text.startswith(_FORMULA_START) else text

    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.key for c in listing.columns])
    for row in listing.rows:
        writer.writerow([cell(row.get(c.key, "")) for c in listing.columns])


def markdown_text(text: str) -> str:
    """Text for a Markdown document or table cell: nothing in it becomes markup."""
    text = printable(text).replace("\\", "\\\\").replace("|", "\\|")
    # Escape what Markdown would turn into links, emphasis or HTML.
    return re.sub(r"([*_`\[\]<>#])", r"\\\1", text)


def _write_markdown(listing: Listing, out: TextIO) -> None:
    cell = markdown_text

    if listing.title:
        out.write(f"**{cell(listing.title)}**\n\n")
    out.write("| " + " | ".join(cell(c.header) for c in listing.columns) + " |\n")
    out.write("|" + "|".join(" --- " for _ in listing.columns) + "|\n")
    for row in listing.rows:
        out.write("| " + " | ".join(cell(row.get(c.key, "")) for c in listing.columns) + " |\n")


def _write_table(listing: Listing, out: TextIO, *, color: bool, width: int | None) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(
        file=out,
        color_system="auto" if color else None,  # None: no escape codes at all
        width=width,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
    )
    # A column empty in every row says nothing to a person; tsv and json keep it.
    filled = [c for c in listing.columns if any(row.get(c.key) for row in listing.rows)]
    columns = list(filled or listing.columns)
    widths, whole_words = _fit(listing, columns, console.width)
    # Drop optional columns, last first, until every word fits unbroken.
    while not whole_words and any(c.optional for c in columns):
        columns.remove(next(c for c in reversed(columns) if c.optional))
        widths, whole_words = _fit(listing, columns, console.width)
    table = _rich_table(listing, columns, widths, color)
    hidden = [c.header for c in filled if c not in columns]
    if listing.rows:
        console.print(table)
    elif listing.title:
        console.print(Text(printable(listing.title), style="bold"))
    for line in listing.footer:
        console.print(Text(printable(line), style="dim"))
    if hidden:
        note = f"Ausgeblendet (zu schmal): {', '.join(hidden)}; alles mit --format tsv oder json"
        console.print(Text(note, style="dim"))
    if not listing.rows:
        console.print(Text("(keine Einträge)", style="dim"))


def _fit(listing: Listing, columns: list[Column], width: int) -> tuple[list[int], bool]:
    """Column widths that fit `width`, and whether every word fits unbroken.

    The widest columns shrink first, down to their longest word; only if that is
    not enough do words break, in columns other than the no-wrap ones (ids).
    """
    cells = [[printable(row.get(c.key, "")) for row in listing.rows] for c in columns]
    natural = [
        max([len(c.header), *map(len, texts)]) for c, texts in zip(columns, cells, strict=True)
    ]
    least = [
        max([_longest_word(c.header), *map(_longest_word, texts)])
        for c, texts in zip(columns, cells, strict=True)
    ]
    available = width - 3 * len(columns) - 1  # padding and borders
    widths = natural[:]
    while sum(widths) > available:
        slack = [w - m for w, m in zip(widths, least, strict=True)]
        if max(slack) > 0:
            widths[slack.index(max(slack))] -= 1
            continue
        breakable = [i for i, c in enumerate(columns) if not c.no_wrap and widths[i] > 6]
        if not breakable:
            break
        widths[max(breakable, key=lambda i: widths[i])] -= 1
    return widths, all(w >= m for w, m in zip(widths, least, strict=True))


def _longest_word(text: str) -> int:
    return max((len(word) for word in text.split()), default=0)


def _rich_table(listing: Listing, columns: list[Column], widths: list[int], color: bool) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=Text(printable(listing.title), style="bold") if listing.title else None,
        header_style="bold cyan" if color else "bold",
        expand=False,
    )
    for index, column in enumerate(columns):
        # overflow="fold" wraps long text rather than cutting it off.
        table.add_column(column.header, overflow="fold", width=widths[index])
    for row in listing.rows:
        # Text(...) is never parsed for markup: "[bold]" stays "[bold]".
        table.add_row(*(Text(printable(row.get(c.key, ""))) for c in columns))
    return table

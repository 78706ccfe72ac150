"""The one place where rows become table, json, csv, tsv, md, xlsx or ids.

Every command hands over a `Listing`: columns, rows of plain strings for the
tabular formats, and the JSON payload. Text from the dataset is untrusted: it
is escaped here, once, so it never becomes markup, terminal control codes or a
spreadsheet formula.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from msgspec import Struct, field
from msgspec.structs import replace

from . import formats
from .errors import UsageError
from .i18n import _, number

FORMATS = formats.names("listing")

# What can make a terminal line lie or act, beyond the C0 controls: DEL and the C1
# controls (U+009B is a one-character CSI), the bidi marks, embeddings, overrides and
# isolates that reorder a line, and the Unicode line and paragraph separators.
INVISIBLE = r"\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(rf"[\x00-\x1f{INVISIBLE}]")
# json.dumps escapes the C0 controls itself and writes these as they are.
_JSON_UNSAFE = re.compile(rf"[{INVISIBLE}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\x1b": "\\e"}
# What a spreadsheet may take as the start of a formula, also in full width (＝ ＋ － ＠),
# and also after leading blanks of any kind (no-break, ideographic), which spreadsheets skip.
_FORMULA = re.compile(r"\s*[=+\-@\uff1d\uff0b\uff0d\uff20\t\r]")


def printable(text: str) -> str:
    """Text with every control character shown as a visible escape (ESC → \\e)."""
    return _UNSAFE.sub(lambda m: _NAMED.get(m.group(), f"\\u{ord(m.group()):04x}"), text)


def json_text(payload: Any) -> str:
    """Indented JSON, UTF-8 kept readable, every control and bidi character as \\uXXXX."""
    import json

    return json_safe(json.dumps(payload, ensure_ascii=False, indent=2))


def json_safe(text: str) -> str:
    """JSON text with DEL, C1, bidi and line-separator characters written as \\uXXXX."""
    # These characters occur only inside JSON strings, where \\uXXXX means the same.
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def xml_safe(text: str) -> str:
    """XML text with DEL, C1, bidi and line-separator characters written as &#xXX;."""
    # Markup is ASCII, so these occur only in text and attribute values.
    return _JSON_UNSAFE.sub(lambda m: f"&#x{ord(m.group()):x};", text)


class Column(Struct, frozen=True):
    key: str
    header: str
    no_wrap: bool = False
    optional: bool = False  # dropped from a terminal table that is too narrow for it
    numeric: bool = False  # whole numbers (years, counts): number cells in xlsx and json
    # How a person reads a cell (table, md) when it holds a machine value (a kind, a
    # scope): tsv, csv and json keep the value itself, whatever the language.
    shown: Any = None


class Listing(Struct):
    """What a command shows: a titled table, and the JSON payload behind it."""

    columns: Sequence[Column]
    rows: list[dict[str, str]]
    payload: Any
    title: str = ""
    id_key: str = "id"  # the column that `--format ids` prints …
    ids: list[str] = field(default_factory=list)  # … unless the ids are given here
    footer: list[str] = field(default_factory=list)  # lines shown under a terminal table
    bar: str = ""  # a numeric column drawn as a bar chart on a terminal (render_sections)


def choose_fields(listing: Listing, fields: Sequence[str]) -> Listing:
    """The listing with only these columns, in this order (`--fields`).

    JSON then gives the chosen columns as objects, numbers as numbers and empty
    cells as null. An unknown field is a UsageError that lists the available ones.
    """
    by_key = {c.key: c for c in listing.columns}
    wanted = list(dict.fromkeys(f.strip() for f in fields if f.strip()))
    available = _("available fields: {fields}").format(fields=", ".join(by_key))
    if not wanted:
        raise UsageError(
            _("--fields needs at least one field; {available}").format(available=available)
        )
    for name in wanted:
        if name not in by_key:
            from .names import did_you_mean

            raise UsageError(
                _("unknown field {name}{value}; {available}").format(
                    name=repr(name), value=did_you_mean(name, by_key), available=available
                )
            )
    # A column the user asked for is never dropped from a narrow table.
    columns = [replace(by_key[name], optional=False) for name in wanted]
    payload = [{c.key: _typed(c, row.get(c.key, "")) for c in columns} for row in listing.rows]
    return replace(listing, columns=columns, payload=payload)


def _typed(column: Column, text: str) -> int | str | None:
    """A cell as a JSON or spreadsheet value: a number in a numeric column, None when empty."""
    if not text:
        return None
    if column.numeric and re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    return text


def write_file(listing: Listing, fmt: str, path: Path, *, data: Path | None = None) -> None:
    """Write the listing to a file in one of FORMATS, atomically; never over the data
    file `data` (see `files.write_output`)."""
    import io

    from .files import write_output

    if fmt == "xlsx":
        content = workbook(listing)
    else:
        text = io.StringIO()
        render(listing, fmt, text, color=False)
        content = text.getvalue().encode("utf-8")
    write_output(path, (content,), data=data)


def render(
    listing: Listing,
    fmt: str,
    out: TextIO,
    *,
    color: bool = True,
    width: int | None = None,
    terminal: bool = False,
) -> None:
    """Write the listing to `out` in one of FORMATS (xlsx to its binary buffer);
    `terminal`: `out` stands for a terminal (a pager's input), so a table keeps its colours."""
    if fmt == "json":
        out.write(json_text(listing.payload) + "\n")
    elif fmt == "tsv":
        lines = ["\t".join(printable(c.key) for c in listing.columns)]
        lines += [
            "\t".join(printable(row.get(c.key, "")) for c in listing.columns)
            for row in listing.rows
        ]
        out.write("\n".join(lines) + "\n")
    elif fmt == "csv":
        _write_csv(listing, out)
    elif fmt == "csv-de":
        # What German spreadsheet programs expect: a byte-order mark and `;`.
        out.write("\ufeff")
        _write_csv(listing, out, delimiter=";")
    elif fmt == "xlsx":
        if out.isatty():
            raise UsageError(
                _(
                    "--format xlsx writes a binary workbook: give --output FILE (-o FILE) "
                    "or redirect the output to a file"
                )
            )
        out.flush()
        out.buffer.write(workbook(listing))
        out.buffer.flush()
    elif fmt == "md":
        _write_markdown(listing, out)
    elif fmt == "ids":
        ids = listing.ids or [row.get(listing.id_key, "") for row in listing.rows]
        # Each id once: a city with two relations to Berlin is one partner.
        out.write("".join(printable(i) + "\n" for i in dict.fromkeys(ids) if i))
    elif fmt == "table":
        _write_table(listing, out, color=color, width=width, terminal=terminal)
    else:
        raise ValueError(f"unknown format {fmt!r}")


def refine(listing: Listing, sort: str | None = None, limit: int | None = None) -> Listing:
    """The listing sorted by one of its columns ("-name": descending; numbers as numbers)
    and cut to `limit` rows; a JSON payload of one object per row follows the rows."""
    rows, payload = listing.rows, listing.payload
    aligned = isinstance(payload, list) and len(payload) == len(rows)
    order = list(range(len(rows)))
    if sort:
        key = sort.removeprefix("-")
        keys = [c.key for c in listing.columns]
        if key not in keys:
            raise UsageError(
                _("cannot sort by {key}; sort by one of: {keys}").format(
                    key=repr(key), keys=", ".join(keys)
                )
            )
        order.sort(key=lambda i: _sort_value(rows[i].get(key, "")), reverse=sort.startswith("-"))
    footer = listing.footer
    if limit is not None:
        if limit < 0:
            raise UsageError(_("--limit must be 0 or more, got {n}").format(n=limit))
        if limit < len(order):
            footer = [*footer, limit_note(limit, len(order))]
        order = order[:limit]
    if not sort and limit is None:
        return listing
    return replace(
        listing,
        rows=[rows[i] for i in order],
        payload=[payload[i] for i in order] if aligned else payload,
        footer=footer,
    )


def limit_note(shown: int, total: int) -> str:
    """The line under a table that --limit cut."""
    note = _("{shown} of {total} rows shown (--limit)")
    return note.format(shown=number(shown), total=number(total))


def _sort_value(text: str) -> tuple[int, float, str]:
    """Numbers before text, numbers by value; text by its folded form."""
    try:
        return (0, float(text), "")
    except ValueError:
        from .names import fold

        return (1, 0.0, fold(text))


def spreadsheet_safe(text: str) -> str:
    """Text for a spreadsheet cell: printable, and never a formula."""
    text = printable(text)
    # A leading =, +, - or @ (also full-width, or after spaces) would run as a formula.
    return "'" + text if _FORMULA.match(text) else text


def _write_csv(listing: Listing, out: TextIO, delimiter: str = ",") -> None:
    import csv

    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(c.key) for c in listing.columns])
    for row in listing.rows:
        writer.writerow([spreadsheet_safe(row.get(c.key, "")) for c in listing.columns])


def workbook(listing: Listing) -> bytes:
    """An .xlsx workbook: bold frozen header of column keys, fitted widths, typed cells.

    Every text cell is written as a string, never as a formula, whatever it starts with.
    """
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    book = xlsxwriter.Workbook(buffer, options)
    sheet = book.add_worksheet("citynet")
    bold = book.add_format({"bold": True})
    for index, column in enumerate(listing.columns):
        sheet.write_string(0, index, column.key, bold)
        texts = [printable(row.get(column.key, "")) for row in listing.rows]
        for row_index, text in enumerate(texts, start=1):
            value = _typed(column, text)
            if isinstance(value, int):
                sheet.write_number(row_index, index, value)
            elif value is not None:
                sheet.write_string(row_index, index, value)
        # Wide enough for the longest cell, within reason; long text stays readable in the cell.
        sheet.set_column(index, index, min(max(map(len, [column.key, *texts])) + 2, 60))
    sheet.freeze_panes(1, 0)
    if listing.columns:
        sheet.autofilter(0, 0, len(listing.rows), len(listing.columns) - 1)
    book.close()
    return buffer.getvalue()


def markdown_text(text: str) -> str:
    """Text for a Markdown document or table cell: nothing in it becomes markup."""
    text = printable(text).replace("\\", "\\\\").replace("|", "\\|")
    # Escape what Markdown would turn into links, emphasis or HTML.
    return re.sub(r"([*_`\[\]<>#])", r"\\\1", text)


def _write_markdown(listing: Listing, out: TextIO) -> None:
    cell = markdown_text

    if listing.title:
        out.write(f"**{cell(listing.title)}**\n\n")
    out.write("| " + " | ".join(cell(_(c.header)) for c in listing.columns) + " |\n")
    out.write("|" + "|".join(" --- " for _column in listing.columns) + "|\n")
    for row in listing.rows:
        out.write("| " + " | ".join(cell(shown(c, row)) for c in listing.columns) + " |\n")
    # What a terminal shows under the table (the numbered sources of `show`) goes below it.
    out.write("".join(f"\n{cell(line)}\n" for line in listing.footer))


def _write_table(
    listing: Listing, out: TextIO, *, color: bool, width: int | None, terminal: bool = False
) -> None:
    from rich.console import Console
    from rich.text import Text

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich would exit with status 1; the caller ends quietly with 0.
            self.quiet = True
            raise BrokenPipeError

    console = _Console(
        file=out,
        force_terminal=terminal or None,
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
    hidden = [printable(_(c.header)) for c in filled if c not in columns]
    if listing.rows:
        console.print(table)
    elif listing.title:
        console.print(Text(printable(listing.title), style="bold"))
    for line in listing.footer:
        console.print(Text(printable(line), style="dim"))
    if hidden:
        note = _("Hidden (too narrow): {columns}; everything with --format tsv or json")
        console.print(Text(note.format(columns=", ".join(hidden)), style="dim"))
    if not listing.rows:
        console.print(Text(_("(nothing found)"), style="dim"))


def _fit(listing: Listing, columns: list[Column], width: int) -> tuple[list[int], bool]:
    """Column widths that fit `width`, and whether every word fits unbroken.

    The widest columns shrink first, down to their longest word; only if that is
    not enough do words break, in columns other than the no-wrap ones (ids).
    """
    cells = [[shown(c, row) for row in listing.rows] for c in columns]
    natural = [
        max([len(printable(_(c.header))), *map(len, texts)])
        for c, texts in zip(columns, cells, strict=True)
    ]
    least = [
        max([_longest_word(printable(_(c.header))), *map(_longest_word, texts)])
        for c, texts in zip(columns, cells, strict=True)
    ]
    available = width - 3 * len(columns) - 1  # padding and borders
    excess = sum(natural) - available
    slack = [w - m for w, m in zip(natural, least, strict=True)]
    excess = _shave(slack, excess, 0)
    widths = [m + s for m, s in zip(least, slack, strict=True)]
    breakable = [i for i, c in enumerate(columns) if not c.no_wrap]
    narrowed = [widths[i] for i in breakable]
    _shave(narrowed, excess, 6)
    for i, w in zip(breakable, narrowed, strict=True):
        widths[i] = w
    # Too wide even with every column at its least: that does not fit either.
    fits = sum(widths) <= available
    return widths, fits and all(w >= m for w, m in zip(widths, least, strict=True))


def _shave(values: list[int], excess: int, floor: int) -> int:
    """Take `excess` off `values` as if one at a time from the largest (the first of
    equal ones), none below `floor`; what could not be taken is returned. Level by
    level, not one by one: a column of thousands of members' names is that wide."""
    while excess > 0:
        top = max(values, default=floor)
        if top <= floor:
            break
        at_top = [i for i, v in enumerate(values) if v == top]
        below = max([v for v in values if v < top] + [floor])
        step = min(top - below, excess // len(at_top))
        if step == 0:  # fewer than one more round: the first ones give one each
            for i in at_top[:excess]:
                values[i] -= 1
            return 0
        for i in at_top:
            values[i] -= step
        excess -= step * len(at_top)
    return max(excess, 0)


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
        table.add_column(printable(_(column.header)), overflow="fold", width=widths[index])
    for row in listing.rows:
        # Text(...) is never parsed for markup: "[bold]" stays "[bold]".
        table.add_row(*(Text(shown(c, row)) for c in columns))
    return table


# A row may say how a person reads one of its cells under the cell's key + SHOWN
# (a scope's label in the value column of `show`); tsv, csv and json never see it.
SHOWN = "#shown"


def shown(column: Column, row: dict[str, str]) -> str:
    """A cell as a person reads it: its label where the column or row has one, printable."""
    text = row.get(column.key, "")
    if column.key + SHOWN in row:
        return printable(row[column.key + SHOWN])
    return printable(column.shown(text) if column.shown and text else text)


# --- several tables in one output, and bar charts (citynet stats) ----------------------


def render_sections(
    listings: Sequence[Listing],
    fmt: str,
    out: TextIO,
    *,
    color: bool = True,
    width: int | None = None,
) -> None:
    """Several listings one after another: on a terminal as tables or bar charts, in md as
    one Markdown table each; other formats take one listing (`render`)."""
    if fmt not in ("table", "md"):
        raise ValueError(f"{fmt!r} shows one listing at a time")
    for index, listing in enumerate(listings):
        if index:
            out.write("\n")
        if fmt == "md":
            _write_markdown(listing, out)
        elif listing.bar and listing.rows:
            _write_bar_chart(listing, out, color=color, width=width)
        else:
            _write_table(listing, out, color=color, width=width)


_EIGHTHS = " ▏▎▍▌▋▊▉"
_LABEL_WIDTH = 32  # a label column longer than this is cut with … on a terminal


def bar_text(length: float) -> str:
    """A horizontal bar `length` characters long, in eighths of a character."""
    whole, eighths = divmod(max(0, round(length * 8)), 8)
    return "█" * whole + (_EIGHTHS[eighths] if eighths else "")


def _write_bar_chart(listing: Listing, out: TextIO, *, color: bool, width: int | None) -> None:
    """Label columns, the value right-aligned, then a bar scaled to the widest row."""
    from rich.cells import cell_len, set_cell_size
    from rich.console import Console
    from rich.text import Text

    console = Console(
        file=out, color_system="auto" if color else None, width=width, highlight=False,
        emoji=False, markup=False, soft_wrap=False,
    )  # fmt: skip
    columns = list(listing.columns)
    cells = [[shown(c, row) for c in columns] for row in listing.rows]
    widths = [
        min(_LABEL_WIDTH, max([cell_len(_(c.header)), *(cell_len(r[i]) for r in cells)]))
        for i, c in enumerate(columns)
    ]
    values = [float(row.get(listing.bar) or 0) for row in listing.rows]
    room = max(8, console.width - sum(widths) - 2 * len(columns) - 1)
    top = max(values) or 1.0

    def line(texts: list[str]) -> str:
        parts = []
        for column, text, column_width in zip(columns, texts, widths, strict=True):
            if cell_len(text) > column_width:  # cells, not characters: 東京 takes four
                text = set_cell_size(text, column_width - 1) + "…"
            padding = " " * (column_width - cell_len(text))
            parts.append(padding + text if column.key == listing.bar else text + padding)
        return "  ".join(parts) + "  "

    if listing.title:
        console.print(Text(printable(listing.title), style="bold"))
    headers = [_(c.header) for c in columns]
    console.print(Text(line(headers), style="bold cyan" if color else "bold"))
    for row_cells, value in zip(cells, values, strict=True):
        text = Text(line(row_cells))
        # A value too small for an eighth of a cell still shows a sliver: it is not zero.
        length = max(value / top * room, 0.125 if value > 0 else 0.0)
        text.append(bar_text(length), style="cyan" if color else "")
        console.print(text, no_wrap=True, overflow="ellipsis")
    for footer in listing.footer:
        console.print(Text(printable(footer), style="dim"))

"""Writing a change in O(change): the changed records' text spliced into the file.

A file citynet wrote is its `schema_version` line and then, section by section in
canonical order, one `[[section]]` table per record, tables separated by one blank
line. A change to a few records therefore needs only their text: the text of the
records that went is cut out, the text of the new ones is rendered and put where
their sort key says, and every other byte stays as it was, comments included.

Nothing is spliced unless the file lines up with the dataset read from it: as many
canonical headers per section as records, each section's records in canonical
order, and the text cut out exactly the canonical text of the record it held. Then
the result is the text `store.dumps` would write for a canonical file. Anything
else returns None, and the caller takes the full path (parse, dump, parse).

The records the change adds are checked on their own and against the ids of the
whole dataset; a change whose checks fail here also goes the full path, which says
what is wrong.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import operator
import re
from collections.abc import Iterator, Sequence
from itertools import repeat
from typing import Any, overload

from .model import SECTIONS, Dataset, Network
from .schema import records_referring, references

# A canonical top-level header: at the start of a line, nothing else on it.
_HEADER = re.compile(rb"\n\[\[([a-z_]+)\]\]\n")
_ID = operator.attrgetter("id")
# Above this share of changed records, rewriting everything costs about as much.
_MOST = 0.25


def splice(
    text: bytes, old: Dataset, new: Dataset, known: list[int] | None = None
) -> tuple[bytes, Dataset, list[int]] | None:
    """The bytes of `new`'s file, made from `text` (the bytes of the file `old` was read
    from) by replacing only the records that changed, `new` with its records in file
    order, and the breaks of those bytes (the byte offset of the newline before each
    table's header); None where the file does not line up or the change is not checked
    here. `known`: the breaks of `text`, as remembered from its last write; used only if
    they line up with it, else found again. Only the changed records are rendered and
    encoded: the rest of the file is copied as bytes, never decoded."""
    headers = _Headers(old)
    if known is not None and headers.fit(text, known):
        try:
            return _splice(text, old, new, known, headers)
        except _Misfit:
            pass  # found again below
    breaks = _breaks(text, old)
    return _splice(text, old, new, breaks, headers) if breaks is not None else None


class _Misfit(Exception):
    """Remembered breaks that seemed to line up are not before a table's header."""


def _splice(
    text: bytes, old: Dataset, new: Dataset, breaks: list[int], headers: _Headers
) -> tuple[bytes, Dataset, list[int]] | None:
    if not breaks:
        return None  # a file without records: nothing to splice into
    breaks = [*breaks, len(text)]  # where the break before a table after the last would be
    total = len(breaks) - 1
    budget = max(1, int(total * _MOST))
    view = memoryview(text)  # runs of tables are copied once, into the new file's bytes
    parts: list[bytes | memoryview] = []
    # The new text's breaks: copied runs keep theirs, shifted.
    new_breaks: list[int] = []
    at = breaks[0] + 1  # where the next piece begins in the new text
    ordered: dict[str, tuple[Any, ...]] = {}
    added: dict[str, list[Any]] = {}
    went: dict[str, list[Any]] = {}
    first = 0  # the index of the section's first table among all tables
    for section in SECTIONS:
        held = old.section(section)  # a section no one read stays encoded
        count = len(held)
        if new.section(section) is held:
            if count:
                pieces: list[tuple[int, int] | bytes] = [(first, first + count)]
            else:
                pieces = []
        else:
            records = getattr(old, section)
            spliced = _section(text, section, records, getattr(new, section), breaks, first)
            if spliced is None:
                return None
            pieces, in_order, fresh, gone = spliced
            budget -= len(fresh) + len(gone)
            if budget < 0:
                return None
            ordered[section], added[section], went[section] = in_order, fresh, gone
        for piece in pieces:
            if isinstance(piece, bytes):
                new_breaks.append(at - 1)
                part: bytes | memoryview = piece
            else:
                low, high = piece
                if not (headers.at(text, breaks, low) and headers.at(text, breaks, high)):
                    raise _Misfit
                new_breaks += map(operator.add, breaks[low:high], repeat(at - 1 - breaks[low]))
                # Without the last newline, which joining puts back: the run stays as it was.
                part = view[breaks[low] + 1 : breaks[high]]
            parts.append(part)
            at += len(part) + 1
        first += count
    if not parts or not _valid(old, new, ordered, added, went):
        return None
    # One copy: the head (the schema version) and the parts with a newline between each two.
    chunks: list[bytes | memoryview] = [view[: breaks[0] + 1], parts[0]]
    for part in itertools.islice(parts, 1, None):
        chunks += (b"\n", part)
    spliced_text = b"".join(chunks)
    sections: dict[str, Any] = {s: ordered.get(s, new.section(s)) for s in SECTIONS}
    records = Dataset(**sections)
    return spliced_text, records, new_breaks


class _Headers:
    """The canonical header of each table of a dataset's file, by the table's index."""

    def __init__(self, old: Dataset) -> None:
        self.firsts: list[int] = []  # the index of the first table of each section with one
        self.headers: list[bytes] = []
        first = 0
        for section in SECTIONS:
            count = len(old.section(section))
            if count:
                self.firsts.append(first)
                self.headers.append(f"\n[[{section}]]\n".encode())
            first += count
        self.total = first

    def at(self, text: bytes, breaks: list[int], index: int) -> bool:
        """Whether the break of table `index` is before its section's header (the end,
        past the last table, is where it is)."""
        if index >= self.total:
            return True
        header = self.headers[bisect.bisect_right(self.firsts, index) - 1]
        return text.startswith(header, breaks[index])

    def fit(self, text: bytes, breaks: list[int]) -> bool:
        """Whether `breaks` are where the newline before each table's header stands in
        `text`: one for each table, ascending, each before the header of its section.
        (That no other header lies between them, the cache vouches for: breaks are
        remembered under the hash of the text they were found in.)"""
        if len(breaks) != self.total or not breaks or breaks[0] < 0:
            return False
        if not all(map(operator.lt, breaks, itertools.islice(breaks, 1, None))):
            return False  # not strictly ascending (each pair compared in C)
        headers: list[bytes] = []
        ends = [*self.firsts[1:], self.total]
        for low, high, header in zip(self.firsts, ends, self.headers, strict=True):
            headers += [header] * (high - low)
        return all(map(text.startswith, headers, breaks))


def _breaks(text: bytes, old: Dataset) -> list[int] | None:
    """Where the newline before each record's table header stands, in file order; None if
    the headers do not line up with the records (another layout, sections out of order
    or interleaved)."""
    found = list(_HEADER.finditer(text))
    names = [match.group(1).decode() for match in found]
    first = 0
    for section in SECTIONS:
        count = len(old.section(section))
        if names[first : first + count].count(section) != count:
            return None
        first += count
    if first != len(names):
        return None
    return [match.start() for match in found]


def _section(
    text: bytes, section: str, old: Sequence[Any], new: Sequence[Any], breaks: list[int], first: int
) -> tuple[list[tuple[int, int] | bytes], tuple[Any, ...], list[Any], list[Any]] | None:
    """A changed section as pieces to join with blank lines (a new record's text, or the
    range of old tables a run of kept ones fills), its records in file order, the
    records that are new and those that went; None if it cannot be spliced."""
    from .packed import runs
    from .store import section_key

    key = section_key(section)
    keys = list(map(key, old))
    if not all(map(operator.lt, keys, itertools.islice(keys, 1, None))):
        return None  # not in canonical order: only a full rewrite puts a new record right
    # Which records are new and which went, by identity, a run of kept ones at a time.
    kept = bytearray(len(old))
    fresh: list[Any] = []
    for low, high, at in runs(old, new):
        if at is None:
            fresh += new[low:high]
        else:
            kept[at : at + high - low] = b"\x01" * (high - low)
    fresh.sort(key=key)
    gone = []
    index = kept.find(0)
    while index >= 0:
        gone.append(index)
        index = kept.find(0, index + 1)
    for index in gone:
        if _table(text, breaks, first + index) != render(section, old[index]).encode():
            return None  # the text to cut is not exactly the record's: comments, say
    places = [bisect.bisect_left(keys, key(record)) for record in fresh]
    new_keys = list(map(key, fresh))
    taken = {keys[at] for at in places if at < len(keys)} - {keys[i] for i in gone}
    if not all(map(operator.lt, new_keys, new_keys[1:])) or taken.intersection(new_keys):
        return None  # a second record with this key: the full path reports it
    # Walk the old tables: runs of kept ones are copied whole, new ones rendered.
    cuts = sorted({0, len(old), *gone, *(i + 1 for i in gone), *places})
    pieces: list[tuple[int, int] | bytes] = []
    records: list[Any] = []
    gone_set, next_new = set(gone), 0
    for low, high in itertools.pairwise([*cuts, len(old)]):
        while next_new < len(fresh) and places[next_new] == low:
            pieces.append(render(section, fresh[next_new]).encode())
            records.append(fresh[next_new])
            next_new += 1
        if low < high and low not in gone_set:
            pieces.append((first + low, first + high))
            records.extend(old[low:high])
    return pieces, tuple(records), fresh, [old[index] for index in gone]


def _table(text: bytes, breaks: list[int], index: int) -> bytes:
    """The text of one table, without the blank line that separates it from the next."""
    return text[breaks[index] + 1 : breaks[index + 1]]


def render(section: str, record: Any) -> str:
    """A record's table as `store.dumps` writes it, without the blank line after it."""
    import tomli_w

    from .store import to_table

    return tomli_w.dumps({section: [to_table(record)]}, multiline_strings=False)


# --- what a change can break ------------------------------------------------------------


def _valid(
    old: Dataset,
    new: Dataset,
    ordered: dict[str, tuple[Any, ...]],
    added: dict[str, list[Any]],
    went: dict[str, list[Any]],
) -> bool:
    """Whether the changed sections hold only records that read back as themselves, with
    unique keys and ids, references that resolve, and no ids still referred to that went.
    Asked of the records that came and went: `old` was read and checked whole, and each
    changed section is in strictly ascending order (`_section`), so which ids there are
    after the change follows from those."""
    from .store import read_alone

    for section, records in added.items():
        for record in records:
            if read_alone(section, render(section, record)) != record:
                return False
    with_ids = [section for section in ordered if "id" in SECTIONS[section].__struct_fields__]
    came = {section: set(map(_ID, added[section])) for section in with_ids}
    gone = {section: set(map(_ID, went[section])) - came[section] for section in with_ids}
    before: dict[str, set[str]] = {}

    def present(section: str, record_id: str) -> bool:
        """Whether a record of `section` has this id after the change."""
        if record_id in came.get(section, ()):
            return True
        if record_id in gone.get(section, ()):
            return False
        if section not in before:
            held = old.section(section)
            before[section] = set(held.ids() if not isinstance(held, tuple) else map(_ID, held))
        return record_id in before[section]

    # One namespace for networks and cities (they were apart before the change).
    if any(present("cities", i) for i in came.get("networks", ())):
        return False
    if any(present("networks", i) for i in came.get("cities", ())):
        return False
    for records in added.values():
        for record in records:
            if not all(present(target, ref) for _f, target, ref in references(record)):
                return False
    vanished = {section: ids for section, ids in gone.items() if ids}
    if vanished and any(records_referring(new, section, vanished) for section in SECTIONS):
        return False
    return "networks" not in ordered or not _cycle(new.networks)


def _cycle(networks: Sequence[Network]) -> bool:
    parent_of = {n.id: n.parent for n in networks if n.parent}
    for start in parent_of:
        seen = {start}
        current = parent_of.get(start)
        while current:
            if current in seen:
                return True
            seen.add(current)
            current = parent_of.get(current)
    return False


# --- the diff of a change ------------------------------------------------------------------


def unified_diff(old: str | bytes, new: str | bytes, name: str, context: int = 1) -> Iterator[str]:
    """The lines of `difflib.unified_diff(old.splitlines(), new.splitlines(), name, name,
    lineterm="", n=context)`, in time that grows with the change rather than the file:
    the texts' common beginning and end are skipped at C speed, tables are matched
    whole, and only tables that differ are compared line by line. Given the bytes of two
    UTF-8 texts, only the lines around what differs are decoded.
    """
    if old == new:
        return
    window_a, window_b, offset = _window(old, new, context)
    a: Sequence[str]
    b: Sequence[str]
    matcher: difflib.SequenceMatcher[str]
    if len(window_a) + len(window_b) < _LARGE or _odd_breaks(window_a, window_b):
        a, b = window_a.splitlines(), window_b.splitlines()
        matcher = _TableMatcher(a, b)
    else:  # a window of many tables: split into tables, and into lines only where shown
        a, b = _Tables(window_a), _Tables(window_b)
        matcher = _PieceMatcher(a, b)
    yield f"--- {name}"
    yield f"+++ {name}"
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        yield (
            f"@@ -{_range(first[1] + offset, last[2] + offset)}"
            f" +{_range(first[3] + offset, last[4] + offset)} @@"
        )
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (" " + line for line in a[i1:i2])
                continue
            if tag in ("replace", "delete"):
                yield from ("-" + line for line in a[i1:i2])
            if tag in ("replace", "insert"):
                yield from ("+" + line for line in b[j1:j2])


def _window(old: Any, new: Any, context: int) -> tuple[str, str, int]:
    """The lines of `old` and `new` (both str or both bytes) around what differs, with
    `context` equal lines each side, as text; and how many lines of `old` come before."""
    newline = "\n" if isinstance(old, str) else b"\n"
    head = _common_prefix(old, new)
    tail = _common_suffix(old, new, len(old) - head, len(new) - head)
    start = old.rfind(newline, 0, head) + 1
    for _line in range(context):
        if start:
            start = old.rfind(newline, 0, start - 1) + 1
    end = len(old) - tail
    for _line in range(context + 1):
        found = old.find(newline, end)
        end = len(old) if found < 0 else found + 1
    window_a, window_b = old[start:end], new[start : end - len(old) + len(new)]
    offset: int = old.count(newline, 0, start)
    if isinstance(old, str):
        return window_a, window_b, offset
    # Whole lines of UTF-8 (each window begins and ends at a newline or an end).
    return window_a.decode("utf-8", "replace"), window_b.decode("utf-8", "replace"), offset


class _TableMatcher(difflib.SequenceMatcher[str]):
    """A SequenceMatcher of lines whose opcodes come from matching whole tables first."""

    def __init__(self, a: list[str], b: list[str]) -> None:
        super().__init__(None, (), ())  # the matching below is done differently
        self.lines = (a, b)

    def get_opcodes(self) -> list[tuple[str, int, int, int, int]]:  # type: ignore[override]
        a, b = self.lines
        a_starts, b_starts = _table_starts(a), _table_starts(b)
        a_tables = [tuple(a[s:e]) for s, e in itertools.pairwise(a_starts)]
        b_tables = [tuple(b[s:e]) for s, e in itertools.pairwise(b_starts)]
        tables = difflib.SequenceMatcher(None, a_tables, b_tables, autojunk=False)
        found: list[tuple[str, int, int, int, int]] = []
        for tag, i1, i2, j1, j2 in tables.get_opcodes():
            a1, a2, b1, b2 = a_starts[i1], a_starts[i2], b_starts[j1], b_starts[j2]
            if tag == "equal":
                found.append(("equal", a1, a2, b1, b2))
                continue
            lines = difflib.SequenceMatcher(None, a[a1:a2], b[b1:b2])
            for inner, k1, k2, m1, m2 in lines.get_opcodes():
                found.append((inner, a1 + k1, a1 + k2, b1 + m1, b1 + m2))
        return _joined(found)


def _joined(found: list[tuple[str, int, int, int, int]]) -> list[tuple[str, int, int, int, int]]:
    """Opcodes without empty ones, runs of equal ones joined."""
    joined: list[tuple[str, int, int, int, int]] = []
    for op in found:
        if op[1] == op[2] and op[3] == op[4]:
            continue
        if joined and op[0] == "equal" == joined[-1][0]:
            joined[-1] = ("equal", joined[-1][1], op[2], joined[-1][3], op[4])
        else:
            joined.append(op)
    return joined or [("equal", 0, 0, 0, 0)]


# Above this many characters in both windows, a diff splits them into tables first;
# splitting 5 MB into lines costs 150 M instructions.
_LARGE = 1 << 16
# Line breaks `str.splitlines` knows beside "\n": a window with any is split into lines.
_ODD_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _odd_breaks(*texts: str) -> bool:
    return any(mark in text for text in texts for mark in _ODD_BREAKS)


class _Tables(Sequence[str]):
    """The lines of a text as `str.splitlines` gives them (a text with only "\\n" for
    line breaks), held as its tables: a table is split into lines when they are asked
    for, so a diff of 5 MB splits the few tables it shows."""

    def __init__(self, text: str) -> None:
        self.tables = text.split("\n[[")  # after the first, each without its "[["
        # Where each table's lines begin, and the end; no line after a last "\n".
        lines = map(operator.add, map(str.count, self.tables, repeat("\n")), repeat(1))
        self.starts: list[int] = [0, *itertools.accumulate(lines)]
        self.starts[-1] -= text.endswith("\n") or not text
        self._split: dict[int, list[str]] = {}

    def table_lines(self, index: int) -> list[str]:
        found = self._split.get(index)
        if found is None:
            table = self.tables[index]
            found = (f"[[{table}" if index else table).split("\n")
            found = self._split[index] = found[: self.starts[index + 1] - self.starts[index]]
        return found

    def __len__(self) -> int:
        return self.starts[-1]

    @overload
    def __getitem__(self, at: int) -> str: ...
    @overload
    def __getitem__(self, at: slice) -> list[str]: ...
    def __getitem__(self, at: int | slice) -> str | list[str]:
        if isinstance(at, int):
            return self[at : at + 1][0]
        low, high, _step = at.indices(len(self))
        table = bisect.bisect_right(self.starts, low) - 1
        found: list[str] = []
        while low < high:
            lines = self.table_lines(table)
            begin = self.starts[table]
            found += lines[low - begin : high - begin]
            low = begin + len(lines)
            table += 1
        return found


class _PieceMatcher(difflib.SequenceMatcher[str]):
    """`_TableMatcher` for texts held as `_Tables`: equal tables are found by comparing
    runs of them in C, only tables that differ are compared line by line."""

    def __init__(self, a: _Tables, b: _Tables) -> None:
        super().__init__(None, (), ())  # the matching below is done differently
        self.tables = (a, b)

    def get_opcodes(self) -> list[tuple[str, int, int, int, int]]:  # type: ignore[override]
        a, b = self.tables
        found: list[tuple[str, int, int, int, int]] = []
        for tag, i1, i2, j1, j2 in _table_opcodes(a.tables, b.tables):
            a1, a2, b1, b2 = a.starts[i1], a.starts[i2], b.starts[j1], b.starts[j2]
            if tag == "equal":
                found.append(("equal", a1, a2, b1, b2))
                continue
            lines = difflib.SequenceMatcher(None, a[a1:a2], b[b1:b2])
            for inner, k1, k2, m1, m2 in lines.get_opcodes():
                found.append((inner, a1 + k1, a1 + k2, b1 + m1, b1 + m2))
        return _joined(found)


def _table_opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """Opcodes that turn tables `a` into tables `b`: equal beginnings and ends found by
    halving, what lies between split at a table both have, small rests left to difflib."""
    found: list[tuple[str, int, int, int, int]] = []

    def match(a_low: int, a_high: int, b_low: int, b_high: int) -> None:
        size = _same_run(a, b, a_low, b_low, min(a_high - a_low, b_high - b_low), 1)
        if size:
            found.append(("equal", a_low, a_low + size, b_low, b_low + size))
            a_low, b_low = a_low + size, b_low + size
        room = min(a_high - a_low, b_high - b_low)
        end = _same_run(a, b, a_high - 1, b_high - 1, room, -1)
        between(a_low, a_high - end, b_low, b_high - end)
        if end:
            found.append(("equal", a_high - end, a_high, b_high - end, b_high))

    def between(a_low: int, a_high: int, b_low: int, b_high: int) -> None:
        if (a_high - a_low) * (b_high - b_low) > _MANY_PAIRS:
            middle = (a_low + a_high) // 2
            for at in (middle, *range(a_low, a_high, max(1, (a_high - a_low) // 16))):
                try:
                    other = b.index(a[at], b_low, b_high)
                except ValueError:
                    continue
                match(a_low, at, b_low, other)
                found.append(("equal", at, at + 1, other, other + 1))
                match(at + 1, a_high, other + 1, b_high)
                return
        tables = difflib.SequenceMatcher(None, a[a_low:a_high], b[b_low:b_high], autojunk=False)
        for tag, i1, i2, j1, j2 in tables.get_opcodes():
            found.append((tag, a_low + i1, a_low + i2, b_low + j1, b_low + j2))

    match(0, len(a), 0, len(b))
    return found


# Above this many pairs of tables, the tables between equal ends are split at one both
# have before difflib (whose matching is quadratic at worst) compares them.
_MANY_PAIRS = 1 << 16


def _same_run(a: list[str], b: list[str], a_at: int, b_at: int, room: int, way: int) -> int:
    """How many tables from `a_at` and `b_at` on (backwards if `way` is -1), at most
    `room`, are the same in both; by halving, each step one C compare."""
    low, high = 0, room
    while low < high:
        middle = (low + high + 1) // 2
        if way > 0:
            same = a[a_at + low : a_at + middle] == b[b_at + low : b_at + middle]
        else:
            same = a[a_at - middle + 1 : a_at - low + 1] == b[b_at - middle + 1 : b_at - low + 1]
        if same:
            low = middle
        else:
            high = middle - 1
    return low


def _table_starts(lines: list[str]) -> list[int]:
    """Where each table starts (the first perhaps inside one), and the end."""
    starts = [0]
    starts += [index for index, line in enumerate(lines) if index and line.startswith("[[")]
    return [*starts, len(lines)]


def _range(start: int, stop: int) -> str:
    """A hunk's range as unified diffs write it (difflib's rules)."""
    beginning, length = start + 1, stop - start
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1  # an empty range begins before the line
    return f"{beginning},{length}"


def _common_prefix(a: Any, b: Any) -> int:
    """The length of the longest common beginning of two texts or two byte strings, by
    halving (each step one C compare, of one slice: a slice of a text that is not
    Latin-1 is a copy and a scan; of bytes, a view, no copy)."""
    low, high = 0, min(len(a), len(b))
    cut = b if isinstance(b, str) else memoryview(b)
    while low < high:
        middle = (low + high + 1) // 2
        if a.startswith(cut[low:middle], low):
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: Any, b: Any, a_room: int, b_room: int) -> int:
    """The length of the longest common end that leaves `a_room`/`b_room` untouched."""
    low, high = 0, min(a_room, b_room)
    cut = b if isinstance(b, str) else memoryview(b)
    while low < high:
        middle = (low + high + 1) // 2
        if a.endswith(cut[len(b) - middle : len(b) - low], 0, len(a) - low):
            low = middle
        else:
            high = middle - 1
    return low

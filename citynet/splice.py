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
from typing import Any

from .model import SECTIONS, Dataset, Network
from .schema import records_referring, references

# A canonical top-level header: at the start of a line, nothing else on it.
_HEADER = re.compile(r"\n\[\[([a-z_]+)\]\]\n")
_ID = operator.attrgetter("id")
# Above this share of changed records, rewriting everything costs about as much.
_MOST = 0.25


def splice(
    text: str, old: Dataset, new: Dataset, known: list[int] | None = None
) -> tuple[str, Dataset, list[int]] | None:
    """The text of `new`, made from `text` (the file `old` was read from) by replacing
    only the records that changed, `new` with its records in file order, and where each
    of its tables starts in that text; None where the file does not line up or the change
    is not checked here. `known`: where the tables of `text` start, as remembered from
    its last read or write; used only if it lines up with the text, else found again."""
    starts = known if known is not None and _lines_up(text, old, known) else _starts(text, old)
    if not starts:
        return None  # a file without records: nothing to splice into
    starts = [*starts, len(text) + 1]  # where a table after the last would begin
    total = len(starts) - 1
    budget = max(1, int(total * _MOST))
    parts: list[str] = []
    # Where the new text's tables start: copied runs keep theirs, shifted.
    new_starts: list[int] = []
    at = starts[0]
    ordered: dict[str, tuple[Any, ...]] = {}
    added: dict[str, list[Any]] = {}
    first = 0  # the index of the section's first table among all tables
    for section in SECTIONS:
        held = old.section(section)  # a section no one read stays encoded
        count = len(held)
        if new.section(section) is held:
            if count:
                pieces: list[tuple[int, int] | str] = [(first, first + count)]
            else:
                pieces = []
        else:
            records = getattr(old, section)
            spliced = _section(text, section, records, getattr(new, section), starts, first)
            if spliced is None:
                return None
            pieces, in_order, fresh = spliced
            budget -= len(fresh) + count - (len(in_order) - len(fresh))
            if budget < 0:
                return None
            ordered[section], added[section] = in_order, fresh
        for piece in pieces:
            if isinstance(piece, str):
                new_starts.append(at)
            else:
                low, high = piece
                shift = at - starts[low]
                new_starts += [start + shift for start in starts[low:high]]
                # Without the last newline, which joining puts back: the run stays as it was.
                piece = text[starts[low] : starts[high] - 1]
            parts.append(piece)
            at += len(piece) + 1
        first += count
    if not parts or not _valid(old, new, ordered, added):
        return None
    spliced_text = text[: starts[0]] + "\n".join(parts)
    sections: dict[str, Any] = {s: ordered.get(s, new.section(s)) for s in SECTIONS}
    records = Dataset(**sections)
    return spliced_text, records, new_starts


def _lines_up(text: str, old: Dataset, starts: list[int]) -> bool:
    """Whether `starts` are where the tables of `old` begin in `text`: ascending, one
    canonical header at each, of the section that holds the record there. (That no
    other header lies between them, the cache vouches for: positions are remembered
    under the hash of the text they were found in.)"""
    headers: list[str] = []
    for section in SECTIONS:
        headers += [f"\n[[{section}]]\n"] * len(old.section(section))
    if len(headers) != len(starts) or not starts or starts[0] < 1:
        return False
    if not all(map(operator.lt, starts, itertools.islice(starts, 1, None))):
        return False
    return all(map(text.startswith, headers, [start - 1 for start in starts]))


def _starts(text: str, old: Dataset) -> list[int] | None:
    """Where each record's table starts, in file order; None if the headers do not line
    up with the records (another layout, sections out of order or interleaved)."""
    found = list(_HEADER.finditer(text))
    names = [match.group(1) for match in found]
    first = 0
    for section in SECTIONS:
        count = len(old.section(section))
        if names[first : first + count].count(section) != count:
            return None
        first += count
    if first != len(names):
        return None
    return [match.start() + 1 for match in found]


def _section(
    text: str, section: str, old: Sequence[Any], new: Sequence[Any], starts: list[int], first: int
) -> tuple[list[tuple[int, int] | str], tuple[Any, ...], list[Any]] | None:
    """A changed section as pieces to join with blank lines (a new record's text, or the
    range of old tables a run of kept ones fills), its records in file order and the
    records that are new; None if it cannot be spliced."""
    from .store import section_key

    key = section_key(section)
    keys = list(map(key, old))
    if not all(map(operator.lt, keys, itertools.islice(keys, 1, None))):
        return None  # not in canonical order: only a full rewrite puts a new record right
    now = set(map(id, new))
    before = set(map(id, old))
    gone = [index for index, record in enumerate(old) if id(record) not in now]
    fresh = sorted((r for r in new if id(r) not in before), key=key)
    for index in gone:
        if _table(text, starts, first + index) != render(section, old[index]):
            return None  # the text to cut is not exactly the record's: comments, say
    places = [bisect.bisect_left(keys, key(record)) for record in fresh]
    new_keys = list(map(key, fresh))
    taken = {keys[at] for at in places if at < len(keys)} - {keys[i] for i in gone}
    if not all(map(operator.lt, new_keys, new_keys[1:])) or taken.intersection(new_keys):
        return None  # a second record with this key: the full path reports it
    # Walk the old tables: runs of kept ones are copied whole, new ones rendered.
    cuts = sorted({0, len(old), *gone, *(i + 1 for i in gone), *places})
    pieces: list[tuple[int, int] | str] = []
    records: list[Any] = []
    gone_set, next_new = set(gone), 0
    for low, high in itertools.pairwise([*cuts, len(old)]):
        while next_new < len(fresh) and places[next_new] == low:
            pieces.append(render(section, fresh[next_new]))
            records.append(fresh[next_new])
            next_new += 1
        if low < high and low not in gone_set:
            pieces.append((first + low, first + high))
            records.extend(old[low:high])
    return pieces, tuple(records), fresh


def _table(text: str, starts: list[int], index: int) -> str:
    """The text of one table, without the blank line that separates it from the next."""
    return text[starts[index] : starts[index + 1] - 1]


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
) -> bool:
    """Whether the changed sections hold only records that read back as themselves, with
    unique keys and ids, references that resolve, and no ids still referred to that went."""
    from .store import read_alone

    for section, records in added.items():
        for record in records:
            if read_alone(section, render(section, record)) != record:
                return False
    ids: dict[str, set[str]] = {}
    for section in SECTIONS:
        # Keys are unique: each changed section is in strictly ascending order.
        if "id" in SECTIONS[section].__struct_fields__:
            in_order = ordered.get(section)
            ids[section] = set(new.ids(section) if in_order is None else map(_ID, in_order))
    entities = "networks" in ordered or "cities" in ordered
    if entities and ids["networks"] & ids["cities"]:
        return False  # one namespace for networks and cities
    for records in added.values():
        for record in records:
            if any(ref not in ids[target] for _f, target, ref in references(record)):
                return False
    gone = {section: set(old.ids(section)) - ids[section] for section in ordered if section in ids}
    gone = {section: vanished for section, vanished in gone.items() if vanished}
    if gone and any(records_referring(new, section, gone) for section in SECTIONS):
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


def unified_diff(old: str, new: str, name: str, context: int = 1) -> Iterator[str]:
    """The lines of `difflib.unified_diff(old.splitlines(), new.splitlines(), name, name,
    lineterm="", n=context)`, in time that grows with the change rather than the file:
    the texts' common beginning and end are skipped at C speed, tables are matched
    whole, and only tables that differ are compared line by line.
    """
    if old == new:
        return
    head = _common_prefix(old, new)
    tail = _common_suffix(old, new, len(old) - head, len(new) - head)
    # The window: whole lines around what differs, with `context` equal lines each side.
    start = old.rfind("\n", 0, head) + 1
    for _line in range(context):
        if start:
            start = old.rfind("\n", 0, start - 1) + 1
    end = len(old) - tail
    for _line in range(context + 1):
        found = old.find("\n", end)
        end = len(old) if found < 0 else found + 1
    a = old[start:end].splitlines()
    b = new[start : end - len(old) + len(new)].splitlines()
    offset = old.count("\n", 0, start)
    yield f"--- {name}"
    yield f"+++ {name}"
    for group in _TableMatcher(a, b).get_grouped_opcodes(context):
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
        joined: list[tuple[str, int, int, int, int]] = []
        for op in found:
            if op[1] == op[2] and op[3] == op[4]:
                continue
            if joined and op[0] == "equal" == joined[-1][0]:
                joined[-1] = ("equal", joined[-1][1], op[2], joined[-1][3], op[4])
            else:
                joined.append(op)
        return joined or [("equal", 0, 0, 0, 0)]


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


def _common_prefix(a: str, b: str) -> int:
    """The length of the longest common beginning, by halving (each step one C compare)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, b: str, a_room: int, b_room: int) -> int:
    """The length of the longest common end that leaves `a_room`/`b_room` untouched."""
    low, high = 0, min(a_room, b_room)
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle : len(a) - low] == b[len(b) - middle : len(b) - low]:
            low = middle
        else:
            high = middle - 1
    return low

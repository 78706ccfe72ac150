"""Completion of city and network names from a compact index kept in the cache.

The index is one sorted list of (folded key, name as written, id, population, kind)
rows, made once per file content: a keypress is a cache read and a binary search,
never a load of the whole dataset. What is offered (issue 16 §5): names, aliases and
ids that begin with what was typed, case and accents forgiving when the typed text
is plain ("koel" → Köln) and literal when it has accents ("Köl" is not Kolmar); the
typed text is never glued onto another name's tail; the biggest places first, at
most LIMIT; a name that several records share is offered as their ids where those
begin with what was typed (a shell offers nothing else).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from pathlib import Path

from .model import City, Dataset, Network, records_changed
from .names import LinesPatch, fold, fold_variants, name_lines, patched_lines

LIMIT = 50
# (folded key, name as written, id, population or -1, "city" or "network", the name's
# place among the record's names: its id first, then its name, …, aliases last)
Row = tuple[str, str, str, int, str, int]


_LABEL = "names"
_SECTIONS = {"networks": "network", "cities": "city"}


def name_index(dataset: Dataset) -> list[Row]:
    """Every name of every city and network under each of its folded keys, sorted."""
    rows: list[Row] = []
    for section, kind in _SECTIONS.items():
        rows += _rows(getattr(dataset, section), kind)
    rows.sort()
    return rows


def _rows(records: Iterable[City | Network], kind: str) -> list[Row]:
    rows: list[Row] = []
    for record in records:
        population = getattr(record, "population", None)
        size = -1 if population is None else population
        for place, name in enumerate(dict.fromkeys(record.names)):
            if name:
                rows += [(key, name, record.id, size, kind, place) for key in fold_variants(name)]
    return rows


# What changed since the index was made: the rows that went and the rows that came,
# each sorted. Kept beside the index for each content written, so that an edit writes
# only this; beyond _MOST_ROWS rows the index is made afresh on first use.
Patch = tuple[list[Row], list[Row]]
_MOST_ROWS = 5000


def carry_over(
    path: Path, old_content: bytes, old: Dataset, new_content: bytes, new: Dataset
) -> None:
    """After a write: the patches of the name index and of the lookup lines (the names
    of the cities and networks that changed) kept for the new content, so that
    completing or naming a place after an edit costs what the edit changed. Nothing is
    kept where most records changed (each is then made on first use)."""
    from .cache import carry

    went: dict[str, list[City | Network]] = {}
    came: dict[str, list[City | Network]] = {}
    for section in _SECTIONS:
        changed = records_changed(old, new, section)
        if changed is None:
            return
        went[section], came[section] = changed
    if not any(went.values()) and not any(came.values()):
        return
    rows_went = [row for s, kind in _SECTIONS.items() for row in _rows(went.get(s, ()), kind)]
    rows_came = [row for s, kind in _SECTIONS.items() for row in _rows(came.get(s, ()), kind)]

    def extend(patch: Patch | None) -> Patch | None:
        gone, fresh = patch if patch is not None else ([], [])
        # A row an earlier edit brought leaves the patch; one of the index is struck out.
        fresh_set = set(fresh)
        leaving = {row for row in rows_went if row in fresh_set}
        gone = sorted({*gone, *(row for row in rows_went if row not in leaving)})
        fresh = sorted({*(row for row in fresh if row not in leaving), *rows_came})
        return (gone, fresh) if len(gone) + len(fresh) <= _MOST_ROWS else None

    carry(path, old_content, new_content, _LABEL, extend, Patch)

    lines_went = name_lines(went.get("networks", ()), went.get("cities", ()))
    lines_came = name_lines(came.get("networks", ()), came.get("cities", ()))

    def extend_lines(patch: LinesPatch | None) -> LinesPatch | None:
        steps = [*(patch or []), (lines_went, lines_came)]
        return steps if len(steps) <= _MOST_STEPS else None

    carry(path, old_content, new_content, _LINES, extend_lines, LinesPatch)


_LINES = "lookup"  # the lookup lines (`names.name_lines`), patched after each write
_MOST_STEPS = 200  # beyond as many edits they are made afresh on first use


def cached_city_order(path: Path) -> list[str]:
    """The ids of every city of the data file at `path` in the order `cities` lists them
    (`query.filter_cities`), remembered for this content."""
    from .cache import remembered
    from .query import filter_cities

    def make(dataset: Dataset) -> list[str]:
        return [city.id for city in filter_cities(dataset)]

    order: list[str] = remembered(path, "city-order", make, list[str])
    return order


def cached_lines(path: Path) -> str:
    """The lookup lines of the data file at `path`, from the cache when they are there."""
    from .cache import remembered

    def make(dataset: Dataset) -> str:
        return name_lines(dataset.networks, dataset.cities)

    lines: str = remembered(path, _LINES, make, str, patched_lines, LinesPatch)
    return lines


def _patched(rows: list[Row], patch: Patch) -> list[Row] | None:
    """The index `rows` with a patch applied, in place (a binary search per row); None
    if a row to strike out is not there (the patch is not of this index)."""
    gone, fresh = patch
    for row in gone:
        at = bisect.bisect_left(rows, row)
        if at == len(rows) or rows[at] != row:
            return None
        del rows[at]
    for row in fresh:
        bisect.insort(rows, row)
    return rows


def cached_index(path: Path) -> list[Row]:
    """The name index of the data file at `path`, from the cache when it is there."""
    from .cache import remembered

    rows: list[Row] = remembered(path, _LABEL, name_index, list[Row], _patched, Patch)
    return rows


def complete(rows: list[Row], typed: str, kind: str | None = None) -> list[str]:
    """What to offer for `typed`: at most LIMIT names or ids, the biggest places first."""
    key = fold(typed)
    literal = not typed.isascii()  # typed accents are meant: "Köl" is not "Kolmar"
    best: dict[str, tuple[int, str, int]] = {}  # id → (place, what to show, population)
    at = bisect.bisect_left(rows, (key,))
    while at < len(rows) and rows[at][0].startswith(key):
        _key, name, record_id, size, record_kind, place = rows[at]
        at += 1
        if (kind and record_kind != kind) or (record_id in best and best[record_id][0] <= place):
            continue
        if literal and not name.casefold().startswith(typed.casefold()):
            continue
        shown = _shown(typed, name, record_id)
        if shown:
            best[record_id] = (place, shown, size)
    # One entry per record, under its first fitting name; a name that several records
    # share is offered as their ids, which tell them apart.
    sharing: dict[str, list[str]] = {}
    for record_id, (_place, shown, _size) in best.items():
        sharing.setdefault(shown, []).append(record_id)
    choices: dict[str, int] = {}
    for record_id, (_place, shown, size) in best.items():
        if len(sharing[shown]) > 1 and record_id.startswith(typed):
            shown = record_id  # else the shared name, once: the resolver then lists them
        choices[shown] = max(choices.get(shown, -1), size)
    ranked = sorted(choices.items(), key=lambda item: (-item[1], fold(item[0]), item[0]))
    return [shown for shown, _size in ranked[:LIMIT]]


def _shown(typed: str, name: str, record_id: str) -> str:
    """The text to offer for a name that matched: the name itself if it begins with
    what was typed; else the record's id if that does; else the typed letters continued
    by the name's own tail, where that still names the same (e.g. "mun" → "munchen")."""
    if name.startswith(typed):
        return name
    if record_id.startswith(typed):
        return record_id
    if name == record_id:
        return ""  # an id is offered as it is or not at all
    glued = typed + name[len(typed) :]
    return glued if fold_variants(glued) & fold_variants(name) else ""

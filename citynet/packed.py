"""A Dataset as the cache holds it: each section's records as MessagePack, one after
another, decoded when a command first reads them.

Decoding every record of a large file costs more than most commands use: `partners
berlin` at the real size (11,000 cities) needs Berlin and its partners, not every
city with its aliases. So an entry keeps each section as the bytes of its records
with where each ends and, for sections with ids, the ids: a section is decoded when
it is first read (`Dataset.cities`), one record at a time when it is looked up by id
(`Dataset.city_by_id`). Writing the entry of a changed dataset copies the bytes of
every section and record that did not change.
"""

from __future__ import annotations

import itertools
import operator
import sys
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

import msgspec

from . import model
from .model import INDEXED, SCHEMA_VERSION, SECTIONS, Dataset, differing_span

_ID = operator.attrgetter("id")


def _is_record_type(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, msgspec.Struct)


# Ids are kept as lines of one text and positions as arrays of machine integers, so
# that reading an entry makes no object per id: at the real size a dict of the
# partnerships by city took longer to decode than `partners berlin` takes to answer.


class Positions(msgspec.Struct, array_like=True, gc=False):
    """Where records stand, by each id that one of their fields names."""

    keys: str  # the ids named, as `_lines`, in the order they first appear
    starts: bytes  # an _INTS array: where each key's positions begin in `at`, then the end
    at: bytes  # an _INTS array: the positions, key after key


class Stored(msgspec.Struct, array_like=True, gc=False):
    """One section of an entry: its records as a MessagePack array, where each record
    ends in it, their ids."""

    records: bytes
    ends: list[int]
    ids: str  # as `_lines`; empty for a section whose records have no id
    # For each field of model.INDEXED: the positions of the records by each id it names.
    referring: dict[str, Positions]


class Packed(msgspec.Struct, array_like=True, gc=False):
    """A whole dataset: its schema version and its sections in SECTIONS order."""

    schema_version: int
    sections: tuple[Stored, ...]


# The fields of every record type (nested ones too): the cache keys entries by this, so
# an entry of records with other fields is never decoded as these.
LAYOUT = repr(
    [(t.__name__, t.__struct_fields__) for t in vars(model).values() if _is_record_type(t)]
    + [sys.byteorder, array("I").itemsize]  # and how the arrays of positions are stored
).encode()


def pack(dataset: Dataset) -> Packed:
    """The entry of a dataset. A section as the cache gave it, read or not, is copied,
    and so are the bytes of each record decoded from the cache: after an edit, only
    the changed records are encoded."""
    encoder = msgspec.msgpack.Encoder()
    stored = []
    for name, record_type in SECTIONS.items():
        held = dataset.section(name)
        origin = held if isinstance(held, Encoded) else _READ.get(id(held))
        if origin is not None and (origin is held or origin.whole is held):
            stored.append(origin.stored)
            continue
        held = held if isinstance(held, tuple) else held.records()
        # The section's bytes as pieces, joined once: a megabyte copied from the entry
        # read is not copied again into a growing buffer and then out of it.
        pieces: list[bytes | bytearray | memoryview] = [_array_header(len(held))]
        size = len(pieces[0])
        ends: list[int] = []
        read = _read_before(record_type)
        for low, high, first in _runs(read, held):
            if first is None:  # records this process made: encoded
                buffer = bytearray()
                for record in held[low:high]:
                    encoder.encode_into(record, buffer, -1)
                    ends.append(size + len(buffer))
                pieces.append(buffer)
                size += len(buffer)
                continue
            # A run of records read together: their bytes copied at once, their ends shifted.
            assert read is not None
            was = read.stored.ends
            shift = size - (was[first - 1] if first else read._start)
            run = read.bytes_of_run(first, first + high - low)
            pieces.append(run)
            size += len(run)
            ends += map(shift.__add__, was[first : first + high - low])
        ids = _lines(map(_ID, held)) if "id" in record_type.__struct_fields__ else ""
        referring = {
            field: _positions(dataset.positions(name, field)) for field in INDEXED.get(name, ())
        }
        stored.append(Stored(b"".join(pieces), ends, ids, referring))
    return Packed(dataset.schema_version, tuple(stored))


def unpack(packed: Packed) -> Dataset | None:
    """The dataset of an entry, each section decoded on first use; None if the entry
    does not have this citynet's sections."""
    if len(packed.sections) != len(SECTIONS) or packed.schema_version != SCHEMA_VERSION:
        return None
    sections = {
        name: Encoded(stored, record_type)
        for (name, record_type), stored in zip(SECTIONS.items(), packed.sections, strict=True)
    }
    return Dataset(**sections, schema_version=packed.schema_version)


class Encoded:
    """A section of records still encoded (`model.Pending`): each record is decoded
    the first time it is asked for, and the same record is handed out after that."""

    __slots__ = (
        "_decoded",
        "_decoder",
        "_given",
        "_ids",
        "_start",
        "_view",
        "_whole",
        "record_type",
        "stored",
        "whole",
    )

    def __init__(self, stored: Stored, record_type: type) -> None:
        self.stored = stored
        self._view = memoryview(stored.records)
        self.record_type = record_type
        self._decoder = _decoder(record_type)
        self._whole = _decoder(tuple[record_type, ...])  # type: ignore[valid-type]
        self._start = len(_array_header(len(stored.ends)))  # where the first record starts
        self._decoded: list[Any] = [None] * len(stored.ends)
        self._ids = _Lines(stored.ids)
        self._given: list[int] = []  # the positions of records decoded one at a time
        self.whole: tuple[Any, ...] | None = None  # the section once read

    def __len__(self) -> int:
        return len(self._decoded)

    def record(self, position: int) -> Any:
        record = self._decoded[position]
        if record is None:
            if len(self._given) >= _FEW + len(self._decoded) // 16:
                # Many records asked one by one (every city's partners): the rest of
                # the section in one call costs less than going on one at a time.
                return self.records()[position]
            record = self._decoded[position] = self._decoder.decode(self.bytes_of(position))
            self._given.append(position)
        return record

    def bytes_of(self, position: int) -> memoryview:
        return self.bytes_of_run(position, position + 1)

    def bytes_of_run(self, low: int, high: int) -> memoryview:
        """The bytes of the records from position `low` to `high` (not included)."""
        ends = self.stored.ends
        return self._view[ends[low - 1] if low else self._start : ends[high - 1]]

    def records(self) -> tuple[Any, ...]:
        if self.whole is not None:  # one section, one tuple, whichever dataset asks
            return self.whole
        # Whole, in one call (a third of the instructions of one call per record). A
        # record is one object: those handed out before keep their places, and those
        # looked up by id after are these.
        whole: tuple[Any, ...] = self._whole.decode(self.stored.records)
        if self._given:
            patched = list(whole)
            for at in self._given:
                patched[at] = self._decoded[at]
            whole = tuple(patched)
        self._decoded = list(whole)
        self.whole = whole
        _READ[id(whole)] = self  # held by `whole`, so the id stays this tuple's
        while len(_READ) > _MOST_READ:  # a long-running program keeps the latest only
            del _READ[next(iter(_READ))]
        return whole

    def by_id(self) -> Mapping[str, Any]:
        return _ById(self)

    def ids(self) -> list[str]:
        return self._ids.split()

    def referring(self, field: str) -> Mapping[str, list[Any]]:
        return _Referring(self, self.stored.referring[field])

    def mentions(self, texts: Iterable[str]) -> bool:
        # A string a record holds is in its MessagePack as its UTF-8 bytes.
        return any(text.encode() in self.stored.records for text in texts)

    def position(self, record_id: str) -> int | None:
        return self._ids.find(record_id)


# The encoded sections read in this process, by the id of the tuple each became: so the
# entry of a changed dataset copies what it can of them (see `pack`).
_READ: dict[int, Encoded] = {}
_MOST_READ = 2 * len(SECTIONS)  # an edit's old and new dataset


def forget_read() -> None:
    """Let go of the sections read so far (once an edit's entry is written, nothing is
    copied from them again): what was decoded of them is freed now."""
    _READ.clear()


def _read_before(record_type: type) -> Encoded | None:
    """The section of this record type read last in this process."""
    for section in reversed(_READ.values()):
        if section.record_type is record_type:
            return section
    return None


def _runs(read: Encoded | None, held: tuple[Any, ...]) -> Iterator[tuple[int, int, int | None]]:
    """`runs` of the records `held` in the section `read` (all new where none was read)."""
    if read is None:
        yield 0, len(held), None
        return
    yield from runs(read._decoded, held)


def runs(before: Sequence[Any], after: Sequence[Any]) -> Iterator[tuple[int, int, int | None]]:
    """`after` cut into runs (low, high, first): its records low to high are the very
    objects of `before` from position `first` on, one after another; `first` None where
    they are not in `before`. Runs are found by comparing slices in C: a section with a
    few changed records costs a few steps for each change, not one for each record."""
    ids_before, ids_after = list(map(id, before)), list(map(id, after))
    # The common beginning and end first, by halving: only the records between them (a
    # few, after an edit) are looked up one by one. A record that stood in the common
    # beginning or end and again between them (one object twice) is taken for new there.
    head, end_before, end_after = differing_span(ids_before, ids_after)
    found: list[tuple[int, int, int | None]] = [(0, head, 0)] if head else []
    between = _walk(ids_before[head:end_before], ids_after[head:end_after])
    for low, high, first in between:
        found.append((low + head, high + head, None if first is None else first + head))
    if end_after < len(after):
        found.append((end_after, len(after), end_before))
    # Runs that continue one another are one run (as a walk of the whole would find).
    merged: list[tuple[int, int, int | None]] = []
    for low, high, first in found:
        if merged:
            last_low, last_high, last_first = merged[-1]
            if last_first is None and first is None:
                merged[-1] = (last_low, high, None)
                continue
            if last_first is not None and first == last_first + last_high - last_low:
                merged[-1] = (last_low, high, last_first)
                continue
        merged.append((low, high, first))
    return iter(merged)


def _walk(before: list[int], after: list[int]) -> Iterator[tuple[int, int, int | None]]:
    """`runs` of the ids `after` in the ids `before`, found by looking each up."""
    where = dict(zip(before, itertools.count()))
    positions = list(map(where.get, after))
    naturals = list(range(len(before)))  # what a run's positions are compared with
    low, count = 0, len(after)
    while low < count:
        first = positions[low]
        if first is None:
            high = low + 1
            while high < count and positions[high] is None:
                high += 1
            yield low, high, None
            low = high
            continue
        # The longest run from `low`: doubling, then halving; each test one C compare.
        size, step = 1, 1
        while low + size < count:
            step = min(size, count - low - size)
            ahead, want = low + size, first + size
            if positions[ahead : ahead + step] != naturals[want : want + step]:
                break
            size += step
        while step > 1:
            step //= 2
            ahead, want = low + size, first + size
            if ahead + step <= count and (
                positions[ahead : ahead + step] == naturals[want : want + step]
            ):
                size += step
        yield low, low + size, first
        low += size


class _ById(Mapping[str, Any]):
    """The records of an encoded section by id, decoded one by one; once the section
    is decoded whole, a dict of them (a command that looks up every city's partners
    asks a hundred thousand times)."""

    __slots__ = ("_records", "_section")

    def __init__(self, section: Encoded) -> None:
        self._section = section
        self._records: dict[str, Any] | None = None

    def __getitem__(self, record_id: str) -> Any:
        if self._records is None:
            section = self._section
            if section.whole is None:
                position = section.position(record_id)
                if position is None:
                    raise KeyError(record_id)
                return section.record(position)
            self._records = dict(zip(section.ids(), section.whole, strict=True))
        return self._records[record_id]

    def __contains__(self, record_id: object) -> bool:
        if self._records is not None:
            return record_id in self._records
        return isinstance(record_id, str) and self._section.position(record_id) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._section.ids())

    def __len__(self) -> int:
        return len(self._section.ids())


def _array_header(length: int) -> bytes:
    """The bytes that begin a MessagePack array of `length` items (its spec's fixarray,
    array 16 and array 32)."""
    if length < 16:
        return bytes([0x90 | length])
    if length < 1 << 16:
        return b"\xdc" + length.to_bytes(2, "big")
    return b"\xdd" + length.to_bytes(4, "big")


class _Referring(Mapping[str, list[Any]]):
    """The records of an encoded section by each id a field names, decoded as asked."""

    __slots__ = ("_at", "_found", "_keys", "_section", "_starts")

    def __init__(self, section: Encoded, positions: Positions) -> None:
        self._section = section
        self._keys = _Lines(positions.keys)
        self._starts = _ints(positions.starts)
        self._at = _ints(positions.at)
        self._found: dict[str, list[Any]] = {}

    def __getitem__(self, key: str) -> list[Any]:
        found = self._found.get(key)
        if found is None:
            line = self._keys.find(key)
            if line is None:
                raise KeyError(key)
            at = self._at[self._starts[line] : self._starts[line + 1]]
            found = self._found[key] = list(map(self._section.record, at))
        return found

    def __contains__(self, key: object) -> bool:
        # without decoding what refers to it
        return isinstance(key, str) and self._keys.find(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys.split())

    def __len__(self) -> int:
        return len(self._starts) - 1


def _lines(ids: Iterable[str]) -> str:
    """Ids as the lines of one text, each between two newlines (ids are slugs): one
    is found with `str.find` and its position counted with `str.count`, both in C."""
    text = "\n".join(ids)
    return f"\n{text}\n" if text else ""


class _Lines:
    """Ids kept as `_lines`, found by their place among them. The first few are found
    in the text itself, without making an object per id; one who asks for many (a
    listing of every city's partners) gets a dict, made once."""

    __slots__ = ("_asked", "_places", "_split", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._asked = 0
        self._places: dict[str, int] | None = None
        self._split: list[str] | None = None

    def find(self, key: str) -> int | None:
        """Where `key` stands among the lines; None if it is not there."""
        if self._places is None:
            self._asked += 1
            if self._asked <= _FEW:
                return self._find(key)
            self._places = {key: at for at, key in enumerate(self.split())}
        return self._places.get(key)

    def _find(self, key: str) -> int | None:
        if "\n" in key:  # "a\nb" would match the two ids a and b
            return None
        found = self.text.find(f"\n{key}\n")
        return None if found < 0 else self.text.count("\n", 0, found)

    def split(self) -> list[str]:
        """Every id, in order."""
        if self._split is None:
            self._split = self.text[1:-1].split("\n") if self.text else []
        return self._split


# Each search of the text reads up to a tenth of a megabyte at the real size: past this
# many, a dict of every id is the cheaper way.
_FEW = 16


_INTS: Final = "I"  # the array type of positions: unsigned, 4 bytes wherever citynet runs


def _positions(by_key: dict[str, list[int]]) -> Positions:
    starts, at = array(_INTS, [0]), array(_INTS)
    for found in by_key.values():
        at.extend(found)
        starts.append(len(at))
    return Positions(_lines(by_key), starts.tobytes(), at.tobytes())


def _ints(stored: bytes) -> memoryview[int]:
    return memoryview(stored).cast(_INTS)


_DECODERS: dict[Any, msgspec.msgpack.Decoder[Any]] = {}


def _decoder(shape: Any) -> msgspec.msgpack.Decoder[Any]:
    found = _DECODERS.get(shape)
    if found is None:
        found = _DECODERS[shape] = msgspec.msgpack.Decoder(shape)
    return found

"""TOML ⇄ Dataset: read and validate a data file completely, and write it canonically.

Reading collects every problem of a file before it gives up, so a person fixes
them in one go. The record types in `model` define the schema: this module walks
their fields, so reading and writing cannot drift apart.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import operator
import re
import typing
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import msgspec.structs

from .comments import comment_lines
from .errors import DataError, Problem
from .files import (
    FileLock,
    atomic_write_bytes,
    decode,
    read_bytes,
    read_text,
    refuse_read_only,
    write_backup,
    write_target,
)
from .i18n import N_, _, translate_phrases
from .model import (
    FUTURE_YEAR,
    SCHEMA_VERSION,
    SECTIONS,
    YEAR_RANGE,
    Dataset,
    Membership,
    Network,
    Partnership,
)
from .names import Suggestions, did_you_mean
from .schema import FieldSpec, fields_of, refer_only_to, references, span_text

try:
    # tomli is the parser that became the standard library's tomllib; its wheels are
    # compiled with mypyc and read large files about 2.7 times faster. It is the
    # parser whose answers and messages are citynet's (see `loads`).
    import tomli as toml_reader
except ImportError:  # pragma: no cover - a platform without tomli
    import tomllib as toml_reader  # type: ignore[no-redef]


# --- reading ------------------------------------------------------------------


def load(path: Path) -> Dataset:
    """Read, check and return the dataset at `path`; raise DataError with every problem."""
    return parse(read_text(path), str(path))


def parse(text: str, name: str = "<data>") -> Dataset:
    """Check TOML text against the schema and return the dataset it describes."""
    with _no_cycle_collection():
        return _parse(text, name)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cycle collector paused: a read makes a million tables, lists and sets, none of
    them in a cycle (the records are not even tracked), which the collector would walk
    again and again for nothing (a tenth of a cold read's work beyond the parser's).
    What a read leaves behind is freed by reference counting as ever."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse(text: str, name: str) -> Dataset:
    pieces = _pieces(text)
    if len(pieces) > 1:
        try:
            return _read(text, name, map(_piece_document, pieces))
        except _PieceError:
            pass  # the whole text decides: it reports the error, or reads what a cut split
    return _read(text, name, [_toml(text, name)])


def loads(text: str) -> dict[str, Any]:
    """The TOML document `text` holds, as tomli reads it.

    rtoml (Rust) parses a large file about 2.8 times faster than tomli, and gives the
    same document for every text both accept: a test compares them on mutated files.
    It is only the fast path. Whatever it refuses goes to tomli, which gives the
    message and its place, or accepts what rtoml would not (floats beyond 1e308,
    integers beyond 64 bits, arrays nested a hundred deep). So do the texts where
    rtoml is known to accept what tomli refuses (`_left_to_tomli`).
    """
    fast = _fast_parser()
    if fast is not None and not _left_to_tomli(text):
        try:
            return fast(text)
        except Exception:  # tomli decides, and its error is the one shown
            pass
    return toml_reader.loads(text)


def _left_to_tomli(text: str) -> bool:
    """Might rtoml read this text though it is not TOML? It skips a byte-order mark at
    the start, and reads a line break between a key, its `=` and its value inside an
    inline table; tomli refuses both. Any inline table that runs over a line (or a
    brace in a string or comment that looks like one) sends the text to tomli: 1.6 ms
    to look through the 4.9 MB of the real size, which has eight braces."""
    return text.startswith("\ufeff") or _INLINE_TABLE_OVER_LINES.search(text) is not None


_INLINE_TABLE_OVER_LINES = re.compile(r"\{[^}\n]*\n")


@functools.cache
def _fast_parser() -> Callable[[str], dict[str, Any]] | None:
    try:
        # Imported on first use: a command that reads the cache never parses TOML.
        from rtoml import loads as rtoml_loads
    except ImportError:  # pragma: no cover - a platform without its wheel
        return None
    return rtoml_loads


def read_alone(section: str, text: str) -> Any:
    """The one record of `section` that TOML text holds, checked on its own (no
    references); None if it is not exactly one valid record."""
    try:
        tables = loads(text).get(section)
    except ValueError:
        return None
    if not isinstance(tables, list) or len(tables) != 1:
        return None
    reader = _Reader("<record>", text)
    record = reader._decode(SECTIONS[section], tables[0], _Where(section, 0, tables[0]))
    return None if reader.problems else record


def _read(text: str, name: str, documents: Iterable[dict[str, Any]]) -> Dataset:
    reader = _Reader(name, text)
    dataset = reader.read(documents)
    if reader.problems:
        raise DataError(reader.lined_problems())
    return dataset


# A large file is parsed in pieces of about this many characters, each cut at a
# top-level [[section]] header: the parsed tree of one piece is freed once it is
# records, so a 12 MB file never has its whole tree in memory at once (the peak of a
# cold run). rtoml holds more than tomli while it parses, and leaves the heap more
# scattered: a cold read of the large benchmark file (12 MB) peaked at 160 MiB with
# pieces of 800,000 characters, 147.5 at 200,000 and 139.6 at 50,000 (tomli, at
# 200,000: 136.5), for the same work (2,012 M instructions at the real size).
PIECE_CHARS = 50_000


def _pieces(text: str) -> list[str]:
    """The text cut before the first top-level `[[section]]` header after every
    PIECE_CHARS characters.

    Not cut if a section is also written as a plain array (`cities = [...]`), which
    only the whole text can tell apart from a second `[[cities]]`.
    """
    if len(text) <= PIECE_CHARS:
        return [text]
    first = _HEADER.search(text)
    # Top-level keys stand before the first table header.
    if first is None or _INLINE_SECTION.search(text, 0, first.start()):
        return [text]
    # A header is looked for only where a cut goes, not found all over the text.
    cuts = [0]
    while (header := _HEADER.search(text, cuts[-1] + PIECE_CHARS)) is not None:
        cuts.append(header.start())
    cuts.append(len(text))
    return [text[a:b] for a, b in itertools.pairwise(cuts)]


class _PieceError(Exception):
    pass


def _piece_document(piece: str) -> dict[str, Any]:
    try:
        return loads(piece)
    except (ValueError, RecursionError):  # TOMLDecodeError is a ValueError
        raise _PieceError from None


def _toml(text: str, name: str) -> dict[str, Any]:
    """The parsed TOML document; DataError for anything the parser cannot read."""
    try:
        return loads(text)
    except toml_reader.TOMLDecodeError as error:
        raise DataError([toml_problem(error, name)]) from None
    except ValueError:
        # Python refuses to convert integers of more than 4,300 digits (a guard
        # against slow conversions); the parser does not say where it was.
        found = re.search(r"[0-9][0-9_]{4299,}", text)
        line = text.count("\n", 0, found.start()) + 1 if found else None
        message = _("TOML value error: an integer with more than 4,300 digits")
        raise DataError([Problem(name, "", message, line)]) from None
    except RecursionError:
        message = _("TOML value error: arrays or inline tables nested too deeply")
        raise DataError([Problem(name, "", message, _deepest_line(text))]) from None


# The parser's messages (tomli 2.x, the standard library's tomllib); {name} stands for
# what varies. A message not listed here is shown as the parser wrote it.
TOML_MESSAGES = (
    N_("Cannot overwrite a value"),
    N_("Escaped character is not a Unicode scalar value"),
    N_("Expected '=' after a key in a key/value pair"),
    N_("Expected ']' at the end of a table declaration"),
    N_("Expected ']]' at the end of an array declaration"),
    N_("Expected newline or end of document after a statement"),
    N_("Invalid date or datetime"),
    N_("Invalid hex value"),
    N_("Invalid initial character for a key part"),
    N_("Invalid statement"),
    N_("Invalid value"),
    N_("Unclosed array"),
    N_("Unclosed inline table"),
    N_("Unescaped '\\' in a string"),
    N_("Unterminated string"),
    N_("Cannot declare {key} twice"),
    N_("Cannot mutate immutable namespace {key}"),
    N_("Cannot redefine namespace {key}"),
    N_("Duplicate inline table key {key}"),
    N_("Expected {text}"),
    N_("Found invalid character {character}"),
    N_("Illegal character {character}"),
)


def toml_problem(error: ValueError, name: str) -> Problem:
    """The parser's error in the interface's language, at its line and column."""
    # tomli and tomllib (3.14) keep the message and its place apart; an older tomllib
    # writes them into one text, which is shown whole.
    message, line, column = (getattr(error, key, None) for key in ("msg", "lineno", "colno"))
    if not isinstance(message, str) or not isinstance(line, int):
        return Problem(name, "", _("TOML syntax error: {error}").format(error=error))
    text = _("TOML syntax error: {error} (column {column})").format(
        error=translate_phrases(message, TOML_MESSAGES), column=column
    )
    return Problem(name, "", text, line)


def _deepest_line(text: str) -> int:
    """The line where brackets are nested deepest: where to look for a nesting error."""
    depth, deepest, line, at = 0, -1, 1, 1
    for char in text:
        if char == "\n":
            line += 1
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest, at = depth, line
        elif char in "]}":
            depth -= 1
    return at


class _Reader:
    """Decodes a TOML document into records, collecting problems instead of stopping."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self.problems: list[Problem] = []
        self._wheres: list[object] = []  # where each problem is, for its line
        self.section_sizes: dict[str, int] = {}
        # Where the records stand, for the cross-checks, kept as what differs from
        # "the n-th record of a section is its n-th table": the tables of each section
        # that gave no record, and (by id(record)) the records a problem names as the
        # file does, not as the record does. Counted only for a problem (`places`).
        self.dropped: dict[str, list[int]] = {}
        self.named: dict[int, _Where] = {}
        self.declared_ids: dict[str, set[str]] = {}

    def problem(self, where: object, message: str) -> None:
        self.problems.append(Problem(self.name, str(where), message))
        self._wheres.append(where)

    def lined_problems(self) -> list[Problem]:
        """The problems, each at the line of its record's `[[section]]` header where the
        headers can be counted (known once every piece of a file is read)."""
        headers = _header_lines(self.text)
        lined = []
        for problem, where in zip(self.problems, self._wheres, strict=True):
            line = None
            if isinstance(where, _Where):
                lines = headers.get(where.section, [])
                if len(lines) == self.section_sizes.get(where.section):
                    line = lines[where.index]
            lined.append(Problem(problem.file, problem.where, problem.message, line))
        return lined

    def read(self, documents: Iterable[dict[str, Any]]) -> Dataset:
        """The dataset of a document given whole, or in pieces cut at [[section]] headers
        (top-level keys then stand in the first piece)."""
        sections: dict[str, list[Any]] = {section: [] for section in SECTIONS}
        for number, document in enumerate(documents):
            if number == 0:
                self._check_top_level(document)
            else:
                self._check_keys(document, list(SECTIONS), "top level")
            for section, record_type in SECTIONS.items():
                for batch in self._read_section(document, section, record_type):
                    sections[section] += batch
        records: dict[str, Any] = {k: tuple(v) for k, v in sections.items()}
        dataset = Dataset(**records)
        _CrossCheck(self, sections).run()
        return dataset

    def _check_top_level(self, document: dict[str, Any]) -> None:
        self._check_keys(document, ["schema_version", *SECTIONS], "top level")
        version = document.get("schema_version")
        if version is None:
            self.problem(
                "top level",
                _("missing 'schema_version' (expected {SCHEMA_VERSION})").format(
                    SCHEMA_VERSION=SCHEMA_VERSION
                ),
            )
        elif type(version) is not int or version != SCHEMA_VERSION:  # True == 1 in Python
            self.problem(
                "schema_version",
                _(
                    "expected {SCHEMA_VERSION}, got {version}: "
                    "this file was written for another version of citynet"
                ).format(SCHEMA_VERSION=SCHEMA_VERSION, version=repr(version)),
            )

    def _read_section(
        self, document: dict[str, Any], section: str, record_type: type
    ) -> Iterator[list[Any]]:
        """The records of a section, a batch at a time."""
        # Taken out of the document so each table can be freed once it is a record.
        tables = document.pop(section, [])
        if not isinstance(tables, list):
            self.problem(
                section,
                _("expected an array of tables [[{section}]], got {value}").format(
                    section=section, value=_kind(tables)
                ),
            )
            return
        before = self.section_sizes.get(section, 0)  # records of earlier pieces
        self.section_sizes[section] = before + len(tables)
        self.declared_ids.setdefault(section, set())
        self.dropped.setdefault(section, [])
        # In batches, each freed once it is records: the peak of a cold read stays low.
        for start in range(0, len(tables), _BATCH):
            batch = tables[start : start + _BATCH]
            tables[start : start + _BATCH] = [None] * len(batch)
            converted = _convert(batch, record_type)
            if converted is None:
                yield list(self._decoded(section, record_type, batch, before + start))
            else:
                yield self._checked(section, record_type, batch, converted, before + start)

    def _decoded(
        self, section: str, record_type: type, tables: list[Any], before: int
    ) -> Iterator[Any]:
        """Records read one table at a time, each problem reported where it is."""
        declared = self.declared_ids[section]
        dropped = self.dropped[section]
        for index, table in enumerate(tables, start=before):
            if isinstance(table, dict) and isinstance(table.get("id"), str):
                # Known even if the record is invalid, so references to it are not
                # reported as unknown on top of its own problem.
                declared.add(table["id"])
            where = _Where(section, index, table)
            record = self._decode(record_type, table, where)
            tables[index - before] = None
            if record is None:
                dropped.append(index)
                continue
            # A partnership's record puts its cities in order; a problem names them as
            # the file does.
            if isinstance(record, Partnership) and table["cities"][:1] != record.cities[:1]:
                self.named[id(record)] = where
            yield record

    def _checked(
        self, section: str, record_type: type, tables: list[Any], records: list[Any], before: int
    ) -> list[Any]:
        """Records converted in C, checked by the rules their types cannot state: column
        by column when no record breaks one, else record by record, saying where."""
        shape = _shape(record_type)
        if "id" in shape.specs:
            self.declared_ids[section].update(map(_BY_ID, records))
        reordered = _reordered(tables, records) if record_type is Partnership else None
        columns = _columns(records)
        if _all_clear(columns, shape) and _together_clear(columns, shape):
            if reordered:
                for index in reordered:
                    self.named[id(records[index])] = _Where(section, before + index, tables[index])
            return records
        kept = []
        for index, (table, record) in enumerate(zip(tables, records, strict=True)):
            where = _Where(section, before + index, table)
            broken = len(self.problems)
            self._check_tree(record, shape, where)
            if len(self.problems) > broken:
                self.dropped[section].append(before + index)
                continue
            if reordered and index in reordered:
                self.named[id(record)] = where
            kept.append(record)
        return kept

    def _check_tree(self, record: Any, shape: _Shape, where: _Where) -> None:
        """`_check_record` for a record and every record nested in it, as `_decode` does."""
        for spec in shape.nested:
            for index, item in enumerate(getattr(record, spec.name)):
                inner = where.nested(f"{spec.name}[{index}]")
                self._check_tree(item, _shape(spec.nested), inner)  # type: ignore[arg-type]
        self._check_record(record, shape, where)

    def _decode(self, record_type: type, table: Any, where: _Where) -> Any:
        if not isinstance(table, dict):
            self.problem(where, _("expected a table, got {value}").format(value=_kind(table)))
            return None
        shape = _shape(record_type)
        values: dict[str, Any] = {}
        before = len(self.problems)
        if not (table.keys() <= shape.specs.keys() and shape.required <= table.keys()):
            self._check_keys(table, list(shape.specs), where)
            for name in shape.specs:
                if name in shape.required and name not in table:
                    self.problem(where, _("missing required field '{name}'").format(name=name))
        for name, raw in table.items():
            spec = shape.specs.get(name)
            if spec is None:
                continue  # an unknown key, reported above
            # The common case first: the value already has the right type.
            accept = shape.accept[name]
            value = accept(raw) if accept else _INVALID
            if value is _INVALID:
                value = self._value(spec, raw, where)
            if value is not _INVALID:
                values[name] = value
        broken = len(self.problems) > before
        if not shape.required <= values.keys():
            return None
        # Check the rest even of a broken record, so one run reports all its problems.
        record = record_type(**values)
        self._check_record(record, shape, where)
        return None if broken else record

    def _value(self, spec: FieldSpec, raw: Any, where: _Where) -> Any:
        """The value of a field, or _INVALID after reporting why it is not one."""
        if spec.nested:
            if not isinstance(raw, list):
                return self._wrong(where, spec.name, f"an array of tables [[…{spec.name}]]", raw)
            items = [
                self._decode(spec.nested, item, where.nested(f"{spec.name}[{index}]"))
                for index, item in enumerate(raw)
            ]
            return _INVALID if None in items else tuple(items)
        if spec.many:
            if isinstance(raw, list) and all(_scalar(spec, item) is not _INVALID for item in raw):
                return tuple(_scalar(spec, item) for item in raw)
            return self._wrong(where, spec.name, _(_EXPECTED_ITEMS[spec.value]), raw)
        value = _scalar(spec, raw)
        if value is _INVALID:
            expected = N_("a year (whole number)") if spec.rule.year else _EXPECTED[spec.value]
            return self._wrong(where, spec.name, _(expected), raw)
        return value

    def _wrong(self, where: _Where, name: str, expected: str, raw: Any) -> object:
        self.problem(
            where.nested(_("field '{name}'").format(name=name)),
            _("expected {expected}, got {value} {value2}").format(
                expected=expected, value=_kind(raw), value2=_show(raw)
            ),
        )
        return _INVALID

    def _check_keys(self, table: dict[str, Any], known: list[str], where: object) -> None:
        for key in table:
            if key not in known:
                hint = did_you_mean(key, known)
                allowed = ", ".join(known)
                self.problem(
                    where,
                    _("unknown key '{key}'{hint}; known keys: {allowed}").format(
                        key=key, hint=hint, allowed=allowed
                    ),
                )

    def _check_record(self, record: Any, shape: _Shape, where: _Where) -> None:
        """Checks that need only the record itself: the fields' rules, then the few
        rules that tie two fields together."""
        say = self.problem
        for spec in shape.ruled:
            value = getattr(record, spec.name)
            rule = spec.rule
            if rule.not_empty and not value:
                say(
                    where,
                    _("field '{name}' is empty: every record needs a source").format(
                        name=spec.name
                    ),
                )
            for item in value if spec.many else (value,):
                last = FUTURE_YEAR if rule.future else YEAR_RANGE[1]
                if rule.year and item is not None and not YEAR_RANGE[0] <= item <= last:
                    say(
                        where,
                        _("field '{name}': expected a year {value}–{last}, got {item}").format(
                            name=spec.name, value=YEAR_RANGE[0], last=last, item=item
                        ),
                    )
                elif rule.span and item is not None and not rule.span[0] <= item <= rule.span[1]:
                    low, high = span_text(rule.span)
                    say(
                        where,
                        _("field '{name}': expected {low}..{high}, got {item}").format(
                            name=spec.name, low=low, high=high, item=item
                        ),
                    )
                elif rule.not_blank and rule.refers and not item.strip():
                    say(
                        where,
                        _("field '{name}': expected {expected}, got {item}").format(
                            name=spec.name,
                            expected=_("an id from {section}").format(section=rule.refers),
                            item=repr(item),
                        ),
                    )
                elif rule.not_blank and not item.strip():
                    say(where, _("field '{name}' is empty").format(name=spec.name))
                elif rule.choices and item not in rule.choices:
                    hint = did_you_mean(item, rule.choices)
                    options = ", ".join(repr(c) for c in rule.choices)
                    say(
                        where,
                        _("field '{name}': {item} is not one of {options}{hint}").format(
                            name=spec.name, item=repr(item), options=options, hint=hint
                        ),
                    )
                elif rule.pattern and (item or spec.required) and not _match(rule.pattern, item):
                    say(
                        where,
                        _("field '{name}': expected {expected}, got {item}").format(
                            name=spec.name, expected=_(rule.expected), item=repr(item)
                        ),
                    )
        self._check_together(record, shape, where)

    def _check_together(self, record: Any, shape: _Shape, where: _Where) -> None:
        """The rules that tie two fields of a record together."""
        say = self.problem
        if "until" in shape.specs:
            since, until = record.since, record.until
            if since is not None and until is not None and since > until:
                say(
                    where,
                    _("'since' ({since}) is after 'until' ({until})").format(
                        since=since, until=until
                    ),
                )
        if "status_since" in shape.specs:
            _check_lifecycle(record, where, say)
        if "lat" in shape.specs and (record.lat is None) != (record.lng is None):
            say(where, _("'lat' and 'lng' go together: give both or neither"))
        if isinstance(record, Network):
            for index, person in enumerate(record.people):
                if not person.person.strip():
                    say(where.nested(f"people[{index}]"), _("missing required field 'person'"))
        elif isinstance(record, Partnership):
            if len(record.cities) != 2:
                say(
                    where,
                    _("field 'cities': expected exactly two city ids, got {n}").format(
                        n=len(record.cities)
                    ),
                )
            elif record.cities[0] == record.cities[1]:
                say(
                    where,
                    _("a city cannot be partnered with itself ({value})").format(
                        value=repr(record.cities[0])
                    ),
                )


def _check_lifecycle(record: Any, where: _Where, say: Callable[[_Where, str], None]) -> None:
    """A change of state needs the state it changed to, and follows the start."""
    if record.status_since is not None and not record.status:
        say(where, _("'status_since' needs a 'status' (active, suspended or ended)"))
    elif (
        record.status_since is not None
        and record.since is not None
        and record.status_since < record.since
    ):
        say(
            where,
            _("'status_since' ({value}) is before 'since' ({since})").format(
                value=record.status_since, since=record.since
            ),
        )


class _CrossCheck:
    """Checks between records: unique ids, references, duplicates, cycles."""

    def __init__(self, reader: _Reader, sections: dict[str, list[Any]]) -> None:
        self.reader = reader
        self.sections = sections
        self.ids: dict[str, set[str]] = {}
        self.suggestions: dict[str, Suggestions] = {}  # one per section, made when needed
        self._places: dict[int, tuple[str, int]] | None = None  # counted on the first problem

    def say(self, record: Any, message: str) -> None:
        where = self.reader.named.get(id(record))
        if where is None:
            section, index = self.places()[id(record)]
            where = _Where(section, index, record)
        self.reader.problem(where, message)

    def places(self) -> dict[int, tuple[str, int]]:
        """(section, position of its table) by id(record): the n-th record of a section
        stands at its n-th table that gave a record."""
        if self._places is None:
            self._places = {}
            for section, records in self.sections.items():
                dropped = set(self.reader.dropped.get(section, ()))
                tables = itertools.filterfalse(dropped.__contains__, itertools.count())
                for record, index in zip(records, tables, strict=False):  # count() is endless
                    self._places[id(record)] = (section, index)
        return self._places

    def run(self) -> None:
        self._unique("sources", "source")
        self._unique("themes", "theme")
        self._unique_entities()
        declared = self.reader.declared_ids
        known = {
            section: self.ids.get(section, set()) | declared.get(section, set())
            for section in SECTIONS
        }
        # References are tested a column at a time; only an unknown one sends the check
        # through each record, to say where it is.
        allowed = {section: ids | {""} for section, ids in known.items()}
        if not all(
            refer_only_to(records, SECTIONS[section], allowed)
            for section, records in self.sections.items()
        ):
            self._unknown_references(known)
        for network in self.sections["networks"]:
            if network.parent == network.id:
                self.say(network, _("field 'parent': a network cannot be its own parent"))
        self._parent_cycles()
        # Each relation stated once: the keys are made in C, walked only if one repeats.
        memberships = self.sections["memberships"]
        keys = list(map(_MEMBER_OF, memberships))
        if len(set(keys)) < len(keys):
            self._duplicate_memberships(keys)
        partnerships = self.sections["partnerships"]
        # A pair is its two cities in either order, and its kind.
        pairs = list(
            zip(map(frozenset, map(_CITIES, partnerships)), map(_KIND, partnerships), strict=True)
        )
        if len(set(pairs)) < len(pairs):
            self._duplicate_partnerships(pairs)

    def _unknown_references(self, known: dict[str, set[str]]) -> None:
        for records in self.sections.values():
            for record in records:
                for field, section, ref in references(record):
                    if ref not in known[section]:
                        if section not in self.suggestions:
                            self.suggestions[section] = Suggestions(known[section])
                        hint = did_you_mean(ref, self.suggestions[section])
                        what = _(_SINGULAR[section])
                        self.say(
                            record,
                            _("field '{field}': unknown {what} {ref}{hint}").format(
                                field=field, what=what, ref=repr(ref), hint=hint
                            ),
                        )

    def _duplicate_memberships(self, keys: list[tuple[str, str]]) -> None:
        seen: set[tuple[str, str]] = set()
        for membership, key in zip(self.sections["memberships"], keys, strict=True):
            if key in seen:
                self.say(
                    membership,
                    _("duplicate membership of {value} in {value2}").format(
                        value=repr(key[0]), value2=repr(key[1])
                    ),
                )
            seen.add(key)

    def _duplicate_partnerships(self, pairs: list[tuple[frozenset[str], str]]) -> None:
        seen: set[tuple[frozenset[str], str]] = set()
        for partnership, pair in zip(self.sections["partnerships"], pairs, strict=True):
            if pair in seen:
                cities_text = "–".join(map(repr, partnership.cities))
                self.say(
                    partnership,
                    _(
                        "the relation {cities_text} of kind {kind} is stated twice "
                        "(a pair is stored once per kind, in either order)"
                    ).format(cities_text=cities_text, kind=repr(partnership.kind)),
                )
            seen.add(pair)

    def _unique(self, section: str, what: str) -> None:
        ids = list(map(_BY_ID, self.sections[section]))
        self.ids[section] = set(ids)
        if len(self.ids[section]) == len(ids):
            return  # each id once: nothing to say
        seen: set[str] = set()
        for record in self.sections[section]:
            if record.id in seen:
                self.say(
                    record, _("duplicate {what} id {id}").format(what=_(what), id=repr(record.id))
                )
            seen.add(record.id)
        self.ids[section] = seen

    def _unique_entities(self) -> None:
        # Networks and cities share one namespace, so every id names one thing.
        networks = list(map(_BY_ID, self.sections["networks"]))
        cities = list(map(_BY_ID, self.sections["cities"]))
        self.ids["networks"], self.ids["cities"] = set(networks), set(cities)
        if len(self.ids["networks"] | self.ids["cities"]) == len(networks) + len(cities):
            return  # each id once: nothing to say
        seen: dict[str, str] = {}
        for section, what in (("networks", "network"), ("cities", "city")):
            ids: set[str] = set()
            for record in self.sections[section]:
                if record.id in seen:
                    self.say(
                        record,
                        _("duplicate id {id} (already used by a {value})").format(
                            id=repr(record.id), value=_(seen[record.id])
                        ),
                    )
                seen[record.id] = what
                ids.add(record.id)
            self.ids[section] = ids

    def _parent_cycles(self) -> None:
        parent_of = {n.id: n.parent for n in self.sections["networks"] if n.parent}
        reported: set[str] = set()
        for network in self.sections["networks"]:
            chain = [network.id]
            current = parent_of.get(network.id)
            while current and current not in chain and current in parent_of:
                chain.append(current)
                current = parent_of[current]
            if (
                current == network.id
                and network.parent != network.id
                and network.id not in reported
            ):
                reported.update(chain)
                self.say(
                    network,
                    "field 'parent': the parents form a cycle: " + " → ".join([*chain, network.id]),
                )


_MEMBER_OF = operator.attrgetter("city", "network")
_KIND = operator.attrgetter("kind")

_INVALID = object()
_SINGULAR = {section: t.__name__.lower() for section, t in SECTIONS.items()}
# The words for the kinds of record in messages, for the catalog (they are made above).
RECORD_WORDS = (
    N_("source"),
    N_("theme"),
    N_("network"),
    N_("city"),
    N_("membership"),
    N_("partnership"),
)


class _Where:
    """Which record a problem is in, e.g. "networks[3] (id 'c40')"; formatted only when
    there is a problem, since most records have none."""

    __slots__ = ("index", "inner", "name", "section")

    def __init__(self, section: str, index: int, table: Any, inner: str = "") -> None:
        self.section, self.index, self.inner = section, index, inner
        self.name = _record_name(section, table)

    def nested(self, label: str) -> _Where:
        """A table inside this record, such as "figures[0]"."""
        inner = _Where(self.section, self.index, None, f"{self.inner}: {label}")
        inner.name = self.name
        return inner

    def __str__(self) -> str:
        name = f" ({self.name})" if self.name else ""
        return f"{self.section}[{self.index}]{name}{self.inner}"


def _record_name(section: str, table: Any) -> str:
    """How a record (a TOML table, or the record made of it) names itself: its id,
    "city in network" or "city–city"."""
    if table is None:
        return ""
    get: Callable[[str], Any] = (
        table.get if isinstance(table, dict) else lambda key: getattr(table, key, None)
    )
    if isinstance(get("id"), str):
        return f"id {get('id')!r}"
    if section == "memberships" and isinstance(get("city"), str):
        return _("{city} in {network}").format(city=get("city"), network=get("network"))
    if section == "partnerships" and isinstance(get("cities"), list | tuple):
        return "–".join(map(str, get("cities")))
    return ""


# Tables converted at a time: large enough for C to do the work, small enough that a
# batch's tables, table structs and records together stay small.
_BATCH = 500


Columns = dict[str, tuple[Any, ...]]


def _columns(records: list[Any]) -> Columns:
    """The values of records of one type, field by field: each record's values taken in
    one call and turned into columns by zip, in C (an attribute fetched per value and
    field cost five times as much)."""
    rows = list(map(msgspec.structs.astuple, records))
    if not rows:
        return {}
    fields = type(records[0]).__struct_fields__
    return dict(zip(fields, zip(*rows, strict=True), strict=True))


def _all_clear(columns: Columns, shape: _Shape) -> bool:
    """Whether no record breaks a rule of one of its fields, tested a field at a time
    over the records' `columns` (mostly in C); the rules between fields are
    `_check_together`'s. False only means: look at each record."""
    if not columns:
        return True
    for spec in shape.ruled:
        values = columns[spec.name]
        rule = spec.rule
        if rule.not_empty and not all(values):
            return False
        items = tuple(itertools.chain.from_iterable(values)) if spec.many else values
        # None is a value only where a field may be left open (a year, coordinates); a
        # column left open throughout (most years are) is counted in C.
        given = items
        if spec.optional_value and None in items:
            open_ = items.count(None)
            given = () if open_ == len(items) else tuple(filter(_GIVEN, items))
        if rule.year:
            last = FUTURE_YEAR if rule.future else YEAR_RANGE[1]
            if given and not YEAR_RANGE[0] <= min(given) <= max(given) <= last:
                return False
        if rule.span and given and not rule.span[0] <= min(given) <= max(given) <= rule.span[1]:
            return False
        if rule.not_blank and not _none_blank(given):
            return False
        if rule.choices and not set(given) <= set(rule.choices):
            return False
        if rule.pattern:
            # Each value matched once: a country code repeats 11,000 times at the real size.
            checked = set(given) if spec.required else set(filter(None, given))
            if not all(map(re.compile(rule.pattern).fullmatch, checked)):
                return False
    for spec in shape.nested:
        inner = _columns(list(itertools.chain.from_iterable(columns[spec.name])))
        if not _all_clear(inner, _shape(spec.nested)):  # type: ignore[arg-type]
            return False
    return True


_GIVEN = functools.partial(operator.is_not, None)


def _none_blank(texts: Sequence[str]) -> bool:
    """Whether no text is empty or white space only (what strip() empties), tested
    without making the stripped copies."""
    return all(texts) and not any(map(str.isspace, texts))


def _together_clear(columns: Columns, shape: _Shape) -> bool:
    """Whether no record (nested ones included) breaks a rule that ties two of its
    fields together, tested over the records' `columns`: the rules of
    `_check_together`, which says where. False only means: look at each record."""
    if not columns:
        return True
    # A record is walked only where the column that can break a rule holds a value
    # (few records end or change state; an empty column is counted in C).
    if "until" in columns and _any_given(until := columns["until"]):
        for since, end in zip(columns["since"], until, strict=True):
            if since is not None and end is not None and since > end:
                return False
    if "status_since" in columns and _any_given(changed := columns["status_since"]):
        for status_since, status, since in zip(
            changed, columns["status"], columns["since"], strict=True
        ):
            if status_since is not None and (
                not status or (since is not None and status_since < since)
            ):
                return False
    if "lat" in columns:
        unset = functools.partial(operator.is_, None)
        if list(map(unset, columns["lat"])) != list(map(unset, columns["lng"])):
            return False
    if shape.type is Network:
        people = itertools.chain.from_iterable(columns["people"])
        if not _none_blank(list(map(_PERSON, people))):
            return False
    elif shape.type is Partnership:
        pairs = columns["cities"]
        if set(map(len, pairs)) - {2} or any(
            map(operator.eq, map(_FIRST, pairs), map(_SECOND, pairs))
        ):
            return False
    for spec in shape.nested:
        inner = _columns(list(itertools.chain.from_iterable(columns[spec.name])))
        if not _together_clear(inner, _shape(spec.nested)):  # type: ignore[arg-type]
            return False
    return True


def _any_given(values: tuple[Any, ...]) -> bool:
    return values.count(None) != len(values)


_FIRST = operator.itemgetter(0)
_SECOND = operator.itemgetter(1)
_PERSON = operator.attrgetter("person")
_CITIES = operator.attrgetter("cities")


def _reordered(tables: list[Any], records: list[Any]) -> set[int]:
    """The positions of the partnerships whose record puts the file's cities in the
    other order (compared a column at a time)."""
    first = operator.itemgetter(0)
    in_file = map(first, map(operator.itemgetter("cities"), tables))
    differ = map(operator.ne, in_file, map(first, map(_CITIES, records)))
    return set(itertools.compress(itertools.count(), differ))


def _convert(tables: list[Any], record_type: type) -> list[Any] | None:
    """The records of a section's tables, converted in C (msgspec) when every table has
    the right keys and types; None otherwise, and the tables are read one by one, which
    reports each problem where it is."""
    import msgspec

    try:
        tables_read = msgspec.convert(tables, list[_table_type(record_type)])  # type: ignore[misc]
    except msgspec.ValidationError:
        return None
    if _shape(record_type).nested:  # whose tables hold tables, converted too
        return msgspec.convert(tables_read, list[record_type], from_attributes=True)  # type: ignore[valid-type]
    # A flat record is its table's values, in the same order and checked: made in C, in
    # a third of the time a conversion by attribute takes.
    return list(itertools.starmap(record_type, map(msgspec.structs.astuple, tables_read)))


_TABLE_TYPES: dict[type, type] = {}


def _table_type(record_type: type) -> type:
    """A struct like `record_type` that reads TOML tables (the records themselves are
    stored as arrays) and refuses unknown keys; its nested records are such structs too."""
    import msgspec

    found = _TABLE_TYPES.get(record_type)
    if found is None:
        hints = typing.get_type_hints(record_type, include_extras=True)
        nested = {spec.name: spec.nested for spec in fields_of(record_type) if spec.nested}
        fields: list[tuple[str, Any, Any]] = []
        for info in msgspec.structs.fields(record_type):
            hint = hints[info.name]
            if info.name in nested:
                hint = tuple[_table_type(nested[info.name]), ...]  # type: ignore[misc]
            if info.required:
                fields.append((info.name, hint, msgspec.NODEFAULT))
            elif info.default_factory is not msgspec.NODEFAULT:
                fields.append(
                    (info.name, hint, msgspec.field(default_factory=info.default_factory))
                )
            else:
                fields.append((info.name, hint, info.default))
        found = _TABLE_TYPES[record_type] = msgspec.defstruct(
            f"{record_type.__name__}Table", fields, forbid_unknown_fields=True, gc=False
        )
    return found


class _Shape:
    """What a record type accepts, from its field descriptions, arranged for speed."""

    def __init__(self, record_type: type) -> None:
        specs = fields_of(record_type)
        self.type = record_type
        self.specs = {spec.name: spec for spec in specs}
        self.required = frozenset(spec.name for spec in specs if spec.required)
        self.accept = {spec.name: _ACCEPT.get((spec.value, spec.many)) for spec in specs}
        self.ruled = tuple(spec for spec in specs if _has_rule(spec))
        self.nested = tuple(spec for spec in specs if spec.nested)


def _has_rule(spec: FieldSpec) -> bool:
    rule = spec.rule
    return bool(
        rule.year or rule.span or rule.not_blank or rule.not_empty or rule.choices or rule.pattern
    )


_SHAPES: dict[type, _Shape] = {}


def _shape(record_type: type) -> _Shape:
    shape = _SHAPES.get(record_type)
    if shape is None:
        shape = _SHAPES[record_type] = _Shape(record_type)
    return shape


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _match(pattern: str, text: str) -> bool:
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        compiled = _PATTERNS[pattern] = re.compile(pattern)
    return compiled.fullmatch(text) is not None


def _scalar(spec: FieldSpec, raw: Any) -> Any:
    """A TOML value as the field's type, or _INVALID."""
    kind = spec.value
    if kind == "str":
        return raw if type(raw) is str else _INVALID
    if kind == "bool":
        return raw if type(raw) is bool else _INVALID
    if kind == "int":
        return raw if type(raw) is int else _INVALID
    if kind == "float":
        return float(raw) if type(raw) in (int, float) else _INVALID
    raise AssertionError(f"no reader for field type {kind}")  # a bug in the model


_EXPECTED = {
    "str": N_("a string"),
    "bool": N_("true or false"),
    "int": N_("a whole number"),
    "float": N_("a number"),
}
_EXPECTED_ITEMS = {
    "str": N_("an array of strings"),
    "bool": N_("an array of booleans"),
    "int": N_("an array of whole numbers"),
    "float": N_("an array of numbers"),
}


def _strings(raw: Any) -> Any:
    if type(raw) is list and all(type(item) is str for item in raw):
        return tuple(raw)
    return _INVALID


# Values that already have the right type, by (value type, list or not); anything
# else goes through _Reader._value, which converts or reports.
_ACCEPT: dict[tuple[str, bool], Callable[[Any], Any]] = {
    ("str", False): lambda raw: raw if type(raw) is str else _INVALID,
    ("bool", False): lambda raw: raw if type(raw) is bool else _INVALID,
    ("int", False): lambda raw: raw if type(raw) is int else _INVALID,
    ("str", True): _strings,
}


def _header_lines(text: str) -> dict[str, list[int]]:
    """Line numbers of each top-level `[[section]]` header, to point people at records."""
    lines: dict[str, list[int]] = {}
    line, position = 1, 0
    for match in _HEADER.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        lines.setdefault(match.group(1), []).append(line)
    return lines


_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*([A-Za-z_]+)[ \t]*\]\]", re.MULTILINE)
_INLINE_SECTION = re.compile(
    r"^[ \t]*(?:sources|themes|networks|cities|memberships|partnerships)[ \t]*=", re.MULTILINE
)


def _kind(value: Any) -> str:
    names = {
        str: N_("a string"),
        bool: N_("a boolean"),
        int: N_("a whole number"),
        float: N_("a number"),
        list: N_("an array"),
        dict: N_("a table"),
    }
    name = names.get(type(value))
    return _(name) if name else type(value).__name__


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


# --- writing ------------------------------------------------------------------


def to_document(dataset: Dataset) -> dict[str, Any]:
    """The dataset as a TOML document in canonical order; empty and default fields left out."""
    document: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    for section in SECTIONS:
        records = sorted(getattr(dataset, section), key=sort_key)
        if records:
            document[section] = [to_table(record) for record in records]
    return document


def dumps(dataset: Dataset) -> str:
    """The canonical text of a dataset: same data, same bytes."""
    import tomli_w  # only writing commands pay for it

    return tomli_w.dumps(to_document(dataset), multiline_strings=False)


def sort_key(record: Any) -> Any:
    """Where a record stands in its section of a file: by id, or by what it links."""
    return _SORT_KEYS.get(type(record), _BY_ID)(record)


def section_key(section: str) -> Callable[[Any], Any]:
    """`sort_key` for the records of one section."""
    return _SORT_KEYS.get(SECTIONS[section], _BY_ID)


# Made in C (attrgetter): a file's order is checked on every splice.
_BY_ID = operator.attrgetter("id")
_SORT_KEYS: dict[type, Callable[[Any], Any]] = {
    Membership: operator.attrgetter("city", "network"),
    Partnership: operator.attrgetter("cities", "kind"),
}


def to_table(record: Any) -> dict[str, Any]:
    """A record as a TOML table: fields in schema order, empty ones left out."""
    table: dict[str, Any] = {}
    for spec in fields_of(type(record)):
        value = getattr(record, spec.name)
        if value is None or value == "" or value == () or value is False:
            continue
        if spec.nested:
            value = [to_table(item) for item in value]
        elif spec.many:
            value = list(value)
        table[spec.name] = value
    # Sources close each record: what a record says comes first, where from last.
    if "sources" in table:
        table["sources"] = table.pop("sources")
    return table


# --- writing safely -------------------------------------------------------------


R = TypeVar("R")


def update(
    path: Path,
    change: Callable[[Dataset], Dataset],
    *,
    force: bool = False,
    dry_run: bool = False,
) -> tuple[bytes, bytes]:
    """Load, change, validate and write a data file under its lock; return its content
    (UTF-8, without a byte-order mark) before and after.

    A change to a few records is written by splicing their text into the file (see
    `citynet.splice`), everything else byte for byte; otherwise the whole file is
    rewritten, which refuses a file with comments (a rewrite would lose them) unless
    `force`, and then first keeps a backup beside the file. Refuses to write if the
    file changed on disk since it was read. Writes nothing when the text stays the
    same. The cache is updated with what was written, so the next command starts warm.
    """
    old, new, _result = update_with(
        path, lambda data: (change(data), None), force=force, dry_run=dry_run
    )
    return old, new


def update_with(
    path: Path,
    change: Callable[[Dataset], tuple[Dataset, R]],
    *,
    force: bool = False,
    dry_run: bool = False,
) -> tuple[bytes, bytes, R]:
    """`update` for a change that also says what it did (an import's report): returns
    (old content, new content, what the change returned beside the dataset)."""
    from .packed import forget_read

    path = write_target(path)  # through a symbolic link to its target, resolved once
    # A dry run writes nothing, not even a lock: it works in a read-only folder too. The
    # cycle collector is paused as for a read: an edit decodes, copies and packs tens of
    # thousands of objects in no cycle, which it would walk again and again for nothing.
    with contextlib.nullcontext() if dry_run else FileLock(path), _no_cycle_collection():
        try:
            return _update(path, change, force, dry_run)
        finally:
            # The records the edit decoded (11,000 cities at the real size), freed while
            # the collector still pauses: else its first pass after would walk them all.
            forget_read()


def _update(
    path: Path, change: Callable[[Dataset], tuple[Dataset, R]], force: bool, dry_run: bool
) -> tuple[bytes, bytes, R]:
    from . import cache
    from .completion import carry_over
    from .query import carry_search
    from .splice import splice

    # The file stays bytes: a splice copies what did not change without decoding it (a
    # cache miss decodes it to parse it, which also says where it is not UTF-8).
    on_disk = read_bytes(path)
    dataset = cache.load_content(path, on_disk)
    old = on_disk.removeprefix(_BOM)  # as a rewrite would write it: without a mark
    if not (force or dry_run):
        refuse_read_only(path)
    changed, result = change(dataset)
    # Only what changed is written where the file lines up with what was read (and
    # nothing of it, comments included, is lost); a rewrite of everything otherwise.
    spliced = None
    if changed is not dataset:
        # Where the tables break, remembered from the last write (checked before use).
        known = cache.recall(path, on_disk, _BREAKS, list[int])
        spliced = splice(old, dataset, changed, known)
    if spliced is not None:
        new, written, breaks = spliced
    else:
        old_text = decode(on_disk, str(path))
        new_text, written = _rewrite(path, old_text, changed, force)
        if new_text == old_text:
            new = old
        else:
            new = new_text.encode("utf-8")
            if not dry_run and comment_lines(old_text):
                write_backup(path, old_text)
    if dry_run or new == old:
        return old, new, result
    atomic_write_bytes(path, new, unchanged=on_disk)
    cache.remember(path, new, written)  # the next command starts warm
    if spliced is not None:
        cache.keep(path, new, _BREAKS, breaks)  # … and so does the next splice
    carry_over(path, on_disk, dataset, new, written)  # … and so does completion
    carry_search(path, on_disk, dataset, new, written)  # … and search
    return old, new, result


# The byte-order mark some editors put first: not part of the text (`files.decode`).
_BOM = "\ufeff".encode()
# Where the tables break, as byte offsets, remembered for a content.
_BREAKS = "byte-breaks"


def _rewrite(path: Path, old_text: str, changed: Dataset, force: bool) -> tuple[str, Dataset]:
    """The canonical text of a changed dataset, checked by reading it back; refused if
    the file has comments (a rewrite would lose them) unless `force`."""
    comments = comment_lines(old_text)
    if comments and not force:
        lines = ", ".join(map(str, comments[:10])) + (" …" if len(comments) > 10 else "")
        message = _(
            "has comments (line {lines}) that rewriting the file would lose; "
            "move them into 'note' fields, or use --force to write anyway "
            "(a backup is kept beside the file)"
        ).format(lines=lines)
        raise DataError([Problem(str(path), "", message)])
    new_text = dumps(changed)
    try:
        written = parse(new_text, str(path))
    except DataError as error:
        message = _("the change would make the data invalid; nothing was written:")
        raise DataError([Problem(str(path), "", message), *error.problems]) from None
    return new_text, written

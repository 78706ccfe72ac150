"""The schema of a data file, read once from the record types in `model`.

`fields_of(Network)` describes each field: its value type, whether it is
required, a list or nested records, and its `Rule` (which section it refers to,
its vocabulary, ...). Everything that walks records generically uses this and
nothing else: the loader's checks, references, renaming and cascades, the
options of `add`/`edit` and `citynet fields`.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Container, Iterator, Mapping, Sequence
from itertools import chain, compress
from operator import attrgetter, not_
from typing import Any

from msgspec import NODEFAULT, Struct
from msgspec.structs import fields, replace

from .model import INDEXED, INT_RANGE, SECTIONS, Dataset, Record, Rule

NO_RULE = Rule()
# Every whole number is bounded (beyond 64 bits the cache and SQLite cannot hold it) …
_WHOLE = Rule(span=INT_RANGE)
# … and a reference that must be there, or stands in a list, names something: "" does not.
_NAMES_SOMETHING = Rule(not_blank=True)


class FieldSpec(Struct, frozen=True):
    """One field of a record type, as the file format and the command line see it."""

    name: str
    value: str  # "str", "int", "float", "bool", or "record" for nested tables
    required: bool
    many: bool  # a list of values (a TOML array)
    optional_value: bool  # None is a value (a year or coordinate left open)
    nested: type | None  # the record type of nested tables
    rule: Rule
    default: Any
    size: int = 0  # a fixed number of items (a pair: 2); 0 for a list of any length

    @property
    def option(self) -> str:
        """The command-line option: `--founded-place`."""
        return "--" + self.name.replace("_", "-")

    @property
    def refers(self) -> str:
        return self.rule.refers

    @property
    def item_name(self) -> str:
        """What one value of a list field is called: `aliases` → `alias`, `themes` → `theme`."""
        name = self.name
        if name.endswith("ies"):
            return name[:-3] + "y"
        if name.endswith("ses"):
            return name[:-2]
        return name[:-1] if name.endswith("s") else name


_FIELDS: dict[type, tuple[FieldSpec, ...]] = {}


def fields_of(record_type: type) -> tuple[FieldSpec, ...]:
    """The fields of a record type, in file order."""
    described = _FIELDS.get(record_type)
    if described is None:
        hints = typing.get_type_hints(record_type, include_extras=True)
        described = _FIELDS[record_type] = tuple(
            _describe(info.name, hints[info.name], info.default, info.default_factory)
            for info in fields(record_type)
        )
    return described


def field_of(record_type: type, name: str) -> FieldSpec:
    return next(spec for spec in fields_of(record_type) if spec.name == name)


def _describe(name: str, hint: Any, default: Any, factory: Any) -> FieldSpec:
    rule, hint = _unwrap(hint)
    many = typing.get_origin(hint) is tuple
    size = 0
    if many:
        items = typing.get_args(hint)
        size = 0 if ... in items else len(items)
        item_rule, hint = _unwrap(items[0])
        rule = _merge(rule, item_rule)
    optional_value = False
    if isinstance(hint, types.UnionType):
        (hint,) = (arg for arg in typing.get_args(hint) if arg is not type(None))
        optional_value = True
    nested = hint if isinstance(hint, type) and issubclass(hint, Struct) else None
    value = "record" if nested else hint.__name__
    required = default is NODEFAULT and factory is NODEFAULT
    if value == "int" and not (rule.span or rule.year):
        rule = _merge(_WHOLE, rule)
    if rule.refers and (required or many):
        rule = _merge(_NAMES_SOMETHING, rule)
    return FieldSpec(name, value, required, many, optional_value, nested, rule, default, size)


def _unwrap(hint: Any) -> tuple[Rule, Any]:
    if typing.get_origin(hint) is typing.Annotated:
        rule = next((m for m in hint.__metadata__ if isinstance(m, Rule)), NO_RULE)
        return rule, hint.__origin__
    return NO_RULE, hint


def _merge(outer: Rule, inner: Rule) -> Rule:
    if inner is NO_RULE:
        return outer
    if outer is NO_RULE:
        return inner
    merged = Rule()
    for slot in Rule.__slots__:
        setattr(merged, slot, getattr(outer, slot) or getattr(inner, slot))
    return merged


def span_text(span: tuple[float, float]) -> tuple[str, str]:
    """The bounds of a number's range as people read them: "-90", "9223372036854775807"."""
    low, high = (f"{bound:g}" if isinstance(bound, float) else str(bound) for bound in span)
    return low, high


# --- record kinds -------------------------------------------------------------------

KINDS: dict[str, type[Record]] = {t.__name__.lower(): t for t in SECTIONS.values()}
SECTION_OF: dict[type, str] = {t: section for section, t in SECTIONS.items()}


def kind_of(record: object) -> str:
    return type(record).__name__.lower()


# --- references ---------------------------------------------------------------------


def references(record: Any, path: str = "") -> Iterator[tuple[str, str, str]]:
    """Every reference a record holds: (field path, section, id), nested tables included."""
    for spec in referring_fields(type(record)):
        value = getattr(record, spec.name)
        if not value:
            continue
        where = f"{path}{spec.name}"
        if spec.nested:
            for index, item in enumerate(value):
                yield from references(item, f"{where}[{index}].")
        else:
            for ref in value if spec.many else (value,):
                if ref:
                    yield where, spec.refers, ref


def refer_only_to(records: Sequence[Any], record_type: type, known: Mapping[str, set[str]]) -> bool:
    """Whether every reference that records of one type hold (nested tables included)
    is to one of `known` (section → ids, "" among them for no reference): what
    `references` finds, tested a field at a time over all the records (in C), without
    saying where."""
    for spec in referring_fields(record_type):
        values = map(attrgetter(spec.name), records)
        if spec.nested:
            items = list(chain.from_iterable(values))
            if items and not refer_only_to(items, spec.nested, known):
                return False
        elif not known[spec.refers].issuperset(
            chain.from_iterable(values) if spec.many else values
        ):
            return False
    return True


_REFERRING: dict[type, tuple[FieldSpec, ...]] = {}


def referring_fields(record_type: type) -> tuple[FieldSpec, ...]:
    """The fields of a record type that hold references or nested tables (which may):
    a city has one (its sources), so checking its references looks at one field."""
    found = _REFERRING.get(record_type)
    if found is None:
        specs = fields_of(record_type)
        found = _REFERRING[record_type] = tuple(s for s in specs if s.refers or s.nested)
    return found


def refers_to(record: Any, section: str, record_id: str) -> bool:
    return refers_to_any(record, {section: {record_id}})


def refers_to_any(record: Any, ids: Mapping[str, Container[str]]) -> bool:
    """Whether a record (nested tables included) refers to any of `ids` (section → ids).
    What `references` finds, without naming where: a removal asks it of every record."""
    for spec in referring_fields(type(record)):
        value = getattr(record, spec.name)
        if not value:
            continue
        if spec.nested:
            if any(refers_to_any(item, ids) for item in value):
                return True
            continue
        wanted = ids.get(spec.refers) if spec.refers else None
        if wanted is not None and any(map(wanted.__contains__, value if spec.many else (value,))):
            return True
    return False


def records_referring(dataset: Dataset, section: str, ids: Mapping[str, set[str]]) -> list[Any]:
    """The records of `section` that refer to any of `ids` (section → ids). A section
    still encoded answers from the index its cache entry keeps where every field that
    can refer to them is indexed (what refers to a city: memberships and partnerships),
    decoding only the records found; in file order."""
    record_type = SECTIONS[section]
    fields = {name for target in ids for name in _fields_reaching(record_type, target)}
    if not fields:
        return []
    held = dataset.section(section)
    if isinstance(held, tuple) or not fields <= set(INDEXED.get(section, ())):
        if not isinstance(held, tuple) and not held.mentions(set().union(*ids.values())):
            return []  # no record of the section holds any of the ids: none decoded
        return _scan(getattr(dataset, section), record_type, fields, ids)
    found: dict[int, Any] = {}
    for name in fields:
        index = dataset.referring(section, name)
        for key in set().union(*ids.values()):
            if key in index:
                found.update((id(record), record) for record in index[key])
    from .store import section_key

    return sorted(found.values(), key=section_key(section))


def _scan(
    records: Sequence[Any], record_type: type, fields: set[str], ids: Mapping[str, set[str]]
) -> list[Any]:
    """The records that refer to any of `ids` through `fields`: what `refers_to_any`
    says of each, found a field at a time over all the records (in C); only records
    with nested tables there are walked one by one. In the records' order."""
    hits: set[int] = set()
    for spec in referring_fields(record_type):
        if spec.name not in fields:
            continue
        values = map(attrgetter(spec.name), records)
        if spec.nested:  # the few records that have such tables
            found = [r for r in compress(records, values) if refers_to_any(r, ids)]
        else:
            wanted = {key for key in ids.get(spec.refers, ()) if key}  # "" names nothing
            if spec.many:
                named = map(not_, map(wanted.isdisjoint, values))
            else:
                named = map(wanted.__contains__, values)
            found = list(compress(records, named))
        hits.update(map(id, found))
    return [record for record in records if id(record) in hits] if hits else []


def _fields_reaching(record_type: type, target: str) -> set[str]:
    """The fields through which a record type can refer to `target` (a nested table's
    references count as the field that holds it)."""
    return {
        spec.name
        for spec in referring_fields(record_type)
        if spec.refers == target or (spec.nested and _fields_reaching(spec.nested, target))
    }


def rename_references(record: Any, section: str, old_id: str, new_id: str) -> Any:
    """The record with every reference to `old_id` in `section` pointing at `new_id`."""
    return _rewrite(record, section, old_id, lambda _spec: new_id)


def drop_references(record: Any, section: str, record_id: str) -> Any | None:
    """The record without its references to `record_id`: optional ones are cleared or
    taken out of their list; None if a required one held it (the record needs it)."""

    def without(spec: FieldSpec) -> str | None:
        if spec.required:
            raise _Needed
        return None

    try:
        return _rewrite(record, section, record_id, without)
    except _Needed:
        return None


class _Needed(Exception):
    pass


def _rewrite(record: Any, section: str, old_id: str, new: Any) -> Any:
    """`record` with each reference to `old_id` replaced by `new(spec)` (None: removed)."""
    changes: dict[str, Any] = {}
    for spec in fields_of(type(record)):
        value = getattr(record, spec.name)
        if spec.nested:
            items = [_rewrite_nested(item, section, old_id, new) for item in value]
            if any(a is not b for a, b in zip(items, value, strict=True)):
                changes[spec.name] = tuple(item for item in items if item is not None)
        elif spec.refers == section:
            if spec.many and old_id in value:
                replacement = new(spec)
                changes[spec.name] = tuple(
                    v for v in (replacement if v == old_id else v for v in value) if v is not None
                )
            elif not spec.many and value == old_id:
                replacement = new(spec)
                changes[spec.name] = spec.default if replacement is None else replacement
    return replace(record, **changes) if changes else record


def _rewrite_nested(record: Any, section: str, old_id: str, new: Any) -> Any | None:
    # A nested table that needs the dropped record goes; the record holding it stays.
    try:
        return _rewrite(record, section, old_id, new)
    except _Needed:
        return None

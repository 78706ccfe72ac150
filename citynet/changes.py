"""Changes to a dataset as pure functions: add, edit and remove records.

Which fields refer to which records comes from the one schema description
(`citynet.schema`), so renaming and cascading follow every reference there is.
Nothing here touches a file: `store.update` loads, applies one of these,
validates and writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from msgspec.structs import replace

from . import i18n
from .arguments import Words, build, coerce
from .errors import NotFoundError, UsageError
from .i18n import _
from .model import City, Dataset, Membership, Network, Partnership, Record, Source
from .names import KIND, RECORD_KIND, THEME, did_you_mean, lookup, vocabulary_of
from .schema import (
    KINDS,
    SECTION_OF,
    FieldSpec,
    drop_references,
    kind_of,
    records_referring,
    rename_references,
)

# Sections whose records people name, so a reference to them may be a name.
_NAMED: dict[str, type[Network] | type[City] | type[Source]] = {
    "networks": Network,
    "cities": City,
    "sources": Source,
}


def record_type(kind: str) -> type[Record]:
    """The record type of a kind as commands name it ("network", "Stadt" is not one)."""
    return KINDS[lookup(None, kind, RECORD_KIND)]


def new_record(dataset: Dataset, record_type: type, values: dict[str, list[str]]) -> Any:
    """A record from option values, each word taken as the filters take it (`words`)."""
    record = build(record_type, values, words=words(dataset))
    if isinstance(record, Partnership) and len(record.cities) != 2:
        message = i18n._("--cities: expected exactly two city ids, got {n}")
        raise UsageError(message.format(n=len(record.cities)))
    return record


def words(dataset: Dataset) -> Words:
    """How option values are read: a network, city or source by any of its names, a
    theme, scope, kind or measure in German or English, a country by code or name
    (`--country Deutschland` → DE); several places of one name are never guessed."""
    return partial(_value, dataset)


def _value(dataset: Dataset, spec: FieldSpec, raw: str) -> str:
    if not raw:  # an empty value clears a field
        return raw
    named = _NAMED.get(spec.refers)
    if named is not None:
        return lookup(dataset, raw, named, guess=False).id
    vocabulary = vocabulary_of(spec.rule)
    return raw if vocabulary is None else lookup(dataset, raw, vocabulary)


# --- finding records -----------------------------------------------------------


def record_key(record: Any) -> str:
    """How a record is named on the command line: its id, `city:network`, or `a:b:kind`."""
    if isinstance(record, Membership):
        return f"{record.city}:{record.network}"
    if isinstance(record, Partnership):
        return ":".join((*record.cities, record.kind))
    return str(record.id)


def find(dataset: Dataset, kind: str, key: str) -> Any:
    """The record of `kind` that `key` names; names and aliases work for networks and cities."""
    kind_type = record_type(kind)
    if kind_type is Network or kind_type is City or kind_type is Source:
        return lookup(dataset, key, kind_type, guess=False)
    if kind_type is Membership:
        city, _, network = key.partition(":")
        city_id = lookup(dataset, city, City, guess=False).id
        network_id = lookup(dataset, network, Network, guess=False).id
        for m in dataset.memberships_by_city.get(city_id, ()):
            if m.network == network_id:
                return m
        raise NotFoundError(
            i18n._("{city_id} is not a member of {network_id}").format(
                city_id=repr(city_id), network_id=repr(network_id)
            )
        )
    if kind_type is Partnership:
        parts = key.split(":")
        if len(parts) not in (2, 3):
            raise UsageError(
                i18n._("a partnership is named CITY:CITY or CITY:CITY:KIND, got {key}").format(
                    key=repr(key)
                )
            )
        a, b = (lookup(dataset, p, City, guess=False).id for p in parts[:2])
        kind_id = lookup(dataset, parts[2], KIND) if len(parts) == 3 else ""
        found = [
            p
            for p in dataset.partnerships_of(a)
            if p.other(a) == b and (not kind_id or p.kind == kind_id)
        ]
        if len(found) == 1:
            return found[0]
        if not found:
            message = (
                i18n._("no partnership between {a} and {b} of kind {kind}")
                if len(parts) == 3
                else i18n._("no partnership between {a} and {b}")
            )
            raise NotFoundError(message.format(a=repr(a), b=repr(b), kind=repr(parts[-1])))
        kinds = ", ".join(f"{a}:{b}:{p.kind}" for p in found)
        raise NotFoundError(
            i18n._("{a} and {b} have several relations; name one: {kinds}").format(
                a=repr(a), b=repr(b), kinds=kinds
            )
        )
    theme_id = lookup(dataset, key, THEME)  # the one section left: themes
    return next(t for t in dataset.themes if t.id == theme_id)


# --- changes -------------------------------------------------------------------


def _with(dataset: Dataset, section: str, records: Sequence[Any]) -> Dataset:
    return dataset.replace(**{section: tuple(records)})


def add(dataset: Dataset, record: Any) -> Dataset:
    """The dataset with `record` added; UsageError if a record with its key exists."""
    section = SECTION_OF[type(record)]
    if _stated(dataset, record):
        raise UsageError(
            i18n._("a {value} {key} exists already; use `citynet edit`").format(
                value=kind_of(record), key=repr(record_key(record))
            )
        )
    if isinstance(record, Network | City) and (
        record.id in dataset.network_by_id or record.id in dataset.city_by_id
    ):
        raise UsageError(
            i18n._("the id {id} is taken by another network or city").format(id=repr(record.id))
        )
    return _with(dataset, section, [*getattr(dataset, section), record])


def _stated(dataset: Dataset, record: Any) -> bool:
    """Whether a record of the same key (`record_key`) is in the dataset: asked of the
    ids, or of the records that name its city (the entry's index), not of every record."""
    if isinstance(record, Membership):
        candidates: Sequence[Any] = dataset.memberships_by_city.get(record.city, ())
    elif isinstance(record, Partnership):
        candidates = dataset.partnerships_of(record.cities[0])
    else:
        return record.id in dataset.ids(SECTION_OF[type(record)])
    key = record_key(record)
    return any(record_key(r) == key for r in candidates)


def edit(
    dataset: Dataset,
    old: Any,
    values: dict[str, list[str]],
    lists: Sequence[tuple[str, str, str]] = (),
) -> tuple[Dataset, Any]:
    """The dataset with fields of `old` replaced, and its list fields changed as `lists`
    says ((verb, field, value), see `arguments.parse_edit`); returns the new record too."""
    read = words(dataset)
    fields = coerce(type(old), values, read)
    replaced: set[str] = set()
    for verb, name, raw in lists:
        item = coerce(type(old), {name: [raw]}, read)[name][0]
        current = list(fields.get(name, getattr(old, name)))
        if verb == "set":
            current = [*current, item] if name in replaced else [item]
            replaced.add(name)
        elif verb == "add" and item not in current:
            current.append(item)
        elif verb == "add":
            raise UsageError(_("{field} already has {value}").format(field=name, value=repr(raw)))
        elif item in current:
            current.remove(item)
        else:
            hint = did_you_mean(raw, [str(v) for v in current])
            message = _("{field} has no {value}{hint}; it has: {values}")
            listed = ", ".join(map(str, current)) or "–"
            raise UsageError(message.format(field=name, value=repr(raw), hint=hint, values=listed))
        fields[name] = tuple(current)
    new = replace(old, **fields)
    section = SECTION_OF[type(old)]
    records = [new if r is old else r for r in getattr(dataset, section)]
    changed = _with(dataset, section, records)
    old_id = getattr(old, "id", None)
    if old_id is not None and new.id != old_id:
        changed = replace_references(changed, section, old_id, new.id)
    return changed, new


def replace_references(dataset: Dataset, section: str, old_id: str, new_id: str) -> Dataset:
    """Every reference to `old_id` in `section` pointed at `new_id`, in every record;
    only the records that refer to it are rewritten (and their sections read)."""
    ids = {section: {old_id}}
    sections: dict[str, Any] = {}
    for other in SECTION_OF.values():
        referring = records_referring(dataset, other, ids)
        if referring:
            renamed = {id(r): rename_references(r, section, old_id, new_id) for r in referring}
            sections[other] = tuple(renamed.get(id(r), r) for r in getattr(dataset, other))
    return dataset.replace(**sections) if sections else dataset


def _map_records(dataset: Dataset, change: Any) -> Dataset:
    """The dataset with `change` applied to every record (None drops the record)."""
    sections: dict[str, Any] = {}
    for section in SECTION_OF.values():
        records = getattr(dataset, section)
        changed = [change(r) for r in records]
        if any(a is not b for a, b in zip(changed, records, strict=True)):
            sections[section] = tuple(r for r in changed if r is not None)
    return dataset.replace(**sections) if sections else dataset


def references(dataset: Dataset, record: Any) -> list[Any]:
    """The records that refer to `record` (a network, city, source or theme)."""
    rid = getattr(record, "id", None)
    if rid is None:
        return []
    ids = {SECTION_OF[type(record)]: {rid}}
    return [
        other
        for other_section in SECTION_OF.values()
        for other in records_referring(dataset, other_section, ids)
        if other is not record
    ]


def remove(dataset: Dataset, record: Any, cascade: bool = False) -> tuple[Dataset, list[Any]]:
    """The dataset without `record`; with `cascade`, also without the records that need
    it (memberships, partnerships), and with optional references to it cleared.

    Without `cascade`, a record that others refer to is refused, listing them.
    """
    referring = references(dataset, record)
    if referring and not cascade:
        listed = "\n".join(f"  {kind_of(r)} {record_key(r)}" for r in referring[:20])
        more = f"\n  … and {len(referring) - 20} more" if len(referring) > 20 else ""
        raise UsageError(
            i18n._(
                "{value} is referred to by {n} record(s); remove them first or use "
                "--cascade:\n{listed}{more}"
            ).format(value=repr(record_key(record)), n=len(referring), listed=listed, more=more)
        )
    if referring and not isinstance(record, Network | City):
        raise UsageError(
            i18n._(
                "{value} is still in use; --cascade removes only what depends on a network or city"
            ).format(value=repr(record_key(record)))
        )
    section = SECTION_OF[type(record)]
    if not referring:
        return _with(dataset, section, [r for r in getattr(dataset, section) if r is not record]), [
            record
        ]
    removed = [record]

    def without(other: Any) -> Any:
        if other is record:
            return None
        kept = drop_references(other, section, record.id)
        if kept is None:
            removed.append(other)
        return kept

    return _map_records(dataset, without), removed

"""Changes to a dataset as pure functions: add, edit and remove records.

Records are built from `--field value` options generically, from the field
definitions in `model`, so every field of the file format can be set from the
command line and a new field needs no new option code. Nothing here touches a
file: `store.update` loads, applies one of these, validates and writes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from .errors import NotFoundError, UsageError, did_you_mean
from .model import SECTIONS, City, Dataset, Membership, Network, Partnership, Source, Theme
from .names import resolve
from .store import NESTED

KINDS: dict[str, type] = {
    "network": Network,
    "city": City,
    "membership": Membership,
    "partnership": Partnership,
    "source": Source,
    "theme": Theme,
}
SECTION_OF = {record_type: section for section, record_type in SECTIONS.items()}


def record_type(kind: str) -> type:
    try:
        return KINDS[kind]
    except KeyError:
        raise UsageError(f"unknown kind of record {kind!r}; kinds: {', '.join(KINDS)}") from None


# --- options → field values ----------------------------------------------------


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("ses"):
        return name[:-2]
    return name[:-1] if name.endswith("s") else name


def option_names(kind_type: type) -> dict[str, str]:
    """Option spelling → field name: `--founded-place`, and `--theme` for `themes`."""
    names: dict[str, str] = {}
    for spec in dataclasses.fields(kind_type):
        option = spec.name.replace("_", "-")
        names[option] = spec.name
        if str(spec.type).startswith("tuple"):
            names.setdefault(_singular(option), spec.name)
    return names


def parse_options(kind_type: type, args: Sequence[str]) -> dict[str, list[str]]:
    """`["--name", "X", "--theme", "a", "--theme=b"]` → `{"name": ["X"], "themes": ["a", "b"]}`."""
    known = option_names(kind_type)
    flags = {f.name for f in dataclasses.fields(kind_type) if str(f.type) == "bool"}
    values: dict[str, list[str]] = {}
    tokens = list(args)
    while tokens:
        token = tokens.pop(0)
        if not token.startswith("--") or token == "--":
            raise UsageError(f"unexpected argument {token!r}; fields are given as --field value")
        option, _, inline = token[2:].partition("=")
        field = known.get(option)
        if field is None:
            hint = did_you_mean(option, known, show=lambda name: f"--{name}")
            raise UsageError(
                f"unknown field --{option}{hint}; fields of {kind_type.__name__.lower()}: "
                + ", ".join(f"--{o}" for o in known)
            )
        if field in flags and not inline:
            values.setdefault(field, []).append("true")
            continue
        if not inline:
            if not tokens:
                raise UsageError(f"--{option} needs a value")
            inline = tokens.pop(0)
        values.setdefault(field, []).append(inline)
    return values


def coerce(kind_type: type, values: dict[str, list[str]]) -> dict[str, Any]:
    """Field values of the right Python types, from the strings of the command line."""
    types = {f.name: str(f.type) for f in dataclasses.fields(kind_type)}
    result: dict[str, Any] = {}
    for field, raw in values.items():
        type_name = types[field]
        if type_name.startswith("tuple"):
            if field in NESTED:
                result[field] = tuple(_nested(NESTED[field], field, item) for item in raw)
            else:
                result[field] = tuple(raw)
            continue
        if len(raw) > 1:
            raise UsageError(
                f"--{field.replace('_', '-')} given {len(raw)} times; it takes one value"
            )
        result[field] = _scalar(field, type_name, raw[0])
    return result


def _scalar(field: str, type_name: str, raw: str) -> Any:
    option = f"--{field.replace('_', '-')}"
    if type_name in ("int", "int | None"):
        if raw == "" and type_name == "int | None":
            return None
        try:
            return int(raw)
        except ValueError:
            raise UsageError(f"{option}: expected a whole number, got {raw!r}") from None
    if type_name == "float | None":
        if raw == "":
            return None
        try:
            return float(raw)
        except ValueError:
            raise UsageError(f"{option}: expected a number, got {raw!r}") from None
    if type_name == "bool":
        if raw.lower() in ("true", "yes", "1", "ja"):
            return True
        if raw.lower() in ("false", "no", "0", "nein", ""):
            return False
        raise UsageError(f"{option}: expected true or false, got {raw!r}")
    return raw


def _nested(kind_type: type, field: str, raw: str) -> Any:
    """A nested record from `key=value; key=value`, e.g. a figure or a role."""
    values: dict[str, list[str]] = {}
    for part in raw.split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep:
            raise UsageError(
                f"--{_singular(field)}: expected key=value pairs separated by ';', got {part!r}"
            )
        values.setdefault(key.strip().replace("-", "_"), []).append(value.strip())
    known = {f.name for f in dataclasses.fields(kind_type)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise UsageError(
            f"--{_singular(field)}: unknown key(s) {', '.join(unknown)}; keys: {', '.join(known)}"
        )
    return build(kind_type, values, what=f"--{_singular(field)}")


def required_fields(kind_type: type) -> list[str]:
    return [
        f.name
        for f in dataclasses.fields(kind_type)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]


def build(kind_type: type, values: dict[str, list[str]], what: str = "") -> Any:
    """A new record from option values; UsageError naming every missing required field."""
    missing = [f for f in required_fields(kind_type) if f not in values]
    if missing:
        label = what or kind_type.__name__.lower()
        raise UsageError(
            f"{label}: missing " + ", ".join(f"--{m.replace('_', '-')}" for m in missing)
        )
    return kind_type(**coerce(kind_type, values))


# --- finding records -----------------------------------------------------------


def record_key(record: Any) -> str:
    """How a record is named on the command line: its id, `city:network`, or `a:b:kind`."""
    if isinstance(record, Membership):
        return f"{record.city}:{record.network}"
    if isinstance(record, Partnership):
        return f"{record.cities[0]}:{record.cities[1]}:{record.kind}"
    return str(record.id)


def find(dataset: Dataset, kind: str, key: str) -> Any:
    """The record of `kind` that `key` names; names and aliases work for networks and cities."""
    kind_type = record_type(kind)
    if kind_type in (Network, City):
        return resolve(dataset, key, kind_type)
    if kind_type is Membership:
        city, _, network = key.partition(":")
        city_id = resolve(dataset, city, City).id
        network_id = resolve(dataset, network, Network).id
        for m in dataset.memberships:
            if (m.city, m.network) == (city_id, network_id):
                return m
        raise NotFoundError(f"{city_id!r} is not a member of {network_id!r}")
    if kind_type is Partnership:
        parts = key.split(":")
        if len(parts) not in (2, 3):
            raise UsageError(f"a partnership is named CITY:CITY or CITY:CITY:KIND, got {key!r}")
        a, b = (resolve(dataset, p, City).id for p in parts[:2])
        found = [
            p
            for p in dataset.partnerships
            if set(p.cities) == {a, b} and (len(parts) == 2 or p.kind == parts[2])
        ]
        if len(found) == 1:
            return found[0]
        if not found:
            raise NotFoundError(
                f"no partnership between {a!r} and {b!r}"
                + (f" of kind {parts[2]!r}" if len(parts) == 3 else "")
            )
        kinds = ", ".join(f"{a}:{b}:{p.kind}" for p in found)
        raise NotFoundError(f"{a!r} and {b!r} have several relations; name one: {kinds}")
    for record in getattr(dataset, SECTION_OF[kind_type]):
        if record.id == key:
            return record
    raise NotFoundError(f"no {kind} with id {key!r}")


# --- changes -------------------------------------------------------------------


def _with(dataset: Dataset, section: str, records: Sequence[Any]) -> Dataset:
    changes: dict[str, Any] = {section: tuple(records)}
    return dataclasses.replace(dataset, **changes)


def add(dataset: Dataset, record: Any) -> Dataset:
    """The dataset with `record` added; UsageError if a record with its key exists."""
    section = SECTION_OF[type(record)]
    key = record_key(record)
    if any(record_key(r) == key for r in getattr(dataset, section)):
        raise UsageError(
            f"a {type(record).__name__.lower()} {key!r} exists already; use `citynet edit`"
        )
    if isinstance(record, Network | City) and (
        record.id in dataset.network_by_id or record.id in dataset.city_by_id
    ):
        raise UsageError(f"the id {record.id!r} is taken by another network or city")
    return _with(dataset, section, [*getattr(dataset, section), record])


def edit(dataset: Dataset, old: Any, values: dict[str, list[str]]) -> tuple[Dataset, Any]:
    """The dataset with fields of `old` replaced; returns the new record too."""
    new = dataclasses.replace(old, **coerce(type(old), values))
    section = SECTION_OF[type(old)]
    records = [new if r is old else r for r in getattr(dataset, section)]
    changed = _with(dataset, section, records)
    if isinstance(old, Network | City) and new.id != old.id:
        changed = _rename(changed, old.id, new.id)
    return changed, new


def _rename(dataset: Dataset, old_id: str, new_id: str) -> Dataset:
    """Every reference to `old_id` pointed at `new_id`, so a rename keeps the data whole."""

    def swap(value: str) -> str:
        return new_id if value == old_id else value

    return dataclasses.replace(
        dataset,
        networks=tuple(
            dataclasses.replace(
                n,
                parent=swap(n.parent),
                related=tuple(map(swap, n.related)),
                people=tuple(dataclasses.replace(p, city=swap(p.city)) for p in n.people),
            )
            for n in dataset.networks
        ),
        memberships=tuple(
            dataclasses.replace(m, city=swap(m.city), network=swap(m.network))
            for m in dataset.memberships
        ),
        partnerships=tuple(
            dataclasses.replace(p, cities=(swap(p.cities[0]), swap(p.cities[1])))
            for p in dataset.partnerships
        ),
    )


def references(dataset: Dataset, record: Any) -> list[Any]:
    """The records that refer to a network or city (or source or theme)."""
    rid = getattr(record, "id", None)
    if rid is None:
        return []
    found: list[Any] = []
    for n in dataset.networks:
        if n is not record and (
            n.parent == rid
            or rid in n.related
            or rid in n.themes
            or rid in n.sources
            or any(p.city == rid or p.source == rid for p in n.people)
            or any(f.source == rid for f in n.figures)
            or any(b.source == rid for b in n.bodies)
            or any(note.source == rid for note in n.notes)
        ):
            found.append(n)
    found += [c for c in dataset.cities if rid in c.sources]
    found += [
        m
        for m in dataset.memberships
        if rid in (m.city, m.network) or rid in m.sources or any(r.source == rid for r in m.roles)
    ]
    found += [p for p in dataset.partnerships if rid in p.cities or rid in p.sources]
    return found


def remove(dataset: Dataset, record: Any, cascade: bool = False) -> tuple[Dataset, list[Any]]:
    """The dataset without `record`; with `cascade`, without the memberships and
    partnerships that need it, and with parent/related links to it dropped.

    Without `cascade`, a record that others refer to is refused, listing them.
    """
    referring = references(dataset, record)
    if referring and not cascade:
        listed = "\n".join(f"  {type(r).__name__.lower()} {record_key(r)}" for r in referring[:20])
        more = f"\n  … and {len(referring) - 20} more" if len(referring) > 20 else ""
        raise UsageError(
            f"{record_key(record)!r} is referred to by {len(referring)} record(s); "
            f"remove them first or use --cascade:\n{listed}{more}"
        )
    if referring and not isinstance(record, Network | City):
        raise UsageError(
            f"{record_key(record)!r} is still in use; --cascade removes only "
            "what depends on a network or city"
        )
    section = SECTION_OF[type(record)]
    changed = _with(dataset, section, [r for r in getattr(dataset, section) if r is not record])
    if not cascade or not isinstance(record, Network | City):
        return changed, [record]
    rid = record.id
    removed = [record, *(r for r in referring if isinstance(r, Membership | Partnership))]
    changed = dataclasses.replace(
        changed,
        memberships=tuple(m for m in changed.memberships if rid not in (m.city, m.network)),
        partnerships=tuple(p for p in changed.partnerships if rid not in p.cities),
        networks=tuple(
            dataclasses.replace(
                n,
                parent="" if n.parent == rid else n.parent,
                related=tuple(r for r in n.related if r != rid),
                people=tuple(
                    dataclasses.replace(p, city="") if p.city == rid else p for p in n.people
                ),
            )
            for n in changed.networks
        ),
    )
    return changed, removed


# --- for `citynet merge` (issue 10): one door to moving references ------------------


def replace_references(dataset: Dataset, section: str, old_id: str, new_id: str) -> Dataset:
    """Every reference to the record `old_id` of `section` pointed at `new_id`.

    A thin wrapper of the rename logic; networks and cities share one id space, so
    `section` ("cities" or "networks") does not change what is replaced today.
    """
    del section
    return _rename(dataset, old_id, new_id)

"""Bring the generated parts of the docs up to date with the schema in citynet/model.py.

    python scripts/make_docs.py            # rewrite what is stale
    python scripts/make_docs.py --check    # only say what is stale (exit status 1)

A generated part lies between `<!-- generated: NAME -->` and `<!-- end: NAME -->`:
README.md's tables of the commands' JSON (`commands`, from the published schemas) and
of the contract's objects (`contract`), and the field reference of docs/schema.md
(`fields`). tests/test_docs.py fails when they are not current.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from citynet.contract import field_docs, objects_schema, reading_order
from citynet.model import SECTIONS
from citynet.schema import FieldSpec

REPOSITORY = Path(__file__).resolve().parents[1]
NOTICE = "<!-- made by scripts/make_docs.py from the schema: do not edit by hand -->"


def contract_table() -> str:
    """Every object of the JSON contract and the keys it always has."""
    lines = ["| object | keys always present |", "| --- | --- |"]
    for name, schema in objects_schema()["$defs"].items():
        keys = ", ".join(f"`{key}`" for key in schema["required"])
        lines.append(f"| `{name}` | {keys} |")
    return "\n".join(lines)


def command_table() -> str:
    """Which command prints which objects, under which published schema."""
    from citynet.schemas import NAMES, load

    def named(ref: dict[str, Any]) -> str:
        return f"`{ref['$ref'].rsplit('/', 1)[1]}`"

    lines = ["| command | prints | schema |", "| --- | --- | --- |"]
    for name in NAMES:
        schema = load(name)
        title = schema["title"].removeprefix("citynet ").split(":")[0]
        commands = ", ".join(f"`{c}`" for c in title.split(", citynet "))
        if "oneOf" in schema:
            prints = "one " + " or ".join(named(ref) for ref in schema["oneOf"])
        elif schema.get("type") == "array":
            prints = "array of " + named(schema["items"])
        else:
            prints = "one " + named(schema)
        lines.append(f"| {commands} | {prints} | `{name}` |")
    return "\n".join(lines)


def _value(spec: FieldSpec) -> str:
    """What a field takes, in a few words."""
    rule = spec.rule
    if spec.nested:
        return f"tables: {spec.nested.__name__}"
    if rule.choices:
        one = " \\| ".join(f"`{c}`" for c in rule.choices if c)
        word = f"one of {one}" + ("" if spec.required else " or empty")
    elif rule.refers:
        word = f"id of a {SECTIONS[rule.refers].__name__.lower()}"
    elif rule.year:
        word = "year, 1800 to 2100" if rule.future else "year, 1800 to this year"
    elif rule.pattern:
        word = f"text: {rule.expected}" if rule.expected else f"text `{rule.pattern}`"
    elif rule.span:
        word = f"number, {rule.span[0]:g} to {rule.span[1]:g}"
    else:
        word = {"str": "text", "int": "integer", "float": "number", "bool": "true or false"}[
            spec.value
        ]
    if spec.size:
        return f"{spec.size} × {word}"
    if spec.many:
        return f"list: {word}" + (", at least one" if rule.not_empty else "")
    return word


def field_reference() -> str:
    """A table per kind of record: each field, whether required, what it takes and holds."""
    places: dict[type, list[str]] = {}
    order: list[type] = []

    def visit(record_type: type, path: str) -> None:
        if record_type not in places:
            order.append(record_type)
        places.setdefault(record_type, []).append(f"`[[{path}]]`")
        for spec in reading_order(record_type):
            if spec.nested:
                visit(spec.nested, f"{path}.{spec.name}")

    for section, record_type in SECTIONS.items():
        visit(record_type, section)
    parts = []
    for record_type in order:
        doc = (record_type.__doc__ or "").strip().split("\n")[0]
        rows = ["| field | | takes | holds |", "| --- | --- | --- | --- |"]
        for spec in reading_order(record_type):
            need = "required" if spec.required else ""
            text = field_docs(record_type).get(spec.name, "").replace("|", "\\|")
            rows.append(f"| `{spec.name}` | {need} | {_value(spec)} | {text} |")
        heading = f"### {record_type.__name__}: {', '.join(places[record_type])}"
        parts.append(f"{heading}\n\n{doc}\n\n" + "\n".join(rows))
    return "\n\n".join(parts)


REGIONS: dict[str, tuple[str, Callable[[], str]]] = {
    "commands": ("README.md", command_table),
    "contract": ("README.md", contract_table),
    "fields": ("docs/schema.md", field_reference),
}


def updated(text: str, name: str, content: str) -> str:
    """`text` with the generated part `name` replaced by `content`."""
    pattern = re.compile(
        rf"(<!-- generated: {name} -->\n).*?(<!-- end: {name} -->)", flags=re.DOTALL
    )
    if not pattern.search(text):
        raise SystemExit(f"no generated part {name!r} (<!-- generated: {name} -->)")
    return pattern.sub(lambda m: f"{m[1]}{NOTICE}\n\n{content}\n\n{m[2]}", text, count=1)


def stale() -> dict[Path, str]:
    """The files whose generated parts are not current, with their current text."""
    texts: dict[Path, Any] = {}
    for name, (file, make) in REGIONS.items():
        path = REPOSITORY / file
        text = texts.get(path) or path.read_text(encoding="utf-8")
        texts[path] = updated(text, name, make())
    return {p: t for p, t in texts.items() if p.read_text(encoding="utf-8") != t}


def main(args: list[str]) -> int:
    changed = stale()
    for path, text in changed.items():
        name = path.relative_to(REPOSITORY)
        if "--check" in args:
            print(f"{name}: not current; run python scripts/make_docs.py", file=sys.stderr)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"{name}: brought up to date")
    return 1 if changed and "--check" in args else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

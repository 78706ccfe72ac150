"""The JSON Schemas (draft 2020-12) of citynet's output, shipped as files beside this one.

The objects schema describes each object of the JSON contract once; the schema of
a command's output refers to it. It is made by `citynet.contract` from the schema
in `citynet.model`, with the objects computed across records from `computed.json`.
`document(name)` gives a schema bundled into one self-contained document, as JSON
Schema 2020-12 defines bundling: the objects schema is embedded under `$defs` with
its own `$id`, so every `$ref` resolves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..names import did_you_mean

FOLDER = Path(__file__).resolve().parent
OBJECTS = "objects"
# The published schemas, in the order `citynet schema` lists them.
NAMES = (
    "dataset",
    "list",
    "show-network",
    "show-city",
    "show-source",
    "sources",
    "partners",
    "timeline",
    "cities",
    "themes",
    "search",
    "compare",
    "stats",
    "stats-centrality",
    "stats-communities",
    "suggest",
    "path",
    "wikidata-diff",
)


def load(name: str) -> dict[str, Any]:
    """A schema file as it is stored (its references point at the objects schema)."""
    with (FOLDER / f"{name}.json").open(encoding="utf-8") as file:
        document: dict[str, Any] = json.load(file)
    return document


def published() -> list[tuple[str, str]]:
    """(name, title) of every published schema."""
    return [(name, load(name)["title"]) for name in NAMES]


def document(name: str) -> dict[str, Any]:
    """The named schema as one self-contained document; UsageError for an unknown name."""
    if name not in NAMES:
        hint = did_you_mean(name, NAMES)
        raise UsageError(f"no schema {name!r}{hint}; schemas: {', '.join(NAMES)}")
    from ..contract import objects_schema

    schema = load(name)
    objects = objects_schema()
    del objects["$schema"]  # an embedded resource shares the root's dialect
    schema.setdefault("$defs", {})[OBJECTS] = objects
    return schema

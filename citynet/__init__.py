"""citynet: European and international city networks and city partnerships.

The Python API, free of any CLI code:

    from citynet import load, lookup, query
    data = load()                      # the shipped dataset
    c40 = lookup(data, "C40")          # any id, name or alias (see citynet.names.lookup)
    [m.city for m in query.members_of(data, c40)]

A name that several places bear gives the clear favourite with a `citynet.errors.NameNote`
warning naming the others, or NotFoundError listing them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .model import Dataset


def load(path: str | Path | None = None) -> Dataset:
    """The dataset at `path` (default: $CITYNET_DATA, else the shipped one), validated."""
    from .cache import load_cached
    from .files import data_path

    return load_cached(data_path(path))


def __getattr__(name: str) -> object:
    # Submodules and helpers on first use, so `import citynet` stays cheap.
    if name in ("lookup", "resolve"):  # resolve: the name of earlier versions
        from .names import lookup

        return lookup
    if name in ("query", "model", "store", "names"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(name)

"""A cache of loaded datasets, so a command does not parse TOML on every call.

A cache entry is keyed by the data file's path and validated by a hash of its
content, the citynet version and the Python version: after any change to the
file, by citynet or by hand, the next load sees the change. A cache that is
missing, corrupt, truncated, from another version or unwritable is ignored and
rebuilt where possible; it is never trusted and never an error.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path
from typing import Any

from . import __version__
from .files import decode, read_bytes
from .model import SECTIONS, Dataset, Partnership

try:  # the BLAKE2 module alone; hashlib would load OpenSSL first
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Python implementations
    from hashlib import blake2b

CACHE_ENV = "CITYNET_CACHE_DIR"
NO_CACHE_ENV = "CITYNET_NO_CACHE"
_MAGIC = b"citynet-cache 3\n"
_BY_CITY = "partnerships by city"


def cache_dir() -> Path:
    """The user's cache folder for citynet ($CITYNET_CACHE_DIR overrides it)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "citynet" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "citynet"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "citynet"


def load_cached(path: Path) -> Dataset:
    """The dataset at `path`, from the cache when it holds this exact content."""
    data = read_bytes(path)
    if os.environ.get(NO_CACHE_ENV):
        return _parse(decode(data, str(path)), path)
    key = _key(data)
    entry = _entry_path(path)
    cached = _read_entry(entry, key)
    if cached is not None:
        return cached
    text = decode(data, str(path))
    del data  # a large file is held once, not twice, while it is parsed
    dataset = _parse(text, path)
    _write_entry(entry, key, dataset)
    return dataset


def _parse(text: str, path: Path) -> Dataset:
    from .store import parse  # the TOML reader and checks: only on a cache miss

    return parse(text, str(path))


def _key(data: bytes) -> bytes:
    version = f"{__version__}\0{sys.version_info[:3]}\0".encode()
    return blake2b(version + data, digest_size=32).digest()


def _entry_path(path: Path) -> Path:
    identity = str(path.resolve()).encode("utf-8", "surrogatepass")
    return cache_dir() / (blake2b(identity, digest_size=16).hexdigest() + ".pickle")


def _read_entry(entry: Path, key: bytes) -> Dataset | None:
    try:
        with entry.open("rb") as file:
            if file.read(len(_MAGIC)) != _MAGIC or file.read(len(key)) != key:
                return None
            blobs = pickle.load(file)
        if not isinstance(blobs, dict) or set(blobs) != {*SECTIONS, _BY_CITY}:
            return None
    except Exception:  # a cache is a hint: any failure means "not cached"
        return None
    items = {name: _Items(blob) for name, blob in blobs.items() if name != _BY_CITY}
    partnerships = items["partnerships"]
    by_city = _Items(blobs[_BY_CITY])

    def partnerships_of(city_id: str) -> list[Partnership]:
        positions = by_city.index().get(city_id, ())
        return [partnerships.record(position) for position in positions]

    return Dataset.lazy({name: i.records for name, i in items.items()}, partnerships_of)


class _Items:
    """One cached section: the pickled records, each made only when asked for.

    A tuple of small pickles loads faster than one large pickle of the same records
    (no shared memo), and lets one city's partnerships be made on their own. The key
    matched, so the bytes are the ones citynet wrote; if they cannot be read all the
    same, that is a bug, not a stale cache.
    """

    def __init__(self, blob: bytes) -> None:
        self.blob = blob
        self._loaded: Any = None

    def _load(self) -> Any:
        if self._loaded is None:
            self._loaded = pickle.loads(self.blob)
        return self._loaded

    def records(self) -> tuple[Any, ...]:
        return tuple(map(pickle.loads, self._load()))

    def record(self, position: int) -> Any:
        return pickle.loads(self._load()[position])

    def index(self) -> dict[str, tuple[int, ...]]:
        index: dict[str, tuple[int, ...]] = self._load()
        return index


def _write_entry(entry: Path, key: bytes, dataset: Dataset) -> None:
    # Each record is pickled on its own, so a command makes only what it uses.
    blobs = {
        name: pickle.dumps(tuple(pickle.dumps(r, protocol=5) for r in getattr(dataset, name)))
        for name in SECTIONS
    }
    by_city: dict[str, list[int]] = {}
    for position, partnership in enumerate(dataset.partnerships):
        for city_id in partnership.cities:
            by_city.setdefault(city_id, []).append(position)
    blobs[_BY_CITY] = pickle.dumps({city: tuple(p) for city, p in by_city.items()})
    temporary = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("wb") as file:
            file.write(_MAGIC + key)
            pickle.dump(blobs, file, protocol=5)
        os.replace(temporary, entry)
    except OSError:
        temporary.unlink(missing_ok=True) if temporary.parent.exists() else None

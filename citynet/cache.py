"""A cache of loaded datasets, so a command does not parse TOML on every call.

An entry holds the dataset as MessagePack (`citynet.packed`: each section decoded
when a command first reads it), decoded by msgspec straight into the typed records:
reading it can never run code, unlike a pickle. It is used only
when all of these hold, and otherwise ignored (and rebuilt where possible):
- the folder and the entry belong to the user and nobody else may write them (on
  POSIX; folder 0700, entries and key 0600);
- the entry's tag, a BLAKE2 MAC keyed with a secret that only the user can read,
  matches the entry's bytes, the data file's content, and the citynet and Python
  versions: so an entry is one this user's citynet wrote for exactly this file,
  damaged in no byte;
- it decodes into a Dataset of this citynet's record layout.
A cache folder that cannot be used (not a folder, read-only, someone else's) only
means that nothing is cached; it is never an error.
"""

from __future__ import annotations

import os
import stat
import sys
from _operator import _compare_digest  # hmac's, without importing hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import __version__
from .files import decode, max_bytes, read_bytes
from .model import Dataset

try:  # the BLAKE2 module alone; hashlib would load OpenSSL first
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Python implementations
    from hashlib import blake2b

CACHE_ENV = "CITYNET_CACHE_DIR"
NO_CACHE_ENV = "CITYNET_NO_CACHE"
_MAGIC = b"citynet-cache 6\n"
_TAG_SIZE = 32
_KEY_FILE = "key"
_PRIVATE = 0o077  # mode bits that must be clear on the folder, the key and entries
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


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
    held = [read_bytes(path)]
    return _load(path, held, _place(path, held[0]))


def _load(path: Path, held: list[bytes], place: tuple[Path, bytes, bytes] | None) -> Dataset:
    """The dataset of the file content in `held` (taken out of it: a large file is held
    once, not twice, while it is parsed), from the cache entry at `place` if it is there."""
    cached = _read_dataset(place) if place is not None else None
    if cached is not None:
        return cached
    text = decode(held.pop(), str(path))
    dataset = _parse(text, path)
    if place is not None:
        _write_dataset(place, dataset)
    return dataset


def remembered(
    path: Path,
    label: str,
    make: Callable[[Dataset], Any],
    shape: Any = list[str],
    patched: Callable[[Any, Any], Any] | None = None,
    patch_shape: Any = None,
) -> Any:
    """What `make` says about the dataset at `path` (a value of type `shape`), remembered
    for this exact content and this citynet (and Python): a second run on an unchanged
    file costs a cache read. Used for `check`, whose verdict only the content and the
    code decide, and for the name index of completion. With `patched`, a value kept for
    an earlier content and the patch `carry` kept since (a `patch_shape`) serve too:
    `patched(value, patch)` is then the value for this content."""
    held = [read_bytes(path)]
    place = _place(path, held[0])
    value = None
    if place is not None:
        if patched is not None:
            value = _patched(place, label, shape, patched, patch_shape)
        if value is None:
            value = _recall(place, label, shape)
    if value is None:
        value = make(_load(path, held, place))
        if place is not None:
            _write_entry(*_derived(place, label), value)
    return value


def carry(
    path: Path, old: bytes, new: bytes, label: str, extend: Callable[[Any], Any], shape: Any
) -> None:
    """After a write of the bytes `new` over `old`: keep for the new content the patch
    (a `shape`) that `extend` makes of the one kept for the old content (None if there
    is none; `extend` returns None to keep nothing). The value `remembered` under `label`
    for an earlier content then serves the new one without being read or written whole."""
    old_place = _content_place(path, old)
    new_place = _content_place(path, new)
    if old_place is None or new_place is None:
        return
    kept = _recall(old_place, label + _PATCH, tuple[bytes, shape])
    # What the patch applies to: the old content's own value, or the one its patch had.
    base, patch = kept if kept is not None else (old_place[2], None)
    patch = extend(patch)
    if patch is not None:
        _write_entry(*_derived(new_place, label + _PATCH), (base, patch))


_PATCH = "-patch"


def recall(path: Path, content: bytes, label: str, shape: Any) -> Any:
    """What is kept under `label` for this content of `path` (see `keep`), or None."""
    place = _content_place(path, content)
    return _recall(place, label, shape) if place is not None else None


def keep(path: Path, content: bytes, label: str, value: object) -> None:
    """Remember `value` (a fact about the content, such as where its tables start) under
    `label` for this content of `path`."""
    place = _content_place(path, content)
    if place is not None:
        _write_entry(*_derived(place, label), value)


def _patched(
    place: tuple[Path, bytes, bytes],
    label: str,
    shape: Any,
    patched: Callable[[Any, Any], Any],
    patch_shape: Any,
) -> Any:
    """The value of `label` for a content, made from the patch kept for it and the value
    kept for the content it patches (the patch names it); None if either is missing."""
    kept = _recall(place, label + _PATCH, tuple[bytes, patch_shape])
    if kept is None:
        return None
    base, patch = kept
    entry, key, _context = place
    value = _recall((entry, key, base), label, shape)
    return None if value is None else patched(value, patch)


def _recall(place: tuple[Path, bytes, bytes], label: str, shape: Any) -> Any:
    return _read_entry(*_derived(place, label), shape)


def _derived(place: tuple[Path, bytes, bytes], label: str) -> tuple[Path, bytes, bytes]:
    """The entry, key and context of what is remembered under `label` for a content."""
    entry, key, context = place
    return entry.with_suffix(f".{label}.msgpack"), key, context + b"\0" + label.encode()


def load_content(path: Path, content: bytes) -> Dataset:
    """The dataset of `content`, the bytes read from `path`: from the cache when it holds
    this exact content, else decoded and parsed (and cached)."""
    return _load(path, [content], _content_place(path, content))


def remember(path: Path, content: bytes, dataset: Dataset) -> None:
    """Cache `dataset` as what `path` holds now that `content` was written to it."""
    place = _content_place(path, content)
    if place is not None:
        _write_dataset(place, dataset)


def _read_dataset(place: tuple[Path, bytes, bytes]) -> Dataset | None:
    from .packed import Packed, unpack

    packed = _read_entry(*place, Packed)
    return unpack(packed) if packed is not None else None


def _write_dataset(place: tuple[Path, bytes, bytes], dataset: Dataset) -> None:
    from .packed import pack

    _write_entry(*place, pack(dataset))


# The places of the contents a write has seen (its old and new bytes), so that each is
# hashed once though several entries (dataset, name index) are read and written for it.
# A list, not a dict: a dict would hash each 5 MB content (siphash, 33 M instructions
# at the real size); the same bytes object is found by identity, an equal one by a compare.
_CONTENT_PLACES: list[tuple[Path, bytes, tuple[Path, bytes, bytes] | None]] = []


def _content_place(path: Path, content: bytes) -> tuple[Path, bytes, bytes] | None:
    for known_path, known, place in _CONTENT_PLACES:
        if known_path == path and (known is content or known == content):
            return place
    if len(_CONTENT_PLACES) >= 4:
        _CONTENT_PLACES.clear()
    place = _place(path, content)
    _CONTENT_PLACES.append((path, content, place))
    return place


def _place(path: Path, data: bytes) -> tuple[Path, bytes, bytes] | None:
    """The entry, key and context for this content of `path`; None without a cache."""
    if os.environ.get(NO_CACHE_ENV):
        return None
    folder = _usable_folder()
    key = _secret(folder) if folder else None
    if folder is None or key is None:
        return None
    return folder / _entry_name(path), key, _context(data)


def _parse(text: str, path: Path) -> Dataset:
    from .store import parse  # the TOML reader and checks: only on a cache miss

    return parse(text, str(path))


def _context(data: bytes) -> bytes:
    """What an entry must have been made from: this content, this citynet (and its
    records' layout), this Python."""
    from .packed import LAYOUT

    versions = f"{__version__}\0{sys.version_info[:3]}\0".encode()
    return versions + LAYOUT + b"\0" + _digest(data)


def _digest(data: bytes) -> bytes:
    for seen, digest in _HASHED:
        if seen == data:  # compared in a fraction of the time a hash takes
            return digest
    digest = blake2b(data, digest_size=32).digest()
    _HASHED[:] = [(data, digest)]
    return digest


# The content hashed last and its hash: what the same command asks of the cache next
# (the dataset after the search index, say) finds the same bytes and is not hashed again.
_HASHED: list[tuple[bytes, bytes]] = []


def _entry_name(path: Path) -> str:
    identity = str(path.resolve()).encode("utf-8", "surrogatepass")
    return blake2b(identity, digest_size=16).hexdigest() + ".msgpack"


def _tag(key: bytes, context: bytes, payload: bytes | memoryview) -> bytes:
    mac = blake2b(key=key, digest_size=_TAG_SIZE)
    mac.update(context)
    mac.update(payload)
    return mac.digest()


# --- the folder and the key ---------------------------------------------------------


def _usable_folder() -> Path | None:
    """The cache folder, made private if new; None if it cannot be trusted or used."""
    folder = cache_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
    except (OSError, ValueError):
        return None
    if not stat.S_ISDIR(info.st_mode) or not _private(info):
        return None
    return folder


def _private(info: os.stat_result) -> bool:
    """Owned by the user and closed to others (POSIX; Windows folders are per user)."""
    if not hasattr(os, "getuid"):
        return True
    return info.st_uid == os.getuid() and not info.st_mode & _PRIVATE


def _secret(folder: Path) -> bytes | None:
    """The user's cache key, made on first use; None if it is not private."""
    path = folder / _KEY_FILE
    try:
        key = _read_private(path, 32)
    except FileNotFoundError:
        key = os.urandom(32)
        return key if _create(path, key) else None
    return key if key is not None and len(key) == 32 else None


def _read_private(path: Path, limit: int) -> bytes | None:
    """The bytes of a private regular file of at most `limit` bytes; None for anything
    else (a link, FIFO, device or folder is never waited on or read). FileNotFoundError
    if there is nothing."""
    # O_NONBLOCK: a FIFO planted as the key or an entry would block the open forever.
    flags = os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _BINARY
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError:
        return None
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode) or not _private(info) or info.st_size > limit:
        os.close(descriptor)
        return None
    with os.fdopen(descriptor, "rb") as file:
        try:
            content = file.read(info.st_size + 1)
        except OSError:
            return None
    return content if len(content) <= limit else None


def _create(path: Path, *content: bytes) -> bool:
    """Write a new private file that nobody else made first, of the pieces of `content`
    (written one after another, not joined: an entry's payload is megabytes); False if
    that fails."""
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY
        descriptor = os.open(path, flags, 0o600)
    except OSError:
        return False
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.writelines(content)
    except OSError:  # a full disk, say: no cache this time
        path.unlink(missing_ok=True)
        return False
    return True


# --- entries ------------------------------------------------------------------------


def _read_entry(entry: Path, key: bytes, context: bytes, shape: Any) -> Any:
    """The value an entry holds, decoded as `shape`; None unless it is one citynet wrote."""
    import msgspec

    try:
        # No entry is larger than the largest data file (MessagePack is the smaller).
        content = _read_private(entry, len(_MAGIC) + _TAG_SIZE + max_bytes())
    except FileNotFoundError:
        return None
    if content is None:
        return None
    head = len(_MAGIC)
    if content[:head] != _MAGIC:
        return None
    # A view of the payload, not a copy of megabytes: the decoded values are copies.
    payload = memoryview(content)[head + _TAG_SIZE :]
    if not _compare_digest(content[head : head + _TAG_SIZE], _tag(key, context, payload)):
        return None
    try:
        return msgspec.msgpack.decode(payload, type=shape)
    except (msgspec.DecodeError, ValueError, TypeError):
        return None  # cannot happen for an entry citynet wrote; a cache is only a hint


def _write_entry(entry: Path, key: bytes, context: bytes, value: object) -> None:
    import msgspec

    payload = msgspec.msgpack.encode(value)
    # A name nobody can predict, created exclusively: no link or planted file is followed.
    temporary = entry.with_name(f".{entry.name}.{os.urandom(8).hex()}.tmp")
    if not _create(temporary, _MAGIC, _tag(key, context, payload), payload):
        return
    try:
        os.replace(temporary, entry)
    except OSError:
        temporary.unlink(missing_ok=True)

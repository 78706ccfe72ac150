"""Reading and writing files safely: clear errors, atomic replacement, a portable lock.

Nothing here knows TOML; `store` and `cache` build on it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .errors import DataError, Problem
from .i18n import _

# --- where the data is ---------------------------------------------------------

DATA_ENV = "CITYNET_DATA"


def shipped_path() -> Path:
    """The dataset that ships with citynet: inside the installed package, else the checkout's."""
    package = Path(__file__).resolve().parent
    installed = package / "data" / "networks.toml"
    return installed if installed.exists() else package.parent / "data" / "networks.toml"


def data_path(option: str | Path | None = None) -> Path:
    """The data file to use: the --data option, then $CITYNET_DATA, then the shipped one."""
    chosen = option or os.environ.get(DATA_ENV)
    return Path(chosen).expanduser() if chosen else shipped_path()


def read_text(path: Path, what: str = "a TOML file") -> str:
    """The file's text; DataError if it is missing, a folder, unreadable or not UTF-8."""
    return decode(read_bytes(path, what), str(path))


def read_bytes(path: Path, what: str = "a TOML file") -> bytes:
    """The file's bytes; DataError if it is missing, a folder or unreadable."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise DataError([Problem(str(path), "", _read_failure(path, error, what))]) from None


def decode(raw: bytes, name: str) -> str:
    """UTF-8 text; DataError naming the line of the first byte that is not UTF-8."""
    try:
        # A byte-order mark (Windows editors write one) is not part of the text.
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        message = _("not UTF-8 (byte {start}), save it as UTF-8").format(start=error.start)
        raise DataError([Problem(name, "", message, line)]) from None


def _read_failure(path: Path, error: OSError, what: str) -> str:
    # Windows reports a folder as PermissionError, so ask the file system.
    if path.is_dir():
        return _("is a folder, expected {what}").format(what=what)
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, PermissionError):
        return "permission denied: cannot read the file"
    return _("cannot read: {value}").format(value=error.strerror or error)


LOCK_TIMEOUT = 30.0


def atomic_write(path: Path, text: str) -> None:
    """Replace `path` with `text` so a crash leaves the old file or the new one, never a mix.

    The text goes to a temporary file in the same folder, is flushed and fsynced,
    and replaces the old file in one rename (`os.replace`, atomic on POSIX and Windows).
    """
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """`atomic_write` for bytes: workbooks, SQLite databases."""
    atomic_write_chunks(path, (data,))


def atomic_write_chunks(path: Path, chunks: Iterable[bytes]) -> None:
    """`atomic_write` for bytes made piece by piece (a large export never whole in memory)."""
    import tempfile

    folder = path.parent
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise DataError(
            [Problem(str(path), "", _("cannot write: {value}").format(value=_os_reason(error)))]
        ) from None
    try:
        with os.fdopen(descriptor, "wb") as file:
            for chunk in chunks:
                file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
        _copy_mode(path, temporary)
        _replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            message = _("cannot write: {value}; the file is unchanged").format(
                value=_os_reason(error)
            )
            raise DataError([Problem(str(path), "", message)]) from None
        raise
    _sync_folder(folder)


def _copy_mode(original: Path, temporary: str) -> None:
    """Give the new file the old one's permissions (mkstemp creates it private)."""
    import stat

    try:
        mode = stat.S_IMODE(original.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(temporary, mode)


def _replace(temporary: str, path: Path) -> None:

    os.replace(temporary, path)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows it (not on Windows)."""

    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _os_reason(error: OSError) -> str:
    import errno

    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied (is the file or its folder read-only?)",
        errno.EPERM: "permission denied (is the file or its folder read-only?)",
    }
    return reasons.get(error.errno or 0, error.strerror or str(error))


class FileLock:
    """An exclusive lock on `<file>.lock` beside a data file, for writers only.

    The operating system drops the lock when the process ends, so a crash never
    leaves a stale lock behind. POSIX uses flock, Windows msvcrt.locking.
    """

    def __init__(self, path: Path, timeout: float = LOCK_TIMEOUT) -> None:
        self.path = path.with_name(path.name + ".lock")
        self.timeout = timeout
        self._descriptor: int | None = None

    def __enter__(self) -> FileLock:
        import time

        try:
            self._descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            message = _("cannot create the lock file {name}: {value}").format(
                name=self.path.name, value=_os_reason(error)
            )
            raise DataError([Problem(str(self.path.with_suffix("")), "", message)]) from None
        deadline = time.monotonic() + self.timeout
        while not _try_lock(self._descriptor):
            if time.monotonic() > deadline:
                self.__exit__()
                message = _("another citynet is writing this file (waited {timeout:.0f} s)").format(
                    timeout=self.timeout
                )
                raise DataError([Problem(str(self.path.with_suffix("")), "", message)])
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:

        if self._descriptor is not None:
            _unlock(self._descriptor)
            os.close(self._descriptor)
            self._descriptor = None


def _try_lock(descriptor: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(descriptor: int) -> None:
    try:
        import fcntl
    except ImportError:
        import msvcrt
        import os

        os.lseek(descriptor, 0, 0)
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(descriptor, fcntl.LOCK_UN)


def backup_path(path: Path) -> Path:
    """A backup name beside the file that never overwrites an earlier backup."""
    import time

    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.{stamp}.bak")
    number = 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}.{stamp}-{number}.bak")
    return candidate

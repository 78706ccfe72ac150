"""Reading and writing files safely: clear errors, atomic replacement, a portable lock.

Nothing here knows TOML; `store` and `cache` build on it.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterable
from pathlib import Path

from .errors import CitynetError, DataError, Problem
from .i18n import N_, _, number

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
    if not chosen:
        return shipped_path()
    try:
        path = Path(chosen).expanduser()
    except RuntimeError:  # "~someone" who has no home folder here
        user = str(chosen).split("/", 1)[0].split("\\", 1)[0]
        message = _("cannot find the home folder of {user}; give the full path").format(
            user=repr(user)
        )
        raise DataError([Problem(str(chosen), "", message)]) from None
    return named_file(path, N_("a TOML file"))


def named_file(path: Path, what: str) -> Path:
    """`path`, if it names a file; DataError for one that names only a folder ('', '.', '/')."""
    if not path.name:  # Path("") is Path("."): nothing to read, lock or replace
        message = _("is a folder, expected {what}").format(what=_(what))
        raise DataError([Problem(str(path), "", message)])
    return path


def write_target(path: Path) -> Path:
    """The file a write to `path` changes: the end of its symbolic links, if any.

    A writer resolves the path once and then locks, reads and replaces that file,
    so the link stays a link and every writer of the real file takes the same lock.
    """
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def read_text(path: Path, what: str = N_("a TOML file")) -> str:
    """The file's text; DataError if it is missing, a folder, unreadable or not UTF-8."""
    return decode(read_bytes(path, what), str(path))


SIZE_ENV = "CITYNET_MAX_BYTES"
MAX_BYTES = 64 * 1024 * 1024  # a data file of 64 MiB holds about 25 times today's largest


def max_bytes() -> int:
    """The largest file citynet reads: 64 MiB, or $CITYNET_MAX_BYTES (a whole number above 0)."""
    from .errors import UsageError

    given = os.environ.get(SIZE_ENV, "")
    if not given:
        return MAX_BYTES
    try:
        limit = int(given)
    except ValueError:
        limit = 0
    if limit < 1:
        message = _("${name}: expected a whole number of bytes above 0, got {value}")
        raise UsageError(message.format(name=SIZE_ENV, value=repr(given)))
    return limit


def read_bytes(path: Path, what: str = N_("a TOML file")) -> bytes:
    """The file's bytes; DataError if it is missing, not a regular file, too large or unreadable.

    A FIFO, a device such as /dev/zero or a folder is refused before anything is read,
    and nothing larger than `max_bytes()` is read, so no input can block or fill memory.
    """
    limit = max_bytes()
    descriptor, size = _open_regular(path, what, limit)
    with os.fdopen(descriptor, "rb") as file:
        try:
            # As much as the file holds (a read of `limit` bytes would reserve them all),
            # then whatever it grew by meanwhile, up to the limit.
            data = file.read(min(size, limit) + 1)
            while len(data) <= limit and len(data) > size:
                more = file.read(min(limit + 1 - len(data), 1 << 20))
                if not more:
                    break
                data += more
        except OSError as error:
            raise DataError([Problem(str(path), "", _read_failure(path, error, what))]) from None
    if len(data) > limit:  # it grew while it was read
        raise DataError([Problem(str(path), "", too_large(limit))])
    return data


def holds(path: Path, content: bytes) -> bool:
    """Whether the file at `path` holds exactly `content` (DataError as `read_bytes` where
    it cannot be read). Read in pieces into one small buffer and compared in place: no
    second copy of a large file is made (each is fresh memory to fault in)."""
    descriptor, size = _open_regular(path, N_("a TOML file"), max_bytes())
    if size != len(content):
        os.close(descriptor)
        return False
    buffer = bytearray(1 << 18)
    piece, at = memoryview(buffer), 0
    with os.fdopen(descriptor, "rb", buffering=0) as file:
        try:
            while count := file.readinto(buffer):
                if not content.startswith(piece[:count], at):
                    return False  # (also if the file grew: nothing is there to match)
                at += count
        except OSError as error:
            what = N_("a TOML file")
            raise DataError([Problem(str(path), "", _read_failure(path, error, what))]) from None
    return at == len(content)


def _open_regular(path: Path, what: str, limit: int) -> tuple[int, int]:
    """An open descriptor of `path` and its size; DataError unless it is a regular file
    of at most `limit` bytes. Nothing can block: a FIFO is opened without waiting."""
    import stat

    try:
        # O_NONBLOCK: opening a FIFO with no writer would wait forever.
        descriptor = _open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _BINARY)
    except OSError as error:
        raise DataError([Problem(str(path), "", _read_failure(path, error, what))]) from None
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        message = (
            _("is a folder, expected {what}")
            if stat.S_ISDIR(info.st_mode)
            else _("is not a regular file (a device, pipe or socket), expected {what}")
        ).format(what=_(what))
        raise DataError([Problem(str(path), "", message)])
    if info.st_size > limit:
        os.close(descriptor)
        raise DataError([Problem(str(path), "", too_large(limit))])
    return descriptor, info.st_size


def line_count(path: Path) -> int:
    """How many lines a file citynet may read has (for a progress bar); 0 for a file it
    may not read (reading it reports why), so a FIFO or a device is never waited on."""
    try:
        limit = max_bytes()
        descriptor, _size = _open_regular(path, "a file", limit)
    except CitynetError:
        return 0
    lines = read = 0
    with os.fdopen(descriptor, "rb") as file:
        try:
            while read <= limit and (chunk := file.read(1 << 20)):
                lines += chunk.count(b"\n")
                read += len(chunk)
        except OSError:
            return 0
    return lines


def too_large(limit: int) -> str:
    size = (
        _("{number} MiB").format(number=number(limit // (1024 * 1024)))
        if limit >= 1024 * 1024
        else _("{number} bytes").format(number=number(limit))
    )
    message = _(
        "is larger than {size}, the most citynet reads (${name} sets another limit in bytes)"
    )
    return message.format(size=size, name=SIZE_ENV)


_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


def _open(path: Path, flags: int) -> int:
    return os.open(path, flags)


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
    # Windows reports a folder as PermissionError, so ask the file system (which may
    # fail in turn: a name too long).
    try:
        folder = path.is_dir()
    except OSError:
        folder = False
    if folder:
        return _("is a folder, expected {what}").format(what=_(what))
    if isinstance(error, FileNotFoundError):
        return _("no such file")
    if isinstance(error, PermissionError):
        return _("permission denied: cannot read the file")
    return _("cannot read: {value}").format(value=error.strerror or error)


LOCK_TIMEOUT = 30.0


def atomic_write(
    path: Path, text: str, *, mode: int | None = None, unchanged: bytes | None = None
) -> None:
    """Replace `path` with `text` so a crash leaves the old file or the new one, never a mix.

    The text goes to a temporary file in the same folder, is flushed and fsynced,
    and replaces the old file in one rename (`os.replace`, atomic on POSIX and Windows).
    The new file gets the old one's permissions, or `mode`. With `unchanged`, the
    file must still hold those bytes right before the rename, else nothing is written.
    """
    atomic_write_chunks(path, (text.encode("utf-8"),), mode=mode, unchanged=unchanged)


def atomic_write_bytes(path: Path, data: bytes, *, unchanged: bytes | None = None) -> None:
    """`atomic_write` for bytes: workbooks, SQLite databases, an encoded text."""
    atomic_write_chunks(path, (data,), unchanged=unchanged)


def atomic_write_chunks(
    path: Path, chunks: Iterable[bytes], *, mode: int | None = None, unchanged: bytes | None = None
) -> None:
    """`atomic_write` for bytes made piece by piece (a large export never whole in memory).

    A symbolic link is written through (its target changes, the link stays); a folder,
    device, FIFO or socket is refused, never replaced by a regular file.
    """
    path = _replaceable(write_target(named_file(path, N_("a file to write"))))
    folder = path.parent
    try:
        descriptor, temporary = _temporary(folder, path.name)
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
        if mode is None:
            _copy_mode(path, temporary)
        else:
            os.chmod(temporary, mode)
        if unchanged is not None and not holds(path, unchanged):
            # The last check, as close to the rename as it can be: a write by another
            # program between this read and the rename is the one that can still be lost.
            message = _(
                "was changed by someone else while citynet worked on it; nothing was written"
            )
            raise DataError([Problem(str(path), "", message)])
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


def _temporary(folder: Path, name: str) -> tuple[int, str]:
    """A new file of the user's alone beside `name`, open for writing, and its path: what
    `tempfile.mkstemp` makes, without importing tempfile and random for it. The pid in
    the name tells a later writer whose temporary file it is."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | _BINARY
    for _attempt in range(100):
        temporary = str(folder / f".{name}.{os.getpid()}-{os.urandom(6).hex()}.tmp")
        try:
            return os.open(temporary, flags, 0o600), temporary
        except FileExistsError:
            continue  # a name taken already (by chance): another
    raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST))  # as any file that exists


def _replaceable(path: Path) -> Path:
    """`path`, unless something other than a regular file is there (a rename would
    replace a device such as /dev/null, a FIFO or a socket with a file)."""
    import stat

    try:
        info = os.stat(path)
    except OSError:
        return path  # nothing there (or unreachable): writing reports what is wrong
    if stat.S_ISDIR(info.st_mode):
        message = _("is a folder, expected {what}").format(what=_("a file to write"))
    elif not stat.S_ISREG(info.st_mode):
        message = _("is not a regular file (a device, pipe or socket); nothing was written")
    else:
        return path
    raise DataError([Problem(str(path), "", message)])


def write_output(path: Path, chunks: Iterable[bytes], *, data: Path | None = None) -> None:
    """Write a file a command makes (`-o`, an export, a report) as the data file is
    written: atomically, through symbolic links, keeping owner and mode, never over a
    device, FIFO or folder; and never over the data file `data` itself."""
    from .errors import UsageError

    target = write_target(named_file(path, N_("a file to write")))
    if data is not None and _same_file(target, write_target(data)):
        message = _("{path} is the data file; write the output to another file")
        raise UsageError(message.format(path=path))
    atomic_write_chunks(target, chunks)


def _same_file(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except (OSError, ValueError):
        return False


def _copy_mode(original: Path, temporary: str) -> None:
    """Give the new file the old one's permissions and, where allowed, its owner and
    group (mkstemp creates it private and the writer's)."""
    import stat

    try:
        info = original.stat()
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        return
    if hasattr(os, "chown") and (info.st_uid, info.st_gid) != _owner(temporary):
        try:
            os.chown(temporary, info.st_uid, info.st_gid)
        except OSError:  # only root gives a file away; a member may still set the group
            with contextlib.suppress(OSError):
                os.chown(temporary, -1, info.st_gid)
    os.chmod(temporary, stat.S_IMODE(info.st_mode))


def _owner(path: str) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_uid, info.st_gid


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
        errno.ENOSPC: N_("the disk is full"),
        errno.EROFS: N_("the file system is read-only"),
        errno.EACCES: N_("permission denied (is the file or its folder read-only?)"),
        errno.EPERM: N_("permission denied (is the file or its folder read-only?)"),
    }
    reason = reasons.get(error.errno or 0)
    return _(reason) if reason else error.strerror or str(error)


class FileLock:
    """An exclusive lock on `<file>.lock` beside a data file, for writers only.

    The operating system drops the lock when the process ends, so a crash never
    leaves a stale lock behind. POSIX uses flock, Windows msvcrt.locking.
    """

    def __init__(self, path: Path, timeout: float = LOCK_TIMEOUT) -> None:
        self.target = path
        self.path = path.with_name(path.name + ".lock")
        self.timeout = timeout
        self._descriptor: int | None = None

    def __enter__(self) -> FileLock:
        import stat
        import time

        # Never through a link, never blocking: a planted `networks.toml.lock -> victim`
        # would otherwise create or lock the victim.
        flags = os.O_RDWR | os.O_CREAT | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0)
        try:
            self._descriptor = os.open(self.path, flags, 0o644)
        except OSError as error:
            reason = _os_reason(error)
            if os.path.islink(self.path):
                reason = _("it is a symbolic link; remove it")
            message = _("cannot create the lock file {name}: {value}").format(
                name=self.path.name, value=reason
            )
            raise DataError([Problem(str(self.target), "", message)]) from None
        if not stat.S_ISREG(os.fstat(self._descriptor).st_mode):
            self.__exit__()
            message = _("cannot create the lock file {name}: {value}").format(
                name=self.path.name, value=_("it is not a regular file; remove it")
            )
            raise DataError([Problem(str(self.target), "", message)])
        deadline = time.monotonic() + self.timeout
        while not _try_lock(self._descriptor):
            if time.monotonic() > deadline:
                self.__exit__()
                message = _("another citynet is writing this file (waited {timeout:.0f} s)").format(
                    timeout=self.timeout
                )
                raise DataError([Problem(str(self.path.with_suffix("")), "", message)])
            time.sleep(0.02)
        remove_stale_temporaries(self.target)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._descriptor is not None:
            with contextlib.suppress(OSError):  # a descriptor never locked (refused above)
                _unlock(self._descriptor)
            os.close(self._descriptor)
            self._descriptor = None


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


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


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove temporary files that writers of `path` (or of its backups) left when killed.

    Called with the lock held: every writer of `path` takes it before writing, so no
    temporary file of theirs is in use now. The name pattern is exactly the one
    `atomic_write` makes, so no other program's files match.
    """
    import re

    pattern = re.compile(
        rf"\.{re.escape(path.name)}(?:\.\d{{8}}-\d{{6}}(?:-\d+)?\.bak)?\.\d+-[a-z0-9_]+\.tmp"
    )
    removed = []
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    for name in names:
        if pattern.fullmatch(name):
            stale = path.with_name(name)
            try:
                stale.unlink()
            except OSError:
                continue
            removed.append(stale)
    return removed


def write_backup(path: Path, text: str) -> Path:
    """Keep `text` beside `path` as a backup, no more readable than `path` itself."""
    import stat

    backup = backup_path(path)
    atomic_write(backup, text, mode=stat.S_IMODE(path.stat().st_mode) & 0o666)
    return backup


def refuse_read_only(path: Path) -> None:
    """DataError if `path` has no write permission for anyone: someone meant it to stay."""
    import stat

    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return  # reading it reports the problem
    if not mode & 0o222:
        message = _(
            "is read-only (mode {mode}); make it writable, or use --force to replace it anyway"
        ).format(mode=f"{mode:04o}")
        raise DataError([Problem(str(path), "", message)])


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

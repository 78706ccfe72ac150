"""Nothing gets in and nothing is lost: links, permissions, leftovers, limits, hostile arguments."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citynet import files
from citynet.cli import app
from citynet.errors import DataError

runner = CliRunner()
ADD_LYON = ("add", "city", "--id", "lyon", "--name", "Lyon", "--country", "FR", "--source", "doc-a")
POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes, links and FIFOs")


def cli(path: Path | str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


def citynet(*args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    """citynet in its own process, as a shell runs it (arguments may be raw bytes)."""
    return subprocess.run(
        [sys.executable, "-m", "citynet", *args],
        capture_output=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


# --- symbolic links ---------------------------------------------------------------------


@POSIX
def test_a_write_through_a_link_changes_the_target_and_keeps_the_link(mini: Path) -> None:
    link = mini.with_name("link.toml")
    link.symlink_to(mini.name)
    code, _, err = cli(link, *ADD_LYON)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == mini.name
    assert 'id = "lyon"' in mini.read_text(encoding="utf-8")
    assert not mini.with_name("link.toml.lock").exists()
    assert mini.with_name("networks.toml.lock").exists()  # the lock is the target's


@POSIX
def test_a_writer_through_a_link_waits_for_the_lock_of_the_target(mini: Path) -> None:
    link = mini.with_name("link.toml")
    link.symlink_to(mini)
    with (
        files.FileLock(mini, timeout=0.1),
        pytest.raises(DataError, match="another citynet is writing"),
        files.FileLock(files.write_target(link), timeout=0.1),
    ):
        pass


# --- permissions ------------------------------------------------------------------------


@POSIX
def test_a_read_only_data_file_is_refused_unless_forced(mini: Path) -> None:
    mini.chmod(0o444)
    before = mini.read_bytes()
    code, _, err = cli(mini, *ADD_LYON)
    assert code == 3
    assert "read-only" in err and "--force" in err
    assert mini.read_bytes() == before
    code, _, err = cli(mini, *ADD_LYON, "--force")
    assert code == 0, err
    assert 'id = "lyon"' in mini.read_text(encoding="utf-8")
    assert mini.stat().st_mode & 0o777 == 0o444


def test_a_read_only_data_file_may_still_be_checked(mini: Path) -> None:
    mini.chmod(0o444)
    assert cli(mini, "fmt", "--check")[0] in (0, 1)
    assert cli(mini, "check")[0] == 0


def test_an_unreadable_data_file_is_exit_3_with_a_clear_message(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root reads any file, so the refusal of the operating system is played here;
    # os.access is what click's own path check asked (and answered with exit 2).
    def refuse(path: Path, flags: int) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(files, "_open", refuse)
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    code, _, err = cli(mini, "list")
    assert code == 3
    assert "permission denied" in err and str(mini) in err


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_a_really_unreadable_data_file_is_exit_3(mini: Path) -> None:
    mini.chmod(0)
    code, _, err = cli(mini, "list")
    assert code == 3 and "permission denied" in err


@POSIX
def test_force_backups_are_no_more_readable_than_the_data_file(mini: Path) -> None:
    mini.write_text("# private\n" + mini.read_text(encoding="utf-8"), encoding="utf-8")
    mini.chmod(0o600)
    code, _, err = cli(mini, "fmt", "--force")
    assert code == 0, err
    (backup,) = mini.parent.glob("networks.toml.*.bak")
    assert backup.stat().st_mode & 0o777 == 0o600
    assert backup.read_text(encoding="utf-8").startswith("# private\n")


# --- temporary files and the last window -------------------------------------------------


def test_the_next_writer_removes_temporary_files_of_writers_that_are_gone(mini: Path) -> None:
    stale = [
        mini.with_name(".networks.toml.99999-abc_12x.tmp"),
        mini.with_name(".networks.toml.20261129-101010.bak.4242-zz9.tmp"),
    ]
    others = [
        mini.with_name(".networks.toml.foo.123-abc.tmp"),  # another file's, networks.toml.foo
        mini.with_name("notes.tmp"),
    ]
    for path in stale + others:
        path.write_text("half a file", encoding="utf-8")
    code, _, err = cli(mini, *ADD_LYON)
    assert code == 0, err
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in others)


def test_a_change_landing_during_the_write_is_not_overwritten(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another program writes while citynet writes its temporary file, after the
    # change was computed: the last check, under the lock just before the rename, sees it.
    real_fsync = os.fsync

    def fsync_and_meddle(descriptor: int) -> None:
        real_fsync(descriptor)
        text = mini.read_text(encoding="utf-8")
        mini.write_text(text.replace("Stadt A", "Stadt Z"), encoding="utf-8")

    monkeypatch.setattr(os, "fsync", fsync_and_meddle)
    code, _, err = cli(mini, *ADD_LYON)
    assert code == 3 and "changed by someone else" in err
    text = mini.read_text(encoding="utf-8")
    assert "Stadt Z" in text and 'id = "lyon"' not in text
    assert not [p for p in mini.parent.iterdir() if p.name.endswith(".tmp")]


# --- loader limits -----------------------------------------------------------------------


@POSIX
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    result = citynet("--data", str(fifo), "list")  # would wait forever before
    assert result.returncode == 3
    assert b"not a regular file" in result.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_refused_before_reading() -> None:
    code, _, err = cli("/dev/zero", "list")
    assert code == 3 and "not a regular file" in err


def test_a_folder_is_refused(tmp_path: Path) -> None:
    code, _, err = cli(tmp_path, "list")
    assert code == 3 and "is a folder" in err


def test_a_file_over_the_size_limit_is_refused(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(files.SIZE_ENV, "1000")
    code, _, err = cli(mini, "list")
    assert code == 3 and "larger than" in err and files.SIZE_ENV in err
    monkeypatch.delenv(files.SIZE_ENV)
    assert files.max_bytes() == 64 * 1024 * 1024
    assert cli(mini, "list")[0] == 0


def test_a_huge_integer_is_a_data_error_with_its_line(mini: Path) -> None:
    text = mini.read_text(encoding="utf-8")
    mini.write_text(text.replace("founded = 1990", "founded = " + "9" * 5000), encoding="utf-8")
    line = text.splitlines().index("founded = 1990") + 1
    code, _, err = cli(mini, "check")
    assert code == 3, err
    assert f"{mini}:{line}:" in err and "4,300 digits" in err


def test_deep_nesting_is_a_data_error_with_its_line(mini: Path) -> None:
    text = mini.read_text(encoding="utf-8")
    mini.write_text(text + "deep = " + "[" * 1000 + "]" * 1000 + "\n", encoding="utf-8")
    line = len(text.splitlines()) + 1
    code, _, err = cli(mini, "list")
    assert code == 3, err
    assert f"{mini}:{line}:" in err and "nested too deeply" in err


# --- the command line --------------------------------------------------------------------


@POSIX
@pytest.mark.parametrize("command", ["add", "edit"])
def test_an_argument_that_is_not_utf8_is_a_usage_error_naming_the_option(
    mini: Path, command: str
) -> None:
    before = mini.read_bytes()
    args = (
        ["add", "city", "--id", "lyon", "--name", b"Ly\xffon", "--country", "FR"]
        if command == "add"
        else ["edit", "city", "koeln", "--name", b"K\xf6ln"]
    )
    result = subprocess.run(
        [sys.executable.encode(), b"-m", b"citynet", b"--data", bytes(mini)]
        + [a if isinstance(a, bytes) else a.encode() for a in args]
        + [b"--source", b"doc-a"] * (command == "add"),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert b"--name" in result.stderr and b"UTF-8" in result.stderr
    assert b"Traceback" not in result.stderr
    assert mini.read_bytes() == before


def test_a_home_folder_that_does_not_exist_is_a_clear_error() -> None:
    code, _, err = cli("~nosuchuser-citynet/x.toml", "list")
    assert code == 3
    assert "nosuchuser-citynet" in err and "home folder" in err


def test_an_ascii_only_output_shows_escapes_instead_of_crashing(mini: Path) -> None:
    result = citynet("--data", str(mini), "show", "koeln", PYTHONIOENCODING="ascii")
    assert result.returncode == 0, result.stderr
    assert b"K\\xf6ln" in result.stdout
    result = citynet("--data", str(mini), "show", "kölnx", PYTHONIOENCODING="ascii")
    assert result.returncode == 1 and b"Traceback" not in result.stderr


@POSIX
@pytest.mark.parametrize(
    "args",
    [
        ["list", "-f", "json"],
        ["list", "-f", "csv"],
        ["list", "-f", "md"],
        ["list", "-f", "tsv"],
        ["list", "-f", "table"],
        ["list", "-f", "ids"],
        ["show", "koeln", "-f", "json"],
        ["stats", "-f", "md"],
        ["graph", "-f", "graphml"],
        ["export", "json", "-"],
        ["check"],
    ],
)
def test_a_closed_pipe_ends_every_format_quietly(mini: Path, args: list[str]) -> None:
    # `| head -1`: the reader is gone before citynet writes anything.
    read, write = os.pipe()
    os.close(read)
    process = subprocess.run(
        [sys.executable, "-m", "citynet", "--data", str(mini), *args],
        stdout=write,
        stderr=subprocess.PIPE,
        timeout=60,
        check=False,
    )
    os.close(write)
    assert (process.returncode, process.stderr) == (0, b"")

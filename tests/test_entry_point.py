"""The installed `citynet` command in a real process: terminal versus pipe, `| head`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import installed_citynet


def citynet() -> str:
    """The installed command; without it the test skips (fails under CI=true)."""
    return installed_citynet()


def in_a_pipe(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [citynet(), *args], capture_output=True, text=True, encoding="utf-8", cwd=cwd, check=False
    )


def on_a_terminal(*args: str) -> tuple[int, str]:
    """Run citynet with a pseudo-terminal as stdin, stdout and stderr; exit status and screen."""
    import pty

    main, child = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    process = subprocess.Popen([citynet(), *args], stdout=child, stderr=child, stdin=child, env=env)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=30)
    os.close(main)
    return process.returncode, b"".join(chunks).decode("utf-8")


def test_in_a_pipe_output_is_tsv_without_colour(mini: Path) -> None:
    result = in_a_pipe("--data", str(mini), "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split("\t")[:3] == ["id", "name", "scope"]
    assert "\x1b" not in result.stdout and "┃" not in result.stdout


def test_closing_the_pipe_early_is_quiet(mini: Path, tmp_path: Path) -> None:
    # Many rows, so the writer is still writing when `head -1` goes away.
    big = tmp_path / "big.toml"
    text = mini.read_text(encoding="utf-8")
    extra = "".join(
        f'\n[[cities]]\nid = "stadt-{n}"\nname = "Stadt {n}"\ncountry = "DE"\nsources = ["doc-a"]\n'
        for n in range(3000)
    )
    big.write_text(text + extra, encoding="utf-8")
    writer = subprocess.Popen(
        [citynet(), "--data", str(big), "cities"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert writer.stdout is not None
    first = writer.stdout.readline()
    writer.stdout.close()  # what `head -1` does
    _, err = writer.communicate(timeout=60)
    assert first.startswith(b"id\tname")
    assert b"Traceback" not in err and err == b""
    assert writer.returncode == 0


def test_errors_go_to_stderr_with_the_documented_status(mini: Path, tmp_path: Path) -> None:
    result = in_a_pipe("--data", str(mini), "show", "atlantis")
    assert (result.returncode, result.stdout) == (1, "")
    assert "no network or city named 'atlantis'" in result.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text("schema_version = 1\n[[cities]\n", encoding="utf-8")
    result = in_a_pipe("--data", str(broken), "list")
    assert result.returncode == 3
    assert "broken.toml:2: " in result.stderr and "Traceback" not in result.stderr


def test_works_from_any_directory_with_the_shipped_data(tmp_path: Path) -> None:
    result = in_a_pipe("show", "c40", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert '"id": "c40"' in result.stdout


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_on_a_terminal_output_is_a_table(mini: Path) -> None:
    code, output = on_a_terminal("--data", str(mini), "list")
    assert code == 0
    assert "┏" in output and "Klima-Bündnis" in output
    assert "\x1b[" in output  # colour on a terminal

    code, output = on_a_terminal("--no-color", "--data", str(mini), "list")
    assert code == 0
    assert "┃ ID" in output and "\x1b[" not in output  # no colour, so nothing between

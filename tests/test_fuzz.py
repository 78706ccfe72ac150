"""Fuzzers: mutated data files, hostile text in every field, writers killed at random moments.

Deterministic (seeded) and bounded, so they run in CI; CITYNET_FUZZ_CASES raises the
number of cases for a long run. Every case asserts what citynet promises: an exit status
of 0, 1, 2 or 3, never a traceback, no control character from the data on the screen,
and a data file that is valid and either the old or the new version.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from typer.testing import CliRunner

from citynet import store
from citynet.cli import app
from citynet.model import City

CASES = int(os.environ.get("CITYNET_FUZZ_CASES", "0"))
runner = CliRunner()

# What must never reach a terminal from the data: C0 controls but tab, newline and
# carriage return (csv ends lines with it, a pty turns \n into \r\n), DEL and C1,
# bidi marks, embeddings, overrides and isolates, line and paragraph separators.
RAW_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
SGR = re.compile(r"\x1b\[[0-9;]*m")  # rich's own colours on a terminal


def cases(default: int) -> int:
    return max(CASES, default)


def assert_clean(text: str, where: str) -> None:
    found = RAW_CONTROL.search(text)
    assert found is None, f"{where}: raw {found.group()!r} in {text[:300]!r}"
    assert "Traceback" not in text, where


def invoke(path: Path, *args: str) -> Any:
    result = runner.invoke(app, ["--data", str(path), *args])
    where = f"citynet {' '.join(args)} on {path.name}"
    assert result.exit_code in (0, 1, 2, 3), (where, result.exit_code, result.stderr)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{where}: {result.exception!r}") from result.exception
    assert_clean(result.stdout, where)
    assert_clean(result.stderr, where)
    return result


# --- mutation fuzzer over the data file --------------------------------------------------

VALUES = [
    "1",
    "-1",
    "1e400",
    "nan",
    "true",
    "[]",
    "{}",
    '"x"',
    '""',
    "9" * 5000,
    "[" * 600 + "]" * 600,
    '"\\u001b]52;c;eA==\\u0007\\u001b[2J"',
    '"\\u202e\\u009b31m"',
    "2024-01-01",
    "[[1]]",
    "{a = 1}",
    # integers at the bounds of 64 bits, and references that name nothing
    str(2**63 - 1),
    str(2**63),
    str(-(2**63) - 1),
    str(2**64),
    '[""]',
    '["", ""]',
    '"""T""""',
    "'''x'''''",
]
BYTES = [b'"', b"'", b"[", b"]", b"=", b"\n", b"#", b"\xff", b"\x00", b"{", b'"""', b"\\", b"\x1b"]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random change, to the structure (lines, values, headers) or to the bytes."""
    if not data:
        return rng.choice(BYTES)
    lines = data.split(b"\n")
    choice = rng.randrange(9)
    at = rng.randrange(len(lines))
    if choice == 0:
        del lines[at]
    elif choice == 1:
        lines.insert(at, lines[rng.randrange(len(lines))])
    elif choice == 2:
        other = rng.randrange(len(lines))
        lines[at], lines[other] = lines[other], lines[at]
    elif choice == 3 and b" = " in lines[at]:
        key = lines[at].split(b" = ", 1)[0]
        lines[at] = key + b" = " + rng.choice(VALUES).encode()
    elif choice == 4:
        lines[at] = lines[at].replace(b"[[", b"[").replace(b"]]", b"]")
    elif choice == 5:
        position = rng.randrange(len(data) + 1)
        return data[:position] + rng.choice(BYTES) + data[position:]
    elif choice == 6:
        position = rng.randrange(len(data))
        return data[:position] + bytes([rng.randrange(256)]) + data[position + 1 :]
    elif choice == 7:
        return data[: rng.randrange(len(data) + 1)]
    else:
        start = rng.randrange(len(data))
        return data[:start] + data[start + rng.randrange(1, 200) :]
    return b"\n".join(lines)


QUERIES = [
    ("list",),
    ("show", "koeln"),
    ("show", "eurocities", "-f", "json"),
    ("cities", "-f", "csv"),
    ("partners", "berlin"),
    ("compare", "eurocities", "klima-buendnis", "-f", "md"),
    ("stats",),
    ("graph", "berlin", "-f", "mermaid"),
    ("map", "berlin", "-f", "geojson"),
]


def test_mutated_data_files_never_crash(mini: Path) -> None:
    rng = random.Random(9)
    original = mini.read_bytes()
    for case in range(cases(300)):
        data = original
        for _ in range(rng.randrange(1, 4)):
            data = mutate(data, rng)
        mini.write_bytes(data)
        invoke(mini, "check")
        invoke(mini, *QUERIES[case % len(QUERIES)])


# --- every field at its bounds -------------------------------------------------------------

# What a careless or hostile file puts in a field: numbers at and beyond 64 bits, below
# zero, and references that name nothing.
BOUNDS = [
    '""',
    "[]",
    '[""]',
    '["", ""]',
    '["berlin"]',
    "0",
    "-1",
    str(2**63 - 1),
    str(2**63),
    str(-(2**63) - 1),
    "99999999999999999999999",
]
# One query per case, in turn: each reads the records in its own way.
READERS = [*QUERIES, ("partners", "paris", "-f", "json"), ("export", "json", "-")]


def _bounded_keys() -> set[str]:
    """The keys, from the schema, of every whole number and every reference."""
    from citynet.model import SECTIONS
    from citynet.schema import fields_of

    keys: set[str] = set()
    types: list[type] = list(SECTIONS.values())
    while types:
        for spec in fields_of(types.pop()):
            if spec.nested:
                types.append(spec.nested)
            elif spec.refers or spec.value == "int":
                keys.add(spec.name)
    return keys


def test_every_number_and_reference_at_its_bounds_is_checked_or_works(mini: Path) -> None:
    """A file that `check` accepts works in every command; one it refuses is exit 3."""
    original = mini.read_text(encoding="utf-8").splitlines()
    keys = _bounded_keys()
    fields = [n for n, line in enumerate(original) if line.split(" = ", 1)[0] in keys]
    case = 0
    for number in fields:
        key = original[number].split(" = ", 1)[0]
        for value in BOUNDS:
            lines = [*original]
            lines[number] = f"{key} = {value}"
            mini.write_text("\n".join(lines) + "\n", encoding="utf-8")
            checked = invoke(mini, "check").exit_code
            query = READERS[case % len(READERS)]
            result = invoke(mini, *query)
            if checked == 0:
                # 1: the change took away a name the query asks for
                assert result.exit_code in (0, 1), (key, value, query, result.stderr)
            else:
                assert (checked, result.exit_code) == (3, 3), (key, value, query)
            case += 1
    assert case == len(fields) * len(BOUNDS)


# --- import tables: names of every kind, runs that repeat ------------------------------------

NAME_PIECES = [
    "-", "–", "—", "·", "…", "★", "☃", "🏙", "/", "(", ")", "'", "’", '"', ".", ",", "&", "#",
    " ", "\u00a0", "\u3000", "\u200b", "\u0301", "\u202e",
    "a", "Z", "ö", "ß", "ı", "Ø", "東", "京", "ą", "л", "ع", "٣", "1", "0",
]  # fmt: skip
QIDS = ["", "Q64", "Q0", "Q01", "Q١٢", "Q１", "q64", "Q", "Q-1", "Q" + "9" * 30]


def _hostile_table(rng: random.Random) -> str:
    rows = ["name,country,wikidata"]
    for _ in range(rng.randrange(1, 6)):
        name = "".join(rng.choice(NAME_PIECES) for _ in range(rng.randrange(1, 6)))
        country = rng.choice(["FR", "DE", "JP", "XX", "", "NA"])
        name = '"' + name.replace('"', '""') + '"'
        rows.append(f"{name},{country},{rng.choice(QIDS)}")
    return "\n".join(rows) + "\n"


def test_import_tables_with_names_of_every_kind_import_once(mini: Path) -> None:
    """Whatever the names, a second run of the same import changes nothing."""
    rng = random.Random(21)
    original = mini.read_bytes()
    table = mini.with_name("members.csv")
    for _case in range(cases(40)):
        mini.write_bytes(original)
        table.write_text(_hostile_table(rng), encoding="utf-8")
        first = invoke(mini, "import", "members", str(table), "--network", "eurocities")
        assert first.exit_code == 0, (table.read_text(encoding="utf-8"), first.stderr)
        after = mini.read_bytes()
        second = invoke(mini, "import", "members", str(table), "--network", "eurocities")
        assert second.exit_code == 0, second.stderr
        assert mini.read_bytes() == after, table.read_text(encoding="utf-8")
        assert store.load(mini)  # and what was written is valid


# --- special files in every path citynet reads or writes -----------------------------------

SPECIAL = ["fifo", "folder", "device", "dangling", "loop"]


def _plant(path: Path, kind: str) -> None:
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path, 0o600)
    elif kind == "folder":
        path.mkdir(0o700)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "dangling":
        path.symlink_to(path.with_name("nothing-here"))
    else:
        path.symlink_to(path.name)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        path.rmdir()
    elif path.is_symlink() or path.exists():
        path.unlink()


def _run(*args: str, cache: Path) -> subprocess.CompletedProcess[bytes]:
    """citynet in its own process: a hang fails the timeout, not the whole suite."""
    return subprocess.run(
        [*citynet_command(), *args],
        capture_output=True,
        env={**os.environ, "CITYNET_CACHE_DIR": str(cache)},
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(os.name != "posix" or not Path("/dev/zero").exists(), reason="POSIX files")
@pytest.mark.parametrize("kind", SPECIAL)
def test_special_files_in_every_path_are_refused_or_ignored(
    mini: Path, private_cache: Path, kind: str
) -> None:
    from citynet import cache

    folder = mini.parent
    table = folder / "members.csv"
    table.write_text("name,country\nLyon,FR\n", encoding="utf-8")
    cities, links = folder / "cities.csv", folder / "links.csv"
    cities.write_text("id,name,lng,lat,country,countrycd,continent\n", encoding="utf-8")
    links.write_text("source,target\n", encoding="utf-8")
    data = ("--data", str(mini))
    members = (*data, "import", "members", str(table), "--network", "eurocities")
    wikidata = (*data, "import", "wikidata", "--cities", str(cities), "--links", str(links))
    assert _run(*data, "list", cache=private_cache).returncode == 0  # the cache is made
    entry = private_cache / cache._entry_name(mini)
    add_theme = (*data, "add", "theme", "--id", "neu", "--name", "Neu")
    # (the path, a command that reads or writes it, whether refusing it is that command's job)
    paths: list[tuple[Path, tuple[str, ...], bool]] = [
        (mini, (*data, "list"), True),
        (table, (*members, "--dry-run"), True),
        (table, members, True),
        (cities, (*wikidata, "--dry-run"), True),
        (links, wikidata, True),
        (private_cache / "key", (*data, "list"), False),
        (entry, (*data, "list"), False),
        (mini.with_name("networks.toml.lock"), add_theme, True),
        (folder / "out", (*data, "list", "-o", str(folder / "out")), True),
        (folder / "out.json", (*data, "export", "json", str(folder / "out.json"), "--force"), True),
        (folder / "rows.tsv", (*members, "--report", str(folder / "rows.tsv")), True),
    ]
    original = {p: p.read_bytes() for p in (mini, table, cities, links)}
    for path, command, refuses in paths:
        _plant(path, kind)
        result = _run(*command, cache=private_cache)
        where = f"{kind} at {path.name}: citynet {' '.join(command[2:])}"
        assert b"Traceback" not in result.stderr, (where, result.stderr)
        # 2: click's own check of an option's path (-o names a folder)
        assert result.returncode in ((0, 2, 3) if refuses else (0,)), (where, result.stderr)
        if result.returncode == 3:
            assert result.stderr.startswith(b"citynet: "), (where, result.stderr)
        assert Path("/dev/zero").is_char_device()
        _remove(path)
        for kept, content in original.items():
            if kept.is_symlink() or not kept.is_file():
                _remove(kept)
            kept.write_bytes(content)


# --- injection matrix ----------------------------------------------------------------------

HOSTILE = [
    "\x1b]52;c;ZWNobyBoaQ==\x07\x1b[2J",  # a clipboard write and a screen clear
    "\x1b]52;c;eA==\x1b\\st",  # OSC 52 ended by ST
    "\x1b[31mred\x1b[0m\x08\x07",
    "\x9b31mC1-CSI\x85\x90dcs",
    "\u202eevil\u202c\u2066x\u2069\u200f\u200e\u061c",
    "line\u2028sep\u2029para",
    "[bold]markup[/bold] [link=https://example.org]x[/link]",
    "=cmd|' /C calc'!A0",
    " \t+1+1",
    "＝HYPERLINK(1)",
    "@SUM(1)",
    "<script>alert(1)</script>",
    "tab\there\nnew\rline\x00nul\x7fdel",
]
# Fields that name or point at records keep their values; every other text is hostile.
KEEP = {
    "id", "city", "cities", "network", "networks", "parent", "related", "themes", "theme",
    "sources", "source", "scope", "kind", "measure", "qualifier", "country", "wikidata",
    "language", "schema_version",
}  # fmt: skip


def poison(value: Any, key: str, counter: list[int]) -> Any:
    """Every text of a document replaced by hostile strings in turn, ids kept."""
    if isinstance(value, dict):
        return {k: poison(v, k, counter) for k, v in value.items()}
    if isinstance(value, list):
        return [poison(v, key, counter) for v in value]
    if isinstance(value, str) and key not in KEEP:
        counter[0] += 1
        return HOSTILE[counter[0] % len(HOSTILE)] + value
    return value


COMMANDS = [
    ("list",),
    ("show", "eurocities"),
    ("show", "koeln"),
    ("partners", "berlin"),
    ("compare", "eurocities", "klima-buendnis"),
    ("compare", "berlin", "koeln"),
    ("themes",),
    ("cities",),
    ("search", "a"),
    ("stats",),
    ("suggest", "koeln"),
]
FORMATS = ["table", "json", "csv", "csv-de", "tsv", "md", "ids"]
# Commands that write their own formats: graphs, and the dataset as JSON.
OWN_FORMATS = [
    *(("graph", "-f", fmt) for fmt in ("dot", "mermaid", "graphml", "gexf")),
    ("graph", "berlin", "-f", "graphml"),
    ("export", "json", "-"),
]


@pytest.fixture
def hostile(mini: Path) -> Path:
    document = tomllib.loads(mini.read_text(encoding="utf-8"))
    mini.write_text(tomli_w.dumps(poison(document, "", [0])), encoding="utf-8")
    assert store.load(mini)  # still a valid file: only free text changed
    return mini


def test_hostile_text_in_every_command_and_format(hostile: Path) -> None:
    for command in COMMANDS:
        for fmt in FORMATS:
            result = invoke(hostile, *command, "-f", fmt)
            assert result.exit_code == 0, (command, fmt, result.stderr)
            out = result.stdout
            if fmt == "json" and command[0] in ("list", "show", "themes", "cities"):
                # The values themselves come through unchanged, escaped by JSON.
                strings = _strings(json.loads(out))
                assert any(s.startswith(tuple(HOSTILE)) for s in strings), command
            if fmt == "csv":
                assert "\n=cmd" not in out and ",=cmd" not in out
            if fmt == "md":
                assert "<script>" not in out
            if "markup" in out and fmt != "json":
                assert "[bold]markup" in out or "\\[bold\\]markup" in out  # never markup
    invoke(hostile, "check")


def test_hostile_text_in_graphs_and_exports(hostile: Path) -> None:
    from xml.etree import ElementTree

    for command in OWN_FORMATS:
        result = invoke(hostile, *command)
        assert result.exit_code == 0, (command, result.stderr)
        if command[-1] in ("graphml", "gexf"):
            ElementTree.fromstring(result.stdout.encode("utf-8"))  # well-formed XML
        if command[0] == "export":
            assert json.loads(result.stdout)["networks"]


def test_hostile_text_in_ids_and_vocabularies_is_escaped_in_errors(mini: Path) -> None:
    text = mini.read_text(encoding="utf-8")
    for index, value in enumerate(HOSTILE):
        escaped = json.dumps(value)  # a TOML basic string accepts JSON's escapes
        field = ["scope", "id", "country", "kind"][index % 4]
        line = f"{field} = {escaped}"
        mutated = re.sub(
            rf'^{field} = "[^"]*"', lambda _, line=line: line, text, count=1, flags=re.M
        )
        mini.write_text(mutated, encoding="utf-8")
        assert invoke(mini, "check").exit_code == 3
        assert invoke(mini, "list").exit_code == 3


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def citynet_command() -> list[str]:
    return [sys.executable, "-m", "citynet"]


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
@pytest.mark.parametrize("command", [*COMMANDS, *OWN_FORMATS, ("check",)], ids=" ".join)
def test_hostile_text_on_a_terminal_and_in_a_pipe(hostile: Path, command: tuple[str, ...]) -> None:
    from test_entry_point import in_a_pipe, on_a_terminal

    piped = in_a_pipe("--data", str(hostile), *command)
    assert piped.returncode == 0, piped.stderr
    assert_clean(piped.stdout, f"pipe {command}")
    assert_clean(piped.stderr, f"pipe {command}")
    code, screen = on_a_terminal("--data", str(hostile), *command)
    assert code == 0, screen
    assert "\x1b" not in SGR.sub("", screen), f"terminal {command}: {screen[:300]!r}"
    assert_clean(SGR.sub("", screen), f"terminal {command}")


# --- writers killed at random moments --------------------------------------------------


def test_a_writer_killed_at_any_moment_leaves_the_old_or_the_new_file(mini: Path) -> None:
    # A larger file, so that reading, checking and writing take long enough to be hit.
    extra = "".join(
        f'\n[[cities]]\nid = "ort-{n}"\nname = "Ort {n}"\ncountry = "DE"\nsources = ["doc-a"]\n'
        for n in range(1500)
    )
    mini.write_text(mini.read_text(encoding="utf-8") + extra, encoding="utf-8")
    assert runner.invoke(app, ["--data", str(mini), "fmt"]).exit_code == 0
    env = {**os.environ, "CITYNET_DATA": str(mini)}

    def add(n: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                *citynet_command(),
                *("add", "city", "--id", f"neu-{n}", "--name", f"Neu {n}"),
                *("--country", "DE", "--source", "doc-a"),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def with_city(text: bytes, n: int) -> bytes:
        """What a writer that is not killed writes: the file, with one city more."""
        old = store.parse(text.decode("utf-8"))
        city = City(f"neu-{n}", f"Neu {n}", "DE", ("doc-a",))
        return store.dumps(old.replace(cities=(*old.cities, city))).encode("utf-8")

    # How long one whole write takes here, to spread the kills over it.
    expected = with_city(mini.read_bytes(), 0)
    started = time.monotonic()
    first = add(0)
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    span = time.monotonic() - started
    assert mini.read_bytes() == expected
    rng = random.Random(240)
    cities = len(store.load(mini).cities)
    for n in range(1, cases(20) + 1):
        before = mini.read_bytes()
        expected = with_city(before, n)
        writer = add(n)
        # Half the kills aim at the end, where the new file is written.
        time.sleep(rng.uniform(0, span) if n % 2 else rng.uniform(span * 0.6, span * 1.05))
        writer.kill()
        _, err = writer.communicate(timeout=60)
        assert b"Traceback" not in err
        after = mini.read_bytes()
        store.load(mini)  # always a whole, valid file …
        # … and exactly the old one or exactly the new one, never a mixture of the two
        assert after in (before, expected), f"kill {n}: neither the old file nor the new"
        cities += after == expected
    # The next writer finds what the killed ones left and removes it.
    last = add(10_000)
    _, err = last.communicate(timeout=120)
    assert last.returncode == 0, err
    leftovers = [p.name for p in mini.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    assert len(store.load(mini).cities) == cities + 1

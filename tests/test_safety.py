"""Nothing gets in and nothing is lost: links, permissions, leftovers, limits, hostile arguments."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citynet import files, store
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


# --- round two: imports ------------------------------------------------------------------


def _import(mini: Path, table: Path, *args: str) -> tuple[int, str, str]:
    return cli(mini, "import", "members", str(table), "--network", "eurocities", *args)


@pytest.mark.parametrize("name", ["-", "★", "…", "--", "·"])
def test_a_name_without_letters_or_digits_is_rejected_and_a_rerun_changes_nothing(
    mini: Path, name: str
) -> None:
    table = mini.with_name("p.csv")
    table.write_text(f"name,country\n{name},FR\nLyon,FR\n", encoding="utf-8")
    code, _, err = _import(mini, table)
    assert code == 0, err
    assert "has no letters or digits" in err
    after_first = mini.read_bytes()
    for _ in range(2):
        assert _import(mini, table)[0] == 0
        assert mini.read_bytes() == after_first  # a second run changes nothing
    names = [c.name for c in store.load(mini).cities]
    assert name not in names and names.count("Lyon") == 1


@pytest.mark.parametrize("qid", ["Q0", "Q01", "Q١٢", "Q１"])
def test_a_row_with_a_bad_qid_is_rejected_alone(mini: Path, qid: str) -> None:
    table = mini.with_name("p.csv")
    table.write_text(f"name,country,wikidata\nLyon,FR,{qid}\nNantes,FR,\n", encoding="utf-8")
    code, _, err = _import(mini, table)
    assert code == 0, err
    assert f"{qid!r} is not a Wikidata id" in err
    names = {c.name for c in store.load(mini).cities}
    assert "Nantes" in names and "Lyon" not in names


def test_a_new_title_for_an_existing_source_is_refused(mini: Path) -> None:
    table = mini.with_name("p.csv")
    table.write_text("name,country\nLyon,FR\n", encoding="utf-8")
    before = mini.read_bytes()
    code, _, err = _import(mini, table, "--source", "doc-a", "--title", "X", "--publisher", "Y")
    assert code == 2
    assert "'doc-a' exists already" in err and "--title, --publisher" in err
    assert mini.read_bytes() == before
    # The same words as the record says, or none, reuse it.
    assert _import(mini, table, "--source", "doc-a", "--title", "Netzwerke")[0] == 0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('[{"name": "Lyon", "country": "FR", "n": ' + "9" * 5000 + "}]", "4,300 digits"),
    ],
    ids=["deep", "long-number"],
)
def test_a_hostile_json_table_is_a_data_error(mini: Path, text: str, reason: str) -> None:
    table = mini.with_name("p.json")
    table.write_text(text, encoding="utf-8")
    code, _, err = _import(mini, table)
    assert code == 3 and reason in err and str(table) in err


# --- round two: special files wherever citynet reads -------------------------------------


@POSIX
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "write"])
def test_a_fifo_as_an_import_table_is_refused_without_blocking(mini: Path, dry_run: bool) -> None:
    fifo = mini.with_name("f.csv")
    os.mkfifo(fifo)
    args = ["--data", str(mini), "import", "members", str(fifo), "--network", "eurocities"]
    result = citynet(*args, *["--dry-run"] * dry_run)  # blocked forever before
    assert result.returncode == 3, result.stderr
    assert b"not a regular file" in result.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_as_an_import_table_is_refused(mini: Path) -> None:
    code, _, err = _import(mini, Path("/dev/zero"), "--dry-run")
    assert code == 3 and "not a regular file" in err
    assert files.line_count(Path("/dev/zero")) == 0


@POSIX
def test_line_counts_never_wait_on_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "f.csv"
    os.mkfifo(fifo)
    assert files.line_count(fifo) == 0
    assert files.line_count(tmp_path) == 0
    table = tmp_path / "t.csv"
    table.write_text("a\nb\nc\n", encoding="utf-8")
    assert files.line_count(table) == 3


def _cache_entry(mini: Path, folder: Path) -> Path:
    from citynet import cache

    assert cli(mini, "list")[0] == 0  # makes the key and the entry
    return folder / cache._entry_name(mini)


@POSIX
@pytest.mark.parametrize("what", ["key", "entry"])
@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_special_file_in_the_cache_is_ignored(
    mini: Path, private_cache: Path, what: str, kind: str
) -> None:
    entry = _cache_entry(mini, private_cache)
    planted = private_cache / "key" if what == "key" else entry
    planted.unlink()
    if kind == "fifo":
        os.mkfifo(planted, 0o600)
    else:
        planted.mkdir(0o700)
    result = citynet("--data", str(mini), "list", CITYNET_CACHE_DIR=str(private_cache))
    assert result.returncode == 0, result.stderr
    assert b"Stadt" in result.stdout or b"eurocities" in result.stdout


@POSIX
def test_a_cache_entry_larger_than_any_data_file_is_not_read(
    mini: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from citynet import cache

    entry = _cache_entry(mini, private_cache)
    reads: list[int] = []
    real_read = cache._read_private

    def counted(path: Path, limit: int) -> bytes | None:
        found = real_read(path, limit)
        reads.append(-1 if found is None else len(found))
        return found

    monkeypatch.setattr(cache, "_read_private", counted)
    with entry.open("r+b") as file:
        file.truncate(files.max_bytes() + 1024)  # sparse: no disk used
    assert cli(mini, "list")[0] == 0
    assert -1 in reads  # refused, by its size, before a byte was read


# --- round two: bounds and references in the data file -----------------------------------


def _replace_in(mini: Path, old: str, new: str) -> None:
    text = mini.read_text(encoding="utf-8")
    assert old in text
    mini.write_text(text.replace(old, new, 1), encoding="utf-8")


QUERIES_OF_A_RECORD = [
    ("check",),
    ("list",),
    ("show", "berlin"),
    ("partners", "berlin"),
    ("stats",),
]


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ('id = "berlin"', 'id = "berlin"\npopulation = 99999999999999999999999', "'population'"),
        ("value = 135", "value = 18446744073709551616", "'value'"),
        ("value = 135", "value = -9223372036854775809", "'value'"),
        ("founded = 1990", "founded = 99999999999999999999999", "'founded'"),
    ],
)
def test_an_integer_beyond_64_bits_is_a_data_error(
    mini: Path, old: str, new: str, reason: str
) -> None:
    _replace_in(mini, old, new)
    for query in QUERIES_OF_A_RECORD:
        code, _, err = cli(mini, *query)
        assert code == 3, (query, err)
        assert reason in err


def test_the_largest_64_bit_integer_is_a_population(mini: Path) -> None:
    _replace_in(mini, 'id = "berlin"', f'id = "berlin"\npopulation = {2**63 - 1}')
    for query in QUERIES_OF_A_RECORD:
        code, _, err = cli(mini, *query)
        assert code == 0, (query, err)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('city = "koeln"', 'city = ""'),
        ('network = "eurocities"', 'network = ""'),
        ('cities = ["paris", "berlin"]', 'cities = ["", "berlin"]'),
        ('cities = ["paris", "berlin"]', 'cities = ["berlin", ""]'),
        ('cities = ["paris", "berlin"]', "cities = []"),
        ('cities = ["paris", "berlin"]', 'cities = ["paris"]'),
        ('sources = ["doc-a"]', 'sources = [""]'),
        ('source = "doc-a"', 'source = ""'),
        ('themes = ["klima"]', 'themes = [""]'),
    ],
)
def test_an_empty_reference_is_a_data_error(mini: Path, old: str, new: str) -> None:
    _replace_in(mini, old, new)
    for query in QUERIES_OF_A_RECORD:
        code, _, err = cli(mini, *query)
        assert code == 3, (query, err)
        assert "expected an id from" in err or "exactly two city ids" in err


def test_an_optional_reference_may_be_empty(mini: Path) -> None:
    _replace_in(mini, 'role = "Gründungsmitglied"', 'role = "Gründungsmitglied"\ncity = ""')
    assert cli(mini, "check")[0] == 0


@pytest.mark.parametrize("cities", ["berlin", "berlin,paris,koeln"])
def test_a_partnership_of_other_than_two_cities_is_a_usage_error(mini: Path, cities: str) -> None:
    before = mini.read_bytes()
    args = ("add", "partnership", "--cities", cities, "--kind", "contact", "--source", "doc-a")
    code, _, err = cli(mini, *args)
    assert code in (1, 2), err
    assert mini.read_bytes() == before


def test_a_deep_graph_ends_once_everything_is_reached(mini: Path) -> None:
    from citynet.graphs import build_graph

    data = store.load(mini)
    berlin = data.city_by_id["berlin"]
    whole = build_graph(data, [berlin], depth=20)
    # Far more steps than a loop could make: it must stop when nothing new is reached.
    assert build_graph(data, [berlin], depth=2**63) == whole
    code, out, err = cli(mini, "graph", "berlin", "--depth", str(2**63), "-f", "mermaid")
    assert code == 0, err
    assert "Berlin" in out


# --- round two: names of files -----------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("--data", "/tmp/" + "x" * 300 + "/a.toml", "check"),
        ("--data", "", "fmt"),
        ("--data", "", "check"),
        ("--data", "", *ADD_LYON),
        ("--data", "/", "fmt"),
    ],
    ids=["long", "empty-fmt", "empty-check", "empty-add", "root"],
)
def test_a_data_path_that_names_no_file_is_exit_3(args: tuple[str, ...]) -> None:
    result = citynet(*args)
    assert result.returncode == 3, result.stderr
    assert b"Traceback" not in result.stderr
    assert b"citynet: " in result.stderr


def test_an_export_to_an_empty_name_is_exit_3(mini: Path) -> None:
    for args in (("export", "sqlite", ""), ("export", "sqlite", "", "--force")):
        result = citynet("--data", str(mini), *args)
        assert result.returncode == 3, result.stderr
        assert b"is a folder" in result.stderr


def test_the_size_limit_must_be_a_positive_whole_number(mini: Path) -> None:
    assert citynet("--data", str(mini), "list", **{files.SIZE_ENV: str(10**23)}).returncode == 0
    for bad in ("-1", "0", "lots"):
        result = citynet("--data", str(mini), "list", **{files.SIZE_ENV: bad})
        assert result.returncode == 2, result.stderr
        assert files.SIZE_ENV.encode() in result.stderr and bad.encode() in result.stderr


# --- round two: what is written --------------------------------------------------------


RAW_IN_JSON = ["\x9b", "\x9d", "\u202e", "\u2028", "\u2066"]


def test_geojson_escapes_controls_bidi_and_separators(mini: Path) -> None:
    hostile = "".join(RAW_IN_JSON)
    _replace_in(mini, 'name = "Paris"', f'name = "Pa{hostile}ris"')
    code, out, err = cli(mini, "map", "berlin", "-f", "geojson")
    assert code == 0, err
    assert not any(char in out for char in RAW_IN_JSON)
    assert "Pa\\u009b\\u009d\\u202e\\u2028\\u2066ris" in out
    import json

    names = {f["properties"].get("name") for f in json.loads(out)["features"]}
    assert f"Pa{hostile}ris" in names  # the same text, only escaped


@pytest.mark.parametrize("blank", ["\u00a0", "\u3000", "\u2003", " \u00a0"])
def test_a_formula_after_any_blank_gets_a_quote(mini: Path, blank: str) -> None:
    from citynet.output import spreadsheet_safe

    assert spreadsheet_safe(f"{blank}=1+1") == f"'{blank}=1+1"
    _replace_in(mini, 'name = "Paris"', f'name = "{blank}=HYPERLINK(1)"')
    for fmt in ("csv", "csv-de"):
        code, out, _ = cli(mini, "cities", "-f", fmt)
        assert code == 0
        assert f"'{blank}=HYPERLINK" in out


@pytest.mark.parametrize(
    "args",
    [
        ("fmt", "--check"),
        (*ADD_LYON, "--dry-run"),
        ("remove", "city", "paris", "--cascade", "--dry-run"),
    ],
    ids=["fmt-check", "add", "remove"],
)
def test_a_dry_run_takes_no_lock_and_writes_nothing(mini: Path, args: tuple[str, ...]) -> None:
    stale = mini.with_name(".networks.toml.99999-abc_12x.tmp")
    stale.write_text("half a file", encoding="utf-8")
    before = sorted(p.name for p in mini.parent.iterdir())
    code, _, err = cli(mini, *args)
    assert code in (0, 1), err
    assert sorted(p.name for p in mini.parent.iterdir()) == before  # no lock, nothing cleaned


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_a_dry_run_works_in_a_read_only_folder(mini: Path) -> None:
    mini.parent.chmod(0o555)
    try:
        assert cli(mini, "fmt", "--check")[0] in (0, 1)
        assert cli(mini, *ADD_LYON, "--dry-run")[0] == 0
    finally:
        mini.parent.chmod(0o755)


@POSIX
def test_a_planted_lock_link_is_refused_and_its_target_not_created(mini: Path) -> None:
    victim = mini.with_name("victim")
    mini.with_name("networks.toml.lock").symlink_to(victim)
    before = mini.read_bytes()
    code, _, err = cli(mini, *ADD_LYON)
    assert code == 3 and "symbolic link" in err
    assert not victim.exists() and mini.read_bytes() == before


@POSIX
def test_a_planted_lock_fifo_is_refused_without_blocking(mini: Path) -> None:
    os.mkfifo(mini.with_name("networks.toml.lock"))
    result = citynet("--data", str(mini), *ADD_LYON)
    assert result.returncode == 3 and b"not a regular file" in result.stderr


@POSIX
def test_output_is_written_through_a_link(mini: Path) -> None:
    real = mini.with_name("real.tsv")
    real.write_text("old", encoding="utf-8")
    link = mini.with_name("out.tsv")
    link.symlink_to(real.name)
    code, _, err = cli(mini, "list", "-o", str(link))
    assert code == 0, err
    assert link.is_symlink() and "eurocities" in real.read_text(encoding="utf-8")


@POSIX
@pytest.mark.parametrize(
    "command", [("list",), ("graph",), ("map", "berlin"), ("report", "berlin")]
)
def test_output_never_replaces_a_fifo_or_a_device(mini: Path, command: tuple[str, ...]) -> None:
    fifo = mini.with_name("out")
    os.mkfifo(fifo)
    code, _, err = cli(mini, *command, "-o", str(fifo))
    assert code == 3 and "not a regular file" in err
    assert fifo.exists() and not fifo.is_file()
    if Path("/dev/null").exists():
        # Through a link, so that a regression replaces the link, never /dev/null itself.
        link = mini.with_name("null")
        link.symlink_to("/dev/null")
        code, _, err = cli(mini, *command, "-o", str(link))
        assert code == 3 and "not a regular file" in err
        assert Path("/dev/null").is_char_device()


@pytest.mark.parametrize(
    "command",
    [
        ("list", "-f", "tsv"),
        ("graph", "-f", "dot"),
        ("map", "berlin", "-f", "svg"),
        ("export", "json"),
    ],
)
def test_output_never_replaces_the_data_file(mini: Path, command: tuple[str, ...]) -> None:
    before = mini.read_bytes()
    target = [str(mini)] if command[0] == "export" else ["-o", str(mini)]
    code, _, err = cli(mini, *command, *target, *["--force"] * (command[0] == "export"))
    assert code == 2 and "is the data file" in err
    assert mini.read_bytes() == before


@pytest.mark.parametrize("command", ["map", "report", "graph", "list"])
def test_output_to_an_empty_name_is_a_clear_error(mini: Path, command: str) -> None:
    args = (command, "berlin") if command in ("map", "report") else (command,)
    code, _, err = cli(mini, *args, "-o", "")
    assert code == 3, err
    assert "is a folder" in err and "busy" not in err


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="only root gives files away")
def test_a_write_keeps_the_owner_of_the_data_file(mini: Path) -> None:
    os.chown(mini, 4242, 4343)
    mini.chmod(0o664)
    code, _, err = cli(mini, *ADD_LYON)
    assert code == 0, err
    info = mini.stat()
    assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (4242, 4343, 0o664)


# --- round two: messages ---------------------------------------------------------------


def test_extra_arguments_are_echoed_escaped(mini: Path) -> None:
    result = citynet("--data", str(mini), "list", "a\u202eb", "c\x1b[2Jd", "e\x9bf")
    assert result.returncode == 2
    err = result.stderr.decode("utf-8")
    assert "unexpected extra argument" in err
    assert "\u202e" not in err and "\x1b" not in err and "\x9b" not in err
    assert "a\\u202eb" in err


@pytest.mark.parametrize("value", ["--data", "--lang", "--no-color", "--data=x"])
def test_an_option_value_that_reads_like_a_global_option_is_the_value(
    mini: Path, value: str
) -> None:
    args = ("add", "city", "--id", "zz", "--name", value, "--country", "DE", "--source", "doc-a")
    code, _, err = cli(mini, *args)
    assert code == 0, err
    assert store.load(mini).city_by_id["zz"].name == value


def test_global_options_still_move_from_after_the_command(mini: Path) -> None:
    from citynet.cli.app import CommandOptions, global_options_first

    args = ["add", "city", "--id", "zz", "--dry-run", "--data", str(mini), "--name", "Z"]
    assert global_options_first(args, CommandOptions(flags=frozenset({"--dry-run"}), open=True))[
        :2
    ] == ["--data", str(mini)]
    result = citynet("add", "city", "--id", "zz", "--name", "Z", "--country", "DE",
                     "--source", "doc-a", "--dry-run", "--data", str(mini))  # fmt: skip
    assert result.returncode == 0, result.stderr
    code, out, err = cli(mini, "list", "-f", "ids", "--lang", "de")
    assert code == 0 and "eurocities" in out, err


def test_a_file_with_thousands_of_problems_lists_the_first_and_counts_the_rest(
    mini: Path,
) -> None:
    from citynet.cli.app import PROBLEMS_SHOWN

    broken = "".join(f'\n[[themes]]\nid = "t{n}"\nname = ""\n' for n in range(20_000))
    mini.write_text(mini.read_text(encoding="utf-8") + broken, encoding="utf-8")
    code, _, err = cli(mini, "list")
    assert code == 3
    lines = err.splitlines()
    assert len(lines) == PROBLEMS_SHOWN + 1
    assert lines[-1] == f"citynet: … and {20_000 - PROBLEMS_SHOWN} more problem(s)"
    code, _, err = cli(mini, "check")
    assert code == 3 and "20000 problem(s)" in err and len(err) < 100_000


@pytest.mark.parametrize(
    ("option", "value"),
    [("--population", "99999999999999999999999"), ("--population", "-1"), ("--lat", "100")],
)
def test_a_number_out_of_its_range_on_the_command_line_is_a_usage_error(
    mini: Path, option: str, value: str
) -> None:
    before = mini.read_bytes()
    extra = ("--lng", "0") if option == "--lat" else ()
    code, _, err = cli(mini, *ADD_LYON, option, value, *extra)
    assert code == 2, err
    assert f"{option}: expected" in err and value in err
    assert mini.read_bytes() == before

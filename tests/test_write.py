"""Writing never loses data: atomic replace, locking, comments, conflicts, round trips."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from citynet import files, store
from citynet.cli import app
from citynet.errors import DataError
from citynet.model import (
    SECTIONS,
    YEAR_RANGE,
    City,
    Dataset,
    Figure,
    Membership,
    Network,
    Partnership,
    Role,
    Source,
    Theme,
)

runner = CliRunner()


ADD_LYON = ("add", "city", "--id", "lyon", "--name", "Lyon", "--country", "FR", "--source", "doc-a")


def cli(path: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


def canonical(path: Path) -> Path:
    cli(path, "fmt")
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- atomic writes ------------------------------------------------------------------


def test_a_failure_between_write_and_rename_leaves_the_old_file(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = mini.read_bytes()

    def crash(temporary: str, path: Path) -> None:
        raise OSError(errno.EIO, "simulated crash before rename")

    monkeypatch.setattr(files, "_replace", crash)
    code, _, err = cli(mini, *ADD_LYON)
    assert code == 3
    assert "the file is unchanged" in err
    assert mini.read_bytes() == before
    assert leftovers(mini.parent) == []


def test_a_full_disk_is_a_clear_error_and_the_file_is_untouched(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = mini.read_bytes()

    def full(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    code, _, err = cli(mini, "fmt")
    assert code == 3
    assert "disk is full" in err
    assert mini.read_bytes() == before
    assert leftovers(mini.parent) == []


def test_a_read_only_folder_is_a_clear_error(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from citynet import files

    before = mini.read_bytes()

    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(files, "_temporary", refuse)  # what creating a file there says
    code, _, err = cli(mini, "fmt")
    assert code == 3
    assert "permission denied" in err and "read-only" in err
    assert mini.read_bytes() == before


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores file modes")
def test_a_really_read_only_folder_is_refused(mini: Path) -> None:
    before = mini.read_bytes()
    mini.parent.chmod(0o555)
    try:
        code, _, err = cli(mini, "fmt")
    finally:
        mini.parent.chmod(0o755)
    assert code == 3 and "permission denied" in err
    assert mini.read_bytes() == before


def test_a_process_killed_mid_write_leaves_old_or_new_never_a_mix(
    mini: Path, tmp_path: Path
) -> None:
    old = canonical(mini).read_text(encoding="utf-8")
    # A child that starts writing a large new text slowly and is killed halfway.
    script = textwrap.dedent(
        f"""
        import os, sys, time
        from pathlib import Path
        from citynet import files, store
        real_fsync = os.fsync
        def slow_fsync(fd):
            sys.stdout.write("writing\\n"); sys.stdout.flush()
            time.sleep(30)
        os.fsync = slow_fsync
        files.atomic_write(Path({str(mini)!r}), {old!r} * 50)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "writing"
    child.kill()
    child.wait()
    assert mini.read_text(encoding="utf-8") == old
    store.load(mini)  # still a whole, valid file


# --- comments, conflicts, locks ------------------------------------------------------


def test_a_file_with_comments_is_refused_naming_the_lines(mini: Path) -> None:
    text = mini.read_text(encoding="utf-8").replace(
        '[[cities]]\nid = "paris"', '# Paris!\n[[cities]]\nid = "paris"'
    )
    mini.write_text(text, encoding="utf-8")
    line = text.splitlines().index("# Paris!") + 1
    code, _, err = cli(mini, "fmt")
    assert code == 3
    assert f"line {line}" in err and "--force" in err
    assert mini.read_text(encoding="utf-8") == text


def test_force_keeps_a_backup_before_dropping_comments(mini: Path) -> None:
    text = "# Kommentar\n" + mini.read_text(encoding="utf-8")
    mini.write_text(text, encoding="utf-8")
    code, _, err = cli(mini, "fmt", "--force")
    assert code == 0, err
    backups = list(mini.parent.glob("networks.toml.*.bak"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == text
    assert "# Kommentar" not in mini.read_text(encoding="utf-8")


def test_a_hash_inside_a_string_is_not_a_comment() -> None:
    text = 'a = "x # y"\nb = \'# z\'\nc = """\n# not\n"""\n# yes\n'
    assert store.comment_lines(text) == [6]


def test_a_file_changed_by_someone_else_meanwhile_is_not_overwritten(mini: Path) -> None:
    def change(data: Dataset) -> Dataset:
        mini.write_text(
            mini.read_text(encoding="utf-8").replace("Stadt A", "Stadt Z"), encoding="utf-8"
        )
        return data

    with pytest.raises(DataError, match="changed by someone else"):
        store.update(mini, change)
    assert "Stadt Z" in mini.read_text(encoding="utf-8")


def test_a_file_holds_exactly_its_bytes_and_nothing_else(tmp_path: Path) -> None:
    # Larger than the piece it is compared in, with the difference in the last piece.
    content = bytes(range(256)) * 4099
    path = tmp_path / "f.toml"
    path.write_bytes(content)
    assert files.holds(path, content)
    for other in (content[:-1] + b"x", content[:-1], content + b"\n", b"", content[1:] + b"a"):
        assert not files.holds(path, other)
    path.write_bytes(b"")
    assert files.holds(path, b"") and not files.holds(path, b"a")
    with pytest.raises(DataError, match="no such file"):
        files.holds(tmp_path / "missing.toml", content)


def test_parallel_writers_all_land(mini: Path) -> None:
    canonical(mini)
    env = {**os.environ, "CITYNET_DATA": str(mini)}
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "citynet",
                "add",
                "city",
                "--id",
                f"stadt-{n}",
                "--name",
                f"Stadt {n}",
                "--country",
                "DE",
                "--source",
                "doc-a",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(6)
    ]
    errors = [w.communicate()[1] for w in writers]
    assert [w.returncode for w in writers] == [0] * 6, errors
    ids = {c.id for c in store.load(mini).cities}
    assert {f"stadt-{n}" for n in range(6)} <= ids


# --- add, edit, remove, fmt ----------------------------------------------------------


def test_add_changes_only_the_added_record(mini: Path) -> None:
    before = canonical(mini).read_text(encoding="utf-8").splitlines()
    code, out, _ = cli(mini, *ADD_LYON)
    assert code == 0
    after = mini.read_text(encoding="utf-8").splitlines()
    import difflib

    changed = [line for line in difflib.ndiff(before, after) if line[:1] in "+-"]
    assert all(line.startswith("+") for line in changed)
    assert '+ id = "lyon"' in changed
    assert '+id = "lyon"' in out  # the diff is shown to the user


def test_add_refers_to_cities_and_networks_by_any_name(mini: Path) -> None:
    code, _, err = cli(
        mini,
        "add",
        "membership",
        "--city",
        "Cologne",
        "--network",
        "Klimabündnis",
        "--since",
        "1992",
        "--source",
        "doc-b",
    )
    assert code == 0, err
    membership = {(m.city, m.network): m for m in store.load(mini).memberships}[
        ("koeln", "klima-buendnis")
    ]
    assert membership.since == 1992


def test_add_without_required_fields_in_a_script_says_which(mini: Path) -> None:
    code, _, err = cli(mini, "add", "network", "--id", "x", "--name", "X")
    assert code == 2 and "--scope" in err and "--sources" in err


def test_add_nested_figure(mini: Path) -> None:
    code, _, err = cli(
        mini,
        "add",
        "network",
        "--id",
        "polis",
        "--name",
        "Polis",
        "--scope",
        "europe",
        "--source",
        "doc-a",
        "--figure",
        "measure=members; value=60; qualifier=über; unit=Städte; source=doc-a",
    )
    assert code == 0, err
    polis = store.load(mini).network_by_id["polis"]
    assert polis.figures == (Figure("members", 60, "Städte", "doc-a", qualifier="über"),)


def test_edit_replaces_fields_and_validates(mini: Path) -> None:
    assert cli(mini, "edit", "network", "eurocities", "--founded", "1987")[0] == 0
    assert store.load(mini).network_by_id["eurocities"].founded == 1987
    # A scope is taken as the filters take it, in German or English; an unknown one is a
    # usage error naming the valid ones, as for `list --scope`.
    code, _, err = cli(mini, "edit", "network", "eurocities", "--scope", "galaxy")
    assert code == 2 and "unknown scope 'galaxy'" in err and "europe" in err
    assert store.load(mini).network_by_id["eurocities"].scope == "europe"
    assert cli(mini, "edit", "network", "eurocities", "--scope", "Weltweit")[0] == 0
    assert store.load(mini).network_by_id["eurocities"].scope == "global"


def test_renaming_an_id_updates_every_reference(mini: Path) -> None:
    assert cli(mini, "edit", "city", "berlin", "--id", "berlin-de")[0] == 0
    data = store.load(mini)
    assert {m.city for m in data.memberships} == {"berlin-de", "koeln"}
    assert all("berlin" not in p.cities for p in data.partnerships)


def test_remove_refuses_a_referenced_city_unless_cascade(mini: Path) -> None:
    before = mini.read_bytes()
    code, _, err = cli(mini, "remove", "city", "paris")
    assert code == 2 and "partnership berlin:paris:partnership" in err
    assert mini.read_bytes() == before
    assert cli(mini, "remove", "city", "paris", "--cascade")[0] == 0
    data = store.load(mini)
    assert "paris" not in data.city_by_id
    assert all("paris" not in p.cities for p in data.partnerships)


def test_remove_a_partnership_by_pair_and_kind(mini: Path) -> None:
    assert cli(mini, "remove", "partnership", "paris:berlin")[0] == 1  # two kinds: ambiguous
    assert cli(mini, "remove", "partnership", "paris:berlin:exchange")[0] == 0
    assert [p.kind for p in store.load(mini).partnerships if "paris" in p.cities] == ["partnership"]


def test_fmt_is_a_fixpoint(mini: Path) -> None:
    canonical(mini)
    first = mini.read_bytes()
    code, out, _ = cli(mini, "fmt")
    assert code == 0 and "already canonical" in out
    assert mini.read_bytes() == first
    assert cli(mini, "fmt", "--check")[0] == 0


def test_fmt_check_reports_a_non_canonical_file(mini: Path) -> None:
    assert cli(mini, "fmt", "--check")[0] == 1  # the fixture is hand-written


def test_the_shipped_dataset_is_canonical() -> None:
    path = files.shipped_path()
    assert store.dumps(store.load(path)) == path.read_text(encoding="utf-8")


# --- round trip over generated datasets -----------------------------------------------

tricky = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("\"'\\\n\täöüßÄÖÜ€😀🏙️ שלום مرحبا[]{}#=")),
        st.characters(blacklist_categories=("Cs",)),
    ),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() != "")
slugs = st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,5})?", fullmatch=True)
years = st.one_of(st.none(), st.integers(*YEAR_RANGE))


@st.composite
def datasets(draw: st.DrawFn) -> Dataset:
    source_ids = draw(st.lists(slugs, min_size=1, max_size=3, unique=True))
    sources = tuple(
        Source(i, draw(tricky), draw(tricky), "de", note=draw(st.one_of(st.just(""), tricky)))
        for i in source_ids
    )
    themes = (Theme("klima", draw(tricky), aliases=tuple(draw(st.lists(tricky, max_size=2)))),)
    ids = draw(st.lists(slugs, min_size=2, max_size=8, unique=True))
    split = draw(st.integers(1, len(ids) - 1))
    source = st.sampled_from(source_ids)
    networks = tuple(
        Network(
            i,
            draw(tricky),
            draw(st.sampled_from(["global", "europe", "national", "regional"])),
            (draw(source),),
            aliases=tuple(draw(st.lists(tricky, max_size=2))),
            themes=draw(st.sampled_from([(), ("klima",)])),
            founded=draw(years),
            description=draw(st.one_of(st.just(""), tricky)),
            figures=tuple(
                Figure(
                    "members",
                    draw(st.integers(0, 10**6)),
                    draw(tricky),
                    draw(source),
                    qualifier=draw(st.sampled_from(["", "über", "fast"])),
                )
                for _ in range(draw(st.integers(0, 2)))
            ),
        )
        for i in ids[:split]
    )
    cities = tuple(
        City(
            i,
            draw(tricky),
            draw(st.from_regex(r"[A-Z]{2}", fullmatch=True)),
            (draw(source),),
            lat=draw(st.one_of(st.none(), st.floats(-90, 90))),
            lng=None,
        )
        for i in ids[split:]
    )
    cities = tuple(
        City(c.id, c.name, c.country, c.sources, lat=c.lat, lng=None if c.lat is None else 10.5)
        for c in cities
    )
    memberships = tuple(
        Membership(
            c.id,
            n.id,
            (draw(source),),
            since=draw(years),
            roles=tuple(
                Role(draw(tricky), draw(source), person=draw(st.one_of(st.just(""), tricky)))
                for _ in range(draw(st.integers(0, 1)))
            ),
        )
        for n in networks
        for c in cities
        if draw(st.booleans())
    )
    pairs = [(a.id, b.id) for a in cities for b in cities if a.id < b.id]
    partnerships = (
        tuple(
            Partnership(
                pair if draw(st.booleans()) else (pair[1], pair[0]),
                draw(st.sampled_from(["partnership", "exchange"])),
                (draw(source),),
            )
            for pair in draw(st.lists(st.sampled_from(pairs), unique=True))
            if pairs
        )
        if pairs
        else ()
    )
    return Dataset(sources, themes, networks, cities, memberships, partnerships)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets())
def test_write_then_load_gives_an_equal_dataset_and_a_fixpoint(dataset: Dataset) -> None:
    text = store.dumps(dataset)
    again = store.parse(text)
    # Every section equals the input, up to the canonical order of records.
    for section in SECTIONS:
        assert sorted(getattr(again, section), key=store.sort_key) == sorted(
            getattr(dataset, section), key=store.sort_key
        ), section
    assert store.dumps(again) == text


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_write_keeps_the_file_permissions(mini: Path) -> None:
    mini.chmod(0o640)
    assert cli(mini, "fmt")[0] == 0
    assert mini.stat().st_mode & 0o777 == 0o640


def test_import_wikidata_reports_writes_once_and_is_idempotent(mini: Path) -> None:
    SAMPLES = shared("samples", "twin-cities")
    tables = ("--cities", str(SAMPLES / "cities.csv"), "--links", str(SAMPLES / "links.csv"))
    before = mini.read_bytes()
    code, out, err = cli(mini, "import", "wikidata", *tables, "--dry-run")
    assert code == 0, err
    assert out.startswith("would add: ") and mini.read_bytes() == before
    code, out, _ = cli(mini, "import", "wikidata", *tables)
    added = out.splitlines()[0]
    assert (
        code == 0
        and added.startswith("added: ")
        and added != "added: 0 cities, 0 twinnings (kind unknown)"
    )
    windhoek = [c for c in store.load(mini).cities if c.wikidata == "Q3935"]
    assert [c.country for c in windhoek] == ["NA"]
    code, out, _ = cli(mini, "import", "wikidata", *tables)
    assert out.splitlines()[0] == "added: 0 cities, 0 twinnings (kind unknown)"


def test_import_of_a_missing_table_is_a_data_error(mini: Path, tmp_path: Path) -> None:
    code, _, err = cli(
        mini,
        "import",
        "wikidata",
        "--cities",
        str(tmp_path / "nope.csv"),
        "--links",
        str(tmp_path / "nope.csv"),
    )
    assert code == 3 and "nope.csv" in err and "no such file" in err

"""`check` remembers its verdict on an unchanged file; any change makes it think again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citynet import merge
from citynet.cli import app
from citynet.files import shipped_path
from citynet.model import Dataset

runner = CliRunner()


def test_a_second_check_of_an_unchanged_file_is_a_cache_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "networks.toml"
    shutil.copyfile(shipped_path(), data)
    first = runner.invoke(app, ["--data", str(data), "check"])
    assert first.exit_code == 0, first.stderr

    def not_again(dataset: Dataset) -> list[object]:
        raise AssertionError("checked again though nothing changed")

    monkeypatch.setattr(merge, "likely_duplicates", not_again)
    second = runner.invoke(app, ["--data", str(data), "check"])
    assert second.exit_code == 0, second.stderr
    assert second.stdout == first.stdout

    edited = runner.invoke(app, ["--data", str(data), "edit", "city", "koeln", "--note", "Dom"])
    assert edited.exit_code == 0, edited.stderr
    with pytest.raises(AssertionError, match="checked again"):
        runner.invoke(app, ["--data", str(data), "check"], catch_exceptions=False)


def test_a_file_made_invalid_is_reported_though_its_old_verdict_was_clean(tmp_path: Path) -> None:
    data = tmp_path / "networks.toml"
    shutil.copyfile(shipped_path(), data)
    assert runner.invoke(app, ["--data", str(data), "check"]).exit_code == 0
    text = data.read_text(encoding="utf-8").replace('id = "koeln"', 'id = "Köln"', 1)
    data.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["--data", str(data), "check"])
    assert result.exit_code == 3 and "Köln" in result.stderr


def test_likely_duplicates_on_the_real_imports_are_the_places_that_are_one(
    tmp_path: Path,
) -> None:
    # The shipped data has no such pairs; a city and its "City of" twin nearby is one.
    from msgspec.structs import replace

    from citynet.store import load

    dataset = load(shipped_path())
    koeln = dataset.city_by_id["koeln"]
    twin = replace(koeln, id="city-of-koeln", name="City of Köln", aliases=(), wikidata="")
    far = replace(twin, id="koeln-far", lat=(koeln.lat or 0) + 1)
    other = replace(twin, id="bonn-x", name="Bonn", name_en="", lat=koeln.lat)
    found = merge.likely_duplicates(dataset.replace(cities=(*dataset.cities, twin, far, other)))
    assert [(a.id, b.id) for a, b, _why in found] == [("city-of-koeln", "koeln")]


# "Waste to Resources" and "Co-Vorsitz" are only in memberships: their networks are found
@pytest.mark.parametrize(
    "text",
    [
        "berlin",
        "koeln",
        "Köln",
        "stadt",
        "e",
        "klima",
        "zzz",
        "Kölle",
        "Waste to Resources",
        "Co-Vorsitz",
    ],
)
def test_search_through_the_index_finds_what_a_full_scan_finds(text: str) -> None:
    from citynet.query import search, search_lines
    from citynet.store import load

    dataset = load(shipped_path())
    assert search(dataset, text, search_lines(dataset)) == search(dataset, text)


def test_search_reads_its_index_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from citynet import query

    data = tmp_path / "networks.toml"
    shutil.copyfile(shipped_path(), data)
    first = runner.invoke(app, ["--data", str(data), "search", "köln", "--format", "tsv"])
    assert first.exit_code == 0 and "koeln" in first.stdout

    def not_again(dataset: Dataset) -> list[str]:
        raise AssertionError("the index was built again")

    monkeypatch.setattr(query, "search_lines", not_again)
    second = runner.invoke(app, ["--data", str(data), "search", "köln", "--format", "tsv"])
    assert second.stdout == first.stdout


def test_search_after_edits_reads_a_patched_index_that_finds_what_a_full_scan_finds(
    shipped: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each edit keeps a step of the search index (the lines of what changed, and of the
    networks whose members did), so the first search after it builds nothing."""
    from citynet import cache, query
    from citynet.store import load

    def run(*args: str) -> str:
        result = runner.invoke(app, ["--data", str(shipped), *args])
        assert result.exit_code == 0, result.stderr
        return result.stdout

    run("search", "berlin")  # the index made and kept for this content
    run("add", "city", "--id", "neu-ulm", "--name", "Neu-Ulm", "--country", "DE",
        "--source", "berlin-partnerschaften")  # fmt: skip
    run("edit", "city", "Köln", "--add-alias", "Colonia Agrippina")
    run("add", "membership", "--city", "neu-ulm", "--network", "eurocities",
        "--note", "Beobachterstatus seit Sommer", "--source", "berlin-partnerschaften")  # fmt: skip
    run("edit", "network", "c40", "--add-alias", "Klimaführerschaft")
    run("remove", "membership", "berlin:iclei")
    content = shipped.read_bytes()
    assert cache.recall(shipped, content, query.SEARCH_LABEL + "-patch", object) is not None

    def not_again(dataset: Dataset) -> dict[str, str]:
        raise AssertionError("the index was built again")

    monkeypatch.setattr(query, "search_lines", not_again)
    dataset = load(shipped)
    for text in ("Beobachterstatus", "Colonia Agrippina", "neu-ulm", "Klimaführerschaft",
                 "iclei", "berlin", "e"):  # fmt: skip
        shown = run("search", text, "--format", "json")
        assert json.loads(shown) == query.search(dataset, text), text
    assert "eurocities" in run("search", "Beobachterstatus", "--format", "ids")
    assert "neu-ulm" in run("search", "neu-ulm", "--format", "ids")


def test_a_remembered_verdict_is_said_in_the_words_of_the_catalog_now_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from citynet import i18n

    data = tmp_path / "networks.toml"
    shutil.copyfile(shipped_path(), data)
    before = runner.invoke(app, ["--lang", "de", "--data", str(data), "check"])
    assert before.exit_code == 0, before.stderr
    assert before.stdout.startswith(f"{data}: in Ordnung\n")

    # The catalog rebuilt with other words, between two runs on the unchanged file.
    # (At another path: gettext keeps, per path, what a process has read.)
    rebuilt = tmp_path / "locale" / "de" / "LC_MESSAGES"
    rebuilt.mkdir(parents=True)
    source = Path(__file__).parents[1] / "citynet" / "locale" / "de" / "LC_MESSAGES"
    with (source / "citynet.po").open("rb") as po:
        catalog = read_po(po)
    catalog["{file}: ok"].string = "{file}: fehlerfrei"
    with (rebuilt / "citynet.mo").open("wb") as mo:
        write_mo(mo, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    after = runner.invoke(app, ["--lang", "de", "--data", str(data), "check"])
    assert after.exit_code == 0, after.stderr
    assert after.stdout == before.stdout.replace("in Ordnung", "fehlerfrei", 1)

"""The small things a user trips on (issue 13): sources, search, what was left out,
editing lists, asking, completion."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import MINI
from typer.testing import CliRunner

from citynet.cli import app


def run(
    *args: str, env: dict[str, str] | None = None, data: Path | None = None
) -> tuple[int, str, str]:
    words = ["--data", str(data), *args] if data else list(args)
    result = CliRunner(env={"COLUMNS": "200", **(env or {})}).invoke(app, words)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    path = tmp_path / "networks.toml"
    shutil.copy(MINI, path)
    return path


# --- 2. sources a person can read ----------------------------------------------------


def test_sources_lists_every_source_without_inventing_addresses() -> None:
    from citynet.cache import load_cached
    from citynet.files import data_path

    data = load_cached(data_path(None))
    listed = json.loads(run("sources", "--format", "json")[1])
    assert [s["id"] for s in listed] == [s.id for s in data.sources]
    for obj in listed:
        source = data.source_by_id[obj["id"]]
        assert (obj["publisher"], obj["title"], obj["url"]) == (
            source.publisher,
            source.title,
            source.url or None,  # no address invented: null, as everywhere in the JSON
        )
        assert obj["records"], obj["id"]  # every source backs something


def test_show_a_source_lists_the_records_resting_on_it() -> None:
    code, out, _ = run("show", "berlin-netzwerke", "--format", "json")
    assert code == 0
    shown = json.loads(out)
    assert shown["publisher"].startswith("Senatsverwaltung")
    assert {"kind": "network", "id": "c40", "name": "C40", "field": "sources"} in shown["records"]
    assert run("sources", "berlin-netzwerke", "-f", "json")[1] == out


def test_show_prefers_networks_and_cities_and_reports_an_id_that_is_both(mini: Path) -> None:
    text = mini.read_text(encoding="utf-8").replace('id = "doc-a"', 'id = "paris"')
    mini.write_text(text.replace('"doc-a"', '"paris"'), encoding="utf-8")
    code, _, err = run("show", "paris", data=mini)
    assert code == 1
    assert "paris is both a city and a source; `citynet sources paris` shows the source" in err
    assert json.loads(run("sources", "paris", "-f", "json", data=mini)[1])["id"] == "paris"
    assert run("show", "doc-b", "-f", "ids", data=mini)[0] == 0


def test_show_numbers_its_citations(mini: Path) -> None:
    table = run("show", "eurocities", "--format", "table", data=mini)[1]
    assert "[1] doc-a – Stadt A: Netzwerke" in table
    assert "[2] doc-b – Stadt B: Partnerschaften" in table
    assert "│ [1]" in table or "[1] " in table.split("┃")[-1]
    md = run("show", "eurocities", "--format", "md", data=mini)[1]
    assert "| \\[1\\] |" in md and "\\[2\\] doc-b – Stadt B: Partnerschaften" in md
    tsv = run("show", "eurocities", "--format", "tsv", data=mini)[1]
    assert "[1]" not in tsv and "doc-a" in tsv  # scripts keep the ids


# --- 3. search finds what people look for ------------------------------------------------


def search(text: str) -> list[dict[str, str]]:
    return json.loads(run("search", text, "--format", "json")[1])


def test_search_finds_seats_people_and_says_where() -> None:
    barcelona = {(h["id"], h["matched"]) for h in search("barcelona")}
    assert {("barcelona", "id"), ("metropolis", "seat"), ("uclg", "seat")} <= barcelona
    roters = search("Roters")
    assert roters and roters[0]["id"] == "uclg" and "Roters" in roters[0]["text"]


@pytest.mark.parametrize("word", ["klima", "climate", "Klima und Nachhaltigkeit"])
def test_search_agrees_with_the_theme_filter(word: str) -> None:
    themed = set(run("list", "--theme", "klima", "--format", "ids")[1].split())
    found = {h["id"] for h in search(word) if h["kind"] == "network"}
    assert themed and themed <= found
    assert any(h["kind"] == "theme" and h["id"] == "klima" for h in search(word))


# --- 4. say what was left out ----------------------------------------------------------


def test_an_empty_result_says_so_in_words(mini: Path) -> None:
    out = run("partners", "koeln", "--format", "table", data=mini)[1]
    assert "(nothing found)" in out
    assert run("partners", "koeln", "--format", "tsv", data=mini)[1] == (
        "city\tname\tcountry\tkind\tsince\tprogramme\tsources\n"
    )


# --- 5. editing without surprises -------------------------------------------------------


def aliases(path: Path) -> list[str]:
    shown = json.loads(run("show", "koeln", "--format", "json", data=path)[1])
    return list(shown["aliases"])


def test_edit_adds_and_removes_list_values_and_replaces_only_when_asked(mini: Path) -> None:
    before = aliases(mini)
    assert run("edit", "city", "koeln", "--add-alias", "Kölle", data=mini)[0] == 0
    assert aliases(mini) == [*before, "Kölle"]
    before = aliases(mini)
    code, _, err = run("edit", "city", "koeln", "--alias", "Colonia", data=mini)
    assert code == 2 and "--add-alias" in err and "--set-alias" in err
    assert aliases(mini) == before
    assert run("edit", "city", "koeln", "--add-alias", "Colonia", data=mini)[0] == 0
    assert run("edit", "city", "koeln", "--remove-alias", "Kölle", data=mini)[0] == 0
    assert aliases(mini) == [*[a for a in before if a != "Kölle"], "Colonia"]
    code, _, err = run("edit", "city", "koeln", "--remove-alias", "Colonai", data=mini)
    assert code == 2 and "aliases has no 'Colonai' (did you mean 'Colonia'?)" in err
    assert run("edit", "city", "koeln", "--set-alias", "A", "--set-alias", "B", data=mini)[0] == 0
    assert aliases(mini) == ["A", "B"]


@pytest.mark.parametrize(
    "words",
    [
        ["add", "theme", "--id", "kultur", "--name", "Kultur"],
        ["edit", "network", "eurocities", "--founded", "1987"],
        ["remove", "partnership", "berlin:windhuk:partnership"],
        ["fmt"],
    ],
)
def test_dry_run_shows_the_change_and_writes_nothing(mini: Path, words: list[str]) -> None:
    before = mini.read_bytes()
    code, out, err = run(*words, "--dry-run", data=mini)
    assert code == 0, err
    assert out.startswith("---") or out == "nothing changed\n"
    assert mini.read_bytes() == before


def test_interactive_add_asks_in_german_says_what_is_expected_and_asks_again(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("citynet.cli.edit.at_a_terminal", lambda: True)
    answers = "lyon\nLyon\nfr\nFR\nnirgends\ndoc-a\n"
    result = CliRunner(env={"LANG": "de_DE.UTF-8"}).invoke(
        app, ["--data", str(mini), "add", "city"], input=answers
    )
    assert result.exit_code == 0, result.stderr
    assert "--country (ein ISO-3166-1-Code wie 'DE')" in result.stdout
    assert "'fr' ist nicht ein ISO-3166-1-Code wie 'DE'" in result.stderr
    assert "--sources (eine ID aus sources, mehrere durch Kommas getrennt – z. B. doc-a)" in (
        result.stdout
    )
    assert "kein 'nirgends' in sources" in result.stderr
    shown = json.loads(run("show", "lyon", "-f", "json", data=mini)[1])
    assert (shown["country"], shown["sources"]) == ("FR", ["doc-a"])


# --- 7. completion ---------------------------------------------------------------------


def complete(mini: Path, line: str) -> list[str]:
    env = {
        "_CITYNET_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(line.split()) - 1),
        "CITYNET_DATA": str(mini),
    }
    return CliRunner(env=env).invoke(app, [], prog_name="citynet").stdout.split()


def test_completion_takes_names_as_typed_with_umlauts(mini: Path) -> None:
    assert complete(mini, "citynet partners köl") == ["köln"]
    assert complete(mini, "citynet partners Köl") == ["Köln"]
    assert complete(mini, "citynet show Colo") == ["Cologne"]
    assert complete(mini, "citynet show ko") == ["koeln"]
    assert run("partners", "köln", "-f", "ids", data=mini)[0] == 0


def test_completion_of_kinds_scopes_themes_and_formats(mini: Path) -> None:
    assert complete(mini, "citynet partners berlin --kind frie") == ["friendship"]
    assert complete(mini, "citynet partners berlin --not-kind Freu") == ["Freundschaft"]
    assert complete(mini, "citynet list --scope eu") == ["europe"]
    assert complete(mini, "citynet list --theme clim") == ["climate"]
    assert "tsv" in complete(mini, "citynet list --format t")
    assert complete(mini, "citynet list --fields foun") == ["founded"]
    assert complete(mini, "citynet edit memb") == ["membership"]
    assert complete(mini, "citynet show doc") == ["doc-a", "doc-b"]

"""The query commands through Typer's test runner, as a user sees them."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from citynet.cli import app

runner = CliRunner()


def run(path: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


def tsv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))


def test_list_in_a_pipe_defaults_to_tsv_with_a_header(mini: Path) -> None:
    code, out, err = run(mini, "list")
    assert code == 0, err
    rows = tsv(out)
    assert [r["id"] for r in rows] == ["eurocities", "klima-buendnis"]
    assert rows[0]["member_cities"] == "Berlin, Köln"
    assert "\x1b" not in out


@pytest.mark.parametrize("theme", ["klima", "climate", "Klima und Nachhaltigkeit", "CLIMATE"])
def test_list_theme_accepts_slug_alias_and_name(mini: Path, theme: str) -> None:
    code, out, _ = run(mini, "list", "--theme", theme, "--format", "ids")
    assert code == 0
    assert out.split() == ["eurocities", "klima-buendnis"]


def test_list_themes_combine(mini: Path) -> None:
    code, out, _ = run(mini, "list", "--theme", "klima", "--theme", "social", "-f", "ids")
    assert (code, out.split()) == (0, ["eurocities"])


def test_unknown_theme_is_a_usage_error_listing_the_valid_ones(mini: Path) -> None:
    code, out, err = run(mini, "list", "--theme", "weltraum")
    assert code == 2
    assert out == ""
    assert "unknown theme 'weltraum'" in err and "klima" in err and "soziales" in err


def test_unknown_scope_lists_the_valid_ones(mini: Path) -> None:
    code, _, err = run(mini, "list", "--scope", "mars")
    assert code == 2
    assert "global" in err and "europe" in err


def test_list_filters_by_member_founding_year_and_sorts(mini: Path) -> None:
    assert run(mini, "list", "--member", "Cologne", "-f", "ids")[1].split() == ["eurocities"]
    assert run(mini, "list", "--founded-after", "1986", "-f", "ids")[1].split() == [
        "klima-buendnis"
    ]
    assert run(mini, "list", "--founded-before", "1990", "-f", "ids")[1].split() == ["eurocities"]
    out = run(mini, "list", "--sort", "members", "-f", "ids")[1]
    assert out.split() == ["klima-buendnis", "eurocities"]  # fast 2.000 before über 200


def test_bad_sort_key_is_a_usage_error(mini: Path) -> None:
    code, _, err = run(mini, "list", "--sort", "colour")
    assert code == 2 and "founded" in err


def test_list_json_has_the_contract_keys(mini: Path) -> None:
    code, out, _ = run(mini, "list", "--format", "json")
    assert code == 0
    networks = json.loads(out)
    eurocities = networks[0]
    for key in (
        "id",
        "name",
        "aliases",
        "scope",
        "themes",
        "founded",
        "members",
        "sources",
        "figures",
    ):
        assert key in eurocities
    assert {m["city"] for m in eurocities["members"]} == {"berlin", "koeln"}
    assert [(f["qualifier"], f["value"], f["source"]) for f in eurocities["figures"]] == [
        ("über", 200, "doc-a"),
        ("über", 135, "doc-b"),
    ]


def test_json_is_utf8_not_escaped(mini: Path) -> None:
    out = run(mini, "show", "koeln", "--format", "json")[1]
    assert '"Köln"' in out


def test_show_network_gives_every_figure_with_its_source(mini: Path) -> None:
    code, out, _ = run(mini, "show", "EUROCITIES")
    assert code == 0
    figures = [r for r in tsv(out) if r["field"] == "figure:members"]
    assert [(r["value"], r["source"]) for r in figures] == [
        ("über 200 Städte", "doc-a"),
        ("über 135 Städte", "doc-b"),
    ]


@pytest.mark.parametrize(
    "name", ["Klima-Bündnis", "klimabuendnis", "klima-bundnis", "Climate Alliance"]
)
def test_show_accepts_every_spelling(mini: Path, name: str) -> None:
    code, out, _ = run(mini, "show", name, "-f", "json")
    assert code == 0
    assert json.loads(out)["id"] == "klima-buendnis"


def test_show_city_lists_memberships_and_partners(mini: Path) -> None:
    code, out, _ = run(mini, "show", "berlin", "--format", "json")
    assert code == 0
    city = json.loads(out)
    assert city["kind"] == "city" and city["country"] == "DE"
    assert {m["network"] for m in city["memberships"]} == {"eurocities", "klima-buendnis"}
    assert {(p["city"], p["kind"]) for p in city["partners"]} == {
        ("paris", "partnership"),
        ("paris", "exchange"),
        ("windhuk", "partnership"),
    }


def test_misspelt_name_suggests_and_exits_1(mini: Path) -> None:
    code, out, err = run(mini, "show", "colgne")
    assert code == 1
    assert out == ""
    assert "no network or city named 'colgne'" in err and "koeln" in err


def test_partners_work_in_both_directions(mini: Path) -> None:
    # Stored as ["paris", "berlin"] and ["berlin", "paris"]: both show from both sides.
    from_paris = tsv(run(mini, "partners", "paris")[1])
    assert [(r["city"], r["kind"], r["since"]) for r in from_paris] == [
        ("berlin", "partnership", ""),
        ("berlin", "exchange", "2012–2014"),
    ]
    from_berlin = {r["city"] for r in tsv(run(mini, "partners", "berlin")[1])}
    assert from_berlin == {"paris", "windhuk"}


def test_partners_kind_filter(mini: Path) -> None:
    out = run(mini, "partners", "berlin", "--kind", "exchange", "-f", "json")[1]
    assert [(p["city"], p["since"], p["programme"]) for p in json.loads(out)] == [
        ("paris", 2012, "MYM")
    ]


def test_partners_unknown_kind_is_a_usage_error(mini: Path) -> None:
    code, _, err = run(mini, "partners", "berlin", "--kind", "marriage")
    assert code == 2 and "partnership" in err


def test_partners_of_a_network_is_not_found(mini: Path) -> None:
    code, _, err = run(mini, "partners", "eurocities")
    assert code == 1 and "no city named" in err


def test_windhoek_keeps_namibia(mini: Path) -> None:
    out = run(mini, "partners", "berlin", "-f", "json")[1]
    assert {p["city"]: p["country"] for p in json.loads(out)}["windhuk"] == "NA"


def test_compare_networks_marks_differences(mini: Path) -> None:
    code, out, _ = run(mini, "compare", "eurocities", "klima-buendnis", "-f", "json")
    assert code == 0
    rows = {r["attribute"]: r for r in json.loads(out)["attributes"]}
    assert rows["scope"]["differs"] is False
    assert rows["founded"]["values"] == {"eurocities": "1986", "klima-buendnis": "1990"}
    assert rows["founded"]["differs"] is True


def test_compare_cities_shows_shared_and_own_networks(mini: Path) -> None:
    out = run(mini, "compare", "berlin", "koeln", "-f", "json")[1]
    result = json.loads(out)
    assert result["shared_networks"] == ["eurocities"]
    assert result["only"] == {"berlin": ["klima-buendnis"], "koeln": []}


def test_compare_refuses_a_mix_and_a_single_name(mini: Path) -> None:
    assert run(mini, "compare", "berlin", "eurocities")[0] == 2
    assert run(mini, "compare", "berlin")[0] == 2


def test_themes_counts_networks(mini: Path) -> None:
    rows = tsv(run(mini, "themes")[1])
    assert {r["id"]: r["networks"] for r in rows} == {"klima": "2", "soziales": "1"}


def test_cities_filter_by_country_with_counts(mini: Path) -> None:
    rows = tsv(run(mini, "cities", "--country", "de")[1])
    assert [(r["id"], r["memberships"], r["partners"]) for r in rows] == [
        ("berlin", "2", "2"),
        ("koeln", "1", "0"),
    ]


def test_search_finds_names_aliases_and_descriptions(mini: Path) -> None:
    assert run(mini, "search", "klimaschutz", "-f", "ids")[1].split() == ["klima-buendnis"]
    assert run(mini, "search", "cologne", "-f", "ids")[1].split() == ["koeln"]
    code, out, _ = run(mini, "search", "nothing-like-this")
    assert code == 0 and tsv(out) == []  # an empty result is not an error


def test_csv_opens_in_a_spreadsheet_and_defuses_formulas(tmp_path: Path, mini: Path) -> None:
    text = mini.read_text(encoding="utf-8").replace('name = "Köln"', 'name = "=HYPERLINK(1)"')
    mini.write_text(text, encoding="utf-8")
    out = run(mini, "cities", "--format", "csv")[1]
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0].keys() >= {"id", "name", "country"}
    assert "'=HYPERLINK(1)" in {r["name"] for r in rows}


def test_markdown_table(mini: Path) -> None:
    out = run(mini, "--lang", "de", "themes", "--format", "md")[1].splitlines()
    assert out[2].startswith("| ID | Thema")
    assert out[3].startswith("| --- |")


def test_dataset_text_never_becomes_markup_or_control_codes(mini: Path) -> None:
    text = mini.read_text(encoding="utf-8").replace(
        'name = "Köln"', 'name = "[bold red]K\\u001b[31mX"'
    )
    mini.write_text(text, encoding="utf-8")
    for fmt in ("table", "tsv", "csv", "md", "ids"):
        out = run(mini, "show", "koeln", "--format", fmt)[1]
        assert "\x1b" not in out, fmt
    table = run(mini, "show", "koeln", "--format", "table")[1]
    assert "[bold red]K\\e[31mX" in table


def test_table_fits_80_columns(mini: Path) -> None:
    result = CliRunner(env={"COLUMNS": "80", "LANG": "de_DE.UTF-8"}).invoke(
        app, ["--data", str(mini), "list", "-f", "table", "--fields", "id,members,name"]
    )
    assert result.exit_code == 0
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert "fast 2.000" in result.stdout  # wrapped, not cut off


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("citynet ")


def command_paths() -> list[str]:
    """Every command the app has, subcommands as "import wikidata"."""
    from citynet.cli.app import whole_app

    def walk(command: Any, prefix: str) -> list[str]:
        if hasattr(command, "commands"):  # a group
            return [
                path
                for name, sub in sorted(command.commands.items())
                for path in walk(sub, f"{prefix} {name}".strip())
            ]
        return [prefix]

    return walk(whole_app(), "")


def test_every_command_help_shows_examples() -> None:
    paths = command_paths()
    assert {"list", "show", "partners", "add", "import wikidata", "fields"} <= set(paths)
    for path in paths:
        result = runner.invoke(app, [*path.split(), "--help"])
        assert result.exit_code == 0, path
        assert "Examples:" in result.stdout and f"citynet {path}" in result.stdout, path


def test_the_readme_and_the_app_name_the_same_commands() -> None:
    import re

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    commands = readme[readme.index("## Commands") : readme.index("## Exit statuses")]
    paths = set(command_paths())
    groups = {path.split()[0] for path in paths if " " in path}
    documented = set()
    for first, second in re.findall(r"(?:^|`)citynet ([a-z]+)(?: ([a-z]+))?", commands, re.M):
        documented.add(f"{first} {second}" if first in groups else first)
    assert paths - documented == set(), "commands missing from the README"
    stray = documented - paths
    assert stray == set(), "the README names commands the app does not have"


def test_completion_offers_ids(mini: Path) -> None:
    result = CliRunner(
        env={
            "_CITYNET_COMPLETE": "complete_bash",
            "COMP_WORDS": "citynet show ko",
            "COMP_CWORD": "2",
            "CITYNET_DATA": str(mini),
        }
    ).invoke(app, [], prog_name="citynet")
    assert "koeln" in result.stdout


def test_show_ids_prints_the_record_id(mini: Path) -> None:
    assert run(mini, "show", "Cologne", "--format", "ids")[1] == "koeln\n"
    assert run(mini, "compare", "eurocities", "klimabuendnis", "-f", "ids")[1].split() == [
        "eurocities",
        "klima-buendnis",
    ]


def test_show_attributes_record_level_facts_to_the_record_sources(mini: Path) -> None:
    rows = {r["field"]: r for r in tsv(run(mini, "show", "eurocities")[1])}
    assert rows["founded"]["source"] == ""  # the record's own sources, listed once:
    assert rows["sources"]["value"] == "doc-a, doc-b"


def test_a_misspelt_theme_or_kind_gets_a_suggestion(mini: Path) -> None:
    assert "(did you mean 'klima'?)" in run(mini, "list", "--theme", "clima")[2]
    assert "(did you mean 'exchange'?)" in run(mini, "partners", "berlin", "--kind", "exchang")[2]


def test_a_terminal_table_leaves_out_columns_empty_in_every_row(mini: Path) -> None:
    table = CliRunner(env={"COLUMNS": "100"}).invoke(
        app, ["--data", str(mini), "partners", "windhuk", "-f", "table"]
    )
    assert "Programm" not in table.stdout and "Zeitraum" not in table.stdout
    assert "Ausgeblendet" not in table.stdout  # empty is not "too narrow"
    assert tsv(run(mini, "partners", "windhuk")[1])[0]["programme"] == ""  # tsv keeps the key


def test_a_narrow_terminal_names_the_columns_it_left_out(mini: Path) -> None:
    result = CliRunner(env={"COLUMNS": "80", "LANG": "de_DE.UTF-8"}).invoke(
        app, ["--data", str(mini), "list", "-f", "table"]
    )
    assert "Ausgeblendet (zu schmal): " in result.stdout
    assert "Mitgliedsstädte" in result.stdout.split("Ausgeblendet")[1]


@pytest.mark.parametrize(
    "kind", ["partnership", "PARTNERSHIP", "Partnership", "Städtepartnerschaft", "Partnerschaft"]
)
def test_kinds_are_words_in_either_language_and_any_case(mini: Path, kind: str) -> None:
    code, out, err = run(mini, "partners", "berlin", "--kind", kind, "-f", "ids")
    assert code == 0, err
    assert out.split() == ["paris", "windhuk"]


@pytest.mark.parametrize("scope", ["europe", "Europa", "EUROPE", "europäisch", "European"])
def test_scopes_are_words_in_either_language(mini: Path, scope: str) -> None:
    code, out, err = run(mini, "list", "--scope", scope, "-f", "ids")
    assert code == 0, err
    assert out.split() == ["eurocities", "klima-buendnis"]


def test_an_unknown_kind_suggests_the_closest_and_lists_the_valid_ones(mini: Path) -> None:
    code, out, err = run(mini, "partners", "berlin", "--kind", "Partnerschaftt")
    assert (code, out) == (2, "")
    assert "unknown kind 'Partnerschaftt' (did you mean 'partnership'?)" in err
    assert "exchange (expert exchange)" in err


def test_record_kinds_of_add_are_forgiving_too(mini: Path) -> None:
    code, _, err = run(
        mini,
        "add",
        "CITY",
        "--id",
        "lyon",
        "--name",
        "Lyon",
        "--country",
        "FR",
        "--source",
        "doc-a",
    )
    assert code == 0, err
    code, _, err = run(mini, "add", "stadt", "--id", "x")
    assert code == 2 and "unknown kind of record 'stadt'" in err


def test_every_registered_command_is_defined_in_its_module_and_no_other() -> None:
    import importlib

    from citynet.cli.app import click_command
    from citynet.cli.registry import COMMANDS

    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"citynet.cli.{module_name}")
        assert click_command(module.app, name).name == name
    defined = set()
    for module_name in set(COMMANDS.values()):
        commands = importlib.import_module(f"citynet.cli.{module_name}").app
        defined |= {c.name or c.callback.__name__ for c in commands.registered_commands}
        defined |= {g.name for g in commands.registered_groups}
    assert defined == set(COMMANDS)


# What a command must not load: the modules that only other commands need. (difflib is
# not among them: Typer imports it for its own suggestions.)
_HEAVY = {
    "citynet.maps",
    "citynet.graphs",
    "citynet.export",
    "citynet.report",
    "citynet.stats",
    "citynet.members",
    "citynet.timeline",
    "citynet.network",
    "citynet.sparql",
    "citynet.checks",
    "citynet.splice",
    "citynet.wikidata",
    "citynet.merge",
    "citynet.suggest",
    "citynet.cli.drawings",
    "citynet.cli.edit",
    "citynet.cli.imports",
    "citynet.cli.bridges",
    "citynet.cli.figures",
    "rich.progress",
    "sqlite3",
    "xlsxwriter",
}


@pytest.mark.parametrize(
    ("args", "needed"),
    [
        (["partners", "berlin", "--format", "tsv"], "citynet.cli.browse"),
        (["show", "c40", "--format", "json"], "citynet.cli.browse"),
    ],
)
def test_a_command_imports_only_what_it_uses(args: list[str], needed: str) -> None:
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('MODULES ' + ' '.join(sys.modules) + '\\n'))\n"
        f"sys.argv = ['citynet', *{args!r}]\n"
        "from citynet.__main__ import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded = set(done.stderr.rsplit("MODULES ", 1)[1].split())
    assert needed in loaded
    assert not loaded & _HEAVY, sorted(loaded & _HEAVY)


def test_the_readme_python_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## From Python") :]
    code = section[section.index("```python") + len("```python") : section.index("```\n", 10)]
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "klima-buendnis" in printed and "Berlin" in printed

"""Results of any size: --limit, --sort, a pager on a terminal, partners once per city."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_entry_point import in_a_pipe, on_a_terminal
from typer.testing import CliRunner

from citynet.cli import app

runner = CliRunner()


def run(path: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


def test_partners_as_ids_name_each_city_once(mini: Path) -> None:
    code, out, _ = run(mini, "partners", "berlin", "--format", "ids")
    assert code == 0
    assert out.splitlines() == ["paris", "windhuk"]  # Paris has two relations


def test_limit_and_sort_apply_to_rows_and_json_alike(mini: Path) -> None:
    code, out, _ = run(mini, "cities", "--sort", "-partners", "--limit", "1", "--format", "ids")
    assert (code, out) == (0, "berlin\n")
    code, out, _ = run(mini, "cities", "--sort", "name", "--format", "json")
    assert [c["id"] for c in json.loads(out)] == ["berlin", "koeln", "paris", "windhuk"]
    code, out, _ = run(mini, "cities", "--sort=-name", "--limit", "2", "--format", "json")
    assert [c["id"] for c in json.loads(out)] == ["windhuk", "paris"]
    code, out, _ = run(mini, "list", "--limit", "1", "--format", "ids")
    assert code == 0 and len(out.splitlines()) == 1


def test_an_unknown_sort_key_or_negative_limit_is_a_usage_error(mini: Path) -> None:
    code, _, err = run(mini, "cities", "--sort", "size")
    assert code == 2 and "cannot sort by 'size'; sort by one of: id, name" in err
    code, _, err = run(mini, "themes", "--limit", "-1")
    assert code == 2 and "--limit must be 0 or more" in err


def test_long_output_on_a_terminal_goes_through_the_pager(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINES", "5")
    monkeypatch.setenv("CITYNET_PAGER", "sed s/^/PAGED:/")
    code, screen = on_a_terminal("--data", str(mini), "list")
    assert code == 0 and "PAGED:" in screen
    code, screen = on_a_terminal("--data", str(mini), "cities", "--limit", "0")
    assert code == 0 and "PAGED:" not in screen  # fits the screen
    monkeypatch.setenv("CITYNET_PAGER", "cat")
    code, screen = on_a_terminal("--data", str(mini), "list")
    assert code == 0 and "PAGED:" not in screen and "klima-buendnis" in screen


def test_never_a_pager_in_a_pipe(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINES", "2")
    monkeypatch.setenv("CITYNET_PAGER", "sed s/^/PAGED:/")
    result = in_a_pipe("--data", str(mini), "list")
    assert result.returncode == 0 and "PAGED:" not in result.stdout


def test_a_terminal_table_shows_a_partner_with_several_relations_in_one_row(mini: Path) -> None:
    code, screen = on_a_terminal("--data", str(mini), "partners", "berlin")
    assert code == 0
    assert screen.count("paris ") == 1
    assert "twinning partnership;" in screen and "expert" in screen  # each kind by its label
    assert "2 cities, 3 relations" in screen

"""Text from a data file never reaches a terminal, a spreadsheet or a script as control codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citynet.cli import app
from citynet.output import printable

runner = CliRunner()

OSC52 = "\x1b]52;c;ZWNobyBoaQ==\x07\x1b[2J"  # a clipboard write, then a screen clear
OSC52_ST = "\x1b]52;c;ZWNobyBoaQ==\x1b\\"  # the same, ended by ST: rich does not strip it
# Characters that reorder or break a terminal line without being C0 controls.
INVISIBLE = ["\u200e", "\u200f", "\u061c", "\u2028", "\u2029", "\x85", "\x9b", "\u202e", "\u2067"]


def run(path: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def toml_escape(text: str) -> str:
    """A TOML basic string's content for `text`, every unusual character as \\uXXXX."""
    return "".join(
        f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) >= 0x7F or c in '"\\' else c for c in text
    )


@pytest.mark.parametrize("char", INVISIBLE)
def test_printable_shows_bidi_c1_and_line_separators(char: str) -> None:
    shown = printable(f"a{char}b")
    assert char not in shown and shown == f"a\\u{ord(char):04x}b"


def test_check_escapes_figure_texts(mini: Path) -> None:
    replace(mini, 'unit = "Städte"', f'unit = "{toml_escape(OSC52)}"')
    code, out, err = run(mini, "check")
    assert code == 0, err
    assert "\x1b" not in out and "\x07" not in out
    assert "\\e]52;c;" in out


def test_compare_escapes_network_names_in_the_table_header(mini: Path) -> None:
    replace(mini, 'name = "EUROCITIES"', f'name = "EURO{toml_escape(OSC52_ST)}"')
    for fmt in ("table", "md", "tsv", "csv"):
        code, out, err = run(mini, "compare", "eurocities", "klima-buendnis", "-f", fmt)
        assert code == 0, err
        assert "\x1b" not in out, fmt


@pytest.mark.parametrize("fmt", ["table", "tsv", "md", "ids", "csv"])
@pytest.mark.parametrize("char", INVISIBLE)
def test_every_format_escapes_bidi_and_c1(mini: Path, fmt: str, char: str) -> None:
    replace(mini, 'id = "koeln"\nname = "Köln"', f'id = "koeln"\nname = "K{toml_escape(char)}ln"')
    code, out, err = run(mini, "cities", "-f", fmt)
    assert code == 0, err
    assert char not in out


@pytest.mark.parametrize("char", INVISIBLE)
def test_json_writes_c1_and_bidi_as_escapes(mini: Path, char: str) -> None:
    replace(mini, 'id = "koeln"\nname = "Köln"', f'id = "koeln"\nname = "K{toml_escape(char)}ln"')
    code, out, _ = run(mini, "show", "koeln", "-f", "json")
    assert code == 0
    assert char not in out
    assert f"\\u{ord(char):04x}" in out
    assert json.loads(out)["name"] == f"K{char}ln"  # the value itself is unchanged
    assert '"Köln"' not in out  # (other non-ASCII text stays readable)


@pytest.mark.parametrize(
    "value", ["＝HYPERLINK(1)", "＋1", "－1", "＠SUM(A1)", "  =1+1", " \t=cmd|' /C calc'!A0"]
)
def test_csv_neutralises_full_width_and_indented_formulas(mini: Path, value: str) -> None:
    replace(mini, 'id = "koeln"\nname = "Köln"', f'id = "koeln"\nname = "{toml_escape(value)}"')
    code, out, _ = run(mini, "cities", "-f", "csv")
    assert code == 0
    import csv
    import io

    cells = [row["name"] for row in csv.DictReader(io.StringIO(out))]
    starts = ("=", "+", "-", "@", "＝", "＋", "－", "＠")
    assert not any(c.lstrip(" \t").startswith(starts) for c in cells)
    assert sum(c.startswith("'") for c in cells) == (0 if "\t" in value else 1)


def test_data_errors_quoting_values_escape_them(mini: Path) -> None:
    replace(mini, 'scope = "europe"', f'scope = "eu{toml_escape(OSC52)}\u202e"')
    code, _, err = run(mini, "list")
    assert code == 3
    assert "\x1b" not in err and "\u202e" not in err and "\x07" not in err


def test_not_found_suggestions_escape_names_from_the_data(mini: Path) -> None:
    replace(mini, 'name = "Köln"', f'name = "Köln{toml_escape(OSC52)}\u2028x"')
    code, _, err = run(mini, "show", "koln")
    assert code in (0, 1)
    assert "\x1b" not in err and "\u2028" not in err


@pytest.mark.parametrize("char", INVISIBLE)
def test_graphml_and_gexf_write_c1_and_bidi_as_character_references(mini: Path, char: str) -> None:
    import networkx

    replace(mini, 'id = "koeln"\nname = "Köln"', f'id = "koeln"\nname = "K{toml_escape(char)}ln"')
    for fmt, read in (("graphml", networkx.read_graphml), ("gexf", networkx.read_gexf)):
        code, out, err = run(mini, "graph", "-f", fmt)
        assert code == 0, err
        assert char not in out and f"&#x{ord(char):x};" in out
        target = mini.with_name(f"graph.{fmt}")
        target.write_text(out, encoding="utf-8")
        labels = {data.get("label") for _, data in read(target).nodes(data=True)}
        assert f"K{char}ln" in labels  # the value itself comes back unchanged


@pytest.mark.parametrize("char", INVISIBLE)
def test_export_json_writes_c1_and_bidi_as_escapes(mini: Path, char: str) -> None:
    replace(mini, 'id = "koeln"\nname = "Köln"', f'id = "koeln"\nname = "K{toml_escape(char)}ln"')
    code, out, err = run(mini, "export", "json", "-")
    assert code == 0, err
    assert char not in out
    cities = {c["id"]: c for c in json.loads(out)["cities"]}
    assert cities["koeln"]["name"] == f"K{char}ln"


def test_a_file_name_with_control_characters_is_shown_escaped(mini: Path) -> None:
    hostile = mini.with_name("net\x1b[2Jworks.toml")
    mini.rename(hostile)
    for command in (["fmt"], ["check"], ["show", "atlantis"]):
        result = runner.invoke(app, ["--data", str(hostile), *command])
        assert result.exit_code in (0, 1), result.stderr
        assert "\x1b" not in result.stdout + result.stderr
        assert "net\\e[2Jworks.toml" in result.stdout + result.stderr or command[0] == "show"

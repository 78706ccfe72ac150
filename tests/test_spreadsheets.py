"""Spreadsheets and chosen columns, read back by the real clients: openpyxl and csv."""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from citynet.cli import app

runner = CliRunner()

HOSTILE = """
[[cities]]
id = "formelstadt"
name = "=HYPERLINK(\\"http://example.invalid\\",\\"klick\\")"
name_en = "@SUM(1+1)"
country = "DE"
sources = ["doc-a"]

[[cities]]
id = "minusstadt"
name = "-2+3"
name_en = "+cmd|' /C calc'!A0"
country = "DE"
sources = ["doc-a"]
"""


@pytest.fixture
def hostile(mini: Path) -> Path:
    """The mini dataset with cities whose names a spreadsheet would run as formulas."""
    mini.write_text(mini.read_text(encoding="utf-8") + HOSTILE, encoding="utf-8")
    return mini


def run(path: Path, *args: str) -> tuple[int, bytes, str]:
    result = runner.invoke(app, ["--data", str(path), *args])
    return result.exit_code, result.stdout_bytes, result.stderr


# --- xlsx -------------------------------------------------------------------------


def test_xlsx_workbook_has_a_bold_frozen_header_widths_and_typed_cells(
    mini: Path, tmp_path: Path
) -> None:
    target = tmp_path / "netze.xlsx"
    code, out, err = run(mini, "list", "--format", "xlsx", "-o", str(target))
    assert (code, out) == (0, b""), err
    sheet = openpyxl.load_workbook(target).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header == [
        "id",
        "name",
        "scope",
        "themes",
        "founded",
        "members",
        "member_cities",
        "full_name",
    ]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["eurocities"][4] == 1986 and isinstance(rows["eurocities"][4], int)
    assert rows["klima-buendnis"][5] == "fast 2.000 Kommunen [doc-a]"
    # Wider than Excel's default (8.43) where the text is long, never absurdly wide.
    widths = {k: sheet.column_dimensions[k].width for k in "ABF"}
    assert widths["F"] > 20 and all(w <= 62 for w in widths.values())


def test_xlsx_counts_are_numbers(mini: Path, tmp_path: Path) -> None:
    target = tmp_path / "staedte.xlsx"
    assert run(mini, "cities", "-o", str(target))[0] == 0  # the suffix chooses xlsx
    sheet = openpyxl.load_workbook(target).active
    assert sheet is not None
    berlin = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "berlin")
    assert berlin[4:] == (2, 2)  # two memberships, two partner cities


def test_xlsx_never_writes_a_formula_from_hostile_text(hostile: Path, tmp_path: Path) -> None:
    target = tmp_path / "staedte.xlsx"
    assert run(hostile, "cities", "--format", "xlsx", "-o", str(target))[0] == 0
    sheet = openpyxl.load_workbook(target).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None]
    texts = {c.value for c in cells}
    assert '=HYPERLINK("http://example.invalid","klick")' in texts
    assert {"@SUM(1+1)", "-2+3", "+cmd|' /C calc'!A0"} <= texts
    assert all(c.data_type in ("s", "n") for c in cells)  # "f" would be a formula
    with zipfile.ZipFile(target) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_xlsx_goes_to_stdout_in_a_pipe(mini: Path) -> None:
    code, out, _ = run(mini, "themes", "--format", "xlsx")
    assert code == 0
    sheet = openpyxl.load_workbook(io.BytesIO(out)).active
    assert sheet is not None
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["klima", "soziales"]


@pytest.mark.skipif(os.name == "nt", reason="needs a pseudo-terminal")
def test_xlsx_on_a_terminal_without_output_is_a_usage_error(mini: Path) -> None:
    from test_entry_point import on_a_terminal

    code, screen = on_a_terminal("--data", str(mini), "list", "--format", "xlsx")
    assert code == 2
    assert "--output" in screen and "PK" not in screen


# --- csv --------------------------------------------------------------------------


def test_csv_reads_back_with_the_excel_dialect(hostile: Path) -> None:
    code, out, _ = run(hostile, "cities", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out.decode("utf-8")), dialect="excel"))
    by_id = {r["id"]: r for r in rows}
    assert by_id["koeln"]["name_en"] == "Cologne"
    # A leading =, +, - or @ gets a ' so the spreadsheet shows text.
    assert by_id["formelstadt"]["name"] == '\'=HYPERLINK("http://example.invalid","klick")'
    assert by_id["minusstadt"]["name_en"] == "'+cmd|' /C calc'!A0"


def test_csv_de_has_a_byte_order_mark_and_semicolons(hostile: Path) -> None:
    code, out, _ = run(hostile, "cities", "--format", "csv-de")
    assert code == 0
    assert out.startswith(b"\xef\xbb\xbfid;name;")
    german = list(csv.DictReader(io.StringIO(out.decode("utf-8-sig")), delimiter=";"))
    plain = run(hostile, "cities", "--format", "csv")[1].decode("utf-8")
    assert german == list(csv.DictReader(io.StringIO(plain)))


def test_output_file_is_written_in_the_format_its_suffix_names(mini: Path, tmp_path: Path) -> None:
    for suffix, first in ((".csv", "id,name,"), (".json", "["), (".md", "**2 Themen**")):
        target = tmp_path / f"themen{suffix}"
        assert run(mini, "--lang", "de", "themes", "-o", str(target))[:2] == (0, b"")
        assert target.read_text(encoding="utf-8").startswith(first)
    assert list(tmp_path.glob(".*.tmp")) == []  # written through a temporary file


# --- --fields ---------------------------------------------------------------------


def test_fields_choose_columns_in_the_given_order(mini: Path) -> None:
    code, out, _ = run(mini, "list", "--fields", "founded,id", "--format", "tsv")
    assert code == 0
    assert out.decode().splitlines() == ["founded\tid", "1986\teurocities", "1990\tklima-buendnis"]
    csv_out = run(mini, "list", "--fields", "id,founded", "--format", "csv")[1].decode()
    assert csv_out.splitlines()[0] == "id,founded"
    md = run(mini, "--lang", "de", "list", "--fields", "id,founded", "--format", "md")[1].decode()
    assert "| ID | Gegr. |" in md


def test_fields_in_json_give_objects_with_only_those_keys_typed(mini: Path) -> None:
    code, out, _ = run(mini, "cities", "--fields", "partners,id,name_en", "--format", "json")
    assert code == 0
    cities = json.loads(out)
    assert [list(c) for c in cities] == [["partners", "id", "name_en"]] * len(cities)
    berlin = next(c for c in cities if c["id"] == "berlin")
    assert berlin == {"partners": 2, "id": "berlin", "name_en": None}


def test_fields_in_xlsx_and_on_a_table(mini: Path, tmp_path: Path) -> None:
    target = tmp_path / "t.xlsx"
    assert run(mini, "partners", "berlin", "--fields", "name,kind", "-o", str(target))[0] == 0
    sheet = openpyxl.load_workbook(target).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == ["name", "kind"]
    table = run(mini, "--lang", "de", "partners", "berlin", "--fields", "kind,name", "-f", "table")[
        1
    ]
    header = next(line for line in table.decode().splitlines() if "Art" in line)
    assert header.index("Art") < header.index("Stadt") and "ID" not in header


def test_unknown_field_is_a_usage_error_listing_the_available_ones(mini: Path) -> None:
    code, out, err = run(mini, "list", "--fields", "id,fonded")
    assert (code, out) == (2, b"")
    assert "unknown field 'fonded'" in err and "did you mean 'founded'" in err
    assert "available fields: id, name, scope, themes, founded" in err


def test_fields_work_on_every_command_that_prints_rows(mini: Path) -> None:
    for args in (
        ("show", "eurocities"),
        ("show", "koeln"),
        ("partners", "paris"),
        ("compare", "eurocities", "klima-buendnis"),
        ("compare", "berlin", "koeln"),
        ("themes",),
        ("cities",),
        ("search", "klima"),
        ("schema",),
    ):
        header = run(mini, *args, "--format", "tsv")[1].decode().splitlines()[0].split("\t")
        chosen = header[::-1][:2]
        code, out, err = run(mini, *args, "--fields", ",".join(chosen), "--format", "tsv")
        assert code == 0, (args, err)
        assert out.decode().splitlines()[0].split("\t") == chosen


@pytest.mark.skipif(os.name == "nt", reason="completion scripts are for POSIX shells here")
def test_shell_completion_offers_the_fields_of_the_command(mini: Path) -> None:
    import subprocess

    from test_entry_point import citynet

    def complete(line: str) -> str:
        env = {
            **os.environ,
            "_CITYNET_COMPLETE": "complete_zsh",
            "_TYPER_COMPLETE_ARGS": line,
            "CITYNET_DATA": str(mini),
        }
        done = subprocess.run([citynet()], env=env, capture_output=True, text=True, check=False)
        return done.stdout

    assert '"id,name"' in complete("citynet list --fields id,na")
    assert '"id,name_en"' in complete("citynet cities --fields id,na")
    offered = complete("citynet partners berlin --fields ")
    assert '"programme"' in offered and '"kind"' in offered
    # The columns of compare are the compared networks, read from --data.
    other = mini.with_name("other.toml")
    mini.rename(other)
    offered = complete(f"citynet --data {other} compare eurocities klima-buendnis --fields k")
    assert '"klima-buendnis"' in offered

"""The one registry of output formats: every suffix it names reaches its writer, and a
suffix it does not name is a usage error that lists the formats (never a silent TSV)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citynet import formats
from citynet.cli import app

runner = CliRunner()

# A command per kind of result, writing to the file given with -o.
COMMANDS: dict[formats.Kind, list[str]] = {
    "listing": ["themes"],
    "graph": ["graph", "berlin"],
    "map": ["map", "berlin"],
    "report": ["report", "berlin"],
    "timeline": ["timeline", "berlin"],
}
# What each format's file begins with (after a BOM, blanks or an XML declaration).
STARTS = {
    "json": b"[",
    "tsv": b"id\t",
    "csv": b"id,",
    "md": b"**",
    "xlsx": b"PK",
    "dot": b"graph",
    "mermaid": b"flowchart",
    "graphml": b"<?xml",
    "gexf": b"<?xml",
    "svg": b"<svg",
    "geojson": b"{",
    "html": b"<!DOCTYPE html>",
}


@pytest.mark.parametrize(
    ("kind", "name", "suffix"),
    [(f.kind, f.name, s) for f in formats.REGISTRY for s in f.suffixes],
    ids=lambda value: str(value),
)
def test_each_suffix_writes_its_format(
    tmp_path: Path, english_locale: None, kind: formats.Kind, name: str, suffix: str
) -> None:
    if name == "svg" and kind == "graph" and shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    target = tmp_path / f"out{suffix}"
    result = runner.invoke(app, [*COMMANDS[kind], "-o", str(target)])
    assert result.exit_code == 0, result.output
    written = target.read_bytes()
    start = {
        ("report", "md"): b"#",
        ("timeline", "tsv"): b"year\t",  # a timeline's first column is the year
        ("timeline", "csv"): b"year,",
    }.get((kind, name), STARTS[name])
    assert start in written[:300], written[:80]
    if name in ("json", "geojson"):
        json.loads(written)


@pytest.mark.parametrize("kind", list(COMMANDS))
def test_an_unknown_suffix_is_a_usage_error_listing_the_formats(
    tmp_path: Path, english_locale: None, kind: formats.Kind
) -> None:
    target = tmp_path / "out.pdf"
    result = runner.invoke(app, [*COMMANDS[kind], "-o", str(target)])
    assert result.exit_code == 2
    assert "no format is written as .pdf" in result.output
    assert all(name in result.output for name in formats.names(kind))
    assert not target.exists()


def test_format_names_are_case_insensitive_and_checked(english_locale: None) -> None:
    assert runner.invoke(app, ["themes", "--format", "JSON"]).output.startswith("[")
    refused = runner.invoke(app, ["themes", "--format", "pdf"])
    assert refused.exit_code == 2 and "'tsv'" in refused.output


def test_without_suffix_each_kind_has_its_default(tmp_path: Path) -> None:
    assert formats.choose("listing", None, tmp_path / "plain") == "tsv"
    assert formats.choose("report", None, tmp_path / "bericht") == "html"
    assert formats.choose("report", None, None) == "md"
    assert formats.choose("map", "GeoJSON", tmp_path / "x.svg") == "geojson"

"""The docs that describe the schema are made from it: README.md's contract table and the
field reference of docs/schema.md must be what scripts/make_docs.py makes now."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "make_docs.py"


def make_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_docs"] = module
    spec.loader.exec_module(module)
    return module


def test_the_generated_docs_are_current() -> None:
    stale = make_docs().stale()
    assert not stale, f"{sorted(map(str, stale))}: run python scripts/make_docs.py"


def test_a_field_of_the_model_is_in_the_field_reference() -> None:
    docs = make_docs()
    reference = docs.field_reference()
    assert "| `homepage` |  | text | web site |" in reference
    assert "`twinning`" in reference  # the vocabulary comes from the model
    assert "### Role: `[[networks.people]]`, `[[memberships.roles]]`" in reference


def test_a_stale_part_is_found_and_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = make_docs()
    readme = tmp_path / "README.md"
    schema = tmp_path / "docs" / "schema.md"
    schema.parent.mkdir()
    readme.write_text(
        "<!-- generated: commands -->\n<!-- end: commands -->\n"
        "x\n<!-- generated: contract -->\nold\n<!-- end: contract -->\n"
    )
    schema.write_text("<!-- generated: fields -->\n<!-- end: fields -->\n")
    monkeypatch.setattr(docs, "REPOSITORY", tmp_path)
    assert set(docs.stale()) == {readme, schema}
    assert docs.main(["--check"]) == 1 and "old" in readme.read_text()
    assert docs.main([]) == 0 and docs.stale() == {}
    assert "| `partner` | `city`, `name`, `name_en`, `country`, `kind`" in readme.read_text()

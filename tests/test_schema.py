"""The one schema description and what is derived from it: docs, types, options."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from citynet import schema
from citynet.arguments import option_help
from citynet.model import SECTIONS

DOCS = Path(__file__).parents[1] / "docs" / "schema.md"


def documented_fields() -> dict[str, dict[str, str]]:
    """Section (e.g. "networks.figures") → field → "required"/"optional", from the field
    reference of docs/schema.md (made by scripts/make_docs.py)."""
    text = DOCS.read_text(encoding="utf-8")
    found: dict[str, dict[str, str]] = {}
    sections: list[str] = []
    for line in text.splitlines():
        if line.startswith("### "):
            sections = re.findall(r"`\[\[([a-z.]+)\]\]`", line)
            found.update({section: {} for section in sections})
            continue
        field = re.match(r"\| `([a-z_]+)` \| (required)? *\|", line)
        if field:
            for section in sections:
                found[section][field.group(1)] = field.group(2) or "optional"
    return found


def schema_fields() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}

    def add(name: str, record_type: type) -> None:
        found[name] = {}
        for spec in schema.fields_of(record_type):
            found[name][spec.name] = "required" if spec.required else "optional"
            if spec.nested:
                add(f"{name}.{spec.name}", spec.nested)

    for section, record_type in SECTIONS.items():
        add(section, record_type)
    return found


def test_docs_schema_names_every_field_and_whether_it_is_required() -> None:
    documented, described = documented_fields(), schema_fields()
    assert set(documented) == set(described)
    for section, fields in described.items():
        assert documented[section] == fields, section


def test_fields_command_lists_every_field_of_every_kind() -> None:
    from typer.testing import CliRunner

    from citynet.cli import app

    out = CliRunner().invoke(app, ["fields"]).stdout
    for kind, record_type in schema.KINDS.items():
        line = next(line for line in out.splitlines() if line.startswith(f"{kind}:"))
        assert line.split()[1:] == [
            part for spec in schema.fields_of(record_type) for part in option_help(spec).split()
        ]


def test_a_misspelt_dataset_attribute_is_a_type_error(tmp_path: Path) -> None:
    """Dataset is plainly typed: mypy catches `data.netwroks` (it did not behind __getattr__)."""
    pytest.importorskip("mypy")
    program = tmp_path / "uses_citynet.py"
    program.write_text(
        "import citynet\n\ndata = citynet.load()\nprint(data.netwroks)\nprint(data.networks)\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(program)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout
    assert '"Dataset" has no attribute "netwroks"' in result.stdout
    assert result.stdout.count("error:") == 1

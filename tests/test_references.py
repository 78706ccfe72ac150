"""Renaming and cascading follow every reference field the schema describes.

The fields come from `citynet.schema`, not from a list written here: a reference
field added to the model later is checked here too, or fails the first test
until the fixture uses it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from citynet import schema, store
from citynet.cli import app
from citynet.model import SECTIONS, Dataset

FIXTURE = Path(__file__).parent / "fixtures" / "references.toml"
TARGETS = {"cities": "london", "networks": "netz", "sources": "quelle", "themes": "thema"}
runner = CliRunner()


def reference_fields(record_type: type, path: str = "") -> list[tuple[str, str]]:
    """(field path, section) of every reference field, nested tables included."""
    found = []
    for spec in schema.fields_of(record_type):
        if spec.nested:
            found += reference_fields(spec.nested, f"{path}{spec.name}.")
        elif spec.refers:
            found.append((f"{path}{spec.name}", spec.refers))
    return found


SCHEMA_REFERENCES = sorted(
    (f"{section}.{field}", refers)
    for section, record_type in SECTIONS.items()
    for field, refers in reference_fields(record_type)
)


def held(dataset: Dataset, section: str, record_id: str) -> list[str]:
    """The reference fields (as section.path, list positions dropped) holding record_id."""
    found = []
    for records_section in SECTIONS:
        for record in getattr(dataset, records_section):
            for path, refers, ref in schema.references(record):
                if (refers, ref) == (section, record_id):
                    plain = ".".join(part.split("[")[0] for part in path.split("."))
                    found.append(f"{records_section}.{plain}")
    return sorted(found)


def copy(tmp_path: Path) -> Path:
    target = tmp_path / "networks.toml"
    # Without the comment at the top: writing commands refuse files with comments.
    lines = FIXTURE.read_text(encoding="utf-8").splitlines(keepends=True)
    target.write_text("".join(line for line in lines if not line.startswith("#")), "utf-8")
    return target


def test_the_schema_describes_the_reference_fields_we_know() -> None:
    assert ("memberships.roles.city", "cities") in SCHEMA_REFERENCES
    assert ("networks.people.city", "cities") in SCHEMA_REFERENCES
    assert ("partnerships.cities", "cities") in SCHEMA_REFERENCES
    assert ("networks.figures.source", "sources") in SCHEMA_REFERENCES
    assert len(SCHEMA_REFERENCES) >= 17


def test_the_fixture_uses_every_reference_field_of_the_schema() -> None:
    data = store.load(FIXTURE)
    used = {
        (field, section)
        for section, target in TARGETS.items()
        for field in held(data, section, target)
    }
    assert used == set(SCHEMA_REFERENCES)


@pytest.mark.parametrize(
    ("kind", "section"),
    [("city", "cities"), ("network", "networks"), ("source", "sources"), ("theme", "themes")],
)
def test_renaming_an_id_moves_every_reference(tmp_path: Path, kind: str, section: str) -> None:
    path = copy(tmp_path)
    old = TARGETS[section]
    before = held(store.load(path), section, old)
    result = runner.invoke(app, ["--data", str(path), "edit", kind, old, "--id", "umbenannt"])
    assert result.exit_code == 0, result.stderr
    after = store.load(path)
    assert held(after, section, old) == []
    assert held(after, section, "umbenannt") == before


@pytest.mark.parametrize(("kind", "section"), [("city", "cities"), ("network", "networks")])
def test_cascade_removes_what_needs_the_record_and_clears_the_rest(
    tmp_path: Path, kind: str, section: str
) -> None:
    path = copy(tmp_path)
    target = TARGETS[section]
    refused = runner.invoke(app, ["--data", str(path), "remove", kind, target])
    assert refused.exit_code == 2 and "--cascade" in refused.stderr
    result = runner.invoke(app, ["--data", str(path), "remove", kind, target, "--cascade"])
    assert result.exit_code == 0, result.stderr
    after = store.load(path)  # valid, with nothing pointing at the removed record
    assert held(after, section, target) == []
    assert target not in {r.id for r in getattr(after, section)}


def test_cascade_keeps_records_that_only_mention_a_city_in_a_role(tmp_path: Path) -> None:
    # The reproducer of the house-in-order issue: a role's city is neither renamed nor
    # cascaded, so both commands failed with "unknown city".
    path = copy(tmp_path)
    runner.invoke(app, ["--data", str(path), "remove", "city", "london", "--cascade"])
    after = store.load(path)
    (berlin_in_netz,) = after.memberships_by_city["berlin"]
    assert berlin_in_netz.roles[0].role == "Vorsitz" and berlin_in_netz.roles[0].city == ""
    assert after.network_by_id["netz"].people[0].city == ""
    assert "london" not in {c for p in after.partnerships for c in p.cities}
    assert not [m for m in after.memberships if m.city == "london"]


def test_a_source_in_use_is_not_removed_even_with_cascade(tmp_path: Path) -> None:
    path = copy(tmp_path)
    before = path.read_bytes()
    result = runner.invoke(app, ["--data", str(path), "remove", "source", "quelle", "--cascade"])
    assert result.exit_code == 2
    assert path.read_bytes() == before


def test_merging_a_city_moves_every_reference_to_it(tmp_path: Path) -> None:
    # Every field the schema lists as referring to a city follows `merge`, the role's
    # city among them (the import's first merge refused files with such roles).
    path = copy(tmp_path)
    before = held(store.load(path), "cities", "london")
    # Two places (two countries): merged only with --force, which is what is tested here.
    refused = runner.invoke(app, ["--data", str(path), "merge", "berlin", "london"])
    assert refused.exit_code == 2 and "berlin is in DE, london in GB" in refused.stderr
    result = runner.invoke(app, ["--data", str(path), "merge", "berlin", "london", "--force"])
    assert result.exit_code == 0, result.stderr
    after = store.load(path)
    assert held(after, "cities", "london") == []
    assert "london" not in after.city_by_id
    moved = held(after, "cities", "berlin")
    # Berlin–London itself would be a city partnered with itself: it goes.
    assert set(before) - {"partnerships.cities"} <= set(moved)
    assert not [p for p in after.partnerships if p.cities[0] == p.cities[1]]


def test_refers_to_any_agrees_with_the_references_a_record_holds() -> None:
    from citynet.files import shipped_path

    dataset = store.load(shipped_path())
    fixture = store.load(FIXTURE)
    records = [r for d in (dataset, fixture) for s in SECTIONS for r in getattr(d, s)]
    held = {(section, ref) for r in records for _f, section, ref in schema.references(r)}
    asked = [{section: {ref}} for section, ref in sorted(held)[::7]]
    asked += [{section: {"nirgendwo"}} for section in SECTIONS]
    for record in records:
        found = {(section, ref) for _f, section, ref in schema.references(record)}
        for ids in asked:
            [(section, wanted)] = ids.items()
            expected = any((section, ref) in found for ref in wanted)
            assert schema.refers_to_any(record, ids) == expected, (record, ids)


def test_records_referring_finds_what_refers_to_any_finds_record_by_record() -> None:
    """The scan a field at a time (in C) names the records, in their order, that asking
    `refers_to_any` of each names: through nested tables (a role's city), lists (a
    network's themes) and single fields alike."""
    from citynet.files import shipped_path

    for dataset in (store.load(shipped_path()), store.load(FIXTURE)):
        refs = sorted(
            {(target, ref) for s in SECTIONS for r in getattr(dataset, s)
             for _f, target, ref in schema.references(r)}
        )  # fmt: skip
        asked = [{target: {ref}} for target, ref in refs[::5]]
        asked += [{"cities": {ref for target, ref in refs if target == "cities"}}]
        asked += [{target: {"nirgendwo", ""}} for target in SECTIONS]
        asked += [{"cities": {"berlin"}, "networks": {"c40"}, "sources": {"redaktion"}}]
        for ids in asked:
            for section in SECTIONS:
                expected = [r for r in getattr(dataset, section) if schema.refers_to_any(r, ids)]
                assert schema.records_referring(dataset, section, ids) == expected, (section, ids)

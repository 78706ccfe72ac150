"""The contract derived from the schema: JSON objects, their JSON Schemas and the SQL tables
follow from model.py alone, and empty text is null everywhere."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import jsonschema

from citynet import contract, store
from citynet.files import shipped_path
from citynet.model import PARTNERSHIP_KINDS, SECTIONS, Network, Source
from citynet.schema import fields_of
from citynet.schemas import document

PACKAGE = Path(contract.__file__).resolve().parent


def test_empty_text_is_null_and_other_values_stay() -> None:
    source = Source("s", "P", "T", "de", url="", note="n")
    obj = contract.record_object(source)
    assert obj["url"] is None and obj["file"] is None and obj["note"] == "n"
    assert (contract.null(""), contract.null(0), contract.null(False)) == (None, 0, False)


def test_every_record_object_has_exactly_its_schemas_keys() -> None:
    data = store.load(shipped_path())
    defs = contract.objects_schema()["$defs"]
    for record_type in SECTIONS.values():
        name = record_type.__name__.lower()
        if name not in defs:
            continue  # a theme is only ever printed as a theme_row
        check = jsonschema.Draft202012Validator({**defs[name], "$defs": defs})
        section = next(s for s, t in SECTIONS.items() if t is record_type)
        for record in getattr(data, section):
            obj = contract.object_of(data, record)
            assert list(obj) == defs[name]["required"]
            check.validate(obj)


def test_the_vocabularies_of_the_schemas_are_the_models() -> None:
    defs = contract.objects_schema()["$defs"]
    assert defs["partnership"]["properties"]["kind"]["enum"] == list(PARTNERSHIP_KINDS)
    assert "twinning" in defs["partner"]["properties"]["kind"]["enum"]
    assert defs["figure"]["properties"]["qualifier"]["enum"][-1] is None  # optional: null


def test_fields_read_in_the_published_order() -> None:
    order = [spec.name for spec in contract.reading_order(Network)]
    assert order[:8] == ["id", "name", "short_name", "name_de", "name_en", "aliases", "scope",
                         "themes"]  # fmt: skip
    assert order[-1] == "sources"
    assert sorted(order) == sorted(spec.name for spec in fields_of(Network))


def _model_with_a_new_field(tmp_path: Path) -> Path:
    """A copy of the package in which only model.py differs: networks have `website`."""
    copy = tmp_path / "pkg" / "citynet"
    copy.mkdir(parents=True)
    for entry in PACKAGE.iterdir():
        if entry.name not in ("model.py", "__pycache__"):
            (copy / entry.name).symlink_to(entry)
    model = (PACKAGE / "model.py").read_text(encoding="utf-8")
    anchor = '    homepage: str = ""\n'
    assert anchor in model
    added = '    website: str = ""\n    """a second web site"""\n'
    (copy / "model.py").write_text(model.replace(anchor, anchor + added), encoding="utf-8")
    return copy.parent


def test_a_field_added_to_the_model_is_in_show_json_json_schema_and_sql(tmp_path: Path) -> None:
    """Adding a field is a change in model.py and nothing else."""
    root = _model_with_a_new_field(tmp_path)
    data = tmp_path / "networks.toml"
    text = shipped_path().read_text(encoding="utf-8")
    anchor = 'homepage = "https://www.c40.org"\n'
    assert anchor in text
    data.write_text(text.replace(anchor, anchor + 'website = "https://c40.example"\n'))
    env = {**os.environ, "PYTHONPATH": str(root), "CITYNET_DATA": str(data)}

    def citynet(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "citynet", *args],
            capture_output=True, text=True, encoding="utf-8", env=env, cwd=tmp_path, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    shown = json.loads(citynet("show", "c40", "--format", "json"))
    assert shown["website"] == "https://c40.example"
    assert list(shown).index("website") == list(shown).index("homepage") + 1
    schema = json.loads(citynet("schema", "show-network"))
    network = schema["$defs"]["objects"]["$defs"]["network"]
    assert "website" in network["required"]
    assert network["properties"]["website"]["description"] == "a second web site"
    jsonschema.Draft202012Validator(schema).validate(shown)
    assert not jsonschema.Draft202012Validator(schema).is_valid({**shown, "website": 1})
    table = citynet("show", "c40", "--format", "tsv")
    assert "website\thttps://c40.example\t" in table  # `show` gives it a row of its own
    assert "website" in citynet("fields")  # and add/edit take it
    others = json.loads(citynet("list", "--format", "json"))
    assert {n["website"] for n in others} == {"https://c40.example", None}
    citynet("export", "sqlite", str(tmp_path / "out.db"))
    db = sqlite3.connect(tmp_path / "out.db")
    assert db.execute("SELECT website FROM networks WHERE id = 'c40'").fetchone() == (
        "https://c40.example",
    )
    # The package in use is the copy: the shipped one has no such field.
    assert (
        "website"
        not in document("show-network")["$defs"]["objects"]["$defs"]["network"]["required"]
    )
    shutil.rmtree(root)

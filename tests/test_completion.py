"""Completion offers names as people write them, from a compact index in the cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from citynet import cache, completion
from citynet.files import shipped_path
from citynet.model import City, Dataset
from citynet.store import load


def index_of(dataset: Dataset) -> list[completion.Row]:
    return completion.name_index(dataset)


def test_plain_letters_find_accented_names_and_typed_accents_are_meant() -> None:
    rows = index_of(load(shipped_path()))
    assert "koeln" in completion.complete(rows, "koel")
    assert "Köln" in completion.complete(rows, "Köl")
    offered = completion.complete(rows, "Kö")
    assert all(name.casefold().startswith("kö") for name in offered)


def test_the_typed_text_is_never_glued_onto_another_names_tail() -> None:
    base = load(shipped_path())
    source = base.sources[0].id
    cities = (
        City("colmar", "Colmar", "FR", (source,), aliases=("Kolmar",), population=67_000),
        City("koeln-2", "Köln", "DE", (source,), population=None),
    )
    rows = index_of(base.replace(cities=(*base.cities, *cities)))
    offered = completion.complete(rows, "Köl")
    assert not any(name.casefold().startswith("kölm") for name in offered)
    assert offered.count("Köln") == 1
    # Two places called Köln: offered by their ids, which tell them apart.
    offered = completion.complete(rows, "koe")
    assert "koeln" in offered and "koeln-2" in offered
    assert offered.index("koeln") < offered.index("koeln-2")


def test_at_most_fifty_offers_biggest_first() -> None:
    base = load(shipped_path())
    source = base.sources[0].id
    many = tuple(
        City(f"sankt-{n}", f"Sankt Ort {n}", "DE", (source,), population=n) for n in range(80)
    )
    offered = completion.complete(index_of(base.replace(cities=many)), "Sankt")
    assert len(offered) == completion.LIMIT
    assert offered[0] == "Sankt Ort 79"


def test_completion_reads_the_index_from_the_cache_not_the_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "networks.toml"
    data.write_bytes(shipped_path().read_bytes())
    first = completion.complete(completion.cached_index(data), "koel")

    def no_load(*args: object) -> Dataset:
        raise AssertionError("the whole dataset was loaded")

    monkeypatch.setattr(cache, "_load", no_load)
    assert completion.complete(completion.cached_index(data), "koel") == first


def test_after_an_edit_completion_finds_the_change_without_building_the_index_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from citynet.cli import app

    data = tmp_path / "networks.toml"
    data.write_bytes(shipped_path().read_bytes())
    assert "Kölle" not in completion.complete(completion.cached_index(data), "Köll")
    runner = CliRunner()
    added = runner.invoke(
        app, ["--data", str(data), "add", "city", "--id", "koelleda", "--name", "Kölleda",
              "--country", "DE", "--source", "redaktion"],
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    edited = runner.invoke(
        app, ["--data", str(data), "edit", "city", "koeln", "--add-alias", "Kölle"]
    )
    assert edited.exit_code == 0, edited.stderr

    def not_again(dataset: Dataset) -> list[completion.Row]:
        raise AssertionError("the name index was built again")

    monkeypatch.setattr(completion, "name_index", not_again)
    rows = completion.cached_index(data)
    assert completion.complete(rows, "Köll") == ["Kölle", "Kölleda"]
    assert rows == sorted(rows)
    monkeypatch.undo()
    assert rows == completion.name_index(load(data))


def test_a_row_an_edit_brought_and_the_next_took_away_leaves_the_index_as_built(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from citynet.cli import app

    data = tmp_path / "networks.toml"
    data.write_bytes(shipped_path().read_bytes())
    built = completion.cached_index(data)
    runner = CliRunner()
    for verb in ("add", "remove"):
        edited = runner.invoke(
            app, ["--data", str(data), "edit", "city", "koeln", f"--{verb}-alias", "Kölle"]
        )
        assert edited.exit_code == 0, edited.stderr
        rows = completion.cached_index(data)
        assert rows == completion.name_index(load(data))
    assert rows == built


def test_a_patch_whose_index_is_gone_builds_the_index_again(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from citynet.cli import app

    data = tmp_path / "networks.toml"
    data.write_bytes(shipped_path().read_bytes())
    completion.cached_index(data)
    for entry in cache.cache_dir().glob("*.names.msgpack"):
        entry.unlink()  # the index the patch of the edit would apply to
    edited = CliRunner().invoke(
        app, ["--data", str(data), "edit", "city", "koeln", "--add-alias", "Kölle"]
    )
    assert edited.exit_code == 0, edited.stderr
    assert completion.cached_index(data) == completion.name_index(load(data))

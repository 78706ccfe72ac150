"""The dataset cache: never stale, never trusted when damaged, never an error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from citynet import cache, store


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle"))


def test_a_second_load_comes_from_the_cache(
    mini: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = cache.load_cached(mini)
    assert len(entries(private_cache)) == 1

    def no_parsing(*args: object) -> None:
        raise AssertionError("parsed although cached")

    monkeypatch.setattr(store, "parse", no_parsing)
    assert cache.load_cached(mini) == first


def test_an_edit_by_hand_is_seen_at_once(mini: Path) -> None:
    assert cache.load_cached(mini).city_by_id["paris"].name == "Paris"
    text = mini.read_text(encoding="utf-8").replace('name = "Paris"', 'name = "Lutetia"')
    stat = mini.stat()
    mini.write_text(text, encoding="utf-8")
    os.utime(mini, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime: content decides
    assert cache.load_cached(mini).city_by_id["paris"].name == "Lutetia"


def test_a_corrupt_or_truncated_cache_is_ignored_and_rebuilt(
    mini: Path, private_cache: Path
) -> None:
    expected = cache.load_cached(mini)
    (entry,) = entries(private_cache)
    whole = entry.read_bytes()
    for damaged in (b"", whole[: len(whole) // 2], b"garbage" * 10, whole[:40] + b"\x00" * 100):
        entry.write_bytes(damaged)
        assert cache.load_cached(mini) == expected
        assert entry.read_bytes() == whole  # rebuilt


def test_a_cache_from_another_version_is_ignored(
    mini: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "__version__", "0.0.1")
    cache.load_cached(mini)
    (entry,) = entries(private_cache)
    old = entry.read_bytes()
    monkeypatch.undo()
    os.environ["CITYNET_CACHE_DIR"] = str(private_cache)  # undo() removed it too
    loaded = cache.load_cached(mini)
    assert loaded == store.load(mini)
    assert entry.read_bytes() != old


def test_an_unwritable_cache_folder_is_not_an_error(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("CITYNET_CACHE_DIR", str(blocker / "cache"))
    assert cache.load_cached(mini) == store.load(mini)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores file modes")
def test_a_read_only_cache_folder_is_not_an_error(mini: Path, private_cache: Path) -> None:
    private_cache.chmod(0o555)
    try:
        assert cache.load_cached(mini) == store.load(mini)
    finally:
        private_cache.chmod(0o755)


def test_a_cached_invalid_file_is_still_reported(mini: Path) -> None:
    cache.load_cached(mini)
    mini.write_text(
        mini.read_text(encoding="utf-8").replace('country = "FR"', 'country = "France"'),
        encoding="utf-8",
    )
    with pytest.raises(store.DataError, match="ISO 3166-1"):
        cache.load_cached(mini)


def test_a_cached_dataset_makes_each_section_on_first_use(mini: Path) -> None:
    cache.load_cached(mini)
    cached = cache.load_cached(mini)
    assert "partnerships" not in cached.__dict__  # nothing read yet
    assert {c.id for c in cached.cities} == {"berlin", "koeln", "paris", "windhuk"}
    assert "partnerships" not in cached.__dict__  # cities alone did not need them
    assert cached == store.load(mini)  # and all of it is there when asked for


def test_one_citys_partnerships_come_from_the_cache_without_the_whole_section(mini: Path) -> None:
    expected = store.load(mini)
    cache.load_cached(mini)
    cached = cache.load_cached(mini)
    for city in expected.cities:
        assert cached.partnerships_of(city.id) == expected.partnerships_of(city.id)
    assert "partnerships" not in cached.__dict__
    assert cached.partnerships == expected.partnerships  # the whole section, in file order

"""The dataset cache: never stale, never trusted, never able to run code, never an error."""

from __future__ import annotations

import os
import pickle
import random
import stat
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from citynet import cache, store
from citynet.model import Dataset
from citynet.packed import pack

POSIX = os.name == "posix"


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.msgpack"))


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> None:
        raise AssertionError("parsed although cached")

    monkeypatch.setattr(store, "parse", fail)


def test_a_second_load_comes_from_the_cache(
    mini: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = cache.load_cached(mini)
    assert len(entries(private_cache)) == 1
    no_parsing(monkeypatch)
    assert cache.load_cached(mini) == first


def test_the_cached_dataset_equals_the_parsed_one_for_the_shipped_data(tmp_path: Path) -> None:
    from citynet.files import shipped_path

    parsed = store.load(shipped_path())
    cache.load_cached(shipped_path())
    cached = cache.load_cached(shipped_path())
    assert cached == parsed
    for section in ("networks", "cities", "memberships", "partnerships"):
        assert getattr(cached, section) == getattr(parsed, section)
    assert cached.partnerships_of("berlin") == parsed.partnerships_of("berlin")


def test_an_edit_by_hand_is_seen_at_once(mini: Path) -> None:
    assert cache.load_cached(mini).city_by_id["paris"].name == "Paris"
    text = mini.read_text(encoding="utf-8").replace('name = "Paris"', 'name = "Lutetia"')
    before = mini.stat()
    mini.write_text(text, encoding="utf-8")
    os.utime(mini, ns=(before.st_atime_ns, before.st_mtime_ns))  # same mtime: content decides
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


def test_one_changed_name_in_the_cache_is_not_believed(mini: Path, private_cache: Path) -> None:
    # The reproducer: "Paris" changed to "Parxs" inside the entry made the tool print the
    # wrong name with exit status 0, since only the header was checked.
    expected = cache.load_cached(mini)
    (entry,) = entries(private_cache)
    whole = entry.read_bytes()
    assert whole.count(b"Paris") >= 1
    entry.write_bytes(whole.replace(b"Paris", b"Parxs"))
    assert cache.load_cached(mini).city_by_id["paris"].name == "Paris"
    assert cache.load_cached(mini) == expected


def test_every_single_byte_change_of_an_entry_is_caught(
    mini: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bounded corruption fuzzer: flip, drop or add bytes anywhere; the entry is never used."""
    expected = cache.load_cached(mini)
    (entry,) = entries(private_cache)
    whole = entry.read_bytes()
    generator = random.Random(20261129)
    cases = int(os.environ.get("CITYNET_FUZZ_CASES", "200"))
    reads = []
    key = cache._secret(private_cache)
    assert key is not None
    context = cache._context(mini.read_bytes())
    assert cache._read_dataset((entry, key, context)) == expected
    monkeypatch.setattr(cache, "_write_entry", lambda *args: None)  # keep the damage
    for _ in range(cases):
        damaged = bytearray(whole)
        position = generator.randrange(len(damaged))
        action = generator.choice(("flip", "drop", "insert"))
        if action == "flip":
            damaged[position] ^= 1 << generator.randrange(8)
        elif action == "drop":
            del damaged[position]
        else:
            damaged.insert(position, generator.randrange(256))
        entry.write_bytes(bytes(damaged))
        entry.chmod(0o600)
        reads.append(cache._read_dataset((entry, key, context)))
        assert cache.load_cached(mini) == expected
    assert reads == [None] * cases


def planted_pickle(marker: Path) -> bytes:
    class Plant:
        def __reduce__(self) -> tuple[object, tuple[str, ...]]:
            return (os.system, (f"touch {marker}",))

    return pickle.dumps(Plant())


def test_a_planted_entry_runs_no_code(mini: Path, private_cache: Path, tmp_path: Path) -> None:
    """Whoever can write the cache folder cannot make citynet run code: an entry is
    MessagePack of plain values, and only one tagged with the user's secret is read."""
    expected = cache.load_cached(mini)
    (entry,) = entries(private_cache)
    marker = tmp_path / "ran"
    payload = planted_pickle(marker)
    old_magic = b"citynet-cache 3\n"
    context = cache._context(mini.read_bytes())
    key_guess = b"\0" * 32
    for planted in (
        payload,
        old_magic + b"\0" * 32 + payload,
        cache._MAGIC + cache._tag(key_guess, context, payload) + payload,
    ):
        entry.write_bytes(planted)
        entry.chmod(0o600)
        assert cache.load_cached(mini) == expected
        assert not marker.exists()


def test_an_entry_tagged_with_another_key_is_not_used(
    mini: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Someone who knows the file and the versions but not the user's key forges an entry.
    cache.load_cached(mini)
    (entry,) = entries(private_cache)
    forged_data = store.load(mini)
    forged = forged_data.replace(cities=forged_data.cities[:1])
    payload = msgspec.msgpack.encode(pack(forged))
    context = cache._context(mini.read_bytes())
    entry.write_bytes(cache._MAGIC + cache._tag(os.urandom(32), context, payload) + payload)
    entry.chmod(0o600)
    assert len(cache.load_cached(mini).cities) == len(forged_data.cities)


@pytest.mark.skipif(not POSIX, reason="POSIX modes")
def test_folder_key_and_entries_are_private(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "new" / "cache"
    monkeypatch.setenv("CITYNET_CACHE_DIR", str(folder))
    mini.chmod(0o600)
    cache.load_cached(mini)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (entry,) = entries(folder)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "key").stat().st_mode) == 0o600
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.skipif(not POSIX, reason="POSIX modes")
@pytest.mark.parametrize("mode", [0o777, 0o770, 0o755 | 0o002])
def test_a_folder_others_can_write_is_not_used(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: int
) -> None:
    folder = tmp_path / "shared-cache"
    folder.mkdir()
    folder.chmod(mode)
    monkeypatch.setenv("CITYNET_CACHE_DIR", str(folder))
    assert cache.load_cached(mini) == store.load(mini)
    assert entries(folder) == [] and not (folder / "key").exists()


@pytest.mark.skipif(not POSIX, reason="POSIX modes")
def test_an_entry_or_key_others_can_write_is_not_used(
    mini: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.load_cached(mini)
    (entry,) = entries(private_cache)
    entry.chmod(0o666)
    parsed: list[object] = []
    real_parse = store.parse
    monkeypatch.setattr(store, "parse", lambda *a: parsed.append(a) or real_parse(*a))
    cache.load_cached(mini)
    assert parsed  # not used, parsed again
    (private_cache / "key").chmod(0o644)
    parsed.clear()
    cache.load_cached(mini)
    cache.load_cached(mini)
    assert len(parsed) == 2  # a key others can read is no secret: nothing is cached


@pytest.mark.skipif(not POSIX or os.geteuid() != 0, reason="needs root to give files away")
def test_a_folder_of_another_user_is_not_used(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o700)
    os.chown(folder, 65534, 65534)
    monkeypatch.setenv("CITYNET_CACHE_DIR", str(folder))
    assert cache.load_cached(mini) == store.load(mini)
    assert entries(folder) == []


@pytest.mark.skipif(not POSIX, reason="symbolic links")
def test_a_planted_link_is_not_followed(mini: Path, private_cache: Path, tmp_path: Path) -> None:
    cache.load_cached(mini)
    (entry,) = entries(private_cache)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    entry.unlink()
    entry.symlink_to(victim)
    assert cache.load_cached(mini) == store.load(mini)
    assert victim.read_text(encoding="utf-8") == "keep me"


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


@pytest.mark.parametrize("where", ["file", "below-a-file", "dev-null"])
def test_an_unusable_cache_folder_is_not_an_error(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    folder = {
        "file": blocker,
        "below-a-file": blocker / "cache",
        "dev-null": Path(os.devnull),
    }[where]
    monkeypatch.setenv("CITYNET_CACHE_DIR", str(folder))
    assert cache.load_cached(mini) == store.load(mini)


def test_the_cli_works_with_dev_null_as_cache_folder(mini: Path) -> None:
    # The reproducer: CITYNET_CACHE_DIR=/dev/null citynet show c40 gave a traceback.
    result = subprocess.run(
        [sys.executable, "-m", "citynet", "--data", str(mini), "show", "paris", "-f", "ids"],
        capture_output=True,
        text=True,
        env={**os.environ, "CITYNET_CACHE_DIR": os.devnull},
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert "paris" in result.stdout


@pytest.mark.skipif(not POSIX or os.geteuid() == 0, reason="root ignores file modes")
def test_a_read_only_cache_folder_is_not_an_error(mini: Path, private_cache: Path) -> None:
    private_cache.chmod(0o500)
    try:
        assert cache.load_cached(mini) == store.load(mini)
    finally:
        private_cache.chmod(0o700)


def test_a_cached_invalid_file_is_still_reported(mini: Path) -> None:
    cache.load_cached(mini)
    mini.write_text(
        mini.read_text(encoding="utf-8").replace('country = "FR"', 'country = "France"'),
        encoding="utf-8",
    )
    with pytest.raises(store.DataError, match="ISO 3166-1"):
        cache.load_cached(mini)


def test_no_cache_env_reads_without_touching_the_folder(
    mini: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITYNET_NO_CACHE", "1")
    assert isinstance(cache.load_cached(mini), Dataset)
    assert list(private_cache.iterdir()) == []

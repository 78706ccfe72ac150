"""Shared fixtures: copies of the small fixture dataset, and a private cache folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini.toml"
# shared/ lies beside the checkout, here and in CI.
SHARED = Path(__file__).resolve().parents[2] / "shared"


def shared(*parts: str) -> Path:
    """A path under shared/; a test that needs it skips without it, except in CI."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is not there (shared/ beside the checkout)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(autouse=True)
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own cache folder, never the user's."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("CITYNET_CACHE_DIR", str(folder))
    monkeypatch.delenv("CITYNET_DATA", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return folder


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A writable copy of tests/fixtures/mini.toml."""
    target = tmp_path / "networks.toml"
    shutil.copyfile(MINI, target)
    return target


@pytest.fixture(autouse=True)
def english_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run in English, whatever the machine's locale, unless they choose German."""
    from citynet.i18n import install

    for name in ("LC_ALL", "LC_MESSAGES", "CITYNET_LANG", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    install("en")

"""Shared fixtures: copies of the small fixture dataset, and a private cache folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini.toml"


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

"""Shared fixtures: copies of the small fixture dataset, and a private cache folder."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from hypothesis import settings

# CI explores the same examples on every run, so that a red run can be reproduced and
# no landing depends on luck; a developer's runs stay random and keep finding new cases.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini.toml"
# shared/ lies beside the checkout, here and in CI.
SHARED = Path(__file__).resolve().parents[2] / "shared"


def missing(reason: str) -> NoReturn:
    """Skip a test whose prerequisite is absent, saying why; under CI=true, where
    everything a test needs is installed, fail instead: nothing skips there."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def shared(*parts: str) -> Path:
    """A path under shared/; a test that needs it skips without it, except in CI."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        missing(f"{path} is not there (shared/ beside the checkout)")
    return path


def installed_citynet() -> str:
    """The `citynet` command installed next to this Python (the README's set-up)."""
    import sys

    found = shutil.which("citynet", path=str(Path(sys.executable).parent))
    if found is None:
        missing("citynet is not installed next to this Python (pip install .)")
    return found


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
def shipped(tmp_path: Path) -> Path:
    """A writable copy of the shipped data file (canonical: citynet wrote it)."""
    from citynet.files import shipped_path

    target = tmp_path / "networks.toml"
    shutil.copyfile(shipped_path(), target)
    return target


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A writable copy of tests/fixtures/mini.toml."""
    target = tmp_path / "networks.toml"
    shutil.copyfile(MINI, target)
    return target


@pytest.fixture(autouse=True)
def english_locale(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests run in English, whatever the machine's locale, unless they choose German;
    and a test that chose German leaves English behind, for the module-scoped fixtures
    set up before the next test's own fixtures run."""
    from citynet.i18n import install

    for name in ("LC_ALL", "LC_MESSAGES", "CITYNET_LANG", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    install("en")
    yield
    install("en")


# --- a real browser ----------------------------------------------------------------


class Page:
    """What Chromium made of a file: the DOM after loading, the console, the requests."""

    def __init__(self, dom: str, console: list[str], requests: list[str]) -> None:
        self.dom = dom
        self.console = console
        self.requests = requests


class Chromium:
    """Headless Chromium that cannot reach the network: every host name fails to resolve."""

    FLAGS = (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--no-first-run",
        "--no-pings",
        "--hide-scrollbars",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    )

    def __init__(self, executable: str, scratch: Path) -> None:
        self.executable = executable
        self.scratch = scratch

    def _run(self, target: Path, *args: str) -> tuple[str, str]:
        import subprocess
        import tempfile

        with tempfile.TemporaryDirectory(dir=self.scratch) as profile:
            result = subprocess.run(
                [self.executable, *self.FLAGS, f"--user-data-dir={profile}", *args,
                 target.resolve().as_uri()],
                capture_output=True, text=True, encoding="utf-8", errors="replace",
                timeout=120, check=False,
            )  # fmt: skip
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout, result.stderr

    def open(self, target: Path) -> Page:
        """Load the file, dump its DOM, and keep the console and the page's own requests."""
        import json

        log = self.scratch / f"{target.name}.netlog.json"
        dom, stderr = self._run(
            target, "--enable-logging=stderr", "--v=0", f"--log-net-log={log}", "--dump-dom"
        )
        console = [line for line in stderr.splitlines() if ":CONSOLE" in line]
        events = json.loads(log.read_text(encoding="utf-8"))["events"]
        # Chromium's own background requests have no origin; the page's have one
        # ("null" for a file).
        requests = sorted(
            {
                e["params"]["url"]
                for e in events
                if "url" in e.get("params", {})
                and e["params"].get("initiator", "not an origin") != "not an origin"
            }
        )
        return Page(dom, console, requests)

    def print_pdf(self, target: Path, pdf: Path) -> Path:
        """Print the page as the browser's "print to PDF" does, without header and footer."""
        self._run(target, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
        return pdf

    def screenshot(self, target: Path, png: Path, size: str = "1000,800") -> Path:
        self._run(target, f"--window-size={size}", f"--screenshot={png}")
        return png


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Chromium:
    """Chromium for tests of what a person sees; a missing browser fails under CI=true."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        missing("chromium is not installed (Debian: apt-get install chromium)")
    return Chromium(found, tmp_path_factory.mktemp("chromium"))

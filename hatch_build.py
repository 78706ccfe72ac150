"""Build hook: compile the message catalogs (citynet/locale/*/LC_MESSAGES/*.po) to .mo.

Runs on every build (wheel, editable install, sdist), so `pip install .` from a
clean checkout gives the compiled catalogs; Babel is a build requirement only,
never imported when citynet runs. `python hatch_build.py` compiles them by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def compile_catalogs(root: Path) -> list[Path]:
    """Write each .po's .mo beside it (fuzzy entries left out); the .mo files written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted((root / "citynet" / "locale").glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as file:
            catalog = read_po(file, locale=po.parent.parent.name)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as file:
            write_mo(file, catalog)
        written.append(mo)
    return written


class CatalogBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        for mo in compile_catalogs(root):
            # .mo files are not in git (.gitignore): artifacts ship them anyway.
            build_data["artifacts"].append(mo.relative_to(root).as_posix())


if __name__ == "__main__":
    for path in compile_catalogs(Path(__file__).resolve().parent):
        print(path)

"""The messages citynet shows to people, and the German catalog kept in step with them.

`python tests/catalog.py` extracts them (Babel, from `_`, `N_` and `ngettext` in the
code, plus the help of every command and option as Typer builds it), updates
citynet/locale/de/LC_MESSAGES/citynet.po (new messages untranslated, gone ones
obsolete) and compiles it. test_i18n.py fails while any message lacks a translation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "citynet" / "locale" / "de" / "LC_MESSAGES" / "citynet.po"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def messages() -> Any:
    """A Babel catalog of every message citynet shows, with where it comes from."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    from citynet.cli.app import whole_app
    from citynet.localize import metavar

    catalog = Catalog(project="citynet", fuzzy=False)
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT / "citynet", method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        catalog.add(message, locations=[(f"citynet/{filename}", lineno)])

    def walk(command: Any, path: str) -> None:
        for name in ("help", "short_help", "epilog"):
            if getattr(command, name, None):
                catalog.add(getattr(command, name), locations=[(f"help:{path}", 0)])
        for param in command.params:
            if getattr(param, "help", None):
                catalog.add(param.help, locations=[(f"help:{path} {param.name}", 0)])
            if param.param_type_name == "argument":  # its name stands in the usage line
                catalog.add(metavar(param), locations=[(f"metavar:{path} {param.name}", 0)])
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(whole_app(), "citynet")
    # What a field takes, as `add` says when it asks for it (the schema's own words).
    from citynet.schema import KINDS, fields_of

    types = list(KINDS.values())
    for record_type in types:
        for spec in fields_of(record_type):
            if spec.rule.expected:
                catalog.add(spec.rule.expected, locations=[(f"schema:{spec.name}", 0)])
            if spec.nested and spec.nested not in types:
                types.append(spec.nested)
    return catalog


def update() -> None:
    from babel.messages.pofile import read_po, write_po

    with PO.open("rb") as file:
        catalog = read_po(file, locale="de")
    catalog.update(messages(), no_fuzzy_matching=True)
    with PO.open("wb") as file:
        write_po(file, catalog, width=100, omit_header=False)


def compiled(po: Path) -> bytes:
    """The .mo a build makes of `po` (as hatch_build.py does)."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as file:
        catalog = read_po(file, locale=po.parent.parent.name)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


if __name__ == "__main__":
    update()
    PO.with_suffix(".mo").write_bytes(compiled(PO))

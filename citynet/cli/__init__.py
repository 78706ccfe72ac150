"""citynet's command line: a thin layer over the library.

Commands live in small modules and are loaded when they are run: COMMANDS maps each
command's name to its module, so `citynet partners` imports what `partners` needs
and nothing that only maps, exports or imports need. A new command is a function in
its module (decorated with that module's `app.command()`) and one line here.
"""

from __future__ import annotations

# command (or group) name → module under citynet.cli; the order is that of --help.
COMMANDS: dict[str, str] = {
    "check": "edit",
    "list": "browse",
    "show": "browse",
    "partners": "browse",
    "compare": "browse",
    "themes": "browse",
    "cities": "browse",
    "search": "browse",
    "merge": "edit",
    "graph": "drawings",
    "stats": "figures",
    "suggest": "figures",
    "export": "bridges",
    "schema": "bridges",
    "sources": "browse",
    "map": "drawings",
    "report": "drawings",
    "add": "edit",
    "edit": "edit",
    "remove": "edit",
    "fields": "edit",
    "fmt": "edit",
    "import": "imports",
}

from .app import app, global_options_first  # noqa: E402  (the app reads COMMANDS)

__all__ = ["COMMANDS", "app", "global_options_first"]

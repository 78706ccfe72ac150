"""citynet's command line: a thin layer over the library.

Commands live in small modules and are loaded when they are run: COMMANDS maps each
command's name to its module, so `citynet partners` imports what `partners` needs
and nothing that only maps, exports or imports need. A new command is a function in
its module (decorated with that module's `app.command()`) and one line in
registry.py.
"""

from __future__ import annotations

from .app import app, global_options_first
from .registry import COMMANDS

__all__ = ["COMMANDS", "app", "global_options_first"]

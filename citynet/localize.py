"""The help of citynet's commands and Typer's and click's own words, in one language.

Typer 0.28 vendors click as `typer._click` with its words written in English and no
gettext call (typer.core's few `_()` use the process-wide default domain, which
follows the environment, not `--lang`). So citynet translates them where they are
shown: a help formatter for "Usage:", section titles and "[default: …]", and the
error display for click's messages. The words are msgids of citynet's own catalog
(listed in CLICK_WORDS so that extraction finds them).
"""

from __future__ import annotations

import re
import sys
from typing import Any

from typer import _click
from typer._click.formatting import HelpFormatter

from .i18n import N_, _, translate_phrases

# Whole messages and pieces click and Typer show; {name} stands for what varies.
CLICK_WORDS = (
    N_("Usage: "),
    N_("[OPTIONS]"),
    N_("COMMAND [ARGS]..."),
    N_("Options"),
    N_("Arguments"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Aborted!"),
)
_MESSAGES = (
    N_("No such option: {name}"),
    N_("(Possible options: {names})"),
    N_("Missing argument {name}."),
    N_("Missing option {name}."),
    N_("Missing parameter {name}."),
    N_("Missing command."),
    N_("No such command {name}."),
    N_("Got unexpected extra argument(s) ({words})"),
    N_("Got unexpected extra argument ({words})"),
    N_("Option {name} requires an argument."),
    N_("Option {name} does not take a value."),
    N_("Invalid value for {name}: {message}"),
    N_("Invalid value: {message}"),
    N_("{value} is not one of {choices}."),
    N_("{value} is not a valid integer."),
    N_("{value} is not a valid float."),
    N_("{value} is not in the range {range}."),
    N_("Did you mean {names}?"),
    N_("default: {value}"),
    N_("required"),
    N_("env var: {name}"),
)


def translate_message(text: str) -> str:
    """A message click or Typer composed in English, in the interface's language."""
    return translate_phrases(text, _MESSAGES)


# What an option takes, as help shows it (`--limit <number>`): click's type names.
TYPE_WORDS = {
    "str": N_("<text>"),
    "int": N_("<number>"),
    "int range": N_("<number>"),
    "float": N_("<number>"),
    "float range": N_("<number>"),
    "file": N_("<file>"),
    "filename": N_("<file>"),
    "path": N_("<path>"),
    "directory": N_("<folder>"),
}


def metavar(param: Any) -> str | None:
    """The untranslated word help shows for what a parameter takes: an argument's own
    name (each is a message of the catalog), an option's type word; None for flags
    and choices, whose values are typed as they are shown."""
    # Kept on the parameter: help is translated again for each call in one process.
    if not hasattr(param, "citynet_metavar"):
        if param.param_type_name == "argument":
            param.citynet_metavar = param.metavar or param.name
        elif param.metavar is None and not getattr(param, "is_flag", False):
            param.citynet_metavar = TYPE_WORDS.get(param.type.name)
        else:
            param.citynet_metavar = None
    word: str | None = param.citynet_metavar
    return word


class _Formatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        for words in ("[OPTIONS]", "COMMAND [ARGS]..."):
            args = args.replace(words, _(words))
        super().write_usage(prog, args, _("Usage: ") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(_(heading))

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(term, _bracketed(_(text))) for term, text in rows]
        super().write_dl(rows, col_max, col_spacing)


def _bracketed(text: str) -> str:
    """ "[default: table]" and "[required]" at the end of an option's help, translated."""
    return re.sub(r"\[([^\[\]]+)\]$", lambda m: f"[{translate_message(m.group(1))}]", text)


class _Context(_click.Context):
    formatter_class = _Formatter


def localize(command: Any) -> None:
    """Translate the help of `command` and of every command under it, and let them
    format their help with click's words translated."""
    command.context_class = _Context
    for name in ("help", "short_help", "epilog"):
        text = getattr(command, name, None)
        if text:
            setattr(command, name, _(text))
    for param in command.params:
        if getattr(param, "help", None):
            param.help = _(param.help)
        word = metavar(param)
        if word:
            param.metavar = _(word) + ("..." if param.nargs != 1 else "")
    for sub in getattr(command, "commands", {}).values():
        localize(sub)


def show_error(error: Any) -> None:
    """click's error display (`ClickException.show`), in the interface's language."""
    ctx = getattr(error, "ctx", None)
    from .output import printable

    # click repeats words of the command line (an extra argument): shown escaped, as
    # every text citynet did not write itself.
    message = "\n".join(map(printable, translate_message(error.format_message()).split("\n")))
    if ctx is not None:
        lines = [ctx.get_usage()]
        if ctx.command.get_help_option(ctx) is not None:
            hint = _("Try '{command} {option}' for help.")
            lines.append(hint.format(command=ctx.command_path, option=ctx.help_option_names[0]))
        sys.stderr.write("\n".join(lines) + "\n\n")
    sys.stderr.write(_("Error: {message}").format(message=message) + "\n")

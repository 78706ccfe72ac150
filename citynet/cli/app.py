"""The root command: global options parsed once, commands loaded lazily, errors turned
into a message on stderr and their exit status in one place (`_Group.invoke`)."""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from msgspec import Struct
from typer.core import TyperGroup

from .. import __version__
from ..errors import CitynetError, NameNote
from ..i18n import _
from ..model import Dataset
from .registry import COMMANDS

# The options of the root command: option → whether it takes a value.
GLOBAL_OPTIONS = {"--data": True, "--lang": True, "--no-color": False}


class CommandOptions(Struct):
    """The options of the command a command line names: which take a value, which not."""

    valued: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()
    open: bool = False  # unknown options are the command's own (add/edit: --name X)

    def takes_value(self, name: str) -> bool:
        """Whether the word after option `name` is its value."""
        if name in self.valued:
            return True
        known = name in self.flags or name in GLOBAL_OPTIONS
        return self.open and not known and name.startswith("--")


def global_options_first(args: list[str], options: CommandOptions | None = None) -> list[str]:
    """The words with the global options moved before the command, so that
    `citynet list --data X` means what `citynet --data X list` means.

    `options`: the command's; the word after one that takes a value is that value, even
    when it reads like a global option (`--name --data`).
    """
    options = options or CommandOptions()
    moved: list[str] = []
    rest: list[str] = []
    words = iter(args)
    for word in words:
        if word == "--":
            rest += [word, *words]
            break
        name = word.split("=", 1)[0]
        if name in GLOBAL_OPTIONS:
            moved.append(word)
            if GLOBAL_OPTIONS[name] and "=" not in word:
                value = next(words, None)
                moved += [] if value is None else [value]
        elif word.startswith("-") and "=" not in word and options.takes_value(name):
            value = next(words, None)
            rest += [word] if value is None else [word, value]
        else:
            rest.append(word)
    return moved + rest


class _Group(TyperGroup):
    """The root group: its commands come from COMMANDS, each built when it is asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            from ..localize import localize

            module = importlib.import_module(f"{__package__}.{COMMANDS[cmd_name]}")
            command = click_command(module.app, cmd_name)
            localize(command)
            self.commands[cmd_name] = command
        return self.commands.get(cmd_name)

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Speak the language asked for, then run; click's errors shown in that language."""
        from typer._click.exceptions import ClickException, NoArgsIsHelpError
        from typer.exceptions import Abort

        from ..i18n import install, language_from
        from ..localize import localize, show_error

        given = list(sys.argv[1:] if args is None else args)
        # The language first: building the command (to know its options) translates it.
        install(language_from(os.environ, _lang_word(global_options_first(given))))
        localize(self)
        words = global_options_first(given, self._command_options(given))
        if not standalone_mode:
            return super().main(words, prog_name, complete_var, False, **extra)
        try:
            code = super().main(words, prog_name, complete_var, False, **extra)
        except NoArgsIsHelpError as error:
            error.show()
            sys.exit(error.exit_code)
        except ClickException as error:
            show_error(error)
            sys.exit(error.exit_code)
        except Abort:
            sys.stderr.write(_("Aborted!") + "\n")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def _command_options(self, words: list[str]) -> CommandOptions:
        """The options of the command (and subcommand) the words name."""
        from typer.core import TyperGroup, TyperOption

        valued: set[str] = set()
        flags = {"--help"}
        command: Any = self
        value_next = False
        for word in words:
            if word == "--":
                break
            if value_next:
                value_next = False
            elif word.startswith("-"):
                name = word.split("=", 1)[0]
                value_next = "=" not in word and (name in valued or GLOBAL_OPTIONS.get(name, False))
            elif isinstance(command, TyperGroup):
                command = command.get_command(None, word)  # type: ignore[arg-type]
                if command is None:
                    break
                for param in command.params:
                    if isinstance(param, TyperOption):
                        taking = not param.is_flag and not param.count
                        (valued if taking else flags).update(param.opts + param.secondary_opts)
            else:
                break  # an argument: the command is found
        return CommandOptions(
            frozenset(valued),
            frozenset(flags),
            open=bool(getattr(command, "context_settings", {}).get("ignore_unknown_options")),
        )

    def invoke(self, ctx: Any) -> Any:
        try:
            with _notes_on_stderr():
                return super().invoke(ctx)
        except CitynetError as error:
            report(shown(error))
            raise typer.Exit(error.exit_code) from None
        except BrokenPipeError:
            # The reader went away (`citynet list | head -1`): that is no error.
            # (click would exit 1; every format and command ends quietly with 0.)
            silence_stdout()
            raise typer.Exit(0) from None


@contextmanager
def _notes_on_stderr() -> Iterator[None]:
    """The core's notes (`NameNote`: a name several places bear, answered with the clear
    favourite) as one line each on stderr, every time; other warnings as Python shows them."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", NameNote)
        shown = warnings.showwarning

        def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
            if issubclass(category, NameNote):  # one line, whatever the names hold
                report(str(message).replace("\n", "\\n"))
            else:
                shown(message, category, *args, **kwargs)

        warnings.showwarning = show
        yield


def click_command(commands: typer.Typer, name: str) -> Any:
    """The click command `name` of a module's Typer app, built alone (Typer would build
    every command of the app, about 0.4 ms each)."""
    from typer.main import get_command_from_info, get_group_from_info
    from typer.models import TyperInfo

    for info in commands.registered_commands:
        if (info.name or info.callback.__name__.replace("_", "-")) == name:  # type: ignore[union-attr]
            return get_command_from_info(info, pretty_exceptions_short=False, rich_markup_mode=None)
    for group in commands.registered_groups:
        if group.name == name:
            return get_group_from_info(
                TyperInfo(group.typer_instance, name=name),
                pretty_exceptions_short=False,
                rich_markup_mode=None,
                suggest_commands=True,
            )
    raise LookupError(f"citynet.cli: {name} is registered but not defined")


PROBLEMS_SHOWN = 200  # a file with 20,000 problems: the first ones and a count of the rest


def shown(error: CitynetError) -> str:
    """The error's message, a data file's problems capped at PROBLEMS_SHOWN."""
    from ..errors import DataError

    if not isinstance(error, DataError) or len(error.problems) <= PROBLEMS_SHOWN:
        return str(error)
    rest = len(error.problems) - PROBLEMS_SHOWN
    more = _("… and {n} more problem(s)").format(n=rest)
    return "\n".join([*map(str, error.problems[:PROBLEMS_SHOWN]), more])


def _lang_word(words: list[str]) -> str | None:
    """The value of --lang among the words, if given (checked by the option itself)."""
    for index, word in enumerate(words):
        if word.startswith("--lang="):
            return word.split("=", 1)[1]
        if word == "--lang" and index + 1 < len(words):
            return words[index + 1]
    return None


def report(message: str) -> None:
    """A message for people, on stderr, with control characters made visible."""
    from ..output import printable

    # Split only at newlines: any other line break is the data's, and is shown escaped.
    lines = message.split("\n")
    sys.stderr.write("".join(f"citynet: {printable(line)}\n" for line in lines))


def silence_stdout() -> None:
    """Point stdout at devnull, so the interpreter's final flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


app = typer.Typer(
    cls=_Group,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Explore European and international city networks and city partnerships.",
    epilog="Exit status: 0 ok, 1 name not found or ambiguous, 2 usage error, 3 data file "
    "unreadable or invalid.",
)


class Settings(Struct):
    """What the global options chose, for every command."""

    data: Path | None
    color: bool


class Language(StrEnum):
    de = "de"
    en = "en"


def _version(value: bool) -> None:
    if value:
        print(f"citynet {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            envvar="CITYNET_DATA",
            help="Data file to use instead of the shipped dataset.",
            show_default=False,
            # The loader reports a folder or an unreadable file, with exit status 3.
            dir_okay=True,
            readable=False,
        ),
    ] = None,
    lang: Annotated[
        Language | None,
        typer.Option(
            "--lang",
            envvar="CITYNET_LANG",
            help="Language of the interface: de or en. Default: from the locale (LANG).",
            show_default=False,
        ),
    ] = None,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colour (also: NO_COLOR=1).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    ctx.obj = Settings(data=data, color=not no_color and "NO_COLOR" not in os.environ)


def settings(ctx: typer.Context) -> Settings:
    """The global options, also while completing (when they were parsed but not applied)."""
    root = ctx.find_root()
    if root.obj is None:
        data = root.params.get("data")
        root.obj = Settings(data=Path(data) if data else None, color=False)
    return root.obj if isinstance(root.obj, Settings) else Settings(None, True)


def data_file(ctx: typer.Context) -> Path:
    """The data file the global options name, or the shipped one."""
    from ..files import data_path

    return data_path(settings(ctx).data)


def dataset(ctx: typer.Context) -> Dataset:
    """The dataset of the data file, through the cache; a name is looked up in the
    lines the cache keeps for the file (not by folding every name of every place)."""
    from ..cache import load_cached
    from ..completion import cached_lines
    from ..names import NameIndex

    path = data_file(ctx)
    data = load_cached(path)
    data.__dict__["name_index"] = NameIndex(data, lambda: cached_lines(path))
    return data


def whole_app() -> Any:
    """The root click group with every command built: for the docs, the message catalog
    and the tests that walk all commands (a run builds only the one it invokes)."""
    group = typer.main.get_command(app)
    for name in group.list_commands(None):  # type: ignore[attr-defined]
        group.get_command(None, name)  # type: ignore[attr-defined]
    return group

"""The errors citynet reports to people, each with its documented exit status."""

from __future__ import annotations

from msgspec import Struct

EXIT_OK = 0
EXIT_NOT_FOUND = 1  # a name that matches nothing, or more than one thing
EXIT_USAGE = 2  # a usage error: unknown option, bad value
EXIT_DATA = 3  # a data file that cannot be read, is invalid, or cannot be written


class CitynetError(Exception):
    """An error meant for the user: its message is complete, no traceback needed."""

    exit_code = EXIT_USAGE


class UsageError(CitynetError):
    exit_code = EXIT_USAGE


class NotFoundError(CitynetError):
    """A name that resolves to nothing (with suggestions) or to several records."""

    exit_code = EXIT_NOT_FOUND

    def __init__(self, message: str, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.candidates = candidates


class Problem(Struct, frozen=True):
    """One thing wrong with a data file: where it is and what was expected."""

    file: str
    where: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{place}: {self.where}: {self.message}" if self.where else f"{place}: {self.message}"
        )


class DataError(CitynetError):
    """A data file that cannot be read or is invalid; carries every problem found."""

    exit_code = EXIT_DATA

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class NameNote(UserWarning):
    """A name that several places bear, answered with the clear favourite: said on stderr.

    Python code sees it as a warning (`warnings.catch_warnings`); the CLI prints it as a
    one-line note.
    """

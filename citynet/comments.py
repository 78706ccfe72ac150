"""Where a TOML document has comments: what a rewrite with tomli-w would lose.

A comment is a `#` outside every string, so finding comments means finding the
strings. The tokens below follow the TOML 1.0 grammar (toml.abnf) for the four
kinds of string; a multi-line string may end with one or two quotes of its own
right before its closing delimiter (four quotes after `T` close the text `T"`).
Only text the parser has accepted is scanned, so every string is closed.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""
      (?P<comment> \#[^\n]* )
    | \"\"\" (?: [^"\\] | \\[\s\S] | "(?!"") )* \"\"\"  "{0,2}   # multi-line basic string
    | ''' (?: [^'] | '(?!'') )* '''  '{0,2}                     # multi-line literal string
    | " (?: [^"\\\n] | \\. )* "                                 # basic string
    | ' [^'\n]* '                                               # literal string
    """,
    re.VERBOSE,
)


def comment_lines(text: str) -> list[int]:
    """Line numbers (from 1) of the comments in TOML text the parser has accepted."""
    if "#" not in text:
        return []  # the common case: a file citynet wrote itself
    lines: list[int] = []
    line, position = 1, 0
    for token in _TOKEN.finditer(text):
        if token.lastgroup == "comment":
            line += text.count("\n", position, token.start())
            position = token.start()
            lines.append(line)
    return lines

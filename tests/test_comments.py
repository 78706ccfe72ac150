"""Comments are found exactly: tested against the TOML parser on generated documents."""

from __future__ import annotations

import tomllib
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from citynet.cli import app
from citynet.comments import comment_lines

runner = CliRunner()


def test_a_multi_line_string_closing_with_extra_quotes_does_not_hide_a_comment() -> None:
    text = 'title = """T""""\n# keep me\n'
    assert tomllib.loads(text) == {"title": 'T"'}
    assert comment_lines(text) == [2]
    text = "title = '''T'''''\n# keep me\nx = 1 # and me\n"
    assert tomllib.loads(text) == {"title": "T''", "x": 1}
    assert comment_lines(text) == [2, 3]


def test_fmt_keeps_a_file_whose_comment_follows_such_a_string(mini: Path) -> None:
    text = mini.read_text(encoding="utf-8").replace(
        'title = "Netzwerke"', 'title = """Netzwerke""""\n# keep me'
    )
    mini.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["--data", str(mini), "fmt"])
    assert result.exit_code == 3 and "comments" in result.stderr
    assert mini.read_text(encoding="utf-8") == text


# --- generated documents -----------------------------------------------------------------

TRICKY = st.text(alphabet=st.sampled_from(["a", "#", '"', "'", "\\", "\n", " ", "é"]), max_size=12)


def basic(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def multi_line_basic(value: str) -> str:
    """Raw quotes where the grammar allows them (never three in a row), else escaped."""
    out, run = [], 0
    for char in value.replace("\\", "\\\\"):
        if char == '"':
            run += 1
            out.append('"' if run < 3 else '\\"')
            run = 0 if run >= 3 else run
        else:
            run = 0
            out.append(char)
    body = "".join(out)
    # A newline right after the opening quotes is not part of the value.
    return '"""' + ("\\n" + body[1:] if body.startswith("\n") else body) + '"""'


@st.composite
def string_token(draw: st.DrawFn) -> tuple[str, str]:
    """(TOML text, the value it means) for one string of any kind."""
    value = draw(TRICKY)
    kinds = ["basic", "multi-line basic"]
    if "'" not in value and "\n" not in value:
        kinds.append("literal")
    if "'''" not in value and not value.startswith("\n") and not value.endswith("'" * 3):
        kinds.append("multi-line literal")
    kind = draw(st.sampled_from(kinds))
    if kind == "basic":
        return basic(value), value
    if kind == "literal":
        return f"'{value}'", value
    if kind == "multi-line literal":
        return f"'''{value}'''", value
    return multi_line_basic(value), value


COMMENT = st.text(alphabet=st.sampled_from(["a", "#", '"', "'", "\\", " ", "="]), max_size=8)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[str, object], list[int]]:
    """A TOML document, what it means, and the lines where its comments start."""
    lines: list[str] = []
    expected: dict[str, object] = {}
    comments: list[int] = []

    def add(text: str, comment: bool) -> None:
        if comment:
            comments.append(len(("".join(lines) + text).split("\n")))
            text += " #" + draw(COMMENT)
        lines.append(text + "\n")

    for index in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            add("", comment=True)
        key = f"k{index}"
        if draw(st.booleans()):
            token, value = draw(string_token())
            add(f"{key} = {token}", comment=draw(st.booleans()))
            expected[key] = value
        else:  # a multi-line array, comments between its items
            add(f"{key} = [", comment=draw(st.booleans()))
            values = []
            for _ in range(draw(st.integers(0, 3))):
                token, value = draw(string_token())
                add(f"  {token},", comment=draw(st.booleans()))
                values.append(value)
            add("]", comment=draw(st.booleans()))
            expected[key] = values
    return "".join(lines), expected, comments


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_comments_are_where_the_parser_skips_them(
    document: tuple[str, dict[str, object], list[int]],
) -> None:
    text, expected, comments = document
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        assume(False)  # a generated string the grammar does not allow
        raise
    # The parser agrees on every value, so the strings are exactly where we put them,
    # and every '#' outside them is a comment.
    assert parsed == expected
    assert comment_lines(text) == comments
    # And what is a comment, the parser ignores: text that would be an error elsewhere.
    garbled = text.split("\n")
    for line in comments:
        garbled[line - 1] += ' = [ """ \\'
    assert tomllib.loads("\n".join(garbled)) == parsed

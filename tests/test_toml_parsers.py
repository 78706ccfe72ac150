"""The fast TOML parser never changes what a text means.

`store.loads` parses with rtoml and leaves every text rtoml refuses to tomli. That is
only safe if rtoml accepts no text that tomli refuses and reads every text both accept
the same way: these tests hold the two parsers to that, on the shipped file mutated at
random (seeded) and on the texts where they are known to part.
"""

from __future__ import annotations

import datetime
import math
import random
from pathlib import Path
from typing import Any

import pytest
import rtoml
import tomli

from citynet import store
from citynet.errors import DataError

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "networks.toml"

# What a mutation puts into the text: TOML's punctuation, the starts of its value
# kinds, and characters either parser might treat specially.
TOKENS = [*"[]{}=\"'.,#\n\\ \t0123456789-:+_TZeaxü\x7f\x00\r\ufeff"]
TOKENS += ['"""', "'''", "inf", "nan", "true", "1979-05-27", "07:32:00", "0x", "0o"]
TOKENS += ["\\u00", "\\x4", "1e", "[[", "]]", "+01:00", "9" * 30, "1e400"]


def mutated(text: str, rng: random.Random) -> str:
    """A few random insertions, deletions and replacements in a slice of whole lines."""
    lines = text.splitlines(keepends=True)
    start = rng.randrange(len(lines) - 40)
    chunk = list("".join(lines[start : start + rng.randint(3, 40)]))
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(chunk))
        kind = rng.random()
        if kind < 0.4:
            chunk.insert(at, rng.choice(TOKENS))
        elif kind < 0.7:
            del chunk[at]
        else:
            chunk[at] = rng.choice(TOKENS)
    return "".join(chunk)


def canonical(value: Any) -> Any:
    """The value with what differs only in form made equal: NaN equals NaN, and a time
    zone is its offset (rtoml has its own class for it)."""
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, dict):
        return {key: canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    if isinstance(value, (datetime.datetime, datetime.time)):
        return (type(value).__name__, value.isoformat())
    return value


def outcome(parse: Any, text: str) -> tuple[str, Any]:
    try:
        return "read", canonical(parse(text))
    except (ValueError, RecursionError) as error:  # TOMLDecodeError is a ValueError
        return "refused", f"{type(error).__name__}: {error}"


def test_the_fast_parser_is_the_one_used() -> None:
    assert store._fast_parser() is rtoml.loads
    text = SHIPPED.read_text(encoding="utf-8")
    assert not store._left_to_tomli(text)
    assert canonical(store.loads(text)) == canonical(tomli.loads(text))


def test_rtoml_accepts_nothing_tomli_refuses_and_reads_the_rest_alike() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    rng = random.Random(18)
    seen = {"read": 0, "refused": 0}
    for case in range(4000):
        piece = mutated(text, rng)
        judge = outcome(tomli.loads, piece)
        assert outcome(store.loads, piece) == judge, f"case {case}: {piece!r}"
        # What rtoml reads, tomli reads alike, but in the texts store.loads leaves to
        # tomli (whose every kind is among the cases below).
        fast = outcome(rtoml.loads, piece)
        if fast[0] == "read" and not store._left_to_tomli(piece):
            assert judge == fast, f"case {case}: {piece!r}"
        seen[judge[0]] += 1
    # Both kinds of text were met often enough for the comparison to mean something.
    assert min(seen.values()) > 400, seen


@pytest.mark.parametrize(
    "text",
    [
        "\ufeffa = 1",  # a byte-order mark: rtoml skips it, tomli refuses it
        "\ufeff",
        "a = 1e400",  # tomli reads infinity, rtoml refuses
        "a = 0x" + "f" * 40,  # beyond 64 bits: tomli reads it, rtoml refuses
        "a = " + "9" * 5000,  # beyond Python's 4,300 digits: both refuse
        "a = " + "[" * 100 + "]" * 100,  # deeper than rtoml goes, not tomli
        "a = " + "[" * 2000 + "]" * 2000,  # deeper than either
        "a = " + "{b = " * 100 + "1" + "}" * 100,
        "a = 1979-05-27T07:32:00+01:00",
        "a = 1979-05-27T07:32:00Z",
        "a = 07:32",  # TOML 1.1: seconds may be left out
        'a = "\\x41"',  # TOML 1.1: \x escapes
        "a = {b = 1,}",  # TOML 1.1: a trailing comma in an inline table
        "a = 1\r",
        'a = "\x7f"',
        "a.b = 1\na.b.c = 2",
        "a = { b\n= 1 }",  # a line break in a key/value pair: rtoml reads it
        "a = { b =\n1 }",
        'roles = [\n    { role\n = "x", since = 2017 },\n]',
        "a = {\n    b = 1,\n}",  # TOML 1.1: an inline table over lines, read by both
    ],
)
def test_loads_answers_as_tomli_where_the_parsers_part(text: str) -> None:
    assert outcome(store.loads, text) == outcome(tomli.loads, text)


def test_a_mutated_file_gives_the_same_problems_with_either_parser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    rng = random.Random(1818)
    cases = []
    for _ in range(40):
        at = rng.randrange(len(lines))
        cases.append("".join([*lines[:at], rng.choice(TOKENS), *lines[at:]]))

    def verdicts() -> list[str]:
        found = []
        for case in cases:
            try:
                dataset = store.parse(case, "case.toml")
            except DataError as error:
                found.append(str(error))
            else:
                found.append(repr(dataset))
        return found

    fast = verdicts()
    monkeypatch.setattr(store, "_fast_parser", lambda: None)
    assert verdicts() == fast
    assert any(verdict.startswith("case.toml") for verdict in fast)

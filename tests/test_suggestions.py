""" "Did you mean" stays about linear: many unknown names in a large dataset."""

from __future__ import annotations

import difflib

import pytest

from citynet import store
from citynet.errors import DataError
from citynet.names import Suggestions, closest, did_you_mean


def large_dataset(cities: int, unknown: int) -> str:
    parts = ['schema_version = 1\n\n[[sources]]\nid = "s"\npublisher = "P"\ntitle = "T"\n']
    parts[0] += 'language = "de"\n'
    parts.append('\n[[networks]]\nid = "net"\nname = "Net"\nscope = "europe"\nsources = ["s"]\n')
    parts += [
        f'\n[[cities]]\nid = "stadt-{n}"\nname = "Stadt {n}"\ncountry = "DE"\nsources = ["s"]\n'
        for n in range(cities)
    ]
    # Unknown references: typos of known ids, and names that are nothing like any id.
    refs = [f"stadt-{n}x" if n % 2 else f"ort-ohne-namen-{n}" for n in range(unknown)]
    parts += [
        f'\n[[memberships]]\ncity = "{ref}"\nnetwork = "net"\nsources = ["s"]\n' for ref in refs
    ]
    return "".join(parts)


def test_many_unknown_references_compare_about_linearly(monkeypatch: pytest.MonkeyPatch) -> None:
    compared = 0
    real = difflib.get_close_matches

    def counting(word: str, possibilities: list[str], *args: object, **kwargs: object) -> object:
        nonlocal compared
        possibilities = list(possibilities)
        compared += len(possibilities)
        return real(word, possibilities, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(difflib, "get_close_matches", counting)
    cities, unknown = 5500, 2000
    with pytest.raises(DataError) as raised:
        store.parse(large_dataset(cities, unknown), "big.toml")
    problems = [str(p) for p in raised.value.problems]
    assert len(problems) == unknown
    assert problems[1].endswith("unknown city 'stadt-1x' (did you mean 'stadt-1'?)")
    # Every unknown name against every city would be 11 million comparisons.
    assert compared < (cities * unknown) // 50


def test_the_index_finds_what_a_scan_of_every_option_finds_for_typos() -> None:
    options = [f"stadt-{n}" for n in range(1000)] + ["klima-buendnis", "eurocities"]
    suggestions = Suggestions(options)
    for word in ("klimabuendnis", "eurocitis", "stadt-12x", "stadt12", "tsadt-5", "euroc"):
        # The best one is the same; further ones may be fewer (only near neighbours).
        assert suggestions.closest(word, 3)[:1] == closest(word, options, 3)[:1], word
        assert did_you_mean(word, suggestions) == did_you_mean(word, options)

"""A cold read converts tables in C where it can, with the same records and problems."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import shared

from citynet import store
from citynet.errors import DataError
from citynet.files import shipped_path


def read_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "_convert", lambda tables, record_type: None)


def test_converted_records_are_the_records_read_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = shipped_path().read_text(encoding="utf-8")
    converted = store.parse(text)
    read_one_by_one(monkeypatch)
    assert store.parse(text) == converted


def test_the_real_tables_read_the_same_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    from citynet.wikidata import import_tables

    twins = shared("data", "wikidata-twin-cities")
    dataset, _report = import_tables(
        store.load(shipped_path()), twins / "nodes.tsv", twins / "links.tsv"
    )
    text = store.dumps(dataset)
    converted = store.parse(text)
    read_one_by_one(monkeypatch)
    assert store.parse(text) == converted


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('scope = "global"', 'scope = "galaxy"'),  # a rule the type cannot state
        ('qualifier = "über"', 'qualifier = "unter"'),  # … in a nested table
        ('country = "DE"', "country = 49"),  # a type: read one by one, reported there
        ('country = "DE"', 'country = "DE"\nfavourite = true'),  # an unknown key
        ("lat = 52.52", "lat = 91"),  # a span
        ("lng = 13.405\n", ""),  # two fields that go together
        ('wikidata = "Q64"', 'wikidata = "X64"'),  # a pattern
        ('name = "Berlin"', 'name = "  "'),  # blank text
        ("founded = 2005", "founded = 1700"),  # a year
        ('person = "Michael Müller"', 'person = " "'),  # a rule between a record's tables
        ("since = 2017", "since = 2017\nuntil = 2001"),  # since after until, nested
        ('    "amsterdam",\n    "berlin",', '    "berlin",\n    "berlin",'),  # itself
    ],
)
def test_problems_are_the_same_either_way(
    old: str, new: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_same_problems(old, new, lambda: read_one_by_one(monkeypatch))


def assert_same_problems(old: str, new: str, slower: Callable[[], None]) -> None:
    """The shipped file with `old` made `new` is refused with the same problems before
    and after `slower` makes the reader take its slow path."""
    text = shipped_path().read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    with pytest.raises(DataError) as fast:
        store.parse(text)
    slower()
    with pytest.raises(DataError) as slow:
        store.parse(text)
    assert fast.value.problems == slow.value.problems


def look_at_each_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """The column checks only decide whether to look at each record: say they found
    something, every time."""
    for name in ("_all_clear", "_together_clear", "refer_only_to"):
        monkeypatch.setattr(store, name, lambda *args: False)


PARTNERSHIP = '[[partnerships]]\ncities = [\n    "amsterdam",\n    "berlin",\n]\nkind = "project"\n'


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("since = 2012\nuntil = 2014\n", "since = 2016\nuntil = 2014\n"),  # since after until
        ('kind = "exchange"\n', 'kind = "exchange"\nstatus_since = 2015\n'),  # no status
        ("until = 2014\n", 'until = 2014\nstatus = "ended"\nstatus_since = 2000\n'),  # early
        ('    "berlin-partnerschaften",', '    "berlin-partnerschaft",'),  # unknown source
        ('    "amsterdam",\n    "berlin",', '    "berlin",\n    "amsterdan",'),  # file's order
        (PARTNERSHIP, PARTNERSHIP.replace("amsterdam", "@").replace("berlin", "amsterdam")
         .replace("@", "berlin") + 'sources = ["berlin-partnerschaften"]\n\n' + PARTNERSHIP),
        ('[[memberships]]\ncity = "berlin"\nnetwork = "c40"\n',  # a membership twice
         '[[memberships]]\ncity = "berlin"\nnetwork = "c40"\nsources = ["berlin-netzwerke"]\n\n'
         '[[memberships]]\ncity = "berlin"\nnetwork = "c40"\n'),
        ('role = "Gründungsmitglied", source = "berlin-netzwerke"',  # in a nested table
         'role = "Gründungsmitglied", source = "berlin-netzwerk"'),
        ('id = "amsterdam"', 'id = "berlin"'),  # a city's id twice
        ('id = "amsterdam"', 'id = "biostaedte"'),  # a city's id that a network has
        ('id = "berlin-metropolis"', 'id = "berlin-netzwerke"'),  # a source's id twice
    ],
)  # fmt: skip
def test_column_checks_report_what_record_checks_report(
    old: str, new: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_same_problems(old, new, lambda: look_at_each_record(monkeypatch))


def test_a_clean_file_reads_the_same_when_each_record_is_looked_at(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = shipped_path().read_text(encoding="utf-8")
    by_column = store.parse(text)
    look_at_each_record(monkeypatch)
    assert store.parse(text) == by_column

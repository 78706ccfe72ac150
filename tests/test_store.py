"""Bad data gets a clear error, never a traceback.

Every kind of bad data is fed twice: to the loader (`citynet.store.load`, which
raises `DataError` carrying every `Problem`) and through `citynet check`, which
must print the same problems on stderr and exit with status 3. Each message has
to name the file, the record (by id or by position), the field and what was
expected. The bad files are variants of `tests/fixtures/mini.toml`, written to
`tmp_path`.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from citynet import store
from citynet.cli import app
from citynet.errors import EXIT_DATA, DataError, Problem
from citynet.model import YEAR_RANGE
from citynet.store import load

MINI = Path(__file__).parent / "fixtures" / "mini.toml"
MINI_TEXT = MINI.read_text(encoding="utf-8")

runner = CliRunner()

LAST_YEAR = YEAR_RANGE[1]  # this year: a fact cannot come from the future


@pytest.fixture(autouse=True)
def no_user_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI must neither read nor write the user's cache, nor pick up their data file."""
    monkeypatch.setenv("CITYNET_NO_CACHE", "1")
    monkeypatch.setenv("CITYNET_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("CITYNET_DATA", raising=False)


# --- building bad files ---------------------------------------------------------------


def variant(old: str, new: str, text: str = MINI_TEXT) -> str:
    """The fixture with the first `old` replaced by `new`; `old` must be there."""
    assert old in text, f"the fixture no longer contains {old!r}"
    return text.replace(old, new, 1)


def appended(snippet: str, text: str = MINI_TEXT) -> str:
    """The fixture with more TOML at the end (a later [[section]] extends its array)."""
    return text + "\n" + snippet.strip() + "\n"


def header_line(text: str, marker: str) -> int:
    """The line of the top-level `[[section]]` header of the record that contains `marker`."""
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if marker in line)
    while not re.match(r"\[\[[a-z_]+\]\]", lines[index]):
        index -= 1
    return index + 1


def network(slug: str, extra: str = "") -> str:
    return (
        f'[[networks]]\nid = "{slug}"\nname = "N {slug}"\nscope = "global"\n'
        f'sources = ["doc-a"]\n{extra}'
    )


def city(slug: str, extra: str = "") -> str:
    return (
        f'[[cities]]\nid = "{slug}"\nname = "C {slug}"\ncountry = "DE"\n'
        f'sources = ["doc-a"]\n{extra}'
    )


def partnership(a: str, b: str, kind: str = "partnership") -> str:
    return f'[[partnerships]]\ncities = ["{a}", "{b}"]\nkind = "{kind}"\nsources = ["doc-b"]\n'


def membership(city_id: str, network_id: str) -> str:
    return f'[[memberships]]\ncity = "{city_id}"\nnetwork = "{network_id}"\nsources = ["doc-a"]\n'


def write(tmp_path: Path, content: str | bytes, name: str = "networks.toml") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def load_error(path: Path) -> DataError:
    with pytest.raises(DataError) as caught:
        load(path)
    return caught.value


def the_problem(error: DataError, where: str, message: str) -> Problem:
    """The one problem whose place contains `where` and whose message contains `message`."""
    found = [p for p in error.problems if where in p.where and message in p.message]
    listing = "\n".join(map(str, error.problems))
    assert len(found) == 1, f"expected one problem at {where!r} saying {message!r}, got:\n{listing}"
    return found[0]


def check(path: Path) -> Result:
    return runner.invoke(app, ["--data", str(path), "check"])


# --- the kinds of bad data ---------------------------------------------------------------
#
# Each case: the file's content (None: no file; "<dir>": a folder), the record and
# field the problem must be placed at (`where`, a part of Problem.where), the
# expectation it must state (a part of Problem.message), and the line it must name.


@dataclass(frozen=True)
class Bad:
    content: str | bytes | None
    where: str
    message: str
    line: int | None = None


def _bad_cases() -> dict[str, Bad]:
    latin1 = MINI_TEXT.encode("utf-8").replace("Köln".encode(), "Köln".encode("latin-1"))
    bad_byte = latin1.index("Köln".encode("latin-1")) + 1
    unterminated = variant('name = "Berlin"', 'name = "Berlin')
    wrong_year = variant("founded = 1990", 'founded = "1990"')
    number_for_list = variant('aliases = ["Klimabündnis"]', "aliases = 5")
    missing_name = variant('name = "Paris"\n', "")
    unknown_key = variant("founded = 1990", "fonded = 1990")
    two_networks = appended(network("eurocities"))
    network_and_city = appended(city("eurocities"))
    two_sources = appended(
        '[[sources]]\nid = "doc-a"\npublisher = "P"\ntitle = "T"\nlanguage = "de"'
    )
    unknown_city = variant('city = "koeln"', 'city = "koln"')
    unknown_network = appended(membership("paris", "eurocity"))
    unknown_theme = variant('themes = ["klima"]', 'themes = ["klma"]')
    unknown_source = variant('source = "doc-a"', 'source = "doc-c"')
    self_partner = appended(partnership("koeln", "koeln"))
    same_relation = appended(partnership("berlin", "windhuk"))
    reversed_relation = appended(partnership("paris", "berlin", "exchange"))
    duplicate_membership = appended(membership("koeln", "eurocities"))
    early_year = variant("founded = 1986", "founded = 1799")
    late_year = variant("since = 1990", f"since = {LAST_YEAR + 1}")
    since_after_until = variant("since = 2012", "since = 2015")
    bad_country = variant('country = "FR"', 'country = "fr"')
    bad_scope = variant('scope = "europe"', 'scope = "Europe"')
    bad_kind = variant('kind = "exchange"', 'kind = "exchnage"')
    bad_qualifier = variant('qualifier = "fast"', 'qualifier = "etwa"')
    bad_measure = variant('measure = "members"', 'measure = "member"')
    cycle = variant("founded = 1990", 'founded = 1990\nparent = "eurocities"')
    cycle = variant("founded = 1986", 'founded = 1986\nparent = "klima-buendnis"', cycle)
    no_schema = variant("schema_version = 1\n", "")
    schema_2 = variant("schema_version = 1", "schema_version = 2")
    kb = "networks[0] (id 'klima-buendnis')"
    return {
        "missing-file": Bad(None, "", "no such file"),
        "folder": Bad("<dir>", "", "is a folder, expected a TOML file"),
        "not-utf8": Bad(
            latin1,
            "",
            f"not UTF-8 (byte {bad_byte}), save it as UTF-8",
            header_line(MINI_TEXT, 'name = "Köln"') + 2,  # the line of the bad byte
        ),
        "toml-syntax-error": Bad(
            unterminated,
            "",
            "TOML syntax error: ",
            unterminated.splitlines().index('name = "Berlin') + 1,  # the string left open
        ),
        "string-for-a-year": Bad(
            wrong_year,
            f"{kb}: field 'founded'",
            "expected a year (whole number), got a string '1990'",
            header_line(wrong_year, "founded ="),
        ),
        "number-for-a-string-list": Bad(
            number_for_list,
            f"{kb}: field 'aliases'",
            "expected an array of strings, got a whole number 5",
            header_line(number_for_list, "aliases = 5"),
        ),
        "missing-required-field": Bad(
            missing_name,
            "cities[2] (id 'paris')",
            "missing required field 'name'",
            header_line(missing_name, 'id = "paris"'),
        ),
        "unknown-key-did-you-mean": Bad(
            unknown_key,
            kb,
            "unknown key 'fonded' (did you mean 'founded'?)",
            header_line(unknown_key, "fonded"),
        ),
        "duplicate-network-id": Bad(
            two_networks,
            "networks[2] (id 'eurocities')",
            "duplicate id 'eurocities' (already used by a network)",
            header_line(two_networks, 'name = "N eurocities"'),
        ),
        "network-and-city-share-an-id": Bad(
            network_and_city,
            "cities[4] (id 'eurocities')",
            "duplicate id 'eurocities' (already used by a network)",
            header_line(network_and_city, 'name = "C eurocities"'),
        ),
        "duplicate-source-id": Bad(
            two_sources,
            "sources[2] (id 'doc-a')",
            "duplicate source id 'doc-a'",
            header_line(two_sources, 'publisher = "P"'),
        ),
        "unknown-city": Bad(
            unknown_city,
            "memberships[1] (koln in eurocities)",
            "field 'city': unknown city 'koln' (did you mean 'koeln'?)",
            header_line(unknown_city, 'city = "koln"'),
        ),
        "unknown-network": Bad(
            unknown_network,
            "memberships[3] (paris in eurocity)",
            "field 'network': unknown network 'eurocity' (did you mean 'eurocities'?)",
            header_line(unknown_network, 'network = "eurocity"'),
        ),
        "unknown-theme": Bad(
            unknown_theme,
            kb,
            "field 'themes': unknown theme 'klma' (did you mean 'klima'?)",
            header_line(unknown_theme, "klma"),
        ),
        "unknown-source": Bad(
            unknown_source,
            kb,
            "field 'figures[0].source': unknown source 'doc-c' (did you mean 'doc-b'?)",
            header_line(unknown_source, 'id = "klima-buendnis"'),
        ),
        "city-partnered-with-itself": Bad(
            self_partner,
            "partnerships[3] (koeln–koeln)",
            "a city cannot be partnered with itself ('koeln')",
            header_line(self_partner, '"koeln", "koeln"'),
        ),
        "same-relation-twice": Bad(
            same_relation,
            "partnerships[3] (berlin–windhuk)",
            "the relation 'berlin'–'windhuk' of kind 'partnership' is stated twice",
            len(same_relation.splitlines()) - 3,
        ),
        "same-relation-twice-in-reverse-order": Bad(
            reversed_relation,
            "partnerships[3] (paris–berlin)",
            "the relation 'berlin'–'paris' of kind 'exchange' is stated twice",
            len(reversed_relation.splitlines()) - 3,
        ),
        "duplicate-membership": Bad(
            duplicate_membership,
            "memberships[3] (koeln in eurocities)",
            "duplicate membership of 'koeln' in 'eurocities'",
            len(duplicate_membership.splitlines()) - 3,
        ),
        "year-before-1800": Bad(
            early_year,
            "networks[1] (id 'eurocities')",
            f"field 'founded': expected a year 1800–{LAST_YEAR}, got 1799",
            header_line(early_year, "founded = 1799"),
        ),
        "year-after-this-one": Bad(
            late_year,
            "memberships[0] (berlin in klima-buendnis)",
            f"field 'since': expected a year 1800–{LAST_YEAR}, got {LAST_YEAR + 1}",
            header_line(late_year, f"since = {LAST_YEAR + 1}"),
        ),
        "since-after-until": Bad(
            since_after_until,
            "partnerships[1] (berlin–paris)",
            "'since' (2015) is after 'until' (2014)",
            header_line(since_after_until, "since = 2015"),
        ),
        "bad-country-code": Bad(
            bad_country,
            "cities[2] (id 'paris')",
            "field 'country': expected an ISO 3166-1 code like 'DE', got 'fr'",
            header_line(bad_country, 'country = "fr"'),
        ),
        "bad-scope": Bad(
            bad_scope,
            kb,
            "field 'scope': 'Europe' is not one of 'global', 'europe', 'national', 'regional' "
            "(did you mean 'europe'?)",
            header_line(bad_scope, "Europe"),
        ),
        "bad-partnership-kind": Bad(
            bad_kind,
            "partnerships[1] (berlin–paris)",
            "field 'kind': 'exchnage' is not one of 'partnership', 'friendship', 'contact', "
            "'project', 'cooperation', 'exchange', 'twinning' (did you mean 'exchange'?)",
            header_line(bad_kind, "exchnage"),
        ),
        "bad-figure-qualifier": Bad(
            bad_qualifier,
            f"{kb}: figures[0]",
            "field 'qualifier': 'etwa' is not one of '', 'über', 'fast', 'rund', 'mehr als', "
            "'nahezu', 'knapp', 'aktuell'",
            header_line(bad_qualifier, 'id = "klima-buendnis"'),
        ),
        "bad-figure-measure": Bad(
            bad_measure,
            f"{kb}: figures[0]",
            "field 'measure': 'member' is not one of 'members', 'countries', 'other' "
            "(did you mean 'members'?)",
            header_line(bad_measure, 'id = "klima-buendnis"'),
        ),
        "parent-cycle": Bad(
            cycle,
            kb,
            "field 'parent': the parents form a cycle: "
            "klima-buendnis → eurocities → klima-buendnis",
            header_line(cycle, 'id = "klima-buendnis"'),
        ),
        "missing-schema-version": Bad(
            no_schema, "top level", "missing 'schema_version' (expected 1)"
        ),
        "wrong-schema-version": Bad(
            schema_2,
            "schema_version",
            "expected 1, got 2: this file was written for another version of citynet",
        ),
    }


BAD = _bad_cases()


def materialize(tmp_path: Path, bad: Bad) -> Path:
    if bad.content is None:
        return tmp_path / "missing.toml"
    if bad.content == "<dir>":
        folder = tmp_path / "data.toml"
        folder.mkdir()
        return folder
    return write(tmp_path, bad.content)


# --- the loader ----------------------------------------------------------------------------


def test_the_valid_fixture_loads_with_every_record() -> None:
    data = load(MINI)
    assert [n.id for n in data.networks] == ["klima-buendnis", "eurocities"]
    assert [c.id for c in data.cities] == ["berlin", "koeln", "paris", "windhuk"]
    assert (len(data.memberships), len(data.partnerships)) == (3, 3)
    assert [s.id for s in data.sources] == ["doc-a", "doc-b"]
    assert [t.id for t in data.themes] == ["klima", "soziales"]
    assert sum(len(n.figures) for n in data.networks) == 3


@pytest.mark.parametrize("kind", list(BAD))
def test_loader_names_file_record_field_and_expectation(tmp_path: Path, kind: str) -> None:
    bad = BAD[kind]
    path = materialize(tmp_path, bad)
    error = load_error(path)
    problem = the_problem(error, bad.where, bad.message)
    assert problem.file == str(path)
    assert problem.line == bad.line
    assert str(problem) in str(error).splitlines()
    if bad.line is not None:
        assert str(problem).startswith(f"{path}:{bad.line}: ")


def test_missing_file_is_one_problem_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    error = load_error(path)
    assert error.problems == [Problem(str(path), "", "no such file")]
    assert str(error) == f"{path}: no such file"


def test_folder_is_reported_as_a_folder(tmp_path: Path) -> None:
    error = load_error(tmp_path)
    assert str(error) == f"{tmp_path}: is a folder, expected a TOML file"


def test_non_utf8_byte_is_reported_with_its_line(tmp_path: Path) -> None:
    data = b'schema_version = 1\n\n[[sources]]\nid = "a"\npublisher = "K\xf6ln"\n'
    path = write(tmp_path, data)
    error = load_error(path)
    byte = data.index(b"\xf6")
    assert str(error) == f"{path}:5: not UTF-8 (byte {byte}), save it as UTF-8"


def test_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    text = BAD["toml-syntax-error"].content
    assert isinstance(text, str)
    path = write(tmp_path, text)
    error = load_error(path)
    assert len(error.problems) == 1
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t == 'name = "Berlin')
    assert re.fullmatch(
        rf"{re.escape(str(path))}:{line}: TOML syntax error: .*\(column \d+\)", str(error)
    )


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        pytest.param(
            'themes = ["klima", "soziales"]',
            'themes = ["klima", 7]',
            "networks[1] (id 'eurocities'): field 'themes'",
            "expected an array of strings, got an array ['klima', 7]",
            id="number-in-a-string-list",
        ),
        pytest.param(
            'name = "Paris"',
            "name = 75",
            "cities[2] (id 'paris'): field 'name'",
            "expected a string, got a whole number 75",
            id="number-for-a-string",
        ),
        pytest.param(
            "value = 2000",
            'value = "fast 2000"',
            "networks[0] (id 'klima-buendnis'): figures[0]: field 'value'",
            "expected a whole number, got a string 'fast 2000'",
            id="string-for-a-figure-value",
        ),
        pytest.param(
            "value = 2000",
            "value = true",
            "networks[0] (id 'klima-buendnis'): figures[0]: field 'value'",
            "expected a whole number, got a boolean",
            id="boolean-for-a-number",
        ),
        pytest.param(
            "since = 1990",
            "since = 1990.5",
            "memberships[0] (berlin in klima-buendnis): field 'since'",
            "expected a year (whole number), got a number 1990.5",
            id="fraction-for-a-year",
        ),
        pytest.param(
            'country = "FR"',
            'country = "FR"\nlat = "48.85"\nlng = 2.35',
            "cities[2] (id 'paris'): field 'lat'",
            "expected a number, got a string '48.85'",
            id="string-for-a-coordinate",
        ),
        pytest.param(
            'cities = ["berlin", "windhuk"]',
            'cities = "berlin"',
            "partnerships[2]: field 'cities'",
            "expected an array of strings, got a string 'berlin'",
            id="string-for-the-city-pair",
        ),
    ],
)
def test_wrong_type_names_field_and_expected_type(
    tmp_path: Path, old: str, new: str, where: str, message: str
) -> None:
    text = variant(old, new)
    error = load_error(write(tmp_path, text))
    assert the_problem(error, where, message).line == header_line(text, new.splitlines()[0])


def test_section_that_is_not_an_array_of_tables_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, 'schema_version = 1\nnetworks = "c40"\n')
    error = load_error(path)
    assert str(error) == (
        f"{path}: networks: expected an array of tables [[networks]], got a string"
    )


@pytest.mark.parametrize(
    ("old", "where", "field"),
    [
        pytest.param('language = "de"\n', "sources[0] (id 'doc-a')", "language", id="source"),
        pytest.param(
            'scope = "europe"\n', "networks[0] (id 'klima-buendnis')", "scope", id="network"
        ),
        pytest.param(
            'unit = "Kommunen"\n',
            "networks[0] (id 'klima-buendnis'): figures[0]",
            "unit",
            id="figure",
        ),
        pytest.param('country = "DE"\n', "cities[0] (id 'berlin')", "country", id="city"),
        pytest.param(
            'kind = "exchange"\n', "partnerships[1] (berlin–paris)", "kind", id="partnership"
        ),
        pytest.param('role = "Gründungsmitglied"\n', "memberships[0]", "role", id="role"),
    ],
)
def test_missing_required_field_is_named(tmp_path: Path, old: str, where: str, field: str) -> None:
    error = load_error(write(tmp_path, variant(old, "")))
    the_problem(error, where, f"missing required field '{field}'")


def test_unknown_key_suggests_the_close_field_and_lists_the_known_ones(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, BAD["unknown-key-did-you-mean"].content or ""))
    problem = the_problem(error, "networks[0]", "unknown key 'fonded'")
    assert "(did you mean 'founded'?)" in problem.message
    assert "known keys: id, name, scope, sources," in problem.message


def test_unknown_key_in_a_nested_table_suggests_the_close_field(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, variant("value = 2000\n", "value = 2000\nyaer = 2019\n")))
    the_problem(
        error,
        "networks[0] (id 'klima-buendnis'): figures[0]",
        "unknown key 'yaer' (did you mean 'year'?)",
    )


def test_unknown_top_level_section_suggests_the_close_section(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, appended('[[citys]]\nid = "rom"')))
    the_problem(error, "top level", "unknown key 'citys' (did you mean 'cities'?)")


def test_unknown_key_without_a_close_field_has_no_suggestion(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, variant('name = "Paris"', 'name = "Paris"\nmayor = "X"')))
    problem = the_problem(error, "cities[2] (id 'paris')", "unknown key 'mayor'")
    assert "did you mean" not in problem.message


@pytest.mark.parametrize(
    ("snippet", "where", "message"),
    [
        pytest.param(
            city("koeln"),
            "cities[4] (id 'koeln')",
            "duplicate id 'koeln' (already used by a city)",
            id="two-cities",
        ),
        pytest.param(
            network("berlin"),
            "cities[0] (id 'berlin')",
            "duplicate id 'berlin' (already used by a network)",
            id="city-after-a-network-with-its-id",
        ),
        pytest.param(
            '[[themes]]\nid = "klima"\nname = "Klima"',
            "themes[2] (id 'klima')",
            "duplicate theme id 'klima'",
            id="two-themes",
        ),
    ],
)
def test_duplicate_ids_are_reported(tmp_path: Path, snippet: str, where: str, message: str) -> None:
    error = load_error(write(tmp_path, appended(snippet)))
    the_problem(error, where, message)


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        pytest.param(
            'cities = ["berlin", "windhuk"]',
            'cities = ["berlin", "windhuck"]',
            "partnerships[2] (berlin–windhuck)",
            "field 'cities': unknown city 'windhuck' (did you mean 'windhuk'?)",
            id="partnership-city",
        ),
        pytest.param(
            "founded = 1990",
            'founded = 1990\nparent = "eurocitis"',
            "networks[0] (id 'klima-buendnis')",
            "field 'parent': unknown network 'eurocitis' (did you mean 'eurocities'?)",
            id="parent-network",
        ),
        pytest.param(
            "founded = 1990",
            'founded = 1990\nrelated = ["eurocity"]',
            "networks[0] (id 'klima-buendnis')",
            "field 'related': unknown network 'eurocity' (did you mean 'eurocities'?)",
            id="related-network",
        ),
        pytest.param(
            'sources = ["doc-a", "doc-b"]',
            'sources = ["doc-a", "dok-b"]',
            "networks[1] (id 'eurocities')",
            "field 'sources': unknown source 'dok-b' (did you mean 'doc-b'?)",
            id="record-source",
        ),
        pytest.param(
            'role = "Gründungsmitglied"\nsource = "doc-a"',
            'role = "Gründungsmitglied"\nsource = "doc-z"',
            "memberships[0] (berlin in klima-buendnis)",
            "field 'roles[0].source': unknown source 'doc-z'",
            id="role-source",
        ),
        pytest.param(
            'themes = ["klima", "soziales"]',
            'themes = ["klima", "social"]',
            "networks[1] (id 'eurocities')",
            "field 'themes': unknown theme 'social'",
            id="theme-alias-is-not-an-id",
        ),
    ],
)
def test_unknown_reference_is_reported_with_a_suggestion_where_close(
    tmp_path: Path, old: str, new: str, where: str, message: str
) -> None:
    error = load_error(write(tmp_path, variant(old, new)))
    the_problem(error, where, message)


def test_unknown_reference_far_from_every_id_has_no_suggestion(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, appended(membership("paris", "c40"))))
    problem = the_problem(error, "memberships[3]", "field 'network': unknown network 'c40'")
    assert "did you mean" not in problem.message
    assert len(error.problems) == 1


def test_unknown_city_of_a_network_person_is_reported(tmp_path: Path) -> None:
    person = (
        '[[networks.people]]\nrole = "Vorsitz"\nperson = "A. B."\ncity = "kolen"\n'
        'source = "doc-a"\n'
    )
    error = load_error(
        write(tmp_path, variant("[[networks.figures]]\n", person + "\n[[networks.figures]]\n"))
    )
    the_problem(
        error,
        "networks[0] (id 'klima-buendnis')",
        "field 'people[0].city': unknown city 'kolen' (did you mean 'koeln'?)",
    )


def test_same_pair_with_another_kind_is_not_a_duplicate() -> None:
    # The fixture has berlin–paris as a partnership and as an exchange.
    kinds = {p.kind for p in load(MINI).partnerships if p.cities == ("berlin", "paris")}
    assert kinds == {"partnership", "exchange"}


def test_reversed_relation_is_the_only_problem_and_is_reported_once(tmp_path: Path) -> None:
    text = appended(partnership("windhuk", "berlin"))
    path = write(tmp_path, text)
    error = load_error(path)
    assert [str(p) for p in error.problems] == [
        f"{path}:{len(text.splitlines()) - 3}: partnerships[3] (windhuk–berlin): "
        "the relation 'berlin'–'windhuk' of kind 'partnership' is stated twice "
        "(a pair is stored once per kind, in either order)"
    ]


@pytest.mark.parametrize("year", [1800, LAST_YEAR])
def test_years_at_the_ends_of_the_range_are_accepted(tmp_path: Path, year: int) -> None:
    data = load(write(tmp_path, variant("founded = 1986", f"founded = {year}")))
    assert data.network_by_id["eurocities"].founded == year


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        pytest.param(
            'unit = "Kommunen"',
            'unit = "Kommunen"\nyear = 2200',
            "networks[0] (id 'klima-buendnis'): figures[0]",
            "field 'year': expected a year 1800–2100, got 2200",
            id="figure-year",
        ),
        pytest.param(
            'role = "Gründungsmitglied"',
            'role = "Gründungsmitglied"\nsince = 1066',
            "memberships[0] (berlin in klima-buendnis): roles[0]",
            f"field 'since': expected a year 1800–{LAST_YEAR}, got 1066",
            id="role-since",
        ),
        pytest.param(
            'role = "Gründungsmitglied"',
            'role = "Gründungsmitglied"\nsince = 2001\nuntil = 2000',
            "memberships[0] (berlin in klima-buendnis): roles[0]",
            "'since' (2001) is after 'until' (2000)",
            id="role-since-after-until",
        ),
    ],
)
def test_years_in_nested_records_are_checked(
    tmp_path: Path, old: str, new: str, where: str, message: str
) -> None:
    error = load_error(write(tmp_path, variant(old, new)))
    the_problem(error, where, message)


def test_since_equal_to_until_is_accepted(tmp_path: Path) -> None:
    data = load(write(tmp_path, variant("since = 2012", "since = 2014")))
    assert any(p.since == p.until == 2014 for p in data.partnerships)


@pytest.mark.parametrize("code", ["FRA", "F", "F1", "", "fr"])
def test_country_must_be_two_upper_case_letters(tmp_path: Path, code: str) -> None:
    error = load_error(write(tmp_path, variant('country = "FR"', f'country = "{code}"')))
    the_problem(
        error,
        "cities[2] (id 'paris')",
        f"field 'country': expected an ISO 3166-1 code like 'DE', got {code!r}",
    )


def test_bad_scope_without_a_close_value_lists_the_allowed_ones(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, variant('scope = "europe"', 'scope = "eu"')))
    problem = the_problem(
        error,
        "networks[0] (id 'klima-buendnis')",
        "field 'scope': 'eu' is not one of 'global', 'europe', 'national', 'regional'",
    )
    assert "did you mean" not in problem.message


def test_network_that_is_its_own_parent_is_reported(tmp_path: Path) -> None:
    text = variant("founded = 1986", 'founded = 1986\nparent = "eurocities"')
    error = load_error(write(tmp_path, text))
    assert [p.message for p in error.problems] == [
        "field 'parent': a network cannot be its own parent"
    ]
    assert error.problems[0].where == "networks[1] (id 'eurocities')"


def test_longer_parent_cycle_is_reported_once_with_its_path(tmp_path: Path) -> None:
    text = appended(
        network("a", 'parent = "b"')
        + "\n"
        + network("b", 'parent = "c"')
        + "\n"
        + network("c", 'parent = "a"')
    )
    error = load_error(write(tmp_path, text))
    assert [(p.where, p.message) for p in error.problems] == [
        ("networks[2] (id 'a')", "field 'parent': the parents form a cycle: a → b → c → a")
    ]


def test_string_schema_version_is_wrong(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, variant("schema_version = 1", 'schema_version = "1"')))
    the_problem(error, "schema_version", "expected 1, got '1'")


@pytest.mark.parametrize("value", ["true", "1.0"])
def test_schema_version_of_another_type_that_equals_1_is_wrong(tmp_path: Path, value: str) -> None:
    error = load_error(write(tmp_path, variant("schema_version = 1", f"schema_version = {value}")))
    the_problem(error, "schema_version", "expected 1, got")


def test_line_of_the_records_section_header_is_in_the_message(tmp_path: Path) -> None:
    # windhuk's [[cities]] header is line 86 of the fixture; its country is on line 90.
    text = variant('country = "NA"', 'country = "Namibia"')
    path = write(tmp_path, text)
    error = load_error(path)
    assert len(error.problems) == 1
    line = header_line(text, 'id = "windhuk"')
    assert text.splitlines()[line - 1] == "[[cities]]"
    assert error.problems[0].line == line
    assert str(error).startswith(f"{path}:{line}: cities[3] (id 'windhuk'): field 'country'")


def test_every_problem_of_a_file_is_reported_together(tmp_path: Path) -> None:
    text = variant("schema_version = 1\n", "")
    text = variant("founded = 1990", "fonded = 1990", text)
    text = variant('themes = ["klima", "soziales"]', 'themes = ["klima", "kultur"]', text)
    text = variant('country = "FR"', 'country = "fra"', text)
    text = variant("since = 2012", "since = 1700", text)
    text = appended(membership("koeln", "eurocities") + "\n" + partnership("paris", "paris"), text)
    error = load_error(write(tmp_path, text))
    expected = [
        ("top level", "missing 'schema_version'"),
        ("networks[0] (id 'klima-buendnis')", "unknown key 'fonded' (did you mean 'founded'?)"),
        ("networks[1] (id 'eurocities')", "field 'themes': unknown theme 'kultur'"),
        ("cities[2] (id 'paris')", "field 'country': expected an ISO 3166-1 code like 'DE'"),
        (
            "partnerships[1] (berlin–paris)",
            f"field 'since': expected a year 1800–{LAST_YEAR}, got 1700",
        ),
        ("memberships[3] (koeln in eurocities)", "duplicate membership of 'koeln' in 'eurocities'"),
        ("partnerships[3] (paris–paris)", "a city cannot be partnered with itself ('paris')"),
    ]
    for where, message in expected:
        the_problem(error, where, message)
    assert str(error).count("\n") == len(error.problems) - 1


# --- bugs found while writing these tests -------------------------------------------------


@pytest.mark.parametrize("cities", ['["berlin"]', '["berlin", "paris", "koeln"]'])
def test_repeated_partnership_with_a_wrong_number_of_cities_is_a_data_error(
    tmp_path: Path, cities: str
) -> None:
    pair = f'[[partnerships]]\ncities = {cities}\nkind = "contact"\nsources = ["doc-b"]\n'
    error = load_error(write(tmp_path, appended(pair + "\n" + pair)))
    the_problem(error, "partnerships[4]", "field 'cities': expected exactly two city ids")


def test_problems_in_every_nested_table_are_reported(tmp_path: Path) -> None:
    text = variant("value = 200\n", 'value = "200"\n')
    text = variant("value = 135\n", 'value = "135"\n', text)
    error = load_error(write(tmp_path, text))
    the_problem(error, "figures[0]: field 'value'", "got a string '200'")
    the_problem(error, "figures[1]: field 'value'", "got a string '135'")


def test_a_record_with_a_problem_is_not_also_reported_as_unknown(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, BAD["unknown-key-did-you-mean"].content or ""))
    assert [p.where for p in error.problems] == ["networks[0] (id 'klima-buendnis')"]


def test_network_person_without_a_person_is_reported(tmp_path: Path) -> None:
    person = '[[networks.people]]\nrole = "Vorsitz"\nsource = "doc-a"\n'
    error = load_error(
        write(tmp_path, variant("[[networks.figures]]\n", person + "\n[[networks.figures]]\n"))
    )
    the_problem(error, "networks[0] (id 'klima-buendnis'): people[0]", "'person'")


def test_city_in_a_membership_role_is_not_silently_accepted(tmp_path: Path) -> None:
    text = variant('role = "Gründungsmitglied"', 'role = "Gründungsmitglied"\ncity = "atlantis"')
    error = load_error(write(tmp_path, text))
    assert any("memberships[0]" in p.where and "city" in p.message for p in error.problems)


# --- through the CLI -------------------------------------------------------------------------


def test_check_of_the_valid_fixture_exits_0_and_prints_the_counts() -> None:
    result = check(MINI)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{MINI}: ok"
    assert lines[1] == (
        "2 networks, 4 cities, 3 memberships, 3 partnerships, 2 sources, 2 themes, 3 figures"
    )
    assert lines[2] == "1 figure(s) on which sources disagree:"
    assert result.stderr == ""


@pytest.mark.parametrize("kind", list(BAD))
def test_check_reports_bad_data_on_stderr_with_exit_status_3(tmp_path: Path, kind: str) -> None:
    bad = BAD[kind]
    path = materialize(tmp_path, bad)
    result = check(path)
    assert result.exit_code == EXIT_DATA == 3, result.output
    assert isinstance(result.exception, SystemExit)  # not an uncaught exception
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    count = len(load_error(path).problems)
    assert lines[0] == f"citynet: {path}: {count} problem(s)"
    place = f"citynet: {path}:{bad.line}: " if bad.line else f"citynet: {path}: "
    matching = [
        line
        for line in lines[1:]
        if line.startswith(place) and bad.where in line and bad.message in line
    ]
    assert len(matching) == 1, result.stderr
    assert "Traceback" not in result.output


def test_check_reports_every_problem_together(tmp_path: Path) -> None:
    text = variant('country = "FR"', 'country = "fra"')
    text = variant("founded = 1986", "founded = 3000", text)
    text = appended(partnership("paris", "paris"), text)
    path = write(tmp_path, text)
    founded_line = header_line(text, "founded = 3000")
    country_line = header_line(text, 'country = "fra"')
    result = check(path)
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        f"citynet: {path}: 3 problem(s)",
        f"citynet: {path}:{founded_line}: networks[1] (id 'eurocities'): "
        f"field 'founded': expected a year 1800–{LAST_YEAR}, got 3000",
        f"citynet: {path}:{country_line}: cities[2] (id 'paris'): "
        "field 'country': expected an ISO 3166-1 code like 'DE', got 'fra'",
        f"citynet: {path}:{len(text.splitlines()) - 3}: partnerships[3] (paris–paris): "
        "a city cannot be partnered with itself ('paris')",
    ]


def test_other_commands_report_bad_data_with_exit_status_3_too(tmp_path: Path) -> None:
    path = write(tmp_path, variant('country = "FR"', 'country = "fr"'))
    result = runner.invoke(app, ["--data", str(path), "list"])
    assert result.exit_code == 3
    assert "cities[2] (id 'paris'): field 'country'" in result.stderr


def test_check_of_a_repeated_partnership_with_three_cities_exits_3(tmp_path: Path) -> None:
    pair = (
        '[[partnerships]]\ncities = ["berlin", "paris", "koeln"]\nkind = "contact"\n'
        'sources = ["doc-b"]\n'
    )
    path = write(tmp_path, appended(pair + "\n" + pair))
    result = check(path)
    assert result.exit_code == 3
    assert "expected exactly two city ids" in result.stderr


def test_a_record_with_a_wrong_field_still_has_its_other_fields_checked(tmp_path: Path) -> None:
    path = tmp_path / "networks.toml"
    path.write_text(
        'schema_version = 1\n[[sources]]\nid = "a"\npublisher = "P"\ntitle = "T"\nlanguage = "de"\n'
        '[[cities]]\nid = "x"\nname = "X"\ncountry = "Deutschland"\nsources = ["a"]\nlat = "52"\n',
        encoding="utf-8",
    )
    with pytest.raises(DataError) as caught:
        load(path)
    messages = [p.message for p in caught.value.problems]
    assert any("expected a number" in m for m in messages)
    assert any("ISO 3166-1" in m for m in messages)


# --- large files are parsed in pieces ----------------------------------------------


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "PIECE_CHARS", 150)


def test_a_file_read_in_pieces_gives_the_same_dataset(small_pieces: None) -> None:
    text = MINI.read_text(encoding="utf-8")
    assert len(store._pieces(text)) > 3
    whole = store._read(text, "mini", [store._toml(text, "mini")])
    assert store.parse(text, "mini") == whole


def test_problems_in_later_pieces_name_the_right_record_and_line(
    small_pieces: None, tmp_path: Path
) -> None:
    text = MINI.read_text(encoding="utf-8").replace('country = "NA"', 'country = "Namibia"')
    line = text[: text.index('country = "Namibia"')].count("\n") - 3  # its [[cities]] header
    with pytest.raises(DataError) as caught:
        store.parse(text, "mini")
    (problem,) = caught.value.problems
    assert problem.where == "cities[3] (id 'windhuk')"
    assert text.splitlines()[problem.line - 1] == "[[cities]]" and problem.line >= line


def test_pieces_are_cut_only_before_top_level_headers(small_pieces: None) -> None:
    pieces = store._pieces(MINI_TEXT)
    assert "".join(pieces) == MINI_TEXT
    for piece in pieces[1:]:  # never before [[networks.figures]]: it belongs to a network
        assert re.match(
            r"\[\[(sources|themes|networks|cities|memberships|partnerships)\]\]\n", piece
        )


def test_a_problem_in_an_early_piece_of_a_section_has_its_line(small_pieces: None) -> None:
    # Found before the section's last piece is read, when its headers cannot be counted yet.
    text = MINI_TEXT.replace('country = "DE"', 'country = "Deutschland"', 1)
    assert len(store._pieces(text)) > 3
    with pytest.raises(DataError) as caught:
        store.parse(text, "mini")
    (problem,) = caught.value.problems
    assert problem.where.startswith("cities[0]")
    assert problem.line == text[: text.index('country = "Deutschland"')].count("\n") - 2


def test_a_header_inside_a_multiline_string_is_not_a_cut(small_pieces: None) -> None:
    text = MINI.read_text(encoding="utf-8").replace(
        'description = "Kommunen, die sich gemeinsam für Klimaschutz einsetzen."',
        'description = """Kommunen\n[[cities]]\nund mehr"""',
    )
    data = store.parse(text, "mini")
    assert data.network_by_id["klima-buendnis"].description == "Kommunen\n[[cities]]\nund mehr"


def test_a_syntax_error_in_a_later_piece_has_its_line_in_the_whole_file(
    small_pieces: None,
) -> None:
    text = MINI.read_text(encoding="utf-8").replace('id = "windhuk"', 'id = "windhuk')
    line = text[: text.index('id = "windhuk')].count("\n") + 1
    with pytest.raises(DataError, match=f"mini:{line}: "):
        store.parse(text, "mini")


def test_a_section_also_written_inline_is_read_whole(small_pieces: None) -> None:
    text = MINI.read_text(encoding="utf-8")
    text = text.replace('[[themes]]\nid = "klima"', '[[themes]]\nid = "klima"', 1)
    inline = text.replace("schema_version = 1\n", "schema_version = 1\nthemes = []\n", 1)
    assert store._pieces(inline) == [inline]
    with pytest.raises(DataError, match="TOML syntax error"):
        store.parse(inline, "mini")


def test_a_read_leaves_the_cycle_collector_as_it_found_it() -> None:
    assert gc.isenabled()
    store.parse(MINI_TEXT)
    with pytest.raises(DataError):
        store.parse(MINI_TEXT.replace('country = "DE"', "country = 49", 1))
    assert gc.isenabled()
    gc.disable()
    try:
        store.parse(MINI_TEXT)
        assert not gc.isenabled()
    finally:
        gc.enable()

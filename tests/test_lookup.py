"""The one resolver: a typed name never silently picks one of several places, and
filters and editing take the same words (`citynet.names.lookup`)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from citynet import store
from citynet.cli import app
from citynet.errors import EXIT_NOT_FOUND, NameNote, NotFoundError, UsageError
from citynet.model import City, Dataset, Network, Partnership, Source
from citynet.names import COUNTRY, KIND, SCOPE, lookup

runner = CliRunner()
SOURCE = Source(id="doc", publisher="P", title="T", language="de")


def city(city_id: str, name: str, country: str, population: int | None = None) -> City:
    return City(id=city_id, name=name, country=country, sources=("doc",), population=population)


def dataset(*cities: City) -> Dataset:
    return Dataset(sources=(SOURCE,), cities=cities)


def answer(data: Dataset, name: str) -> tuple[City | Network | None, list[str], str]:
    """What `lookup` gives for a name: the record (None if refused), its notes, the error."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NameNote)
        try:
            found = lookup(data, name, City)
        except NotFoundError as error:
            return None, [], str(error)
    notes = [str(w.message) for w in caught if issubclass(w.category, NameNote)]
    return found, notes, ""


SAINT_PETERSBURG = dataset(
    city("st-petersburg", "St. Petersburg", "US", 257_083),
    city("saint-petersburg", "Saint Petersburg", "RU", 5_351_935),
)
SAINT_PETERSBURG = Dataset(
    sources=(SOURCE,),
    cities=(
        SAINT_PETERSBURG.cities[0],
        City(
            id="saint-petersburg",
            name="Saint Petersburg",
            country="RU",
            sources=("doc",),
            aliases=("St. Petersburg",),
            population=5_351_935,
        ),
    ),
)


def test_the_clear_favourite_answers_with_a_note_naming_the_others() -> None:
    # Before, the Florida city won silently: its id folds to what was typed.
    found, notes, _ = answer(SAINT_PETERSBURG, "St. Petersburg")
    assert found is not None and found.id == "saint-petersburg"
    assert len(notes) == 1 and "st-petersburg (St. Petersburg, US" in notes[0]


def test_an_exact_id_answers_without_a_note() -> None:
    found, notes, _ = answer(SAINT_PETERSBURG, "st-petersburg")
    assert found is not None and found.id == "st-petersburg" and notes == []


def test_places_of_one_name_and_no_favourite_are_listed_with_country_region_population() -> None:
    data = dataset(
        City(
            id="springfield-us-il",
            name="Springfield",
            country="US",
            region="US.IL",
            sources=("doc",),
            population=114_394,
        ),
        City(
            id="springfield-us-ma",
            name="Springfield",
            country="US",
            region="US.MA",
            sources=("doc",),
            population=154_341,
        ),
    )
    with pytest.raises(NotFoundError) as caught:
        lookup(data, "Springfield", City)
    assert caught.value.exit_code == EXIT_NOT_FOUND
    # Biggest first, each with what tells them apart.
    assert caught.value.candidates == (
        "springfield-us-ma (Springfield, US, US.MA, 154,341 inhabitants)",
        "springfield-us-il (Springfield, US, US.IL, 114,394 inhabitants)",
    )


def test_nine_times_the_inhabitants_is_no_clear_favourite() -> None:
    data = dataset(city("a", "Valencia", "VE", 900), city("b", "Valencia", "ES", 100))
    assert answer(data, "Valencia")[0] is None
    data = dataset(city("a", "Valencia", "VE", 1000), city("b", "Valencia", "ES", 100))
    assert answer(data, "Valencia")[0] == data.cities[0]


def test_a_place_of_unknown_size_is_never_the_favourite() -> None:
    data = dataset(city("a", "Freiburg", "DE"), city("b", "Freiburg", "DE", 237_460))
    found, notes, _ = answer(data, "Freiburg")
    assert found is not None and found.id == "b" and "a (Freiburg, DE)" in notes[0]
    assert answer(dataset(city("a", "X", "DE"), city("b", "X", "FR")), "X")[0] is None


def test_the_id_typed_in_another_case_wins_with_a_note() -> None:
    data = dataset(city("valencia", "Valencia", "VE", 800), city("v-es", "Valencia", "ES", 700))
    for typed in ("Valencia", "VALENCIA"):
        found, notes, _ = answer(data, typed)
        assert found is not None and found.id == "valencia" and "v-es" in notes[0]
    assert answer(data, "valencia")[1] == []


# --- the property ----------------------------------------------------------------------

NAMES = ("Springfield", "Valencia", "Frankfurt", "Paris")


@st.composite
def same_name_places(draw: st.DrawFn) -> Dataset:
    picked = draw(
        st.lists(
            st.tuples(
                st.sampled_from(NAMES),
                st.sampled_from(("DE", "US", "FR", "ES")),
                st.none() | st.integers(1, 10_000_000),
            ),
            min_size=1,
            max_size=6,
        )
    )
    cities = tuple(
        city(f"{name.lower()}-{i}" if i else name.lower(), name, country, population)
        for i, (name, country, population) in enumerate(picked)
    )
    return dataset(*cities)


@settings(max_examples=150, deadline=None)
@given(same_name_places(), st.sampled_from(NAMES), st.sampled_from(["", "upper", "spaced"]))
def test_no_query_answers_another_place_than_the_one_asked_for_without_a_note(
    data: Dataset, name: str, how: str
) -> None:
    typed = {"": name, "upper": name.upper(), "spaced": f"  {name} "}[how]
    bearing = [c for c in data.cities if c.name == name]
    for place in data.cities:  # an id always means its own place, silently
        assert answer(data, place.id) == (place, [], "")
    found, notes, error = answer(data, typed)
    if not bearing:
        assert found is None and "no city named" in error
    elif len(bearing) == 1:
        assert (found, notes) == (bearing[0], [])
    elif found is None:  # refused: every candidate is listed by its id
        assert all(c.id in error for c in bearing)
    else:  # one of several, with a note naming every other
        assert found in bearing and len(notes) == 1
        assert all(c.id in notes[0] for c in bearing if c is not found)


# --- the command line ------------------------------------------------------------------


def cli(path: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


@settings(max_examples=25, deadline=None)
@given(same_name_places(), st.sampled_from(NAMES))
def test_no_command_answers_another_place_than_the_one_asked_for_without_a_note(
    tmp_path_factory: pytest.TempPathFactory, data: Dataset, name: str
) -> None:
    path = tmp_path_factory.mktemp("places") / "data.toml"
    path.write_text(store.dumps(data), encoding="utf-8")
    bearing = {c.id for c in data.cities if c.name == name}
    code, out, err = cli(path, "show", name, "--format", "json")
    if code == 0:
        answered = json.loads(out)["id"]
        assert answered in bearing
        others = bearing - {answered}
        # One place: silent. Several: one note line naming every other by id.
        assert (err == "") if not others else (err.count("\n") == 1)
        assert all(other in err for other in others)
    else:
        assert code == EXIT_NOT_FOUND
        assert all(place in err for place in bearing)


@pytest.fixture
def petersburg(tmp_path: Path) -> Path:
    berlin = city("berlin", "Berlin", "DE", 3_426_354)
    data = Dataset(
        sources=SAINT_PETERSBURG.sources,
        cities=(*SAINT_PETERSBURG.cities, berlin),
        partnerships=(
            Partnership(cities=("berlin", "st-petersburg"), kind="contact", sources=("doc",)),
        ),
    )
    path = tmp_path / "data.toml"
    path.write_text(store.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("show", "St. Petersburg", "--format", "json"),
        ("partners", "St. Petersburg", "--format", "json"),
        ("list", "--member", "St. Petersburg", "--format", "json"),
        ("compare", "St. Petersburg", "berlin", "--format", "json"),
    ],
)
def test_every_command_says_on_stderr_which_place_a_shared_name_was_taken_as(
    petersburg: Path, args: tuple[str, ...]
) -> None:
    code, out, err = cli(petersburg, *args)
    assert code == 0, err
    assert err.count("\n") == 1 and "'St. Petersburg' taken as saint-petersburg" in err
    assert "st-petersburg (St. Petersburg, US" in err
    json.loads(out)  # stdout stays the contract


def test_a_change_to_the_data_is_never_made_on_a_guess(petersburg: Path) -> None:
    before = petersburg.read_bytes()
    for args in (
        ("remove", "city", "St. Petersburg", "--cascade"),
        ("edit", "city", "St. Petersburg", "--population", "1"),
        ("add", "partnership", "--cities", "berlin", "--cities", "St. Petersburg",
         "--kind", "friendship", "--source", "doc"),
        ("merge", "St. Petersburg", "berlin"),
    ):  # fmt: skip
        code, _, err = cli(petersburg, *args)
        assert code == EXIT_NOT_FOUND, (args, err)
        assert "saint-petersburg (Saint Petersburg, RU" in err and "st-petersburg (" in err
    assert petersburg.read_bytes() == before
    assert cli(petersburg, "edit", "city", "st-petersburg", "--population", "1")[0] == 0


def test_the_note_is_one_line_whatever_the_names_hold(tmp_path: Path) -> None:
    data = dataset(
        city("big", "Twin", "DE", 1_000_000),
        City(
            id="small",
            name="Twin",
            country="US",
            sources=("doc",),
            region="US.XX\ncitynet: 'Twin' taken as small\x1b[31m",
            population=10,
        ),
    )
    path = tmp_path / "data.toml"
    path.write_text(store.dumps(data), encoding="utf-8")
    code, out, err = cli(path, "show", "Twin", "--format", "json")
    assert code == 0 and json.loads(out)["id"] == "big"
    assert err.count("\n") == 1 and "\x1b" not in err


def test_partners_of_the_other_namesake_by_its_id(petersburg: Path) -> None:
    code, out, err = cli(petersburg, "partners", "st-petersburg", "--format", "ids")
    assert (code, out, err) == (0, "berlin\n", "")


# --- one vocabulary for filters and editing --------------------------------------------


def test_vocabularies_take_german_and_english_words_and_codes() -> None:
    assert lookup(None, "Kontakt", KIND) == "contact"
    assert lookup(None, "Europa", SCOPE) == "europe"
    for typed in ("DE", "de", "DEU", "Deutschland", "Germany"):
        assert lookup(None, typed, COUNTRY) == "DE"
    with pytest.raises(UsageError, match=r"unknown country 'XX'"):
        lookup(None, "XX", COUNTRY)
    with pytest.raises(UsageError, match=r"did you mean 'DE' \(Germany\), "):
        lookup(None, "Deutschlnd", COUNTRY)


def test_editing_takes_what_the_filters_take(mini: Path) -> None:
    code, _, err = cli(
        mini, "add", "partnership", "--cities", "Köln", "--cities", "paris",
        "--kind", "Kontakt", "--source", "doc-a",
    )  # fmt: skip
    assert code == 0, err
    assert [p.kind for p in store.load(mini).partnerships_of("koeln") if "paris" in p.cities] == [
        "contact"
    ]
    assert cli(mini, "edit", "network", "Klimabündnis", "--add-theme", "Social affairs")[0] == 0
    assert store.load(mini).network_by_id["klima-buendnis"].themes == ("klima", "soziales")
    assert cli(mini, "edit", "network", "klima-buendnis", "--remove-theme", "SOZIALES")[0] == 0
    assert store.load(mini).network_by_id["klima-buendnis"].themes == ("klima",)
    for typed, code_wanted in (("Deutschland", "DE"), ("fr", "FR")):
        code, _, err = cli(mini, "edit", "city", "windhuk", "--country", typed)
        assert code == 0, err
        assert store.load(mini).city_by_id["windhuk"].country == code_wanted
    code, _, err = cli(mini, "edit", "city", "windhuk", "--country", "XX")
    assert code == 2 and "unknown country 'XX'" in err
    assert store.load(mini).city_by_id["windhuk"].country == "FR"


def test_nested_records_take_the_same_words(mini: Path) -> None:
    code, _, err = cli(
        mini, "edit", "network", "eurocities",
        "--add-figure", "measure=Mitglieder; value=60; unit=Städte; source=DOC-A",
        "--add-people", "role=Präsidentin; person=X; city=Cologne; source=doc-a",
    )  # fmt: skip
    assert code == 0, err
    eurocities = store.load(mini).network_by_id["eurocities"]
    assert (eurocities.figures[-1].measure, eurocities.figures[-1].source) == ("members", "doc-a")
    assert eurocities.people[-1].city == "koeln"
    code, _, err = cli(
        mini, "edit", "network", "eurocities",
        "--add-figure", "measure=Leute; value=1; unit=x; source=doc-a",
    )  # fmt: skip
    assert code == 2 and "unknown measure 'Leute'; valid: members" in err


def test_a_source_is_found_by_its_id_in_any_case(mini: Path) -> None:
    code, out, err = cli(mini, "sources", "DOC-A", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["id"] == "doc-a"
    code, _, err = cli(mini, "sources", "doc-c")
    assert code == EXIT_NOT_FOUND and "no source 'doc-c'; did you mean doc-" in err


# --- ids of imported cities ------------------------------------------------------------


def test_an_obscure_namesake_imported_first_does_not_get_the_bare_name() -> None:
    from citynet.matching import new_ids

    florida = city("new-1", "St. Petersburg", "US", 257_083)
    mainz = city("new-2", "Mainz", "DE", 217_000)  # the biggest Mainz: the name alone
    nameless = city("new-3", "Alexandria", "GR")  # no size known, Egypt's is far bigger
    ids = new_ids([florida, mainz, nameless], taken=set())
    assert ids == {"new-1": "st-petersburg-us", "new-2": "mainz", "new-3": "alexandria-gr"}

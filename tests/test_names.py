"""Names as people type them: folding, the name index and `resolve` over the mini fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from citynet.errors import EXIT_NOT_FOUND, NotFoundError
from citynet.model import City, Dataset, Network
from citynet.names import NameIndex, fold, fold_variants, lookup
from citynet.store import load

MINI = Path(__file__).parent / "fixtures" / "mini.toml"


@pytest.fixture(scope="module")
def data() -> Dataset:
    return load(MINI)


# --- fold ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Klima-Bündnis", "klimabundnis"),
        ("KLIMA BÜNDNIS", "klimabundnis"),
        ("  klima_bündnis!  ", "klimabundnis"),
        ("Straße", "strasse"),
        ("Łódź", "lodz"),
        ("Ærø", "aero"),
        ("C40 Cities", "c40cities"),
        ("", ""),
        ("- / .", ""),
    ],
)
def test_fold_drops_case_accents_punctuation_and_spaces(name: str, key: str) -> None:
    assert fold(name) == key
    assert fold(key) == key


def test_stored_names_are_indexed_with_umlauts_stripped_and_spelled_out() -> None:
    assert fold_variants("Köln") == {"koln", "koeln"}
    assert fold_variants("Berlin") == {"berlin"}
    assert fold_variants("...") == set()


def _is_key(text: str) -> bool:
    """Only letters and digits, already case-folded ("lower case" in Unicode's sense)."""
    return all(ch.isalnum() for ch in text) and text == text.casefold()


# The letters of European place names: Latin-1, Latin Extended-A and Cyrillic.
_EUROPEAN = st.text(
    st.one_of(
        st.characters(max_codepoint=0x17F),
        st.characters(min_codepoint=0x400, max_codepoint=0x4FF),
    )
)


@given(_EUROPEAN)
def test_fold_of_european_names_is_idempotent_and_only_lowercase_alphanumerics(
    name: str,
) -> None:
    key = fold(name)
    assert fold(key) == key
    assert _is_key(key)


@pytest.mark.parametrize(
    ("upper", "lower"),
    [("Þórshöfn", "þórshöfn"), ("Ðakovo", "ðakovo"), ("ŁÓDŹ", "łódź"), ("ÆRØ", "ærø")],
)
def test_fold_of_a_capital_special_letter_equals_fold_of_its_lower_case(
    upper: str, lower: str
) -> None:
    # Special letters are mapped after case folding, so Þ and þ both become "th".
    assert fold(upper) == fold(lower)
    assert fold(fold(upper)) == fold(upper)


@given(st.text())
@example("Ǿrsted")
@example("ᴬachen")
def test_fold_of_any_text_is_idempotent_and_only_lowercase_alphanumerics(name: str) -> None:
    key = fold(name)
    assert fold(key) == key
    assert _is_key(key)


# --- resolve ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Klima-Bündnis", "klimabuendnis", "klima-bundnis", "KLIMA BÜNDNIS", "Climate Alliance"],
)
def test_every_spelling_of_klima_buendnis_resolves_to_it(data: Dataset, name: str) -> None:
    record = lookup(data, name)
    assert isinstance(record, Network)
    assert record.id == "klima-buendnis"


@pytest.mark.parametrize("name", ["Köln", "koeln", "Cologne", "KÖLN", "koln"])
def test_every_spelling_of_koeln_resolves_to_the_city(data: Dataset, name: str) -> None:
    record = lookup(data, name)
    assert isinstance(record, City)
    assert record.id == "koeln"


def test_index_finds_one_record_per_spelling(data: Dataset) -> None:
    index = NameIndex.build(data)
    assert [r.id for r in index.find("klima bundnis")] == ["klima-buendnis"]
    assert [r.id for r in index.find("Windhoek")] == ["windhuk"]
    assert index.find("Atlantis") == ()


def test_unknown_name_is_not_found_with_a_suggestion(data: Dataset) -> None:
    with pytest.raises(NotFoundError) as caught:
        lookup(data, "Klima Bundnis e.V.")
    error = caught.value
    assert str(error) == (
        "no network or city named 'Klima Bundnis e.V.'; "
        "did you mean klima-buendnis (Klima-Bündnis, network)?"
    )
    assert error.candidates == ("klima-buendnis (Klima-Bündnis, network)",)
    assert error.exit_code == EXIT_NOT_FOUND


def test_misspelt_city_suggests_the_city(data: Dataset) -> None:
    with pytest.raises(NotFoundError, match=r"did you mean koeln \(Köln, DE\)\?"):
        lookup(data, "Kolnn", City)


def test_name_close_to_nothing_has_no_suggestion(data: Dataset) -> None:
    with pytest.raises(NotFoundError) as caught:
        lookup(data, "Zzyzx")
    assert str(caught.value) == "no network or city named 'Zzyzx'"
    assert caught.value.candidates == ()


def test_restricting_to_cities_does_not_return_a_network(data: Dataset) -> None:
    with pytest.raises(NotFoundError) as caught:
        lookup(data, "Klima-Bündnis", City)
    assert str(caught.value).startswith("no city named 'Klima-Bündnis'")
    assert "klima-buendnis" not in str(caught.value)


def test_restricting_to_cities_suggests_no_network(data: Dataset) -> None:
    with pytest.raises(NotFoundError) as caught:
        lookup(data, "Eurocitys", City)
    assert "eurocities" not in str(caught.value)
    # Without the restriction the same name suggests the network.
    with pytest.raises(NotFoundError, match=r"did you mean eurocities \(EUROCITIES, network\)\?"):
        lookup(data, "Eurocitys")


def test_restricting_to_networks_does_not_return_a_city(data: Dataset) -> None:
    with pytest.raises(NotFoundError, match=r"^no network named 'Köln'"):
        lookup(data, "Köln", Network)


def test_name_shared_by_a_network_and_a_city_is_ambiguous_unless_restricted(
    tmp_path: Path,
) -> None:
    text = MINI.read_text(encoding="utf-8")
    alias = 'aliases = ["Klimabündnis"]'
    assert alias in text
    path = tmp_path / "networks.toml"
    path.write_text(
        text.replace(alias, 'aliases = ["Klimabündnis", "Paris", "Lutetia"]').replace(
            'name = "Paris"', 'name = "Paris"\naliases = ["Lutetia"]'
        ),
        encoding="utf-8",
    )
    shared = load(path)
    with pytest.raises(NotFoundError) as caught:
        lookup(shared, "Lutetia")
    assert str(caught.value) == (
        "'Lutetia' matches more than one network or city; name one by its id:\n"
        "  klima-buendnis (Klima-Bündnis, network)\n"
        "  paris (Paris, FR)"
    )
    assert caught.value.candidates == (
        "klima-buendnis (Klima-Bündnis, network)",
        "paris (Paris, FR)",
    )
    assert lookup(shared, "Lutetia", City).id == "paris"
    assert lookup(shared, "paris", Network).id == "klima-buendnis"


@pytest.mark.parametrize("typed", ["paris", "Paris", "PARIS", " paris "])
def test_the_same_folded_name_gives_the_same_record_and_an_id_wins(
    tmp_path: Path, typed: str
) -> None:
    # A network also called "Paris" does not make the city's own id ambiguous, whatever
    # the case: scripts and people get the same answer.
    text = MINI.read_text(encoding="utf-8")
    path = tmp_path / "networks.toml"
    path.write_text(
        text.replace('aliases = ["Klimabündnis"]', 'aliases = ["Klimabündnis", "Paris"]'),
        encoding="utf-8",
    )
    assert lookup(load(path), typed).id == "paris"


@given(st.one_of(st.text(alphabet=st.characters(max_codepoint=127)), st.text()))
@example("Ǿresund ᴬbc e\u0301 Straße ΣΊΣΥΦΟΣ 서울 ﬁ ½")
def test_folding_character_by_character_equals_folding_the_whole_text(text: str) -> None:
    # The fast paths (ASCII, and a table of each character's key) give the keys that
    # decomposing and case-folding the whole text gives.
    from citynet import names

    assert fold(text) == names._fold_character(text)

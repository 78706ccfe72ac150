"""The matcher of imports: one city per place, never a guess; readable, stable ids."""

from __future__ import annotations

from typing import Any

from citynet.gazetteer import country_code, gazetteer
from citynet.matching import Matcher, Row, enrich, new_ids
from citynet.model import City


def city(
    id: str, name: str, country: str, lat: float | None, lng: float | None, **more: Any
) -> City:
    return City(id=id, name=name, country=country, lat=lat, lng=lng, sources=("doc",), **more)


DELHI = city("delhi", "Delhi", "IN", 28.65, 77.23, aliases=("New Delhi",))
NEW_DELHI = city("new-delhi", "New Delhi", "IN", 28.61, 77.21)


def test_a_name_of_two_near_cities_goes_to_the_one_it_is_the_own_name_of() -> None:
    matcher = Matcher([DELHI, NEW_DELHI], gazetteer())
    assert matcher.match(Row("New Delhi", "IN", "", 28.6, 77.2)).city == "new-delhi"
    # without coordinates a name is all there is: ambiguous, with the candidates
    found = matcher.match(Row("New Delhi", "IN"))
    assert found.city == "" and found.candidates == ("delhi", "new-delhi")


def test_a_same_name_city_far_away_is_another_place_only_where_something_says_so() -> None:
    # a place the gazetteer does not know (it holds places of 15,000+ inhabitants)
    village = city("quellendorf", "Quellendorf", "DE", 51.75, 12.13)
    matcher = Matcher([village], gazetteer())
    # a Wikidata id says it is another item: another place, and why the namesake is not it
    other = matcher.match(Row("Quellendorf", "DE", "Q1", 48.0, 11.0))
    assert other.city == "" and "more than 50 km away" in other.note
    # nothing says a second Quellendorf lies there: the name wins, the conflict said
    far = matcher.match(Row("Quellendorf", "DE", "", 48.0, 11.0))
    assert far.city == "quellendorf" and "quellendorf (425 km away)" in far.conflict
    assert matcher.match(Row("Quellendorf", "DE", "", 51.7, 12.1)).city == "quellendorf"
    assert matcher.match(Row("Quellendorf", "US")).city == ""  # the country counts
    # two namesakes far away: held back
    twin = city("quellendorf-2", "Quellendorf", "DE", 54.0, 10.0, wikidata="Q5")
    held = Matcher([village, twin], gazetteer()).match(Row("Quellendorf", "DE", "", 48.0, 11.0))
    assert held.held and held.city == "" and "several cities" in held.conflict


def test_a_name_the_gazetteer_knows_once_wins_over_coordinates_with_the_conflict_said() -> None:
    flensburg = city("flensburg", "Flensburg", "DE", 54.78, 9.44, wikidata="Q3798")
    matcher = Matcher([flensburg], gazetteer())
    found = matcher.match(Row("Flensburg", "DE", "", 48.0, 11.0))
    assert found.city == "flensburg" and found.place is not None
    assert "Flensburg (DE.10" in found.conflict and "km away" in found.conflict
    assert found.row is not None and (found.row.lat, found.row.lng) == (
        found.place.lat,
        found.place.lng,
    )
    # a Wikidata id says which item a row is: kept apart, and the conflict said
    other = matcher.match(Row("Flensburg", "DE", "Q1", 48.0, 11.0))
    assert other.city == "" and "kept apart by its Wikidata id Q1" in other.conflict
    # near its place, a row has no conflict
    assert not matcher.match(Row("Flensburg", "DE", "", 54.8, 9.4)).conflict


def test_a_name_of_several_places_none_near_is_held_back() -> None:
    found = Matcher([], gazetteer()).match(Row("Springfield", "US", "", 0.5, -160.0))
    assert found.held and found.city == "" and "several places" in found.conflict
    assert "US.IL" in found.conflict


def test_the_gazetteer_place_joins_names_in_other_languages() -> None:
    bruessel = city("bruessel", "Brüssel", "BE", 50.847, 4.357)
    place = gazetteer().certain(("Brüssel",), "BE", 50.847, 4.357)
    assert place is not None and place.name == "Brussels"
    enriched = enrich(bruessel, place)
    assert "City of Brussels" in enriched.aliases and enriched.geonames == place.geonames
    assert enriched.sources == ("doc", "geonames")
    assert enrich(enriched, place) is enriched  # nothing more to add
    matcher = Matcher([enriched], gazetteer())
    found = matcher.match(Row("City of Brussels", "BE", "Q239", 50.85, 4.35))
    assert (found.city, found.by) == ("bruessel", "geonames")


def test_new_ids_are_readable_and_do_not_depend_on_order() -> None:
    cities = [
        city("\0new:0", "Springfield", "US", 39.8, -89.6, region="US.IL", wikidata="Q28515"),
        city("\0new:1", "Springfield", "US", 42.1, -72.5, region="US.MA", wikidata="Q49158"),
        city("\0new:2", "Flensburg", "DE", 54.8, 9.4, wikidata="Q3798"),
        city("\0new:3", "Flensburg", "US", 45.9, -94.5, wikidata="Q1012323"),
        city("\0new:4", "Karlsruhe", "DE", 49.0, 8.4),
        city("\0new:5", "Paris", "US", 33.7, -95.6),
    ]
    ids = new_ids(cities, {"paris"})
    assert [ids[c.id] for c in cities] == [
        "springfield-us-il",
        "springfield-us-ma",
        "flensburg-de",
        "flensburg-us",
        "karlsruhe",
        "paris-us",
    ]
    turned = new_ids(list(reversed(cities)), {"paris"})
    assert turned == ids


def test_countries_by_code_name_in_english_or_german_or_wikidata_id() -> None:
    for text in ("DE", "de", "DEU", "Germany", "Deutschland", "Q183"):
        assert country_code(text) == "DE"
    assert country_code("NA") == "NA"  # Namibia
    assert country_code("CN-TW") == "TW"
    assert country_code("Vereinigtes Königreich") == country_code("United Kingdom") == "GB"
    assert country_code("Atlantis") == ""

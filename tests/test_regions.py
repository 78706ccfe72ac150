"""Regions by name: GeoNames' admin1 codes as German offices read them."""

from __future__ import annotations

from conftest import shared

from citynet import store
from citynet.files import shipped_path
from citynet.gazetteer import gazetteer
from citynet.model import City, Dataset, Partnership
from citynet.regions import region_name
from citynet.stats import statistics, statistics_object
from citynet.statviews import stats_listings
from citynet.wikidata import import_tables

BUNDESLAENDER = {
    "Baden-Württemberg", "Bayern", "Berlin", "Brandenburg", "Bremen", "Hamburg", "Hessen",
    "Mecklenburg-Vorpommern", "Niedersachsen", "Nordrhein-Westfalen", "Rheinland-Pfalz",
    "Saarland", "Sachsen", "Sachsen-Anhalt", "Schleswig-Holstein", "Thüringen",
}  # fmt: skip


def test_every_bundesland_has_its_german_name() -> None:
    codes = [f"DE.{n:02d}" for n in range(1, 17)]
    assert {region_name(code, "de") for code in codes} == BUNDESLAENDER
    assert region_name("DE.07", "de") == "Nordrhein-Westfalen"
    assert region_name("DE.07", "en") == "North Rhine-Westphalia"
    assert region_name("GB.ENG", "de") == "England"  # no German name: GeoNames' own


def test_every_region_of_the_gazetteer_has_a_name() -> None:
    """The regions of the shipped gazetteer's cities: all but the few codes GeoNames
    has since renumbered are named; an unknown code stays itself."""
    places = gazetteer()
    codes = {p.region for c in places._countries for p in places._places_of(c) if p.region}
    unnamed = {code for code in codes if region_name(code) == code}
    assert len(unnamed) < 0.02 * len(codes), sorted(unnamed)
    assert region_name("XX.99") == "XX.99"


def test_region_by_country_table_names_the_bundeslaender_and_marks_domestic_pairs() -> None:
    cities = (
        City("muenchen", "München", "DE", ("s",), region="DE.02"),
        City("koeln", "Köln", "DE", ("s",), region="DE.07"),
        City("verona", "Verona", "IT", ("s",), region="IT.20"),
        City("turin", "Turin", "IT", ("s",), region="IT.12"),
    )
    partnerships = (
        Partnership(("muenchen", "verona"), "partnership", ("s",)),
        Partnership(("koeln", "turin"), "partnership", ("s",)),
        Partnership(("koeln", "muenchen"), "friendship", ("s",)),
    )
    data = Dataset(cities=cities, partnerships=partnerships)
    result = statistics_object(statistics(data, ["partnership"], country="DE"))
    rows = {(r["region_name"], r["partner_country"]) for r in result["region_country"]}
    assert rows == {("Bavaria", "IT"), ("North Rhine-Westphalia", "IT")}
    assert all(r["country"] == "DE" for r in result["region_country"])
    every = statistics_object(statistics(data, country="DE"))
    domestic = [r for r in every["region_country"] if r["domestic"]]
    assert {(r["region"], r["partner_country"]) for r in domestic} == {
        ("DE.02", "DE"),
        ("DE.07", "DE"),
    }
    assert {(p["a"], p["b"], p["domestic"]) for p in every["country_pairs"]} == {
        ("DE", "DE", True),
        ("DE", "IT", False),
    }


def test_german_session_shows_bundeslaender_in_the_table() -> None:
    from citynet.i18n import install

    install("de")
    cities = (
        City("muenchen", "München", "DE", ("s",), region="DE.02"),
        City("verona", "Verona", "IT", ("s",), region="IT.20"),
    )
    data = Dataset(
        cities=cities, partnerships=(Partnership(("muenchen", "verona"), "partnership", ("s",)),)
    )
    listing = stats_listings(statistics(data, country="DE"), None)["region_country"]
    assert [row["region_name"] for row in listing.rows] == ["Bayern"]
    assert [row["region"] for row in listing.rows] == ["DE.02"]


def test_real_data_counts_each_bundesland_by_partner_country() -> None:
    """After the Wikidata import, German cities carry their Bundesland: the table for
    DE names all sixteen, and its counts add up to the pairs counted here."""
    folder = shared("data", "wikidata-twin-cities")
    data, _ = import_tables(store.load(shipped_path()), folder / "nodes.tsv", folder / "links.tsv")
    rows = statistics_object(statistics(data, country="DE"))["region_country"]
    from citynet.i18n import install

    install("de")
    names = {region_name(r["region"]) for r in rows}
    assert names == BUNDESLAENDER
    expected: dict[tuple[str, str], int] = {}
    pairs = {p.cities for p in data.partnerships}
    for pair in pairs:
        for here, there in (pair, pair[::-1]):
            city = data.city_by_id[here]
            if city.country == "DE" and city.region:
                key = (city.region, data.city_by_id[there].country)
                expected[key] = expected.get(key, 0) + 1
    assert {(r["region"], r["partner_country"]): r["partnerships"] for r in rows} == expected
    # The same counts as the RGRE's cross table, Bundesland × partner country.
    matrix = statistics_object(statistics(data, country="DE"))["region_matrix"]
    assert [region_name(r) for r in matrix["regions"]] == matrix["region_names"]
    cells = {
        (region, country): n
        for region, counts in zip(matrix["regions"], matrix["partnerships"], strict=True)
        for country, n in zip(matrix["countries"], counts, strict=True)
        if n
    }
    assert cells == expected

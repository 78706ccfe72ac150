"""Names and sources on the shipped data plus the three real imports (issue 16 §3, §7).

Reads ../shared/data (skipped with the reason when it is absent, failing under CI=true):
the Wikidata twin-city tables, the Eurocities member list and ClimActor (licensed for
non-commercial use, must cite: read here as test input, never copied).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from conftest import shared

from citynet import store
from citynet.citing import SourceInfo
from citynet.errors import NameNote, NotFoundError
from citynet.members import import_members
from citynet.model import City, Dataset
from citynet.names import lookup
from citynet.query import citation
from citynet.wikidata import import_tables

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "networks.toml"
CLIMATE_COLUMNS = {"C40Cities2019": "c40", "EUCovenantofMayors2019": "covenant-of-mayors"}


@pytest.fixture(scope="module")
def real() -> Dataset:
    """The shipped dataset after the three imports, as the README runs them."""
    twins = shared("data", "wikidata-twin-cities")
    data, _ = import_tables(store.load(SHIPPED), twins / "nodes.tsv", twins / "links.tsv")
    eurocities = shared("data", "eurocities-members", "members-wikidata-enriched.json")
    data, _ = import_members(data, eurocities, network="eurocities")
    climactor = shared("data", "climactor", "climactor-initcols-2020-09.csv")
    data, _ = import_members(data, climactor, columns=CLIMATE_COLUMNS)
    return data


def taken(data: Dataset, name: str) -> tuple[str, str]:
    """The id a typed city name gives, and the note that came with it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NameNote)
        found = lookup(data, name, City)
    return found.id, " ".join(str(w.message) for w in caught)


def test_st_petersburg_is_the_russian_city_with_a_word_about_florida(real: Dataset) -> None:
    found, note = taken(real, "St. Petersburg")
    assert found == "saint-petersburg"
    florida = next(c for c in real.cities if c.name == "St. Petersburg" and c.country == "US")
    assert florida.id != "st-petersburg"  # the bare slug is not the obscure namesake's
    assert florida.id in note
    assert taken(real, florida.id) == (florida.id, "")


def test_guadalajara_is_the_mexican_city_with_a_word_about_the_spanish_one(
    real: Dataset,
) -> None:
    found, note = taken(real, "Guadalajara")
    assert real.city_by_id[found].country == "MX"
    spanish = [c.id for c in real.cities if c.name == "Guadalajara" and c.country == "ES"]
    assert spanish and all(i in note for i in spanish)


def test_springfield_lists_its_candidates_with_country_region_and_population(
    real: Dataset,
) -> None:
    with pytest.raises(NotFoundError) as caught:
        lookup(real, "Springfield", City)
    assert len(caught.value.candidates) >= 3
    assert all(", US, US." in c and "inhabitants" in c for c in caught.value.candidates)


def test_an_import_of_climactor_cites_hsu_et_al_under_its_licence(real: Dataset) -> None:
    source = real.source_by_id["import-climactor-initcols-2020-09"]
    assert source.citation.startswith("Hsu, A., Yeo, Z.Y., Rauber, R. et al.")
    assert "Sci Data 7, 374 (2020)" in source.citation
    assert source.licence.startswith("non-commercial use only")
    assert source.retrieved  # the day of the import
    assert "non-commercial" in citation(source) and source.citation in citation(source)


def test_the_eurocities_list_names_its_publisher_and_date(real: Dataset) -> None:
    source = real.source_by_id["import-members-wikidata-enriched"]
    assert "c-riq/city-vote" in source.publisher and source.date == "2025-05-18"
    assert source.licence == "none stated"


def test_what_an_import_is_told_about_its_source_wins_over_the_defaults() -> None:
    climactor = shared("data", "climactor", "climactor-initcols-2020-09.csv")
    given = SourceInfo(id="climactor", licence="CC BY-NC 4.0", retrieved="2026-11-30")
    data, _ = import_members(
        store.load(SHIPPED), climactor, columns={"C40Cities2019": "c40"}, source=given
    )
    source = data.source_by_id["climactor"]
    assert (source.licence, source.retrieved) == ("CC BY-NC 4.0", "2026-11-30")
    assert source.citation.startswith("Hsu, A.")  # the default for what was not given

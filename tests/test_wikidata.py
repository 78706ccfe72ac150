"""The Wikidata twin-city importer: reading both table layouts, and merging into a dataset."""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

import pytest
from conftest import shared
from hypothesis import given
from hypothesis import strategies as st
from msgspec.structs import replace

from citynet import store
from citynet.errors import DataError
from citynet.model import ID_PATTERN, YEAR_RANGE, City, Dataset, Partnership, Source
from citynet.names import slug
from citynet.wikidata import (
    SOURCE_ID,
    CityRow,
    import_tables,
    merge,
    read_cities,
    read_links,
)

MINI = Path(__file__).parent / "fixtures" / "mini.toml"

CITY_HEADER = ["id", "name", "lng", "lat", "country", "countrycd", "continent"]
LINK_HEADER = ["source", "target"]

# The test cities table; the line of a row in the file is its index + 2.
CITIES: list[list[str]] = [
    ["Q64", "Berlin", "13.383333333", "52.516666666", "Germany", "DE", "Europe"],  # 2
    ["Q3935", "Windhoek", "17.083611111", "-22.57", "Namibia", "NA", "Africa"],  # 3
    ["Q140631", "Tainan", "120.183333333", "22.983333333", "Taiwan", "CN-TW", "Asia"],  # 4
    ["Q506599", "Munster, Lower Saxony", "10.091111111", "52.988611", "Germany", "DE", "Europe"],
    ["Q990122", "Fada N’Gourma", "0.366666666", "12.05", "Burkina Faso", "BF", "Africa"],  # 6
    ["Q956", "北京", "116.407526", "39.90403", "China", "CN", "Asia"],  # 7
    ["Q1489", "Mexico City", "-99.145555555", "", "Mexico", "MX", "North America"],  # 8
    ["Q270", "Warsaw", "21.011111111", "52.23", "Poland", "PL", "Europe"],  # 9
    ["Q830149", "Paris", "-95.55", "33.66", "United States of America", "US", "North America"],
    ["Q12x", "Badqid", "1", "1", "Nowhere", "DE", "Europe"],  # 11: not a QID
    ["Q5", "Short row"],  # 12: two cells
    ["Q6", "Northtown", "10", "north", "Germany", "DE", "Europe"],  # 13: lat not a number
    ["Q7", "Longcode", "10", "50", "Germany", "DEU", "Europe"],  # 14: three letters
    ["Q8", "Polar", "10", "95", "Norway", "NO", "Europe"],  # 15: lat out of range
    ["Q90", "Paris", "2.351388888", "48.856944444", "France", "FR", "Europe"],  # 16
    ["Q365", "Cologne", "6.956944444", "50.938055555", "Germany", "DE", "Europe"],  # 17
]
LINKS: list[list[str]] = [
    ["Q64", "Q3935"],  # 2: berlin–windhuk, already in mini.toml
    ["Q64", "Q90"],  # 3: berlin–paris, already in mini.toml
    ["Q270", "Q64"],  # 4: new
    ["Q64", "Q270"],  # 5: the same, reversed
    ["Q270", "Q64"],  # 6: the same again
    ["Q140631", "Q999999"],  # 7: not in the cities table
    ["Q64", "Q64"],  # 8: a city with itself
    ["Q506599", "Q990122"],  # 9: new
    ["Q956", "Q64"],  # 10: new
    ["Q12x", "Q64"],  # 11: not a QID
    ["Q1489", "Q830149"],  # 12: new
    ["Q140631", "Q365"],  # 13: new
    ["Q3935", "Q90"],  # 14: new
]


def write_table(path: Path, header: list[str], rows: list[list[str]], layout: str) -> Path:
    """Write a table as the bothness TSV (not quoted) or the TidyTuesday CSV (quoted)."""
    if layout == "tsv":
        text = "".join("\t".join(cells) + "\n" for cells in [header, *rows])
        path.write_text(text, encoding="utf-8")
    else:
        with path.open("w", encoding="utf-8", newline="") as stream:
            csv.writer(stream).writerows([header, *rows])
    return path


def write_pair(
    folder: Path, layout: str, cities_name: str = "", links_name: str = ""
) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    cities = folder / (cities_name or f"cities.{layout}")
    links = folder / (links_name or f"links.{layout}")
    return (
        write_table(cities, CITY_HEADER, CITIES, layout),
        write_table(links, LINK_HEADER, LINKS, layout),
    )


def mini() -> Dataset:
    return store.load(MINI)


def by_qid(rows: list[CityRow]) -> dict[str, CityRow]:
    return {row.qid: row for row in rows}


def city_of(dataset: Dataset, qid: str) -> City:
    (found,) = [c for c in dataset.cities if c.wikidata == qid]
    return found


def pairs(dataset: Dataset, kind: str = "twinning") -> set[frozenset[str]]:
    return {frozenset(p.cities) for p in dataset.partnerships if p.kind == kind}


def roundtrip(dataset: Dataset) -> Dataset:
    """The dataset written as TOML and read back: runs every check of the loader."""
    return store.parse(store.dumps(dataset))


# --- reading -------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["tsv", "csv"])
def test_reads_the_rows_as_the_data_means_them(tmp_path: Path, layout: str) -> None:
    cities_path, _ = write_pair(tmp_path, layout)
    rows, _ = read_cities(cities_path)
    row = by_qid(rows)
    assert row["Q3935"].country == "NA"  # Namibia, not missing
    assert row["Q140631"].country == "TW"  # CN-TW
    assert row["Q140631"].country_name == "Taiwan"
    assert row["Q506599"].name == "Munster, Lower Saxony"
    assert row["Q990122"].name == "Fada N’Gourma"
    assert row["Q956"].name == "北京"
    assert row["Q1489"].lat is None and row["Q1489"].lng == pytest.approx(-99.145555555)
    assert row["Q64"] == CityRow(
        qid="Q64",
        name="Berlin",
        lng=13.383333333,
        lat=52.516666666,
        country_name="Germany",
        country="DE",
        continent="Europe",
        line=2,
    )


def test_tsv_and_csv_layouts_read_alike(tmp_path: Path) -> None:
    tsv = write_pair(tmp_path / "tsv", "tsv")
    csv_ = write_pair(tmp_path / "csv", "csv")
    assert read_cities(tsv[0])[0] == read_cities(csv_[0])[0]
    assert read_links(tsv[1])[0] == read_links(csv_[1])[0]
    reasons = [r.reason for r in read_cities(tsv[0])[1]]
    assert reasons == [r.reason for r in read_cities(csv_[0])[1]]


def test_malformed_city_rows_are_rejected_with_line_and_reason(tmp_path: Path) -> None:
    cities_path, _ = write_pair(tmp_path, "csv")
    rows, rejected = read_cities(cities_path)
    assert {row.qid for row in rows} == {
        "Q64",
        "Q3935",
        "Q140631",
        "Q506599",
        "Q990122",
        "Q956",
        "Q1489",
        "Q270",
        "Q830149",
        "Q90",
        "Q365",
    }
    assert [(r.file, r.line) for r in rejected] == [(str(cities_path), n) for n in range(11, 16)]
    reasons = [r.reason for r in rejected]
    assert "'Q12x' is not a Wikidata QID" in reasons[0]
    assert reasons[1] == "expected 7 cells, got 2"
    assert "lat 'north' is not a number" in reasons[2]
    assert "'DEU' is not two letters" in reasons[3]
    assert "lat 95 is outside -90..90" in reasons[4]


def test_a_repeated_qid_in_the_cities_table_is_rejected(tmp_path: Path) -> None:
    path = write_table(tmp_path / "c.tsv", CITY_HEADER, [CITIES[0], CITIES[1], CITIES[0]], "tsv")
    rows, rejected = read_cities(path)
    assert [row.qid for row in rows] == ["Q64", "Q3935"]
    assert [(r.line, r.reason) for r in rejected] == [(4, "Q64 is already on line 2")]


def test_missing_name_or_country_code_is_rejected(tmp_path: Path) -> None:
    rows = [
        ["Q1", "", "1", "1", "X", "DE", "Europe"],
        ["Q2", "Nocode", "1", "1", "X", "", "Europe"],
        ["Q3", "Fine", "", "", "", "de", ""],
    ]
    found, rejected = read_cities(write_table(tmp_path / "c.csv", CITY_HEADER, rows, "csv"))
    assert [r.line for r in rejected] == [2, 3]
    assert "no name" in rejected[0].reason and "no country code" in rejected[1].reason
    assert [(c.qid, c.country, c.lat, c.lng) for c in found] == [("Q3", "DE", None, None)]


def test_links_reject_self_links_and_bad_qids_when_read(tmp_path: Path) -> None:
    _, links_path = write_pair(tmp_path, "tsv")
    links, rejected = read_links(links_path)
    assert [line for _, _, line in links] == [2, 3, 4, 5, 6, 7, 9, 10, 12, 13, 14]
    assert links[0] == ("Q64", "Q3935", 2)
    assert [(r.line, r.reason) for r in rejected] == [
        (8, "Q64 is linked to itself"),
        (11, "'Q12x' is not a Wikidata QID like 'Q64'"),
    ]


@pytest.mark.parametrize("layout", ["tsv", "csv"])
def test_layout_is_sniffed_from_the_content_not_the_file_name(tmp_path: Path, layout: str) -> None:
    other = "csv" if layout == "tsv" else "tsv"
    named = write_pair(tmp_path / "named", layout)
    # TSV content in a file named .csv, and the other way round
    misnamed = write_pair(tmp_path / "misnamed", layout, f"cities.{other}", f"links.{other}")
    assert read_cities(misnamed[0])[0] == read_cities(named[0])[0]
    assert read_links(misnamed[1])[0] == read_links(named[1])[0]
    assert len(read_cities(misnamed[0])[0]) == 11


def test_quotes_in_an_unquoted_tsv_name_are_kept(tmp_path: Path) -> None:
    rows = [
        ["Q77", '"Old" Town', "1", "2", "US", "US", "North America"],
        ["Q78", '"Unclosed Town', "1", "2", "US", "US", "North America"],
        ["Q79", 'Fort "Next"', "1", "2", "US", "US", "North America"],
    ]
    path = write_table(tmp_path / "nodes.tsv", CITY_HEADER, rows, "tsv")
    found, rejected = read_cities(path)
    assert rejected == []
    assert [row.name for row in found] == ['"Old" Town', '"Unclosed Town', 'Fort "Next"']
    assert [row.line for row in found] == [2, 3, 4]


def test_bom_crlf_column_order_and_extra_columns_are_handled(tmp_path: Path) -> None:
    header = ["countrycd", "lat", "extra", "name", "id", "lng", "continent", "country"]
    text = (
        "\ufeff"
        + ",".join(header)
        + "\r\n"
        + 'NA,-22.57,x,"Windhoek, capital",Q3935,17.08,Africa,Namibia\r\n'
        + "\r\n"  # a blank line is skipped
        + "TW,22.98,y,Tainan,Q140631,120.18,Asia,Taiwan\r\n"
    )
    path = tmp_path / "cities.txt"
    path.write_bytes(text.encode("utf-8"))
    rows, rejected = read_cities(path)
    assert rejected == []
    assert [(r.qid, r.name, r.country, r.lat, r.lng, r.line) for r in rows] == [
        ("Q3935", "Windhoek, capital", "NA", -22.57, 17.08, 2),
        ("Q140631", "Tainan", "TW", 22.98, 120.18, 4),
    ]


def test_only_the_seven_columns_but_country_name_and_continent_are_required(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.csv"
    path.write_text("id,name,lat,lng,countrycd\nQ64,Berlin,52.5,13.4,DE\n", encoding="utf-8")
    rows, _ = read_cities(path)
    assert rows[0].country_name == "" and rows[0].continent == "" and rows[0].country == "DE"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        ("folder", "is a folder"),
        (b"id,name\xff\xfe\n", "not UTF-8"),
        (b"", "empty file"),
        (b"\nid,name\n", "the first line is empty"),
        (
            b"id|name|lng|lat|country|countrycd|continent\n",
            "missing columns 'id', 'name', 'lng', 'lat', 'countrycd'; "
            "the file has columns 'id|name|lng|lat|country|countrycd|continent'",
        ),
        (
            b"id\tname\tlng\tlat\tcountry\tcontinent\n",
            "missing column 'countrycd'; the file has columns "
            "'id', 'name', 'lng', 'lat', 'country', 'continent'",
        ),
        (b"id,name,id,lat,lng,countrycd\n", "column 'id' appears twice"),
    ],
)
def test_unreadable_cities_files_raise_data_error_naming_the_file(
    tmp_path: Path, content: bytes | str | None, expected: str
) -> None:
    path = tmp_path / "cities.csv"
    if content == "folder":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(DataError) as caught:
        read_cities(path)
    (problem,) = caught.value.problems
    assert problem.file == str(path)
    assert expected in problem.message
    assert str(path) in str(caught.value)


def test_a_links_file_without_its_columns_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "links.tsv"
    path.write_text("from\tto\nQ1\tQ2\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"missing columns 'source', 'target'.*'from', 'to'"):
        read_links(path)


# --- merging -------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["tsv", "csv"])
def test_merge_into_the_mini_dataset_counts_what_it_did(tmp_path: Path, layout: str) -> None:
    cities_path, links_path = write_pair(tmp_path, layout)
    result, report = import_tables(mini(), cities_path, links_path)
    assert report.cities_matched == 4  # Berlin, Windhoek, Paris and Cologne by name
    assert report.cities_added == 7
    assert report.links_added == 6
    assert report.duplicates_skipped == 4  # two already in mini.toml, one reversed, one repeated
    assert [(Path(r.file).name, r.line) for r in report.rejected] == [
        (f"cities.{layout}", n) for n in range(11, 16)
    ] + [(f"links.{layout}", 7), (f"links.{layout}", 8), (f"links.{layout}", 11)]
    assert "Q999999 is not in the cities table" in report.rejected[5].reason
    assert len(result.cities) == 4 + 7
    assert len(pairs(result)) == 6  # imported links are twinnings of unknown kind
    assert pairs(result, "partnership") == pairs(mini(), "partnership")  # formal ones unchanged
    roundtrip(result)


def test_new_cities_get_slug_ids_and_their_data(tmp_path: Path) -> None:
    result, _ = import_tables(mini(), *write_pair(tmp_path, "csv"))
    new = {c.wikidata: c for c in result.cities if SOURCE_ID in c.sources}
    assert new["Q506599"].id == "munster-lower-saxony"
    assert new["Q506599"].name == new["Q506599"].name_en == "Munster, Lower Saxony"
    assert new["Q990122"].id == "fada-ngourma"
    assert new["Q990122"].name == "Fada N’Gourma"
    assert new["Q956"].id == "q956"  # a name that folds to nothing
    assert new["Q956"].name == "北京"
    tainan = new["Q140631"]
    assert (tainan.id, tainan.name, tainan.name_en, tainan.country) == (
        "tainan",
        "Tainan",
        "Tainan",
        "TW",
    )
    assert (tainan.lat, tainan.lng) == (22.983333333, 120.183333333)
    # the gazetteer knows Tainan: region, population, GeoNames id, and its source
    assert tainan.geonames and tainan.region.startswith("TW.") and tainan.population
    assert tainan.sources == (SOURCE_ID, "geonames")
    # Paris in Texas is not Paris in France: a new city, its id made unique
    assert new["Q830149"].id == "paris-us"
    # an empty lat: the city is imported without coordinates
    assert (new["Q1489"].lat, new["Q1489"].lng) == (None, None)


def test_matched_cities_keep_their_record_and_gain_qid_and_coordinates(tmp_path: Path) -> None:
    result, _ = import_tables(mini(), *write_pair(tmp_path, "tsv"))
    windhuk = result.city_by_id["windhuk"]
    assert (windhuk.name, windhuk.name_en, windhuk.country) == ("Windhuk", "Windhoek", "NA")
    assert windhuk.wikidata == "Q3935"
    assert (windhuk.lat, windhuk.lng) == (-22.57, 17.083611111)
    assert windhuk.sources == ("doc-b", SOURCE_ID, "geonames")
    assert windhuk.geonames == "3352136" and windhuk.region == "NA.21"
    assert result.city_by_id["koeln"].wikidata == "Q365"  # "Cologne" is its name_en
    assert result.city_by_id["berlin"].wikidata == "Q64"
    assert result.city_by_id["paris"].wikidata == "Q90"


def test_match_by_name_and_country_warschau_is_warsaw(tmp_path: Path) -> None:
    doc = Source(id="doc", publisher="Stadt", title="Partnerschaften", language="de")
    warschau = City(
        id="warschau", name="Warschau", name_en="Warsaw", country="PL", sources=("doc",)
    )
    warsaw_in_us = City(id="warsaw-in", name="Warsaw", country="US", sources=("doc",))
    dataset = Dataset(sources=(doc,), cities=(warschau, warsaw_in_us))
    rows = [CityRow("Q270", "Warsaw", 21.0, 52.2, "Poland", "PL", "Europe", 2)]
    result, report = merge(dataset, rows, [])
    assert (report.cities_matched, report.cities_added) == (1, 0)
    matched = result.city_by_id["warschau"]
    assert (matched.name, matched.wikidata, matched.lat, matched.lng) == (
        "Warschau",
        "Q270",
        52.2,
        21.0,
    )
    assert matched.sources == ("doc", SOURCE_ID, "geonames")
    assert "Warszawa" in matched.aliases  # a name from the gazetteer
    assert result.city_by_id["warsaw-in"] == warsaw_in_us
    roundtrip(result)


def test_match_by_wikidata_id_wins_over_a_different_name(tmp_path: Path) -> None:
    doc = Source(id="doc", publisher="Stadt", title="T", language="de")
    bruessel = City(id="bruessel", name="Brüssel", country="BE", wikidata="Q239", sources=("doc",))
    mexiko = City(
        id="mexiko-stadt",
        name="Mexiko-Stadt",
        country="MX",
        wikidata="Q1489",
        lat=19.4,
        lng=-99.1,
        sources=("doc",),
    )
    dataset = Dataset(sources=(doc,), cities=(bruessel, mexiko))
    rows = [
        CityRow("Q239", "City of Brussels", 4.35, 50.85, "Belgium", "BE", "Europe", 2),
        CityRow("Q1489", "Mexico City", -99.2, 19.5, "Mexico", "MX", "North America", 3),
    ]
    links = [("Q239", "Q1489", 2)]
    result, report = merge(dataset, rows, links)
    assert (report.cities_matched, report.cities_added, report.links_added) == (2, 0, 1)
    assert result.city_by_id["bruessel"].lat == 50.85  # gained: it had none
    # had all the row gives: no new source but the gazetteer's
    assert result.city_by_id["mexiko-stadt"].sources == ("doc", "geonames")
    assert result.city_by_id["mexiko-stadt"].wikidata == "Q1489"
    assert pairs(result) == {frozenset({"bruessel", "mexiko-stadt"})}
    roundtrip(result)


def test_same_name_with_another_qid_is_another_city_with_a_unique_id() -> None:
    dataset = mini()
    berlin = replace(dataset.city_by_id["berlin"], wikidata="Q64")
    dataset = dataset.replace(
        cities=tuple(berlin if c.id == "berlin" else c for c in dataset.cities)
    )
    rows = [
        CityRow("Q64", "Berlin", None, None, "", "DE", "", 2),
        CityRow("Q821244", "Berlin", None, None, "", "DE", "", 3),  # another Berlin
        CityRow("Q821245", "Berlin", None, None, "", "DE", "", 4),  # and another
        CityRow("Q614184", "Berlin", None, None, "", "US", "", 5),
        CityRow("Q1", "Klima-Bündnis", None, None, "", "DE", "", 6),  # a network's id
        CityRow("Q2", "Eurocities", None, None, "", "FR", "", 7),
    ]
    result, report = merge(dataset, rows, [])
    assert (report.cities_matched, report.cities_added) == (1, 5)
    ids = {c.wikidata: c.id for c in result.cities}
    assert ids["Q64"] == "berlin"
    # two more Berlins in Germany, no region known: the Wikidata id tells them apart
    assert ids["Q821244"] == "berlin-de-q821244"
    assert ids["Q821245"] == "berlin-de-q821245"
    assert ids["Q614184"] == "berlin-us"
    assert ids["Q1"] == "klima-buendnis-de"
    assert ids["Q2"] == "eurocities-fr"
    roundtrip(result)


def test_ambiguous_name_matches_are_rejected_with_their_links() -> None:
    doc = Source(id="doc", publisher="Stadt", title="T", language="de")
    cities = (
        City(id="frankfurt", name="Frankfurt", country="DE", sources=("doc",)),
        City(id="neustadt-a", name="Neustadt", country="DE", sources=("doc",)),
        City(
            id="neustadt-b",
            name="Neustadt b. C.",
            aliases=("Neustadt",),
            country="DE",
            sources=("doc",),
        ),
        City(id="rom", name="Rom", name_en="Rome", country="IT", sources=("doc",)),
    )
    dataset = Dataset(sources=(doc,), cities=cities)
    rows = [
        CityRow("Q1794", "Frankfurt", None, None, "", "DE", "", 2),
        CityRow("Q4024", "Frankfurt", None, None, "", "DE", "", 3),  # which Frankfurt?
        CityRow("Q9", "Neustadt", None, None, "", "DE", "", 4),  # which Neustadt?
        CityRow("Q220", "Rome", None, None, "", "IT", "", 5),
    ]
    links = [("Q1794", "Q220", 7), ("Q9", "Q220", 8)]
    result, report = merge(dataset, rows, links, cities_file="c.tsv", links_file="l.tsv")
    assert (report.cities_matched, report.cities_added, report.links_added) == (1, 0, 0)
    assert [(r.file, r.line) for r in report.rejected] == [
        ("c.tsv", 4),
        ("c.tsv", 2),
        ("c.tsv", 3),
        ("l.tsv", 7),
        ("l.tsv", 8),
    ]
    assert "fits several cities: neustadt-a, neustadt-b" in report.rejected[0].reason
    assert "several rows (Q1794, Q4024) fit the city 'frankfurt'" in report.rejected[1].reason
    assert report.rejected[3].reason.startswith("Q1794 was not imported (")
    assert result.city_by_id["frankfurt"].wikidata == ""
    assert result.city_by_id["rom"].wikidata == "Q220"


def test_duplicate_and_reversed_links_make_one_partnership() -> None:
    rows = [
        CityRow("Q1", "Aa", None, None, "", "DE", "", 2),
        CityRow("Q2", "Bb", None, None, "", "FR", "", 3),
    ]
    links = [("Q1", "Q2", 2), ("Q2", "Q1", 3), ("Q1", "Q2", 4)]
    result, report = merge(Dataset(), rows, links)
    assert (report.links_added, report.duplicates_skipped) == (1, 2)
    assert result.partnerships == (
        Partnership(cities=("aa", "bb"), kind="twinning", sources=(SOURCE_ID,)),
    )


def test_a_documented_relation_keeps_its_kind_and_gains_the_source() -> None:
    dataset = mini()  # berlin–paris: partnership and exchange; berlin–windhuk: partnership
    dataset = dataset.replace(
        partnerships=tuple(p for p in dataset.partnerships if p.kind != "partnership"),
    )
    rows = [
        CityRow("Q64", "Berlin", None, None, "", "DE", "", 2),
        CityRow("Q90", "Paris", None, None, "", "FR", "", 3),
    ]
    result, report = merge(dataset, rows, [("Q90", "Q64", 2)])
    assert (report.links_added, report.duplicates_skipped, report.relations_confirmed) == (0, 1, 1)
    assert pairs(result) == set()  # no twinning next to the documented exchange
    (exchange,) = [p for p in result.partnerships if p.kind == "exchange"]
    assert exchange.sources[-1] == SOURCE_ID
    again, second = merge(result, rows, [("Q90", "Q64", 2)])
    assert again is result and second.relations_confirmed == 0
    roundtrip(result)


def test_the_most_formal_relation_of_a_pair_gains_the_source() -> None:
    rows = [
        CityRow("Q64", "Berlin", None, None, "", "DE", "", 2),
        CityRow("Q90", "Paris", None, None, "", "FR", "", 3),
    ]
    result, _ = merge(mini(), rows, [("Q64", "Q90", 2)])
    kinds = {p.kind: p.sources for p in result.partnerships if set(p.cities) == {"berlin", "paris"}}
    assert SOURCE_ID in kinds["partnership"] and SOURCE_ID not in kinds["exchange"]


def test_two_rows_of_one_city_cannot_be_partnered() -> None:
    dataset = mini()
    rows = [
        CityRow("Q64", "Berlin", None, None, "", "DE", "", 2),
        CityRow("Q64", "Berlin", None, None, "", "DE", "", 3),  # given twice to merge
    ]
    result, report = merge(dataset, rows, [("Q64", "Q64", 2)])
    assert report.cities_matched == 1
    assert [r.line for r in report.rejected] == [3, 2]
    assert report.rejected[0].reason == "Q64 is already on line 2"
    assert report.rejected[1].reason == "Q64 and Q64 are both the city 'berlin'"
    assert len(result.partnerships) == len(dataset.partnerships)


@pytest.mark.parametrize("layout", ["tsv", "csv"])
def test_a_second_merge_of_the_same_tables_adds_nothing(tmp_path: Path, layout: str) -> None:
    cities_path, links_path = write_pair(tmp_path, layout)
    first, _ = import_tables(mini(), cities_path, links_path)
    reread = roundtrip(first)
    second, report = import_tables(reread, cities_path, links_path)
    assert (report.cities_added, report.links_added) == (0, 0)
    assert report.cities_matched == 11
    assert report.duplicates_skipped == 10
    assert second is reread
    assert store.dumps(second) == store.dumps(first)


def test_the_source_record_is_added_once_and_cited() -> None:
    rows = [
        CityRow("Q1", "Aa", None, None, "", "DE", "", 2),
        CityRow("Q2", "Bb", None, None, "", "FR", "", 3),
    ]
    result, _ = merge(mini(), rows, [("Q1", "Q2", 2)])
    source = result.source_by_id[SOURCE_ID]
    assert source.publisher == "Wikidata (via bothness/twin-cities, TidyTuesday 2026-05-12)"
    assert source.title == "Twinned administrative body (P190)"
    assert source.language == "en"
    assert source.licence.startswith("CC0")
    assert [s.id for s in result.sources].count(SOURCE_ID) == 1
    again, _ = merge(result, [*rows, CityRow("Q3", "Cc", None, None, "", "IT", "", 4)], [])
    assert [s.id for s in again.sources].count(SOURCE_ID) == 1
    custom, _ = merge(mini(), rows, [("Q1", "Q2", 2)], source_id="wd-2026")
    assert {s.id for s in custom.sources} >= {"wd-2026"} and SOURCE_ID not in custom.source_by_id
    assert all(c.sources == ("wd-2026",) for c in custom.cities if c.wikidata)
    assert custom.partnerships[-1].sources == ("wd-2026",)
    roundtrip(custom)


def test_nothing_to_add_leaves_the_dataset_as_it_was() -> None:
    dataset = mini()
    rows = [CityRow("Q1", "Köln", None, None, "", "DE", "", 2)]  # gains only its QID
    result, _ = merge(dataset, rows, [])
    unchanged, report = merge(result, rows, [])
    assert unchanged is result
    assert report.cities_matched == 1
    nothing, _ = merge(dataset, [], [])
    assert nothing is dataset and SOURCE_ID not in nothing.source_by_id


def test_progress_is_reported_in_steps_that_add_up() -> None:
    rows = [CityRow(f"Q{i}", f"Town {i}", None, None, "", "DE", "", i) for i in range(1, 1235)]
    links = [(f"Q{i}", f"Q{i + 1}", i) for i in range(1, 1234)]
    calls: list[int] = []
    merge(Dataset(), rows, links, progress=calls.append)
    assert sum(calls) == len(rows) + len(links)
    assert calls == [500] * 4 + [467]


@given(st.text())
def test_slugs_are_valid_ids_or_empty(name: str) -> None:
    result = slug(name)
    assert result == "" or re.fullmatch(ID_PATTERN, result)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Munster, Lower Saxony", "munster-lower-saxony"),
        ("Fada N’Gourma", "fada-ngourma"),
        ("Düsseldorf", "duesseldorf"),
        ("Dessau-Roßlau", "dessau-rosslau"),
        ("České Budějovice", "ceske-budejovice"),
        ("İzmir", "izmir"),
        ("Łomża", "lomza"),
        ("北京", ""),
        ("Москва", ""),
    ],
)
def test_slug_transliterates_latin_names(name: str, expected: str) -> None:
    assert slug(name) == expected


# --- real data -------------------------------------------------------------------


def test_the_real_sample_reads_and_merges_alike_in_both_layouts() -> None:
    SAMPLE = shared("samples", "twin-cities")
    tsv_cities, tsv_rejected = read_cities(SAMPLE / "nodes.tsv")
    csv_cities, csv_rejected = read_cities(SAMPLE / "cities.csv")
    assert tsv_cities == csv_cities and len(tsv_cities) == 36
    assert tsv_rejected == csv_rejected == []
    row = by_qid(tsv_cities)
    assert (row["Q3935"].name, row["Q3935"].country) == ("Windhoek", "NA")
    assert row["Q140631"].country == row["Q181557"].country == "TW"
    assert row["Q506599"].name == "Munster, Lower Saxony"
    assert row["Q990122"].name == "Fada N’Gourma"

    from_tsv, tsv_report = import_tables(mini(), SAMPLE / "nodes.tsv", SAMPLE / "links.tsv")
    from_csv, csv_report = import_tables(mini(), SAMPLE / "cities.csv", SAMPLE / "links.csv")
    assert store.dumps(from_tsv) == store.dumps(from_csv)
    counts = (
        tsv_report.cities_added,
        tsv_report.cities_matched,
        tsv_report.links_added,
        tsv_report.duplicates_skipped,
    )
    assert counts == (
        csv_report.cities_added,
        csv_report.cities_matched,
        csv_report.links_added,
        csv_report.duplicates_skipped,
    )
    assert counts == (34, 2, 90, 1)  # Berlin and Windhoek matched; berlin–windhuk known
    assert tsv_report.rejected == csv_report.rejected == []
    assert city_of(from_tsv, "Q3935").id == "windhuk"
    assert city_of(from_tsv, "Q990122").id == "fada-ngourma"
    roundtrip(from_tsv)


# --- the real size -----------------------------------------------------------------


def generated_tables(seed: int) -> tuple[list[list[str]], list[list[str]]]:
    """5,500 cities and 10,600 links: Berlin and Windhoek (in mini.toml), 5,498 made-up
    towns whose names repeat (same and other countries), 10,000 distinct pairs of which
    one (berlin–windhuk) is known, and 600 repeats, half of them reversed."""
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "ve", "zu", "hal"]
    countries = ["DE", "FR", "PL", "US", "JP", "NA", "CN-TW", "BR"]
    cities = [CITIES[0], CITIES[1]]  # Q64 Berlin, Q3935 Windhoek
    for number in range(5_498):
        words = [
            "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3)))
            for _ in range(rng.randint(1, 2))
        ]
        name = " ".join(words).title()
        point = rng.random() < 0.97
        lat = f"{rng.uniform(-90, 90):.6f}" if point else ""
        lng = f"{rng.uniform(-180, 180):.6f}" if point else ""
        cities.append(
            [f"Q{100_000 + number}", name, lng, lat, "Land", rng.choice(countries), "Earth"]
        )
    qids = [row[0] for row in cities]
    seen = {frozenset({"Q64", "Q3935"})}
    links = [["Q3935", "Q64"]]
    while len(links) < 10_000:
        a, b = rng.sample(qids, 2)
        if frozenset({a, b}) not in seen:
            seen.add(frozenset({a, b}))
            links.append([a, b])
    repeats = [list(link) for link in rng.sample(links, 300)]
    reversed_ = [link[::-1] for link in rng.sample(links, 300)]
    links += repeats + reversed_
    rng.shuffle(links)
    return cities, links


def test_tables_of_the_real_size_merge_completely(tmp_path: Path) -> None:
    city_rows, link_rows = generated_tables(seed=20260512)
    assert (len(city_rows), len(link_rows)) == (5_500, 10_600)
    cities_path = write_table(tmp_path / "cities.csv", CITY_HEADER, city_rows, "csv")
    links_path = write_table(tmp_path / "links.tsv", LINK_HEADER, link_rows, "tsv")
    calls: list[int] = []
    result, report = import_tables(mini(), cities_path, links_path, progress=calls.append)
    assert report.rejected == []
    assert (report.cities_matched, report.cities_added) == (2, 5_498)
    assert (report.links_added, report.duplicates_skipped) == (9_999, 601)
    assert sum(calls) == 16_100
    reread = roundtrip(result)  # unique, valid ids; every reference resolves
    assert len(reread.cities) == 4 + 5_498
    assert len(pairs(reread)) == 9_999
    assert len({c.id for c in reread.cities}) == len(reread.cities)
    again, second = import_tables(reread, cities_path, links_path)
    assert (second.cities_added, second.links_added, second.cities_matched) == (0, 0, 5_500)
    assert again is reread


def test_networks_and_memberships_are_untouched(tmp_path: Path) -> None:
    dataset = mini()
    result, _ = import_tables(dataset, *write_pair(tmp_path, "tsv"))
    assert result.networks == dataset.networks
    assert result.memberships == dataset.memberships


def test_partnerships_of_an_earlier_import_become_twinnings() -> None:
    # citynet 0.1 imported every P190 link as a formal partnership
    dataset = mini()
    old = Partnership(cities=("koeln", "windhuk"), kind="partnership", sources=(SOURCE_ID,))
    dataset = dataset.replace(
        sources=(*dataset.sources, Source(id=SOURCE_ID, publisher="W", title="P", language="en")),
        partnerships=(*dataset.partnerships, old),
    )
    result, report = merge(dataset, [], [])
    assert report.retyped == 1
    assert pairs(result) == {frozenset({"koeln", "windhuk"})}
    assert pairs(result, "partnership") == pairs(mini(), "partnership")
    reread = roundtrip(result)
    again, second = merge(reread, [], [])
    assert again is reread and second.retyped == 0


# --- years --------------------------------------------------------------------------


def test_a_links_table_with_years_gives_them_to_the_relations(tmp_path: Path) -> None:
    cities = write_table(tmp_path / "cities.tsv", CITY_HEADER, CITIES, "tsv")
    links = write_table(
        tmp_path / "links.tsv",
        ["source", "target", "since", "until"],
        [
            ["Q64", "Q3935", "2000", ""],  # berlin–windhuk, documented without a year
            ["Q64", "Q90", "+1987-01-01T00:00:00Z", ""],  # berlin–paris, as Wikidata dates it
            ["Q90", "Q64", "1988", ""],  # the other side says later: the earliest counts
            ["Q270", "Q64", "1991", "2030"],  # new: a twinning with its years
            ["Q64", "Q365", "soon", ""],  # not a year
        ],
        "tsv",
    )
    result, report = import_tables(mini(), cities, links)
    period = {
        frozenset(p.cities): (p.kind, p.since, p.until, p.since_source)
        for p in result.partnerships
        if p.kind in ("partnership", "twinning")
    }
    warschau = city_of(result, "Q270").id
    assert period[frozenset(("berlin", "windhuk"))] == ("partnership", 2000, None, SOURCE_ID)
    assert period[frozenset(("berlin", "paris"))] == ("partnership", 1987, None, SOURCE_ID)
    assert period[frozenset(("berlin", warschau))] == ("twinning", 1991, 2030, SOURCE_ID)
    # The exchange Berlin–Paris 2012–2014 is another relation: its years stay.
    (exchange,) = [p for p in result.partnerships if p.kind == "exchange"]
    assert (exchange.since, exchange.until) == (2012, 2014)
    assert report.years_added == 3
    assert [(r.line, r.reason) for r in report.rejected if r.file.endswith("links.tsv")] == [
        (6, "since 'soon' is not a year 1800–" + str(YEAR_RANGE[1]))
    ]
    again, second = import_tables(result, cities, links)
    assert again is result and second.years_added == 0
    roundtrip(result)


def test_a_year_the_dataset_has_is_never_changed() -> None:
    rows = [
        CityRow("Q64", "Berlin", None, None, "", "DE", "", 2),
        CityRow("Q90", "Paris", None, None, "", "FR", "", 3),
    ]
    dated = mini().replace(
        partnerships=tuple(
            replace(p, since=1987) if p.kind == "partnership" and "paris" in p.cities else p
            for p in mini().partnerships
        ),
    )
    result, report = merge(
        dated, rows, [("Q64", "Q90", 2)], years={frozenset(("Q64", "Q90")): (1990, None)}
    )
    (p,) = [p for p in result.partnerships if p.kind == "partnership" and "paris" in p.cities]
    assert (p.since, p.since_source, report.years_added) == (1987, "", 0)

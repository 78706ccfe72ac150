"""A place is one place, and a conflict is said: the three real tables of ../shared/data
(Wikidata twin cities, Eurocities, ClimActor) imported into the shipped dataset.

ClimActor is licensed for non-commercial use: read here as test input, never copied.
Skipped, with the reason, where ../shared is absent; failing under CI=true.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from citynet import store
from citynet.checks import city_warnings
from citynet.errors import UsageError
from citynet.members import MembersReport, import_members
from citynet.merge import merge_cities
from citynet.model import City, Dataset, Membership
from citynet.names import fold
from tests.conftest import shared

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "networks.toml"
CLIMATE_COLUMNS = {"C40Cities2019": "c40", "EUCovenantofMayors2019": "covenant-of-mayors"}
CLIMACTOR_SOURCE = "import-climactor-initcols-2020-09"


def climactor() -> Path:
    return shared("data", "climactor", "climactor-initcols-2020-09.csv")


class Imported:
    """The shipped dataset after the three imports, and ClimActor's report."""

    def __init__(self, data: Dataset, report: MembersReport) -> None:
        self.data = data
        self.report = report


@pytest.fixture(scope="module")
def imported() -> Imported:
    from citynet.wikidata import import_tables

    twins = shared("data", "wikidata-twin-cities")
    data, _ = import_tables(store.load(SHIPPED), twins / "nodes.tsv", twins / "links.tsv")
    eurocities = shared("data", "eurocities-members", "members-wikidata-enriched.json")
    data, _ = import_members(data, eurocities, network="eurocities")
    data, report = import_members(data, climactor(), columns=CLIMATE_COLUMNS)
    return Imported(data, report)


def memberships(data: Dataset, city: str) -> dict[str, tuple[str, ...]]:
    return {m.network: m.sources for m in data.memberships if m.city == city}


def named(data: Dataset, name: str, country: str) -> list[City]:
    return [c for c in data.cities if c.country == country and fold(c.name) == fold(name)]


def test_freiburg_at_freibergs_coordinates_joins_freiburg_and_says_so(imported: Imported) -> None:
    data, report = imported.data, imported.report
    (row,) = [o for o in report.outcomes if o.name == "Freiburg" and o.country == "DE"]
    assert (row.status, row.city) == ("matched", "freiburg-im-breisgau")
    assert "512 km" in row.conflict and "which lie at Freiberg (DE)" in row.conflict
    assert row in report.conflicts
    assert memberships(data, "freiburg-im-breisgau")["covenant-of-mayors"] == (CLIMACTOR_SOURCE,)
    # Freiberg (Saxony) stays itself, and no Freiburg lies at its coordinates
    assert data.city_by_id["freiberg"].wikidata == "Q14819"
    assert "covenant-of-mayors" not in memberships(data, "freiberg")
    assert [c.id for c in named(data, "Freiburg", "DE")] == []
    assert data.city_by_id["freiburg-im-breisgau"].lat == pytest.approx(47.995)


def test_karlsruhe_is_one_city_with_both_memberships(imported: Imported) -> None:
    data, report = imported.data, imported.report
    assert [c.id for c in named(data, "Karlsruhe", "DE")] == ["karlsruhe"]
    assert {"eurocities", "covenant-of-mayors"} <= set(memberships(data, "karlsruhe"))
    (row,) = [o for o in report.outcomes if o.name == "Karlsruhe"]
    assert row.city == "karlsruhe" and "251 km" in row.conflict


def test_rows_the_gazetteer_cannot_place_are_held_back_with_the_conflict(
    imported: Imported,
) -> None:
    held = {o.name: o for o in imported.report.outcomes if o.status == "ambiguous"}
    # "Tabernas" is only another name of Tavernes de la Valldigna, 292 km away
    assert "another name of Tavernes de la Valldigna" in held["Tabernas"].conflict
    assert "several places" in held["San Isidro, Spain"].conflict
    assert all(o.reason.startswith("held back") for o in held.values())


def test_saint_petersburg_russia_and_florida_are_two_places(imported: Imported) -> None:
    data = imported.data
    russia, florida = data.city_by_id["saint-petersburg"], data.city_by_id["st-petersburg"]
    assert (russia.country, russia.wikidata, russia.population) == ("RU", "Q656", 5351935)
    assert (florida.country, florida.wikidata, florida.region) == ("US", "Q49236", "US.FL")
    # both carry the name, so that a typed "St. Petersburg" can find either
    key = fold("St. Petersburg")
    assert key in {fold(n) for n in russia.names} and key in {fold(n) for n in florida.names}
    with pytest.raises(UsageError, match="saint-petersburg is in RU, st-petersburg in US"):
        merge_cities(data, russia, florida)


def test_merge_paris_berlin_is_refused_on_the_real_data(imported: Imported) -> None:
    data = imported.data
    with pytest.raises(UsageError) as refused:
        merge_cities(data, data.city_by_id["paris"], data.city_by_id["berlin"])
    message = str(refused.value)
    assert "paris is in FR, berlin in DE" in message and "Q90" in message
    assert "877 km apart" in message


def test_importing_again_repairs_a_file_made_before_without_losing_anything(
    imported: Imported,
) -> None:
    """Today's mistakes, as an earlier import made them: a Freiburg at Freiberg's
    coordinates and a second Karlsruhe near Wuppertal, each with its membership."""
    data = imported.data
    mistakes = (
        City(id="freiburg", name="Freiburg", name_en="Freiburg", country="DE",
             lat=50.912828, lng=13.341727, sources=(CLIMACTOR_SOURCE,)),
        City(id="karlsruhe-de", name="Karlsruhe", name_en="Karlsruhe", country="DE",
             lat=51.1525273, lng=7.2931841, sources=(CLIMACTOR_SOURCE,)),
        # Istanbul's Kadıköy (Eurocities, Q932886) at a point 600 km away, on the coast
        City(id="kadikoy", name="Kadikoy", name_en="Kadikoy", country="TR",
             lat=36.68333333, lng=33.36666667, sources=(CLIMACTOR_SOURCE,)),
    )  # fmt: skip
    moved = {
        (city, "covenant-of-mayors") for city in ("freiburg-im-breisgau", "karlsruhe", "kadikoey")
    }
    before = Dataset(
        sources=data.sources,
        themes=data.themes,
        networks=data.networks,
        cities=(*data.cities, *mistakes),
        memberships=(
            *(m for m in data.memberships if (m.city, m.network) not in moved),
            Membership(city="freiburg", network="covenant-of-mayors", sources=(CLIMACTOR_SOURCE,)),
            *(
                Membership(city=c.id, network="covenant-of-mayors", sources=(CLIMACTOR_SOURCE,))
                for c in mistakes[1:]
            ),
        ),
        partnerships=data.partnerships,
    )
    # check says what is wrong, by id
    said = {(w.kind, w.records) for w in city_warnings(before)}
    assert ("name-coordinates", ("freiburg",)) in said
    assert ("same-name", ("karlsruhe", "karlsruhe-de")) in said
    assert ("same-name", ("kadikoey", "kadikoy")) in said

    repaired, report = import_members(before, climactor(), columns=CLIMATE_COLUMNS)
    assert report.repaired == [
        ("freiburg", "freiburg-im-breisgau"),
        ("kadikoy", "kadikoey"),
        ("karlsruhe-de", "karlsruhe"),
    ]
    assert not {c.id for c in mistakes} & set(repaired.city_by_id)
    assert {(m.city, m.network) for m in repaired.memberships} == {
        (m.city, m.network) for m in data.memberships
    }
    assert memberships(repaired, "karlsruhe")["covenant-of-mayors"] == (CLIMACTOR_SOURCE,)
    # the coordinates the mistake had are kept in the note, its name as an alias
    freiburg = repaired.city_by_id["freiburg-im-breisgau"]
    assert "lat 50.912828; lng 13.341727" in freiburg.note
    assert CLIMACTOR_SOURCE in freiburg.sources
    again, _ = import_members(repaired, climactor(), columns=CLIMATE_COLUMNS)
    assert again is repaired  # repaired once, then nothing changes


def test_check_on_the_real_data_names_the_suspect_records(imported: Imported) -> None:
    warnings = {(w.kind, w.records): w for w in city_warnings(imported.data)}
    assert ("country-code", ("nicosia",)) in warnings  # XC: a placeholder, not a country
    assert ("one-place", ("bremen", "bremen-de")) in warnings  # the city and the state
    outside = warnings[("outside-country", ("ham",))]  # Ham (BE) at Hamburg's coordinates
    assert "lie in DE" in outside.message and "outside BE" in outside.message
    assert not any(w.kind == "name-coordinates" for w in warnings.values())


def test_cli_import_says_each_conflict_and_puts_the_city_where_its_name_is(
    tmp_path: Path,
) -> None:
    import csv
    import shutil

    from typer.testing import CliRunner

    from citynet.cli import app

    table = tmp_path / "climate.csv"
    table.write_text(
        "name,iso,entity_type,lat,lng,EUCovenantofMayors2019\n"
        "Freiburg,DEU,City,50.912828,13.341727,1\n"  # Freiberg's coordinates
        "Springfield,USA,City,0.5,-160.0,1\n",  # several Springfields, none near
        encoding="utf-8",
    )
    path = tmp_path / "networks.toml"
    shutil.copyfile(SHIPPED, path)
    rows = tmp_path / "rows.tsv"
    result = CliRunner().invoke(
        app,
        ["--data", str(path), "import", "members", str(table),
         "--column", "EUCovenantofMayors2019=covenant-of-mayors", "--report", str(rows)],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "rows: 0 matched, 1 added, 1 ambiguous, 0 rejected" in result.stdout
    assert "rows imported despite a conflict of name and coordinates: 1" in result.stdout
    assert "climate.csv:2: name and coordinates disagree" in result.stderr
    assert "which lie at Freiberg (DE); taken as Freiburg" in result.stderr
    assert "Springfield (US): ambiguous: held back" in result.stderr
    from citynet.gazetteer import gazetteer

    freiburg = store.load(path).city_by_id["freiburg"]
    place = gazetteer().place(freiburg.geonames)  # Freiburg im Breisgau, not Freiberg
    assert place is not None
    assert (freiburg.lat, freiburg.lng) == (place.lat, place.lng)
    assert (place.name, place.region) == ("Freiburg", "DE.01")
    report = list(csv.DictReader(rows.open(encoding="utf-8"), delimiter="\t"))
    assert "512 km" in report[0]["conflict"] and "several places" in report[1]["conflict"]

"""import members: long and wide tables, CSV/TSV/JSON, matching, sources, idempotence."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citynet import store
from citynet.cli import app
from citynet.errors import DataError, UsageError
from citynet.members import SourceInfo, import_members
from citynet.model import City, Dataset
from citynet.names import lookup

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "networks.toml"
SAMPLES = Path(__file__).parent / "fixtures" / "members"
WIDE = SAMPLES / "climate-wide.csv"
LONG = SAMPLES / "eurocities-long.json"
GERMAN = SAMPLES / "staedte.tsv"
WIDE_COLUMNS = {"C40Cities2019": "c40", "EUCovenantofMayors2019": "covenant-of-mayors"}

runner = CliRunner()


@pytest.fixture(scope="module")
def shipped() -> Dataset:
    return store.load(SHIPPED)


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    target = tmp_path / "networks.toml"
    shutil.copyfile(SHIPPED, target)
    return target


def run(path: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


def membership(dataset: Dataset, city: str, network: str) -> list[tuple[str, ...]]:
    return [m.sources for m in dataset.memberships if (m.city, m.network) == (city, network)]


# --- the wide layout ---------------------------------------------------------------


def test_wide_table_rows_become_members_of_the_networks_of_their_columns(shipped: Dataset) -> None:
    result, report = import_members(shipped, WIDE, columns=WIDE_COLUMNS)
    status = {(o.line, o.name): (o.status, o.city) for o in report.outcomes}
    assert status[(2, "Berlin")] == ("matched", "berlin")
    assert status[(16, "Brussels")] == ("matched", "bruessel")
    assert status[(17, "Cologne")] == ("matched", "koeln")
    assert status[(3, "Munich")] == ("added", "munich")
    # "Boston, MA" and "Boston" on the next row are one city
    assert status[(7, "Boston, MA")][1] == status[(8, "Boston")][1]
    assert membership(result, "milan", "c40") == [("import-climate-wide",)]
    assert membership(result, "lisbon", "covenant-of-mayors") == [("import-climate-wide",)]
    # only the columns asked for: Quietville is in none of them
    assert "Quietville" not in {o.name for o in report.outcomes}
    assert not any(m.network == "klima-buendnis" for m in result.memberships[-20:])
    store.parse(store.dumps(result))  # valid: every reference resolves


def test_an_existing_membership_is_never_duplicated_and_gains_the_source(
    shipped: Dataset,
) -> None:
    (before,) = [m for m in shipped.memberships if (m.city, m.network) == ("berlin", "c40")]
    result, report = import_members(shipped, WIDE, columns=WIDE_COLUMNS)
    (after,) = [m for m in result.memberships if (m.city, m.network) == ("berlin", "c40")]
    assert after.since == before.since == 2005
    assert after.roles == before.roles and after.note == before.note
    assert after.sources == (*before.sources, "import-climate-wide")
    assert report.memberships_confirmed == 2  # Berlin in C40 and in the Covenant of Mayors


def test_same_name_far_away_is_another_city_with_a_readable_id(shipped: Dataset) -> None:
    result, report = import_members(shipped, WIDE, columns=WIDE_COLUMNS)
    portland = {o.line: o for o in report.outcomes if o.name == "Portland"}
    assert (portland[9].city, portland[10].city) == ("portland-us-or", "portland-us-me")
    assert portland[10].status == "added"  # another GeoNames place, 4,000 km away
    assert result.city_by_id["portland-us-me"].region == "US.ME"


def test_rejected_rows_say_why(shipped: Dataset) -> None:
    _, report = import_members(shipped, WIDE, columns=WIDE_COLUMNS)
    rejected = {o.line: o.reason for o in report.outcomes if o.status == "rejected"}
    assert rejected == {
        11: "a Region, not a city",
        12: "no name",
        13: "country 'XXA' is not a country citynet knows (ISO alpha-2 or alpha-3 code, "
        "English or German name, Wikidata id)",
    }


def test_na_is_missing_in_values_and_namibia_only_where_nothing_else_says(
    shipped: Dataset,
) -> None:
    result, _ = import_members(shipped, WIDE, columns=WIDE_COLUMNS)
    kleinstadt = result.city_by_id["kleinstadt"]
    assert (kleinstadt.lat, kleinstadt.lng, kleinstadt.country) == (None, None, "DE")
    assert result.city_by_id["someplace"].country == "ES"  # iso NA, country Spain


def test_names_in_every_language_find_the_imported_cities(shipped: Dataset) -> None:
    result, _ = import_members(shipped, WIDE, columns=WIDE_COLUMNS)
    for names in (
        ("München", "Muenchen", "Munich"),
        ("Mailand", "Milan"),
        ("Lissabon", "Lisbon"),
        ("Kopenhagen", "Copenhagen"),
    ):
        assert len({lookup(result, n, City).id for n in names}) == 1, names
    munich = result.city_by_id["munich"]
    assert munich.region == "DE.02" and munich.geonames == "2867714" and munich.population
    assert munich.sources == ("import-climate-wide", "geonames")
    assert result.source_by_id["geonames"].citation.endswith("CC BY 4.0")


# --- the long layout ---------------------------------------------------------------


def test_long_json_with_wikidata_ids_and_countries_as_qids(shipped: Dataset) -> None:
    result, report = import_members(shipped, LONG, network="eurocities")
    by_line = {o.line: o for o in report.outcomes}
    assert by_line[1].city == "berlin" and by_line[1].reason == "by wikidata"
    assert by_line[3].name == "Münster" and by_line[3].country == "DE"  # wikidata_name first
    assert by_line[4].city == by_line[5].city == "lyon"  # one QID, one city, one membership
    assert len(membership(result, "lyon", "eurocities")) == 1
    assert by_line[6].country == "TR"
    # Brussels of the documents (no QID) is the City of Brussels (Q239): one city
    assert by_line[7].city == "bruessel"
    assert result.city_by_id["bruessel"].wikidata == "Q239"
    assert {o.status for o in report.outcomes} == {"matched", "added"}


def test_the_import_is_a_source_record_of_its_own(shipped: Dataset) -> None:
    info = SourceInfo(
        title="Eurocities members",
        publisher="Eurocities",
        citation="Eurocities, member list, 2025",
        date="2025-05-18",
    )
    result, report = import_members(shipped, LONG, network="eurocities", source=info)
    source = result.source_by_id[report.source]
    assert report.source == "import-eurocities-long"
    assert (source.title, source.publisher, source.file) == (
        "Eurocities members",
        "Eurocities",
        "eurocities-long.json",
    )
    assert (source.date, source.citation) == ("2025-05-18", "Eurocities, member list, 2025")


def test_a_json_array_and_a_german_tsv_with_named_columns(tmp_path: Path) -> None:
    dataset = store.load(SHIPPED)
    items = json.loads(LONG.read_text(encoding="utf-8"))["members"][:2]
    array = tmp_path / "array.json"
    array.write_text(json.dumps(items), encoding="utf-8")
    _, report = import_members(dataset, array, network="eurocities")
    assert [o.city for o in report.outcomes] == ["berlin", "koeln"]
    fields = {"name": "Stadt", "country": "Land", "lat": "Breite", "lng": "Länge"}
    result, report = import_members(dataset, GERMAN, network="klima-buendnis", field_columns=fields)
    assert [(o.name, o.country, o.city) for o in report.outcomes] == [
        ("Köln", "DE", "koeln"),
        ("Mailand", "IT", "mailand"),
        ("Neustadt", "DE", "neustadt"),
        ("Lissabon", "PT", "lissabon"),
    ]
    assert "Milan" in result.city_by_id["mailand"].aliases


def test_an_ambiguous_name_is_reported_with_its_candidates_never_guessed(
    shipped: Dataset,
) -> None:
    neustadts = tuple(
        City(id=f"neustadt-{n}", name="Neustadt", country="DE", sources=("redaktion",))
        for n in ("a", "b")
    )
    dataset = Dataset(
        sources=shipped.sources,
        themes=shipped.themes,
        networks=shipped.networks,
        cities=(*shipped.cities, *neustadts),
        memberships=shipped.memberships,
        partnerships=shipped.partnerships,
    )
    fields = {"name": "Stadt", "country": "Land", "lat": "Breite", "lng": "Länge"}
    result, report = import_members(dataset, GERMAN, network="klima-buendnis", field_columns=fields)
    (neustadt,) = [o for o in report.outcomes if o.name == "Neustadt"]
    assert neustadt.status == "ambiguous"
    assert neustadt.reason == "fits several cities: neustadt-a, neustadt-b"
    assert not any(m.city.startswith("neustadt") for m in result.memberships)


def test_a_second_import_changes_nothing(shipped: Dataset) -> None:
    first, _ = import_members(shipped, WIDE, columns=WIDE_COLUMNS)
    reread = store.parse(store.dumps(first))
    again, report = import_members(reread, WIDE, columns=WIDE_COLUMNS)
    assert again is reread
    assert report.memberships_added == report.memberships_confirmed == 0
    assert {o.status for o in report.outcomes} == {"matched", "rejected"}


def test_the_same_ids_whatever_the_order_of_the_rows(tmp_path: Path, shipped: Dataset) -> None:
    # (Boston left out: of two rows of one place, the first names the city)
    lines = [ln for ln in WIDE.read_text(encoding="utf-8").splitlines() if "Boston" not in ln]
    table, turned = tmp_path / "table.csv", tmp_path / "turned.csv"
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    turned.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n", encoding="utf-8")
    first, _ = import_members(shipped, table, columns=WIDE_COLUMNS)
    second, _ = import_members(shipped, turned, columns=WIDE_COLUMNS)
    assert {c.id for c in first.cities} == {c.id for c in second.cities}


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("{]", DataError, "not valid JSON"),
        ('{"members": 3}', DataError, "expected an array of objects"),
        ("Ort,Land\nBonn,DE\n", UsageError, "no column with the city's name"),
    ],
)
def test_tables_of_the_wrong_shape_say_what_was_expected(
    tmp_path: Path, shipped: Dataset, text: str, error: type[Exception], message: str
) -> None:
    path = tmp_path / "table.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(error, match=message):
        import_members(shipped, path, network="eurocities")


def test_network_and_column_are_one_or_the_other(shipped: Dataset) -> None:
    with pytest.raises(UsageError, match="either --network"):
        import_members(shipped, WIDE)
    with pytest.raises(UsageError, match="no column 'C41'"):
        import_members(shipped, WIDE, columns={"C41": "c40"})


# --- through the command line --------------------------------------------------------


def test_cli_wide_import_reports_and_writes_a_tsv_report(data_file: Path, tmp_path: Path) -> None:
    report_path = tmp_path / "rows.tsv"
    code, out, err = run(
        data_file,
        "import",
        "members",
        str(WIDE),
        "--column",
        "C40Cities2019=c40",
        "--column",
        "EUCovenantofMayors2019=Covenant of Mayors",  # a network's name works too
        "--report",
        str(report_path),
    )
    assert code == 0, err
    assert "added: 9 cities, 12 memberships" in out
    assert "rows: 4 matched, 9 added, 0 ambiguous, 3 rejected" in out
    assert "climate-wide.csv:11: Bavaria (DE): rejected: a Region, not a city" in err
    rows = list(csv.DictReader(io.StringIO(report_path.read_text("utf-8")), delimiter="\t"))
    assert list(rows[0]) == [
        "line", "name", "country", "status", "city", "networks", "reason", "conflict"
    ]  # fmt: skip
    assert len(rows) == 16
    code, out, _ = run(data_file, "partners", "München", "--format", "ids")
    assert code == 0


def test_cli_dry_run_writes_nothing_and_a_second_run_changes_nothing(data_file: Path) -> None:
    before = data_file.read_bytes()
    args = ("import", "members", str(LONG), "--network", "eurocities")
    code, out, _ = run(data_file, *args, "--dry-run")
    assert code == 0 and "would add: 3 cities, 4 memberships" in out
    assert data_file.read_bytes() == before
    assert run(data_file, *args)[0] == 0
    after = data_file.read_bytes()
    code, out, _ = run(data_file, *args)
    assert code == 0 and "added: 0 cities, 0 memberships" in out
    assert data_file.read_bytes() == after


def test_cli_bad_options_are_usage_errors(data_file: Path) -> None:
    code, _, err = run(data_file, "import", "members", str(WIDE), "--column", "C40Cities2019")
    assert code == 2 and "expected KEY=VALUE" in err
    code, _, err = run(data_file, "import", "members", str(WIDE), "--network", "no-such-net")
    assert code == 1 and "no network named 'no-such-net'" in err
    code, _, err = run(data_file, "import", "members", "missing.csv", "--network", "c40")
    assert code == 3 and "no such file" in err


def test_a_csv_with_semicolons_as_spreadsheets_write_it(tmp_path: Path, shipped: Dataset) -> None:
    path = tmp_path / "mitglieder.csv"
    path.write_text("Stadt;Land\nKöln;DE\n", encoding="utf-8")
    _, report = import_members(
        shipped, path, network="eurocities", field_columns={"name": "Stadt", "country": "Land"}
    )
    assert [(o.status, o.city) for o in report.outcomes] == [("matched", "koeln")]


def test_the_report_file_never_holds_a_formula(data_file: Path, tmp_path: Path) -> None:
    table = tmp_path / "evil.csv"
    table.write_text('name,country\n"=HYPERLINK(""x"")",DE\n', encoding="utf-8")
    report_path = tmp_path / "rows.tsv"
    args = ("import", "members", str(table), "--network", "c40", "--report", str(report_path))
    code, _, err = run(data_file, *args)
    assert code == 0, err
    (row,) = csv.DictReader(io.StringIO(report_path.read_text("utf-8")), delimiter="\t")
    assert row["name"].startswith("'=")


# --- years ------------------------------------------------------------------------------


def test_a_since_column_gives_memberships_their_year_and_never_changes_one(
    shipped: Dataset, tmp_path: Path
) -> None:
    table = tmp_path / "mitglieder.csv"
    table.write_text(
        "Stadt;country;Beitritt\nBerlin;DE;1991\nKöln;DE;1994-05-01\nMünchen;DE;\nHamburg;DE;neulich\n",
        encoding="utf-8",
    )
    result, report = import_members(shipped, table, network="eurocities")
    member = {(m.city, m.network): m for m in result.memberships}
    berlin = member["berlin", "eurocities"]
    old_koeln = next(
        m for m in shipped.memberships if (m.city, m.network) == ("koeln", "eurocities")
    )
    assert (berlin.since, berlin.since_source) == (1991, report.source)
    assert berlin.since_text == "seit den neunziger Jahren"  # the document's words stay
    koeln = member["koeln", "eurocities"]
    assert koeln.since == (old_koeln.since or 1994)
    assert [(o.name, o.status) for o in report.outcomes if o.status == "rejected"] == [
        ("Hamburg", "rejected")
    ]
    assert "not a year" in next(o.reason for o in report.outcomes if o.name == "Hamburg")
    again, second = import_members(result, table, network="eurocities")
    assert again is result and second.years_added == 0
    store.parse(store.dumps(result))

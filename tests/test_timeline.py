"""Relations in time: the lifecycle fields, `in_force`, a city's events and its chart."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from msgspec.structs import replace
from typer.testing import CliRunner

from citynet.cli import app
from citynet.errors import DataError
from citynet.model import Dataset, Partnership
from citynet.store import load, parse
from citynet.timeline import (
    chart_svg,
    event_object,
    events,
    in_force,
    known_in_force,
)

MINI = Path(__file__).parent / "fixtures" / "mini.toml"


def lifecycle(text: str) -> str:
    """mini.toml with Berlin–Windhuk given the lifecycle fields in `text`."""
    mini = MINI.read_text(encoding="utf-8")
    old = 'cities = ["berlin", "windhuk"]\nkind = "partnership"\n'
    assert old in mini
    return mini.replace(old, old + text)


def windhuk(dataset: Dataset) -> Partnership:
    return next(p for p in dataset.partnerships_of("windhuk"))


def test_a_suspended_partnership_is_in_force_until_the_year_before() -> None:
    data = parse(lifecycle('since = 2000\nstatus = "suspended"\nstatus_since = 2022\n'))
    p = windhuk(data)
    assert [in_force(p, year) for year in (1999, 2000, 2021, 2022, 2030)] == [
        False,
        True,
        True,
        False,
        False,
    ]


def test_without_a_start_year_nobody_knows() -> None:
    p = Partnership(cities=("a", "b"), kind="partnership", sources=("s",))
    assert in_force(p, 1990) is None
    ended = replace(p, since=1980, status="ended")  # ended, but when?
    assert in_force(ended, 1979) is False and in_force(ended, 1990) is None
    assert in_force(replace(p, since=1980, until=1989), 1989) is True
    assert in_force(replace(p, since=1980, until=1989), 1990) is False


def test_known_in_force_counts_what_it_could_not_place() -> None:
    data = parse(MINI.read_text(encoding="utf-8"))
    kept, unknown = known_in_force(data.partnerships_of("berlin"), 2013)
    assert [p.kind for p in kept] == ["exchange"] and unknown == 2
    assert known_in_force(data.partnerships_of("berlin"), 2015) == ([], 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("status_since = 2022\n", "'status_since' needs a 'status'"),
        ('since = 2000\nstatus = "ended"\nstatus_since = 1999\n', "is before 'since' (2000)"),
        ('status = "ruhend"\n', "'ruhend' is not one of"),
        ('status = "ended"\nstatus_source = "doc-x"\n', "doc-x"),
    ],
)
def test_the_loader_checks_the_lifecycle(text: str, message: str) -> None:
    with pytest.raises(DataError, match=re.escape(message)):
        parse(lifecycle(text))


def test_events_are_dated_by_their_own_sources() -> None:
    data = parse(
        lifecycle(
            'since = 1990\nsince_source = "doc-a"\nstatus = "suspended"\nstatus_since = 2022\n'
            'status_source = "doc-a"\n'
        )
    )
    found, undated = events(data, data.city_by_id["berlin"])
    rows = [(e.year, e.event, e.party, e.kind, e.source) for e in found]
    assert (1990, "began", "windhuk", "partnership", "doc-a") in rows
    assert (2022, "suspended", "windhuk", "partnership", "doc-a") in rows
    assert (2012, "began", "paris", "exchange", "doc-b") in rows
    assert (2014, "ended", "paris", "exchange", "doc-b") in rows
    assert [e.year for e in found] == sorted(e.year for e in found)

    # Berlin–Paris (partnership) has no year, nor have some memberships and their roles.
    def dated(r: object) -> bool:
        roles = getattr(r, "roles", ())
        years = [r.since, r.until, *(y for x in roles for y in (x.since, x.until))]  # type: ignore[attr-defined]
        return any(y is not None for y in years)

    relations = (*data.partnerships_of("berlin"), *data.memberships_by_city["berlin"])
    assert undated == sum(not dated(r) for r in relations) > 0
    assert event_object(found[0])["year"] == found[0].year


def test_an_end_stated_as_until_and_as_status_is_one_event() -> None:
    data = parse(lifecycle('since = 1990\nuntil = 2022\nstatus = "ended"\nstatus_since = 2022\n'))
    found, _undated = events(data, data.city_by_id["windhuk"])
    assert [(e.year, e.event) for e in found] == [(1990, "began"), (2022, "ended")]


def test_the_chart_has_one_lane_per_partner_and_dashes_a_suspension() -> None:
    data = parse(lifecycle('since = 1990\nstatus = "suspended"\nstatus_since = 2022\n'))
    berlin = data.city_by_id["berlin"]
    found, _undated = events(data, berlin)
    svg = chart_svg(berlin, found, this_year=2026)
    root = ET.fromstring(svg)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    labels = [t.text for t in root.iter(f"{ns}text") if t.get("text-anchor") == "end"]
    parties = list(dict.fromkeys(e.name for e in found))
    assert labels == parties
    bars = [line for line in root.iter(f"{ns}line") if line.get("stroke-width") == "6"]
    assert [b.get("stroke-dasharray") for b in bars].count("4 3") == 1


def test_names_in_the_chart_are_escaped() -> None:
    data = parse(MINI.read_text(encoding="utf-8"))
    paris = data.city_by_id["paris"]
    evil = data.replace(
        cities=tuple(
            replace(c, name="<script>x</script>") if c is paris else c for c in data.cities
        ),
    )
    found, _undated = events(evil, evil.city_by_id["berlin"])
    svg = chart_svg(evil.city_by_id["berlin"], found)
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_stats_count_partnerships_by_the_decade_they_began() -> None:
    from citynet.stats import statistics, statistics_object

    data = parse(lifecycle("since = 1967\n"))
    result = statistics_object(statistics(data))["partnerships_by_decade"]
    decades = [(d["decade"], d["partnerships"]) for d in result]
    # 1967 and 2012: the decades between are there, with nothing in them.
    assert decades == [
        ("1960s", 1),
        *((f"{y}s", 0) for y in range(1970, 2010, 10)),
        ("2010s", 1),
        ("unknown", 1),
    ]
    only_exchanges = statistics_object(statistics(data, ["exchange"]))
    assert only_exchanges["partnerships_by_decade"] == [{"decade": "2010s", "partnerships": 1}]


# --- the commands, on the shipped data --------------------------------------------------

DATA = Path(__file__).resolve().parents[1] / "data" / "networks.toml"


def run(path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--data", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "networks.toml"
    target.write_bytes(DATA.read_bytes())
    return target


def test_a_suspension_is_edited_and_queried(copy: Path) -> None:
    code, _out, err = run(
        copy,
        "edit",
        "partnership",
        "berlin:moskau:partnership",
        "--since",
        "1991",
        "--status",
        "suspended",
        "--status-since",
        "2022",
        "--status-source",
        "berlin-partnerschaften",
    )
    assert code == 0, err
    code, out, err = run(copy, "partners", "berlin", "--status", "ruhend", "--format", "json")
    assert code == 0, err
    (moskau,) = json.loads(out)
    lifecycle = ("city", "since_source", "status", "status_since", "status_source")
    assert [moskau[key] for key in lifecycle] == [
        "moskau",
        None,
        "suspended",
        2022,
        "berlin-partnerschaften",
    ]
    code, out, err = run(copy, "partners", "berlin", "--as-of", "2000", "--format", "tsv")
    assert [line.split("\t")[0] for line in out.splitlines()[1:]] == ["moskau"]
    assert "relations left out" in err
    code, out, _err = run(copy, "partners", "berlin", "--as-of", "2023", "--format", "tsv")
    assert "moskau" not in out
    code, out, _err = run(copy, "timeline", "berlin", "--format", "tsv")
    assert "2022\tsuspended\tmoskau\tMoskau\tpartnership\t\tberlin-partnerschaften" in out


def test_list_member_as_of_leaves_out_memberships_not_yet_begun() -> None:
    data = load(DATA)
    code, out, err = run(DATA, "list", "--member", "berlin", "--as-of", "2000", "--format", "ids")
    assert code == 0, err
    dated = [
        m.network
        for m in data.memberships_by_city["berlin"]
        if m.since is not None and m.since <= 2000 and (m.until is None or m.until >= 2000)
    ]
    assert sorted(out.split()) == sorted(dated)
    assert "left out" in err
    code, _out, err = run(DATA, "list", "--as-of", "2000")
    assert code == 2 and "--member" in err


def test_the_timeline_chart_is_written_as_svg_or_html(tmp_path: Path) -> None:
    code, _out, err = run(DATA, "timeline", "berlin", "-o", str(tmp_path / "t.svg"))
    assert code == 0, err
    root = ET.parse(tmp_path / "t.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    code, _out, err = run(DATA, "timeline", "berlin", "-o", str(tmp_path / "t.html"))
    text = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<svg" in text and "no year" in text


def test_the_report_has_a_timeline_with_chart_table_and_sources() -> None:
    import datetime as dt

    from citynet import report

    data = parse(lifecycle('since = 1990\nsince_source = "doc-a"\n'))
    built = report.build(data, data.city_by_id["berlin"], dt.date(2026, 1, 1))
    html = report.render_html(data, built)
    section = html[html.index("<h2>5. Timeline</h2>") : html.index("<h2>Sources</h2>")]
    assert section.count("<svg") == 1
    # The year is cited with its own source, which the list of sources names.
    number = re.search(r"<td>1990</td><td>began</td><td>Windhuk.*?#q(\d+)", section)
    assert number is not None
    item = re.search(rf'<li id="q{number.group(1)}"[^>]*>(.*?)</li>', html)
    assert item is not None and item.group(1).startswith("Stadt A")
    markdown = report.render_markdown(built)
    assert "| 1990 | began | Windhuk" in markdown and "<svg" not in markdown

"""The report for a mayor's office: its sections, its sources, its escaping, on A4.

The report is read in German here (`--lang de`, `install("de")`), except where a test
says otherwise; test_i18n-style checks make sure each language keeps to itself."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from test_maps import MAPS, assert_self_contained, dom_markers, elements
from test_maps import german as run

import citynet
from citynet import report


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> str:
    target = tmp_path_factory.mktemp("report") / "bericht.html"
    code, out, err = run("report", "berlin", "-o", str(target))
    assert code == 0 and out == "", err
    return target.read_text(encoding="utf-8")


def section(html: str, heading: str) -> str:
    """The markup from an <h2> to the next one."""
    start = html.index(f"<h2>{heading}")
    end = html.find("<h2>", start + 4)
    return html[start : end if end > 0 else len(html)]


def rows(markup: str) -> list[str]:
    """The text of each table row, cells separated by |."""
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", markup, re.S):
        cells = re.findall(r"<t[dh]>(.*?)</t[dh]>", row, re.S)
        # as read: tags and the (invisible) word joiners before footnotes left out
        found.append(" | ".join(re.sub(r"<[^>]+>|\u2060", "", c) for c in cells))
    return found


def test_report_has_its_sections_in_order(html: str) -> None:
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings == [
        "1. Mitgliedschaften in Städtenetzwerken",
        "2. Partnerstädte",
        "3. Karte",
        "4. Kennzahlen der Netzwerke",
        "5. Zeitleiste",
        "Quellen",
    ]
    assert html.startswith("<!DOCTYPE html>") and '<html lang="de">' in html


def test_networks_with_roles_people_and_years(html: str) -> None:
    table = rows(section(html, "1. Mitgliedschaften"))
    eurocities = next(r for r in table if r.startswith("EUROCITIES"))
    assert "seit 1991" in eurocities
    assert "Co-Vorsitz, Umweltforum" in eurocities
    assert "Erika Muster: Vorsitz (seit 2020)" in eurocities
    assert any(r.startswith("Pacific Cities") for r in table)


def test_partners_grouped_by_kind_with_years(html: str) -> None:
    partners = section(html, "2. Partnerstädte")
    kinds = re.findall(r"<h3>(.*?)</h3>", partners)
    assert kinds == [
        "Städtepartnerschaft (2)",
        "Städtefreundschaft (1)",
        "Kontakt (1)",
        "Projektpartnerschaft (1)",
        "Fachaustausch (1)",
    ]
    table = rows(partners)
    assert any(r.startswith("Paris") and "seit 1987" in r for r in table)
    assert any(r.startswith("Paris") and "2012–2014" in r and "MYM" in r for r in table)
    assert any(r.startswith("Irgendwo") for r in table)  # listed, though not on the map


def test_the_map_is_inline_with_every_partner_marker(html: str) -> None:
    karte = section(html, "3. Karte")
    assert "<svg" in karte and "<img" not in karte
    assert dom_markers(karte) == {"berlin", "paris", "wien", "hamburg", "evil"}


def test_disagreeing_figures_stand_side_by_side(html: str) -> None:
    table = rows(section(html, "4. Kennzahlen"))
    members = next(r for r in table if r.startswith("EUROCITIES | Mitglieder"))
    assert "weichen ab" in members
    assert "über 200 Städte[1]" in members and "über 135 Städte[2]" in members
    countries = next(r for r in table if r.startswith("EUROCITIES | Länder"))
    assert "eine Quelle" in countries


def test_every_fact_points_to_a_numbered_source(html: str) -> None:
    cited = {int(n) for n in re.findall(r'href="#q(\d+)"', html)}
    listed = [int(n) for n in re.findall(r'<li id="q(\d+)"', html)]
    assert listed == list(range(1, len(listed) + 1))  # numbered 1, 2, … in order
    assert cited == set(listed)  # every number resolves, every source is cited
    sources = section(html, "Quellen")
    assert "Stadt B: Partnerschaften. Datei partnerschaften.txt. Kennung doc-b." in sources
    assert "https://example.org/netzwerke" in sources  # shown as text …
    assert 'href="http' not in html  # … not as a link to follow


def test_report_says_when_it_was_made(html: str) -> None:
    from citynet.i18n import install

    install("de")
    today = report.long_date(dt.date.today())
    assert f"Erstellt am {today}" in html and f"Stand: {today}" in html
    assert report.long_date(dt.date(2026, 3, 5)) == "5. März 2026"
    install("en")
    assert report.long_date(dt.date(2026, 3, 5)) == "5 March 2026"


def test_report_prints_on_a4_without_broken_rows(html: str) -> None:
    assert "@page { size: A4;" in html
    assert "break-inside: avoid" in html and "thead { display: table-header-group; }" in html


def test_report_is_self_contained_and_escaped(html: str) -> None:
    assert_self_contained(html)
    assert "<script" not in html and "\x01" not in html and "\x1b" not in html
    assert "Stadt A &lt;b&gt;&amp;&lt;/b&gt;" in html  # a source's publisher
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html  # a partner's name
    assert "<b>" not in html


def test_markdown_report_by_suffix_with_its_map_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "bericht.md"
    code, _, err = run("report", "berlin", "-o", str(target))
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Berlin: Städtenetzwerke und Städtepartnerschaften")
    assert "![Karte: Berlin und seine Partnerstädte](bericht-karte.svg)" in text
    assert (tmp_path / "bericht-karte.svg").read_text(encoding="utf-8").startswith("<?xml")
    assert (
        "| EUROCITIES | Mitglieder | weichen ab ≠ | über 200 Städte [1] | über 135 Städte [2] |"
        in text
    )
    assert "\\<script\\>" in text
    assert not re.search(r"(?<!\\)<", text)  # every < escaped: Markdown cannot make a tag
    assert re.search(r"^1\. Stadt A \\<b\\>&\\</b\\>: Netzwerke", text, re.M)


def test_report_on_standard_output_is_markdown_unless_asked() -> None:
    code, out, _ = run("report", "berlin")
    assert code == 0 and out.startswith("# Berlin")
    assert "citynet map berlin -o karte.svg" in out
    code, out, _ = run("report", "berlin", "--format", "html")
    assert code == 0 and out.startswith("<!DOCTYPE html>")


def test_report_of_a_city_without_networks_or_partners(tmp_path: Path) -> None:
    from citynet.i18n import install

    install("de")
    data = citynet.load(MAPS)
    built = report.build(data, citynet.lookup(data, "hamburg"), dt.date(2026, 1, 1))
    html = report.render_html(data, built)
    assert "Keine Mitgliedschaften im Datensatz." in html
    assert "Städtefreundschaft (1)" in html  # Hamburg's one relation, to Berlin


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (("atlantis",), 1, "atlantis"),
        (("eurocities",), 1, "eurocities"),
        (("berlin", "--format", "pdf"), 2, "pdf"),
    ],
)
def test_report_errors(args: tuple[str, ...], status: int, message: str) -> None:
    code, out, err = run("report", *args)
    assert code == status and out == "" and message in err


def test_chromium_shows_the_report_and_prints_it_on_a4(
    chromium: Any, html: str, tmp_path: Path
) -> None:
    target = tmp_path / "bericht.html"
    target.write_text(html, encoding="utf-8")
    page = chromium.open(target)
    assert page.console == [] and page.requests == []
    assert dom_markers(page.dom) == {"berlin", "paris", "wien", "hamburg", "evil"}
    headings = [a for t, a in elements(page.dom).tags if t == "h2"]
    assert len(headings) == 6
    pdf = tmp_path / "bericht.pdf"
    chromium.print_pdf(target, pdf)
    boxes = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf.read_bytes()))
    assert boxes, "no page sizes in the PDF"
    for width, height in boxes:  # A4 is 595.3 × 841.9 points
        assert abs(float(width) - 595.3) < 2 and abs(float(height) - 841.9) < 2


def test_every_shipped_city_gets_a_report() -> None:
    data = citynet.load()
    for city in data.cities:
        built = report.build(data, city, dt.date(2026, 1, 1))
        assert report.render_html(data, built).count("<h2>") == 6
        assert report.render_markdown(built).startswith(f"# {city.name}")


# --- one language at a time -------------------------------------------------------------

# The documents' own words (not the data's): German in an English document, English in a
# German one, would be a mix of two languages.
GERMAN_WORDS = re.compile(
    r"\b(Karte|Partnerstädte|Partnerstadt|Mitgliedsstädte|Mitgliedsstadt|Städte|Stadt|Land|"
    r"Länder|Rolle|Rollen|Beziehungen?|Koordinaten|Projektion|Umrisse|gemeinfrei|Lizenz|über|"
    r"Erstellt|mit|und|ohne|nicht|auf|der|die|laut|Datensatz|Mitglied|Mitglieder|"
    r"Mitgliedschaften|Städtenetzwerken?|Stand|Kennzahlen?|Netzwerke?|Quellen?|Angabe|Keine|"
    r"Funktionen?|Personen?|Zeitraum|Programm|Anmerkung|siehe|weichen|einig|eine|Sonstiges|"
    r"Arbeitsgruppen|Datei|Kennung|Januar|Februar|März|Mai|Juni|Juli|Oktober|Dezember|seit|bis|"
    r"Städtepartnerschaft|Städtefreundschaft|Kontakt|Projektpartnerschaft|Fachaustausch)\b"
)
ENGLISH_WORDS = re.compile(
    r"\b(Map|map|partners?|members?|Members|cities|city|City|Cities|Country|Countries|Role|"
    r"Relation|relations?|Coordinates|projection|outlines|public domain|licence|Made|with|and|"
    r"without|not|the|of|on|is|has|According|dataset|As of|Memberships|Figures|Statement|"
    r"Sources?|Network|networks?|Period|Programme|note|see|File|Id|agree|differ|one source|"
    r"Other|Working groups|Roles|people|Person|office|Offices|January|February|March|May|June|"
    r"July|October|December|since|until|twinning|friendship|contact|project|exchange)\b"
)


class _Text(HTMLParser):
    """The text a person reads (not the style sheet), in HTML or SVG."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self.in_style = False

    def handle_data(self, data: str) -> None:
        if not self.in_style:
            self.parts.append(data)


def own_words(document: str) -> str:
    """What a document says in its own words: its text without the data's texts."""
    from test_i18n import vars_of

    from citynet import markup
    from citynet.geo import atlas

    parser = _Text()
    parser.feed(document)
    text = " ".join(parser.parts)
    data = citynet.load(MAPS)
    records = (*data.networks, *data.cities, *data.sources, *data.memberships)
    values = [v for record in (*records, *data.partnerships) for v in vars_of(record)]
    # The countries' names in the outlines' tooltips are Natural Earth's, in English.
    values += [c.name for scale in ("50m", "110m") for c in atlas(scale).countries]
    for value in sorted({*values, *map(markup.clean, values)}, key=len, reverse=True):
        if len(value) > 1:
            text = text.replace(value, " ")
    return text


def documents(lang: str, tmp_path: Path) -> dict[str, str]:
    """The report and the maps of the fixture, as files a person opens, in `lang`."""
    from test_maps import run as run_in

    found = {}
    for name, args in (
        ("report.html", ("report", "berlin")),
        ("report-empty.html", ("report", "anchorage")),
        ("city.html", ("map", "berlin")),
        ("city.svg", ("map", "berlin")),
        ("network.html", ("map", "eurocities")),
        ("country.svg", ("map", "--country", "US", "--kind", "friendship")),
    ):
        target = tmp_path / f"{lang}-{name}"
        code, _, err = run_in("--lang", lang, *args, "-o", str(target))
        assert code == 0, err
        found[name] = target.read_text(encoding="utf-8")
    return found


@pytest.mark.parametrize(
    ("lang", "foreign", "own"),
    [("en", GERMAN_WORDS, ENGLISH_WORDS), ("de", ENGLISH_WORDS, GERMAN_WORDS)],
)
def test_reports_and_maps_speak_one_language(
    lang: str, foreign: Any, own: Any, tmp_path: Path
) -> None:
    for name, document in documents(lang, tmp_path).items():
        assert f'<html lang="{lang}">' in document or name.endswith(".svg")
        text = own_words(document)
        words = foreign.findall(text)
        assert not words, (lang, name, sorted(set(words)))
        assert len(own.findall(text)) >= 5, (lang, name)  # the lists do catch its words


def test_an_english_report_says_in_english_what_a_german_one_says_in_german(
    tmp_path: Path,
) -> None:
    english = documents("en", tmp_path)["report.html"]
    headings = re.findall(r"<h2>(.*?)</h2>", english)
    assert headings == [
        "1. Memberships in city networks",
        "2. Partner cities",
        "3. Map",
        "4. Figures of the networks",
        "5. Timeline",
        "Sources",
    ]
    assert "Berlin (DE) is a member of 2 city networks" in english
    assert "relations with 5 cities (6 relations)" in english
    table = rows(section(english, "4. Figures"))
    assert any(r.startswith("EUROCITIES | Members | differ ≠") for r in table)
    code, markdown, _ = run_in_english("report", "berlin")
    assert code == 0 and markdown.startswith("# Berlin: city networks and partnerships")
    assert "`citynet map berlin -o map.svg`" in markdown


def run_in_english(*args: str) -> tuple[int, str, str]:
    from test_maps import run as run_in

    return run_in("--lang", "en", *args)


def test_the_report_keeps_the_places_in_the_graph_for_the_next_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ranks and communities cost seconds at the real size: the second report of an
    unchanged file reads them from the cache, and says the same."""
    first = run("report", "berlin", "--format", "md")
    assert first[0] == 0, first[2]
    assert "Im Graphen der Beziehungen steht Berlin unter 10 Städten auf Platz 1" in first[1]

    def not_again(_dataset: object) -> None:
        raise AssertionError("positions computed again for an unchanged file")

    monkeypatch.setattr("citynet.network.positions", not_again)
    second = run("report", "berlin", "--format", "md")
    assert second == first

"""`citynet.sparql` against a real SPARQL endpoint on this machine.

The endpoint is a small HTTP server in the test that runs each query it receives
with rdflib's SPARQL 1.1 engine over a graph in Wikidata's RDF shape (`wd:`,
`wdt:`, `p:`/`ps:`/`pq:` statements, references through `prov:wasDerivedFrom`,
labels in de/en, WKT points). So the queries must be plain SPARQL 1.1 with every
prefix declared, and the client speaks the protocol for real. No test touches
the internet.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from citynet import __version__, sparql
from citynet.model import Dataset, Partnership
from citynet.store import load

rdflib = pytest.importorskip("rdflib")

DATA = Path(__file__).resolve().parents[1] / "data" / "networks.toml"

# Berlin (Q64) and Los Angeles (Q65) name each other with a start in 1967; Berlin
# names Paris (Q90) from 1987 but Paris does not name Berlin; Berlin names Tehran
# (Q3616), which the dataset does not relate to Berlin; Moskau (Q649) is missing.
GRAPH = """
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix wds: <http://www.wikidata.org/entity/statement/> .
@prefix wdref: <http://www.wikidata.org/reference/> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
@prefix p: <http://www.wikidata.org/prop/> .
@prefix ps: <http://www.wikidata.org/prop/statement/> .
@prefix pq: <http://www.wikidata.org/prop/qualifier/> .
@prefix pr: <http://www.wikidata.org/prop/reference/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .

wd:Q183 wdt:P297 "DE" .
wd:Q30 wdt:P297 "US" .
wd:Q142 wdt:P297 "FR" .
wd:Q794 wdt:P297 "IR" .

wd:Q64 rdfs:label "Berlin"@de, "Berlin"@en, "Berlino"@it ;
  wdt:P625 "Point(13.383333 52.516667)"^^geo:wktLiteral ;
  wdt:P17 wd:Q183 ;
  p:P190 wds:Q64-la, wds:Q64-paris, wds:Q64-tehran .
wds:Q64-la ps:P190 wd:Q65 ;
  pq:P580 "1967-01-01T00:00:00Z"^^xsd:dateTime ;
  prov:wasDerivedFrom wdref:r1 .
wdref:r1 pr:P854 <https://www.berlin.de/partnerstaedte/los-angeles> ;
  pr:P813 "2020-05-01T00:00:00Z"^^xsd:dateTime .
wds:Q64-paris ps:P190 wd:Q90 ; pq:P580 "1987-01-01T00:00:00Z"^^xsd:dateTime .
wds:Q64-tehran ps:P190 wd:Q3616 .

wd:Q65 rdfs:label "Los Angeles"@de, "Los Angeles"@en ;
  wdt:P625 "Point(-118.243683 34.052235)"^^geo:wktLiteral ;
  wdt:P17 wd:Q30 ;
  p:P190 wds:Q65-berlin .
wds:Q65-berlin ps:P190 wd:Q64 ; pq:P580 "1967-01-01T00:00:00Z"^^xsd:dateTime .

wd:Q90 rdfs:label "Paris"@de, "Paris"@en ;
  wdt:P625 "Point(2.351388888 48.856944444)"^^geo:wktLiteral ;
  wdt:P17 wd:Q142 .

wd:Q3616 rdfs:label "Teheran"@de, "Tehran"@en ;
  wdt:P625 "Point(51.389 35.689)"^^geo:wktLiteral ;
  wdt:P17 wd:Q794 .
"""


class Endpoint:
    """A SPARQL 1.1 endpoint over an rdflib graph, with a log of what it received."""

    def __init__(self, graph: object) -> None:
        self.graph = graph
        self.requests: list[dict[str, str]] = []
        self.fail_first: list[tuple[int, str]] = []  # (status, Retry-After) to answer first
        self.answer: bytes | None = None  # a fixed (bad) answer instead of the results

    def handler(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                query = form["query"][0]
                endpoint.requests.append(
                    {"query": query, "agent": self.headers.get("User-Agent", "")}
                )
                if endpoint.fail_first:
                    status, wait = endpoint.fail_first.pop(0)
                    self.send_response(status)
                    self.send_header("Retry-After", wait)
                    self.end_headers()
                    return
                body = endpoint.answer
                if body is None:
                    body = endpoint.graph.query(query).serialize(format="json")  # type: ignore[attr-defined]
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def endpoint() -> Iterator[tuple[str, Endpoint]]:
    graph = rdflib.Graph()
    graph.parse(data=GRAPH, format="turtle")
    state = Endpoint(graph)
    server = ThreadingHTTPServer(("127.0.0.1", 0), state.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql", state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def shipped() -> Dataset:
    return load(DATA)


def relation(dataset: Dataset, a: str, b: str, kind: str = "partnership") -> Partnership:
    return next(p for p in dataset.partnerships_of(a) if p.other(a) == b and p.kind == kind)


def test_fetch_speaks_the_protocol_with_a_user_agent_and_two_requests_per_batch(
    endpoint: tuple[str, Endpoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITYNET_CONTACT", "international@example.org")
    url, state = endpoint
    fetched = sparql.fetch(["Q64", "Q65"], url)
    assert fetched.batches == [2]  # the links of the batch, then the facts of its cities
    assert len(state.requests) == fetched.requests == 2
    agent = f"citynet/{__version__} (international@example.org) Python-urllib/"
    assert all(r["agent"].startswith(agent) for r in state.requests)
    assert all("SERVICE" not in r["query"] for r in state.requests)
    found = {(link.subject, link.object): link for link in fetched.links}
    assert set(found) == {("Q64", "Q65"), ("Q65", "Q64"), ("Q64", "Q90"), ("Q64", "Q3616")}
    assert found["Q64", "Q65"].since == 1967
    assert found["Q64", "Q65"].references == ("https://www.berlin.de/partnerstaedte/los-angeles",)
    tehran = fetched.items["Q3616"]
    assert (tehran.de, tehran.en, tehran.country) == ("Teheran", "Tehran", "IR")
    assert tehran.lat == pytest.approx(35.689) and tehran.lng == pytest.approx(51.389)


def test_cities_are_asked_in_batches(endpoint: tuple[str, Endpoint]) -> None:
    url, state = endpoint
    fetched = sparql.fetch(["Q64", "Q65", "Q90"], url, batch=2)
    assert fetched.batches == [2, 1]  # the second batch's cities are known already
    assert len(state.requests) == 3


def test_a_fetch_gives_years_beside_the_documented_source_and_keeps_the_kind(
    endpoint: tuple[str, Endpoint], shipped: Dataset
) -> None:
    url, _state = endpoint
    fetched = sparql.fetch(["Q64"], url)
    merged, report = sparql.merge(shipped, fetched)
    source = sparql.source_for(fetched.retrieved)
    la = relation(merged, "berlin", "los-angeles")
    assert la.since == 1967 and la.since_source == source.id
    assert la.sources == ("berlin-partnerschaften", source.id)
    assert source in merged.sources
    paris = relation(merged, "berlin", "paris")
    assert paris.since == 1987 and paris.kind == "partnership"
    # The exchange and the cooperation with Paris are other relations: no year for them.
    assert relation(merged, "berlin", "paris", "exchange").since is None
    # Tehran is new, a twinning of unknown kind, with the German name Wikidata knows.
    tehran = next(c for c in merged.cities if c.wikidata == "Q3616")
    assert (tehran.name, tehran.name_en, tehran.country) == ("Teheran", "Tehran", "IR")
    assert relation(merged, "berlin", tehran.id, "twinning").sources == (source.id,)
    assert report.years_added == 2 and report.links_added == 1


def test_diff_finds_what_each_side_lacks(endpoint: tuple[str, Endpoint], shipped: Dataset) -> None:
    url, _state = endpoint
    berlin = shipped.city_by_id["berlin"]
    found = sparql.diff(shipped, sparql.fetch(["Q64"], url), [berlin])
    by = {(d.what, d.partner) for d in found}
    assert ("missing in wikidata", "moskau") in by
    assert ("missing in wikidata", "los-angeles") not in by
    assert ("missing here", "Q3616") in by  # Tehran: not a city of the dataset
    assert ("one side only", "paris") in by
    assert ("one side only", "los-angeles") not in by
    # Every formal partner but the two the endpoint knows; Brüssel too, though it has no
    # QID (QuickStatements cannot name it, the table still shows it).
    formal = {
        p.other("berlin") for p in shipped.partnerships_of("berlin") if p.kind == "partnership"
    }
    missing = {d.partner for d in found if d.what == "missing in wikidata"}
    assert missing == formal - {"los-angeles", "paris"}
    assert "bruessel" in missing


def test_a_year_that_disagrees_is_a_difference(
    endpoint: tuple[str, Endpoint], shipped: Dataset
) -> None:
    from msgspec.structs import replace

    url, _state = endpoint
    la = relation(shipped, "berlin", "los-angeles")
    changed = shipped.replace(
        partnerships=tuple(replace(p, since=1968) if p is la else p for p in shipped.partnerships),
    )
    found = sparql.diff(changed, sparql.fetch(["Q64"], url), [changed.city_by_id["berlin"]])
    (years,) = [d for d in found if d.what == "years differ"]
    assert (years.partner, years.since, years.wikidata_since) == ("los-angeles", 1968, 1967)


def test_quickstatements_propose_both_directions_with_a_reference(
    endpoint: tuple[str, Endpoint], shipped: Dataset
) -> None:
    from msgspec.structs import replace

    url, _state = endpoint
    documented = shipped.source_by_id["berlin-partnerschaften"]
    cited = shipped.replace(
        sources=tuple(
            replace(s, url="https://www.berlin.de/partnerstaedte/", date="2026-11-30")
            if s is documented
            else s
            for s in shipped.sources
        ),
    )
    found = sparql.diff(cited, sparql.fetch(["Q64"], url), [cited.city_by_id["berlin"]])
    lines, skipped = sparql.quickstatements(cited, found)
    assert "Q64\tP190\tQ649" in "\n".join(lines) and "Q649\tP190\tQ64" in "\n".join(lines)
    assert len(lines) == 2 * len([d for d in found if d.what == "missing in wikidata"]) - 2 * len(
        skipped
    )
    for line in lines:
        cells = line.split("\t")
        assert cells[1] == "P190" and cells[0] != cells[2]
        assert cells[cells.index("S854") + 1] == '"https://www.berlin.de/partnerstaedte/"'
        assert cells[cells.index("S813") + 1] == "+2026-11-30T00:00:00Z/11"
    # Without a source address there is nothing to cite: no line, but the case is reported.
    bare_lines, bare_skipped = sparql.quickstatements(shipped, found)
    assert bare_lines == [] and len(bare_skipped) == len(lines) // 2 + len(skipped)


def test_a_known_start_goes_into_the_statement_as_p580(shipped: Dataset) -> None:
    d = sparql.Difference(
        "missing in wikidata",
        "berlin",
        "moskau",
        "Q64",
        "Q649",
        "partnership",
        1991,
        sources=("ref",),
    )
    from msgspec.structs import replace

    with_ref = shipped.replace(
        sources=(
            *shipped.sources,
            replace(shipped.sources[0], id="ref", url="https://www.wikidata.org/wiki/Q1"),
        ),
    )
    lines, _skipped = sparql.quickstatements(with_ref, [d])
    assert lines == [
        "Q64\tP190\tQ649\tP580\t+1991-00-00T00:00:00Z/9\tS248\tQ1",
        "Q649\tP190\tQ64\tP580\t+1991-00-00T00:00:00Z/9\tS248\tQ1",
    ]


def test_429_and_503_are_retried_after_the_time_the_server_asks(
    endpoint: tuple[str, Endpoint],
) -> None:
    url, state = endpoint
    state.fail_first = [(429, "3"), (503, "1")]
    waited: list[float] = []
    rows = sparql.ask(url, sparql.facts_query(["Q64"]), sleep=waited.append)
    assert waited == [3.0, 1.0]
    assert rows[0]["de"] == "Berlin" and len(state.requests) == 3


def test_too_many_refusals_are_a_clear_error(endpoint: tuple[str, Endpoint]) -> None:
    url, state = endpoint
    state.fail_first = [(503, "0")] * 3
    with pytest.raises(sparql.FetchError, match="503"):
        sparql.ask(url, sparql.facts_query(["Q64"]), retries=2, sleep=lambda _s: None)


def test_an_answer_that_is_not_sparql_json_is_a_clear_error(endpoint: tuple[str, Endpoint]) -> None:
    url, state = endpoint
    state.answer = b"<html>maintenance</html>"
    with pytest.raises(sparql.FetchError, match="did not answer with SPARQL results"):
        sparql.fetch(["Q64"], url)


def test_an_answer_larger_than_citynet_reads_is_a_clear_error(
    endpoint: tuple[str, Endpoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, state = endpoint
    state.answer = b'{"head": {"vars": []}, "results": {"bindings": []}}' + b" " * 200
    monkeypatch.setenv("CITYNET_MAX_BYTES", "200")
    with pytest.raises(sparql.FetchError, match="larger than 200 bytes"):
        sparql.ask(url, "SELECT * WHERE {}")
    monkeypatch.setenv("CITYNET_MAX_BYTES", "300")
    assert sparql.ask(url, "SELECT * WHERE {}") == []


def test_an_unreachable_endpoint_is_a_clear_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nobody listens
    with pytest.raises(sparql.FetchError, match="cannot reach"):
        sparql.ask(f"http://127.0.0.1:{port}/sparql", "SELECT * WHERE {}", timeout=5)


@pytest.mark.parametrize(
    ("header", "attempt", "wait"),
    [
        ("7", 0, 7.0),
        (None, 0, 2.0),
        (None, 2, 8.0),
        ("100000", 0, sparql.MAX_WAIT),
        ("soon", 1, 4.0),
    ],
)
def test_retry_after_in_seconds_or_by_default_doubling(
    header: str | None, attempt: int, wait: float
) -> None:
    assert sparql.retry_after(header, attempt) == wait


# --- the commands -----------------------------------------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped data."""
    target = tmp_path / "networks.toml"
    target.write_bytes(DATA.read_bytes())
    return target


def run(path: Path, *args: str) -> tuple[int, str, str]:
    from typer.testing import CliRunner

    from citynet.cli import app

    result = CliRunner().invoke(app, ["--data", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


def test_fetch_command_writes_the_years_and_says_what_it_asked(
    endpoint: tuple[str, Endpoint], copy: Path
) -> None:
    url, _state = endpoint
    code, out, err = run(copy, "wikidata", "fetch", "berlin", "--endpoint", url)
    assert code == 0, err
    assert "2 requests (2 per batch)" in out
    assert "relations that gained years: 2" in out
    la = relation(load(copy), "berlin", "los-angeles")
    assert la.since == 1967 and la.kind == "partnership"
    code, out, _err = run(copy, "partners", "berlin", "--as-of", "1990", "--format", "tsv")
    assert [row.split("\t")[0] for row in out.splitlines()[1:]] == ["los-angeles", "paris"]
    code, out, _err = run(copy, "timeline", "berlin", "--format", "json")
    import json

    began = [e for e in json.loads(out) if e["event"] == "began" and e.get("city") == "los-angeles"]
    code, report, _err = run(copy, "--lang", "en", "report", "berlin", "--format", "md")
    timeline = report[report.index("## 5. Timeline") : report.index("## Sources")]
    assert "| 1967 | began | Los Angeles" in timeline
    assert began == [
        {
            "year": 1967,
            "event": "began",
            "city": "los-angeles",
            "name": "Los Angeles",
            "kind": "partnership",
            "source": la.since_source,
            "role": None,
        }
    ]


def test_an_unreachable_endpoint_writes_nothing(copy: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    before = copy.read_bytes()
    code, _out, err = run(copy, "wikidata", "fetch", "--endpoint", f"http://127.0.0.1:{port}/")
    assert code == 3
    assert "cannot reach" in err and "Traceback" not in err
    assert copy.read_bytes() == before


def test_a_bad_answer_writes_nothing(endpoint: tuple[str, Endpoint], copy: Path) -> None:
    url, state = endpoint
    state.answer = b'{"head": {}}'
    before = copy.read_bytes()
    code, _out, err = run(copy, "wikidata", "fetch", "berlin", "--endpoint", url)
    assert code == 3 and "did not answer with SPARQL results" in err
    assert copy.read_bytes() == before


def test_diff_command_writes_quickstatements_and_names_what_it_cannot_propose(
    endpoint: tuple[str, Endpoint], copy: Path
) -> None:
    url, _state = endpoint
    code, _out, err = run(
        copy,
        "edit",
        "source",
        "berlin-partnerschaften",
        "--url",
        "https://www.berlin.de/partnerstaedte/",
    )
    assert code == 0, err
    code, out, err = run(
        copy, "wikidata", "diff", "berlin", "--endpoint", url, "--format", "quickstatements"
    )
    assert code == 0, err
    assert 'Q64\tP190\tQ649\tS854\t"https://www.berlin.de/partnerstaedte/"' in out.splitlines()
    assert "berlin–bruessel (partnership): no Wikidata id" in err
    code, out, err = run(copy, "wikidata", "diff", "berlin", "--endpoint", url, "--format", "tsv")
    rows = [line.split("\t") for line in out.splitlines()]
    assert rows[0][:3] == ["difference", "city", "partner"]
    assert rows[[r[2] for r in rows].index("paris")][:3] == ["one side only", "berlin", "paris"]


def test_diff_json_follows_its_schema(endpoint: tuple[str, Endpoint], copy: Path) -> None:
    import json

    import jsonschema

    from citynet.schemas import document

    url, _state = endpoint
    code, out, err = run(copy, "wikidata", "diff", "berlin", "--endpoint", url, "--format", "json")
    assert code == 0, err
    found = json.loads(out)
    jsonschema.Draft202012Validator(document("wikidata-diff")).validate(found)
    assert {d["difference"] for d in found} == {
        "missing in wikidata",
        "missing here",
        "one side only",
    }


def test_the_reference_of_a_start_year_is_the_source_that_states_it(
    endpoint: tuple[str, Endpoint], shipped: Dataset
) -> None:
    from msgspec.structs import replace

    url, _state = endpoint
    chronicle = replace(
        shipped.sources[0], id="chronik", url="https://example.org/chronik", date="2019"
    )
    moskau = relation(shipped, "berlin", "moskau")
    dated = shipped.replace(
        sources=(*shipped.sources, chronicle),
        partnerships=tuple(
            replace(p, since=1991, since_source="chronik") if p is moskau else p
            for p in shipped.partnerships
        ),
    )
    found = sparql.diff(dated, sparql.fetch(["Q64"], url), [dated.city_by_id["berlin"]])
    lines, _skipped = sparql.quickstatements(dated, found)
    assert lines == [
        'Q64\tP190\tQ649\tP580\t+1991-00-00T00:00:00Z/9\tS854\t"https://example.org/chronik"'
        "\tS813\t+2019-00-00T00:00:00Z/9",
        'Q649\tP190\tQ64\tP580\t+1991-00-00T00:00:00Z/9\tS854\t"https://example.org/chronik"'
        "\tS813\t+2019-00-00T00:00:00Z/9",
    ]

"""Sources say what they are: an import's citation, publisher, dates, licence and address
are stored and shown by `sources`, `show SOURCE`, the report and `export json`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from citynet import store
from citynet.citing import SourceInfo, known_defaults
from citynet.cli import app

runner = CliRunner()
MEMBERS = Path(__file__).parent / "fixtures" / "members"


def cli(path: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


def test_an_import_stores_what_it_is_told_about_its_source(mini: Path) -> None:
    code, _, err = cli(
        mini, "import", "members", str(MEMBERS / "staedte.tsv"), "--network", "eurocities",
        "--map", "name=Stadt", "--map", "country=Land", "--source", "staedtetag",
        "--publisher", "Deutscher Städtetag", "--citation", "Städtetag (2026): Mitglieder",
        "--licence", "CC BY 4.0", "--retrieved", "2026-11-30", "--date", "2026-10-01",
        "--url", "https://example.org/mitglieder",
    )  # fmt: skip
    assert code == 0, err
    source = store.load(mini).source_by_id["staedtetag"]
    assert (source.publisher, source.citation, source.licence) == (
        "Deutscher Städtetag",
        "Städtetag (2026): Mitglieder",
        "CC BY 4.0",
    )
    assert (source.retrieved, source.date, source.url, source.file) == (
        "2026-11-30",
        "2026-10-01",
        "https://example.org/mitglieder",
        "staedte.tsv",
    )

    # … and every place that shows a source shows it.
    code, out, err = cli(mini, "sources", "--format", "json")
    listed = next(s for s in json.loads(out) if s["id"] == "staedtetag")
    assert (listed["citation"], listed["licence"], listed["retrieved"]) == (
        "Städtetag (2026): Mitglieder",
        "CC BY 4.0",
        "2026-11-30",
    )
    code, out, err = cli(mini, "sources", "--format", "tsv")
    assert "CC BY 4.0\t2026-11-30\tStädtetag (2026): Mitglieder" in out
    code, out, err = cli(mini, "show", "staedtetag", "--format", "table")
    assert code == 0, err
    assert "Städtetag (2026): Mitglieder. https://example.org/mitglieder. Retrieved" in out
    assert "Licence: CC BY 4.0" in out
    code, out, err = cli(mini, "export", "json", "-")
    exported = next(s for s in json.loads(out)["sources"] if s["id"] == "staedtetag")
    assert exported["licence"] == "CC BY 4.0" and exported["retrieved"] == "2026-11-30"
    code, out, err = cli(mini, "report", "koeln", "--format", "md")
    assert code == 0, err
    assert "Städtetag (2026): Mitglieder. https://example.org/mitglieder." in out


def test_an_import_without_options_is_retrieved_today_and_says_so(mini: Path) -> None:
    import datetime

    code, _, err = cli(
        mini, "import", "members", str(MEMBERS / "eurocities-long.json"),
        "--network", "eurocities",
    )  # fmt: skip
    assert code == 0, err
    source = store.load(mini).source_by_id["import-eurocities-long"]
    assert source.retrieved == datetime.date.today().isoformat()
    assert source.date == ""  # the table states none; none is made up


def test_known_tables_bring_their_citation_and_licence() -> None:
    climactor = known_defaults(Path("climactor-2022-12.csv"))
    assert climactor.citation.startswith("Hsu, A., Yeo, Z.Y., Rauber, R. et al.")
    assert "must cite" in climactor.licence
    assert known_defaults(Path("members.csv")) == SourceInfo()
    given = SourceInfo(licence="CC BY-NC 4.0").over(climactor)
    assert (given.licence, given.citation) == ("CC BY-NC 4.0", climactor.citation)

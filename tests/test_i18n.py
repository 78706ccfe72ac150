"""One language at a time (issue 13): German or English, never both; scripts see neither."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from catalog import PO, compiled, messages
from typer.testing import CliRunner

from citynet.cli import app, global_options_first

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
GERMAN = "de_DE.UTF-8"
ENGLISH = "en_US.UTF-8"


def run(lang: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner(env={"LANG": lang, "COLUMNS": "200"}).invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_every_message_shown_has_a_german_translation() -> None:
    from babel.messages.pofile import read_po

    with PO.open("rb") as file:
        catalog = read_po(file, locale="de")
    missing = [
        m.id
        for m in messages()
        if m.id
        and (
            m.id not in catalog
            or not catalog[m.id].string
            or catalog[m.id].fuzzy
            or (isinstance(catalog[m.id].string, tuple) and not all(catalog[m.id].string))
        )
    ]
    assert not missing, "run `python tests/catalog.py` and translate: " + repr(missing[:10])


def test_the_compiled_catalog_is_the_po_compiled() -> None:
    mo = PO.with_suffix(".mo")
    assert mo.exists(), "build the package (pip install -e .) or run tests/catalog.py"
    assert mo.read_bytes() == compiled(PO), "stale .mo: run `python tests/catalog.py`"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": GERMAN}, "de"),
        ({"LANG": ENGLISH}, "en"),
        ({"LANG": GERMAN, "LC_ALL": "C"}, "en"),
        ({"LANG": ENGLISH, "LC_MESSAGES": "de_AT.UTF-8"}, "de"),
        ({"LANG": ENGLISH, "CITYNET_LANG": "de"}, "de"),
        ({"LANG": GERMAN, "CITYNET_LANG": "fr"}, "de"),
        ({}, "en"),
    ],
)
def test_the_language_follows_the_locale(env: dict[str, str], expected: str) -> None:
    from citynet.i18n import language_from

    assert language_from(env) == expected
    assert language_from(env, "en") == "en"
    assert language_from(env, "fr") == expected  # not a language: the locale decides


def test_tables_speak_one_language_at_a_time() -> None:
    german = run(GERMAN, "partners", "berlin", "--format", "table")[1]
    english = run(ENGLISH, "partners", "berlin", "--format", "table")[1]
    assert "Partner von Berlin" in german and "Art" in german
    assert "Städtepartnerschaft" in german and "partnership " not in german
    assert "Partners of Berlin" in english and "Kind" in english
    assert "twinning partnership" in english and "Städtepartnerschaft" not in english


def test_lang_option_overrides_the_locale_before_and_after_the_command() -> None:
    assert "Themen" in run(ENGLISH, "--lang", "de", "themes", "-f", "table")[1]
    assert "Theme" in run(GERMAN, "themes", "-f", "table", "--lang", "en")[1]


def test_scripts_read_the_same_bytes_in_every_language() -> None:
    for fmt in ("tsv", "csv", "json"):
        outputs = {
            run(lang, "partners", "berlin", "--format", fmt)[1] for lang in (GERMAN, ENGLISH)
        }
        assert len(outputs) == 1, fmt
    tsv = run(GERMAN, "compare", "berlin", "koeln", "--format", "tsv")[1]
    assert "\talle\t" not in tsv


def test_click_words_are_german_under_a_german_locale() -> None:
    code, _out, err = run(GERMAN, "list", "--bogus")
    assert code == 2
    assert " list [OPTIONEN]" in err
    assert "Fehler: Unbekannte Option: --bogus" in err
    code, _out, err = run(GERMAN, "show")
    assert "Fehler: Argument 'Name' fehlt." in err  # the argument's name in German too
    help_text = run(GERMAN, "partners", "--help")[1]
    assert "Optionen:" in help_text and "Diese Hilfe zeigen und beenden." in help_text
    assert "Die Partnerstädte einer Stadt" in help_text and "[Pflicht]" in help_text
    english = run(ENGLISH, "partners", "--help")[1]
    assert "Options:" in english and "A city's partner cities" in english


def test_core_errors_are_translated_where_shown() -> None:
    assert "kein(e) Stadt namens 'berlinn'" in run(GERMAN, "partners", "berlinn")[2]
    assert "no city named 'berlinn'" in run(ENGLISH, "partners", "berlinn")[2]


def test_global_options_after_the_command_mean_the_same(tmp_path: Path) -> None:
    assert global_options_first(["list", "--data", "x.toml", "--theme", "klima"]) == [
        "--data",
        "x.toml",
        "list",
        "--theme",
        "klima",
    ]
    assert global_options_first(["show", "--", "--lang"]) == ["show", "--", "--lang"]
    missing = str(tmp_path / "none.toml")
    code, _, err = run(ENGLISH, "list", "--data", missing, "--no-color")
    assert code == 3 and "none.toml" in err


def test_not_kind_leaves_out_kinds() -> None:
    everything = run(ENGLISH, "partners", "berlin", "-f", "tsv")[1].splitlines()[1:]
    without = run(ENGLISH, "partners", "berlin", "--not-kind", "partnership", "-f", "tsv")[1]
    rows = without.splitlines()[1:]
    assert rows and len(rows) < len(everything)
    assert all(row.split("\t")[3] != "partnership" for row in rows)


def test_a_filter_says_what_it_left_out_on_stderr_in_a_pipe() -> None:
    _code, out, err = run(ENGLISH, "list", "--founded-before", "1990")
    assert "networks left out: their founding year is not known." in err
    assert "left out" not in out
    assert "Gründungsjahr ist nicht bekannt" in run(GERMAN, "list", "--founded-after", "1")[2]


def test_an_empty_result_says_so_on_a_terminal() -> None:
    assert (
        "(nichts gefunden)"
        in run(
            GERMAN,
            "partners",
            "koeln",
            "--not-kind",
            "partnership",
            "--not-kind",
            "friendship",
            "-f",
            "table",
        )[1]
    )


def test_years_after_this_one_are_refused(tmp_path: Path) -> None:
    import shutil

    from conftest import MINI

    data = tmp_path / "networks.toml"
    shutil.copy(MINI, data)
    code, _, err = run(
        ENGLISH, "--data", str(data), "edit", "network", "eurocities", "--founded", "2090"
    )
    assert code == 3 and "expected a year 1800–" in err and "got 2090" in err


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    import shutil

    from conftest import MINI

    data = tmp_path / "networks.toml"
    shutil.copy(MINI, data)
    before = data.read_bytes()
    code, out, _ = run(
        ENGLISH,
        "--data",
        str(data),
        "edit",
        "network",
        "eurocities",
        "--founded",
        "1987",
        "--dry-run",
    )
    assert code == 0 and "+founded = 1987" in out
    assert data.read_bytes() == before


# --- the README's examples, in both languages -----------------------------------------

# Words of citynet's own that must not show in the other language (not the data's words).
ENGLISH_WORDS = re.compile(
    r"(?<![-])\b(Usage|Options|Commands|Arguments|Error|networks?|cities|Partners of|Scope|Themes|"
    r"Founded|Kind|Period|Country|Field|Value|Source|nothing found|matches?|Comparison|"
    r"Hidden|since|until|left out)\b"
)
GERMAN_WORDS = re.compile(
    r"(?<![-])\b(Aufruf|Optionen|Befehle|Fehler|Netzwerke|Städte|Partner von|Ebene|Themen|Gegr\.|"
    r"Zeitraum|Land|Feld|Wert|Quelle|nichts gefunden|Treffer|Vergleich|Ausgeblendet|seit|bis|"
    r"ausgelassen)\b"
)
READ_ONLY = {
    "list",
    "show",
    "partners",
    "compare",
    "themes",
    "cities",
    "search",
    "sources",
    "stats",
    "suggest",
    "fields",
}  # not `schema`: its titles are the JSON Schemas' own, part of the contract


def readme_examples() -> list[list[str]]:
    """Each `citynet …` line of the README's shell blocks that reads data, without its
    own --lang (the test chooses the language) and without pipes or redirections."""
    import shlex

    commands = []
    in_shell = False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_shell = not in_shell and line.strip() in ("```sh", "```bash", "```console")
            continue
        line = line.strip().removeprefix("$ ")
        if not in_shell or not line.startswith("citynet ") or any(c in line for c in "|><\\"):
            continue
        words = shlex.split(line, comments=True)[1:]
        if "--lang" in words:
            del words[words.index("--lang") : words.index("--lang") + 2]
        command = next((w for w in words if not w.startswith("-")), "")
        if command in READ_ONLY and not {"--format", "-f", "-o", "--output"} & set(words):
            commands.append(words)
    return commands


@pytest.mark.parametrize(("lang", "foreign"), [(GERMAN, ENGLISH_WORDS), (ENGLISH, GERMAN_WORDS)])
def test_readme_examples_speak_one_language(lang: str, foreign: re.Pattern[str]) -> None:
    examples = readme_examples()
    assert len(examples) >= 10
    for words in examples:
        # A table as on a terminal; the data's own words (names, descriptions) are masked.
        _code, out, err = (
            run(lang, *words, "--format", "table") if words[0] != "fields" else run(lang, *words)
        )
        shown = _without_data(out + err)
        # A table wraps long data cells: words of the data itself are the data's to choose.
        found = [w for w in foreign.findall(shown) if w not in DATA_WORDS()]
        assert not found, (words, found)


def DATA_WORDS() -> set[str]:
    from citynet.cache import load_cached
    from citynet.files import data_path

    data = load_cached(data_path(None))
    records = (*data.networks, *data.memberships, *data.partnerships, *data.sources)
    return {w for r in records for text in vars_of(r) for w in re.findall(r"[\w.]+", text)}


def _without_data(text: str) -> str:
    """The text without the dataset's own words: table cells of data vary by record."""
    from citynet.cache import load_cached
    from citynet.files import data_path

    data = load_cached(data_path(None))
    records = (*data.networks, *data.cities, *data.themes, *data.sources, *data.memberships)
    for record in (*records, *data.partnerships):
        for value in vars_of(record):
            if len(value) > 2:
                text = text.replace(value, "")
    return text


def vars_of(record: object) -> list[str]:
    """Every text in a record and in the records it holds, longest first."""
    values: list[str] = []
    for name in getattr(record, "__struct_fields__", ()):
        value = getattr(record, name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, str):
                values.append(item)
            elif hasattr(item, "__struct_fields__"):
                values += vars_of(item)
    return sorted(values, key=len, reverse=True)


def test_a_real_process_speaks_german_under_a_german_locale() -> None:
    env = {**os.environ, "LANG": GERMAN, "PYTHONPATH": str(ROOT)}
    env.pop("LC_ALL", None)
    result = subprocess.run(
        [sys.executable, "-m", "citynet", "list", "--nope"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    assert "Fehler: Unbekannte Option: --nope" in result.stderr


def citynet(lang: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "LANG": lang, "PYTHONPATH": str(ROOT)}
    for name in ("LC_ALL", "LC_MESSAGES", "CITYNET_LANG"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "citynet", *args], capture_output=True, env=env, check=False
    )


def test_partners_tsv_is_the_same_bytes_in_real_processes_under_every_locale() -> None:
    outputs = {citynet(lang, "partners", "berlin", "--format", "tsv").stdout
               for lang in (GERMAN, ENGLISH, "C.UTF-8", "fr_FR.UTF-8")}  # fmt: skip
    assert len(outputs) == 1 and next(iter(outputs)).startswith(b"city\tname\t")


def test_global_options_after_the_command_in_a_real_process(tmp_path: Path) -> None:
    from conftest import MINI

    result = citynet(GERMAN, "list", "--format", "ids", "--data", str(MINI), "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [b"eurocities", b"klima-buendnis"]


@pytest.mark.parametrize(("lang", "foreign"), [(GERMAN, ENGLISH_WORDS), (ENGLISH, GERMAN_WORDS)])
def test_every_help_speaks_one_language(lang: str, foreign: re.Pattern[str]) -> None:
    from citynet.cli.app import whole_app

    group = whole_app()
    paths = [[]] + [[name] for name in group.commands]  # type: ignore[attr-defined]
    paths += [
        [name, sub]
        for name, command in group.commands.items()  # type: ignore[attr-defined]
        for sub in getattr(command, "commands", {})
    ]
    for path in paths:
        code, out, _ = run(lang, *path, "--help")
        assert code == 0, path
        # Example lines and command names are commands, the same in every language.
        names = "|".join(group.commands)  # type: ignore[attr-defined]
        lines = [re.sub(rf"^  ({names}) ", "", line) for line in out.splitlines()]
        lines[0] = lines[0].replace(" ".join(path), "")  # the usage line names the command
        prose = "\n".join(line for line in lines if not line.strip().startswith("citynet "))
        found = [w for w in foreign.findall(prose) if w not in machine_words()]
        assert not found, (path, found)


def machine_words() -> set[str]:
    """Words a person types as values, the same in every language: kinds of record,
    partnership kinds, scopes, field names, the tables of stats."""
    from citynet.model import PARTNERSHIP_KINDS, SCOPES
    from citynet.schema import KINDS, fields_of
    from citynet.stats import TABLES

    words = {*KINDS, *PARTNERSHIP_KINDS, *SCOPES, *TABLES}
    words |= {spec.name for kind in KINDS.values() for spec in fields_of(kind)}
    return words


# --- German to the last message (issue 17 §6) --------------------------------------------

# Words of English prose that German never uses; a message that still holds one is (half)
# English. The values a message quotes (the data's, the user's, the TOML text's) and the
# options it names are taken out first: they are the same in every language.
ENGLISH_PROSE = re.compile(
    r"\b(the|is|are|not|no|such|expected|got|missing|unknown|available|fields?|files?|"
    r"cannot|must|should|of|and|or|with|which|from|to|line|column|Invalid|Illegal|Expected|"
    r"Unterminated|Cannot|Error|Usage|Try|permission|denied|read-only|writable|table|"
    r"array|string|number|whole|year|name[ds]?|city|cities|network|partnership|kind)\b"
)
QUOTED = re.compile(
    r"'[^'\n]*'|\"[^\"\n]*\"|`[^`\n]*`"  # quoted values
    r"|(?<![\w-])--?[\w-]+(?:=[\w=,]+)?"  # options
    r"|/\S+"  # file names
    r"|\b[a-z_]+\[\d+\]"  # a record in the file: cities[2]
    r"|[\w-]+(?: \([^)]*\))?(?:, [\w-]+(?: \([^)]*\))?){2,}"  # ids and keys: id, name, scope
)


def english_left(text: str) -> list[str]:
    """The English words in `text` outside quotes, option names and file names."""
    return ENGLISH_PROSE.findall(QUOTED.sub("", text))


def error_paths(tmp_path: Path) -> list[list[str]]:
    """Command lines that fail in as many ways as a person can make them fail: missing,
    unreadable and invalid files, TOML syntax, wrong values, unknown names and words."""
    from conftest import MINI

    good = MINI.read_text(encoding="utf-8")

    def data(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes(b'schema_version = 1\nname = "K\xf6ln"\n')
    read_only = data("read-only.toml", good)
    os.chmod(read_only, 0o444)
    bad_toml = {
        "unterminated": good.replace('name = "Paris"', 'name = "Paris'),
        "bad-value": good.replace("founded = 1990", "founded = 19x0"),
        "twice": good.replace("founded = 1990", "founded = 1990\nfounded = 1991"),
        "header": good.replace("[[cities]]", "[[cities]", 1),
        "no-equals": good.replace('name = "Paris"', 'name "Paris"'),
    }
    bad_values = {
        "year-as-text": good.replace("founded = 1990", 'founded = "1990"'),
        "number-for-list": good.replace('aliases = ["climate"]', "aliases = 5"),
        "no-name": good.replace('name = "Paris"\n', ""),
        "unknown-key": good.replace("founded = 1990", "fonded = 1990"),
        "id-not-a-slug": good.replace('id = "paris"', 'id = "Paris"'),
        "unknown-source": good.replace('sources = ["doc-b"]', 'sources = ["doc-x"]', 1),
    }
    members = Path(__file__).parent / "fixtures" / "members" / "staedte.tsv"
    return [
        ["--data", str(tmp_path / "none.toml"), "list"],
        ["--data", str(tmp_path), "list"],
        ["--data", str(latin1), "list"],
        ["--data", read_only, "edit", "network", "eurocities", "--founded", "1991"],
        *(["--data", data(f"{k}.toml", v), "list"] for k, v in bad_toml.items()),
        *(["--data", data(f"{k}.toml", v), "check"] for k, v in bad_values.items()),
        ["list", "--fields", "bogus"],
        ["list", "--fields", ","],
        ["cities", "--sort", "bogus"],
        ["cities", "--limit", "-1"],
        ["list", "--theme", "bogus"],
        ["list", "--scope", "planet"],
        ["partners", "berlinn"],
        ["partners", "berlin", "--kind", "bogus"],
        ["show", "atlantis"],
        ["show"],
        ["list", "--bogus"],
        ["--data", data("add.toml", good), "add", "city", "--id", "lyon"],
        ["--data", data("add2.toml", good), "add", "city", "--id", "Lyon", "--name", "Lyon",
         "--country", "FR", "--source", "doc-a"],
        ["--data", data("rm.toml", good), "remove", "partnership", "berlin:koeln"],
        ["--data", data("imp.toml", good), "import", "members", str(tmp_path / "none.csv"),
         "--network", "eurocities"],
        ["--data", data("imp2.toml", good), "import", "members", data("bad.json", "{nope"),
         "--network", "eurocities"],
        ["--data", data("imp3.toml", good), "import", "members", str(members),
         "--network", "eurocities", "--map", "name=Gemeinde"],
        ["--data", data("imp4.toml", good), "import", "members", str(members)],
        ["--data", data("imp5.toml", good), "import", "wikidata", "--cities",
         data("empty.tsv", ""), "--links", data("empty2.tsv", "")],
    ]  # fmt: skip


def test_every_error_path_speaks_german_to_the_last_word(tmp_path: Path) -> None:
    english = {}
    for words in error_paths(tmp_path):
        code, _out, err = run(GERMAN, *words)
        assert code in (1, 2, 3) and err, (words, code)
        assert "Traceback" not in err
        if found := english_left(err):
            english[" ".join(words[-3:])] = (found, err)
    assert not english, english


def test_the_marker_words_find_english_messages(tmp_path: Path) -> None:
    # The same error paths in English: the check above would see what was left English.
    found = [english_left(run(ENGLISH, *words)[2]) for words in error_paths(tmp_path)]
    assert sum(map(bool, found)) >= len(found) * 3 // 4


def test_toml_syntax_errors_are_german_with_line_and_column(tmp_path: Path) -> None:
    from citynet import store
    from citynet.errors import DataError
    from citynet.i18n import speaking

    text = 'schema_version = 1\n\n[[sources]]\nid = "a\n'
    with speaking("de"), pytest.raises(DataError) as caught:
        store.parse(text, "daten.toml")
    assert (
        str(caught.value)
        == "daten.toml:4: TOML-Syntaxfehler: Unzulässiges Zeichen '\\n' (Spalte 8)"
    )
    with pytest.raises(DataError) as caught:
        store.parse(text, "data.toml")
    assert str(caught.value) == "data.toml:4: TOML syntax error: Illegal character '\\n' (column 8)"


def test_help_placeholders_are_words_of_the_language() -> None:
    german = run(GERMAN, "compare", "--help")[1]
    assert (
        "{Namen...}" in german and "--fields <Text>" in german and "-o, --output <Datei>" in german
    )
    english = run(ENGLISH, "list", "--help")[1]
    assert "--limit <number>" in english and "<str>" not in english and "<int>" not in english


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("de", ["2.952.301", "0,125", "1.234,5"]), ("en", ["2,952,301", "0.125", "1,234.5"])],
)
def test_numbers_are_written_as_the_language_writes_them(lang: str, expected: list[str]) -> None:
    from citynet.i18n import number, speaking

    with speaking(lang):
        assert [number(2952301), number(0.125, 3), number(1234.5, 1)] == expected


def test_population_is_written_by_the_interface_language_and_plain_for_scripts(mini: Path) -> None:
    text = mini.read_text(encoding="utf-8").replace(
        'id = "berlin"\n', 'id = "berlin"\npopulation = 2952301\n'
    )
    mini.write_text(text, encoding="utf-8")
    tables = {
        lang: run(lang, "--data", str(mini), "show", "berlin", "--format", "table")[1]
        for lang in (GERMAN, ENGLISH)
    }
    assert "2.952.301" in tables[GERMAN] and "2,952,301" not in tables[GERMAN]
    assert "2,952,301" in tables[ENGLISH] and "2.952.301" not in tables[ENGLISH]
    for lang in (GERMAN, ENGLISH):
        tsv = run(lang, "--data", str(mini), "show", "berlin", "--format", "tsv")[1]
        assert "population\t2952301\t" in tsv


def test_cells_of_several_kinds_are_translated_kind_by_kind() -> None:
    german = run(GERMAN, "partners", "berlin", "--format", "table", "--fields", "city,kind")[1]
    english_kinds = re.compile(r"\b(partnership|friendship|contact|project|cooperation|exchange)\b")
    assert "; " in german and not english_kinds.findall(german)
    tsv = run(GERMAN, "partners", "berlin", "--format", "tsv", "--fields", "kind")[1]
    assert set(tsv.split()) >= {"kind", "partnership", "exchange"}

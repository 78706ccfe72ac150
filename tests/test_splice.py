"""Edits cost what they change: spliced text, the same bytes as a rewrite, a warm cache."""

from __future__ import annotations

import difflib
import operator
import random
import re
from pathlib import Path

import pytest
from msgspec.structs import replace
from typer.testing import CliRunner

from citynet import cache, changes, model, splice, store
from citynet.cli import app
from citynet.files import shipped_path
from citynet.model import SECTIONS, City, Dataset, Membership, Partnership

runner = CliRunner()


def random_change(dataset: Dataset, rng: random.Random) -> Dataset:
    """One to four edits, additions and removals, as commands make them."""
    source = dataset.sources[0].id
    for _ in range(rng.randint(1, 4)):
        section = rng.choice(list(SECTIONS))
        records = list(getattr(dataset, section))
        roll = rng.random()
        if roll < 0.4 and records:
            at = rng.randrange(len(records))
            if hasattr(records[at], "note"):
                records[at] = replace(records[at], note=f"Notiz {rng.randrange(1000)}")
        elif roll < 0.7 and section in ("memberships", "partnerships") and records:
            del records[rng.randrange(len(records))]
        elif section == "cities":
            city_id = rng.choice(("a", "m", "zz")) + str(rng.randrange(10**6))
            records.append(City(city_id, "Neustadt", "DE", (source,)))
        elif section == "partnerships":
            first, second = rng.sample([c.id for c in dataset.cities], 2)
            records.append(Partnership((first, second), "contact", (source,)))
        elif section == "memberships":
            city = rng.choice(dataset.cities).id
            network = rng.choice(dataset.networks).id
            records.append(Membership(city, network, (source,)))
        dataset = dataset.replace(**{section: tuple(records)})
    return dataset


@pytest.mark.parametrize("seed", range(40))
def test_a_spliced_change_gives_the_bytes_of_a_full_rewrite(seed: int) -> None:
    text = shipped_path().read_text(encoding="utf-8")
    old = store.parse(text)
    assert store.dumps(old) == text  # the premise: the shipped file is canonical
    new = random_change(old, random.Random(seed))
    try:
        expected = store.dumps(new)
        store.parse(expected)
    except Exception:  # an invalid change (a pair stated twice, say) is never spliced
        assert splice.splice(text.encode(), old, new) is None
        return
    spliced = splice.splice(text.encode(), old, new)
    assert spliced is not None
    spliced_bytes, in_file_order, breaks = spliced
    assert spliced_bytes == expected.encode()
    assert store.parse(spliced_bytes.decode()) == in_file_order
    # The byte offset of the newline before each table's header, as a scan finds them.
    found = re.finditer(rb"\n\[\[[a-z_]+\]\]\n", expected.encode())
    assert breaks == [m.start() for m in found]


@pytest.mark.parametrize("seed", range(6))
def test_remembered_table_breaks_that_do_not_line_up_give_the_bytes_of_a_full_rewrite(
    seed: int,
) -> None:
    text = shipped_path().read_bytes()
    old = store.parse(text.decode())
    rng = random.Random(seed)
    new = random_change(old, rng)
    right = [m.start() for m in re.finditer(rb"\n\[\[[a-z_]+\]\]\n", text)]
    shifted = [start + 1 for start in right]
    swapped = right.copy()
    at = rng.randrange(len(right) - 1)
    swapped[at], swapped[at + 1] = swapped[at + 1], swapped[at]
    # A break moved before the header of a table nested in the record before it.
    nested = text.index(b"\n[[networks.figures]]\n")
    after = next(i for i, start in enumerate(right) if start > nested)
    onto_nested = [*right[:after], nested, *right[after + 1 :]]
    wrong = [right[:-1], [], shifted, swapped, [0, *right[1:]], [len(text) + 5] * len(right)]
    wrong.append(onto_nested)
    expected = splice.splice(text, old, new)
    assert splice.splice(text, old, new, right) == expected
    for known in wrong:
        assert splice.splice(text, old, new, known) == expected


@pytest.mark.parametrize("large", [1 << 16, 0])
def test_an_edit_changes_only_its_records_lines_and_the_diff_shown_is_the_files(
    shipped: Path, large: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(splice, "_LARGE", large)  # 0: the diff splits into tables first
    before = shipped.read_text(encoding="utf-8")
    result = runner.invoke(
        app, ["--data", str(shipped), "edit", "city", "koeln", "--add-alias", "Kölle am Rhein"]
    )
    assert result.exit_code == 0, result.stderr
    after = shipped.read_text(encoding="utf-8")
    whole = difflib.unified_diff(
        before.splitlines(), after.splitlines(), str(shipped), str(shipped), lineterm="", n=1
    )
    assert result.stdout.splitlines() == list(whole)
    assert [line for line in result.stdout.splitlines() if line[:1] in "+-"][2:] == [
        '+    "Kölle am Rhein",'
    ]


def test_comments_elsewhere_survive_a_spliced_edit(shipped: Path) -> None:
    text = shipped.read_text(encoding="utf-8").replace(
        '[[cities]]\nid = "berlin"', '# Hauptstadt\n[[cities]]\nid = "berlin"', 1
    )
    shipped.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["--data", str(shipped), "edit", "city", "koeln", "--note", "Dom"])
    assert result.exit_code == 0, result.stderr
    after = shipped.read_text(encoding="utf-8")
    assert "# Hauptstadt\n" in after
    assert 'note = "Dom"' in after
    assert len(after.splitlines()) == len(text.splitlines()) + 1


def test_a_record_with_a_comment_inside_takes_the_full_path(shipped: Path) -> None:
    text = shipped.read_text(encoding="utf-8").replace('id = "koeln"\n', 'id = "koeln" # Köln\n', 1)
    old = store.parse(text)
    koeln = old.city_by_id["koeln"]
    cities = tuple(replace(c, note="Dom") if c is koeln else c for c in old.cities)
    assert splice.splice(text.encode(), old, old.replace(cities=cities)) is None
    shipped.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["--data", str(shipped), "edit", "city", "koeln", "--note", "x"])
    assert result.exit_code == 3 and "comments" in result.stderr  # nothing lost silently


def test_an_unusual_layout_falls_back_to_the_same_bytes_as_a_rewrite(shipped: Path) -> None:
    # Tables without blank lines between them and with spaces in their headers.
    canonical_text = shipped.read_text(encoding="utf-8")
    text = re.sub(r"\n\n\[\[cities\]\]", "\n[[ cities ]]", canonical_text)
    shipped.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["--data", str(shipped), "edit", "city", "koeln", "--note", "Dom"])
    assert result.exit_code == 0, result.stderr
    expected = store.parse(canonical_text)
    cities = tuple(replace(c, note="Dom") if c.id == "koeln" else c for c in expected.cities)
    assert shipped.read_text(encoding="utf-8") == store.dumps(expected.replace(cities=cities))


def test_a_file_with_a_byte_order_mark_is_spliced_into_the_bytes_of_a_rewrite(
    shipped: Path,
) -> None:
    canonical_text = shipped.read_text(encoding="utf-8")
    shipped.write_bytes("\ufeff".encode() + canonical_text.encode())
    result = runner.invoke(app, ["--data", str(shipped), "edit", "city", "koeln", "--note", "Dom"])
    assert result.exit_code == 0, result.stderr
    expected = store.parse(canonical_text)
    cities = tuple(replace(c, note="Dom") if c.id == "koeln" else c for c in expected.cities)
    assert shipped.read_bytes() == store.dumps(expected.replace(cities=cities)).encode()
    assert [line for line in result.stdout.splitlines() if line[:1] in "+-"][2:] == [
        '+note = "Dom"'
    ]


def test_after_an_edit_the_next_read_is_warm(
    shipped: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner.invoke(app, ["--data", str(shipped), "partners", "berlin"])
    result = runner.invoke(app, ["--data", str(shipped), "edit", "city", "koeln", "--note", "Dom"])
    assert result.exit_code == 0, result.stderr

    def no_parse(text: str, path: Path) -> Dataset:
        raise AssertionError("the cache was not updated by the write")

    monkeypatch.setattr(cache, "_parse", no_parse)
    data = cache.load_cached(shipped)
    assert data.city_by_id["koeln"].note == "Dom"
    assert data == store.load(shipped)


def test_a_change_that_breaks_a_reference_is_refused_as_before(shipped: Path) -> None:
    old = store.parse(shipped.read_text(encoding="utf-8"))
    kept = tuple(c for c in old.cities if c.id != "koeln")
    assert splice.splice(shipped.read_bytes(), old, old.replace(cities=kept)) is None
    result = runner.invoke(app, ["--data", str(shipped), "remove", "city", "koeln"])
    assert result.exit_code != 0
    assert shipped.read_text(encoding="utf-8") == shipped_path().read_text(encoding="utf-8")


def apply(old: str, diff: list[str]) -> str:
    """The text a unified diff (as `splice.unified_diff` writes it) makes of `old`."""
    lines, out, at = old.splitlines(), [], 0
    for line in diff[2:]:
        if line.startswith("@@"):
            start = int(line.split()[1][1:].split(",")[0])
            length = line.split()[1].split(",")
            begin = start if len(length) > 1 and length[1] == "0" else start - 1
            out += lines[at:begin]
            at = begin
        elif line.startswith((" ", "-")):
            assert lines[at] == line[1:]
            if line[0] == " ":
                out.append(line[1:])
            at += 1
        else:
            out.append(line[1:])
    return "\n".join(out + lines[at:]) + "\n"


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("split", ["lines", "tables", "tables split at a common one"])
def test_the_diff_of_any_change_turns_the_old_text_into_the_new(
    seed: int, split: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A large window is split into tables first (here: every window), and tables between
    # equal ends at one both texts have (here: always).
    if split != "lines":
        monkeypatch.setattr(splice, "_LARGE", 0)
    if split == "tables split at a common one":
        monkeypatch.setattr(splice, "_MANY_PAIRS", 0)
    rng = random.Random(seed)
    old = shipped_path().read_text(encoding="utf-8")
    lines = old.splitlines(keepends=True)
    for _ in range(rng.randint(1, 5)):
        at = rng.randrange(len(lines))
        roll = rng.random()
        if roll < 0.3:
            del lines[at : at + rng.randint(1, 8)]
        elif roll < 0.6:
            lines.insert(at, f"x = {rng.randrange(100)}\n")
        else:
            lines[at:at] = lines[rng.randrange(len(lines)) :][:5]
    new = "".join(lines)
    diff = list(splice.unified_diff(old, new, "f"))
    assert apply(old, diff) == new
    # Of the texts' UTF-8 bytes (as an edit gives them), the same lines.
    assert list(splice.unified_diff(old.encode(), new.encode(), "f")) == diff
    whole = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=1))
    # The same changed lines as the whole-text diff, though equal lines may pair otherwise.
    assert sum(line[0] in "+-" for line in diff) <= sum(line[0] in "+-" for line in whole)


def _edits(old: Dataset) -> list[tuple[str, Dataset]]:
    """Changes a splice checks from the records that came and went alone: ids taken twice
    (in a section, between networks and cities, twice in one change), references that
    no longer or never resolve, records that move (a city renamed), cycles, and changes
    that are fine though they look close to these."""
    source = old.sources[0].id
    berlin = old.city_by_id["berlin"]
    network = old.networks[0]
    member = next(m for m in old.memberships if m.city != "berlin")

    def city(city_id: str) -> City:
        return City(city_id, "Neustadt", "DE", (source,))

    def plus(section: str, *records: object) -> tuple[object, ...]:
        return (*getattr(old, section), *records)

    def without(section: str, *gone: object) -> tuple[object, ...]:
        return tuple(r for r in getattr(old, section) if all(r is not g for g in gone))

    parent_cycle = replace(network, parent=old.networks[1].id)
    child = replace(old.networks[1], parent=network.id)
    pair = old.partnerships[0]
    # A city few records refer to: its removal with them stays a small change.
    referred = {r.city for r in old.memberships} | {c for p in old.partnerships for c in p.cities}
    lonely = next(
        c for c in old.cities if c.id in referred and len(changes.references(old, c)) == 1
    )
    sources = without("sources", old.sources[0])
    renamed, _new = changes.edit(old, lonely, {"id": ["aaa-" + lonely.id]})
    network_b = old.networks[1]
    koeln_member = Membership("koeln", network.id, (source,))
    nowhere_member = Membership("nirgendwo", network.id, (source,))
    cities = without("cities", berlin)
    return [
        ("a city id taken", old.replace(cities=plus("cities", city("koeln")))),
        ("a network's id for a city", old.replace(cities=plus("cities", city(network.id)))),
        ("a city's id for a network",
         old.replace(networks=plus("networks", replace(network, id="berlin")))),
        ("one new id twice", old.replace(cities=plus("cities", city("neu-a"), city("neu-a")))),
        ("a new city", old.replace(cities=plus("cities", city("neu-a")))),
        ("a membership of a city that is not there",
         old.replace(memberships=plus("memberships", nowhere_member))),
        ("a membership of a city added with it",
         old.replace(cities=plus("cities", city("neu-b")),
                     memberships=plus("memberships", Membership("neu-b", network.id, (source,))))),
        ("a membership stated twice",
         old.replace(memberships=plus("memberships", replace(member)))),
        ("a partnership stated both ways",
         old.replace(partnerships=plus("partnerships",
                                       Partnership(pair.cities[::-1], pair.kind, (source,))))),
        ("a city that others refer to, removed", old.replace(cities=cities)),
        ("a city removed and stated again", old.replace(cities=(*cities, replace(berlin)))),
        ("a city removed with what refers to it", changes.remove(old, lonely, cascade=True)[0]),
        ("a source referred to, removed", old.replace(sources=sources)),
        ("a source that went and came back under another id",
         old.replace(sources=(*sources, replace(old.sources[0], id="zz-neu")))),
        ("a city renamed (it moves, and what refers to it follows)", renamed),
        ("a city renamed, what refers to it not",
         old.replace(cities=(*without("cities", lonely), replace(lonely, id="aaa-neu")))),
        ("a cycle of parents",
         old.replace(networks=(*without("networks", network, network_b), parent_cycle, child))),
        ("a reference to a city that a change also removes",
         old.replace(cities=without("cities", old.city_by_id["koeln"]),
                     memberships=plus("memberships", koeln_member))),
    ]  # fmt: skip


def test_a_splice_refuses_exactly_the_changes_the_full_path_refuses() -> None:
    """What the splice checks of the records that came and went gives the verdicts of
    reading the whole rewritten file back; where both accept, the bytes are the same."""
    text = shipped_path().read_text(encoding="utf-8")
    old = store.parse(text)
    verdicts = set()
    for what, new in _edits(old):
        try:
            expected: bytes | None = store.dumps(new).encode()
            store.parse(expected.decode())
        except Exception:
            expected = None
        spliced = splice.splice(text.encode(), old, new)
        assert (spliced and spliced[0]) == expected, what
        verdicts.add(expected is None)
    assert verdicts == {True, False}


@pytest.mark.parametrize("seed", range(3))
def test_the_common_beginning_and_end_are_those_a_scan_finds(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        # Letters of one, two and three bytes: é and è differ only in their last byte.
        a = "".join(rng.choice("abé€\n") for _ in range(rng.randrange(0, 3000)))
        letters = list(a)
        for _ in range(rng.randrange(3)):
            if letters:
                letters[rng.randrange(len(letters))] = rng.choice("abè€x")
        b = "".join(letters)
        if rng.random() < 0.3:
            b = b[: rng.randrange(len(b) + 1)]
        pairs = zip(a, b, strict=False)
        head = next((i for i, (x, y) in enumerate(pairs) if x != y), min(len(a), len(b)))
        assert splice._common_prefix(a, b) == head
        a_room, b_room = len(a) - head, len(b) - head
        pairs = zip(reversed(a[head:]), reversed(b[head:]), strict=False)
        tail = next((i for i, (x, y) in enumerate(pairs) if x != y), min(a_room, b_room))
        assert splice._common_suffix(a, b, a_room, b_room) == tail
        # Of the texts' bytes (a difference may begin or end inside a letter), the same diff.
        diff = list(splice.unified_diff(a, b, "f"))
        assert list(splice.unified_diff(a.encode(), b.encode(), "f")) == diff


@pytest.mark.parametrize("seed", range(12))
def test_the_records_that_went_and_came_are_those_an_identity_scan_finds(seed: int) -> None:
    old = store.parse(shipped_path().read_text(encoding="utf-8"))
    new = random_change(old, random.Random(seed))
    for section in SECTIONS:
        before, after = getattr(old, section), getattr(new, section)
        went = [r for r in before if all(r is not a for a in after)]
        came = [r for r in after if all(r is not b for b in before)]
        expected = None if len(came) > len(after) // 4 + 1 else (went, came)
        assert model.records_changed(old, new, section) == expected
        assert model.records_changed(old, new, section) == expected  # found once, kept
    everything = old.replace(cities=tuple(replace(c) for c in old.cities))
    assert model.records_changed(old, everything, "cities") is None  # most came
    assert model.records_changed(everything, old, "cities") is None


@pytest.mark.parametrize("seed", range(30))
def test_records_that_went_and_came_by_identity_whatever_moved_or_stands_twice(seed: int) -> None:
    rng = random.Random(seed)
    cities = [City(f"c{n}", "Neustadt", "DE", ("s",)) for n in range(rng.randrange(1, 80))]
    after = list(cities)
    for _ in range(rng.randint(0, 4)):
        at, roll = rng.randrange(len(after) + 1), rng.random()
        if roll < 0.3 and after:
            del after[min(at, len(after) - 1)]
        elif roll < 0.6:
            after.insert(at, City(f"n{rng.randrange(99)}", "Neustadt", "DE", ("s",)))
        elif roll < 0.8 and after:
            after.insert(at, after.pop(rng.randrange(len(after))))
        else:
            after.insert(at, rng.choice(cities))  # one object twice
    old, new = Dataset(cities=tuple(cities)), Dataset(cities=tuple(after))
    went = [c for c in cities if all(c is not a for a in after)]
    came = [a for a in after if all(a is not c for c in cities)]
    expected = None if len(came) > len(after) // 4 + 1 else (went, came)
    found = model.records_changed(old, new, "cities")
    assert found == expected
    if found is not None:  # the very objects
        assert all(map(operator.is_, found[0], went)) and all(map(operator.is_, found[1], came))

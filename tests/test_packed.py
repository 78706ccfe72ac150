"""The cache holds a dataset section by section and decodes what a command reads."""

from __future__ import annotations

import itertools
from pathlib import Path

import msgspec
import pytest
from typer.testing import CliRunner, Result

from citynet import cache, changes, completion, packed
from citynet.cli import app
from citynet.files import shipped_path
from citynet.model import INDEXED, SECTIONS, City, Dataset
from citynet.names import NameIndex, name_lines
from citynet.packed import Encoded, Packed, pack, unpack
from citynet.store import load

runner = CliRunner()


def packed_again(dataset: Dataset) -> Dataset:
    """The dataset as a command reads it from a cache entry."""
    entry = msgspec.msgpack.decode(msgspec.msgpack.encode(pack(dataset)), type=Packed)
    found = unpack(entry)
    assert found is not None
    return found


def test_a_dataset_comes_back_from_its_entry_equal_section_by_section() -> None:
    dataset = load(shipped_path())
    again = packed_again(dataset)
    for section in SECTIONS:
        assert isinstance(again.section(section), Encoded)  # nothing decoded yet
    assert again == dataset
    assert again.city_by_id["berlin"] == dataset.city_by_id["berlin"]


def test_looking_up_a_city_by_id_decodes_no_section() -> None:
    again = packed_again(load(shipped_path()))
    assert again.city_by_id["koeln"].name == "Köln"
    assert "atlantis" not in again.city_by_id and again.city_by_id.get("atlantis") is None
    assert all(isinstance(again.section(s), Encoded) for s in SECTIONS)


@pytest.mark.parametrize("first", ["by id", "whole section"])
def test_a_record_is_one_object_whichever_way_it_is_reached(first: str) -> None:
    """Edits find the record they change by identity in its section."""
    again = packed_again(load(shipped_path()))
    if first == "by id":
        koeln = again.city_by_id["koeln"]
        assert any(city is koeln for city in again.cities)
    else:
        cities = again.cities
        assert any(city is again.city_by_id["koeln"] for city in cities)


def test_an_entry_of_a_changed_dataset_copies_the_sections_no_one_read() -> None:
    again = packed_again(load(shipped_path()))
    cities = again.cities
    changed = again.replace(cities=cities[1:])
    stored = pack(changed).sections
    names = list(SECTIONS)
    memberships = again.section("memberships")
    assert isinstance(memberships, Encoded)
    assert stored[names.index("memberships")] is memberships.stored
    assert len(msgspec.msgpack.decode(stored[names.index("cities")].records)) == len(cities) - 1


def test_an_entry_of_another_schema_version_is_not_used() -> None:
    entry = pack(load(shipped_path()))
    assert unpack(msgspec.structs.replace(entry, schema_version=99)) is None
    assert unpack(msgspec.structs.replace(entry, sections=entry.sections[:-1])) is None


def lines_of(text: str) -> list[str]:
    return sorted(line for line in text.split("\n") if line)


def test_the_lookup_lines_kept_after_edits_are_those_of_the_edited_file(shipped: Path) -> None:
    def run(*args: str) -> None:
        result = runner.invoke(app, ["--data", str(shipped), *args])
        assert result.exit_code == 0, result.stderr

    run("partners", "Köln")  # lookup lines made and kept for this content
    run("add", "city", "--id", "neu-ulm", "--name", "Neu-Ulm", "--country", "DE",
        "--source", "berlin-partnerschaften")  # fmt: skip
    run("edit", "city", "Köln", "--add-alias", "Colonia Agrippina")
    run("remove", "city", "neu-ulm")
    kept = cache.recall(shipped, shipped.read_bytes(), "lookup-patch", object)
    assert kept is not None  # the edits kept patches, not whole texts
    dataset = load(shipped)
    fresh = name_lines(dataset.networks, dataset.cities)
    assert lines_of(completion.cached_lines(shipped)) == lines_of(fresh)
    assert [c.id for c in NameIndex(dataset, lambda: fresh).find("colonia agrippina")] == ["koeln"]
    found = runner.invoke(app, ["--data", str(shipped), "show", "Colonia Agrippina"])
    assert found.exit_code == 0 and "Köln" in found.stdout


def test_what_refers_to_a_city_is_found_without_decoding_the_section() -> None:
    dataset = load(shipped_path())
    again = packed_again(dataset)
    assert again.partnerships_of("berlin") == dataset.partnerships_of("berlin")
    assert again.memberships_by_city["koeln"] == dataset.memberships_by_city["koeln"]
    assert again.memberships_by_network.get("atlantis") is None
    assert isinstance(again.section("partnerships"), Encoded)
    assert isinstance(again.section("memberships"), Encoded)
    # The same objects as the section's, once it is read.
    first = again.partnerships_of("berlin")[0]
    assert any(p is first for p in again.partnerships)
    assert dict(again.memberships_by_network) == dict(dataset.memberships_by_network)


def test_every_index_of_an_entry_answers_as_the_records_do() -> None:
    """Ids and what refers to them are kept as lines of text and arrays (packed._lines):
    every key finds its own records, in order, and nothing else does."""
    dataset = load(shipped_path())
    again = packed_again(dataset)
    for section, fields in INDEXED.items():
        for field in fields:
            kept, made = again.referring(section, field), dataset.referring(section, field)
            assert list(kept) == list(made) and len(kept) == len(made)
            assert all(kept[key] == made[key] for key in made)
    assert list(again.city_by_id) == [city.id for city in dataset.cities]
    assert again.ids("cities") == [city.id for city in dataset.cities]
    first, second = dataset.cities[0].id, dataset.cities[1].id
    # Two ids joined by a newline are not an id, nor is a part of one.
    for made_up in (f"{first}\n{second}", first[:-1], "", "\n"):
        assert made_up not in again.city_by_id
        assert made_up not in again.partnerships_by_city
        with pytest.raises(KeyError):
            again.partnerships_by_city[made_up]


def test_a_removal_is_refused_from_the_index_of_what_refers_to_the_city(shipped: Path) -> None:
    """With a warm cache, a removal asks the entry's index, not every record, and names
    the same records as a scan of the whole dataset."""

    def run(*args: str) -> Result:
        return runner.invoke(app, ["--data", str(shipped), *args])

    added = ("add", "city", "--id", "neu-ulm", "--name", "Neu-Ulm", "--country", "DE",
             "--source", "berlin-partnerschaften")  # fmt: skip
    assert run(*added).exit_code == 0
    before = shipped.read_bytes()
    scanned = load(shipped)
    for city_id in ("koeln", "windhuk"):
        assert run("partners", "berlin").exit_code == 0  # the cache holds this content
        refused = run("remove", "city", city_id)
        assert refused.exit_code == 2  # a usage error: remove them first or --cascade
        expected = changes.references(scanned, scanned.city_by_id[city_id])
        assert expected
        named = [line.split()[-1] for line in refused.stderr.splitlines()[1:]]
        assert named == [changes.record_key(record) for record in expected]
    assert shipped.read_bytes() == before
    assert run("remove", "city", "neu-ulm").exit_code == 0
    assert "neu-ulm" not in load(shipped).city_by_id


def test_the_first_cities_of_a_listing_come_in_the_listing_order_after_an_edit(
    shipped: Path,
) -> None:
    """`cities --limit N` reads N cities in an order the cache keeps per content."""

    def rows(*args: str) -> list[str]:
        result = runner.invoke(app, ["--data", str(shipped), "cities", "--format", "tsv", *args])
        assert result.exit_code == 0, result.stderr
        return result.stdout.splitlines()

    for _ in range(2):  # made, then read from the cache
        assert rows("--limit", "5") == rows()[:6]  # the header and five cities
    added = ("add", "city", "--id", "aa-neu", "--name", "Aachen-Neu", "--country", "DE",
             "--source", "berlin-partnerschaften")  # fmt: skip
    assert runner.invoke(app, ["--data", str(shipped), *added]).exit_code == 0
    first = rows("--limit", "5")
    assert first == rows()[:6] and first[1].startswith("aa-neu\t")


def fresh(dataset: Dataset) -> Dataset:
    """The same records as new objects, none of them read from an entry."""
    sections = {
        s: msgspec.msgpack.decode(msgspec.msgpack.encode(getattr(dataset, s)), type=tuple[t, ...])
        for s, t in SECTIONS.items()
    }
    return Dataset(**sections)


@pytest.mark.parametrize("seed", range(12))
def test_an_entry_that_copies_runs_of_read_records_is_the_entry_of_the_records_encoded(
    seed: int,
) -> None:
    """Runs of records read from an entry are copied as bytes: the entry is the same as
    one that encodes every record, wherever the changes are (first, last, side by side)."""
    import random

    rng = random.Random(seed)
    again = packed_again(load(shipped_path()))
    cities = list(again.cities)
    memberships = list(again.memberships)
    made = fresh(again)
    for _ in range(rng.randint(1, 6)):
        records = rng.choice((cities, memberships))
        at = rng.choice((0, len(records) - 1, rng.randrange(len(records))))
        roll = rng.random()
        if roll < 0.3:
            del records[at]
        elif roll < 0.6:
            source = made.cities if records is cities else made.memberships
            records.insert(at, source[at % len(source)])
        elif roll < 0.8:
            records[at] = msgspec.structs.replace(records[at], sources=("neu",))
        else:  # a record of the entry moved elsewhere
            records.insert(rng.randrange(len(records)), records.pop(at))
    changed = again.replace(cities=tuple(cities), memberships=tuple(memberships))
    assert pack(changed) == pack(fresh(changed))


def test_an_entry_after_one_change_copies_the_rest_of_the_section_in_a_few_runs() -> None:
    again = packed_again(load(shipped_path()))
    cities = list(again.cities)
    cities[len(cities) // 2] = msgspec.structs.replace(cities[len(cities) // 2], note="neu")
    read = packed._read_before(City)
    runs = list(packed._runs(read, tuple(cities)))
    middle = len(cities) // 2
    assert runs == [
        (0, middle, 0),
        (middle, middle + 1, None),
        (middle + 1, len(cities), middle + 1),
    ]


def test_adding_a_record_whose_key_is_taken_is_refused_from_the_index_as_by_a_scan() -> None:
    """`add` asks the ids or the records that name the city (the entry's index) whether
    the key is taken; it answers as a scan of the whole section does."""
    import itertools

    dataset = load(shipped_path())
    again = packed_again(dataset)
    replace = msgspec.structs.replace
    asked = [r for s in SECTIONS for r in getattr(dataset, s)[::9]]
    asked += [replace(m, network="nirgendwo") for m in dataset.memberships[::7]]
    asked += [replace(p, cities=p.cities[::-1]) for p in dataset.partnerships[::7]]
    asked += [replace(p, kind="contact" if p.kind != "contact" else "twinning")
              for p in dataset.partnerships[::7]]  # fmt: skip
    asked += [replace(c, id=c.id + "-neu") for c in dataset.cities[::50]]
    refused = 0
    for record, data in itertools.product(asked, (dataset, again)):
        section = changes.SECTION_OF[type(record)]
        key = changes.record_key(record)
        scanned = any(changes.record_key(r) == key for r in getattr(dataset, section))
        assert changes._stated(data, record) == scanned, key
        refused += scanned
    assert 0 < refused < len(asked) * 2


def test_what_refers_to_an_id_no_record_holds_is_found_without_decoding_a_section() -> None:
    """A section whose fields are not all indexed (a role's city) is asked whether its
    bytes hold the id at all before it is decoded; it names what a scan names."""
    from citynet import schema

    dataset = load(shipped_path())
    asked = [{"cities": {"nirgendwo"}}, {"cities": {"koeln"}}, {"cities": {"berlin", "x"}}]
    asked += [{"networks": {n.id}} for n in dataset.networks[:3]]
    asked += [{"sources": {dataset.sources[0].id}}, {"sources": {"keine-quelle"}}]
    for ids in asked:
        again = packed_again(dataset)
        for section in SECTIONS:
            expected = [r for r in getattr(dataset, section) if schema.refers_to_any(r, ids)]
            assert schema.records_referring(again, section, ids) == expected, (section, ids)
    again = packed_again(dataset)
    for section in SECTIONS:
        assert schema.records_referring(again, section, {"cities": {"nirgendwo"}}) == []
    assert all(isinstance(again.section(s), Encoded) for s in SECTIONS)


@pytest.mark.parametrize("seed", range(40))
def test_runs_are_the_longest_stretches_of_the_same_objects(seed: int) -> None:
    """Whatever changed (records in, out, moved, one object twice), each run holds the
    very objects it names, runs cover `after` in order, and no two of them could be one."""
    import random

    rng = random.Random(seed)
    before = [object() for _ in range(rng.randrange(0, 60))]
    after = list(before)
    for _ in range(rng.randint(0, 5)):
        roll = rng.random()
        at = rng.randrange(len(after) + 1)
        if roll < 0.3 and after:
            del after[min(at, len(after) - 1)]
        elif roll < 0.6:
            after.insert(at, object())
        elif roll < 0.8 and after:
            after.insert(at, after.pop(rng.randrange(len(after))))
        elif before:
            after.insert(at, rng.choice(before))  # one object twice
    found = list(packed.runs(before, after))
    assert [low for low, _high, _first in found] == [0, *(high for _l, high, _f in found)][:-1]
    assert (found[-1][1] if found else 0) == len(after)
    for low, high, first in found:
        assert low < high
        if first is None:  # new, or an object that stands twice (taken for new once)
            for record in after[low:high]:
                assert all(record is not b for b in before) or sum(record is a for a in after) > 1
        else:
            assert first + high - low <= len(before)
            assert all(a is b for a, b in zip(after[low:high], before[first:], strict=False))
    for (low, high, first), (_low, _high, next_first) in itertools.pairwise(found):
        if first is None:
            assert next_first is not None
        else:
            assert next_first != first + high - low

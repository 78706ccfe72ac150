"""One city per place: `citynet merge`, and check's warnings about likely duplicates."""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace
from typer.testing import CliRunner

from citynet import store
from citynet.cli import app
from citynet.errors import UsageError
from citynet.gazetteer import distance_km, gazetteer
from citynet.i18n import _, number
from citynet.merge import (
    _GENERIC,
    CLOSE_KM,
    _sign,
    likely_duplicates,
    merge_cities,
    merge_plan,
    merge_refusals,
)
from citynet.model import City, Dataset, Membership, Partnership, Source
from citynet.names import fold, fold_variants

runner = CliRunner()
SHIPPED = Path(__file__).resolve().parents[1] / "data" / "networks.toml"
DOC = Source(id="doc", publisher="Stadt", title="T", language="de")
WD = Source(id="wd", publisher="Wikidata", title="P190", language="en")


def two_brussels() -> Dataset:
    """The Brüssel of the documents and the City of Brussels of an import: one place."""
    bruessel = City(
        id="bruessel",
        name="Brüssel",
        name_en="Brussels",
        aliases=("Bruxelles",),
        country="BE",
        lat=50.847,
        lng=4.357,
        sources=("doc",),
    )
    city_of = City(
        id="city-of-brussels",
        name="City of Brussels",
        name_en="City of Brussels",
        country="BE",
        wikidata="Q239",
        lat=50.8467,
        lng=4.3517,
        population=180000,
        note="Aus Wikidata.",
        sources=("wd",),
    )
    berlin = City(id="berlin", name="Berlin", country="DE", wikidata="Q64", sources=("doc",))
    return Dataset(
        sources=(DOC, WD),
        cities=(berlin, bruessel, city_of),
        partnerships=(
            Partnership(cities=("berlin", "bruessel"), kind="partnership", sources=("doc",)),
            Partnership(cities=("berlin", "city-of-brussels"), kind="partnership", sources=("wd",)),
            Partnership(cities=("berlin", "city-of-brussels"), kind="exchange", sources=("wd",)),
            Partnership(cities=("bruessel", "city-of-brussels"), kind="twinning", sources=("wd",)),
        ),
    )


def test_merge_moves_every_reference_and_unites_names_and_sources() -> None:
    data = two_brussels()
    merged = merge_cities(data, data.city_by_id["bruessel"], data.city_by_id["city-of-brussels"])
    assert [c.id for c in merged.cities] == ["berlin", "bruessel"]
    city = merged.city_by_id["bruessel"]
    assert city.aliases == ("Bruxelles", "City of Brussels")
    assert city.sources == ("doc", "wd")
    assert (city.wikidata, city.population) == ("Q239", 180000)  # only the other had them
    assert (city.lat, city.lng) == (50.847, 4.357)  # both had a point: the kept one stays
    assert "lat 50.8467" in city.note and "Aus Wikidata." in city.note
    relations = {(p.cities, p.kind): p.sources for p in merged.partnerships}
    # the two partnerships with Berlin became one, citing both; the exchange moved over;
    # the twinning of the two with each other is gone
    assert relations == {
        (("berlin", "bruessel"), "partnership"): ("doc", "wd"),
        (("berlin", "bruessel"), "exchange"): ("wd",),
    }
    store.parse(store.dumps(merged))


def test_merge_joins_memberships_that_become_one() -> None:
    data = two_brussels()
    net = store.load(SHIPPED).network_by_id["eurocities"]
    data = Dataset(
        sources=data.sources,
        networks=(net,),
        cities=data.cities,
        memberships=(
            Membership(city="bruessel", network="eurocities", sources=("doc",), since=1986),
            Membership(city="city-of-brussels", network="eurocities", sources=("wd",), since=1989),
        ),
        partnerships=data.partnerships,
    )
    merged = merge_cities(data, data.city_by_id["bruessel"], data.city_by_id["city-of-brussels"])
    (joined,) = merged.memberships
    assert (joined.city, joined.since, joined.sources) == ("bruessel", 1986, ("doc", "wd"))
    assert "since 1989" in joined.note


def test_merge_keeps_the_lifecycle_of_a_joined_relation_with_its_sources() -> None:
    data = two_brussels()
    first, second, *rest = data.partnerships
    second = replace(
        second,
        since=1985,
        since_source="wd",
        status="suspended",
        status_since=2020,
        status_source="wd",
    )
    data = data.replace(partnerships=(replace(first, since=1990, status="active"), second, *rest))
    merged = merge_cities(data, data.city_by_id["bruessel"], data.city_by_id["city-of-brussels"])
    joined = next(p for p in merged.partnerships if p.kind == "partnership")
    # the kept record's year and state stay, the other's are noted; the year of the
    # state's change it lacked comes over
    assert (joined.since, joined.since_source, joined.status) == (1990, "", "active")
    assert "since 1985" in joined.note and "status suspended" in joined.note
    assert joined.status_since == 2020
    # a fact the kept record lacks comes over with the source that gives it
    data = data.replace(partnerships=(first, second, *rest))
    merged = merge_cities(data, data.city_by_id["bruessel"], data.city_by_id["city-of-brussels"])
    joined = next(p for p in merged.partnerships if p.kind == "partnership")
    assert (joined.since, joined.since_source) == (1985, "wd")
    assert (joined.status, joined.status_since, joined.status_source) == ("suspended", 2020, "wd")
    store.parse(store.dumps(merged))


def test_merge_with_itself_is_refused() -> None:
    data = two_brussels()
    with pytest.raises(UsageError):
        merge_cities(data, data.city_by_id["berlin"], data.city_by_id["berlin"])


def test_check_warns_about_likely_duplicates_without_failing(tmp_path: Path) -> None:
    path = tmp_path / "networks.toml"
    path.write_text(store.dumps(two_brussels()), encoding="utf-8")
    result = runner.invoke(app, ["--data", str(path), "check"])
    assert result.exit_code == 0
    assert "1 pair(s) of cities that may be one place" in result.stdout
    assert "bruessel (Brüssel) and city-of-brussels (City of Brussels), BE: 0.4 km" in (
        result.stdout
    )


def test_likely_duplicates_need_country_closeness_and_a_similar_name() -> None:
    data = two_brussels()
    far = City(
        id="brussel-us", name="Brussels", country="US", lat=38.9, lng=-90.6, sources=("doc",)
    )
    other = City(id="ixelles", name="Ixelles", country="BE", lat=50.83, lng=4.37, sources=("doc",))
    other_qid = City(
        id="brussels-region",
        name="Brussels-Capital Region",
        country="BE",
        wikidata="Q240",
        lat=50.85,
        lng=4.35,
        sources=("wd",),
    )
    data = Dataset(sources=data.sources, cities=(*data.cities, far, other, other_qid))
    pairs = [(a.id, b.id) for a, b, _ in likely_duplicates(data)]
    assert pairs == [("bruessel", "city-of-brussels")]


def test_cli_merge_dry_run_shows_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "networks.toml"
    path.write_text(store.dumps(two_brussels()), encoding="utf-8")
    before = path.read_bytes()
    args = ["--data", str(path), "merge", "Brüssel", "city-of-brussels"]
    result = runner.invoke(app, [*args, "--dry-run"])
    assert result.exit_code == 0
    assert '-id = "city-of-brussels"' in result.stdout
    assert path.read_bytes() == before
    assert runner.invoke(app, args).exit_code == 0
    after = store.load(path)
    assert [c.id for c in after.cities] == ["berlin", "bruessel"]


def test_cli_merge_of_unknown_city_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "networks.toml"
    shutil.copyfile(SHIPPED, path)
    result = runner.invoke(app, ["--data", str(path), "merge", "berlin", "atlantis"])
    assert result.exit_code == 1 and "no city named 'atlantis'" in result.stderr


# --- two places are not merged without --force ---------------------------------------


def test_merge_refuses_two_places_and_says_which_rules_stop_it() -> None:
    data = store.load(SHIPPED)
    paris, berlin = data.city_by_id["paris"], data.city_by_id["berlin"]
    refusals = merge_refusals(paris, berlin)
    assert len(refusals) == 3
    assert "paris is in FR, berlin in DE" in refusals[0]
    assert "Q90" in refusals[1] and "Q64" in refusals[1]
    assert "km apart (more than 50 km)" in refusals[2]
    with pytest.raises(UsageError, match=r"paris and berlin are two places.*--force"):
        merge_cities(data, paris, berlin)
    forced = merge_cities(data, paris, berlin, force=True)
    assert "berlin" not in forced.city_by_id
    # one place in two records: no rule stops it
    brussels = two_brussels()
    assert (
        merge_refusals(brussels.city_by_id["bruessel"], brussels.city_by_id["city-of-brussels"])
        == []
    )


def test_merge_plan_lists_everything_that_moves() -> None:
    data = two_brussels()
    plan = merge_plan(data, data.city_by_id["bruessel"], data.city_by_id["city-of-brussels"])
    assert "partnership with berlin: joins bruessel's" in plan
    assert "exchange with berlin: moves to bruessel" in plan
    assert "twinning with bruessel: goes (a city is not its own partner)" in plan
    assert "names that become aliases of bruessel: City of Brussels" in plan
    assert "sources added: wd" in plan
    assert "taken over: wikidata Q239" in plan and "taken over: population 180000" in plan
    assert plan[-1] == "city-of-brussels is removed"


def test_cli_merge_paris_berlin_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "networks.toml"
    shutil.copyfile(SHIPPED, path)
    before = path.read_bytes()
    result = runner.invoke(app, ["--data", str(path), "merge", "paris", "berlin"])
    assert result.exit_code == 2, result.stdout
    assert "not merged, paris and berlin are two places" in result.stderr
    assert "Traceback" not in result.stderr and path.read_bytes() == before
    dry = runner.invoke(
        app, ["--data", str(path), "merge", "paris", "berlin", "--dry-run", "--force"]
    )
    assert dry.exit_code == 0, dry.stderr
    assert "paris ← berlin, would move:" in dry.stdout
    assert "  membership in c40: moves to paris" in dry.stdout
    assert "  partnership with paris: goes (a city is not its own partner)" in dry.stdout
    assert path.read_bytes() == before


def _reference_duplicates(data: Dataset) -> list[tuple[str, str, str]]:
    """likely_duplicates written plainly: every pair of one country within a latitude
    window, each name folded again for every pair, as the memoized scan must answer."""

    def keys(city: City) -> set[str]:
        return {key for name in city.names if name for key in fold_variants(name)}

    def cores(city: City) -> set[object]:
        found: set[object] = set()
        for name in city.names:
            words = frozenset(fold(w) for w in name.split(",", 1)[0].split()) - {""}
            core = words - _GENERIC
            found.update([core] if core else [("generic", w) for w in words])
        return found

    def may_be_one(a: City, b: City) -> bool:
        return not (a.wikidata and b.wikidata and a.wikidata != b.wikidata) and not (
            a.geonames and b.geonames and a.geonames != b.geonames
        )

    found: dict[tuple[str, str], str] = {}
    by_country: dict[str, list[City]] = {}
    for c in data.cities:
        by_country.setdefault(c.country, []).append(c)
    for group in by_country.values():
        placed = sorted(
            (c for c in group if c.lat is not None and c.lng is not None), key=lambda c: c.lat
        )  # type: ignore[arg-type,return-value]
        for i, a in enumerate(placed):
            for b in placed[i + 1 :]:
                if b.lat - a.lat > CLOSE_KM / 110.0:  # type: ignore[operator]
                    break
                x, y = (a, b) if a.id < b.id else (b, a)
                if not may_be_one(x, y):
                    continue
                if keys(x).isdisjoint(keys(y)) and cores(x).isdisjoint(cores(y)):
                    continue
                km = distance_km(x.lat, x.lng, y.lat, y.lng)  # type: ignore[arg-type]
                if km <= CLOSE_KM:
                    found[(x.id, y.id)] = _("{km} km apart").format(km=number(km, 1))
        unplaced = [c for c in group if c.lat is None or c.lng is None]
        for a in unplaced:
            for b in unplaced:
                if a.id < b.id and may_be_one(a, b) and not keys(a).isdisjoint(keys(b)):
                    found.setdefault((a.id, b.id), _("same name"))
    return [(a, b, why) for (a, b), why in sorted(found.items())]


def test_likely_duplicates_answer_as_a_plain_scan_of_every_close_pair() -> None:
    # The gazetteer's places of five dense countries as cities, and near-copies of a third
    # of them: moved up to 0.1° (across grid cells), renamed with generic words or
    # another place's name, some without coordinates or ids: pairs of every kind.
    places = gazetteer()
    rng = random.Random(18)
    cities = [
        City(
            id=f"g{p.geonames}",
            name=p.name,
            country=p.country,
            aliases=p.names[:3],
            lat=p.lat,
            lng=p.lng,
            geonames=p.geonames if rng.random() < 0.5 else "",
            sources=("doc",),
        )
        for country in ("BE", "NL", "LU", "SI", "CH")
        for p in places._places_of(country)
    ]
    copies = []
    for c in cities:
        if rng.random() > 0.35:
            continue
        name = rng.choice(
            [c.name, f"City of {c.name}", f"{c.name} Municipality", rng.choice(cities).name,
             c.name.upper(), f"{c.name}, Region", f"Grand {c.name}"]
        )  # fmt: skip
        changes: dict[str, Any] = {"id": f"{c.id}-copy", "name": name, "aliases": ()}
        if rng.random() < 0.85:
            changes["lat"] = c.lat + rng.uniform(-0.1, 0.1)  # type: ignore[operator]
            changes["lng"] = c.lng + rng.uniform(-0.1, 0.1)  # type: ignore[operator]
        else:
            changes["lat"] = changes["lng"] = None
        if rng.random() < 0.5:
            changes["geonames"] = ""
        copies.append(replace(c, **changes))
    data = Dataset(sources=(DOC,), cities=(*cities, *copies))
    found = [(a.id, b.id, why) for a, b, why in likely_duplicates(data)]
    assert len(found) > 100
    assert found == _reference_duplicates(data)


def _plain_entries(name: str) -> set[object]:
    """A name's entries, written plainly: its keys and its core (or its generic words)."""
    words = frozenset(fold(w) for w in name.split(",", 1)[0].split()) - {""}
    core = words - _GENERIC
    return set(fold_variants(name)) | ({core} if core else {("generic", w) for w in words})


def test_names_folded_together_give_the_keys_and_core_of_each() -> None:
    # every name of the gazetteer's places of eight countries (accents, umlauts, commas,
    # hyphens, generic words, other scripts) and the kinds of names imports bring, with
    # control characters, line breaks and Unicode spaces, one at a time and five at a time
    places = gazetteer()
    names = [
        name
        for country in ("DE", "FR", "PL", "VN", "TR", "US", "GB", "IT")
        for p in places._places_of(country)
        for name in (p.name, *p.names)
    ]
    names += ["City of Celje", "Mestna občina Celje", "Grand Besançon", "Stadt  Köln", "The City"]
    names += ["Łódź, Poland", "Saint-Étienne Métropole", "a-coruna", "Gmina Miasto", ", Köln"]
    names += ["City of Foo", "Foo, City", "Foo,Bar", "A - B", "x\x1cy", "tab\there", "1. Bezirk"]
    names += ["Grand Metropolis", "UPPER, lower", "Stadt", "-", "New\nline", "Foo City of"]
    names += ["Zürich\u2003Stadt", "Ǿrsted\nKöln", "\u00a0Wien,\u3000Bezirk", "Straße, Groß"]
    assert len(names) > 20_000
    for name in names[::7]:
        assert _sign([name]) == _plain_entries(name), name
    for at in range(0, len(names), 5):
        group = list(dict.fromkeys(names[at : at + 5]))
        assert _sign(group) == set().union(*map(_plain_entries, group)), group


def test_close_cities_far_north_are_found_though_their_cells_are_not_neighbours() -> None:
    # at 69.6° N a cell of the grid is 3.9 km wide: Tromsø's two records 7.7 km apart
    # east-west lie three cells apart; at 89.95° N, all round the pole
    tromso = City(id="tromso", name="Tromsø", country="NO", lat=69.65, lng=18.96, sources=("d",))
    municipality = replace(tromso, id="tromso-kommune", name="Tromsø Kommune", lng=19.16)
    pole = City(id="pole", name="Pole", country="XX", lat=89.95, lng=-179.0, sources=("d",))
    other_side = replace(pole, id="city-of-pole", name="City of Pole", lng=179.0)
    data = Dataset(sources=(DOC,), cities=(tromso, municipality, pole, other_side))
    assert distance_km(69.65, 18.96, 69.65, 19.16) < CLOSE_KM
    found = [(a.id, b.id) for a, b, _why in likely_duplicates(data)]
    assert found == [("city-of-pole", "pole"), ("tromso", "tromso-kommune")]
    assert found == [(a, b) for a, b, _why in _reference_duplicates(data)]

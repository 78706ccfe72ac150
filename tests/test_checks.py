"""check's warnings about cities: what a careful editor would question (citynet.checks)."""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace
from typer.testing import CliRunner

from citynet import store
from citynet.checks import (
    Outlines,
    _distinct,
    _surely_within,
    city_warnings,
    country_code_warnings,
    name_coordinate_warnings,
    one_place_warnings,
    outside_country_warnings,
    same_name_warnings,
)
from citynet.cli import app
from citynet.gazetteer import (
    COLUMNS,
    GEODATA,
    distance_km,
    gazetteer,
    lookup_bytes,
    name_keys,
    names_text,
)
from citynet.geo import atlas, ring_copies
from citynet.model import City, Dataset, Source

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "networks.toml"
DOC = Source(id="doc", publisher="Stadt", title="T", language="de")
runner = CliRunner()


def city(id: str, name: str, country: str, lat: float, lng: float, **more: Any) -> City:
    return City(id=id, name=name, country=country, lat=lat, lng=lng, sources=("doc",), **more)


# Freiburg im Breisgau's name at Freiberg's coordinates, as ClimActor has it.
WRONG_FREIBURG = city("freiburg", "Freiburg", "DE", 50.912828, 13.341727)


def test_the_shipped_data_has_no_warnings() -> None:
    assert city_warnings(store.load(SHIPPED)) == []


def test_coordinates_in_another_country_are_named_with_that_country() -> None:
    found = outside_country_warnings([city("x", "X", "DE", 48.86, 2.35)])
    assert [w.records for w in found] == [("x",)]
    assert "lie in FR" in found[0].message and "outside DE" in found[0].message
    assert "citynet edit city x" in found[0].advice


@pytest.mark.parametrize(
    ("name", "country", "lat", "lng"),
    [
        ("Hamburg", "DE", 53.55, 9.99),
        ("Kiel", "DE", 54.32, 10.14),  # on the coast: the outlines are simplified
        ("Kopenhagen", "DK", 55.68, 12.57),
        ("Anadyr", "RU", 64.73, 177.51),  # beyond the antimeridian's cut
        ("Suva", "FJ", -18.14, 178.44),
        ("Honolulu", "US", 21.31, -157.86),
        ("Key West", "US", 24.56, -81.78),  # an island the outlines leave out
    ],
)
def test_cities_in_their_country_are_not_warned_about(
    name: str, country: str, lat: float, lng: float
) -> None:
    assert outside_country_warnings([city("c", name, country, lat, lng)]) == []


def test_geonames_has_the_last_word_where_the_outlines_are_too_coarse() -> None:
    # Ceuta lies in Morocco's outline (Spain's exclave is too small for it): GeoNames
    # places it in Spain, at these coordinates
    ceuta = city("ceuta", "Ceuta", "ES", 35.89, -5.30)
    assert [w.records for w in outside_country_warnings([ceuta])] == [("ceuta",)]
    assert (
        outside_country_warnings([city("ceuta", "Ceuta", "ES", 35.89, -5.30, geonames="6362987")])
        == []
    )


def test_one_place_warnings_answer_as_a_plain_grouping() -> None:
    # 3,000 cities, most without a GeoNames id, the others sharing 400 ids in groups of
    # one to several
    rng = random.Random(5)
    cities = [
        city(f"c{at}", f"Ort {at}", "DE", 50.0, 8.0,
             geonames=str(2_900_000 + rng.randrange(400)) if rng.random() < 0.3 else "",
             wikidata=f"Q{at}" if rng.random() < 0.5 else "")
        for at in range(3_000)
    ]  # fmt: skip
    groups: dict[str, list[City]] = {}
    for c in cities:
        if c.geonames:
            groups.setdefault(c.geonames, []).append(c)
    expected = [
        tuple(sorted(c.id for c in group))
        for _geonames, group in sorted(groups.items())
        if len(group) > 1
    ]
    found = one_place_warnings(cities)
    assert [w.records for w in found] == expected and len(expected) > 200
    assert all(f"({geonames})" in w.message for w, geonames in zip(
        found, sorted(g for g, group in groups.items() if len(group) > 1), strict=True
    ))  # fmt: skip


def test_placeholder_and_unknown_country_codes() -> None:
    found = country_code_warnings(
        [
            City(id="nicosia", name="Nicosia", country="XC", sources=("doc",)),
            City(id="atlantis", name="Atlantis", country="YY", sources=("doc",)),
            City(id="berlin", name="Berlin", country="DE", sources=("doc",)),
        ]
    )
    assert [(w.records, w.message) for w in found] == [
        (("nicosia",), "country XC is a placeholder, not a country"),
        (("atlantis",), "country YY is not an ISO 3166-1 country"),
    ]


def test_a_name_far_from_its_place_and_near_a_namesake_is_said() -> None:
    (warning,) = name_coordinate_warnings([WRONG_FREIBURG])
    assert warning.records == ("freiburg",) and warning.kind == "name-coordinates"
    assert "Freiburg (DE.01" in warning.message and "which lie at Freiberg" in warning.message
    assert "merge" in warning.advice and "Wikidata id" in warning.advice
    # a Wikidata id makes it a place of its own (a namesake too small for the gazetteer)
    assert (
        name_coordinate_warnings([city("f", "Freiburg", "DE", 50.91, 13.34, wikidata="Q1")]) == []
    )
    # a GeoNames id far from the coordinates is said too
    karlsruhe = city("karlsruhe", "Karlsruhe", "DE", 51.15, 7.29, geonames="2892794")
    (far,) = name_coordinate_warnings([karlsruhe])
    assert "GeoNames place Karlsruhe (DE.01) is 251 km from its coordinates" in far.message


def test_same_name_cities_in_one_country_unless_wikidata_tells_them_apart() -> None:
    karlsruhe = city("karlsruhe", "Karlsruhe", "DE", 49.01, 8.4, wikidata="Q1040")
    second = city("karlsruhe-de", "Karlsruhe", "DE", 51.15, 7.29)
    (warning,) = same_name_warnings([karlsruhe, second])
    assert warning.records == ("karlsruhe", "karlsruhe-de")
    assert warning.message == "two cities named Karlsruhe in DE, 251 km apart"
    assert "citynet merge karlsruhe karlsruhe-de --force" in warning.advice
    told_apart = city("karlsruhe-de", "Karlsruhe", "DE", 51.15, 7.29, wikidata="Q2")
    assert same_name_warnings([karlsruhe, told_apart]) == []
    other_country = city("karlsruhe-us", "Karlsruhe", "US", 48.1, -100.6)
    assert same_name_warnings([karlsruhe, other_country]) == []


def test_two_cities_of_one_geonames_place() -> None:
    bremen = city("bremen", "Bremen", "DE", 53.08, 8.8, wikidata="Q24879", geonames="2944388")
    state = city("bremen-de", "Bremen", "DE", 53.13, 8.73, wikidata="Q1209", geonames="2944388")
    (warning,) = one_place_warnings([bremen, state])
    assert warning.records == ("bremen", "bremen-de")
    assert "bremen Q24879, bremen-de Q1209" in warning.message


def test_check_prints_warnings_and_fails_only_with_strict(tmp_path: Path) -> None:
    path = tmp_path / "networks.toml"
    data = Dataset(sources=(DOC,), cities=(WRONG_FREIBURG,))
    path.write_text(store.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["--data", str(path), "check"])
    assert result.exit_code == 0, result.stderr
    assert "1 warning(s) about cities:" in result.stdout
    assert "  warning: freiburg: its name is that of Freiburg" in result.stdout
    strict = runner.invoke(app, ["--data", str(path), "check", "--strict"])
    assert strict.exit_code == 3
    assert "1 warning(s), and --strict makes them problems" in strict.stderr
    shipped = runner.invoke(app, ["--data", str(SHIPPED), "check", "--strict"])
    assert shipped.exit_code == 0 and "warning" not in shipped.stdout


def _walk_contains(rings: list[list[tuple[float, float]]], lng: float, lat: float) -> bool:
    """The even-odd test walking every edge of every ring: what the indexed one answers."""
    inside = False
    for ring in rings:
        x1, y1 = ring[-1]
        for x2, y2 in ring:
            if (y1 > lat) != (y2 > lat) and lng < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
            x1, y1 = x2, y2
    return inside


def _walk_distance(rings: list[list[tuple[float, float]]], lng: float, lat: float) -> float:
    """The distance over every segment of every ring: what the pruned one answers."""
    scale = math.cos(math.radians(lat))
    best = math.inf
    for ring in rings:
        for (x1, y1), (x2, y2) in itertools.pairwise(ring):
            px, ax, bx = lng * scale, x1 * scale, x2 * scale
            dx, dy = bx - ax, y2 - y1
            length = dx * dx + dy * dy
            t = (
                0.0
                if length == 0
                else max(0.0, min(1.0, ((px - ax) * dx + (lat - y1) * dy) / length))
            )
            best = min(best, math.hypot(px - (ax + t * dx), lat - (y1 + t * dy)))
    return best * 111.2


def test_the_indexed_outlines_answer_as_a_walk_round_every_edge() -> None:
    # Points in and around every country's box (coasts, borders, islands, the
    # antimeridian), some of them exactly on an outline's vertices.
    world = atlas("50m")
    outlines = Outlines(world)
    rng = random.Random(18)
    for country in world.countries:
        if not country.code:
            continue
        rings = [copy for ring in world.rings(country) for copy in ring_copies(ring, 0.0)]
        west, south, east, north = country.bbox
        vertices = [p for ring in rings for p in ring]
        points = [rng.choice(vertices) for _ in range(2)]
        for _ in range(8):
            lng = rng.uniform(west - 1, east + 1) if west <= east else rng.uniform(-180, 180)
            points.append(
                (
                    max(-180.0, min(180.0, lng)),
                    rng.uniform(max(-89.9, south - 1), min(89.9, north + 1)),
                )
            )
        for lng, lat in points:
            assert outlines.contains(country.code, (lng, lat)) == _walk_contains(rings, lng, lat)
            assert outlines.distance_km(country.code, (lng, lat)) == _walk_distance(rings, lng, lat)


def _gazetteer_rows() -> list[list[str]]:
    """The rows of cities.tsv as a plain reader reads them: the header (the columns),
    a line of the ids, one of the countries, then the rows."""
    text = (GEODATA / "cities.tsv").read_text(encoding="utf-8")
    header, ids, countries, *lines = text.splitlines()
    assert header.split("\t") == list(COLUMNS)
    rows = [line.split("\t") for line in lines]
    assert ids.split("\t") == [row[0] for row in rows]
    assert countries.split("\t") == [row[2] for row in rows]
    return rows


def test_the_gazetteers_name_index_is_the_folding_of_every_name_of_its_places() -> None:
    # names.tsv is made once by scripts/make_gazetteer.py: a change of the folding
    # (names.fold_variants) must make it anew
    rows = _gazetteer_rows()
    assert len(rows) > 30_000
    shipped = (GEODATA / "names.tsv").read_text(encoding="utf-8").splitlines()
    made = names_text(rows).splitlines()
    stale = [line[:2] for line, fresh in zip(shipped, made, strict=False) if line != fresh]
    assert (stale, len(shipped)) == ([], len(made)), "run scripts/make_gazetteer.py"


def test_the_gazetteer_finds_a_countrys_places_as_a_fold_of_every_name_finds_them() -> None:
    """`named` (its index made from the keys column) against an index that folds every
    name of every place of the country, for every name of three countries' places and
    a few with accents and punctuation."""
    rows = _gazetteer_rows()
    places = gazetteer()
    for country in ("DE", "BE", "VN"):
        folded: dict[str, set[str]] = {}
        asked = ["Köln", "KOELN", "Saint-Étienne", "Frankfurt (Oder)", "Ho Chi Minh"]
        for row in rows:
            if row[2] == country:
                for name in (row[1], *row[7].split("|")) if row[7] else (row[1],):
                    asked.append(name)
                    for key in name_keys(name):
                        folded.setdefault(key, set()).add(row[0])
        for name in asked:
            scan = set().union(*(folded.get(key, set()) for key in name_keys(name)))
            found = [p.geonames for p in places.named((name,), country)]
            assert sorted(found) == sorted(scan), name


def test_the_gazetteers_lookup_is_made_from_its_two_texts() -> None:
    # lookup.bin is made once by scripts/make_gazetteer.py from cities.tsv and
    # names.tsv: a change of either (or of the folding) must make it anew
    made = lookup_bytes((GEODATA / "cities.tsv").read_bytes(), (GEODATA / "names.tsv").read_bytes())
    assert (GEODATA / "lookup.bin").read_bytes() == made, "run scripts/make_gazetteer.py"


def test_the_gazetteer_finds_each_place_and_each_countrys_places_as_a_plain_read() -> None:
    """Each row read through lookup.bin (where it starts, its coordinates, its
    country's rows) against the rows as a plain reader splits them."""
    places = gazetteer()
    grouped: dict[str, list[str]] = {}
    for row in _gazetteer_rows():
        gid, name, country, region, population, lat, lng, names = row
        grouped.setdefault(country, []).append(gid)
        place = places.place(gid)
        assert place is not None
        assert place.geonames == gid and place.name == name and place.country == country
        assert place.region == (f"{country}.{region}" if region not in ("", "00") else "")
        assert (place.population, place.lat, place.lng) == (int(population), float(lat), float(lng))
        assert place.names == (tuple(names.split("|")) if names else ())
        assert places.position(gid) == (country, float(lat), float(lng))
    for country, ids in grouped.items():
        assert [p.geonames for p in places._places_of(country)] == ids
    assert places._places_of("XX") == []
    # Berlin's id, written as int() would take it but no GeoNames id is written
    for not_an_id in (
        "not-an-id",
        "",
        "0",
        "02950159",
        "+2950159",
        " 2950159",
        "2_950_159",
        "٢٩٥٠١٥٩",
    ):
        assert places.position(not_an_id) is None and places.place(not_an_id) is None, not_an_id
    assert places.position("2950159") == ("DE", 52.524, 13.411)


def test_maybe_named_says_no_only_of_names_no_place_has() -> None:
    """`maybe_named` (hashes of the keys) against `named` (the country's index): every
    name a place of the country has is maybe there; of the others nearly all are not.
    The names of every place of three countries, each asked in its own country and in
    another, with umlauts, commas and names of no place."""
    places = gazetteer()
    names, countries = ["Köln", "KOELN", "Koln", "München", "Muenchen", "", "--"], ["DE"] * 7
    for country, other in (("DE", "AT"), ("IT", "ES"), ("VN", "DE")):
        for place in places._places_of(country):
            for name in (place.name, *place.names):
                names += [name, name, f"{name}, {other}", f"{name}x"]
                countries += [country, other, country, country]
    maybe = places.maybe_named(names, countries)
    assert len(maybe) == len(names) > 25_000
    found = [
        bool(places.named((name,), country)) for name, country in zip(names, countries, strict=True)
    ]
    assert not [n for n, m, f in zip(names, maybe, found, strict=True) if f and not m]
    wrong = sum(m and not f for m, f in zip(maybe, found, strict=True))
    assert sum(found) > 5_000 and len(names) - sum(found) > 15_000
    assert wrong < (len(names) - sum(found)) / 100  # a hash of another key, rarely


def _reference_name_coordinates(cities: list[City]) -> list[tuple[str, str]]:
    """name_coordinate_warnings written plainly: every city without a GeoNames place
    or Wikidata id asks far_namesakes, with no names asked first."""
    from citynet.matching import FAR_KM

    places = gazetteer()
    found = []
    for c in cities:
        if c.lat is None or c.lng is None:
            continue
        position = places.position(c.geonames) if c.geonames else None
        if position is not None:
            if distance_km(c.lat, c.lng, position[1], position[2]) > FAR_KM:
                found.append((c.id, "geonames"))
            continue
        if c.wikidata:
            continue
        names = {c.name, c.name_en} | {n.split(",")[0] for n in (c.name, c.name_en) if "," in n}
        namesakes = places.far_namesakes(tuple(names - {""}), c.country, c.lat, c.lng, FAR_KM)
        if namesakes:
            found.append((c.id, namesakes[0].geonames))
    return sorted(found)


def test_name_coordinates_answer_as_a_plain_loop_over_every_city() -> None:
    # the gazetteer's places of three countries, most moved (a little, far, or not at
    # all), some under another place's name or an English one, with a comma, a
    # GeoNames or a Wikidata id, and cities no gazetteer place is named like
    places = gazetteer()
    rng = random.Random(7)
    countries = ("DE", "IT", "ES")
    pool = [p for country in countries for p in places._places_of(country)]
    cities = []
    for at, place in enumerate(pool):
        other = rng.choice(pool)
        name = rng.choice([place.name, other.name, f"{place.name}, {place.region}", f"Neu{at}"])
        english = rng.choice(["", name, other.name, f"{other.name}, X"])
        moved = rng.choice([0.0, 0.05, 0.5, 3.0])
        cities.append(
            City(
                id=f"c{at}", name=name, name_en=english, country=place.country,
                lat=place.lat + moved, lng=place.lng - moved, sources=("doc",),
                geonames=place.geonames if rng.random() < 0.2 else "",
                wikidata="Q1" if rng.random() < 0.1 else "",
            )
        )  # fmt: skip
    found = sorted((w.records[0], w.message) for w in name_coordinate_warnings(cities))
    expected = _reference_name_coordinates(cities)
    assert len(expected) > 500
    assert [c for c, _m in found] == [c for c, _g in expected]
    by_id = {c.id: c for c in cities}
    for (city_id, message), (_id, said) in zip(found, expected, strict=True):
        if said == "geonames":
            assert "GeoNames place" in message
        else:  # the nearest namesake, by name
            assert places.place(said).name in message, (by_id[city_id], message)  # type: ignore[union-attr]


def test_the_gazetteers_rows_come_by_country_and_by_id() -> None:
    """What lets the reader take each country's rows as one slice (`Gazetteer._rows_of`):
    each country's rows together, by id, the countries in the order of their first id."""
    rows = _gazetteer_rows()
    runs = [country for country, _run in itertools.groupby(row[2] for row in rows)]
    assert len(runs) == len(set(runs)) > 200
    firsts: dict[str, int] = {}
    for row in rows:
        assert int(row[0]) > firsts.get(row[2], -1)
        firsts.setdefault(row[2], int(row[0]))
    assert list(firsts.values()) == sorted(firsts.values())


def _reference_same_names(cities: list[City]) -> list[tuple[tuple[str, ...], str]]:
    """same_name_warnings written plainly: every city's name folded on its own and
    grouped in a loop."""
    from citynet.merge import CLOSE_KM

    groups: dict[tuple[str, str], list[City]] = {}
    for city in cities:
        for key in name_keys(city.name):
            groups.setdefault((city.country, key), []).append(city)
    found = []
    for (_country, _key), group in sorted(item for item in groups.items() if len(item[1]) > 1):
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                pair = (min(a.id, b.id), max(a.id, b.id))
                if pair in [p for p, _m in found] or _distinct(a, b):
                    continue
                if None in (a.lat, a.lng, b.lat, b.lng):
                    continue
                km = distance_km(a.lat, a.lng, b.lat, b.lng)  # type: ignore[arg-type]
                if km > CLOSE_KM:
                    found.append(
                        (pair, f"two cities named {a.name} in {_country}, {km:,.0f} km apart")
                    )
    return found


def test_same_names_answer_as_a_plain_loop_over_every_city() -> None:
    # the gazetteer's places of four countries, their namesakes far away in the same
    # country under names spelt otherwise (case, accents, punctuation, umlauts), some
    # without coordinates or with Wikidata ids, and names without letters
    places = gazetteer()
    rng = random.Random(18)
    cities = [
        City(id=f"g{p.geonames}", name=p.name, country=p.country, lat=p.lat, lng=p.lng,
             sources=("doc",))
        for country in ("DE", "FR", "PL", "TR")
        for p in places._places_of(country)
    ]  # fmt: skip
    copies = []
    for c in cities:
        if rng.random() > 0.2:
            continue
        name = rng.choice([c.name, c.name.upper(), c.name.replace("ü", "ue"), f"{c.name}!", "--"])
        lat = None if rng.random() < 0.1 else c.lat + rng.choice([-1.0, 0.05, 2.0])  # type: ignore[operator]
        qid = "Q1" if rng.random() < 0.1 else ""
        copies.append(replace(c, id=f"{c.id}-copy", name=name, lat=lat, wikidata=qid))
    together = [*cities, *copies]
    rng.shuffle(together)
    warnings = same_name_warnings(together)
    assert len(warnings) > 100
    reference = _reference_same_names(together)
    assert [(w.records, w.message) for w in warnings] == reference


def test_a_point_surely_within_a_distance_is_within_it() -> None:
    # the shortcut name_coordinate_warnings takes before measuring: never wrong when it
    # says yes, and it says yes for most points near one another
    rng = random.Random(18)
    said = 0
    for _ in range(20_000):
        lat, lng = rng.uniform(-89.0, 89.0), rng.uniform(-180.0, 180.0)
        other = (lat + rng.uniform(-0.6, 0.6), lng + rng.uniform(-0.6, 0.6))
        if _surely_within(lat, lng, *other, 50.0):
            said += 1
            assert distance_km(lat, lng, *other) <= 50.0
    assert said > 5_000
    assert not _surely_within(0.0, 0.0, 0.0, 0.5, 50.0)  # 55.6 km

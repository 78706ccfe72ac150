"""The outline grid (scripts/make_outline_grid.py): a city in a cell the grid lists its
country for passes check's outline test without it, so the grid must claim nothing the
exact test (citynet.checks.Outlines) would not find."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path
from types import ModuleType

import pytest
from conftest import shared

from citynet import checks, store
from citynet.checks import BORDER_KM, GRID_PER_DEGREE, OutlineGrid, Outlines, outline_grid
from citynet.geo import ATLAS, Atlas, atlas, ring_copies
from citynet.members import import_members
from citynet.model import City, Dataset
from citynet.wikidata import import_tables

ROOT = Path(__file__).resolve().parents[1]
CLIMATE_COLUMNS = {"C40Cities2019": "c40", "EUCovenantofMayors2019": "covenant-of-mayors"}


def _script() -> ModuleType:
    path = ROOT / "scripts" / "make_outline_grid.py"
    spec = importlib.util.spec_from_file_location("make_outline_grid", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def real() -> Dataset:
    """The shipped dataset after the three imports, as the README runs them."""
    twins = shared("data", "wikidata-twin-cities")
    data, _ = import_tables(
        store.load(ROOT / "data" / "networks.toml"), twins / "nodes.tsv", twins / "links.tsv"
    )
    eurocities = shared("data", "eurocities-members", "members-wikidata-enriched.json")
    data, _ = import_members(data, eurocities, network="eurocities")
    climactor = shared("data", "climactor", "climactor-initcols-2020-09.csv")
    data, _ = import_members(data, climactor, columns=CLIMATE_COLUMNS)
    return data


def _false_claims(points: list[tuple[float, float]]) -> tuple[int, list[str]]:
    """How many claims the grid makes about the points (a country passes there, the
    point lies in a country or in none), and those the exact test denies."""
    grid, outlines = outline_grid(), Outlines(atlas("50m"))
    claims, wrong = 0, []
    for lng, lat in points:
        for code in sorted(grid.passing(lng, lat)):
            claims += 1
            km, _far = outlines.outside_km(code, (lng, lat))
            if km > BORDER_KM:
                wrong.append(f"{code} at {lng}, {lat}: {km} km outside")
        lies, truth = grid.country_at(lng, lat), outlines.country_at((lng, lat))
        may = grid.candidates(lng, lat)
        claims += lies is not None or may is not None
        if lies is not None and lies != truth:
            wrong.append(f"{lng}, {lat} in {lies!r}: {truth!r}")
        if lies is None and may is not None and outlines.country_at((lng, lat), may) != truth:
            wrong.append(f"{lng}, {lat} in {truth!r}, asking only {sorted(may)}")
    return claims, wrong


def test_the_shipped_grid_is_what_the_script_makes_from_the_shipped_atlas() -> None:
    made = _script().build((ATLAS / "countries-50m.json").read_bytes())
    assert made == (ATLAS / "outline-grid.bin").read_bytes(), "run scripts/make_outline_grid.py"


def test_what_the_grid_claims_anywhere_the_exact_test_finds() -> None:
    rng = random.Random(18)
    points = [(rng.uniform(-180, 180), rng.uniform(-90, 90)) for _ in range(3000)]
    # near coasts and borders: around the outlines' vertices, a cell or two away
    world = atlas("50m")
    for country in world.countries:
        if not country.code:
            continue
        vertices = [
            p for ring in world.rings(country) for copy in ring_copies(ring, 0.0) for p in copy
        ]
        for lng, lat in rng.sample(vertices, min(len(vertices), 12)):
            for reach in (0.02, 0.07, 0.15, 0.3):
                points.append(
                    (
                        max(-180.0, min(180.0, lng + rng.uniform(-reach, reach))),
                        max(-90.0, min(90.0, lat + rng.uniform(-reach, reach))),
                    )
                )
    # the antimeridian (Fiji, Chukotka, the Aleutians) and the corners of cells
    for _ in range(1000):
        lat = rng.uniform(-60, 75)
        points += [(180.0 - rng.uniform(0, 0.5), lat), (-180.0 + rng.uniform(0, 0.5), lat)]
    step = 1.0 / GRID_PER_DEGREE
    for _ in range(1000):
        lng = rng.randrange(-180 * GRID_PER_DEGREE, 180 * GRID_PER_DEGREE) * step
        lat = rng.randrange(-60 * GRID_PER_DEGREE, 80 * GRID_PER_DEGREE) * step
        points += [(lng, lat), (lng - 1e-9, lat - 1e-9), (min(180.0, lng + 1e-9), lat)]
    claims, wrong = _false_claims(points)
    assert wrong == []
    assert claims > len(points) / 3  # the grid decides, and was asked, often


def test_what_the_grid_claims_for_the_real_cities_the_exact_test_finds(real: Dataset) -> None:
    grid = outline_grid()
    located = [c for c in real.cities if c.lat is not None and c.lng is not None]
    claims, wrong = _false_claims([(c.lng, c.lat) for c in located])  # type: ignore[misc]
    assert wrong == []
    # what the grid is for: most cities are decided without an outline
    decided = [c for c in located if c.country in grid.passing(c.lng, c.lat)]  # type: ignore[arg-type]
    assert len(decided) > 0.95 * len([c for c in located if grid.has(c.country)])
    assert claims >= len(decided)


class _NoGrid(OutlineGrid):
    """A grid that decides nothing: every city gets the exact test."""

    def _entry(self, lng: float, lat: float) -> int:
        return -1


def test_the_warnings_are_those_of_the_exact_test_alone(
    real: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the real cities, and each moved a little or far, and some given another country
    rng = random.Random(24)
    countries = sorted({c.country for c in real.cities})
    cities: list[City] = []
    for c in real.cities:
        if c.lat is None or c.lng is None:
            continue
        reach = rng.choice((0.0, 0.1, 0.3, 1.0, 5.0))
        lat = max(-90.0, min(90.0, c.lat + rng.uniform(-reach, reach)))
        lng = max(-180.0, min(180.0, c.lng + rng.uniform(-reach, reach)))
        country = rng.choice(countries) if rng.random() < 0.05 else c.country
        cities.append(c.__class__(**{**_fields(c), "lat": lat, "lng": lng, "country": country}))
    with_grid = checks.outside_country_warnings(cities)
    nothing = _NoGrid((ATLAS / "outline-grid.bin").read_bytes())
    monkeypatch.setattr(checks, "outline_grid", lambda: nothing)
    assert checks.outside_country_warnings(cities) == with_grid
    assert len(with_grid) > 100  # the moves put many cities outside


def _fields(city: City) -> dict[str, object]:
    return {name: getattr(city, name) for name in city.__struct_fields__}


@pytest.mark.parametrize("scale", ["110m", "50m"])
def test_the_atlas_is_read_as_json_reads_it(scale: str) -> None:
    # geo.atlas decodes with msgspec, for speed: the same numbers, to the last bit
    text = (ATLAS / f"countries-{scale}.json").read_text(encoding="utf-8")
    world = atlas(scale)
    expected = Atlas(json.loads(text))
    assert world.countries == expected.countries
    assert all(
        world.rings(mine) == expected.rings(theirs)
        for mine, theirs in zip(world.countries, expected.countries, strict=True)
    )

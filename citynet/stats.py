"""The figures researchers ask of the data: counts, rankings, country pairs, decades.

Partner counts and country pairs count pairs of cities: two cities joined by a
partnership and an exchange are one pair, unless `kinds` narrows what counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .model import PARTNERSHIP_KINDS, City, Dataset
from .names import fold

UNKNOWN = "unknown"  # the decade of a network without a founding year


@dataclass(frozen=True, slots=True)
class Statistics:
    """Every table of `citynet stats`, each sorted most first."""

    counts: dict[str, int]
    partnership_kinds: dict[str, int]
    most_connected_cities: list[tuple[City, int]]
    most_memberships: list[tuple[City, int]]
    country_pairs: list[tuple[str, str, int]]  # a ≤ b
    region_country: list[tuple[str, str, str, int]]  # region, its country, partner country
    networks_by_theme: list[tuple[str, str, int]]  # theme id, name, networks
    networks_by_decade: list[tuple[str, int]]  # "1980s" …, then "unknown"
    partnerships_by_decade: list[tuple[str, int]]  # by the decade they began, the same way
    country_components: list[list[str]]  # largest first

    def country_matrix(self, limit: int | None = None) -> tuple[list[str], list[list[int]]]:
        """The country × country table: the `limit` countries with the most city pairs
        (all if None), and for each the pairs with each of them (symmetric)."""
        totals: Counter[str] = Counter()
        for a, b, count in self.country_pairs:
            totals[a] += count
            if b != a:
                totals[b] += count
        countries = [c for c, _ in sorted(totals.items(), key=lambda t: (-t[1], t[0]))][:limit]
        pairs = {(a, b): count for a, b, count in self.country_pairs}
        return countries, [
            [pairs.get((min(a, b), max(a, b)), 0) for b in countries] for a in countries
        ]

    @property
    def countries_connected(self) -> bool:
        """Whether every country reaches every other through partnerships abroad."""
        return len(self.country_components) <= 1


def statistics(dataset: Dataset, kinds: Iterable[str] = ()) -> Statistics:
    """All the tables at once; one pass over the partnerships."""
    wanted = set(kinds)
    cities = dataset.city_by_id
    pairs = {p.cities for p in dataset.partnerships if not wanted or p.kind in wanted}
    partners: Counter[str] = Counter()
    for first, second in pairs:
        partners[first] += 1
        partners[second] += 1
    return Statistics(
        counts={
            "networks": len(dataset.networks),
            "cities": len(dataset.cities),
            "countries": len({c.country for c in dataset.cities}),
            "memberships": len(dataset.memberships),
            "partnerships": len(dataset.partnerships),
            "city_pairs": len(pairs),
            "sources": len(dataset.sources),
            "themes": len(dataset.themes),
        },
        partnership_kinds=dict(
            Counter(p.kind for p in dataset.partnerships).most_common()
            or dict.fromkeys(PARTNERSHIP_KINDS, 0)
        ),
        most_connected_cities=_ranked(cities, partners),
        most_memberships=_ranked(cities, Counter(m.city for m in dataset.memberships)),
        country_pairs=_country_pairs(cities, pairs),
        region_country=_region_country(cities, pairs),
        networks_by_theme=_by_theme(dataset),
        networks_by_decade=_by_decade([n.founded for n in dataset.networks]),
        partnerships_by_decade=_by_decade(
            [p.since for p in dataset.partnerships if not wanted or p.kind in wanted]
        ),
        country_components=_components(dataset, cities, pairs),
    )


def _ranked(cities: dict[str, City], counts: Counter[str]) -> list[tuple[City, int]]:
    ranked = [(cities[city_id], count) for city_id, count in counts.items() if count]
    ranked.sort(key=lambda item: (-item[1], fold(item[0].name), item[0].id))
    return ranked


def _country_pairs(
    cities: dict[str, City], pairs: set[tuple[str, str]]
) -> list[tuple[str, str, int]]:
    counted: Counter[tuple[str, str]] = Counter()
    for first, second in pairs:
        a, b = sorted((cities[first].country, cities[second].country))
        counted[a, b] += 1
    return sorted(((a, b, n) for (a, b), n in counted.items()), key=lambda t: (-t[2], t[0], t[1]))


def _region_country(
    cities: dict[str, City], pairs: set[tuple[str, str]]
) -> list[tuple[str, str, str, int]]:
    """Pairs by the region of one city and the country of the other (Bayern × IT)."""
    counted: Counter[tuple[str, str, str]] = Counter()
    for first, second in pairs:
        for here, there in ((cities[first], cities[second]), (cities[second], cities[first])):
            # City may not have a region field yet (it comes with another change).
            region = getattr(here, "region", "") or ""
            if region:
                counted[region, here.country, there.country] += 1
    return sorted(
        ((r, c, p, n) for (r, c, p), n in counted.items()),
        key=lambda t: (-t[3], fold(t[0]), t[1], t[2]),
    )


def _by_theme(dataset: Dataset) -> list[tuple[str, str, int]]:
    counted = Counter(t for n in dataset.networks for t in n.themes)
    names = {t.id: t.name for t in dataset.themes}
    rows = [(theme, names.get(theme, theme), count) for theme, count in counted.items()]
    return sorted(rows, key=lambda t: (-t[2], t[0]))


def _by_decade(years: list[int | None]) -> list[tuple[str, int]]:
    """Records per decade of their year (networks founded, partnerships begun), oldest
    first, decades without one included (a histogram reads wrong with gaps closed up);
    records without a year last."""
    known = [year for year in years if year is not None]
    counted = Counter(year // 10 * 10 for year in known)
    decades = range(min(counted), max(counted) + 10, 10) if counted else range(0)
    unknown = len(years) - len(known)
    return [(f"{d}s", counted[d]) for d in decades] + ([(UNKNOWN, unknown)] if unknown else [])


def _components(
    dataset: Dataset, cities: dict[str, City], pairs: set[tuple[str, str]]
) -> list[list[str]]:
    """The countries in groups that partnerships abroad connect (union–find)."""
    parent = {c.country: c.country for c in dataset.cities}

    def root(country: str) -> str:
        while parent[country] != country:
            parent[country] = parent[parent[country]]
            country = parent[country]
        return country

    for first, second in pairs:
        a, b = root(cities[first].country), root(cities[second].country)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = {}
    for country in sorted(parent):
        groups.setdefault(root(country), []).append(country)
    return sorted(groups.values(), key=lambda g: (-len(g), g))


# --- the JSON object ----------------------------------------------------------------

TABLES = (
    "counts",
    "partnership_kinds",
    "most_connected_cities",
    "most_memberships",
    "country_pairs",
    "country_matrix",
    "region_country",
    "networks_by_theme",
    "networks_by_decade",
    "partnerships_by_decade",
    "country_components",
)
RANKINGS = (
    "most_connected_cities",
    "most_memberships",
    "country_pairs",
    "country_matrix",
    "region_country",
)


def statistics_object(stats: Statistics, limit: int | None = None) -> dict[str, Any]:
    """The JSON contract of `stats`: one object, every table as a list, most first.

    `limit` cuts the rankings (RANKINGS) to their first entries; None keeps all.
    """
    countries, matrix = stats.country_matrix(limit)

    def cut(rows: list[Any]) -> list[Any]:
        return rows[:limit] if limit else rows

    return {
        "counts": stats.counts,
        "partnership_kinds": [
            {"kind": kind, "partnerships": count} for kind, count in stats.partnership_kinds.items()
        ],
        "most_connected_cities": [
            {"id": c.id, "name": c.name, "country": c.country, "partners": n}
            for c, n in cut(stats.most_connected_cities)
        ],
        "most_memberships": [
            {"id": c.id, "name": c.name, "country": c.country, "memberships": n}
            for c, n in cut(stats.most_memberships)
        ],
        "country_pairs": [
            {"a": a, "b": b, "partnerships": n} for a, b, n in cut(stats.country_pairs)
        ],
        "country_matrix": {"countries": countries, "partnerships": matrix},
        "region_country": [
            {"region": r, "country": c, "partner_country": p, "partnerships": n}
            for r, c, p, n in cut(stats.region_country)
        ],
        "networks_by_theme": [
            {"theme": t, "name": name, "networks": n} for t, name, n in stats.networks_by_theme
        ],
        "networks_by_decade": [{"decade": d, "networks": n} for d, n in stats.networks_by_decade],
        "partnerships_by_decade": [
            {"decade": d, "partnerships": n} for d, n in stats.partnerships_by_decade
        ],
        "countries_connected": stats.countries_connected,
        "country_components": [
            {"size": len(group), "countries": group} for group in stats.country_components
        ],
    }

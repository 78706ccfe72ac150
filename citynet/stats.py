"""The figures researchers ask of the data: counts, rankings, country pairs, decades.

Partner counts and country pairs count pairs of cities: two cities joined by a
partnership and an exchange are one pair, unless `kinds` narrows what counts.
`country` narrows the rankings to that country's cities and pairs (Bundesland ×
partner country for DE). Centrality and communities (`network`) cost a second
at the real size, so they are computed only when asked for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .model import PARTNERSHIP_KINDS, City, Dataset
from .names import fold

if TYPE_CHECKING:
    from .network import Centrality, Community

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
    centrality: list[Centrality] | None = None  # None: not asked for
    communities: list[Community] | None = None

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

    def region_matrix(
        self, limit: int | None = None
    ) -> tuple[list[str], list[str], list[list[int]]]:
        """The region × partner country table, as the RGRE's database gives it for the
        Bundesländer: the regions (most pairs first), the `limit` partner countries
        with the most pairs (all if None), and the pairs of each region with each."""
        regions: Counter[str] = Counter()
        countries: Counter[str] = Counter()
        cells: dict[tuple[str, str], int] = {}
        for region, _, partner, count in self.region_country:
            regions[region] += count
            countries[partner] += count
            cells[region, partner] = count
        rows = [r for r, _ in sorted(regions.items(), key=lambda t: (-t[1], t[0]))]
        columns = [c for c, _ in sorted(countries.items(), key=lambda t: (-t[1], t[0]))][:limit]
        return rows, columns, [[cells.get((r, c), 0) for c in columns] for r in rows]

    @property
    def countries_connected(self) -> bool:
        """Whether every country reaches every other through partnerships abroad."""
        return len(self.country_components) <= 1


def statistics(
    dataset: Dataset, kinds: Iterable[str] = (), country: str = "", network: Iterable[str] = ()
) -> Statistics:
    """All the tables at once; one pass over the partnerships. With `country`, the
    rankings keep that country's cities and the pairs with one end there; the
    NETWORK_TABLES named in `network` are computed too."""
    wanted = set(kinds)
    cities = dataset.city_by_id
    pairs = {p.cities for p in dataset.partnerships if not wanted or p.kind in wanted}
    partners: Counter[str] = Counter()
    for first, second in pairs:
        partners[first] += 1
        partners[second] += 1
    memberships = Counter(m.city for m in dataset.memberships)
    central = found = None
    asked = set(network)
    if asked:
        from .network import centrality, communities

        central = centrality(dataset, wanted) if "centrality" in asked else None
        found = communities(dataset, wanted) if "communities" in asked else None
    if country:

        def here(city_id: str) -> bool:
            return cities[city_id].country == country

        pairs = {pair for pair in pairs if here(pair[0]) or here(pair[1])}
        partners = Counter({c: n for c, n in partners.items() if here(c)})
        memberships = Counter({c: n for c, n in memberships.items() if here(c)})
        if central is not None:
            central = [r for r in central if r.city.country == country]
        if found is not None:
            found = [c for c in found if any(city.country == country for city in c.members)]
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
        most_memberships=_ranked(cities, memberships),
        country_pairs=_country_pairs(cities, pairs),
        region_country=_region_country(cities, pairs, country),
        networks_by_theme=_by_theme(dataset),
        networks_by_decade=_by_decade([n.founded for n in dataset.networks]),
        partnerships_by_decade=_by_decade(
            [p.since for p in dataset.partnerships if not wanted or p.kind in wanted]
        ),
        country_components=_components(dataset, cities, pairs),
        centrality=central,
        communities=found,
    )


def _ranked(cities: Mapping[str, City], counts: Counter[str]) -> list[tuple[City, int]]:
    ranked = [(cities[city_id], count) for city_id, count in counts.items() if count]
    ranked.sort(key=lambda item: (-item[1], fold(item[0].name), item[0].id))
    return ranked


def _country_pairs(
    cities: Mapping[str, City], pairs: set[tuple[str, str]]
) -> list[tuple[str, str, int]]:
    counted: Counter[tuple[str, str]] = Counter()
    for first, second in pairs:
        a, b = sorted((cities[first].country, cities[second].country))
        counted[a, b] += 1
    return sorted(((a, b, n) for (a, b), n in counted.items()), key=lambda t: (-t[2], t[0], t[1]))


def _region_country(
    cities: Mapping[str, City], pairs: set[tuple[str, str]], country: str = ""
) -> list[tuple[str, str, str, int]]:
    """Pairs by the region of one city and the country of the other (Bayern × IT);
    with `country`, only the regions of that country."""
    counted: Counter[tuple[str, str, str]] = Counter()
    for first, second in pairs:
        for here, there in ((cities[first], cities[second]), (cities[second], cities[first])):
            if here.region and (not country or here.country == country):
                counted[here.region, here.country, there.country] += 1
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
    dataset: Dataset, cities: Mapping[str, City], pairs: set[tuple[str, str]]
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
    "region_matrix",
    "networks_by_theme",
    "networks_by_decade",
    "partnerships_by_decade",
    "country_components",
    "centrality",
    "communities",
)
# The tables computed only when `statistics(..., network=...)` names them.
NETWORK_TABLES = ("centrality", "communities")
RANKINGS = (
    "most_connected_cities",
    "most_memberships",
    "country_pairs",
    "country_matrix",
    "region_country",
    "centrality",
    "communities",
)


def statistics_object(stats: Statistics, limit: int | None = None) -> dict[str, Any]:
    """The JSON contract of `stats`: one object, every table as a list, most first.

    `limit` cuts the rankings (RANKINGS) to their first entries; None keeps all.
    A pair of cities of one country is `domestic`; a region has its code and its
    name in the interface's language. Centrality and communities are there when
    they were computed.
    """
    from .regions import region_name

    countries, matrix = stats.country_matrix(limit)
    regions, partners, by_region = stats.region_matrix(limit)

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
            {"a": a, "b": b, "domestic": a == b, "partnerships": n}
            for a, b, n in cut(stats.country_pairs)
        ],
        "country_matrix": {"countries": countries, "partnerships": matrix},
        "region_country": [
            {
                "region": r,
                "region_name": region_name(r),
                "country": c,
                "partner_country": p,
                "domestic": c == p,
                "partnerships": n,
            }
            for r, c, p, n in cut(stats.region_country)
        ],
        "region_matrix": {
            "regions": regions,
            "region_names": [region_name(r) for r in regions],
            "countries": partners,
            "partnerships": by_region,
        },
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
    } | _network_objects(stats, cut)


def _network_objects(stats: Statistics, cut: Any) -> dict[str, Any]:
    from .network import centrality_object, communities_object

    found: dict[str, Any] = {}
    if stats.centrality is not None:
        found["centrality"] = centrality_object(cut(stats.centrality))
    if stats.communities is not None:
        found["communities"] = communities_object(cut(stats.communities))
    return found

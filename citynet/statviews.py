"""`stats` and `suggest` as Listings: the tables and bar charts they show.

Headers are German, like the rest of the interface; column keys (the TSV/CSV
header line) are the JSON keys, stable for scripts.
"""

from __future__ import annotations

from typing import Any

from .model import City
from .output import Column, Listing
from .stats import RANKINGS, TABLES, Statistics, statistics_object
from .suggest import Suggestion

DEFAULT_TABLE = "most_connected_cities"


def stats_listings(stats: Statistics, limit: int | None) -> dict[str, Listing]:
    """Every table of `stats` by its JSON key, each listing's payload that key's value."""
    data = statistics_object(stats, limit)
    cut = f" (erste {limit})" if limit else ""

    def listing(key: str, columns: list[Column], title: str, bar: str = "") -> Listing:
        rows = data[key]
        rows = [rows] if isinstance(rows, dict) else rows
        return Listing(
            columns=columns,
            rows=[{c.key: _text(row.get(c.key)) for c in columns} for row in rows],
            payload=data[key],
            title=title + (cut if key in RANKINGS else ""),
            bar=bar,
            id_key=columns[0].key,  # --format ids: the city ids, theme ids, kinds, …
        )

    city_columns = [
        Column("id", "ID", no_wrap=True),
        Column("name", "Stadt"),
        Column("country", "Land"),
    ]
    counts = [{"record": name, "count": str(count)} for name, count in data["counts"].items()]
    components = data["country_components"]
    connected = (
        "Alle Länder sind über Partnerschaften verbunden."
        if data["countries_connected"]
        else f"Nicht alle Länder sind verbunden: {len(components)} getrennte Gruppen."
    )
    listings = {
        "counts": Listing(
            columns=[Column("record", "Einträge"), Column("count", "Anzahl")],
            rows=counts,
            payload=data["counts"],
            title="Umfang der Daten",
        ),
        "partnership_kinds": listing(
            "partnership_kinds",
            [Column("kind", "Art"), Column("partnerships", "Beziehungen")],
            "Beziehungen nach Art",
            bar="partnerships",
        ),
        "most_connected_cities": listing(
            "most_connected_cities",
            [*city_columns, Column("partners", "Partnerstädte")],
            "Städte mit den meisten Partnerstädten",
            bar="partners",
        ),
        "most_memberships": listing(
            "most_memberships",
            [*city_columns, Column("memberships", "Mitgliedschaften")],
            "Städte mit den meisten Mitgliedschaften",
            bar="memberships",
        ),
        "country_pairs": listing(
            "country_pairs",
            [Column("a", "Land"), Column("b", "Land"), Column("partnerships", "Städtepaare")],
            "Länderpaare nach Städtepaaren",
            bar="partnerships",
        ),
        "country_matrix": _matrix_listing(data["country_matrix"], cut),
        "region_country": listing(
            "region_country",
            [
                Column("region", "Region"),
                Column("country", "Land"),
                Column("partner_country", "Partnerland"),
                Column("partnerships", "Städtepaare"),
            ],
            "Regionen × Partnerländer",
            bar="partnerships",
        ),
        "networks_by_theme": listing(
            "networks_by_theme",
            [Column("theme", "Thema"), Column("name", "Name"), Column("networks", "Netzwerke")],
            "Netzwerke nach Thema",
            bar="networks",
        ),
        "networks_by_decade": listing(
            "networks_by_decade",
            [Column("decade", "Gegründet"), Column("networks", "Netzwerke")],
            "Netzwerke nach Gründungsjahrzehnt",
            bar="networks",
        ),
        "country_components": Listing(
            columns=[Column("size", "Länder"), Column("countries", "Zusammenhängende Länder")],
            rows=[
                {"size": str(c["size"]), "countries": " ".join(c["countries"])} for c in components
            ],
            payload={"countries_connected": data["countries_connected"], "components": components},
            title="Sind alle Länder verbunden?",
            footer=[connected],
        ),
    }
    assert tuple(listings) == TABLES
    return listings


def _matrix_listing(matrix: dict[str, Any], cut: str) -> Listing:
    """One row per country, one column per country; on a narrow terminal the columns
    of the countries with fewer pairs give way."""
    countries: list[str] = matrix["countries"]
    rows = [
        {"country": a, **{b: str(n) for b, n in zip(countries, counts, strict=True)}}
        for a, counts in zip(countries, matrix["partnerships"], strict=True)
    ]
    columns = [Column("country", "Land", no_wrap=True)]
    columns += [Column(c, c, no_wrap=True, optional=True) for c in countries]
    return Listing(
        columns=columns,
        rows=rows,
        payload=matrix,
        title="Städtepaare Land × Land" + cut,
        id_key="country",
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def suggestion_listing(city: City, suggestions: list[Suggestion]) -> Listing:
    rows = [
        {
            "network": s.network.id,
            "name": s.network.label,
            "score": f"{s.score:.3f}",
            "peers": str(len(s.peers)),
            "reason": s.reason,
        }
        for s in suggestions
    ]
    return Listing(
        columns=[
            Column("network", "ID", no_wrap=True),
            Column("name", "Netzwerk"),
            Column("score", "Wert", no_wrap=True),
            Column("peers", "Vergleichsstädte", optional=True),
            Column("reason", "Begründung"),
        ],
        rows=rows,
        payload=[suggestion_object(s) for s in suggestions],
        title=f"Netzwerke für {city.name}",
        id_key="network",
        footer=[] if rows else [f"{city.name} teilt mit keiner Stadt ein Netzwerk oder Partner."],
    )


def suggestion_object(suggestion: Suggestion) -> dict[str, Any]:
    """One suggestion as the JSON contract describes it."""
    return {
        "network": suggestion.network.id,
        "name": suggestion.network.label,
        "score": suggestion.score,
        "reason": suggestion.reason,
        "peers": [c.id for c in suggestion.peers],
        "evidence": [
            {
                "group": e.group,
                "via": e.via or None,
                "country": e.country or None,
                "members": e.members,
                "in_network": e.in_network,
            }
            for e in suggestion.evidence
        ],
    }


def stats_whole(stats: Statistics, limit: int | None) -> Listing:
    """Every table at once, for `--format json`: the payload is the whole object."""
    return Listing(columns=[], rows=[], payload=statistics_object(stats, limit))

"""`stats` and `suggest` as Listings: the tables and bar charts they show.

Headers, titles and reasons are in the interface's language (`citynet.i18n`);
column keys (the TSV/CSV header line) are the JSON keys, stable for scripts.
"""

from __future__ import annotations

from typing import Any

from .contract import null
from .i18n import N_, _, ngettext, number
from .model import City, Dataset
from .output import Column, Listing
from .stats import RANKINGS, TABLES, Statistics, statistics_object
from .suggest import STRONGEST, Suggestion
from .views import kind_label, labels, quantity

DEFAULT_TABLE = "most_connected_cities"
# The rows of the counts table as people read them (tsv keeps the keys).
COUNT_NAMES = {
    "networks": N_("Networks"),
    "cities": N_("Cities"),
    "countries": N_("Countries"),
    "memberships": N_("Memberships"),
    "partnerships": N_("Partnerships"),
    "city_pairs": N_("City pairs"),
    "sources": N_("Sources"),
    "themes": N_("Themes"),
}


def stats_listings(stats: Statistics, limit: int | None) -> dict[str, Listing]:
    """Every table of `stats` by its JSON key, each listing's payload that key's value."""
    data = statistics_object(stats, limit)
    cut = " (" + _("first {n}").format(n=limit) + ")" if limit else ""

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
        Column("id", N_("ID"), no_wrap=True),
        Column("name", N_("City")),
        Column("country", N_("Country")),
    ]
    counts = [{"record": name, "count": str(count)} for name, count in data["counts"].items()]
    components = data["country_components"]
    connected = (
        _("Every country is connected through partnerships.")
        if data["countries_connected"]
        else _("Not every country is connected: {n} separate groups.").format(n=len(components))
    )
    listings = {
        "counts": Listing(
            columns=[
                Column("record", N_("Records"), shown=labels(COUNT_NAMES)),
                Column("count", N_("Count"), shown=quantity),
            ],
            rows=counts,
            payload=data["counts"],
            title=_("Size of the data"),
        ),
        "partnership_kinds": listing(
            "partnership_kinds",
            [
                Column("kind", N_("Kind"), shown=kind_label),
                Column("partnerships", N_("Relations"), shown=quantity),
            ],
            _("Relations by kind"),
            bar="partnerships",
        ),
        "most_connected_cities": listing(
            "most_connected_cities",
            [*city_columns, Column("partners", N_("Partner cities"), shown=quantity)],
            _("Cities with the most partner cities"),
            bar="partners",
        ),
        "most_memberships": listing(
            "most_memberships",
            [*city_columns, Column("memberships", N_("Memberships"), shown=quantity)],
            _("Cities with the most memberships"),
            bar="memberships",
        ),
        "country_pairs": listing(
            "country_pairs",
            [
                Column("a", N_("Country")),
                Column("b", N_("Country")),
                Column("domestic", N_("Domestic"), shown=_domestic),
                Column("partnerships", N_("City pairs"), shown=quantity),
            ],
            _("Country pairs by pairs of cities"),
            bar="partnerships",
        ),
        "country_matrix": _matrix_listing(data["country_matrix"], cut),
        "region_country": listing(
            "region_country",
            [
                Column("region", N_("Code"), no_wrap=True, optional=True),
                Column("region_name", N_("Region")),
                Column("country", N_("Country")),
                Column("partner_country", N_("Partner country")),
                Column("domestic", N_("Domestic"), shown=_domestic),
                Column("partnerships", N_("City pairs"), shown=quantity),
            ],
            _("Regions × partner countries"),
            bar="partnerships",
        ),
        "region_matrix": _region_matrix_listing(data["region_matrix"], cut),
        "networks_by_theme": listing(
            "networks_by_theme",
            [
                Column("theme", N_("Theme")),
                Column("name", N_("Name")),
                Column("networks", N_("Networks"), shown=quantity),
            ],
            _("Networks by theme"),
            bar="networks",
        ),
        "networks_by_decade": listing(
            "networks_by_decade",
            [Column("decade", N_("Founded")), Column("networks", N_("Networks"), shown=quantity)],
            _("Networks by decade of founding"),
            bar="networks",
        ),
        "partnerships_by_decade": listing(
            "partnerships_by_decade",
            [Column("decade", N_("Began")), Column("partnerships", N_("Partnerships"))],
            _("Partnerships by decade of their start"),
            bar="partnerships",
        ),
        "country_components": Listing(
            columns=[
                Column("size", N_("Countries")),
                Column("countries", N_("Connected countries")),
            ],
            rows=[
                {"size": str(c["size"]), "countries": " ".join(c["countries"])} for c in components
            ],
            payload={"countries_connected": data["countries_connected"], "components": components},
            title=_("Are all countries connected?"),
            footer=[connected],
        ),
    }
    listings |= _network_listings(data, cut)
    assert tuple(listings) == tuple(t for t in TABLES if t in listings)
    return listings


def _domestic(value: str) -> str:
    return _("within the country") if value == "true" else ""


def _network_listings(data: dict[str, Any], cut: str) -> dict[str, Listing]:
    """Centrality and communities, when they were computed."""
    from .network import EXACT_UP_TO, PIVOTS

    found = {}
    if "centrality" in data:
        found["centrality"] = Listing(
            columns=[
                Column("id", N_("ID"), no_wrap=True),
                Column("name", N_("City")),
                Column("country", N_("Country")),
                Column("partners", N_("Partner cities"), numeric=True),
                Column("betweenness", N_("Betweenness")),
            ],
            rows=[
                {
                    **{k: _text(v) for k, v in row.items()},
                    "betweenness": f"{row['betweenness']:.4f}",
                }
                for row in data["centrality"]
            ],
            payload=data["centrality"],
            title=_("Central cities: partner cities and shortest chains through them") + cut,
            footer=[
                _(
                    "Betweenness: the share of shortest chains between other cities that "
                    "pass through the city (estimated from {pivots} cities above {exact})."
                ).format(pivots=PIVOTS, exact=EXACT_UP_TO)
            ],
        )
    if "communities" in data:
        found["communities"] = Listing(
            columns=[
                Column("community", N_("Community"), no_wrap=True),
                Column("size", N_("Cities"), numeric=True),
                Column("countries", N_("Countries")),
                Column("members", N_("Most connected members")),
            ],
            rows=[
                {
                    "community": str(c["community"]),
                    "size": str(c["size"]),
                    "countries": ", ".join(
                        f"{x['country']} {x['cities']}" for x in c["countries"][:6]
                    )
                    + (" …" if len(c["countries"]) > 6 else ""),
                    "members": ", ".join(c["names"][:6]) + (" …" if c["size"] > 6 else ""),
                }
                for c in data["communities"]
            ],
            payload=data["communities"],
            title=_("Communities: clusters of cities joined by relations") + cut,
            id_key="community",
        )
    return found


def _matrix_listing(matrix: dict[str, Any], cut: str) -> Listing:
    """One row per country, one column per country; on a narrow terminal the columns
    of the countries with fewer pairs give way."""
    countries: list[str] = matrix["countries"]
    rows = [
        {"country": a, **{b: str(n) for b, n in zip(countries, counts, strict=True)}}
        for a, counts in zip(countries, matrix["partnerships"], strict=True)
    ]
    columns = [Column("country", N_("Country"), no_wrap=True)]
    columns += [Column(c, c, no_wrap=True, optional=True) for c in countries]
    return Listing(
        columns=columns,
        rows=rows,
        payload=matrix,
        title=_("City pairs country × country") + cut,
        id_key="country",
    )


def _region_matrix_listing(matrix: dict[str, Any], cut: str) -> Listing:
    """One row per region (by name), one column per partner country: the table German
    offices know from the RGRE's database (Bayern × IT)."""
    countries: list[str] = matrix["countries"]
    rows = [
        {
            "region": code,
            "region_name": name,
            **{c: str(n) for c, n in zip(countries, counts, strict=True)},
        }
        for code, name, counts in zip(
            matrix["regions"], matrix["region_names"], matrix["partnerships"], strict=True
        )
    ]
    columns = [
        Column("region", N_("Code"), no_wrap=True, optional=True),
        Column("region_name", N_("Region"), no_wrap=True),
    ]
    columns += [Column(c, c, no_wrap=True, optional=True) for c in countries]
    return Listing(
        columns=columns,
        rows=rows,
        payload=matrix,
        title=_("City pairs region × partner country") + cut,
        id_key="region",
    )


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def suggestion_listing(dataset: Dataset, city: City, suggestions: list[Suggestion]) -> Listing:
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
    # The reason in the interface's language on a terminal; json keeps the English one.
    reasons = {s.reason: reason_text(dataset, city, s) for s in suggestions}
    return Listing(
        columns=[
            Column("network", N_("ID"), no_wrap=True),
            Column("name", N_("Network")),
            Column("score", N_("Score"), no_wrap=True, shown=lambda text: number(float(text), 3)),
            Column("peers", N_("Peer cities"), optional=True),
            Column("reason", N_("Reason"), shown=lambda text: reasons.get(text, text)),
        ],
        rows=rows,
        payload=[suggestion_object(s) for s in suggestions],
        title=_("Networks for {city}").format(city=city.name),
        id_key="network",
        footer=[]
        if rows
        else [_("{city} shares no network or partner with another city.").format(city=city.name)],
    )


def reason_text(dataset: Dataset, city: City, suggestion: Suggestion) -> str:
    """A suggestion's evidence in words, in the interface's language (`suggest._reason`
    says it in English for json)."""
    parts = []
    for fact in suggestion.evidence:
        values = {
            "n": fact.in_network,
            "of": fact.members,
            "city": city.name,
            "network": suggestion.network.label,
            "via": dataset.network_by_id[fact.via].label if fact.via else "",
            "country": fact.country,
        }
        if fact.group == "network":
            text = ngettext(
                "{n} of {of} other {via} member is in {network}",
                "{n} of {of} other {via} members are in {network}",
                fact.members,
            )
            if fact.country:
                text = ngettext(
                    "{n} of {of} other {via} member in {country} is in {network}",
                    "{n} of {of} other {via} members in {country} are in {network}",
                    fact.members,
                )
        elif fact.group == "partners":
            text = ngettext(
                "{n} of {city}'s {of} partner city is in {network}",
                "{n} of {city}'s {of} partner cities are in {network}",
                fact.members,
            )
        else:
            text = ngettext(
                "{n} of {of} city sharing partner cities with {city} is in {network}",
                "{n} of {of} cities sharing partner cities with {city} are in {network}",
                fact.members,
            )
        parts.append(text.format(**values))
    if suggestion.peers:
        names = ", ".join(p.name for p in suggestion.peers[:STRONGEST])
        parts.append(_("closest peers in it: {names}").format(names=names))
    return "; ".join(parts)


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
                "via": null(e.via),
                "country": null(e.country),
                "members": e.members,
                "in_network": e.in_network,
            }
            for e in suggestion.evidence
        ],
    }


def stats_whole(stats: Statistics, limit: int | None) -> Listing:
    """Every table at once, for `--format json`: the payload is the whole object."""
    return Listing(columns=[], rows=[], payload=statistics_object(stats, limit))


def path_listing(steps: list[Any], start: City, end: City) -> Listing:
    """The chain of relations from one city to another, one row per step; the payload
    is `network.path_object` ([{from, to, kind, source}])."""
    from .network import path_object

    rows = [
        {
            "step": str(number),
            "from": step.start.id,
            "from_name": step.start.name,
            "to": step.end.id,
            "to_name": step.end.name,
            "kind": step.partnership.kind,
            "source": step.partnership.sources[0] if step.partnership.sources else "",
        }
        for number, step in enumerate(steps, 1)
    ]
    title = ngettext(
        "From {start} to {end}: {n} step",
        "From {start} to {end}: {n} steps",
        len(steps),
    ).format(start=start.name, end=end.name, n=len(steps))
    return Listing(
        columns=[
            Column("step", N_("Step"), no_wrap=True),
            Column("from", N_("From"), no_wrap=True, optional=True),
            Column("from_name", N_("City")),
            Column("to", N_("To"), no_wrap=True, optional=True),
            Column("to_name", N_("Partner city")),
            Column("kind", N_("Kind"), shown=kind_label),
            Column("source", N_("Source"), optional=True),
        ],
        rows=rows,
        payload=path_object(steps),
        title=title,
        id_key="to",
        ids=[start.id, *(row["to"] for row in rows)],
    )

"""The network's own questions: the chain of relations between two cities, which
cities are central, which clusters form.

The graph is that of cities joined by relations (partnerships of the chosen
kinds); two cities joined by several relations are one edge. Everything here is
plain Python over the dataset's indexes: at the real size (5,500 cities, 10,600
pairs) a path takes milliseconds, communities 0.4 s and centrality 1.3 s, without
networkx's 0.23 s import (the tests check the answers with it).
"""

from __future__ import annotations

import itertools
import random
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from msgspec import Struct

from .kinds import kind_rank
from .model import City, Dataset, Partnership
from .names import fold

# Above this many cities betweenness is estimated from this many source cities
# (Brandes and Pich 2007), chosen at random with a fixed seed: the same answer
# every run. At the real size (5,471 cities with relations) 200 sources take 1.3 s
# of CPU, 300 took 1.8 s, all 47 s; 200 find 8 of the exact top 10 (300: 9).
EXACT_UP_TO = 600
PIVOTS = 200
_PASSES = 50


@dataclass(frozen=True, slots=True)
class Step:
    """One link of a chain: from one city to the next through a relation."""

    start: City
    end: City
    partnership: Partnership


@dataclass(frozen=True, slots=True)
class Centrality:
    city: City
    degree: int  # partner cities
    betweenness: float  # share of shortest chains through the city (0 to 1)


@dataclass(frozen=True, slots=True)
class Community:
    number: int  # 1 for the largest
    members: tuple[City, ...]  # most connected first
    countries: tuple[tuple[str, int], ...]  # (country, cities), most first


Adjacency = dict[str, dict[str, list[Partnership]]]


def adjacency(dataset: Dataset, kinds: Iterable[str] = ()) -> Adjacency:
    """City id → partner id → the relations between them (of `kinds`, or all)."""
    wanted = set(kinds)
    graph: Adjacency = {}
    for p in dataset.partnerships:
        if wanted and p.kind not in wanted:
            continue
        a, b = p.cities
        if a == b:
            continue
        graph.setdefault(a, {}).setdefault(b, []).append(p)
        graph.setdefault(b, {}).setdefault(a, []).append(p)
    return graph


def _formality(partnership: Partnership) -> tuple[int, str]:
    return kind_rank(partnership.kind)


def path(dataset: Dataset, start: City, end: City, kinds: Iterable[str] = ()) -> list[Step] | None:
    """The shortest chain of relations from `start` to `end` (breadth first; among
    equally short chains the one through the smallest ids), None if there is none.
    Each step names the most formal relation between its two cities."""
    graph = adjacency(dataset, kinds)
    if start.id == end.id:
        return []
    came_from = {start.id: ""}
    queue = deque([start.id])
    while queue and end.id not in came_from:
        here = queue.popleft()
        for there in sorted(graph.get(here, ())):
            if there not in came_from:
                came_from[there] = here
                queue.append(there)
    if end.id not in came_from:
        return None
    chain = [end.id]
    while chain[-1] != start.id:
        chain.append(came_from[chain[-1]])
    chain.reverse()
    cities = dataset.city_by_id
    return [
        Step(cities[a], cities[b], min(graph[a][b], key=_formality))
        for a, b in itertools.pairwise(chain)
    ]


def path_object(steps: list[Step]) -> list[dict[str, str | None]]:
    """The JSON contract of `path`: [{from, to, kind, source}], in order."""
    return [
        {
            "from": s.start.id,
            "to": s.end.id,
            "kind": s.partnership.kind,
            "source": s.partnership.sources[0] if s.partnership.sources else None,
        }
        for s in steps
    ]


# --- centrality -------------------------------------------------------------------


def centrality(dataset: Dataset, kinds: Iterable[str] = ()) -> list[Centrality]:
    """Degree and betweenness of every city with a relation, most partners first.

    Betweenness is normalised as networkx does for an undirected graph: the share
    of pairs of other cities whose shortest chains pass through the city; exact up
    to EXACT_UP_TO cities, estimated from PIVOTS sources above.
    """
    graph = {city: sorted(partners) for city, partners in adjacency(dataset, kinds).items()}
    between = _betweenness(graph)
    cities = dataset.city_by_id
    found = [Centrality(cities[c], len(graph[c]), between[c]) for c in graph]
    found.sort(key=lambda r: (-r.degree, -r.betweenness, fold(r.city.name), r.city.id))
    return found


def _betweenness(graph: dict[str, list[str]]) -> dict[str, float]:
    """Brandes' algorithm, from every city or from a fixed sample of them; cities
    are numbered so that the inner loops run over lists (four times faster)."""
    nodes = sorted(graph)
    n = len(nodes)
    number = {node: i for i, node in enumerate(nodes)}
    neighbours = [[number[other] for other in graph[node]] for node in nodes]
    score = [0.0] * n
    sources = list(range(n))
    if n > EXACT_UP_TO:
        sources = sorted(random.Random(20).sample(sources, PIVOTS))
    for source in sources:
        distance = [-1] * n
        paths = [0] * n
        distance[source], paths[source] = 0, 1
        order = [source]
        at = 0
        while at < len(order):
            here = order[at]
            at += 1
            step, count = distance[here] + 1, paths[here]
            for there in neighbours[here]:
                seen = distance[there]
                if seen < 0:
                    distance[there] = step
                    paths[there] = count
                    order.append(there)
                elif seen == step:
                    paths[there] += count
        share = [0.0] * n
        for there in reversed(order):
            previous = distance[there] - 1
            part = (1.0 + share[there]) / paths[there]
            for here in neighbours[there]:
                if distance[here] == previous:
                    share[here] += paths[here] * part
            if there != source:
                score[there] += share[there]
    if n <= 2:
        return dict(zip(nodes, score, strict=True))
    scale = n / len(sources) / ((n - 1) * (n - 2))
    return {node: value * scale for node, value in zip(nodes, score, strict=True)}


def ranks(records: list[Centrality]) -> dict[str, tuple[int, int]]:
    """City id → (rank by partner cities, rank by betweenness); ties share a rank."""
    by_degree = _ranked(records, lambda r: r.degree)
    by_between = _ranked(records, lambda r: round(r.betweenness, 12))
    return {r.city.id: (by_degree[r.city.id], by_between[r.city.id]) for r in records}


def _ranked(records: list[Centrality], key: Callable[[Centrality], float]) -> dict[str, int]:
    ordered = sorted(records, key=lambda r: -key(r))
    found: dict[str, int] = {}
    previous = None
    rank = 0
    for number, record in enumerate(ordered, 1):
        value = key(record)
        if value != previous:
            rank, previous = number, value
        found[record.city.id] = rank
    return found


def centrality_object(records: list[Centrality]) -> list[dict[str, object]]:
    """The JSON contract of `stats --table centrality`."""
    return [
        {
            "id": r.city.id,
            "name": r.city.name,
            "country": r.city.country,
            "partners": r.degree,
            "betweenness": round(r.betweenness, 6),
        }
        for r in records
    ]


# --- communities --------------------------------------------------------------------


def communities(dataset: Dataset, kinds: Iterable[str] = ()) -> list[Community]:
    """The clusters of the city graph by Louvain's method (Blondel et al. 2008),
    largest first; nodes visited in id order, so the answer is the same every run."""
    graph = adjacency(dataset, kinds)
    weighted = {c: {p: 1.0 for p in partners} for c, partners in graph.items()}
    groups = louvain(weighted)
    cities = dataset.city_by_id
    found = []
    for members in groups:
        ordered = sorted(
            (cities[c] for c in members), key=lambda c: (-len(graph[c.id]), fold(c.name), c.id)
        )
        countries = Counter(c.country for c in ordered)
        found.append((ordered, sorted(countries.items(), key=lambda t: (-t[1], t[0]))))
    found.sort(key=lambda t: (-len(t[0]), t[0][0].id))
    return [
        Community(number, tuple(members), tuple(countries))
        for number, (members, countries) in enumerate(found, 1)
    ]


def louvain(graph: dict[str, dict[str, float]]) -> list[set[str]]:
    """Louvain's method: move nodes to the neighbouring community that gains most
    modularity until none does, merge each community into one node, repeat."""
    members: dict[str, set[str]] = {node: {node} for node in graph}
    current = graph
    while True:
        community = _move_nodes(current)
        if all(community[node] == node for node in current):
            break
        merged: dict[str, set[str]] = {}
        for node, group in community.items():
            merged.setdefault(group, set()).update(members[node])
        smaller: dict[str, dict[str, float]] = {group: {} for group in merged}
        for node, neighbours in current.items():
            row = smaller[community[node]]
            for other, weight in neighbours.items():
                key = community[other]
                row[key] = row.get(key, 0.0) + weight
        members, current = merged, smaller
    return list(members.values())


def _move_nodes(graph: dict[str, dict[str, float]]) -> dict[str, str]:
    """One level of Louvain: node → its community (named by one of its nodes).

    A weight on the diagonal is twice the weight inside a merged node, so a node's
    degree is the sum of its row and 2m the sum of all rows.
    """
    degree = {node: sum(row.values()) for node, row in graph.items()}
    twice_m = sum(degree.values())
    community = {node: node for node in graph}
    total = dict(degree)
    if not twice_m:
        return community
    order = sorted(graph)
    moved = True
    for _ in range(_PASSES):  # each pass gains; the bound guards against rounding
        if not moved:
            break
        moved = False
        for node in order:
            k = degree[node]
            own = community[node]
            links: dict[str, float] = {}
            for other, weight in graph[node].items():
                if other != node:
                    links[community[other]] = links.get(community[other], 0.0) + weight
            total[own] -= k
            best, gain = own, links.get(own, 0.0) - total[own] * k / twice_m
            for group, weight in links.items():
                candidate = weight - total[group] * k / twice_m
                if candidate > gain + 1e-12:
                    best, gain = group, candidate
            total[best] += k
            if best != own:
                community[node] = best
                moved = True
    return community


class Position(Struct, frozen=True, array_like=True):
    """A city's place in the graph of relations, as a city's report states it (kept in
    the cache: computing it costs about two seconds at the real size)."""

    degree_rank: int  # rank by partner cities among `cities`
    between_rank: int  # rank by betweenness
    cities: int  # how many cities have a relation
    community: int  # its community's number, 1 for the largest
    community_size: int
    others: tuple[str, ...]  # up to five other members' names, most connected first
    countries: tuple[str, ...]  # up to five countries of the community, most cities first


def positions(dataset: Dataset) -> dict[str, Position]:
    """Every connected city's place in the graph: ranks and community."""
    records = centrality(dataset)
    ranked = ranks(records)
    found: dict[str, Position] = {}
    for community in communities(dataset):
        countries = tuple(code for code, _count in community.countries[:5])
        for city in community.members:
            if city.id not in ranked:
                continue
            by_degree, by_between = ranked[city.id]
            others = tuple(c.name for c in community.members[:6] if c.id != city.id)[:5]
            found[city.id] = Position(
                by_degree,
                by_between,
                len(records),
                community.number,
                len(community.members),
                others,
                countries,
            )
    return found


def communities_object(found: list[Community]) -> list[dict[str, object]]:
    """The JSON contract of `stats --table communities`."""
    return [
        {
            "community": c.number,
            "size": len(c.members),
            "members": [city.id for city in c.members],
            "names": [city.name for city in c.members],
            "countries": [{"country": code, "cities": n} for code, n in c.countries],
        }
        for c in found
    ]

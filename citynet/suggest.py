"""Networks a city might join: those its closest peers belong to and it does not.

A peer is a city that shares networks or partners with it. Each peer weighs
  the similarity of the two cities' networks, each network counted by how rare
  it is (log of the cities with a membership over its members: sharing a
  six-member network says more than sharing one of 6,000)
  + 0.5 if it is a partner city, + 0.5 × the Jaccard similarity of their partners,
  × 1.5 if it lies in the same country,
  × between 0.5 and 1 by how close the two populations are (0.75 if one is unknown).
Only the PEERS heaviest peers count (the nearest neighbours): at the real size a
city shares the Covenant of Mayors with 6,000 others, and their weight would
drown every signal. A network's score is the weight of those peers in it over
the weight of them all (0 to 1); its reason names the counts behind it and its
strongest peers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from .model import City, Dataset, Network
from .names import fold

PEERS = 30
STRONGEST = 3  # peers named in a reason
PARTNER_BONUS = 0.5
SHARED_PARTNERS_WEIGHT = 0.5
SAME_COUNTRY_FACTOR = 1.5


@dataclass(frozen=True, slots=True)
class Evidence:
    """`members` cities of a group (a network's members, maybe of one country, or the
    city's partners), `in_network` of them in the suggested network."""

    group: str  # "network", "partners" or "shared_partners"
    in_network: int
    members: int
    via: str = ""  # the shared network's id, for group "network"
    country: str = ""  # the country the group is limited to, or ""


@dataclass(frozen=True, slots=True)
class Suggestion:
    network: Network
    score: float
    peers: tuple[City, ...]  # the peers in the network, heaviest first
    evidence: tuple[Evidence, ...]
    reason: str


def peers_of(dataset: Dataset, city: City, kinds: Iterable[str] = ()) -> dict[str, float]:
    """Every city that shares networks or partners with `city`, with its weight."""
    wanted = set(kinds)
    own_networks = _networks_of(dataset, city.id)
    own_partners = _partners_of(dataset, city.id, wanted)
    rarity = _rarity(dataset)
    candidates: set[str] = set(own_partners)
    for network_id in own_networks:
        candidates.update(m.city for m in dataset.memberships_by_network.get(network_id, ()))
    for partner in own_partners:
        candidates.update(_partners_of(dataset, partner, wanted))
    candidates.discard(city.id)
    weights: dict[str, float] = {}
    for other_id in candidates:
        other = dataset.city_by_id[other_id]
        weight = _weighted_jaccard(own_networks, _networks_of(dataset, other_id), rarity)
        if other_id in own_partners:
            weight += PARTNER_BONUS
        weight += SHARED_PARTNERS_WEIGHT * _jaccard(
            own_partners, _partners_of(dataset, other_id, wanted) - {city.id}
        )
        if other.country == city.country:
            weight *= SAME_COUNTRY_FACTOR
        weight *= _size_factor(city, other)
        if weight > 0:
            weights[other_id] = weight
    return weights


def suggest(dataset: Dataset, city: City, kinds: Iterable[str] = ()) -> list[Suggestion]:
    """Networks the city's peers are in and it is not, best first."""
    wanted = set(kinds)
    weights = _nearest(dataset, peers_of(dataset, city, wanted))
    total = sum(weights.values())
    own_networks = _networks_of(dataset, city.id)
    own_partners = _partners_of(dataset, city.id, wanted)
    # Cities with a partner in common with this one.
    sharing = {c for p in own_partners for c in _partners_of(dataset, p, wanted)} - {city.id}
    found = []
    for network in dataset.networks:
        if network.id in own_networks:
            continue
        members = {m.city for m in dataset.memberships_by_network.get(network.id, ())}
        peers = [dataset.city_by_id[c] for c in members if c in weights]
        if not peers:
            continue
        peers.sort(key=lambda c: (-weights[c.id], fold(c.name)))
        evidence = _evidence(dataset, city, own_networks, own_partners, sharing, members)
        score = round(sum(weights[c.id] for c in peers) / total, 3)
        reason = _reason(dataset, city, network, evidence, tuple(peers))
        found.append(Suggestion(network, score, tuple(peers), evidence, reason))
    found.sort(key=lambda s: (-s.score, -len(s.peers), fold(s.network.label)))
    return found


def _evidence(
    dataset: Dataset,
    city: City,
    own_networks: set[str],
    own_partners: set[str],
    sharing: set[str],
    members: set[str],
) -> tuple[Evidence, ...]:
    """The strongest facts behind a suggestion: the shared network whose other members
    (of the city's own country if any, else of any) are most often in it; the partners;
    without a shared network, the cities that share partners with it. Every peer is in
    one of these groups, so there is always a fact."""
    best: Evidence | None = None
    for network_id in sorted(own_networks):
        others = {m.city for m in dataset.memberships_by_network.get(network_id, ())} - {city.id}
        compatriots = {c for c in others if dataset.city_by_id[c].country == city.country}
        for group, country in ((compatriots, city.country), (others, "")):
            hits = len(group & members)
            if not hits:
                continue
            candidate = Evidence("network", hits, len(group), network_id, country)
            if best is None or _strength(candidate) > _strength(best):
                best = candidate
            break  # a fact about compatriots says more than one about everybody
    facts = [best] if best else []
    partners_in = len(own_partners & members)
    if partners_in:
        facts.append(Evidence("partners", partners_in, len(own_partners)))
    shared_in = len(sharing & members)
    if shared_in and best is None:
        facts.append(Evidence("shared_partners", shared_in, len(sharing)))
    return tuple(facts)


def _strength(evidence: Evidence) -> tuple[float, int, bool]:
    return (evidence.in_network / evidence.members, evidence.in_network, bool(evidence.country))


def _reason(
    dataset: Dataset,
    city: City,
    network: Network,
    evidence: tuple[Evidence, ...],
    peers: tuple[City, ...] = (),
) -> str:
    """The evidence in words: "14 of the 23 other Eurocities members in DE are in CoM",
    then the strongest peers in it: "closest peers in it: Hamburg, München"."""
    parts = []
    for fact in evidence:
        verb = "is" if fact.in_network == 1 else "are"
        if fact.group == "network":
            via = dataset.network_by_id[fact.via].label
            where = f" in {fact.country}" if fact.country else ""
            group = (
                f"the one other {via} member{where}"
                if fact.members == 1
                else f"{fact.in_network} of the {fact.members} other {via} members{where}"
            )
        elif fact.group == "partners":
            group = (
                f"{city.name}'s one partner city"
                if fact.members == 1
                else f"{fact.in_network} of {city.name}'s {fact.members} partner cities"
            )
        else:
            group = (
                f"the one city that shares a partner city with {city.name}"
                if fact.members == 1
                else f"{fact.in_network} of the {fact.members} cities that share partner "
                f"cities with {city.name}"
            )
        parts.append(f"{group} {verb} in {network.label}")
    if peers:
        parts.append("closest peers in it: " + ", ".join(p.name for p in peers[:STRONGEST]))
    return "; ".join(parts)


def _networks_of(dataset: Dataset, city_id: str) -> set[str]:
    return {m.network for m in dataset.memberships_by_city.get(city_id, ())}


def _partners_of(dataset: Dataset, city_id: str, kinds: set[str]) -> set[str]:
    return {
        p.other(city_id) for p in dataset.partnerships_of(city_id) if not kinds or p.kind in kinds
    }


def _nearest(dataset: Dataset, weights: dict[str, float]) -> dict[str, float]:
    """The PEERS heaviest peers (ties by name, then id)."""
    cities = dataset.city_by_id
    ranked = sorted(weights, key=lambda c: (-weights[c], fold(cities[c].name), c))
    return {c: weights[c] for c in ranked[:PEERS]}


def _rarity(dataset: Dataset) -> dict[str, float]:
    """Each network's weight in a similarity: log(cities with a membership / members)
    + 1, so that even the largest network counts a little."""
    members = {n: len(ms) for n, ms in dataset.memberships_by_network.items()}
    joined = len(dataset.memberships_by_city) or 1
    return {n: math.log(joined / count) + 1.0 for n, count in members.items()}


def _weighted_jaccard(a: set[str], b: set[str], rarity: dict[str, float]) -> float:
    union = sum(rarity.get(n, 1.0) for n in a | b)
    return sum(rarity.get(n, 1.0) for n in a & b) / union if union else 0.0


def _size_factor(city: City, other: City) -> float:
    """1 for cities of the same population, down to 0.5 for very different ones;
    0.75 when either is unknown."""
    if not city.population or not other.population:
        return 0.75
    small, large = sorted((city.population, other.population))
    return 0.5 + 0.5 * small / large


def _jaccard(a: set[str], b: set[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0

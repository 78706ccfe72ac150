"""The shipped dataset holds what the five source documents state.

The documents live in shared/seeds (see its README); their source ids are
berlin-netzwerke (000), berlin-partnerschaften (001), berlin-metropolis (002),
koeln-netzwerke (003) and nrw-netzwerke (004); `redaktion` marks facts the
editors added. Every test here reads the dataset as shipped, so a lost fact, a
wrong source or a broken alias in data/networks.toml fails the suite.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from conftest import missing, shared
from typer.testing import CliRunner

from citynet import files, store
from citynet.cli import app
from citynet.model import City, Dataset, Membership, Network, Partnership
from citynet.names import lookup
from citynet.query import figure_conflicts

BERLIN_NETZWERKE = "berlin-netzwerke"  # 000
BERLIN_PARTNERSCHAFTEN = "berlin-partnerschaften"  # 001
BERLIN_METROPOLIS = "berlin-metropolis"  # 002
KOELN_NETZWERKE = "koeln-netzwerke"  # 003
NRW_NETZWERKE = "nrw-netzwerke"  # 004
DOCUMENTS = frozenset(
    {BERLIN_NETZWERKE, BERLIN_PARTNERSCHAFTEN, BERLIN_METROPOLIS, KOELN_NETZWERKE, NRW_NETZWERKE}
)
ALLOWED_SOURCES = DOCUMENTS | {"redaktion"}

# ISO 3166-1 alpha-2, the officially assigned codes.
_ISO_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
    EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
    LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
    NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
    TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
ISO_COUNTRIES = frozenset(_ISO_CODES.split())


@cache
def shipped() -> Dataset:
    """The shipped data file, read and checked once (no cache, no $CITYNET_DATA)."""
    return store.load(files.shipped_path())


@pytest.fixture
def data() -> Dataset:
    return shipped()


def network(data: Dataset, network_id: str) -> Network:
    assert network_id in data.network_by_id, f"network {network_id!r} missing"
    return data.network_by_id[network_id]


def membership(data: Dataset, city: str, network_id: str) -> Membership:
    found = [m for m in data.memberships if m.city == city and m.network == network_id]
    assert found, f"no membership {city}@{network_id}"
    return found[0]


def relations(data: Dataset, city: str, kind: str) -> dict[str, Partnership]:
    """The partner city ids of `city` with relations of `kind`, in either direction."""
    return {p.other(city): p for p in data.partnerships_by_city.get(city, ()) if p.kind == kind}


def figures(data: Dataset, network_id: str, measure: str) -> set[tuple[int, str, str]]:
    """(value, qualifier, source) of a network's figures for one measure."""
    return {
        (f.value, f.qualifier, f.source)
        for f in network(data, network_id).figures
        if f.measure == measure
    }


# --- 001: Berlin's partner cities -------------------------------------------------

BERLIN_PARTNER_CITIES = {
    "los-angeles",
    "mexiko-stadt",
    "buenos-aires",
    "paris",
    "madrid",
    "london",
    "bruessel",
    "istanbul",
    "budapest",
    "jakarta",
    "taschkent",
    "moskau",
    "warschau",
    "prag",
    "peking",
    "tokio",
    "windhuk",
}


def test_berlin_has_exactly_the_17_partner_cities_of_the_partnership_page(data: Dataset) -> None:
    partners = relations(data, "berlin", "partnership")
    assert set(partners) == BERLIN_PARTNER_CITIES
    assert len(partners) == 17
    for city, p in partners.items():
        assert BERLIN_PARTNERSCHAFTEN in p.sources, city


def test_the_17_partner_cities_are_found_by_the_names_the_page_uses(data: Dataset) -> None:
    written = (
        "Los Angeles, Mexiko-Stadt, Buenos Aires, Paris, Madrid, London, Brüssel, Istanbul, "
        "Budapest, Jakarta, Taschkent, Moskau, Warschau, Prag, Peking, Tokio, Windhuk"
    )
    found = {lookup(data, name.strip(), City).id for name in written.split(",")}
    assert found == BERLIN_PARTNER_CITIES


def test_berlin_cooperation_cities_are_recorded_with_their_source(data: Dataset) -> None:
    cooperation = relations(data, "berlin", "cooperation")
    # 001: close cooperation with Paris, Moskau, Brüssel, Prag, Warschau; expanding with London.
    for city in ("paris", "moskau", "bruessel", "prag", "warschau", "london"):
        assert city in cooperation, city
        assert BERLIN_PARTNERSCHAFTEN in cooperation[city].sources, city
    # 002: the agreement on a deeper partnership with Guangzhou.
    assert BERLIN_METROPOLIS in cooperation["guangzhou"].sources
    assert set(cooperation) == {"paris", "moskau", "bruessel", "prag", "warschau", "london"} | {
        "guangzhou"
    }


def test_berlin_exchange_cities_are_recorded_with_their_source(data: Dataset) -> None:
    exchange = relations(data, "berlin", "exchange")
    # 001: professional exchange with six cities; staff from Paris and Warschau come to Berlin.
    professional = {"amsterdam", "wien", "barcelona", "madrid", "guangzhou", "johannesburg"}
    assert set(exchange) == professional | {"paris", "warschau"}
    for city, p in exchange.items():
        assert BERLIN_PARTNERSCHAFTEN in p.sources, city


def test_mym_staff_exchange_ran_2012_to_2014_with_five_capitals(data: Dataset) -> None:
    mym = {
        p.other("berlin"): p
        for p in data.partnerships_by_city["berlin"]
        if "MYM" in p.programme or "Move Your Mind" in p.programme
    }
    assert set(mym) == {"helsinki", "paris", "warschau", "wien", "amsterdam"}
    for city, p in mym.items():
        assert (p.since, p.until) == (2012, 2014), city
        assert BERLIN_PARTNERSCHAFTEN in p.sources, city


# --- figures, and disagreements between documents ------------------------------------


def test_eurocities_keeps_both_member_figures_with_their_sources(data: Dataset) -> None:
    assert {(200, "über", BERLIN_NETZWERKE), (135, "über", KOELN_NETZWERKE)} <= figures(
        data, "eurocities", "members"
    )


def test_eurocities_keeps_both_country_figures_with_their_sources(data: Dataset) -> None:
    assert {(38, "", BERLIN_NETZWERKE), (35, "", KOELN_NETZWERKE)} <= figures(
        data, "eurocities", "countries"
    )


def test_figure_conflicts_reports_the_eurocities_disagreement(data: Dataset) -> None:
    conflicts = {
        (n.id, measure): {(f.value, f.source) for f in found}
        for n, measure, found in figure_conflicts(data)
    }
    assert conflicts[("eurocities", "members")] >= {
        (200, BERLIN_NETZWERKE),
        (135, KOELN_NETZWERKE),
    }
    assert conflicts[("eurocities", "countries")] >= {
        (38, BERLIN_NETZWERKE),
        (35, KOELN_NETZWERKE),
    }


# (network, measure, value, qualifier, source): every number the documents state.
DOCUMENT_FIGURES = [
    ("eurocities", "members", 200, "über", BERLIN_NETZWERKE),
    ("eurocities", "countries", 38, "", BERLIN_NETZWERKE),
    ("impacts", "members", 15, "aktuell", BERLIN_NETZWERKE),
    ("c40", "members", 100, "fast", BERLIN_NETZWERKE),
    ("iclei", "members", 2500, "mehr als", BERLIN_NETZWERKE),
    ("iclei", "countries", 125, "über", BERLIN_NETZWERKE),
    ("covenant-of-mayors", "members", 7000, "mehr als", BERLIN_NETZWERKE),
    ("klima-buendnis", "members", 2000, "fast", BERLIN_NETZWERKE),
    ("klima-buendnis", "countries", 25, "mehr als", BERLIN_NETZWERKE),
    ("metropolis", "members", 136, "", BERLIN_METROPOLIS),
    ("csc", "other", 18, "", BERLIN_METROPOLIS),
    ("cemr", "members", 57, "", KOELN_NETZWERKE),
    ("cemr", "countries", 41, "", KOELN_NETZWERKE),
    ("cemr", "other", 170, "", KOELN_NETZWERKE),
    ("cemr-de", "members", 800, "rund", KOELN_NETZWERKE),
    ("cemr-de", "other", 16, "", KOELN_NETZWERKE),
    ("cemr-de", "other", 2, "", KOELN_NETZWERKE),
    ("eurocities", "members", 135, "über", KOELN_NETZWERKE),
    ("eurocities", "countries", 35, "", KOELN_NETZWERKE),
    ("rainbow-cities", "members", 25, "", KOELN_NETZWERKE),
    ("eccar", "members", 150, "rund", KOELN_NETZWERKE),
    ("esn", "countries", 30, "nahezu", KOELN_NETZWERKE),
    ("covenant-of-mayors", "other", 40, "", KOELN_NETZWERKE),
    ("mayors-for-peace", "countries", 156, "", KOELN_NETZWERKE),
    ("regio-nrw", "other", 20, "mehr als", KOELN_NETZWERKE),
]


@pytest.mark.parametrize(
    ("network_id", "measure", "value", "qualifier", "source"),
    DOCUMENT_FIGURES,
    ids=[f"{n}-{m}-{v}" for n, m, v, _, _ in DOCUMENT_FIGURES],
)
def test_document_figure_is_kept_with_its_qualifier_and_source(
    data: Dataset, network_id: str, measure: str, value: int, qualifier: str, source: str
) -> None:
    assert (value, qualifier, source) in figures(data, network_id, measure)


def test_every_figure_says_what_it_counts(data: Dataset) -> None:
    missing = [f"{n.id}: {f.value}" for n in data.networks for f in n.figures if not f.unit.strip()]
    assert missing == []


# --- 000: Berlin's networks ------------------------------------------------------------


def test_berlin_is_founding_member_of_c40_since_2005(data: Dataset) -> None:
    m = membership(data, "berlin", "c40")
    assert m.since == 2005
    assert BERLIN_NETZWERKE in m.sources
    assert any(r.role == "Gründungsmitglied" and r.since == 2005 for r in m.roles)
    assert network(data, "c40").founded == 2005


def test_berlin_co_chairs_the_eurocities_air_quality_group_with_london(data: Dataset) -> None:
    for city in ("berlin", "london"):
        roles = membership(data, city, "eurocities").roles
        assert any("Co-Vorsitz" in r.role and "Air Quality" in r.body for r in roles), city
    assert membership(data, "berlin", "eurocities").since_text == "seit den neunziger Jahren"


def test_berlin_memberships_of_the_networks_page(data: Dataset) -> None:
    for network_id in (
        "eurocities",
        "impacts",
        "c40",
        "iclei",
        "polis",
        "covenant-of-mayors",
        "klima-buendnis",
    ):
        assert BERLIN_NETZWERKE in membership(data, "berlin", network_id).sources, network_id
    assert membership(data, "berlin", "klima-buendnis").since == 1990
    assert network(data, "klima-buendnis").founded == 1990
    assert network(data, "covenant-of-mayors").founded == 2008
    assert network(data, "eurocities").founded == 1986


def test_iclei_was_founded_1990_with_more_than_2500_members_in_over_125_countries(
    data: Dataset,
) -> None:
    iclei = network(data, "iclei")
    assert iclei.founded == 1990
    assert (2500, "mehr als", BERLIN_NETZWERKE) in figures(data, "iclei", "members")
    assert (125, "über", BERLIN_NETZWERKE) in figures(data, "iclei", "countries")
    assert any(f.unit.startswith("Länder") for f in iclei.figures if f.measure == "countries")


def test_klima_buendnis_counts_almost_2000_members(data: Dataset) -> None:
    (figure,) = [f for f in network(data, "klima-buendnis").figures if f.measure == "members"]
    assert figure.text.startswith("fast 2.000 ")
    assert figure.source == BERLIN_NETZWERKE


# --- 002: Metropolis ---------------------------------------------------------------------


def test_metropolis_was_founded_1985_and_has_136_members(data: Dataset) -> None:
    metropolis = network(data, "metropolis")
    assert metropolis.founded == 1985
    assert BERLIN_METROPOLIS in metropolis.sources
    assert (136, "", BERLIN_METROPOLIS) in figures(data, "metropolis", "members")


def test_mueller_was_metropolis_co_president_2018_to_2020(data: Dataset) -> None:
    roles = membership(data, "berlin", "metropolis").roles
    (co_president,) = [r for r in roles if r.person == "Michael Müller" and "Co-Präs" in r.role]
    assert (co_president.since, co_president.until) == (2018, 2020)
    assert co_president.source == BERLIN_METROPOLIS


def test_berninger_is_regional_secretary_europe_and_leads_the_csc(data: Dataset) -> None:
    metropolis_roles = membership(data, "berlin", "metropolis").roles
    assert any(
        r.person == "Barbara Berninger" and r.role == "Regional Secretary Europe"
        for r in metropolis_roles
    )
    csc_roles = [*membership(data, "berlin", "csc").roles, *network(data, "csc").people]
    assert any(r.person == "Barbara Berninger" and r.role == "Leitung" for r in csc_roles)


def test_csc_founding_cities_are_members_since_2017(data: Dataset) -> None:
    founders = {"berlin", "buenos-aires", "madrid", "dakar", "guangzhou"}
    founders |= {"mexiko-stadt", "johannesburg"}
    found = {m.city for m in data.memberships_by_network["csc"]}
    assert found == founders
    for city in founders:
        m = membership(data, city, "csc")
        assert m.since == 2017, city
        assert any(r.role == "Gründungsmitglied" for r in m.roles), city


def test_prepcity_was_founded_by_berlin_in_2015(data: Dataset) -> None:
    assert network(data, "prepcity").founded == 2015
    assert membership(data, "berlin", "prepcity").since == 2015


def test_mueller_sits_in_uclg_bodies_for_metropolis_since_2016(data: Dataset) -> None:
    people = [p for p in network(data, "uclg").people if p.person == "Michael Müller"]
    assert {p.since for p in people} == {2016}
    assert all(p.source == BERLIN_METROPOLIS and p.city == "berlin" for p in people)
    body_names = {b.name for b in network(data, "uclg").bodies}
    assert {p.body for p in people} <= body_names


# --- names and aliases -------------------------------------------------------------------


def test_cemr_and_rgre_name_one_network(data: Dataset) -> None:
    cemr = lookup(data, "CEMR")
    assert lookup(data, "RGRE").id == cemr.id == "cemr"
    assert lookup(data, "CEMR/RGRE").id == cemr.id
    assert lookup(data, "Rat der Gemeinden und Regionen Europas").id == cemr.id
    assert lookup(data, "Council of European Municipalities and Regions").id == cemr.id


def test_covenant_of_mayors_german_and_english_names_are_one_network(data: Dataset) -> None:
    covenant = lookup(data, "Covenant of Mayors")
    assert lookup(data, "Konvent der Bürgermeister").id == covenant.id
    assert lookup(data, "EU-Bürgermeisterinnen- und Bürgermeisterkonvent").id == covenant.id
    assert (
        lookup(
            data, "Konvent der Bürgermeisterinnen und Bürgermeister für Klima und Energie Europa"
        ).id
        == covenant.id
    )


@pytest.mark.parametrize(
    "names",
    [("Mexiko-Stadt", "Mexiko", "Mexico City"), ("Johannisburg", "Johannesburg")],
    ids=["mexiko-stadt", "johannesburg"],
)
def test_city_spellings_of_the_documents_resolve_to_one_city(
    data: Dataset, names: tuple[str, ...]
) -> None:
    found = {lookup(data, name).id for name in names}
    assert len(found) == 1, found
    assert isinstance(lookup(data, names[0]), City)


def test_windhuk_is_in_namibia(data: Dataset) -> None:
    windhuk = lookup(data, "Windhuk", City)
    assert isinstance(windhuk, City)
    assert windhuk.country == "NA"


# --- 003: Köln ----------------------------------------------------------------------------

REGIONAL_COALITIONS = [
    # (name as in 003, founded, place or None)
    ("European Coalition of Cities against Racism", 2004, "Nürnberg"),
    ("African Coalition of Cities against Racism and Discrimination", 2006, "Nairobi"),
    ("Coalition of Latin American and Caribbean Cities against Racism", 2006, "Montevideo"),
    ("Coalition of Cities against Discrimination in Asia and the Pacific", 2006, "Bangkok"),
    ("Canadian Coalition of Municipalities against Racism and Discrimination", 2007, "Calgary"),
    (
        "Coalition of Arab Cities against Racism, Discrimination, Xenophobia and Intolerance",
        2008,
        "Casablanca",
    ),
    ("U.S. Coalition of Cities against Racism and Discrimination", 2013, None),
]


@pytest.mark.parametrize(
    ("name", "founded", "place"),
    REGIONAL_COALITIONS,
    ids=[c[2] or "USA" for c in REGIONAL_COALITIONS],
)
def test_iccar_regional_coalition_has_parent_founding_year_and_place(
    data: Dataset, name: str, founded: int, place: str | None
) -> None:
    coalition = lookup(data, name, Network)
    assert isinstance(coalition, Network)
    assert coalition.parent == "iccar"
    assert coalition.founded == founded
    if place:
        assert place in coalition.founded_place
    assert KOELN_NETZWERKE in coalition.sources


def test_iccar_has_exactly_seven_regional_coalitions(data: Dataset) -> None:
    children = {n.id for n in data.networks if n.parent == "iccar"}
    assert len(children) == 7
    assert network(data, "iccar").founded == 2004


KOELN_NETWORKS = {
    "uclg",
    "cemr",
    "eurocities",
    "rainbow-cities",
    "eccar",
    "esn",
    "klima-buendnis",
    "mayors-for-peace",
    "regio-nrw",
}


def test_koeln_memberships_of_the_koeln_page(data: Dataset) -> None:
    found = {m.network for m in data.memberships_by_city["koeln"]}
    assert found >= KOELN_NETWORKS
    for m in data.memberships_by_city["koeln"]:
        assert KOELN_NETZWERKE in m.sources, m.network
    for network_id in KOELN_NETWORKS:
        assert KOELN_NETZWERKE in network(data, network_id).sources, network_id


def test_roters_represented_german_cities_in_uclg(data: Dataset) -> None:
    roles = [r for r in membership(data, "koeln", "uclg").roles if r.person == "Jürgen Roters"]
    assert {(r.body, r.since) for r in roles} == {
        ("World Council", 2009),
        ("Exekutiv-Komitee", 2013),
    }
    assert all(r.source == KOELN_NETZWERKE for r in roles)
    successors = [p for p in network(data, "uclg").people if "Schröter" in p.person]
    assert [p.city for p in successors] == ["jena"]


def test_santelmann_represents_koeln_in_the_esn_board_since_2015(data: Dataset) -> None:
    roles = [r for r in membership(data, "koeln", "esn").roles if r.person == "Stephan Santelmann"]
    assert roles
    assert any(r.body == "Vorstand" and r.since == 2015 for r in roles)
    assert all(r.source == KOELN_NETZWERKE for r in roles)


def test_cemr_bodies_and_german_section(data: Dataset) -> None:
    assert network(data, "cemr").founded == 1951
    assert {b.name for b in network(data, "cemr").bodies} >= {"Hauptausschuss", "Exekutivbüro"}
    section = network(data, "cemr-de")
    assert section.parent == "cemr"
    assert set(section.member_organisations) >= {"Deutscher Städtetag", "Deutscher Landkreistag"}


def test_mayors_for_peace_was_founded_1982(data: Dataset) -> None:
    assert network(data, "mayors-for-peace").founded == 1982
    assert "2020 Vision" in network(data, "mayors-for-peace").campaigns


# --- 004: the overview of city networks -----------------------------------------------------

# Each entry of the overview, grouped by its heading: the names as the document writes
# them (an entry "A – B" or "A (B)" gives both parts), and the network they mean.
OVERVIEW: dict[str, list[tuple[tuple[str, ...], str]]] = {
    "Global": [
        (("UCLG", "United Cities and Governments"), "uclg"),
        (("UN Global Compact Cities",), "ungc-cities"),
        (("Metropolis",), "metropolis"),
        (("TNC", "Transatlantic Cities Network"), "tnc"),
        (("CDIA", "City Directors of International Affairs Network"), "cdia"),
    ],
    "Europa": [
        (
            (
                "CEMR/RGRE",
                "Council of European Municipalities and Regions",
                "Rat der Gemeinden und Regionen Europas",
            ),
            "cemr",
        ),
        (("Eurocities",), "eurocities"),
        (("Vereinigung der Hauptstädte der Europäischen Union", "UCUE"), "ucue"),
        (("Europa fängt in der Gemeinde an",), "europa-gemeinde"),
        (("Europäische Städtetinitiative", "EUI"), "eui"),
    ],
    "Gesundheit und Soziales": [
        (("Gesunde Städte – Netzwerk",), "gesunde-staedte"),
        (("Mayors for Peace",), "mayors-for-peace"),
        (("Rainbow Cities Network", "RCN"), "rainbow-cities"),
        (("ICCAR", "Internationale Städtekoalition gegen Rassismus"), "iccar"),
        (("ECCAR", "Europäische Städtekoalition gegen Rassismus"), "eccar"),
        (("International Cities of Refuge Network", "ICORN"), "icorn"),
        (("Solidarity Cities",), "solidarity-cities"),
        (("EUROPEAN SOCIAL NETWORK",), "esn"),
        (("Xarxa-Netzwerk",), "xarxa"),
        (("SCN", "Strong Cities Network"), "strong-cities"),
    ],
    "Klima und Nachhaltigkeit": [
        (("Das Klima-Bündnis",), "klima-buendnis"),
        (("POLIS", "europäisches Netzwerk für städtischen Verkehr"), "polis"),
        (("ICLEI – Städte für Nachhaltigkeit", "ICLEI"), "iclei"),
        (("Energy Cities",), "energy-cities"),
        (("Städtenetzwerk C40",), "c40"),
        (("Konvent der Bürgermeister", "Covenant of Mayors"), "covenant-of-mayors"),
        (("Boden-Bündnis ELSA e.V.", "European Land and Soil Alliance"), "elsa"),
        (("URBACT – Driving change for better cities", "URBACT"), "urbact"),
        (("Organic Cities Network",), "organic-cities"),
        (("Connective Cities",), "connective-cities"),
        (("Biostädte-Netzwerk",), "biostaedte"),
    ],
    "Sicherheit": [
        (("Europäisches Forum für Urbane Sicherheit", "EFUS"), "efus"),
        (("Deutsch-Europäisches Forum für Urbane Sicherheit e.V.", "DEFUS"), "defus"),
    ],
    "Kultur": [
        (("Organization of World Heritage Cities", "OWHC"), "owhc"),
        (("UNESCO Creative City Netzwerk", "UNESCO Kreativstadt werden"), "creative-cities"),
    ],
    "Digitales": [
        (("Open and Agile Smart Cities", "OASC"), "oasc"),
    ],
    "Sonstige": [
        (("Kommunen-Netzwerk: engagiert in NRW",), "engagiert-in-nrw"),
        (("Engagierte Stadt",), "engagierte-stadt"),
        (("Deutsches RegioPole-Netzwerk",), "regiopole"),
    ],
}
HEADING_THEMES = {
    "Global": {"allgemein"},
    "Europa": {"allgemein"},
    # The overview's category as one theme: a network listed there is not thereby a
    # health network and a social one.
    "Gesundheit und Soziales": {"gesundheit-und-soziales"},
    "Klima und Nachhaltigkeit": {"klima"},
    "Sicherheit": {"sicherheit"},
    "Kultur": {"kultur"},
    "Digitales": {"digitales"},
    "Sonstige": {"sonstiges"},
}
OVERVIEW_ENTRIES = [
    (heading, name, network_id)
    for heading, entries in OVERVIEW.items()
    for names, network_id in entries
    for name in names
]


@pytest.mark.parametrize(
    ("heading", "name", "network_id"), OVERVIEW_ENTRIES, ids=[e[1] for e in OVERVIEW_ENTRIES]
)
def test_overview_network_resolves_by_the_name_the_overview_writes(
    data: Dataset, heading: str, name: str, network_id: str
) -> None:
    found = lookup(data, name, Network)
    assert found.id == network_id
    assert isinstance(found, Network)
    assert NRW_NETZWERKE in found.sources
    assert HEADING_THEMES[heading] <= set(found.themes)


def test_a_network_under_gesundheit_und_soziales_is_not_thereby_a_health_network(
    data: Dataset,
) -> None:
    from citynet.names import THEME
    from citynet.query import filter_networks

    def themed(word: str) -> set[str]:
        return {n.id for n in filter_networks(data, themes=[lookup(data, word, THEME)])}

    heading = {network_id for _, network_id in OVERVIEW["Gesundheit und Soziales"]}
    assert themed("Gesundheit und Soziales") == heading
    # Health: the WHO's Healthy Cities alone, not Mayors for Peace, ECCAR, ICORN, the
    # Rainbow Cities or the Strong Cities; social: what works on social policy.
    assert themed("health") == {"gesunde-staedte"}
    assert themed("social") == {"esn", "eurocities"}


def test_a_role_the_documents_say_ended_shows_as_ended(data: Dataset) -> None:
    from citynet.contract import network_object
    from citynet.views import city_detail

    roles = [
        role
        for member in network_object(data, data.network_by_id["uclg"])["members"]
        for role in member["roles"]
        if role["person"] == "Jürgen Roters"
    ]
    assert [(r["since"], r["until"], r["ended"]) for r in roles] == [
        (2009, None, True),
        (2013, None, True),
    ]
    shown = [r["value"] for r in city_detail(data, data.city_by_id["koeln"]).rows]
    uclg = next(v for v in shown if v.startswith("UCLG"))
    assert "(Jürgen Roters) – since 2009, now ended" in uclg


def test_overview_names_about_forty_distinct_networks(data: Dataset) -> None:
    ids = {network_id for entries in OVERVIEW.values() for _, network_id in entries}
    assert len(ids) == 39
    assert ids <= set(data.network_by_id)
    cited = {n.id for n in data.networks if NRW_NETZWERKE in n.sources}
    assert cited == ids


def test_energy_cities_remark_of_the_overview_is_kept_as_a_doubtful_note(data: Dataset) -> None:
    for network_id in ("c40", "covenant-of-mayors"):
        doubtful = [
            n
            for n in network(data, network_id).notes
            if "seit 2015 Energy Cities" in n.text and n.doubtful
        ]
        assert doubtful, network_id
        assert all(n.source == NRW_NETZWERKE for n in doubtful)
    # Recorded, not believed: C40 keeps its own founding year and is not Energy Cities.
    assert network(data, "c40").founded == 2005
    assert lookup(data, "Energy Cities").id == "energy-cities"


# --- invariants ------------------------------------------------------------------------------


def records(data: Dataset) -> Iterator[tuple[str, tuple[str, ...]]]:
    for n in data.networks:
        yield f"network {n.id}", n.sources
    for c in data.cities:
        yield f"city {c.id}", c.sources
    for m in data.memberships:
        yield f"membership {m.city}@{m.network}", m.sources
    for p in data.partnerships:
        yield f"partnership {'–'.join(p.cities)}/{p.kind}", p.sources


def test_every_record_has_a_source_from_the_documents_or_the_editors(data: Dataset) -> None:
    assert {s.id for s in data.sources} == ALLOWED_SOURCES
    problems = [
        label for label, sources in records(data) if not sources or set(sources) - ALLOWED_SOURCES
    ]
    assert problems == []


def test_every_figure_cites_one_document_or_the_editors(data: Dataset) -> None:
    problems = [
        f"{n.id}: {f.text} [{f.source}]"
        for n in data.networks
        for f in n.figures
        if f.source not in ALLOWED_SOURCES
    ]
    assert problems == []


def test_parts_of_a_record_cite_only_the_record_sources(data: Dataset) -> None:
    problems = []
    for n in data.networks:
        cited = {f.source for f in n.figures} | {b.source for b in n.bodies}
        cited |= {p.source for p in n.people} | {x.source for x in n.notes if x.source}
        problems += [f"network {n.id}: {s}" for s in sorted(cited - set(n.sources))]
    for m in data.memberships:
        cited = {r.source for r in m.roles}
        problems += [
            f"membership {m.city}@{m.network}: {s}" for s in sorted(cited - set(m.sources))
        ]
    assert problems == []


def test_every_city_has_an_iso_country(data: Dataset) -> None:
    problems = [f"{c.id}: {c.country!r}" for c in data.cities if c.country not in ISO_COUNTRIES]
    assert problems == []


def test_document_sources_point_at_the_stored_copies(data: Dataset) -> None:
    files = {s.id: s.file for s in data.sources}
    assert files[BERLIN_NETZWERKE].startswith("000_")
    assert files[BERLIN_PARTNERSCHAFTEN].startswith("001_")
    assert files[BERLIN_METROPOLIS].startswith("002_")
    assert files[KOELN_NETZWERKE].startswith("003_")
    assert files[NRW_NETZWERKE].startswith("004_")


# --- own words ---------------------------------------------------------------------------------

COPIED_RUN = 8  # this many consecutive words taken from a document count as copied


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text).casefold()
    return re.findall(r"\w+", re.sub(r"[-–„“\"]", " ", text))


def prose(data: Dataset) -> Iterator[tuple[str, str]]:
    """Every text in the dataset written by us: descriptions, aims, notes, units."""
    for n in data.networks:
        yield f"{n.id}.description", n.description
        yield f"{n.id}.description_en", n.description_en
        for aim in n.aims:
            yield f"{n.id}.aims", aim
        for f in n.figures:
            yield f"{n.id}.figures.unit", f.unit
            yield f"{n.id}.figures.note", f.note
        for b in n.bodies:
            yield f"{n.id}.bodies.description", b.description
        for person in n.people:
            yield f"{n.id}.people.note", person.note
        for note in n.notes:
            yield f"{n.id}.notes", note.text
    for m in data.memberships:
        yield f"{m.city}@{m.network}.note", m.note
        for r in m.roles:
            yield f"{m.city}@{m.network}.roles.note", r.note
    for p in data.partnerships:
        yield f"{'–'.join(p.cities)}/{p.kind}.note", p.note


def seed_documents() -> list[Path]:
    """The five source documents: in $CITYNET_SEEDS, else in shared/seeds beside the checkout."""
    folder = Path(os.environ["CITYNET_SEEDS"]) if "CITYNET_SEEDS" in os.environ else shared("seeds")
    documents = sorted(folder.glob("00?_*.txt"))
    if not documents:
        missing(f"the source documents (00?_*.txt) are not in {folder}")
    return documents


def test_descriptions_and_notes_copy_no_long_run_of_words_from_the_documents(
    data: Dataset,
) -> None:
    runs: set[tuple[str, ...]] = set()
    for document in seed_documents():
        words = _words(document.read_text(encoding="utf-8"))
        runs |= {tuple(words[i : i + COPIED_RUN]) for i in range(len(words) - COPIED_RUN + 1)}
    copied = []
    for where, text in prose(data):
        words = _words(text)
        for i in range(len(words) - COPIED_RUN + 1):
            if tuple(words[i : i + COPIED_RUN]) in runs:
                copied.append(f"{where}: {' '.join(words[i : i + COPIED_RUN])}")
                break
    assert copied == []


# --- the JSON contract of the CLI on the shipped data ---------------------------------------------


def cli_json(*args: str) -> object:
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, (args, result.output, result.exception)
    return json.loads(result.stdout)


def test_show_network_json_has_the_contract_keys_for_every_network(data: Dataset) -> None:
    problems = []
    for n in data.networks:
        shown = cli_json("show", n.id)
        assert isinstance(shown, dict)
        missing = {
            "id",
            "name",
            "aliases",
            "scope",
            "themes",
            "founded",
            "members",
            "sources",
            "figures",
        } - set(shown)
        missing |= {f"members.{k}" for m in shown.get("members", []) for k in {"city"} - set(m)}
        missing |= {
            f"figures.{k}"
            for f in shown.get("figures", [])
            for k in {"value", "qualifier", "source"} - set(f)
        }
        if missing or shown.get("id") != n.id:
            problems.append(f"{n.id}: {sorted(missing)} id={shown.get('id')!r}")
    assert problems == []


def test_show_network_json_carries_the_figures_and_members(data: Dataset) -> None:
    shown = cli_json("show", "eurocities")
    assert isinstance(shown, dict)
    stated = {(f["value"], f["qualifier"], f["source"]) for f in shown["figures"]}
    assert {(200, "über", BERLIN_NETZWERKE), (135, "über", KOELN_NETZWERKE)} <= stated
    assert {m["city"] for m in shown["members"]} >= {"berlin", "koeln", "london"}


def test_show_city_json_has_the_contract_keys_for_every_city(data: Dataset) -> None:
    problems = []
    for c in data.cities:
        shown = cli_json("show", c.id)
        assert isinstance(shown, dict)
        missing = {"id", "name", "aliases", "country"} - set(shown)
        if missing or shown.get("id") != c.id or shown.get("country") != c.country:
            problems.append(f"{c.id}: {sorted(missing)}")
    assert problems == []


def test_partners_json_objects_have_the_contract_keys(data: Dataset) -> None:
    partners = cli_json("partners", "berlin")
    assert isinstance(partners, list)
    assert len(partners) == sum(1 for p in data.partnerships if "berlin" in p.cities)
    for partner in partners:
        assert {"city", "name", "country", "kind", "since"} <= set(partner), partner
    windhuk = [p for p in partners if p["city"] == "windhuk"]
    assert windhuk == [
        {**windhuk[0], "name": "Windhuk", "country": "NA", "kind": "partnership", "since": None}
    ]

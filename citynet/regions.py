"""First-level regions by name: "DE.07" is Nordrhein-Westfalen, "GB.ENG" England.

`geodata/regions.tsv` (made by `scripts/make_regions.py` from GeoNames' admin1 codes,
CC BY 4.0) holds the regions of the gazetteer's cities with their GeoNames names and,
for Germany, Austria and Switzerland, their German names. Read on first use.
"""

from __future__ import annotations

from functools import cache

from .gazetteer import GEODATA
from .i18n import language


@cache
def _names() -> dict[str, tuple[str, str]]:
    text = (GEODATA / "regions.tsv").read_text(encoding="utf-8")
    found = {}
    for line in text.splitlines()[1:]:
        code, english, german = line.split("\t")
        found[code] = (english, german or english)
    return found


def region_name(code: str, lang: str | None = None) -> str:
    """The region's name in `lang` (default: the interface's language); the code
    itself when the table does not know it."""
    names = _names().get(code)
    if names is None:
        return code
    return names[1] if (lang or language()) == "de" else names[0]

"""First-level regions by name: "DE.07" is Nordrhein-Westfalen, "GB.ENG" England.

`geodata/regions.tsv` (made by `scripts/make_regions.py` from GeoNames' admin1 codes,
CC BY 4.0) holds the regions of the gazetteer's cities with their GeoNames names and,
for Germany, Austria and Switzerland, their German names. Read on first use.
"""

from __future__ import annotations

from functools import cache

from .errors import UsageError
from .gazetteer import GEODATA
from .i18n import _, language


def country_code(text: str) -> str:
    """The ISO 3166-1 alpha-2 code a person typed ("de" → "DE"); UsageError otherwise."""
    code = text.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise UsageError(
            _("--country takes an ISO 3166-1 alpha-2 code such as DE, not {value}").format(
                value=repr(text)
            )
        )
    return code


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

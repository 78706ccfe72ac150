"""The source record an import writes: what the table is, and how to cite it.

Every import (`import members`, `import wikidata`) takes the same description of its
source (`SourceInfo`: citation, publisher, date, date retrieved, licence, address); what
is not given comes from the defaults of a table citynet knows (ClimActor asks to be
cited as Hsu et al. 2020 and allows non-commercial use only), and the day of the
import is the date retrieved.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, fields, replace
from pathlib import Path

from .model import Source


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What the source record of an import says; empty fields get defaults."""

    id: str = ""
    title: str = ""
    publisher: str = ""
    citation: str = ""
    url: str = ""
    date: str = ""  # of the table, as its publisher states it
    licence: str = ""
    retrieved: str = ""  # default: the day of the import
    language: str = ""
    note: str = ""

    def over(self, defaults: SourceInfo) -> SourceInfo:
        """This description, with the empty fields taken from `defaults`."""
        given = {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}
        return replace(defaults, **given)


CLIMACTOR = SourceInfo(
    publisher="Data-Driven EnviroLab (ClimActor project)",
    title="ClimActor: climate-network participation of cities and regions",
    citation="Hsu, A., Yeo, Z.Y., Rauber, R. et al., “ClimActor, harmonized transnational "
    "data on climate network participation by city and regional governments”, "
    "Sci Data 7, 374 (2020)",
    licence="non-commercial use only; must cite Hsu et al. 2020",
)
EUROCITIES = SourceInfo(
    publisher="c-riq/city-vote (the Eurocities website's member list, matched to Wikidata)",
    title="Eurocities member list, matched to Wikidata",
    url="https://github.com/c-riq/city-vote",
    date="2025-05-18",
    licence="none stated",
)
# Tables citynet knows, by file name: the defaults of their source records.
KNOWN: dict[str, SourceInfo] = {
    "climactor*.csv": CLIMACTOR,
    "members-wikidata-enriched.json": EUROCITIES,
}


def known_defaults(path: Path) -> SourceInfo:
    """The defaults for a table citynet knows by its file name, else none."""
    name = path.name.lower()
    return next(
        (info for pattern, info in KNOWN.items() if fnmatch.fnmatch(name, pattern)), SourceInfo()
    )


def source_record(info: SourceInfo, defaults: SourceInfo, file: str = "") -> Source:
    """The source record of an import: `info` over `defaults`, retrieved today unless given."""
    import datetime

    full = info.over(defaults)
    return Source(
        id=full.id,
        publisher=full.publisher or "unbekannt (Import aus einer Datei)",
        title=full.title or f"Tabelle {file}",
        language=full.language or "en",
        file=file,
        url=full.url,
        note=full.note,
        date=full.date,
        citation=full.citation,
        licence=full.licence,
        retrieved=full.retrieved or datetime.date.today().isoformat(),
    )

"""Names as people type them: folding, the alias index, and suggestions.

`Klima-Bündnis`, `klimabuendnis`, `klima-bundnis` and `Climate Alliance` all find
one network: a name is folded (case, accents, punctuation, spaces removed), and
each stored name is indexed both with accents stripped (ü → u) and with German
umlauts spelled out (ü → ue), so either way of typing it matches.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import NotFoundError
from .model import City, Dataset, Network

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "ae", "Ö": "oe", "Ü": "ue"})
# Lower-case letters that Unicode decomposition does not reduce to ASCII.
_SPECIAL = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "æ": "ae",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "œ": "oe",
        "ı": "i",
    }
)
_APOSTROPHES = dict.fromkeys(map(ord, "'’‘ʼ`´"), None)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """The matching key of a name: lower case, no accents, only letters and digits."""
    # Decompose first (Ǿ → Ø + accent, ᴬ → A), then fold case and spell out the
    # letters that have no ASCII decomposition, then strip what is left over.
    decomposed = unicodedata.normalize("NFKD", text)
    folded = unicodedata.normalize("NFKD", decomposed.casefold().translate(_SPECIAL))
    return "".join(ch for ch in folded if ch.isalnum() and not ch.isupper())


def fold_variants(text: str) -> set[str]:
    """Keys under which a stored name is indexed: accents stripped, and umlauts spelled out."""
    return {fold(text), fold(text.translate(_UMLAUTS))} - {""}


def slug(name: str) -> str:
    """A lower-case ASCII id from a name: "Munster, Lower Saxony" → "munster-lower-saxony".

    German umlauts are spelled out (Köln → koeln) as in the dataset's own ids,
    other accents dropped, apostrophes removed (Fada N’Gourma → fada-ngourma).
    A name in a non-Latin script gives "".
    """
    text = name.translate(_APOSTROPHES).translate(_UMLAUTS).lower().translate(_SPECIAL)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_SLUG.sub(" ", text).strip().replace(" ", "-")


Record = Network | City


@dataclass(frozen=True, slots=True)
class NameIndex:
    """Every name of every network and city, folded, pointing at the records."""

    by_key: dict[str, tuple[Record, ...]]
    display: dict[str, str]  # folded key -> one name as written, for suggestions

    @classmethod
    def build(cls, dataset: Dataset) -> NameIndex:
        by_key: dict[str, list[Record]] = {}
        display: dict[str, str] = {}
        records: list[Record] = [*dataset.networks, *dataset.cities]
        for record in records:
            for name in record.names:
                for key in fold_variants(name) if name else ():
                    bucket = by_key.setdefault(key, [])
                    if record not in bucket:
                        bucket.append(record)
                    display.setdefault(key, name)
        return cls({k: tuple(v) for k, v in by_key.items()}, display)

    def find(self, name: str) -> tuple[Record, ...]:
        """The records a name matches, exactly after folding."""
        found: list[Record] = []
        for key in {fold(name), fold(name.translate(_UMLAUTS))}:
            for record in self.by_key.get(key, ()):
                if record not in found:
                    found.append(record)
        return tuple(found)

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """The closest known names, best first, for a "did you mean" line."""
        key = fold(name)
        if not key:
            return []
        import difflib  # only when a name was not found

        close = difflib.get_close_matches(key, self.by_key, n=limit * 3, cutoff=0.6)
        # Also offer names that start with what was typed ("eurocit" → EUROCITIES).
        prefixed = [k for k in self.by_key if len(key) >= 3 and k.startswith(key)]
        seen: list[str] = []
        for k in [*close, *sorted(prefixed, key=len)]:
            for record in self.by_key[k]:
                label = f"{record.id} ({record.label})" if record.label != record.id else record.id
                if label not in seen:
                    seen.append(label)
        return seen[:limit]


def index_of(dataset: Dataset) -> NameIndex:
    """The dataset's name index, built once per dataset object."""
    cached = dataset.__dict__.get("_name_index")
    if cached is None:
        cached = NameIndex.build(dataset)
        dataset.__dict__["_name_index"] = cached
    assert isinstance(cached, NameIndex)
    return cached


def resolve(dataset: Dataset, name: str, kind: type[Record] | None = None) -> Record:
    """The one network or city that `name` means; NotFoundError with suggestions otherwise.

    `kind` limits the search to networks or to cities. An exact id always wins, and
    needs no name index: scripts and completion pass ids, and a large dataset's
    index takes a while to build.
    """
    exact = dataset.network_by_id.get(name) or dataset.city_by_id.get(name)
    if exact is not None and (kind is None or isinstance(exact, kind)):
        return exact
    index = index_of(dataset)
    what = {Network: "network", City: "city", None: "network or city"}[kind]
    matches = [r for r in index.find(name) if kind is None or isinstance(r, kind)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        candidates = tuple(f"{r.id} ({r.label}{_place_of(r)})" for r in matches)
        raise NotFoundError(
            f"{name!r} matches more than one {what}: " + ", ".join(candidates), candidates
        )
    suggestions = [
        s
        for s in index.suggest(name, limit=6)
        if kind is None or isinstance(_record_of(dataset, s), kind)
    ][:3]
    hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
    raise NotFoundError(f"no {what} named {name!r}{hint}", tuple(suggestions))


def _place_of(record: Record) -> str:
    """What tells cities of one name apart: ", US, US.IL, 116,250 inhabitants"."""
    if not isinstance(record, City):
        return ""
    population = f"{record.population:,} inhabitants" if record.population else ""
    return "".join(f", {part}" for part in (record.country, record.region, population) if part)


def _record_of(dataset: Dataset, label: str) -> Record | None:
    record_id = label.split(" ", 1)[0]
    return dataset.network_by_id.get(record_id) or dataset.city_by_id.get(record_id)

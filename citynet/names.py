"""Names as people type them: folding, the alias index, and suggestions.

`Klima-Bündnis`, `klimabuendnis`, `klima-bundnis` and `Climate Alliance` all find
one network: a name is folded (case, accents, punctuation, spaces removed), and
each stored name is indexed both with accents stripped (ü → u) and with German
umlauts spelled out (ü → ue), so either way of typing it matches.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar, overload

from .errors import NotFoundError, UsageError
from .i18n import N_, _, number
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
_NOT_ASCII_KEY = re.compile(r"[^a-z0-9]")


def fold(text: str) -> str:
    """The matching key of a name: lower case, no accents, only letters and digits."""
    if text.isascii():  # most names: the same key, without the Unicode work (search, index)
        return _NOT_ASCII_KEY.sub("", text.lower())
    # Folding is character by character (decomposition, case folding and dropping
    # marks never look at neighbours), so each character's key is worked out once.
    return text.translate(_FOLDED_CHARACTERS)


def _fold_character(text: str) -> str:
    # Decompose first (Ǿ → Ø + accent, ᴬ → A), then fold case and spell out the
    # letters that have no ASCII decomposition, then strip what is left over.
    decomposed = unicodedata.normalize("NFKD", text)
    folded = unicodedata.normalize("NFKD", decomposed.casefold().translate(_SPECIAL))
    return "".join(ch for ch in folded if ch.isalnum() and not ch.isupper())


class _FoldedCharacters(dict[int, str]):
    """The key of each character, made on first sight: a table for `str.translate`."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_character(chr(code))
        return folded


_FOLDED_CHARACTERS = _FoldedCharacters()


def fold_variants(text: str) -> set[str]:
    """Keys under which a stored name is indexed: accents stripped, and umlauts spelled out."""
    if text.isascii():
        return {fold(text)} - {""}
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


Named = Network | City
N = TypeVar("N", bound=Network | City)


class NameIndex:
    """Every name of every network and city, folded, pointing at the records."""

    __slots__ = ("by_key", "display")

    def __init__(self, by_key: dict[str, tuple[Named, ...]], display: dict[str, str]) -> None:
        self.by_key = by_key
        self.display = display  # folded key -> one name as written, for suggestions

    @classmethod
    def build(cls, dataset: Dataset) -> NameIndex:
        by_key: dict[str, list[Named]] = {}
        display: dict[str, str] = {}
        records: list[Named] = [*dataset.networks, *dataset.cities]
        for record in records:
            for name in record.names:
                for key in fold_variants(name) if name else ():
                    bucket = by_key.setdefault(key, [])
                    if record not in bucket:
                        bucket.append(record)
                    display.setdefault(key, name)
        return cls({k: tuple(v) for k, v in by_key.items()}, display)

    def find(self, name: str) -> tuple[Named, ...]:
        """The records a name matches, exactly after folding."""
        found: list[Named] = []
        for key in _keys(name):
            for record in self.by_key.get(key, ()):
                if record not in found:
                    found.append(record)
        return tuple(found)

    def suggest(self, name: str, limit: int = 3) -> list[Named]:
        """The records with the closest names, best first, for a "did you mean" line."""
        seen: list[Named] = []
        for key in closest(fold(name), self.by_key, limit * 3):
            for record in self.by_key[key]:
                if record not in seen:
                    seen.append(record)
        return seen[:limit]


def _keys(name: str) -> list[str]:
    return list(dict.fromkeys((fold(name), fold(name.translate(_UMLAUTS)))))


def closest(key: str, options: Iterable[str], limit: int = 3) -> list[str]:
    """The options closest to `key`: similar spellings, then those starting with it.

    The one suggestion mechanism for every word a person types: names, themes,
    scopes, kinds, fields and keys of a data file.
    """
    if not key:
        return []
    import difflib  # only when a word was not found

    options = list(options)
    close = difflib.get_close_matches(key, options, n=limit, cutoff=0.6)
    # Also offer what starts with what was typed ("eurocit" → EUROCITIES).
    prefixed = sorted((o for o in options if len(key) >= 3 and o.startswith(key)), key=len)
    return list(dict.fromkeys([*close, *prefixed]))[:limit]


def did_you_mean(
    word: str, options: Iterable[str] | Suggestions, show: Callable[[str], str] = repr
) -> str:
    """ " (did you mean 'founded'?)" for the closest option, or "" when none is close."""
    if isinstance(options, Suggestions):
        found = options.closest(word, 1)
    else:
        found = closest(word, options, 1)
    return " (" + _("did you mean {words}?").format(words=show(found[0])) + ")" if found else ""


class Suggestions:
    """`closest` for many words against one large set of options, about linear in all.

    Comparing every word with every option is quadratic: 2,000 unknown names in a
    dataset of 5,500 cities took half a minute. The options are indexed by their
    one-character deletions, which finds those one or two edits away, and sorted,
    which finds those starting with the word; only a few words with no such
    neighbour are compared with every option.
    """

    SMALL = 200  # fewer options than this are simply all compared
    FULL_SCANS = 20  # words compared with every option, at most

    def __init__(self, options: Iterable[str]) -> None:
        self.options = sorted(set(options))
        self._neighbours: dict[str, list[str]] | None = None
        self._full_scans = 0

    def closest(self, key: str, limit: int = 3) -> list[str]:
        """What `closest(key, options, limit)` gives, found without a scan of every option."""
        if len(self.options) < self.SMALL or not key:
            return closest(key, self.options, limit)
        import bisect
        import difflib

        candidates = self._near(key)
        if not candidates and self._full_scans < self.FULL_SCANS:
            self._full_scans += 1
            candidates = self.options
        close = difflib.get_close_matches(key, candidates, n=limit, cutoff=0.6)
        prefixed: list[str] = []
        if len(key) >= 3:
            start = bisect.bisect_left(self.options, key)
            for option in self.options[start:]:
                if not option.startswith(key) or len(prefixed) >= limit * 10:
                    break
                prefixed.append(option)
        return list(dict.fromkeys([*close, *sorted(prefixed, key=len)]))[:limit]

    def _near(self, key: str) -> list[str]:
        if self._neighbours is None:
            self._neighbours = {}
            for option in self.options:
                for deleted in _deletions(option):
                    self._neighbours.setdefault(deleted, []).append(option)
        found: dict[str, None] = {}
        for deleted in _deletions(key):
            found.update(dict.fromkeys(self._neighbours.get(deleted, ())))
        return list(found)


def _deletions(word: str) -> set[str]:
    """The word, and the words one character shorter."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


@overload
def resolve(dataset: Dataset, name: str, kind: None = None) -> Named: ...
@overload
def resolve(dataset: Dataset, name: str, kind: type[N]) -> N: ...
def resolve(dataset: Dataset, name: str, kind: Any = None) -> Named:
    """The one network or city that `name` means; NotFoundError with suggestions otherwise.

    `kind` limits the search to networks or to cities. A record whose id the name
    is, ignoring case and punctuation, wins over others that merely bear the name,
    so that scripts can always pass ids; an exact id needs no name index at all.
    """
    exact = dataset.network_by_id.get(name) or dataset.city_by_id.get(name)
    if exact is not None and (kind is None or isinstance(exact, kind)):
        return exact
    index = dataset.name_index
    what = _({Network: N_("network"), City: N_("city"), None: N_("network or city")}[kind])
    matches = [r for r in index.find(name) if kind is None or isinstance(r, kind)]
    if len(matches) > 1:
        keys = _keys(name)
        by_id = [r for r in matches if fold(r.id) in keys]
        matches = by_id if len(by_id) == 1 else matches
    if len(matches) == 1:
        return matches[0]
    if matches:
        candidates = tuple(describe(r) for r in matches)
        raise NotFoundError(
            _("{name} matches more than one {what}; name one by its id:").format(
                name=repr(name), what=what
            )
            + "\n  "
            + "\n  ".join(candidates),
            candidates,
        )
    suggestions = [
        describe(r) for r in index.suggest(name, limit=6) if kind is None or isinstance(r, kind)
    ][:3]
    hint = "; " + _("did you mean {words}?").format(words=", ".join(suggestions))
    message = _("no {what} named {name}").format(what=what, name=repr(name))
    raise NotFoundError(message + (hint if suggestions else ""), tuple(suggestions))


def describe(record: Named) -> str:
    """A record as a person tells it from others of the same name: "koeln (Köln, DE)"."""
    if isinstance(record, Network):
        details = [record.label] if record.label != record.id else []
        return f"{record.id} ({', '.join([*details, _('network')])})"
    details = [record.name, record.country]
    region = getattr(record, "region", "")
    population = getattr(record, "population", None)
    if region:
        details.append(region)
    if population:
        details.append(_("{n} inhabitants").format(n=number(population)))
    return f"{record.id} ({', '.join(details)})"


def resolve_word(word: str, vocabulary: Mapping[str, Sequence[str]], what: str) -> str:
    """The id of a vocabulary that `word` means: its id or any of its words, in German or
    English, ignoring case and accents ("Europa" → "europe"); UsageError otherwise."""
    ids_by_key: dict[str, str] = {}
    for word_id, words in vocabulary.items():
        for variant in (word_id, *words):
            for key in fold_variants(variant):
                ids_by_key.setdefault(key, word_id)
    for key in _keys(word):
        if key in ids_by_key:
            return ids_by_key[key]
    suggestions = dict.fromkeys(ids_by_key[k] for k in closest(fold(word), ids_by_key))
    words = ", ".join(map(repr, suggestions))
    hint = " (" + _("did you mean {words}?").format(words=words) + ")" if suggestions else ""
    valid = ", ".join(
        f"{word_id} ({_(words[0])})" if words and fold(words[0]) != fold(word_id) else word_id
        for word_id, words in vocabulary.items()
    )
    message = _("unknown {what} {word}{hint}; valid: {valid}")
    raise UsageError(message.format(what=_(what), word=repr(word), hint=hint, valid=valid))

"""Names as people type them: folding, the alias index, and suggestions.

`Klima-Bündnis`, `klimabuendnis`, `klima-bundnis` and `Climate Alliance` all find
one network: a name is folded (case, accents, punctuation, spaces removed), and
each stored name is indexed both with accents stripped (ü → u) and with German
umlauts spelled out (ü → ue), so either way of typing it matches.
"""

from __future__ import annotations

import itertools
import operator
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any, TypeVar, overload

from .errors import NameNote, NotFoundError, UsageError
from .i18n import N_, _, number
from .model import (
    MEASURES,
    PARTNERSHIP_KINDS,
    SCOPES,
    STATUSES,
    City,
    Dataset,
    Network,
    Source,
)


class _Table(dict[int, "str | None"]):
    """A table for `str.translate` in which every character it does not change maps to
    itself (remembered on first sight): with a plain dict, str.translate raises and
    clears a KeyError for each such character, which costs more than the translation."""

    def __init__(self, changes: Mapping[str, str | None]) -> None:
        super().__init__({ord(character): to for character, to in changes.items()})

    def __missing__(self, code: int) -> str:
        character = self[code] = chr(code)
        return character


_UMLAUT_SPELLINGS = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
_UMLAUTS = _Table(_UMLAUT_SPELLINGS)
# Only a name with one of them has a second key (`fold_variants`).
HAS_UMLAUT = re.compile(f"[{''.join(_UMLAUT_SPELLINGS)}]")
# Lower-case letters that Unicode decomposition does not reduce to ASCII.
_SPECIAL = _Table(
    {"ß": "ss", "ø": "o", "æ": "ae", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "œ": "oe", "ı": "i"}
)
_APOSTROPHES = _Table(dict.fromkeys("'’‘ʼ`´"))
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_NOT_ASCII_KEY = re.compile(r"[^a-z0-9]")


def fold(text: str) -> str:
    """The matching key of a name: lower case, no accents, only letters and digits."""
    if text.isascii():  # most names: the same key, without the Unicode work (search, index)
        return _NOT_ASCII_KEY.sub("", text.lower())
    # Folding is character by character (decomposition, case folding and dropping
    # marks never look at neighbours), so each character's key is worked out once.
    return text.translate(_FOLDED_CHARACTERS)


def fold_lines(names: Sequence[str], umlauts: bool = False) -> str:
    """The names folded all at once in C, a line each: as `fold` folds each word, but
    the words' spaces (str.split's whitespace, made spaces) and the commas are kept, so
    that a line without them is the name's key and its words are `fold`'s of each word.
    A line break inside a name is a space, as str.split sees it. With umlauts, they are
    spelled out first (ü → ue), as in `fold_variants`' second key."""
    joined = "\n".join(names)
    if joined.count("\n") != max(len(names) - 1, 0):
        joined = "\n".join(name.replace("\n", " ") for name in names)
    if joined.isascii():  # most names: bytes, folded by two tables
        return joined.encode("ascii").lower().translate(_SPACED, _NOT_PLAIN_KEPT).decode()
    return (joined.translate(_UMLAUTS) if umlauts else joined).translate(_FOLDED_WORDS)


def line_keys(folded: str) -> list[str]:
    """The key of each line of `fold_lines`: its words joined, without the commas."""
    return folded.replace(",", "").replace(" ", "").split("\n")


def folded_keys(names: Sequence[str]) -> tuple[list[str], list[int]]:
    """The keys of each name (`fold_variants`), all folded together in C: the keys, and
    beside each the place of its name in `names` (a name may give a key twice)."""
    keys: list[str] = []
    places: list[int] = []
    everyone = range(len(names))
    plain = list(map(str.isascii, names))
    accented = list(itertools.compress(everyone, map(operator.not_, plain)))
    with_umlauts = map(HAS_UMLAUT.search, map(names.__getitem__, accented))
    # the names in plain ASCII (folded as bytes), the others, and again those of them
    # with umlauts, spelled out
    for at, umlauts in (
        (list(itertools.compress(everyone, plain)), False),
        (accented, False),
        (list(itertools.compress(accented, with_umlauts)), True),
    ):
        if not at:
            continue
        lines = line_keys(fold_lines(list(map(names.__getitem__, at)), umlauts))
        keys += itertools.compress(lines, lines)  # "": a name without letters or digits
        places += itertools.compress(at, lines)
    return keys, places


_PLAIN_SPACES = b" \t\x0b\x0c\r\x1c\x1d\x1e\x1f"
_SPACED = bytes.maketrans(_PLAIN_SPACES, b" " * len(_PLAIN_SPACES))
_NOT_PLAIN_KEPT = bytes(
    sorted(set(range(256)) - set(b"abcdefghijklmnopqrstuvwxyz0123456789,\n" + _PLAIN_SPACES))
)


def _fold_character(text: str) -> str:
    # Decompose first (Ǿ → Ø + accent, ᴬ → A), then fold case and spell out the
    # letters that have no ASCII decomposition, then strip what is left over.
    decomposed = unicodedata.normalize("NFKD", text)
    folded = unicodedata.normalize("NFKD", decomposed.casefold().translate(_SPECIAL))
    return "".join(ch for ch in folded if ch.isalnum() and not ch.isupper())


class _FoldedCharacters(dict[int, str]):
    """The key of each character, made on first sight: a table for `str.translate`.
    Keeping words, whitespace becomes a space, and commas and line breaks stay."""

    def __init__(self, keeping_words: bool) -> None:
        super().__init__()
        self._keeping_words = keeping_words

    def __missing__(self, code: int) -> str:
        character = chr(code)
        if not self._keeping_words:
            folded = _fold_character(character)
        elif character in ",\n":
            folded = character
        else:
            folded = " " if character.isspace() else _fold_character(character)
        self[code] = folded
        return folded


_FOLDED_CHARACTERS = _FoldedCharacters(keeping_words=False)
_FOLDED_WORDS = _FoldedCharacters(keeping_words=True)


K = TypeVar("K", bound=Hashable)


def held_by_several(keys: Sequence[K], owners: Sequence[int]) -> dict[K, list[int]]:
    """The keys that two or more owners hold (owners[i] holds keys[i]), each with those
    owners, in order, each once. Found in C, as a key whose last owner is not each of
    its owners: only the shared keys are grouped in Python (a step per name cost
    ~0.1 G instructions at the real size)."""
    last = dict(zip(keys, owners, strict=True))
    not_last = map(operator.ne, map(last.__getitem__, keys), owners)
    several = set(itertools.compress(keys, not_last))
    groups: dict[K, list[int]] = {}
    for key, owner in itertools.compress(
        zip(keys, owners, strict=True), map(several.__contains__, keys)
    ):
        groups.setdefault(key, []).append(owner)
    return {key: sorted(set(group)) for key, group in groups.items()}


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
    """Every name of every network and city under each of its folded keys.

    Held as one text of lines "key<TAB>kind<TAB>id" (`name_lines`): a lookup searches
    that text for its key, so the text a cache keeps for a file serves without being
    decoded, and a record is decoded only when a name leads to it.
    """

    def __init__(self, dataset: Dataset, lines: Callable[[], str]) -> None:
        self._dataset = dataset
        self._read_lines = lines

    @classmethod
    def build(cls, dataset: Dataset) -> NameIndex:
        return cls(dataset, lambda: name_lines(dataset.networks, dataset.cities))

    @cached_property
    def lines(self) -> str:
        return self._read_lines()

    def find(self, name: str) -> tuple[Named, ...]:
        """The records a name matches, exactly after folding."""
        found: dict[tuple[str, str], None] = {}
        for key in _keys(name):
            found.update(dict.fromkeys(self._entries(f"\n{key}\t")))
        return tuple(self._record(kind, record_id) for kind, record_id in found)

    def _entries(self, needle: str) -> Iterator[tuple[str, str]]:
        """(kind, id) of each line that begins with `needle` ("\nkey\t")."""
        lines = self.lines
        at = lines.find(needle)
        while at >= 0:
            end = lines.index("\n", at + 1)
            _key, kind, record_id = lines[at + 1 : end].split("\t")
            yield kind, record_id
            at = lines.find(needle, end)

    def _record(self, kind: str, record_id: str) -> Named:
        dataset = self._dataset
        return (dataset.network_by_id if kind == "network" else dataset.city_by_id)[record_id]

    def suggest(self, name: str, limit: int = 3) -> list[Named]:
        """The records with the closest names, best first, for a "did you mean" line."""
        by_key: dict[str, list[tuple[str, str]]] = {}
        for line in self.lines.split("\n"):
            if line:
                key, kind, record_id = line.split("\t")
                by_key.setdefault(key, []).append((kind, record_id))
        seen: dict[tuple[str, str], None] = {}
        for key in closest(fold(name), by_key, limit * 3):
            seen.update(dict.fromkeys(by_key[key]))
        return [self._record(kind, record_id) for kind, record_id in list(seen)[:limit]]


def name_lines(networks: Iterable[Named], cities: Iterable[Named]) -> str:
    """The lines of a NameIndex for these records: "\nkey\tkind\tid" for each folded key
    of each record's names, once per record; a text made of them ends with "\n"."""
    lines = [
        f"\n{key}\t{kind}\t{record.id}"
        for kind, records in (("network", networks), ("city", cities))
        for record in records
        for key in dict.fromkeys(
            key for name in record.names if name for key in sorted(fold_variants(name))
        )
    ]
    return "".join(lines) + "\n"


# Lines (`name_lines`, `query.search_lines`) after writes: the steps since they were
# made, each the lines that went and the lines that came (texts of lines as above).
LinesPatch = list[tuple[str, str]]


def patched_lines(lines: str, steps: LinesPatch) -> str | None:
    """The lines after the steps; None if a line to strike out is not there."""
    for went, came in steps:
        for line in went.split("\n")[1:-1]:
            if f"\n{line}\n" not in lines:
                return None
            lines = lines.replace(f"\n{line}\n", "\n", 1)
        lines += came[1:]  # each text of lines begins and ends with "\n"
    return lines


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


# --- lookup: the one resolver ----------------------------------------------------------
#
# Every word a person types that names something goes through `lookup`: a network or
# city (by id, name or alias), a source, or a word of a vocabulary (themes, scopes,
# kinds of relation, measures, kinds of record, countries). One folding, one way of
# suggesting, the same answer for filters and for editing.

# A place is the clear favourite among places of one name when it has at least this many
# times the inhabitants of the next (Saint Petersburg, Russia, and St. Petersburg, Florida).
FAVOURITE_RATIO = 10


class Vocabulary:
    """A closed list of ids and the words a person may type for each, German or English.

    `words` gives, for a dataset (themes live in the data) or without one, a mapping
    from each id to its words: the first is the label tables show.
    """

    __slots__ = ("_keys", "list_valid", "what", "words")

    def __init__(
        self,
        what: str,
        words: Callable[[Dataset | None], Mapping[str, Sequence[str]]],
        list_valid: bool = True,
    ) -> None:
        self.what = what  # for messages, marked with N_
        self.words = words
        self.list_valid = list_valid  # a short list: name every valid id in the message
        self._keys: dict[int, dict[str, str]] = {}

    def keys(self, dataset: Dataset | None) -> dict[str, str]:
        """Every folded word, pointing at its id; an id's own key wins over other words."""
        cached = self._keys.get(id(dataset))
        if cached is not None:
            return cached
        keys: dict[str, str] = {}
        vocabulary = self.words(dataset)
        for word_id, words in vocabulary.items():
            for variant in words:
                for key in fold_variants(variant):
                    keys.setdefault(key, word_id)
        for word_id in vocabulary:  # "de" is Germany, even if a name folds to "de"
            for key in fold_variants(word_id):
                keys[key] = word_id
        if dataset is None:  # a vocabulary of the model: the same for every dataset
            self._keys[id(None)] = keys
        return keys


def _countries(_: Dataset | None) -> dict[str, tuple[str, ...]]:
    from .gazetteer import countries  # the country table, read on first use

    return {
        code: (c.name_en, c.name_de, c.alpha3, c.wikidata, *c.names)
        for code, c in countries().items()
    }


def _record_kinds(_: Dataset | None) -> dict[str, tuple[str, ...]]:
    from .schema import KINDS

    return {kind: () for kind in KINDS}


SCOPE = Vocabulary(N_("scope"), lambda _: SCOPES)
KIND = Vocabulary(N_("kind"), lambda _: PARTNERSHIP_KINDS)
MEASURE = Vocabulary(N_("measure"), lambda _: MEASURES)
STATUS = Vocabulary(N_("status"), lambda _: STATUSES)
RECORD_KIND = Vocabulary(N_("kind of record"), _record_kinds)
COUNTRY = Vocabulary(N_("country"), _countries, list_valid=False)
THEME = Vocabulary(
    N_("theme"),
    lambda data: {t.id: (t.name, t.name_en, *t.aliases) for t in data.themes} if data else {},
)


@overload
def lookup(dataset: Dataset | None, name: str, kind: Vocabulary, *, guess: bool = True) -> str: ...
@overload
def lookup(dataset: Dataset, name: str, kind: type[Source], *, guess: bool = True) -> Source: ...
@overload
def lookup(dataset: Dataset, name: str, kind: type[N], *, guess: bool = True) -> N: ...
@overload
def lookup(
    dataset: Dataset, name: str, kind: tuple[type, ...], *, guess: bool = True
) -> Named | Source: ...
@overload
def lookup(dataset: Dataset, name: str, kind: None = None, *, guess: bool = True) -> Named: ...
def lookup(dataset: Any, name: str, kind: Any = None, *, guess: bool = True) -> Any:
    """What `name` means: a network or city (`kind` Network, City or None for either),
    a source (`kind` Source), either (`kind` ANYTHING, for `show`), or the id of a
    vocabulary's word (`kind` a Vocabulary).

    Ignores case, accents and punctuation. An id wins; a name that several places bear
    gives the clear favourite (ten times the inhabitants of the next) or the place whose
    id it is, each with a `NameNote` warning naming the others, and otherwise
    NotFoundError listing them. `guess=False` (what a change to the data uses: never
    edit or remove a place on a guess) lists them whenever several places fit. Unknown
    names: NotFoundError (records) or UsageError (vocabularies), with suggestions.
    """
    if isinstance(kind, Vocabulary):
        return _word(dataset, name, kind)
    if kind is Source:
        return _source(dataset, name)
    if kind == ANYTHING:
        return _place_or_source(dataset, name)
    return _place(dataset, name, kind, guess)


ANYTHING = (Network, City, Source)


def _place_or_source(dataset: Dataset, name: str) -> Named | Source:
    """The network or city `name` means, else the source with that id; an id that is
    both is ambiguous (`citynet sources ID` shows the source)."""
    source = dataset.source_by_id.get(name)
    try:
        record = _place(dataset, name, None)
    except NotFoundError:
        if source is None:
            raise
        return source
    if source is not None and record.id == name:
        message = _(
            "{name} is both a {what} and a source; `citynet sources {name}` shows the source"
        )
        raise NotFoundError(message.format(name=name, what=_(type(record).__name__.lower())))
    return record


def _word(dataset: Dataset | None, word: str, vocabulary: Vocabulary) -> str:
    keys = vocabulary.keys(dataset)
    for key in _keys(word):
        if key in keys:
            return keys[key]
    suggestions = dict.fromkeys(keys[k] for k in closest(fold(word), keys))
    words = ", ".join(map(repr, suggestions))
    what = _(vocabulary.what)
    if not vocabulary.list_valid:  # a long list: say what each suggested code stands for
        labels = vocabulary.words(dataset)
        words = ", ".join(f"{s!r} ({labels[s][0]})" if labels[s] else repr(s) for s in suggestions)
        hint = " (" + _("did you mean {words}?").format(words=words) + ")" if suggestions else ""
        message = _("unknown {what} {word}{hint}").format(what=what, word=repr(word), hint=hint)
        raise UsageError(message)
    hint = " (" + _("did you mean {words}?").format(words=words) + ")" if suggestions else ""
    valid = ", ".join(
        f"{word_id} ({_(words[0])})" if words and fold(words[0]) != fold(word_id) else word_id
        for word_id, words in vocabulary.words(dataset).items()
    )
    message = _("unknown {what} {word}{hint}; valid: {valid}")
    raise UsageError(message.format(what=what, word=repr(word), hint=hint, valid=valid))


def _source(dataset: Dataset, name: str) -> Source:
    found = dataset.source_by_id.get(name)
    if found is not None:
        return found
    by_key = {fold(s.id): s for s in dataset.sources}
    for key in _keys(name):
        if key in by_key:
            return by_key[key]
    hint = [by_key[k].id for k in closest(fold(name), by_key, 3)]
    message = _("no source {name}").format(name=repr(name))
    if hint:
        message += "; " + _("did you mean {words}?").format(words=", ".join(hint))
    raise NotFoundError(message, tuple(hint))


def _place(dataset: Dataset, name: str, kind: Any, guess: bool = True) -> Named:
    exact = dataset.network_by_id.get(name) or dataset.city_by_id.get(name)
    if exact is not None and (kind is None or isinstance(exact, kind)):
        return exact
    index = dataset.name_index
    what = _({Network: N_("network"), City: N_("city"), None: N_("network or city")}[kind])
    matches = [r for r in index.find(name) if kind is None or isinstance(r, kind)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        # The biggest first; among places of one size, by id (not by where a name stands).
        matches.sort(key=lambda record: (-_size(record), record.id))
        chosen = (_favourite(matches) or _own_id(name, matches)) if guess else None
        if chosen is not None:
            others = ", ".join(describe(r) for r in matches if r is not chosen)
            note = _(
                "{name} taken as {chosen}; the name also fits {others} (name one by its id)"
            ).format(name=repr(name), chosen=describe(chosen), others=others)
            import warnings

            warnings.warn(NameNote(note), stacklevel=3)
            return chosen
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


def _size(record: Named) -> int:
    return (record.population or 0) if isinstance(record, City) else 0


def _favourite(matches: list[Named]) -> Named | None:
    """The biggest place, if it has FAVOURITE_RATIO times the inhabitants of the next."""
    if not all(isinstance(r, City) for r in matches):
        return None  # a network and a city of one name: no size to compare
    first, second = _size(matches[0]), _size(matches[1])
    return matches[0] if first and first >= FAVOURITE_RATIO * second else None


def _own_id(name: str, matches: list[Named]) -> Named | None:
    """The record whose id the name is, in any case (`Paris`, `PARIS` → `paris`)."""
    typed = name.strip().lower()
    return next((r for r in matches if r.id == typed), None)


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


def vocabulary_of(rule: Any) -> Vocabulary | None:
    """The vocabulary whose words a field with this `model.Rule` takes, if any."""
    if rule.refers == "themes":
        return THEME
    if rule.pattern == "[A-Z]{2}":
        return COUNTRY
    by_choices = {
        tuple(SCOPES): SCOPE,
        tuple(PARTNERSHIP_KINDS): KIND,
        tuple(MEASURES): MEASURE,
        ("", *STATUSES): STATUS,
    }
    return by_choices.get(rule.choices) if rule.choices else None

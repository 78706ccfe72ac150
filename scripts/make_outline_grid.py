"""Make citynet/atlas/outline-grid.bin, which spares `check` most of its outline tests.

    python scripts/make_outline_grid.py

For each cell of 1/16° of the world, three things `check` asks of the outlines:
- the countries for which every point of the cell passes its outline test
  (citynet.checks.outside_country_warnings): the cell lies inside the country's
  outline (no edge of its rings comes near the cell, and the cell's centre is inside),
  or every point of it lies within BORDER_KM of a point of one of its edges (by the
  test's own measure; not beyond 80° of latitude, where the box's distance could say
  otherwise);
- the country every point of the cell lies in (Outlines.country_at), where that is
  sure: one country's outline holds the cell, inside that country's box, and no edge
  of any country comes near it ("" where no outline holds it and none comes near);
- elsewhere, the countries that may hold a point of it: those whose edges come near
  it or that hold it (country_at need ask no other).
Any doubt leaves a country out, and a city there gets the exact test as before. Made
from the shipped 1:50m atlas (countries-50m.json) through the same rings as the test
itself (citynet.checks.Outlines), so it answers for that file only: the atlas's
SHA-256 is written into the grid, and a test remakes the grid and compares.

The file (not compressed: the wheel and git compress it, and inflating it cost `check`
29 M instructions) is a JSON line (the cell size, the atlas's hash, the
countries with an outline, the table of what a cell may say: [passing countries,
country or "" or null, countries that may hold it], and the counts below), then
little-endian arrays: an unsigned 16-bit number per 1° (the table entry all its
cells share, or, from len(table) on, a block), 32-bit offsets of the blocks' palettes
(one more than there are blocks), the palettes (16-bit table entries), and the
blocks, 16 × 16 cells each, row by row from the south-west, a byte per cell (its
place in the block's palette).
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from array import array
from functools import cache
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from citynet.checks import (  # noqa: E402
    BORDER_KM,
    GRID_BLOCK,
    GRID_PER_DEGREE,
    Outlines,
)
from citynet.geo import ATLAS, Atlas  # noqa: E402

TARGET = ATLAS / "outline-grid.bin"
WIDTH, HEIGHT = 360 * GRID_PER_DEGREE, 180 * GRID_PER_DEGREE
SIZE = 1.0 / GRID_PER_DEGREE  # a cell's side in degrees (exact in binary)
MARGIN = 1e-6  # degrees: an edge this close to a cell counts as touching it
SLACK_KM = 0.01  # kept from BORDER_KM, for the rounding of the test's own arithmetic
POLAR = 80.0  # beyond this latitude, only cells inside the outline are listed


def build(atlas_bytes: bytes) -> bytes:
    """The grid file for the atlas file's bytes."""
    world = Atlas(json.loads(atlas_bytes))
    outlines = Outlines(world)
    boxes = {country.code: country.bbox for country in world.countries if country.code}
    codes = sorted(outlines.codes())
    passing = [array("H", bytes(2 * WIDTH)) for _ in range(HEIGHT)]  # a set of `sets`
    inside = [array("H", bytes(2 * WIDTH)) for _ in range(HEIGHT)]  # 1 + a code's index
    touched = [bytearray(WIDTH) for _ in range(HEIGHT)]  # an edge of any country near
    # the countries whose edges come near or that hold the cell: no other holds a point
    candidates = [array("H", bytes(2 * WIDTH)) for _ in range(HEIGHT)]  # a set of `sets`
    sets: list[frozenset[str]] = [frozenset()]
    index: dict[frozenset[str], int] = {frozenset(): 0}
    grown: dict[tuple[int, str], int] = {}

    def grow(old: int, code: str) -> int:
        new = grown.get((old, code))
        if new is None:
            key = sets[old] | {code}
            new = index.get(key)
            if new is None:
                new = index[key] = len(sets)
                sets.append(key)
            grown[(old, code)] = new
        return new

    for number, code in enumerate(codes, 1):
        country = _country(outlines.edges(code))
        for row, columns in country.passing.items():
            line = passing[row]
            for column in columns:
                line[column] = grow(line[column], code)
        for row, columns in country.touched.items():
            near, line = touched[row], candidates[row]
            for column in columns:
                near[column] = 1
                line[column] = grow(line[column], code)
        for row, columns in country.inside.items():
            within, line = inside[row], candidates[row]
            for column in columns:
                alone = within[column] == 0 and _in_box(column, row, boxes[code])
                within[column] = number if alone else SEVERAL
                line[column] = grow(line[column], code)
    digest = hashlib.sha256(atlas_bytes).hexdigest()
    return _encode(passing, inside, touched, candidates, sets, codes, digest)


# a cell inside several countries, or inside one but not inside its box (which
# country_at asks first): the outlines must tell
SEVERAL = 0xFFFF


class _Cells(NamedTuple):
    """A country's cells, per row: those whose every point passes its test, those it
    surely contains (no edge of it near), and those an edge of it may come near."""

    passing: dict[int, set[int]]
    inside: dict[int, set[int]]
    touched: dict[int, set[int]]


def _column(x: float) -> int:
    return math.floor((x + 180.0) * GRID_PER_DEGREE)


def _row(y: float) -> int:
    return math.floor((y + 90.0) * GRID_PER_DEGREE)


def _country(edges: list[tuple[float, float, float, float]]) -> _Cells:
    """The cells of a country with these edges."""
    touched: dict[int, set[int]] = {}  # cells an edge may come near: not inside for sure
    near: set[tuple[int, int]] = set()  # cells holding a point of an edge
    crossings: dict[int, list[float]] = {}  # where the edges cross each row's middle
    for x1, y1, x2, y2 in edges:
        pieces = max(1, math.ceil(max(abs(x2 - x1), abs(y2 - y1)) * GRID_PER_DEGREE * 2))
        for k in range(pieces + 1):
            t = k / pieces
            x, y = x1 + t * (x2 - x1), y1 + t * (y2 - y1)
            near.add((_column(x), _row(y)))
            if k < pieces:
                u = (k + 1) / pieces
                xb, yb = x1 + u * (x2 - x1), y1 + u * (y2 - y1)
                for row in range(_row(min(y, yb) - MARGIN), _row(max(y, yb) + MARGIN) + 1):
                    columns = touched.setdefault(row, set())
                    columns.update(
                        range(_column(min(x, xb) - MARGIN), _column(max(x, xb) + MARGIN) + 1)
                    )
        low, high = sorted((y1, y2))
        # the rows whose middle, y = (row + 0.5) * SIZE - 90, the edge crosses as the
        # test's ray does: (y1 > y) != (y2 > y)
        for row in range(math.ceil((low + 90.0) * GRID_PER_DEGREE - 0.5), HEIGHT):
            y = (row + 0.5) * SIZE - 90.0
            if y >= high:
                break
            if y < low:
                continue
            crossings.setdefault(row, []).append(x1 + (y - y1) * (x2 - x1) / (y2 - y1))
    passing: dict[int, set[int]] = {}
    inside: dict[int, set[int]] = {}
    for row, xs in crossings.items():
        if not 0 <= row < HEIGHT:
            continue
        xs.sort()
        within: set[int] = set()
        for a, b in zip(xs[::2], xs[1::2], strict=True):  # even-odd: inside between pairs
            first = max(0, math.ceil((a + 180.0) * GRID_PER_DEGREE - 0.5))
            last = min(WIDTH - 1, math.floor((b + 180.0) * GRID_PER_DEGREE - 0.5))
            within.update(range(first, last + 1))
        within -= touched.get(row, set())
        passing[row] = set(within)
        inside[row] = within
    reach = _reach()
    for column, row in near:
        for target in range(row - len(reach[0]) + 1, row + len(reach[0])):
            if not 0 <= target < HEIGHT:
                continue
            steps = reach[target][abs(target - row)]
            if steps >= 0:
                passing.setdefault(target, set()).update(
                    c for c in range(column - steps, column + steps + 1) if 0 <= c < WIDTH
                )
    touched = {
        row: {c for c in columns if 0 <= c < WIDTH}
        for row, columns in touched.items()
        if 0 <= row < HEIGHT
    }
    return _Cells(passing, inside, touched)


def _in_box(column: int, row: int, box: tuple[float, float, float, float]) -> bool:
    """Is the whole cell inside the box (across the antimeridian: between its latitudes)?"""
    west, south, east, north = box
    x, y = column * SIZE - 180.0, row * SIZE - 90.0
    return south <= y and y + SIZE <= north and (west > east or (west <= x and x + SIZE <= east))


@cache
def _reach() -> list[list[int]]:
    """For each row and each distance in rows from a cell holding a point of an edge, how
    many columns away every point of a cell is still within BORDER_KM of that point
    (-1: none), measured as the test measures (degrees of latitude, longitudes scaled
    by the cosine of the point's own latitude, the largest in the row)."""
    limit = BORDER_KM - SLACK_KM
    rows = math.ceil(limit / 111.2 * GRID_PER_DEGREE) + 1
    table = []
    for row in range(HEIGHT):
        south, north = row * SIZE - 90.0, (row + 1) * SIZE - 90.0
        if max(abs(south), abs(north)) > POLAR:
            table.append([-1] * rows)
            continue
        scale = (
            1.0 if south <= 0.0 <= north else math.cos(math.radians(min(abs(south), abs(north))))
        )
        steps = []
        for dy in range(rows):
            n = -1
            while _km(n + 1, dy, scale) <= limit:
                n += 1
            steps.append(n)
        table.append(steps)
    return table


def _km(dx: int, dy: int, scale: float) -> float:
    """The farthest two points can be when they lie in cells dx columns, dy rows apart."""
    return math.hypot(((dx + 1) * SIZE + 2 * MARGIN) * scale, (dy + 1) * SIZE + 2 * MARGIN) * 111.2


def _encode(
    passing: list[array[int]],
    inside: list[array[int]],
    touched: list[bytearray],
    candidates: list[array[int]],
    sets: list[frozenset[str]],
    codes: list[str],
    digest: str,
) -> bytes:
    """The file: the table of what a cell may say (the set of passing countries; the
    country it lies in: a code, "" for none, null if the outlines must tell; and then
    the only countries that may hold a point of it), one number per 1° (the entry all
    its cells have, or, from len(table) on, a block) and the blocks (each a palette of
    entries, and each cell's place in it as a byte)."""
    block = GRID_BLOCK
    table: dict[tuple[str, str | None, str], int] = {}

    def entry(passes: int, within: int, near: int, may: int) -> int:
        if near or within == SEVERAL:
            lies: str | None = None
        else:
            lies = codes[within - 1] if within else ""
        key = (
            " ".join(sorted(sets[passes])),
            lies,
            " ".join(sorted(sets[may])) if lies is None else "",
        )
        return table.setdefault(key, len(table))

    coarse: list[int] = []  # an entry, or ~block
    offsets, palettes, cells = array("I", [0]), array("H"), bytearray()
    for top in range(0, HEIGHT, block):
        for left in range(0, WIDTH, block):
            rows = range(top, top + block)
            passes = [passing[r][left : left + block] for r in rows]
            within = [inside[r][left : left + block] for r in rows]
            near = [touched[r][left : left + block] for r in rows]
            may = [candidates[r][left : left + block] for r in rows]
            if (  # one entry for the whole block, the usual case: decided in C
                not any(any(n) for n in near)
                and min(map(min, passes)) == max(map(max, passes))
                and min(map(min, within)) == max(map(max, within))
                and min(map(min, may)) == max(map(max, may))
            ):
                coarse.append(entry(passes[0][0], within[0][0], 0, may[0][0]))
                continue
            values = [
                entry(s, i, t, m)
                for p_row, i_row, n_row, m_row in zip(passes, within, near, may, strict=True)
                for s, i, t, m in zip(p_row, i_row, n_row, m_row, strict=True)
            ]
            if min(values) == max(values):
                coarse.append(values[0])
                continue
            palette = sorted(set(values))
            place = {value: i for i, value in enumerate(palette)}
            coarse.append(~(len(offsets) - 1))
            palettes.extend(palette)
            offsets.append(len(palettes))
            cells.extend(place[value] for value in values)
    numbers = array("H", [v if v >= 0 else len(table) + ~v for v in coarse])
    if len(table) + len(offsets) > 0xFFFF or offsets.itemsize != 4:
        raise SystemExit("too many blocks for 16-bit numbers: make the cells coarser")
    if sys.byteorder == "big":
        for part in (numbers, offsets, palettes):
            part.byteswap()
    header = {
        "per_degree": GRID_PER_DEGREE,
        "block": block,
        "border_km": BORDER_KM,
        "atlas": digest,
        "countries": codes,
        "table": [list(key) for key in table],
        "blocks": len(offsets) - 1,
        "palettes": len(palettes),
    }
    text = json.dumps(header, separators=(",", ":")).encode() + b"\n"
    body = numbers.tobytes() + offsets.tobytes() + palettes.tobytes() + bytes(cells)
    return text + body


def main() -> None:
    data = build((ATLAS / "countries-50m.json").read_bytes())
    TARGET.write_bytes(data)
    print(f"{TARGET.relative_to(ROOT)}: {len(data):,} bytes")


if __name__ == "__main__":
    main()

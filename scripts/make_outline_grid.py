"""Make citynet/atlas/outline-grid.bin, which spares `check` most of its outline tests.

    python scripts/make_outline_grid.py

For each cell of 1/16° of the world, the countries for which every point of the cell
passes `check`'s outline test (citynet.checks.outside_country_warnings): the cell lies
inside the country's outline (no edge of its rings comes near the cell, and the cell's
centre is inside), or every point of it lies within BORDER_KM of one of its edges.
Any doubt leaves the country out, and a city there gets the exact test as before; a
city in a cell its country is listed for is not warned about, whatever the test would
have computed. Made from the shipped 1:50m atlas (countries-50m.json) through the
same rings as the test itself (citynet.checks.Outlines), so it answers for that file
only: the atlas's SHA-256 is written into the grid, and a test remakes the grid.

The file is zlib-compressed: a JSON line (the cell size, the atlas's hash, the table
of country sets), then two arrays of little-endian unsigned 16-bit numbers: one per
1° cell (a set, or, from len(sets) on, a block), then the blocks, 16 × 16 cells each
(a set per cell), row by row from the south-west.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import zlib
from array import array
from pathlib import Path

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
    outlines = Outlines(Atlas(json.loads(atlas_bytes)))
    cells = [array("H", bytes(2 * WIDTH)) for _ in range(HEIGHT)]
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

    for code in sorted(outlines.codes()):
        for row, runs in _passing(outlines.edges(code)).items():
            line = cells[row]
            for start, stop in runs:
                for column in range(start, stop):
                    line[column] = grow(line[column], code)
    return _encode(cells, sets, outlines.codes(), hashlib.sha256(atlas_bytes).hexdigest())


def _column(x: float) -> int:
    return math.floor((x + 180.0) * GRID_PER_DEGREE)


def _row(y: float) -> int:
    return math.floor((y + 90.0) * GRID_PER_DEGREE)


def _passing(edges: list[tuple[float, float, float, float]]) -> dict[int, list[tuple[int, int]]]:
    """The cells (per row, runs of columns) where every point passes the country's test."""
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
    for row, xs in crossings.items():
        if not 0 <= row < HEIGHT:
            continue
        xs.sort()
        inside = passing.setdefault(row, set())
        for a, b in zip(xs[::2], xs[1::2], strict=True):  # even-odd: inside between pairs
            first = max(0, math.ceil((a + 180.0) * GRID_PER_DEGREE - 0.5))
            last = min(WIDTH - 1, math.floor((b + 180.0) * GRID_PER_DEGREE - 0.5))
            inside.update(range(first, last + 1))
        inside -= touched.get(row, set())
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
    return {row: _runs(sorted(columns)) for row, columns in passing.items() if columns}


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


def _runs(columns: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for column in columns:
        if runs and runs[-1][1] == column:
            runs[-1] = (runs[-1][0], column + 1)
        else:
            runs.append((column, column + 1))
    return runs


def _encode(
    cells: list[array[int]], sets: list[frozenset[str]], codes: list[str], digest: str
) -> bytes:
    """The coarse table and the blocks of the cells that are not all one set."""
    block = GRID_BLOCK
    coarse = array("H")
    blocks = array("H")
    count = 0
    for top in range(0, HEIGHT, block):
        for left in range(0, WIDTH, block):
            values = array("H")
            for row in range(top, top + block):
                values.extend(cells[row][left : left + block])
            if min(values) == max(values):
                coarse.append(values[0])
            else:
                coarse.append(len(sets) + count)
                blocks.extend(values)
                count += 1
    if len(sets) + count > 0xFFFF:
        raise SystemExit("too many blocks for 16-bit numbers: make the cells coarser")
    if sys.byteorder == "big":
        coarse.byteswap()
        blocks.byteswap()
    header = {
        "per_degree": GRID_PER_DEGREE,
        "block": block,
        "border_km": BORDER_KM,
        "atlas": digest,
        "countries": sorted(codes),
        "sets": [" ".join(sorted(s)) for s in sets],
    }
    text = json.dumps(header, separators=(",", ":")).encode() + b"\n"
    return zlib.compress(text + coarse.tobytes() + blocks.tobytes(), 9)


def main() -> None:
    data = build((ATLAS / "countries-50m.json").read_bytes())
    TARGET.write_bytes(data)
    print(f"{TARGET.relative_to(ROOT)}: {len(data):,} bytes")


if __name__ == "__main__":
    main()

"""Make the outlines citynet ships, citynet/atlas/countries-{110m,50m}.json, from world-atlas.

    python scripts/make_atlas.py [FOLDER]    # default: ../shared/data/world-atlas

world-atlas 2.0.2 redistributes Natural Earth 4.1.0 (public domain) as TopoJSON. The
files made here are still TopoJSON (any TopoJSON reader opens them), smaller and
easier for citynet to use: only the `countries` object (`land` is dropped), each
country's id its ISO 3166-1 alpha-2 code (the numeric code is kept as
`properties.iso_n3`), each with a `bbox`, written without spaces. The arcs are
simplified (Douglas–Peucker; shared borders stay shared, since a topology's arcs are
simplified one by one with their ends kept) and put on a coarser grid:
countries-110m.json, for world maps, at 0.1° (under half a pixel on a 960-pixel world
map); countries-50m.json, for regional maps, at 0.07°. Islands that simplification
leaves without area are left out. The licence notice of world-atlas is copied beside
them.
"""

from __future__ import annotations

import itertools
import json
import math
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "world-atlas"
TARGET = ROOT / "citynet" / "atlas"
# Douglas–Peucker tolerance in degrees, and the grid the coordinates are rounded to
# (points per 360° of longitude and per 180° of latitude), per scale; 0 keeps the original.
SIMPLIFY = {"110m": (0.1, 40000), "50m": (0.07, 20000)}

# ISO 3166-1 numeric → alpha-2, for the countries of world-atlas (from Debian's iso-codes).
_TABLE = """
004:AF 008:AL 010:AQ 012:DZ 024:AO 031:AZ 032:AR 036:AU 040:AT 044:BS 050:BD 051:AM 056:BE
064:BT 068:BO 070:BA 072:BW 076:BR 084:BZ 090:SB 096:BN 100:BG 104:MM 108:BI 112:BY 116:KH
120:CM 124:CA 140:CF 144:LK 148:TD 152:CL 156:CN 158:TW 170:CO 178:CG 180:CD 188:CR 191:HR
192:CU 196:CY 203:CZ 204:BJ 208:DK 214:DO 218:EC 222:SV 226:GQ 231:ET 232:ER 233:EE 238:FK
242:FJ 246:FI 250:FR 260:TF 262:DJ 266:GA 268:GE 270:GM 275:PS 276:DE 288:GH 300:GR 304:GL
320:GT 324:GN 328:GY 332:HT 340:HN 348:HU 352:IS 356:IN 360:ID 364:IR 368:IQ 372:IE 376:IL
380:IT 384:CI 388:JM 392:JP 398:KZ 400:JO 404:KE 408:KP 410:KR 414:KW 417:KG 418:LA 422:LB
426:LS 428:LV 430:LR 434:LY 440:LT 442:LU 450:MG 454:MW 458:MY 466:ML 478:MR 484:MX 496:MN
498:MD 499:ME 504:MA 508:MZ 512:OM 516:NA 524:NP 528:NL 540:NC 548:VU 554:NZ 558:NI 562:NE
566:NG 578:NO 586:PK 591:PA 598:PG 600:PY 604:PE 608:PH 616:PL 620:PT 624:GW 626:TL 630:PR
634:QA 642:RO 643:RU 646:RW 682:SA 686:SN 688:RS 694:SL 703:SK 704:VN 705:SI 706:SO 710:ZA
716:ZW 724:ES 728:SS 729:SD 732:EH 740:SR 748:SZ 752:SE 756:CH 760:SY 762:TJ 764:TH 768:TG
780:TT 784:AE 788:TN 792:TR 795:TM 800:UG 804:UA 807:MK 818:EG 826:GB 834:TZ 840:US 854:BF
858:UY 860:UZ 862:VE 887:YE 894:ZM
016:AS 020:AD 028:AG 048:BH 052:BB 060:BM 086:IO 092:VG 132:CV 136:KY 174:KM 184:CK 212:DM
234:FO 239:GS 248:AX 258:PF 296:KI 308:GD 316:GU 334:HM 336:VA 344:HK 438:LI 446:MO 462:MV
470:MT 480:MU 492:MC 500:MS 520:NR 531:CW 533:AW 534:SX 570:NU 574:NF 580:MP 583:FM 584:MH
585:PW 612:PN 652:BL 654:SH 659:KN 660:AI 662:LC 663:MF 666:PM 670:VC 674:SM 678:ST 690:SC
702:SG 776:TO 796:TC 831:GG 832:JE 833:IM 850:VI 876:WF 882:WS
"""
NUMERIC_TO_ALPHA2 = dict(pair.split(":") for pair in _TABLE.split())
# Natural Earth shapes without an ISO code; Kosovo has the code the EU and others use.
UNCODED = {"Kosovo": "XK"}


def derive(topology: dict[str, Any], tolerance: float = 0.0, grid: int = 0) -> dict[str, Any]:
    """The countries of a world-atlas topology, keyed by alpha-2 code, arcs simplified."""
    geometries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        numeric = geometry.get("id") or ""
        name = geometry["properties"]["name"]
        code = NUMERIC_TO_ALPHA2.get(numeric) or UNCODED.get(name, "")
        if numeric and not code:
            raise SystemExit(f"no alpha-2 code for {numeric} ({name}): add it to the table")
        geometries.append(
            {
                "type": geometry["type"],
                "arcs": geometry["arcs"],
                "id": code,
                "properties": {"name": name, "iso_n3": numeric},
            }
        )
    arcs = topology["arcs"]
    transform = topology["transform"]
    if tolerance:
        old = transform
        transform = {"scale": [360.0 / grid, 180.0 / grid], "translate": [-180.0, -90.0]}
        arcs = [_simplified(arc, tolerance, old, transform["scale"]) for arc in arcs]
    if tolerance:
        for geometry in geometries:
            _drop_collapsed(geometry, arcs)
    geometries = [g for g in geometries if g["arcs"]]
    for geometry in geometries:
        geometry["bbox"] = _bbox(geometry, arcs, transform)
    return {
        "type": "Topology",
        "transform": transform,
        "objects": {"countries": {"type": "GeometryCollection", "geometries": geometries}},
        "arcs": arcs,
    }


def _drop_collapsed(geometry: dict[str, Any], arcs: list[list[list[int]]]) -> None:
    """Leave out the rings that simplification left with no area (fewer than four
    points: a tiny island), and the polygons whose outer ring is gone."""

    def points(ring: list[int]) -> int:
        return sum(len(arcs[i if i >= 0 else ~i]) for i in ring) - len(ring) + 1

    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    kept = [
        [ring for ring in polygon if points(ring) >= 4]
        for polygon in polygons
        if points(polygon[0]) >= 4
    ]
    geometry["type"], geometry["arcs"] = "MultiPolygon", kept


def _bbox(geometry: dict[str, Any], arcs: list[list[list[int]]], transform: Any) -> list[float]:
    """[west, south, east, north] of a country, so that a map can skip it unread."""
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    lngs, lats = [], []
    for index in {i if i >= 0 else ~i for polygon in polygons for ring in polygon for i in ring}:
        x = y = 0
        for dx, dy in arcs[index]:
            x, y = x + dx, y + dy
            lngs.append(x * sx + tx)
            lats.append(y * sy + ty)
    # Outward to the thousandth, and a thousandth more against the rounding of floats.
    west, south = (math.floor(min(v) * 1000 - 1) / 1000 for v in (lngs, lats))
    east, north = (math.ceil(max(v) * 1000 + 1) / 1000 for v in (lngs, lats))
    return [west, south, east, north]


def _simplified(
    arc: list[list[int]], tolerance: float, transform: dict[str, Any], grid: list[float]
) -> list[list[int]]:
    """A delta-encoded arc with the points Douglas–Peucker keeps, rounded to the grid
    (translate -180, -90) and delta-encoded again."""
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    points = []
    x = y = 0
    for dx, dy in arc:
        x, y = x + dx, y + dy
        points.append((x * sx + tx, y * sy + ty))  # longitude, latitude
    keep = {0, len(points) - 1}
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        ax, ay = x2 - x1, y2 - y1
        length = (ax * ax + ay * ay) ** 0.5
        farthest, distance = first, 0.0
        for i in range(first + 1, last):
            px, py = points[i][0] - x1, points[i][1] - y1
            d = abs(ax * py - ay * px) / length if length else (px * px + py * py) ** 0.5
            if d > distance:
                farthest, distance = i, d
        if distance > tolerance:
            keep.add(farthest)
            stack += [(first, farthest), (farthest, last)]
    kept = [
        (round((points[i][0] + 180.0) / grid[0]), round((points[i][1] + 90.0) / grid[1]))
        for i in sorted(keep)
    ]
    rounded = [kept[0]] + [b for a, b in itertools.pairwise(kept) if a != b]
    if len(rounded) == 1:
        rounded.append(kept[-1])
    encoded = [list(rounded[0])]
    encoded += [[b[0] - a[0], b[1] - a[1]] for a, b in itertools.pairwise(rounded)]
    return encoded


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    TARGET.mkdir(parents=True, exist_ok=True)
    for scale, (tolerance, grid) in SIMPLIFY.items():
        name = f"countries-{scale}.json"
        topology = json.loads((source / name).read_text(encoding="utf-8"))
        derived = derive(topology, tolerance, grid)
        text = json.dumps(derived, separators=(",", ":"), ensure_ascii=False)
        (TARGET / name).write_text(text + "\n", encoding="utf-8")
        print(f"{(TARGET / name).relative_to(ROOT)}: {len(text):,} bytes from {source / name}")
    shutil.copyfile(source / "LICENSE", TARGET / "LICENSE-world-atlas")


if __name__ == "__main__":
    main()

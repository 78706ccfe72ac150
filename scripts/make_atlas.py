"""Make citynet/atlas/countries-110m.json from world-atlas's countries-110m.json.

    python scripts/make_atlas.py [../shared/data/world-atlas/countries-110m.json]

The result is still TopoJSON (so any TopoJSON reader opens it), smaller and easier
for citynet to use: only the `countries` object (`land` is dropped), each country's
id is its ISO 3166-1 alpha-2 code (the numeric code is kept as `properties.iso_n3`),
and the file is written without spaces. The arcs, their quantization and the
transform are kept as they are. The licence notice of world-atlas is copied beside it.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "world-atlas" / "countries-110m.json"
TARGET = ROOT / "citynet" / "atlas" / "countries-110m.json"

# ISO 3166-1 numeric → alpha-2, for the countries of the 1:110m file (from Debian's iso-codes).
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
"""
NUMERIC_TO_ALPHA2 = dict(pair.split(":") for pair in _TABLE.split())
# Natural Earth shapes without an ISO code; Kosovo has the code the EU and others use.
UNCODED = {"Kosovo": "XK"}


def derive(topology: dict) -> dict:
    """The countries of a world-atlas topology, keyed by alpha-2 code."""
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
    return {
        "type": "Topology",
        "transform": topology["transform"],
        "objects": {"countries": {"type": "GeometryCollection", "geometries": geometries}},
        "arcs": topology["arcs"],
    }


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    topology = json.loads(source.read_text(encoding="utf-8"))
    text = json.dumps(derive(topology), separators=(",", ":"), ensure_ascii=False)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text + "\n", encoding="utf-8")
    shutil.copyfile(source.parent / "LICENSE", TARGET.parent / "LICENSE-world-atlas")
    print(f"{TARGET.relative_to(ROOT)}: {len(text):,} bytes from {source}")


if __name__ == "__main__":
    main()

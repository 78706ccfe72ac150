"""Make the pictures in docs/ from the real data: the shipped dataset with the three
real imports (../shared/data beside the checkout), drawn in German, and a PNG
screenshot of each by headless Chromium.

    python scripts/make_pictures.py
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from citynet import store  # noqa: E402
from citynet.files import shipped_path  # noqa: E402
from citynet.members import import_members  # noqa: E402
from citynet.wikidata import import_tables  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
DOCS = ROOT / "docs"
PICTURES = {
    "map-berlin": ["map", "berlin"],
    "map-de": ["map", "--country", "DE"],
    "map-eurocities": ["map", "eurocities"],
    "map-c40": ["map", "c40"],
    "graph-berlin": ["graph", "berlin"],
    "graph-berlin-depth2": ["graph", "berlin", "--depth", "2"],
}


def real_data(folder: Path) -> Path:
    twins = DATA / "wikidata-twin-cities"
    data, _ = import_tables(store.load(shipped_path()), twins / "nodes.tsv", twins / "links.tsv")
    members = DATA / "eurocities-members" / "members-wikidata-enriched.json"
    data, _ = import_members(data, members, network="eurocities")
    data, _ = import_members(
        data,
        DATA / "climactor" / "climactor-initcols-2020-09.csv",
        columns={"C40Cities2019": "c40", "EUCovenantofMayors2019": "covenant-of-mayors"},
    )
    path = folder / "networks.toml"
    path.write_text(store.dumps(data), encoding="utf-8")
    return path


def size(svg: str) -> tuple[int, int]:
    """The picture's size in CSS pixels (Graphviz gives points)."""
    match = re.search(r'<svg[^>]*?width="([\d.]+)(pt)?"[^>]*?height="([\d.]+)(pt)?"', svg, re.S)
    assert match, "no size"
    factor = 4 / 3 if match.group(2) else 1
    return round(float(match.group(1)) * factor), round(float(match.group(3)) * factor)


def main() -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "needs chromium"
    with tempfile.TemporaryDirectory() as scratch:
        data = real_data(Path(scratch))
        for name, args in PICTURES.items():
            svg = DOCS / f"{name}.svg"
            command = ["citynet", "--data", str(data), "--lang", "de", *args, "-o", str(svg)]
            subprocess.run(command, check=True)
            width, height = size(svg.read_text(encoding="utf-8"))
            subprocess.run(
                [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 f"--user-data-dir={scratch}/profile", f"--window-size={width},{height}",
                 f"--screenshot={DOCS / f'{name}.png'}", svg.as_uri()],
                check=True, capture_output=True,
            )  # fmt: skip
            print(name, width, height)


if __name__ == "__main__":
    main()

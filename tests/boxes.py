"""What Chromium draws: the bounding boxes of a picture's texts, read from the DOM.

The picture (SVG) is put inline in a page whose script writes, after layout, every
matching element's text and client rectangle into the page as JSON; Chromium's
--dump-dom then gives them back. The boxes are those of the fonts Chromium really
uses, not citynet's estimates.
"""

from __future__ import annotations

import json
import re
from itertools import combinations
from pathlib import Path
from typing import Any

# text, left, top, right, bottom, and the id of the group it is in (the lines of one
# node's label are one group, and may touch each other)
Box = tuple[str, float, float, float, float, str]

_SCRIPT = """
<pre id="boxes"></pre>
<script>
const found = [...document.querySelectorAll(%s)].map(e => {
  const r = e.getBoundingClientRect();
  const group = e.closest("g[id]");
  return [e.textContent, r.left, r.top, r.right, r.bottom, group ? group.id : ""];
});
document.getElementById("boxes").textContent = JSON.stringify(found);
</script>
"""


def text_boxes(chromium: Any, svg: str, selector: str, folder: Path) -> list[Box]:
    """The boxes of the elements `selector` finds in the SVG, as Chromium lays them out."""
    inline = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    page = folder / "boxes.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body style='margin:0'>"
        + inline
        + _SCRIPT % json.dumps(selector)
        + "</body></html>",
        encoding="utf-8",
    )
    dom = chromium.open(page).dom
    found = re.search(r'<pre id="boxes">(.*?)</pre>', dom, re.S)
    assert found, "the page's script did not run"
    import html

    return [tuple(row) for row in json.loads(html.unescape(found.group(1)))]  # type: ignore[misc]


def overlaps(boxes: list[Box], slack: float = 0.5) -> list[tuple[str, str]]:
    """The pairs of boxes of different groups that overlap by more than `slack`
    pixels each way."""
    return [
        (a[0], b[0])
        for a, b in combinations(boxes, 2)
        if (a[5] != b[5] or not a[5])
        and a[1] + slack < b[3]
        and b[1] + slack < a[3]
        and a[2] + slack < b[4]
        and b[2] + slack < a[4]
    ]

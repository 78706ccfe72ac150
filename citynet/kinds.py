"""How the kinds of relation look in every picture: one colour and one line style
each, the same on maps and graphs, and their order (the most formal first)."""

from __future__ import annotations

from .model import PARTNERSHIP_KINDS

# Okabe–Ito colours, readable with colour blindness; a kind citynet does not know
# (an imported twinning of unknown type) is grey.
KIND_COLOURS = {
    "partnership": "#d55e00",
    "friendship": "#cc79a7",
    "contact": "#56b4e9",
    "project": "#009e73",
    "cooperation": "#0072b2",
    "exchange": "#e69f00",
}
UNKNOWN_KIND_COLOUR = "#8c8c8c"
# Graphviz line styles: the formal kinds solid, the looser ones dashed or dotted.
KIND_STYLES = {"contact": "dashed", "exchange": "dashed", "project": "solid"}


def kind_colour(kind: str) -> str:
    """The colour of a kind's lines; grey for a kind citynet does not know."""
    return KIND_COLOURS.get(kind, UNKNOWN_KIND_COLOUR)


def kind_style(kind: str) -> str:
    """The Graphviz style of a kind's edges; dotted for a kind citynet does not know."""
    return KIND_STYLES.get(kind, "solid" if kind in KIND_COLOURS else "dotted")


def kind_rank(kind: str) -> tuple[int, str]:
    """Sort key of kinds: the fixed vocabulary in its order, then unknown kinds by name."""
    kinds = list(PARTNERSHIP_KINDS)
    return (kinds.index(kind) if kind in kinds else len(kinds), kind)

"""The one registry of output formats: what each kind of result can be written as, the
file suffixes that ask for it, and whether it is text or bytes.

A command names the kind of result it has (a listing, a graph, a map, a report);
`choose` picks the format from --format, else from the --output file's suffix, else
the kind's default. A suffix no format of that kind claims is a usage error that lists
the formats, never a silent fallback (`-o x.pdf` used to write TSV).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, NamedTuple

from .errors import UsageError
from .i18n import _

Kind = Literal["listing", "graph", "map", "report", "timeline"]


class OutputFormat(NamedTuple):
    name: str
    kind: Kind
    suffixes: tuple[str, ...]
    binary: bool = False


_LISTING: tuple[OutputFormat, ...] = (
    OutputFormat("table", "listing", ()),
    OutputFormat("json", "listing", (".json",)),
    OutputFormat("csv", "listing", (".csv",)),
    OutputFormat("csv-de", "listing", ()),
    OutputFormat("tsv", "listing", (".tsv", ".tab", ".txt")),
    OutputFormat("md", "listing", (".md", ".markdown")),
    OutputFormat("xlsx", "listing", (".xlsx",), binary=True),
    OutputFormat("ids", "listing", ()),
)
REGISTRY: tuple[OutputFormat, ...] = (
    *_LISTING,
    OutputFormat("dot", "graph", (".dot", ".gv")),
    OutputFormat("mermaid", "graph", (".mmd", ".mermaid")),
    OutputFormat("graphml", "graph", (".graphml",)),
    OutputFormat("gexf", "graph", (".gexf",)),
    OutputFormat("svg", "graph", (".svg",)),
    OutputFormat("svg", "map", (".svg",)),
    OutputFormat("geojson", "map", (".geojson", ".json")),
    OutputFormat("html", "map", (".html", ".htm")),
    OutputFormat("html", "report", (".html", ".htm")),
    OutputFormat("md", "report", (".md", ".markdown")),
    # A timeline is a listing, or a chart of it.
    *(f._replace(kind="timeline") for f in _LISTING),
    OutputFormat("svg", "timeline", (".svg",)),
    OutputFormat("html", "timeline", (".html", ".htm")),
)

# The format of a kind when neither --format nor a suffix says: (to a file, to stdout).
# A listing on stdout is a table on a terminal and tsv in a pipe (decided by the CLI).
DEFAULTS: dict[Kind, tuple[str, str]] = {
    "listing": ("tsv", "tsv"),
    "graph": ("dot", "dot"),
    "map": ("svg", "svg"),
    "report": ("html", "md"),
    "timeline": ("tsv", "tsv"),
}


def names(kind: Kind) -> list[str]:
    """The formats a kind of result can be written as, in the registry's order."""
    return [f.name for f in REGISTRY if f.kind == kind]


def get(kind: Kind, name: str) -> OutputFormat:
    """The registry's entry for a format of a kind (a usage error if there is none)."""
    for entry in REGISTRY:
        if entry.kind == kind and entry.name == name:
            return entry
    message = _("unknown format {value}; formats: {formats}")
    raise UsageError(message.format(value=repr(name), formats=", ".join(names(kind))))


def choose(kind: Kind, fmt: str | None, output: Path | None) -> str:
    """The format asked for: --format, else the suffix of the --output file, else the
    kind's default. A suffix no format of the kind claims is a usage error."""
    if fmt:
        return get(kind, fmt.lower()).name
    to_file, to_stdout = DEFAULTS[kind]
    if output is None:
        return to_stdout
    suffix = output.suffix.lower()
    if not suffix:
        return to_file
    for entry in REGISTRY:
        if entry.kind == kind and suffix in entry.suffixes:
            return entry.name
    known = ", ".join(
        f"{f.name} ({' '.join(f.suffixes)})" if f.suffixes else f.name
        for f in REGISTRY
        if f.kind == kind
    )
    message = _("{file}: no format is written as {suffix}; give --format, or one of: {formats}")
    raise UsageError(message.format(file=output, suffix=suffix, formats=known))

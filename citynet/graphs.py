"""The graph of cities and networks, written as DOT, Mermaid, GraphML or GEXF.

Nodes are cities and networks; an edge joins a city to each network it is a
member of (kind "member") and two cities for each of their partnerships (its
kind: partnership, friendship, …). Attributes travel with them, so Gephi, yEd,
Cytoscape and networkx show names, countries, coordinates, themes and years.

Every text from the data is untrusted: it is escaped for the target format
here, and characters that XML 1.0 cannot hold are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import formats, i18n, markup
from .contract import null
from .errors import CitynetError, UsageError
from .model import City, Dataset, Network
from .output import INVISIBLE, xml_safe

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

GRAPH_FORMATS = formats.names("graph")
MEMBER = "member"  # the kind of a membership edge

# Above this many nodes Graphviz takes minutes (5,500 nodes: over two); the CLI warns.
SVG_PATIENCE = 1000
EXIT_TOOL = 4  # Graphviz is missing or failed (README: exit statuses)


class ToolError(CitynetError):
    """A program citynet needs for this output is missing or failed."""

    exit_code = EXIT_TOOL


@dataclass(frozen=True, slots=True)
class Node:
    id: str  # "city:berlin" or "network:c40": the two kinds of ids may overlap
    type: str  # "city" or "network"
    label: str
    name: str
    country: str = ""
    lat: float | None = None
    lng: float | None = None
    themes: tuple[str, ...] = ()
    scope: str = ""
    founded: int | None = None


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    kind: str  # "member" or a partnership kind
    since: int | None = None
    until: int | None = None


@dataclass(frozen=True, slots=True)
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    centres: tuple[str, ...] = ()  # the node ids of the named records, drawn bold
    left_out: int = 0  # nodes `trim` left out (said in the legend)


def city_node_id(city_id: str) -> str:
    return f"city:{city_id}"


def network_node_id(network_id: str) -> str:
    return f"network:{network_id}"


def build_graph(
    dataset: Dataset,
    around: Sequence[City | Network] = (),
    *,
    depth: int = 1,
    kinds: Iterable[str] = (),
) -> Graph:
    """The whole graph, or the records in `around` with everything within `depth` steps.

    A step goes from a city to its networks and partner cities, and from a network
    to its member cities. `kinds` keeps only partnerships of those kinds. Between
    the chosen nodes every edge is kept.
    """
    if depth < 0:
        raise UsageError(i18n._("--depth must be 0 or more, not {depth}").format(depth=depth))
    wanted = set(kinds)
    partnerships = [p for p in dataset.partnerships if not wanted or p.kind in wanted]
    if around:
        chosen = _neighbourhood(dataset, around, depth, wanted)
        cities = [c for c in dataset.cities if city_node_id(c.id) in chosen]
        networks = [n for n in dataset.networks if network_node_id(n.id) in chosen]
    else:
        cities, networks = list(dataset.cities), list(dataset.networks)
    city_ids = {c.id for c in cities}
    network_ids = {n.id for n in networks}
    nodes = [_network_node(n) for n in networks] + [_city_node(c) for c in cities]
    edges = [
        Edge(city_node_id(m.city), network_node_id(m.network), MEMBER, m.since, m.until)
        for m in dataset.memberships
        if m.city in city_ids and m.network in network_ids
    ]
    edges += [
        Edge(city_node_id(p.cities[0]), city_node_id(p.cities[1]), p.kind, p.since, p.until)
        for p in partnerships
        if p.cities[0] in city_ids and p.cities[1] in city_ids
    ]
    return Graph(tuple(nodes), tuple(edges), tuple(_node_id(r) for r in around))


# A drawing with more nodes than this is unreadable on a page: `graph` keeps the
# nearest and best connected ones and says how many it left out.
DRAWN_NODES = 120


def trim(graph: Graph, limit: int = DRAWN_NODES) -> Graph:
    """At most `limit` nodes: the named records, then the nodes nearest to them, the
    best connected first; the edges between those kept."""
    if limit <= 0 or len(graph.nodes) <= limit:
        return graph
    neighbours: dict[str, list[str]] = {node.id: [] for node in graph.nodes}
    for edge in graph.edges:
        neighbours[edge.source].append(edge.target)
        neighbours[edge.target].append(edge.source)
    distance = dict.fromkeys(graph.centres, 0)
    frontier = list(graph.centres)
    while frontier:
        reached = []
        for node in frontier:
            for other in neighbours[node]:
                if other not in distance:
                    distance[other] = distance[node] + 1
                    reached.append(other)
        frontier = reached
    far = len(graph.nodes) + 1
    ranked = sorted(
        graph.nodes,
        key=lambda n: (distance.get(n.id, far), -len(neighbours[n.id]), n.label, n.id),
    )
    kept = {node.id for node in ranked[:limit]}
    return Graph(
        tuple(n for n in graph.nodes if n.id in kept),
        tuple(e for e in graph.edges if e.source in kept and e.target in kept),
        graph.centres,
        len(graph.nodes) - len(kept),
    )


def _neighbourhood(
    dataset: Dataset, around: Sequence[City | Network], depth: int, kinds: set[str]
) -> set[str]:
    """The node ids within `depth` steps of the named records."""
    seen = {_node_id(r) for r in around}
    frontier = list(around)
    for _ in range(depth):
        if not frontier:  # everything within reach is in: more steps find nothing
            break
        reached: list[City | Network] = []
        for record in frontier:
            for neighbour in _neighbours(dataset, record, kinds):
                node_id = _node_id(neighbour)
                if node_id not in seen:
                    seen.add(node_id)
                    reached.append(neighbour)
        frontier = reached
    return seen


def _neighbours(dataset: Dataset, record: City | Network, kinds: set[str]) -> list[City | Network]:
    if isinstance(record, Network):
        return [
            dataset.city_by_id[m.city] for m in dataset.memberships_by_network.get(record.id, ())
        ]
    found: list[City | Network] = [
        dataset.network_by_id[m.network] for m in dataset.memberships_by_city.get(record.id, ())
    ]
    found += [
        dataset.city_by_id[p.other(record.id)]
        for p in dataset.partnerships_of(record.id)
        if not kinds or p.kind in kinds
    ]
    return found


def _node_id(record: City | Network) -> str:
    return network_node_id(record.id) if isinstance(record, Network) else city_node_id(record.id)


def _city_node(city: City) -> Node:
    return Node(
        city_node_id(city.id), "city", city.name, city.name, city.country, city.lat, city.lng
    )


def _network_node(network: Network) -> Node:
    return Node(
        network_node_id(network.id),
        "network",
        network.label,
        network.name,
        themes=network.themes,
        scope=network.scope,
        founded=network.founded,
    )


def write_graph(graph: Graph, fmt: str) -> str:
    """The graph as text in one of GRAPH_FORMATS (svg runs Graphviz's dot)."""
    if fmt == "dot":
        return to_dot(graph)
    if fmt == "mermaid":
        return to_mermaid(graph)
    if fmt == "graphml":
        return to_graphml(graph)
    if fmt == "gexf":
        return to_gexf(graph)
    if fmt == "svg":
        return render_svg(to_dot(graph))
    raise UsageError(
        i18n._("unknown graph format {fmt}; formats: {value}").format(
            fmt=repr(fmt), value=", ".join(GRAPH_FORMATS)
        )
    )


# --- attributes: one description for GraphML and GEXF -----------------------------

# (name, type) of the node and edge attributes; the type is GraphML's, GEXF's follows.
NODE_ATTRIBUTES = (
    ("type", "string"),
    ("label", "string"),
    ("name", "string"),
    ("country", "string"),
    ("lat", "double"),
    ("lng", "double"),
    ("themes", "string"),
    ("scope", "string"),
    ("founded", "int"),
)
EDGE_ATTRIBUTES = (("kind", "string"), ("since", "int"), ("until", "int"))
_GEXF_TYPES = {"string": "string", "double": "double", "int": "integer"}


def _node_values(node: Node) -> dict[str, str | float | int | None]:
    """The node's attributes; empty ones are None and are left out of the files."""
    return {
        "type": node.type,
        "label": node.label,
        "name": node.name,
        "country": null(node.country),
        "lat": node.lat,
        "lng": node.lng,
        "themes": null(", ".join(node.themes)),  # neither format has lists networkx reads
        "scope": null(node.scope),
        "founded": node.founded,
    }


def _edge_values(edge: Edge) -> dict[str, str | float | int | None]:
    return {"kind": edge.kind, "since": edge.since, "until": edge.until}


# Everything outside XML 1.0's Char production (C0 controls but tab and newlines,
# lone surrogates, U+FFFE/U+FFFF) would make the file unreadable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str | float | int) -> str:
    """A value as XML character data: invalid characters dropped (escaping is ElementTree's)."""
    return _NOT_XML.sub("", str(value))


def _xml_document(root: Element) -> str:
    import xml.etree.ElementTree as ET

    ET.indent(root)
    text = ET.tostring(root, "unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml_safe(text) + "\n"


def to_graphml(graph: Graph) -> str:
    """GraphML with typed keys, as networkx, yEd, Gephi and Cytoscape read it."""
    import xml.etree.ElementTree as ET

    ns = "http://graphml.graphdrawing.org/xmlns"
    root = ET.Element(
        "graphml",
        {
            "xmlns": ns,
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:schemaLocation": f"{ns} {ns}/1.0/graphml.xsd",
        },
    )
    for target, attributes, prefix in (
        ("node", NODE_ATTRIBUTES, "n_"),
        ("edge", EDGE_ATTRIBUTES, "e_"),
    ):
        for name, kind in attributes:
            ET.SubElement(
                root,
                "key",
                {"id": prefix + name, "for": target, "attr.name": name, "attr.type": kind},
            )
    element = ET.SubElement(root, "graph", {"id": "citynet", "edgedefault": "undirected"})
    for node in graph.nodes:
        node_element = ET.SubElement(element, "node", {"id": xml_text(node.id)})
        _graphml_data(node_element, "n_", _node_values(node))
    for number, edge in enumerate(graph.edges):
        edge_element = ET.SubElement(
            element,
            "edge",
            {"id": f"e{number}", "source": xml_text(edge.source), "target": xml_text(edge.target)},
        )
        _graphml_data(edge_element, "e_", _edge_values(edge))
    return _xml_document(root)


def _graphml_data(
    parent: Element, prefix: str, values: dict[str, str | float | int | None]
) -> None:
    import xml.etree.ElementTree as ET

    for name, value in values.items():
        if value is not None:
            ET.SubElement(parent, "data", {"key": prefix + name}).text = xml_text(value)


def to_gexf(graph: Graph) -> str:
    """GEXF 1.3, as Gephi and networkx read it; nodes coloured by type."""
    import xml.etree.ElementTree as ET

    ns = "http://gexf.net/1.3"
    root = ET.Element(
        "gexf",
        {
            "xmlns": ns,
            "xmlns:viz": f"{ns}/viz",
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:schemaLocation": f"{ns} {ns}/gexf.xsd",
            "version": "1.3",
        },
    )
    meta = ET.SubElement(root, "meta")
    ET.SubElement(meta, "creator").text = "citynet"
    element = ET.SubElement(root, "graph", {"defaultedgetype": "undirected", "mode": "static"})
    for target, attributes in (("node", NODE_ATTRIBUTES), ("edge", EDGE_ATTRIBUTES)):
        declared = ET.SubElement(element, "attributes", {"class": target, "mode": "static"})
        for name, kind in attributes:
            if target == "node" and name == "label":
                continue  # GEXF has its own label attribute
            ET.SubElement(
                declared, "attribute", {"id": name, "title": name, "type": _GEXF_TYPES[kind]}
            )
    nodes = ET.SubElement(element, "nodes")
    for node in graph.nodes:
        node_element = ET.SubElement(
            nodes, "node", {"id": xml_text(node.id), "label": xml_text(node.label)}
        )
        values = _node_values(node)
        del values["label"]
        _gexf_values(node_element, values)
        red, green, blue = _COLOURS["network" if node.type == "network" else "city"]
        # The namespaces are declared on the root by hand, so tags are written as they read.
        ET.SubElement(node_element, "viz:color", {"r": str(red), "g": str(green), "b": str(blue)})
    edges = ET.SubElement(element, "edges")
    for number, edge in enumerate(graph.edges):
        edge_element = ET.SubElement(
            edges,
            "edge",
            {
                "id": str(number),
                "source": xml_text(edge.source),
                "target": xml_text(edge.target),
                "label": edge.kind,
                "kind": edge.kind,  # GEXF's own edge kind: Gephi's edge type
            },
        )
        _gexf_values(edge_element, _edge_values(edge))
    return _xml_document(root)


_COLOURS = {"network": (31, 119, 180), "city": (255, 127, 14)}


def _gexf_values(parent: Element, values: dict[str, str | float | int | None]) -> None:
    import xml.etree.ElementTree as ET

    present = {k: v for k, v in values.items() if v is not None}
    if present:
        holder = ET.SubElement(parent, "attvalues")
        for name, value in present.items():
            ET.SubElement(holder, "attvalue", {"for": name, "value": xml_text(value)})


# --- DOT and Mermaid ------------------------------------------------------------------

_CONTROL = re.compile(rf"[\x00-\x08\x0b-\x1f{INVISIBLE}]")


def dot_string(text: str) -> str:
    """A double-quoted DOT string: quotes, backslashes and newlines escaped, controls dropped.

    Graphviz reads HTML entities in labels ("&amp;"), so a literal & is written as one.
    """
    text = xml_text(_CONTROL.sub("", text)).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")
    return '"' + text.replace("\n", "\\n") + '"'


def to_dot(graph: Graph) -> str:
    """Graphviz DOT: networks as boxes, cities as ellipses, relations coloured and
    styled by kind, the named records' own edges strong and the others faint, a
    legend of the node types and kinds drawn, one font throughout."""
    from .kinds import kind_colour, kind_style

    big = len(graph.nodes) > 80
    # neato (stress majorization) separates the clusters of a neighbourhood; sfdp
    # (multiscale force-directed) lays out hundreds of nodes in seconds, not minutes.
    layout = "sfdp" if big else "neato"
    lines = [
        "graph citynet {",
        f'  graph [layout={layout}, overlap=prism, overlap_scaling=2, sep="+4",'
        f" splines={'false' if big else 'true'}, outputorder=edgesfirst,"
        f' fontname="{FONT}", fontsize=11];',
        f'  node [fontname="{FONT}", fontsize=10, style=filled, margin="0.06,0.03"];',
        f'  edge [fontname="{FONT}", fontsize=8];',
    ]
    centres = set(graph.centres)
    for node in graph.nodes:
        attributes = {"label": node.label, "type": node.type}
        if node.type == "network":
            attributes |= {"shape": "box", "fillcolor": "#cfe2f3", "name": node.name}
            if node.themes:
                attributes["themes"] = ", ".join(node.themes)
            if node.scope:
                attributes["scope"] = node.scope
        else:
            attributes |= {"shape": "ellipse", "fillcolor": "#fde9d9", "country": node.country}
            if node.country:
                attributes["label"] = f"{node.label}\n{node.country}"
        if node.id in centres:
            # Thicker, not bold: a bold face is another font, and Graphviz may not
            # find it under the same name (Berlin came out in a serif font).
            attributes |= {"penwidth": "3", "fontsize": "13", "fillcolor": "#f9c9a9"}
        lines.append(f"  {dot_string(node.id)} [{_dot_attributes(attributes)}];")
    for edge in graph.edges:
        attributes = {"kind": edge.kind}
        own = edge.source in centres or edge.target in centres or not centres
        if edge.kind == MEMBER:
            attributes |= {"style": "dashed", "color": "#999999" if own else "#99999966"}
        else:
            colour = kind_colour(edge.kind)
            attributes |= {
                "color": colour if own else colour + "55",
                "style": kind_style(edge.kind),
                "penwidth": "2" if own else "0.7",
            }
        for name, year in (("since", edge.since), ("until", edge.until)):
            if year is not None:
                attributes[name] = str(year)
        ends = f"{dot_string(edge.source)} -- {dot_string(edge.target)}"
        lines.append(f"  {ends} [{_dot_attributes(attributes)}];")
    lines.append(_dot_legend(graph))
    lines.append("}")
    return "\n".join(lines) + "\n"


FONT = "DejaVu Sans,Arial,sans-serif"  # one face for every label


def _dot_legend(graph: Graph) -> str:
    """The graph's label: the node types and the kinds of edge drawn, in the interface's
    language, and what a size limit left out (fixed words and numbers, no data)."""
    from .kinds import kind_colour, kind_rank, kind_style
    from .views import kind_label

    types = {node.type for node in graph.nodes}
    entries = []
    if "network" in types:
        entries.append("▭ " + i18n._("network"))
    if "city" in types:
        entries.append("◯ " + i18n._("city"))
    kinds = {edge.kind for edge in graph.edges}
    for kind in sorted(kinds - {MEMBER}, key=kind_rank):
        stroke = {"dashed": "╌╌", "dotted": "┈┈"}.get(kind_style(kind), "━━")
        label = markup.text(kind_label(kind))
        entries.append(f'<font color="{kind_colour(kind)}">{stroke} {label}</font>')
    if MEMBER in kinds:
        entries.append('<font color="#777777">╌╌ ' + markup.text(i18n._("member of")) + "</font>")
    # Four to a line: a legend wider than the drawing would be cut off.
    rows = ["   ".join(entries[i : i + 4]) for i in range(0, len(entries), 4)]
    if graph.left_out:
        note = i18n.ngettext(
            "{n} more node left out: the farthest and least connected (--limit 0 draws all)",
            "{n} more nodes left out: the farthest and least connected (--limit 0 draws all)",
            graph.left_out,
        ).format(n=graph.left_out)
        rows.append(markup.text(note))
    return f"  label=<{'<br/>'.join(rows)}>; labelloc=b;" if rows else ""


def _dot_attributes(attributes: dict[str, str]) -> str:
    return ", ".join(f"{name}={dot_string(value)}" for name, value in attributes.items())


# Characters that Mermaid would read as syntax or HTML inside a label, written as
# its entity codes (#35; is "#").
_MERMAID_SPECIAL = re.compile(r"[\"#&<>\[\]{}()|`;\\]")


def mermaid_label(text: str) -> str:
    """A label for inside Mermaid's quotes: syntax characters as #NN; codes, one line."""
    text = " ".join(xml_text(_CONTROL.sub("", text)).split())
    return _MERMAID_SPECIAL.sub(lambda m: f"#{ord(m.group())};", text)


def to_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart: node ids n0, n1 … (safe whatever the record ids), labels escaped."""
    ids = {node.id: f"n{number}" for number, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    for node in graph.nodes:
        label = mermaid_label(node.label)
        if node.type == "network":
            lines.append(f'  {ids[node.id]}[["{label}"]]:::network')
        else:
            country = f" ({mermaid_label(node.country)})" if node.country else ""
            lines.append(f'  {ids[node.id]}("{label}{country}"):::city')
    for edge in graph.edges:
        source, target = ids[edge.source], ids[edge.target]
        if edge.kind == MEMBER:
            lines.append(f"  {source} -.- {target}")
        else:
            years = f" {edge.since}" if edge.since is not None else ""
            lines.append(f'  {source} ---|"{mermaid_label(edge.kind + years)}"| {target}')
    lines.append("  classDef network fill:#cfe2f3,stroke:#1f77b4")
    lines.append("  classDef city fill:#fde9d9,stroke:#ff7f0e")
    return "\n".join(lines) + "\n"


# --- SVG through Graphviz ---------------------------------------------------------------


def render_svg(dot_text: str, program: str = "dot") -> str:
    """The DOT text laid out and drawn by Graphviz; ToolError if it is missing or fails."""
    import shutil
    import subprocess

    executable = shutil.which(program)
    if executable is None:
        message = i18n._(
            "--format svg needs Graphviz's `{program}` program, which is not on PATH; "
            "install Graphviz (Debian/Ubuntu: apt install graphviz, macOS: brew install "
            "graphviz, Windows: winget install graphviz) or write --format dot and render it "
            "elsewhere"
        )
        raise ToolError(message.format(program=program))
    try:
        done = subprocess.run(
            [executable, "-Tsvg"],
            input=dot_text.encode("utf-8"),
            capture_output=True,
            check=False,
        )
    except OSError as error:
        message = i18n._("cannot run {program}: {error}")
        raise ToolError(message.format(program=executable, error=error.strerror or error)) from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip()
        message = i18n._("{program} failed (exit status {status}): {error}")
        raise ToolError(message.format(program=program, status=done.returncode, error=detail))
    return done.stdout.decode("utf-8", "replace")

"""One backward graph as inline SVG: boxes for nodes, arrows the way gradients flow, every label escaped.

Colours come from the page's stylesheet (classes and CSS variables), so the graph follows the
page's light or dark theme and prints in black on white.
"""

from __future__ import annotations

import itertools
from html import escape

from gradsh.page.layout import NODE_HEIGHT, Layout, layout
from gradsh.report.model import BackwardGraph, GraphNode

CHAR_WIDTH = 7.3  # px of one character of the 12 px monospace font the labels use
PADDING = 18
_XMLNS = 'xmlns="http://www.w3.org/2000/svg"'


def _width(label: str) -> float:
    return len(label) * CHAR_WIDTH + PADDING


def _shown(node: GraphNode) -> str:
    """A function node that made a named tensor says so: `MulBackward0 (c)`."""
    return f"{node.label} ({node.holder})" if node.holder and node.holder != node.label else node.label


def _edge(shape: Layout, a: int, b: int, marker: str) -> str:
    top, bottom = shape.boxes[a], shape.boxes[b]
    points = [(top.centre_x, top.y + top.height), *shape.routes.get((a, b), []), (bottom.centre_x, bottom.y - 3)]
    path = f"M{points[0][0]:.1f},{points[0][1]:.1f}"
    for (x1, y1), (x2, y2) in itertools.pairwise(points):  # a smooth vertical S between each pair of points
        bend = (y2 - y1) / 2
        path += f" C{x1:.1f},{y1 + bend:.1f} {x2:.1f},{y2 - bend:.1f} {x2:.1f},{y2:.1f}"
    # the last point stops short of the box: the arrowhead ends there
    return f'<path class="edge" data-from="{a}" data-to="{b}" marker-end="url(#{marker})" d="{path}"/>'



def _describe(graph: BackwardGraph) -> str:
    tensors = [n.label for n in graph.nodes if n.kind == "tensor"]
    functions = sum(n.kind in ("function", "accumulate") for n in graph.nodes)
    text = f"Backward graph of {', '.join(tensors)}: {functions} backward node{'s' * (functions != 1)}"
    leaves = [n.label for n in graph.nodes if n.kind == "leaf"]
    if leaves:
        text += f", gradients accumulate into {', '.join(leaves)}"
    if graph.omitted:
        text += f"; {graph.omitted}{'' if graph.complete else '+'} more nodes not drawn"
    return text


def render(graph: BackwardGraph, graph_id: str) -> str:
    """The `<svg>` element of `graph`; `graph_id` makes its marker and title ids unique on the page."""
    shape = layout([_width(_shown(n)) for n in graph.nodes], graph.edges)
    title = escape(_describe(graph))
    size = f'width="{shape.width:.0f}" height="{shape.height:.0f}" viewBox="0 0 {shape.width:.0f} {shape.height:.0f}"'
    arrow = f'id="{graph_id}-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7"'
    parts = [
        f'<svg class="graph" role="img" aria-label="{title}" aria-labelledby="{graph_id}-title" {size} {_XMLNS}>',
        f'<title id="{graph_id}-title">{title}</title>',
        f'<defs><marker {arrow} orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" class="arrowhead"/></marker></defs>',
    ]
    parts += [_edge(shape, a, b, f"{graph_id}-arrow") for a, b in graph.edges]
    for i, (node, box) in enumerate(zip(graph.nodes, shape.boxes)):
        label = escape(node.label)
        shown = escape(_shown(node))
        radius = NODE_HEIGHT / 2 if node.kind in ("leaf", "tensor") else 4
        parts.append(
            f'<g class="node {node.kind}" data-index="{i}" data-label="{label}">'
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" height="{box.height:.1f}" rx="{radius:.0f}"/>'
            f'<text x="{box.centre_x:.1f}" y="{box.y + box.height / 2 + 4:.1f}">{shown}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)

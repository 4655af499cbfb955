"""A layered drawing of a DAG: each node in the layer after its deepest predecessor, layers ordered to cross less.

networkx finds the layers (topological generations); the ordering inside a layer is the barycenter
heuristic (each node placed at the mean position of its neighbours in the layer above, then below),
a few sweeps, as in Sugiyama-style layouts. Coordinates are in pixels, for the SVG renderer.
"""

from __future__ import annotations

import dataclasses
import itertools

SWEEPS = 4
LAYER_GAP = 56  # vertical distance between layer tops
NODE_GAP = 16  # horizontal gap between neighbouring nodes
NODE_HEIGHT = 28
BEND_WIDTH = 4  # the room a passing edge takes in a layer it crosses
MARGIN = 8


@dataclasses.dataclass
class Box:
    x: float  # left
    y: float  # top
    width: float
    height: float = NODE_HEIGHT

    @property
    def centre_x(self) -> float:
        return self.x + self.width / 2


@dataclasses.dataclass
class Layout:
    boxes: list[Box]
    width: float
    height: float
    layers: list[list[int]]  # node indices, top layer first, each in drawing order (no bend points)
    routes: dict[tuple[int, int], list[tuple[float, float]]]  # an edge -> the points it passes through


def layers_of(count: int, edges: list[tuple[int, int]]) -> list[list[int]]:
    """Nodes by layer: a node's layer is one more than its deepest predecessor's (sources on top)."""
    import networkx as nx  # startup: only a page needs it

    graph = nx.DiGraph()
    graph.add_nodes_from(range(count))
    graph.add_edges_from(edges)
    return [sorted(layer) for layer in nx.topological_generations(graph)]


def _order(layers: list[list[int]], edges: list[tuple[int, int]]) -> list[list[int]]:
    above: dict[int, list[int]] = {}
    below: dict[int, list[int]] = {}
    for a, b in edges:
        below.setdefault(a, []).append(b)
        above.setdefault(b, []).append(a)
    place = {node: i for layer in layers for i, node in enumerate(layer)}

    def sweep(sequence: list[list[int]], neighbours: dict[int, list[int]]) -> None:
        for layer in sequence:
            def key(node: int) -> tuple[float, int]:
                near = [place[n] for n in neighbours.get(node, ())]
                return (sum(near) / len(near) if near else place[node], place[node])

            layer.sort(key=key)
            for i, node in enumerate(layer):
                place[node] = i

    for _ in range(SWEEPS):
        sweep(layers[1:], above)
        sweep(list(reversed(layers[:-1])), below)
    return layers


def _split_long_edges(
    count: int, edges: list[tuple[int, int]], depth: dict[int, int]
) -> tuple[list[tuple[int, int]], dict[tuple[int, int], list[int]], int]:
    """Each edge that skips layers becomes a chain through bend points (new nodes, one a layer), so that
    ordering sees it and it is drawn around the boxes in between rather than through them."""
    short, chains, total = [], {}, count
    for a, b in edges:
        chain = [a]
        for d in range(depth[a] + 1, depth[b]):
            depth[total] = d
            chain.append(total)
            total += 1
        chain.append(b)
        chains[(a, b)] = chain
        short += list(itertools.pairwise(chain))
    return short, chains, total


def layout(widths: list[float], edges: list[tuple[int, int]]) -> Layout:
    """Boxes for nodes of the given widths; `edges` must form a DAG (a backward graph does)."""
    depth = {node: d for d, layer in enumerate(layers_of(len(widths), edges)) for node in layer}
    short, chains, total = _split_long_edges(len(widths), edges, depth)
    sizes = list(widths) + [BEND_WIDTH] * (total - len(widths))
    layers: list[list[int]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for node in range(total):
        layers[depth[node]].append(node)
    layers = _order(layers, short)
    rows = [sum(sizes[n] for n in layer) + NODE_GAP * (len(layer) - 1) for layer in layers]
    width = max(rows, default=0) + 2 * MARGIN
    boxes: list[Box] = [Box(0, 0, 0)] * total
    for d, layer in enumerate(layers):
        x = (width - rows[d]) / 2  # each layer centred
        for node in layer:
            boxes[node] = Box(x, MARGIN + d * LAYER_GAP, sizes[node])
            x += sizes[node] + NODE_GAP
    height = 2 * MARGIN + (len(layers) - 1) * LAYER_GAP + NODE_HEIGHT if layers else 0
    routes = {
        edge: [(boxes[n].centre_x, boxes[n].y + NODE_HEIGHT / 2) for n in chain[1:-1]] for edge, chain in chains.items()
    }
    real = [[n for n in layer if n < len(widths)] for layer in layers]
    return Layout(boxes[: len(widths)], width, height, real, routes)


def crossings(layout: Layout, edges: list[tuple[int, int]]) -> int:
    """How many pairs of edges between the same two adjacent layers cross (a measure for tests)."""
    depth = {node: d for d, layer in enumerate(layout.layers) for node in layer}
    spans: dict[int, list[tuple[float, float]]] = {}
    for a, b in edges:
        if depth[b] == depth[a] + 1:
            spans.setdefault(depth[a], []).append((layout.boxes[a].centre_x, layout.boxes[b].centre_x))
    count = 0
    for pairs in spans.values():
        for i, (a1, b1) in enumerate(pairs):
            for a2, b2 in pairs[i + 1:]:
                if (a1 - a2) * (b1 - b2) < 0:
                    count += 1
    return count

"""The layered network as a NetworkX graph, and per-layer graph measures.

Nodes are ``(layer, index)`` tuples with layers ``input → hidden1 → hidden2 →
output``; this module is for graph structure and graph measures, while path
distributions are computed by broadcasting in :mod:`phasetrans.analysis.paths`.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray

from phasetrans.analysis.paths import as_weights, present_nodes
from phasetrans.errors import AnalysisInputError

__all__ = ["LAYERS", "LayerMeasures", "layer_measures", "to_graph"]

#: Layer names, in the order signals flow.
LAYERS: tuple[str, ...] = ("input", "hidden1", "hidden2", "output")


def _add_layer_edges(
    graph: nx.DiGraph,
    weights: NDArray,
    sources: NDArray[np.int_],
    targets: NDArray[np.int_],
    layers: tuple[str, str],
    rel_cutoff: float,
) -> None:
    block = weights[np.ix_(sources, targets)]
    magnitude = np.abs(block)
    largest = magnitude.max() if magnitude.size else 0.0
    keep = (magnitude > 0) & (magnitude >= rel_cutoff * largest)
    a, b = np.nonzero(keep)
    graph.add_edges_from(
        (
            (layers[0], int(sources[i])),
            (layers[1], int(targets[j])),
            {"weight": float(block[i, j]), "magnitude": float(magnitude[i, j])},
        )
        for i, j in zip(a, b, strict=True)
    )


def to_graph(
    w1: ArrayLike,
    w2: ArrayLike,
    *,
    keep: ArrayLike | None = None,
    rel_cutoff: float = 0.0,
) -> nx.DiGraph:
    """Build the layered network as a directed graph.

    Parameters
    ----------
    w1 : array_like, shape (inputs, nodes)
        Effective first-layer weights (teacher or student).
    w2 : array_like, shape (nodes, hidden2)
        Second-layer weights.
    keep : array_like of int or bool, optional
        Retained hidden1 nodes (indices or boolean mask); ``None`` keeps all.
    rel_cutoff : float
        Drop an edge when ``|w| < rel_cutoff · max|w|``, the maximum taken over
        the retained edges of the same weight matrix (``w1`` or ``w2``); in [0, 1].

    Returns
    -------
    networkx.DiGraph
        Nodes ``("input", i)``, ``("hidden1", j)``, ``("hidden2", k)`` and
        ``("output", 0)`` with attributes ``layer`` (name), ``depth`` (0–3) and
        ``index``. Edges carry ``weight`` (the signed effective weight) and
        ``magnitude`` (its absolute value); hidden2 → output edges have weight 1,
        the plain sum. ``graph.graph`` holds ``rel_cutoff`` and ``layers``.

    Notes
    -----
    Hidden1 nodes that are not present (see
    :func:`~phasetrans.analysis.paths.present_nodes`: NaN padding, all-zero
    pruned nodes, or not in ``keep``) are left out, and so are edges of weight
    exactly zero. Input, hidden2 and output nodes are always all present.
    """
    a1, a2 = as_weights(w1, w2)
    if not 0.0 <= rel_cutoff <= 1.0:
        raise AnalysisInputError(
            f"rel_cutoff: {rel_cutoff!r} is not allowed; use a value in [0, 1]",
            field="rel_cutoff",
            value=rel_cutoff,
        )
    hidden1 = np.flatnonzero(present_nodes(a1, a2, keep=keep))
    n_in, n_h2 = a1.shape[0], a2.shape[1]
    graph = nx.DiGraph(rel_cutoff=float(rel_cutoff), layers=LAYERS)
    for depth, (layer, indices) in enumerate(
        zip(LAYERS, (range(n_in), hidden1, range(n_h2), range(1)), strict=True)
    ):
        graph.add_nodes_from(
            ((layer, int(i)), {"layer": layer, "depth": depth, "index": int(i)}) for i in indices
        )
    _add_layer_edges(graph, a1, np.arange(n_in), hidden1, ("input", "hidden1"), rel_cutoff)
    _add_layer_edges(graph, a2, hidden1, np.arange(n_h2), ("hidden1", "hidden2"), rel_cutoff)
    graph.add_edges_from(
        (("hidden2", k), ("output", 0), {"weight": 1.0, "magnitude": 1.0}) for k in range(n_h2)
    )
    return graph


@dataclass(frozen=True)
class LayerMeasures:
    """Graph measures of the nodes of one layer.

    Attributes
    ----------
    layer : str
        Layer name.
    index : numpy.ndarray of int
        Node indices, ascending; every array below follows this order.
    in_degree, out_degree : numpy.ndarray of int
        Numbers of incoming and outgoing edges.
    in_strength, out_strength : numpy.ndarray
        Weighted in- and out-degree, summing edge magnitudes ``|w|``.
    density : float
        Edges from the previous layer over ``n_previous · n_nodes`` (NaN for
        the input layer): the fraction of possible connections present.
    """

    layer: str
    index: NDArray[np.int_]
    in_degree: NDArray[np.int_]
    out_degree: NDArray[np.int_]
    in_strength: NDArray
    out_strength: NDArray
    density: float

    @property
    def n_nodes(self) -> int:
        """Number of nodes in the layer."""
        return int(self.index.size)


def layer_measures(graph: nx.DiGraph) -> dict[str, LayerMeasures]:
    """Measure degrees, strengths and density of each layer of a layered graph.

    Parameters
    ----------
    graph : networkx.DiGraph
        A graph from :func:`to_graph` (nodes carry ``layer`` and ``index``,
        edges carry ``magnitude``).

    Returns
    -------
    dict of str to LayerMeasures
        One entry per layer name of :data:`LAYERS`, in flow order.

    Notes
    -----
    Degrees and strengths come from NetworkX (``in_degree``/``out_degree``,
    weighted by ``magnitude``). The weighted in-degree of hidden1 is
    ``Σ_i |w1[i, j]|``, the quantity the paper calls node connectivity.
    """
    by_layer: dict[str, list[tuple[str, int]]] = {layer: [] for layer in LAYERS}
    for node, data in graph.nodes(data=True):
        by_layer[data["layer"]].append(node)
    result: dict[str, LayerMeasures] = {}
    previous = 0
    for layer in LAYERS:
        nodes = sorted(by_layer[layer], key=lambda n: graph.nodes[n]["index"])
        in_degree = np.array([d for _, d in graph.in_degree(nodes)], dtype=int)
        n_possible = previous * len(nodes)
        result[layer] = LayerMeasures(
            layer=layer,
            index=np.array([graph.nodes[n]["index"] for n in nodes], dtype=int),
            in_degree=in_degree,
            out_degree=np.array([d for _, d in graph.out_degree(nodes)], dtype=int),
            in_strength=np.array(
                [s for _, s in graph.in_degree(nodes, weight="magnitude")], dtype=float
            ),
            out_strength=np.array(
                [s for _, s in graph.out_degree(nodes, weight="magnitude")], dtype=float
            ),
            density=in_degree.sum() / n_possible if n_possible else float("nan"),
        )
        previous = len(nodes)
    return result

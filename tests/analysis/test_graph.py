"""NetworkX graphs of students and teachers (analysis/graph.py)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from phasetrans.analysis.graph import layer_measures, to_graph
from phasetrans.analysis.paths import node_strengths
from phasetrans.errors import AnalysisInputError

# --------------------------------------------------------------------------- graphs

W1_CUT = np.array([[1.0, -0.1, 0.6, 0.3], [0.49, 0.5, -0.8, 0.0], [0.2, 0.9, 0.05, -1.0]])
W2_CUT = np.array([[2.0, -0.5], [1.5, 0.1], [-0.9, 1.0], [0.0, 3.0]])


def test_to_graph_counts_layers_and_weights():
    rng = np.random.default_rng(0)
    w1, w2 = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    g = to_graph(w1, w2)
    assert isinstance(g, nx.DiGraph)
    assert (g.number_of_nodes(), g.number_of_edges()) == (3 + 4 + 2 + 1, 12 + 8 + 2)
    layers = nx.get_node_attributes(g, "layer")
    assert sorted(layers.values()).count("hidden1") == 4
    assert layers[("output", 0)] == "output"
    assert g.edges[("input", 2), ("hidden1", 1)]["weight"] == w1[2, 1]
    assert g.edges[("hidden1", 3), ("hidden2", 0)]["weight"] == w2[3, 0]
    assert g.edges[("hidden2", 1), ("output", 0)]["weight"] == 1.0
    kept = to_graph(w1, w2, keep=[0, 2])
    assert (kept.number_of_nodes(), kept.number_of_edges()) == (3 + 2 + 2 + 1, 6 + 4 + 2)
    assert ("hidden1", 1) not in kept
    w1[:, 3] = np.nan
    assert to_graph(w1, w2).number_of_nodes() == 9


def test_to_graph_rel_cutoff_drops_small_and_zero_edges():
    g0 = to_graph(W1_CUT, W2_CUT)
    assert g0.number_of_edges() == 11 + 7 + 2  # the two exact zeros are never edges
    g = to_graph(W1_CUT, W2_CUT, rel_cutoff=0.5)
    assert g.number_of_edges() == 6 + 3 + 2
    assert ("input", 1, "hidden1", 0) not in {(*u, *v) for u, v in g.edges}  # 0.49 < 0.5
    assert g.has_edge(("input", 1), ("hidden1", 1))  # 0.5 is kept
    assert g.number_of_nodes() == 3 + 4 + 2 + 1
    with pytest.raises(AnalysisInputError, match="rel_cutoff"):
        to_graph(W1_CUT, W2_CUT, rel_cutoff=1.5)


def test_layer_measures_agree_with_numpy_strengths():
    rng = np.random.default_rng(5)
    w1, w2 = rng.normal(size=(5, 9)), rng.normal(size=(9, 4))
    w1[:, 7:] = np.nan
    w2[7:] = np.nan
    keep = [0, 2, 3, 6, 8]
    m = layer_measures(to_graph(w1, w2, keep=keep))
    assert [m[k].n_nodes for k in m] == [5, 4, 4, 1]
    np.testing.assert_array_equal(m["hidden1"].index, [0, 2, 3, 6])
    np.testing.assert_allclose(m["hidden1"].in_strength, node_strengths(w1, w2, keep=keep))
    np.testing.assert_allclose(
        m["hidden2"].in_strength, node_strengths(w1, w2, keep=keep, layer="hidden2")
    )
    np.testing.assert_array_equal(m["hidden1"].in_degree, [5, 5, 5, 5])
    np.testing.assert_array_equal(m["input"].out_degree, [4] * 5)
    assert m["hidden2"].density == 1.0 and np.isnan(m["input"].density)
    np.testing.assert_allclose(m["output"].in_strength, [4.0])
    cut = layer_measures(to_graph(W1_CUT, W2_CUT, rel_cutoff=0.5))
    assert cut["hidden1"].density == pytest.approx(6 / 12)
    assert cut["hidden2"].density == pytest.approx(3 / 8)
    np.testing.assert_array_equal(cut["hidden1"].in_degree, [1, 2, 2, 1])

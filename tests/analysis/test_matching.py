"""Neuron matching by cosine similarity (analysis/matching.py)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from phasetrans.analysis.matching import match_neurons
from phasetrans.errors import AnalysisInputError
from phasetrans.testing.topology import permuted_teacher as permuted_rescaled

# --------------------------------------------------------------------------- matching


def test_match_identical_student(teacher):
    w1, _ = teacher
    m = match_neurons(w1, w1)
    np.testing.assert_array_equal(m.pairs, np.column_stack([np.arange(20), np.arange(20)]))
    np.testing.assert_allclose(m.similarity, 1.0)
    assert m.n_recovered == 20 and m.recovered_fraction == 1.0
    assert m.mean_similarity == pytest.approx(1.0)
    assert m.matrix.shape == (20, 20)
    np.testing.assert_allclose(np.diag(m.matrix), 1.0)


def test_match_permuted_rescaled_teacher(teacher):
    w1, w2 = teacher
    s1, _, perm = permuted_rescaled(w1, w2, np.random.default_rng(7))
    m = match_neurons(s1, w1)
    # student node a holds teacher node perm[a]
    np.testing.assert_array_equal(m.pairs[:, 1], np.arange(20))
    np.testing.assert_array_equal(perm[m.pairs[:, 0]], m.pairs[:, 1])
    np.testing.assert_allclose(m.similarity, 1.0)
    assert m.n_recovered == 20


def test_match_random_weights_few_matches(teacher):
    w1, _ = teacher
    m = match_neurons(np.random.default_rng(11).normal(size=(10, 20)), w1)
    assert m.n_recovered <= 1
    assert m.mean_similarity < 0.6
    assert "recovered" in str(m)


def test_match_ignores_padded_and_pruned_nodes(teacher):
    w1, _ = teacher
    t1 = w1[:, :5]
    s1 = np.full((10, 7), np.nan)
    s1[:, [4, 0, 2]] = t1[:, [0, 1, 2]] * 2.0
    s1[:, 1] = 0.0  # pruned node; 5, 6 are padding
    m = match_neurons(s1, t1, threshold=0.9)
    np.testing.assert_array_equal(m.student_nodes, [0, 2, 4])
    np.testing.assert_array_equal(m.pairs, [[4, 0], [0, 1], [2, 2]])
    np.testing.assert_allclose(m.similarity, 1.0)
    np.testing.assert_array_equal(m.recovered, [0, 1, 2])
    assert m.recovered_fraction == pytest.approx(3 / 5)
    assert np.isnan(m.matrix[[1, 3, 5, 6]]).all()
    assert np.isfinite(m.matrix[[0, 2, 4]]).all()


def test_match_is_the_optimal_assignment():
    rng = np.random.default_rng(2)
    s1, t1 = rng.normal(size=(4, 5)), rng.normal(size=(4, 4))
    m = match_neurons(s1, t1)
    sim = m.matrix
    best = max(
        sum(sim[s, t] for t, s in enumerate(rows)) for rows in itertools.permutations(range(5), 4)
    )
    assert m.similarity.sum() == pytest.approx(best)
    with pytest.raises(AnalysisInputError, match=r"threshold: 1\.5"):
        match_neurons(s1, t1, threshold=1.5)
    with pytest.raises(ValueError, match="inputs"):
        match_neurons(s1, t1[:3])


def test_match_counts_every_recoverable_teacher_node():
    # A student with two copies of one teacher neuron (seen in direct students of
    # data/quick.nc): maximising Σ cos alone would pair T0 with the perfect copy
    # of T1 (cos 0.6) and recover only T2; the threshold-first objective keeps both.
    teacher = np.array([[1.0, 0.6, -0.6], [0.0, 0.8, 0.8], [0.0, 0.0, 0.0]])
    student = teacher[:, [1, 2, 2]] * [1.0, 1.0, 2.0]
    m = match_neurons(student, teacher, threshold=0.9)
    np.testing.assert_array_equal(m.recovered, [1, 2])
    np.testing.assert_array_equal(m.pairs[:, 1], [0, 1, 2])
    assert m.pairs[1, 0] == 0 and {m.pairs[0, 0], m.pairs[2, 0]} == {1, 2}  # copies tie
    assert m.mean_similarity == pytest.approx((1.0 + 1.0 - 0.6) / 3)
    rows, cols = linear_sum_assignment(m.matrix, maximize=True)
    assert (m.matrix[rows, cols] >= 0.9).sum() == 1  # what plain Σ cos would report


def test_match_is_lexicographically_optimal():
    rng = np.random.default_rng(4)
    s1, t1 = rng.normal(size=(3, 5)), rng.normal(size=(3, 4))
    m = match_neurons(s1, t1, threshold=0.5)
    sim = m.matrix

    def score(rows):
        values = [sim[s, t] for t, s in enumerate(rows)]
        return sum(v >= 0.5 for v in values), sum(values)

    best = max(score(rows) for rows in itertools.permutations(range(5), 4))
    assert m.n_recovered == best[0] >= 2
    assert m.similarity.sum() == pytest.approx(best[1])


def test_match_with_no_student_nodes(teacher):
    m = match_neurons(np.zeros((10, 3)), teacher[0])
    assert m.pairs.shape == (0, 2) and m.n_recovered == 0 and np.isnan(m.mean_similarity)


def test_neuron_match_prints_one_line_not_its_matrix():
    rng = np.random.default_rng(0)
    teacher = rng.standard_normal((10, 8))
    student = np.full((10, 128), np.nan)  # a wide student, mostly padding
    student[:, :8] = teacher
    match = match_neurons(student, teacher)
    text = repr(match)
    assert text == (
        "<NeuronMatch: 8/8 teacher nodes recovered at similarity >= 0.9; 8 pairs from 8 "
        "student nodes, mean similarity 1.000; matrix 128 x 8 (student x teacher nodes)>"
    )
    assert "nan" not in text and "\n" not in text

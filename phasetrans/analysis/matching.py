"""Neuron matching: assign student hidden nodes to teacher hidden nodes.

Two hidden ReLU nodes compute the same feature (up to a positive scale that the
next layer can absorb) when their incoming weight vectors point the same way,
so nodes are compared by the cosine similarity of their incoming weights and
paired one-to-one by the assignment that recovers the most teacher nodes (pairs
at or above a threshold) and, among those, has the largest total similarity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment

from phasetrans.analysis.paths import present_nodes
from phasetrans.errors import AnalysisInputError
from phasetrans.names import COSINE_MATCH

__all__ = ["COSINE_MATCH", "NeuronMatch", "check_threshold", "match_neurons"]


@dataclass(frozen=True, repr=False)
class NeuronMatch:
    """Result of :func:`match_neurons`.

    Attributes
    ----------
    pairs : numpy.ndarray of int, shape (n_pairs, 2)
        ``(student node, teacher node)`` index pairs of the optimal assignment
        (most pairs at or above ``threshold``, then largest total similarity), in
        the original node numbering, ordered by teacher node.
    similarity : numpy.ndarray, shape (n_pairs,)
        Cosine similarity of each pair.
    recovered : numpy.ndarray of int
        Teacher nodes whose partner has similarity ≥ ``threshold``, ascending.
    mean_similarity : float
        Mean of ``similarity`` (NaN when there are no pairs).
    matrix : numpy.ndarray, shape (student nodes, teacher nodes)
        Full cosine-similarity matrix; rows and columns of ignored nodes are NaN.
    student_nodes, teacher_nodes : numpy.ndarray of int
        The nodes that took part (finite, not all-zero).
    threshold : float
        Similarity at or above which a teacher node counts as recovered.
    """

    pairs: NDArray[np.int_]
    similarity: NDArray
    recovered: NDArray[np.int_]
    mean_similarity: float
    matrix: NDArray
    student_nodes: NDArray[np.int_]
    teacher_nodes: NDArray[np.int_]
    threshold: float

    @property
    def n_recovered(self) -> int:
        """Number of recovered teacher nodes."""
        return int(self.recovered.size)

    @property
    def recovered_fraction(self) -> float:
        """Recovered teacher nodes over all teacher nodes that took part."""
        if self.teacher_nodes.size == 0:
            return float("nan")
        return self.n_recovered / self.teacher_nodes.size

    def __str__(self) -> str:
        return (
            f"NeuronMatch: {self.n_recovered}/{self.teacher_nodes.size} teacher nodes recovered "
            f"at similarity >= {self.threshold:g}; {len(self.pairs)} pairs from "
            f"{self.student_nodes.size} student nodes, mean similarity {self.mean_similarity:.3f}"
        )

    def __repr__(self) -> str:
        """One line: what was recovered, and the shape of the matrix (never its values)."""
        rows, cols = self.matrix.shape
        return f"<{self}; matrix {rows} x {cols} (student x teacher nodes)>"


def check_threshold(threshold: object) -> float:
    """``threshold`` as a float in (-1, 1], or an :class:`AnalysisInputError` naming it."""
    number = (
        float(threshold)
        if isinstance(threshold, int | float | np.integer | np.floating)
        and not isinstance(threshold, bool)
        else float("nan")
    )
    if not -1.0 < number <= 1.0:
        raise AnalysisInputError(
            f"threshold: {threshold!r} is not allowed; use a number in (-1, 1]",
            field="threshold",
            value=threshold,
        )
    return number


def match_neurons(
    student_w1: ArrayLike, teacher_w1: ArrayLike, *, threshold: float = COSINE_MATCH
) -> NeuronMatch:
    r"""Pair student hidden1 nodes with teacher hidden1 nodes by incoming weights.

    Parameters
    ----------
    student_w1 : array_like, shape (inputs, student nodes)
        Student's effective first-layer weights.
    teacher_w1 : array_like, shape (inputs, teacher nodes)
        Teacher's first-layer weights.
    threshold : float
        A teacher node is *recovered* when its partner's cosine similarity is at
        least this value; must lie in (-1, 1].

    Returns
    -------
    NeuronMatch
        Pairs, their similarities, the recovered teacher nodes, the mean
        similarity and the full similarity matrix.

    Raises
    ------
    AnalysisInputError
        (a ``ValueError``) if the arrays are not 2-D, differ in their number
        of inputs, or ``threshold`` lies outside (-1, 1].

    Notes
    -----
    ``S[a, b] = w_a · v_b / (‖w_a‖ ‖v_b‖)`` for student column ``w_a`` and teacher
    column ``v_b``. ``scipy.optimize.linear_sum_assignment`` finds the one-to-one
    assignment (``min(n_student, n_teacher)`` pairs) that maximises

    .. math:: \sum_{pairs} \left( S_{ab} + M \, [S_{ab} \ge \text{threshold}] \right),
              \qquad M = 2 \min(n_{student}, n_{teacher}) + 1,

    i.e. first the number of pairs at or above the threshold, then the total
    similarity. ``M`` exceeds any difference of ``Σ S`` between assignments, so
    the order is strict. With plain ``Σ S`` a student holding two copies of one
    teacher neuron could push a perfect pair apart (two mediocre pairs adding up
    to more than one perfect and one poor pair) and undercount the recovered
    neurons; with no pair above the threshold the two objectives coincide.

    The similarity is signed (a node and its negation are different ReLU
    features) and invariant under positive rescaling of a node. Columns holding
    NaN (padding of a narrower student) or only zeros (pruned nodes) are ignored.

    A wide student matches by chance: with many candidates, the best of them
    lies close to any teacher direction in a low-dimensional input space, so
    compare students pruned to the same number of nodes.
    """
    s = np.asarray(student_w1, dtype=float)
    t = np.asarray(teacher_w1, dtype=float)
    if s.ndim != 2 or t.ndim != 2:
        raise AnalysisInputError(
            f"student_w1 and teacher_w1 must be 2-D (inputs, nodes); got {s.shape} and {t.shape}",
            field="student_w1" if s.ndim != 2 else "teacher_w1",
            value=s.shape if s.ndim != 2 else t.shape,
        )
    if s.shape[0] != t.shape[0]:
        raise AnalysisInputError(
            f"student_w1 has {s.shape[0]} inputs but teacher_w1 has {t.shape[0]}; "
            "both are (inputs, nodes)",
            field="teacher_w1",
            value=t.shape,
        )
    check_threshold(threshold)
    s_nodes = np.flatnonzero(present_nodes(s))
    t_nodes = np.flatnonzero(present_nodes(t))
    su = s[:, s_nodes] / np.linalg.norm(s[:, s_nodes], axis=0)
    tu = t[:, t_nodes] / np.linalg.norm(t[:, t_nodes], axis=0)
    sub = np.clip(su.T @ tu, -1.0, 1.0)
    matrix = np.full((s.shape[1], t.shape[1]), np.nan)
    matrix[np.ix_(s_nodes, t_nodes)] = sub
    bonus = 2.0 * min(sub.shape) + 1.0
    rows, cols = linear_sum_assignment(sub + bonus * (sub >= threshold), maximize=True)
    order = np.argsort(cols)
    rows, cols = rows[order], cols[order]
    similarity = sub[rows, cols]
    pairs = np.column_stack([s_nodes[rows], t_nodes[cols]]).astype(int).reshape(-1, 2)
    return NeuronMatch(
        pairs=pairs,
        similarity=similarity,
        recovered=t_nodes[cols][similarity >= threshold],
        mean_similarity=float(similarity.mean()) if similarity.size else float("nan"),
        matrix=matrix,
        student_nodes=s_nodes,
        teacher_nodes=t_nodes,
        threshold=float(threshold),
    )

"""Order parameters of specialisation: how many teacher nodes a student has found.

A student *specialises* when its hidden nodes lock onto the teacher's. Two
numbers per student measure it, from the student's top-``dimension`` nodes
(ranked by importance) matched one-to-one to the teacher's first-layer nodes
by the cosine of their incoming weights (:func:`~phasetrans.analysis.matching.match_neurons`):

- ``teacher_recovered``: the fraction (0…1) of teacher nodes whose partner has
  cosine ≥ ``threshold`` (:data:`~phasetrans.analysis.matching.COSINE_MATCH` by default);
- ``teacher_cosine``: the mean cosine of the matched pairs.

They are written with every part of a study, so every sweep dimension has them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from phasetrans.analysis.matching import COSINE_MATCH, match_neurons
from phasetrans.errors import AnalysisInputError

__all__ = ["order_parameters"]


def order_parameters(
    w1: ArrayLike,
    importance: ArrayLike,
    dimension: ArrayLike,
    teacher_w1: ArrayLike,
    *,
    threshold: float = COSINE_MATCH,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Recovered fraction and mean matched cosine of every student of an ensemble.

    Parameters
    ----------
    w1 : array_like, shape (S, inputs, W)
        Effective first-layer weights of ``S`` students of width ``W``.
    importance : array_like, shape (S, W)
        Node importances; the top ``dimension[s]`` nodes of student ``s`` take part.
    dimension : array_like, shape (S,)
        Effective dimension of each student.
    teacher_w1 : array_like, shape (inputs, h_T)
        The teacher's first-layer weights.
    threshold : float
        Cosine at or above which a teacher node counts as recovered.

    Returns
    -------
    recovered : numpy.ndarray, shape (S,)
        Fraction of the teacher's nodes recovered (0 when ``dimension`` is 0;
        NaN for a student with non-finite weights).
    cosine : numpy.ndarray, shape (S,)
        Mean cosine of the matched pairs (NaN without pairs or with non-finite
        weights).

    Raises
    ------
    AnalysisInputError
        If the shapes do not agree.
    """
    w = np.asarray(w1, dtype=float)
    imp = np.asarray(importance, dtype=float)
    dim = np.asarray(dimension)
    t = np.asarray(teacher_w1, dtype=float)
    if w.ndim != 3 or imp.shape != (w.shape[0], w.shape[2]) or dim.shape != (w.shape[0],):
        raise AnalysisInputError(
            f"w1 {w.shape}, importance {imp.shape}, dimension {dim.shape}: expected "
            "(S, inputs, W), (S, W) and (S,)",
            field="w1",
            value=w.shape,
        )
    if t.ndim != 2 or t.shape[0] != w.shape[1]:
        raise AnalysisInputError(
            f"teacher_w1 has shape {t.shape}; expected ({w.shape[1]}, h_T)",
            field="teacher_w1",
            value=t.shape,
        )
    recovered = np.full(w.shape[0], np.nan)
    cosine = np.full(w.shape[0], np.nan)
    for s in range(w.shape[0]):
        if not (np.isfinite(w[s]).all() and np.isfinite(imp[s]).all() and np.isfinite(dim[s])):
            continue
        keep = int(dim[s])
        if keep <= 0:
            recovered[s] = 0.0
            continue
        top = np.argsort(-imp[s], kind="stable")[:keep]
        match = match_neurons(w[s][:, top], t, threshold=threshold)
        recovered[s] = match.n_recovered / t.shape[1]
        cosine[s] = match.mean_similarity
    return recovered, cosine

r"""Principal angles between the span of a student's strongest nodes and the teacher's span."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["principal_cosines", "span_basis"]


def span_basis(a: NDArray) -> NDArray:
    """Orthonormal basis (columns) of the span of the columns of ``a``."""
    if a.shape[1] == 0:
        return a
    u, s, _ = np.linalg.svd(a, full_matrices=False)
    tol = s.max(initial=0.0) * max(a.shape) * np.finfo(float).eps
    return u[:, s > tol]


def principal_cosines(a: NDArray, b: NDArray) -> tuple[NDArray, float]:
    r"""Cosines of the principal angles between the spans of the columns of ``a`` and ``b``.

    Parameters
    ----------
    a : numpy.ndarray, shape (N, k)
        The student's vectors (columns).
    b : numpy.ndarray, shape (N, M)
        The teacher's vectors (columns).

    Returns
    -------
    cosines : numpy.ndarray, shape (rank of b,)
        :math:`\cos\theta_k`, largest first, clipped to [0, 1]; 0 for the
        directions of ``b``'s span that ``a``'s lacks.
    overlap : float
        :math:`\frac1M\sum_k \cos^2\theta_k` with :math:`M` the rank of ``b``
        (NaN for rank 0).
    """
    us, ut = span_basis(a), span_basis(b)
    sv = np.clip(np.linalg.svd(us.T @ ut, compute_uv=False), 0.0, 1.0)
    angles = np.zeros(ut.shape[1])
    angles[: sv.size] = sv
    return angles, np.sum(sv**2) / ut.shape[1] if ut.shape[1] else np.nan

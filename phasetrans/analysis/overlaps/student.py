r"""The overlap order parameters of every student of an ensemble (numpy only).

:func:`student_overlaps` gives, per student, the variables of
:data:`~phasetrans.analysis.overlaps.schema.OVERLAP_VARIABLES`: the cosines
with the teacher's nodes, :math:`r_n` and its output-weighted :math:`r^w_n`,
:math:`r_\mathrm{sym}`, the specialisation and the principal cosines.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from phasetrans.analysis.overlaps.matrices import validated_weights
from phasetrans.analysis.overlaps.schema import OVERLAP_VARIABLES
from phasetrans.analysis.overlaps.subspace import principal_cosines
from phasetrans.analysis.overlaps.symmetric import symmetric_overlap
from phasetrans.errors import AnalysisInputError

__all__ = ["batched_overlaps", "student_overlaps"]


def _unit(a: NDArray) -> tuple[NDArray, NDArray]:
    norm = np.linalg.norm(a, axis=0)
    return a / np.where(norm > 0, norm, 1.0), norm


def _one_student(
    w: NDArray, t: NDArray, c: NDArray | None, tc: NDArray | None, top: int | None
) -> tuple[NDArray, ...]:
    """The overlap variables of one student: w (N, W), t (N, M), c (W,), tc (M,)."""
    n_nodes, m_nodes = w.shape[1], t.shape[1]
    out = (
        np.full((n_nodes, m_nodes), np.nan),
        np.full(m_nodes, np.nan),
        np.full(m_nodes, np.nan),
        np.full((), np.nan),
        np.full((), np.nan),
        np.full(m_nodes, np.nan),
        np.full((), np.nan),
    )
    rows = ~np.isnan(t).all(axis=1)  # inputs beyond a smaller input_dim are NaN
    t, w = t[rows], w[rows]
    t_nodes = ~np.isnan(t).all(axis=0) & np.any(t != 0, axis=0)
    w_nodes = ~np.isnan(w).all(axis=0)  # nodes beyond a smaller width are NaN
    tp, wp = t[:, t_nodes], w[:, w_nodes]
    if not (t_nodes.any() and w_nodes.any() and np.isfinite(tp).all() and np.isfinite(wp).all()):
        return out
    tu, _ = _unit(tp)
    wu, w_norm = _unit(wp)
    if c is None:
        contrib = w_norm
    else:
        contrib = np.abs(c[w_nodes])
        if not np.isfinite(contrib).all():
            return out
    if tc is not None and not np.isfinite(tc[t_nodes]).all():
        return out
    overlap, r_max, r_weighted, r_sym, spec, sub_cos, sub_ov = out
    cos = np.clip(wu.T @ tu, -1.0, 1.0)
    overlap[np.ix_(w_nodes, t_nodes)] = cos
    a = np.abs(cos)
    r_max[t_nodes] = a.max(axis=0)
    m = int(t_nodes.sum())
    order = np.argsort(-contrib, kind="stable")
    c_ref = contrib[order[min(m, contrib.size) - 1]]
    if c_ref > 0:
        gate = np.minimum(1.0, contrib / c_ref)
    else:
        gate = (contrib > 0).astype(float)
    r_weighted[t_nodes] = (gate[:, None] * a).max(axis=0)
    r_sym[()] = symmetric_overlap(
        tu.T @ tu, np.linalg.norm(tp, axis=0) if tc is None else tc[t_nodes]
    )
    spec[()] = r_weighted[t_nodes].mean() - r_sym
    k = min(m if top is None else top, order.size)
    angles, sub_ov[()] = principal_cosines(wp[:, order[:k]], tp)
    sub_cos[: angles.size] = angles
    return out


def batched_overlaps(
    w1: NDArray,
    teacher_w1: NDArray,
    contribution: NDArray | None,
    teacher_contribution: NDArray | None,
    top: int | None,
) -> tuple[NDArray, ...]:
    """The overlap variables over broadcast leading dims (also the kernel of ``add_overlaps``).

    Parameters
    ----------
    w1, teacher_w1, contribution, teacher_contribution, top
        As in :func:`student_overlaps`, ``w1`` and ``teacher_w1`` as float arrays.

    Returns
    -------
    tuple of numpy.ndarray
        The variables in the order of ``OVERLAP_VARIABLES``.
    """
    w, t = validated_weights(w1, teacher_w1)
    n_nodes, m_nodes = w.shape[-1], t.shape[-1]
    shapes = [w.shape[:-2], t.shape[:-2]]
    c = tc = None
    if contribution is not None:
        c = np.asarray(contribution, dtype=float)
        if c.ndim < 1 or c.shape[-1] != n_nodes:
            raise AnalysisInputError(
                f"contribution has shape {c.shape}; expected (..., {n_nodes}) like w1 {w.shape}",
                field="contribution",
                value=c.shape,
            )
        shapes.append(c.shape[:-1])
    if teacher_contribution is not None:
        tc = np.asarray(teacher_contribution, dtype=float)
        if tc.ndim < 1 or tc.shape[-1] != m_nodes:
            raise AnalysisInputError(
                f"teacher_contribution has shape {tc.shape}; expected (..., {m_nodes})",
                field="teacher_contribution",
                value=tc.shape,
            )
        shapes.append(tc.shape[:-1])
    if top is not None and (not isinstance(top, (int, np.integer)) or top < 1):
        raise AnalysisInputError(
            f"top={top!r}: expected a positive integer (student vectors in the subspace)",
            field="top",
            value=top,
        )
    try:
        lead = np.broadcast_shapes(*shapes)
    except ValueError:
        raise AnalysisInputError(
            f"leading dims {shapes} of w1, teacher_w1 and the contributions do not broadcast",
            field="contribution",
            value=shapes,
        ) from None
    wb = np.broadcast_to(w, (*lead, *w.shape[-2:]))
    tb = np.broadcast_to(t, (*lead, *t.shape[-2:]))
    cb = None if c is None else np.broadcast_to(c, (*lead, n_nodes))
    tcb = None if tc is None else np.broadcast_to(tc, (*lead, m_nodes))
    dims = [(n_nodes, m_nodes), (m_nodes,), (m_nodes,), (), (), (m_nodes,), ()]
    outs = tuple(np.full((*lead, *d), np.nan) for d in dims)
    for idx in np.ndindex(*lead):
        values = _one_student(
            wb[idx],
            tb[idx],
            None if cb is None else cb[idx],
            None if tcb is None else tcb[idx],
            top,
        )
        for o, v in zip(outs, values, strict=True):
            o[idx] = v
    return outs


def student_overlaps(
    w1: ArrayLike,
    teacher_w1: ArrayLike,
    *,
    contribution: ArrayLike | None = None,
    teacher_contribution: ArrayLike | None = None,
    top: int | None = None,
) -> dict[str, NDArray[np.float64]]:
    r"""The overlap order parameters of every student of an ensemble (numpy only).

    Parameters
    ----------
    w1 : array_like, shape (S, N, W)
        First-layer weights of ``S`` students (``N`` inputs, ``W`` nodes); more
        leading dims are allowed, they broadcast against the other arguments'.
    teacher_w1 : array_like, shape (N, M)
        The teacher's first-layer weights (or ``(S, N, M)``, one per student).
    contribution : array_like, shape (S, W), optional
        Each student node's share of the output: the node ``importance`` of the
        paper's network, :math:`|v_i|\,\|w_i\|` for a committee student with
        readout :math:`v`. Default: the norm :math:`\|w_i\|` (unit readout).
        Its sign is ignored.
    teacher_contribution : array_like, shape (M,), optional
        Weights of the teacher nodes in the symmetric direction (see
        :func:`~phasetrans.analysis.overlaps.symmetric_baseline`); default
        :math:`\|B_n\|`.
    top : int, optional
        Student vectors spanning the student's subspace; default ``M``.

    Returns
    -------
    dict of str to numpy.ndarray
        Keyed by :data:`OVERLAP_VARIABLES`: ``overlap (S, W, M)``,
        ``overlap_max (S, M)``, ``overlap_max_weighted (S, M)``,
        ``overlap_symmetric (S,)``, ``specialisation (S,)``,
        ``subspace_cosine (S, M)`` and ``subspace_overlap (S,)``.

    Raises
    ------
    AnalysisInputError
        If the shapes do not agree or ``top`` is not a positive integer.

    Notes
    -----
    Nodes (columns) and inputs (rows of the teacher) that are all NaN are
    padding and left out: their entries are NaN. A student with any other
    non-finite weight or contribution gets NaN everywhere, never an exception.
    A zero vector has cosine 0 with everything.

    - ``overlap``: :math:`\cos_{in} = w_i\cdot B_n / (\|w_i\|\|B_n\|)`, signed.
    - ``overlap_max``: :math:`r_n = \max_i |\cos_{in}|` over **all** ``W`` nodes.
    - ``overlap_max_weighted``:

      .. math:: r^w_n = \max_i\, g_i\, |\cos_{in}|, \qquad
                g_i = \min\left(1, c_i / c_{(M)}\right),

      with :math:`c_{(M)}` the ``M``-th largest contribution (``M`` present
      teacher nodes; :math:`g_i = [c_i > 0]` if it is 0). The ``M`` strongest
      nodes, which a student needs to represent ``M`` teacher nodes, count fully
      whatever the teacher's own spread of node sizes; weaker nodes count in
      proportion and switched-off nodes not at all. So a permuted, rescaled copy
      of the teacher gives :math:`r^w_n = 1`, and random switched-off nodes do
      not raise it (normalising by :math:`\max_j c_j` instead would penalise a
      student for copying a teacher node of small output).
    - ``overlap_symmetric``: :math:`r_\mathrm{sym}` of
      :func:`~phasetrans.analysis.overlaps.symmetric_baseline` from the teacher's
      ``T`` (per student, so it broadcasts like the rest).
    - ``specialisation``: :math:`s = \frac1M\sum_n r^w_n - r_\mathrm{sym}`: 0 in
      the symmetric state, :math:`1 - r_\mathrm{sym}` when specialised. It uses
      the output-weighted overlap; no random ``(W, N)`` baseline is subtracted,
      so a random student whose ``W`` nodes are all on keeps the random-vector
      value of :math:`r^w_n` (about :math:`E\max_i |\cos|` over ``W`` vectors
      in ``N`` dims) and its ``s`` is not 0.
    - ``subspace_cosine``: cosines of the principal angles (largest first)
      between the span of the student's ``top`` strongest first-layer vectors
      (by contribution) and the teacher's span; 0 for the directions the student
      lacks, NaN beyond the teacher's rank.
    - ``subspace_overlap``: :math:`\frac{1}{M}\sum_k \cos^2\theta_k
      = \|P_S P_T\|_F^2 / M`: 1 when the spans coincide, :math:`\approx M/N` for
      a random student.
    """
    outs = batched_overlaps(
        np.asarray(w1, dtype=float),
        np.asarray(teacher_w1, dtype=float),
        contribution,
        teacher_contribution,
        top,
    )
    return dict(zip(OVERLAP_VARIABLES, outs, strict=True))

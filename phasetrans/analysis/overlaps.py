r"""Threshold-free order parameters: the overlaps of student and teacher first layers.

For a student with first-layer vectors :math:`w_i` (``W`` nodes, ``N`` inputs) and
a teacher with :math:`B_n` (``M`` nodes), the overlap matrices of Saad & Solla
and Engel & Van den Broeck (ch. 12) are

.. math:: R_{in} = w_i \cdot B_n / N, \qquad Q_{ij} = w_i \cdot w_j / N,
          \qquad T_{nm} = B_n \cdot B_m / N,

and their cosines :math:`R_{in} / \sqrt{Q_{ii} T_{nn}}` etc.
(:func:`overlap_matrices`, :func:`study_overlap_matrices`; computed on
demand, never stored, since ``Q`` alone is 9 MB per student at ``W = 1500``).

Per student, :func:`student_overlaps` (numpy, for the runner) and
:func:`add_overlaps` (a study dataset) give the variables of
:data:`OVERLAP_VARIABLES`:

=========================  =====================  ========================================
variable                   per-student dims       meaning
=========================  =====================  ========================================
``overlap``                (node, teacher_node)   cosine of ``R``
``overlap_max``            (teacher_node)         :math:`r_n = \max_i |\cos_{in}|`
``overlap_max_weighted``   (teacher_node)         :math:`r^w_n`, output-weighted
``overlap_symmetric``      ()                     :math:`r_\mathrm{sym}` of the teacher
``specialisation``         ()                     :math:`s = \overline{r^w_n} - r_\mathrm{sym}`
``subspace_cosine``        (principal_angle)      cosines of the principal angles
``subspace_overlap``       ()                     mean squared principal cosine
=========================  =====================  ========================================

:func:`recovered_at` turns ``r_n`` into the fraction of teacher nodes recovered
at any cosine threshold, or a scan of thresholds.

Why weight by the output
------------------------
A cosine ignores a node's norm, so the plain :math:`r_n` over all ``W`` nodes
counts switched-off nodes: for ``W = 16`` random vectors the expected
:math:`\max_i |\cos|` is 0.62 at ``N = 10`` and 0.12 at ``N = 320``, a false size
effect. The headline :math:`s` therefore uses the **output-weighted** overlap
:math:`r^w_n` (see :func:`student_overlaps`), in which a node counts by its share
of the output; it does not subtract a random ``(W, N)`` baseline.

References
----------
D. Saad and S. A. Solla, PRL 74, 4337 (1995); A. Engel and C. Van den Broeck,
*Statistical Mechanics of Learning* (CUP 2001), ch. 12.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from phasetrans.errors import AnalysisInputError
from phasetrans.names import NODE_B, TEACHER_NODE_B
from phasetrans.names import PRINCIPAL_ANGLE as _PRINCIPAL_ANGLE

__all__ = [
    "COSINE_THRESHOLD",
    "OVERLAP",
    "OVERLAP_MAX",
    "OVERLAP_MAX_WEIGHTED",
    "OVERLAP_SCHEMA",
    "OVERLAP_SYMMETRIC",
    "OVERLAP_VARIABLES",
    "PRINCIPAL_ANGLE",
    "SPECIALISATION",
    "SUBSPACE_COSINE",
    "SUBSPACE_OVERLAP",
    "OverlapMatrices",
    "add_overlaps",
    "overlap_matrices",
    "recovered_at",
    "student_overlaps",
    "study_overlap_matrices",
    "symmetric_baseline",
]

_INPUT, _NODE, _TEACHER_NODE = "input", "node", "teacher_node"

#: Dimension of the principal angles between the student's and the teacher's spans
#: (length: the teacher-node axis; the largest cosine first).
PRINCIPAL_ANGLE = _PRINCIPAL_ANGLE
#: Dimension of a threshold scan of :func:`recovered_at`.
COSINE_THRESHOLD = "cosine_threshold"

OVERLAP = "overlap"
OVERLAP_MAX = "overlap_max"
OVERLAP_MAX_WEIGHTED = "overlap_max_weighted"
OVERLAP_SYMMETRIC = "overlap_symmetric"
SPECIALISATION = "specialisation"
SUBSPACE_COSINE = "subspace_cosine"
SUBSPACE_OVERLAP = "subspace_overlap"

#: name -> (per-student dims, long_name, units): the dims follow the student
#: dims (training, sweeps, teacher_width, width, seed) of a study.
OVERLAP_SCHEMA: Mapping[str, tuple[tuple[str, ...], str, str]] = {
    OVERLAP: (
        (_NODE, _TEACHER_NODE),
        "cosine of student node and teacher node first-layer weights",
        "1",
    ),
    OVERLAP_MAX: (
        (_TEACHER_NODE,),
        "r_n: largest |cosine| of teacher node n with any student node",
        "1",
    ),
    OVERLAP_MAX_WEIGHTED: (
        (_TEACHER_NODE,),
        "output-weighted r_n: max over student nodes of min(1, c_i/c_(M)) |cosine|",
        "1",
    ),
    OVERLAP_SYMMETRIC: ((), "r_sym: mean |cosine| of the symmetric student with the teacher", "1"),
    SPECIALISATION: ((), "specialisation: mean output-weighted r_n minus r_sym", "1"),
    SUBSPACE_COSINE: (
        (PRINCIPAL_ANGLE,),
        "cosines of the principal angles between student top-M and teacher spans",
        "1",
    ),
    SUBSPACE_OVERLAP: (
        (),
        "subspace overlap: mean squared principal cosine (1: same span)",
        "1",
    ),
}
#: The per-student overlap variables, in the order :func:`student_overlaps` returns them.
OVERLAP_VARIABLES: tuple[str, ...] = tuple(OVERLAP_SCHEMA)


# ---------------------------------------------------------------------------
# the overlap matrices


@dataclass(frozen=True)
class OverlapMatrices:
    """Overlap matrices of students and teacher (:func:`overlap_matrices`).

    Attributes
    ----------
    r, q, t : numpy.ndarray
        Raw, N-normalised overlaps ``R (..., W, M)``, ``Q (..., W, W)``,
        ``T (..., M, M)``.
    r_cosine, q_cosine, t_cosine : numpy.ndarray
        The same as cosines; a zero vector has cosine 0 with everything.
    """

    r: NDArray[np.float64]
    q: NDArray[np.float64]
    t: NDArray[np.float64]
    r_cosine: NDArray[np.float64]
    q_cosine: NDArray[np.float64]
    t_cosine: NDArray[np.float64]


def _weights(w1: ArrayLike, teacher_w1: ArrayLike) -> tuple[NDArray, NDArray]:
    w = np.asarray(w1, dtype=float)
    t = np.asarray(teacher_w1, dtype=float)
    if w.ndim < 2 or t.ndim < 2 or w.shape[-2] != t.shape[-2]:
        raise AnalysisInputError(
            f"w1 {w.shape} and teacher_w1 {t.shape}: expected (..., N, W) and (..., N, M) "
            "with the same number of inputs N",
            field="w1",
            value=w.shape,
        )
    try:
        np.broadcast_shapes(w.shape[:-2], t.shape[:-2])
    except ValueError:
        raise AnalysisInputError(
            f"w1 {w.shape} and teacher_w1 {t.shape}: leading dims do not broadcast",
            field="teacher_w1",
            value=t.shape,
        ) from None
    return w, t


def _cosine(m: NDArray, a_norm: NDArray, b_norm: NDArray) -> NDArray:
    """``m / (a_norm b_norm)`` with 0 where a norm is 0, clipped to [-1, 1]."""
    denom = a_norm[..., :, None] * b_norm[..., None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(denom > 0, m / np.where(denom > 0, denom, 1.0), 0.0)
    return np.clip(np.where(np.isnan(denom) | np.isnan(m), np.nan, out), -1.0, 1.0)


def overlap_matrices(w1: ArrayLike, teacher_w1: ArrayLike) -> OverlapMatrices:
    r"""The overlap matrices R, Q and T, raw (N-normalised) and as cosines.

    Parameters
    ----------
    w1 : array_like, shape (..., N, W)
        Student first-layer weights (``N`` inputs, ``W`` nodes).
    teacher_w1 : array_like, shape (..., N, M)
        Teacher first-layer weights; leading dims broadcast against ``w1``'s.

    Returns
    -------
    OverlapMatrices
        ``r (..., W, M)``, ``q (..., W, W)``, ``t (..., M, M)`` and their cosines.

    Raises
    ------
    AnalysisInputError
        If the arrays are not at least 2-D, differ in ``N``, or their leading
        dims do not broadcast.

    Notes
    -----
    :math:`R_{in} = w_i\cdot B_n/N`, :math:`Q_{ij} = w_i\cdot w_j/N`,
    :math:`T_{nm} = B_n\cdot B_m/N`; the cosines divide by
    :math:`\sqrt{Q_{ii}T_{nn}}`, :math:`\sqrt{Q_{ii}Q_{jj}}`,
    :math:`\sqrt{T_{nn}T_{mm}}`. NaN (padding) propagates: pass the present
    inputs and nodes, or use :func:`study_overlap_matrices` on a study.
    """
    w, t = _weights(w1, teacher_w1)
    n = w.shape[-2]
    wt = np.swapaxes(w, -1, -2)
    r = wt @ t / n
    q = wt @ w / n
    tt = np.swapaxes(t, -1, -2) @ t / n
    qn = np.sqrt(np.diagonal(q, axis1=-2, axis2=-1))
    tn = np.sqrt(np.diagonal(tt, axis1=-2, axis2=-1))
    return OverlapMatrices(
        r=r,
        q=q,
        t=tt,
        r_cosine=_cosine(r, qn, tn),
        q_cosine=_cosine(q, qn, qn),
        t_cosine=_cosine(tt, tn, tn),
    )


def study_overlap_matrices(ds: xr.Dataset) -> xr.Dataset:
    """R, Q and T of every student of a study, computed on demand (never stored).

    Parameters
    ----------
    ds : xarray.Dataset
        A merged study (:func:`phasetrans.open_study`) with ``w1(..., input, node)``
        and ``teacher_w1(..., input, teacher_node)``.

    Returns
    -------
    xarray.Dataset
        ``R``/``R_cosine`` over ``(..., node, teacher_node)``, ``Q``/``Q_cosine``
        over ``(..., node, node_b)`` and ``T``/``T_cosine`` over
        ``(..., teacher_node, teacher_node_b)``. Inputs padded with NaN (a
        smaller ``input_dim``) are left out and ``N`` is the number of present
        inputs; padded nodes are NaN.

    Raises
    ------
    AnalysisInputError
        Without ``w1`` or ``teacher_w1``.
    """
    w1, tw = _study_weights(ds)
    present = tw.notnull().any(_TEACHER_NODE)
    n = present.sum(_INPUT)
    w = w1.where(present, 0.0)
    t = tw.where(present, 0.0)
    r = xr.dot(w, t, dim=_INPUT) / n
    q = xr.dot(w, w.rename({_NODE: NODE_B}), dim=_INPUT) / n
    tt = xr.dot(t, t.rename({_TEACHER_NODE: TEACHER_NODE_B}), dim=_INPUT) / n
    qn = np.sqrt(xr.dot(w, w, dim=_INPUT) / n)
    tn = np.sqrt(xr.dot(t, t, dim=_INPUT) / n)

    def cosine(m: xr.DataArray, a: xr.DataArray, b: xr.DataArray) -> xr.DataArray:
        denom = a * b
        return (m / denom.where(denom > 0)).fillna(0.0).where(m.notnull()).clip(-1.0, 1.0)

    out = xr.Dataset(
        {
            "R": r,
            "Q": q,
            "T": tt,
            "R_cosine": cosine(r, qn, tn),
            "Q_cosine": cosine(q, qn, qn.rename({_NODE: NODE_B})),
            "T_cosine": cosine(tt, tn, tn.rename({_TEACHER_NODE: TEACHER_NODE_B})),
        }
    )
    names = {
        "R": "student-teacher overlap R = w_i.B_n/N",
        "Q": "student-student overlap Q = w_i.w_j/N",
        "T": "teacher-teacher overlap T = B_n.B_m/N",
    }
    for key, long_name in names.items():
        out[key].attrs.update(long_name=long_name, units="1")
        out[f"{key}_cosine"].attrs.update(long_name=f"cosine of {key}", units="1")
    return out


# ---------------------------------------------------------------------------
# the symmetric baseline


def _symmetric(cos: NDArray, c: NDArray) -> float:
    """r_sym from the teacher's cosine matrix (M, M) and the weights c (M,)."""
    u_dot = cos @ c  # u . B_n / |B_n|, up to a common factor
    norm2 = float(c @ cos @ c)
    if not np.isfinite(norm2) or norm2 <= 0:
        return float("nan")
    return float(np.mean(np.abs(u_dot)) / np.sqrt(norm2))


def symmetric_baseline(
    t: ArrayLike, *, contribution: ArrayLike | None = None
) -> float | NDArray[np.float64]:
    r"""r_sym: the mean |cosine| of the symmetric (unspecialised) student with the teacher.

    Parameters
    ----------
    t : array_like, shape (..., M, M)
        The teacher's overlap matrix :math:`T_{nm} = B_n \cdot B_m / N` (or its
        cosines; the scale does not matter). Nodes with a NaN or non-positive
        diagonal entry (padding) are left out.
    contribution : array_like, shape (..., M), optional
        Weights :math:`c_m` of the teacher nodes in the symmetric direction;
        default :math:`c_m = \|B_m\| \propto \sqrt{T_{mm}}`.

    Returns
    -------
    float or numpy.ndarray, shape (...)
        ``r_sym`` (NaN without present nodes).

    Notes
    -----
    In the symmetric state every student node points along the same direction
    :math:`u = \sum_m c_m \hat B_m` (:math:`\hat B_m = B_m/\|B_m\|`). With the
    default :math:`c_m = \|B_m\|`, :math:`u = \sum_m B_m`, the symmetric fixed
    point of the soft committee machine with unit readout (Saad & Solla 1995),
    and

    .. math:: r_\mathrm{sym} = \frac{1}{M}\sum_n \frac{|\sum_m T_{nm}|}
              {\sqrt{T_{nn}}\,\sqrt{\sum_{mk} T_{mk}}},

    which is :math:`1/\sqrt{M}` for :math:`T = I`. In general, with cosines
    :math:`C_{nm} = T_{nm}/\sqrt{T_{nn}T_{mm}}`,
    :math:`r_\mathrm{sym} = \frac1M \sum_n |\sum_m C_{nm} c_m| / \sqrt{c^\top C c}`.

    Teacher kinds: for the **committee** teacher with readout :math:`v_m` pass
    :math:`c_m = v_m \|B_m\|` (signed; unit readout gives the default). For the
    paper's **regression** and **classification** teachers (a random second
    hidden layer, no single readout) the same default formula is used, from the
    first-layer ``T`` alone: their output weights do not define one symmetric
    direction, and :func:`add_overlaps` uses this default for every teacher.
    """
    tm = np.asarray(t, dtype=float)
    if tm.ndim < 2 or tm.shape[-1] != tm.shape[-2]:
        raise AnalysisInputError(
            f"t has shape {tm.shape}; expected (..., M, M)", field="t", value=tm.shape
        )
    m = tm.shape[-1]
    diag = np.diagonal(tm, axis1=-2, axis2=-1)
    if contribution is None:
        with np.errstate(invalid="ignore"):
            c_all = np.sqrt(np.where(diag > 0, diag, np.nan))
    else:
        c_all = np.asarray(contribution, dtype=float)
        if c_all.shape[-1:] != (m,):
            raise AnalysisInputError(
                f"contribution has shape {c_all.shape}; expected (..., {m})",
                field="contribution",
                value=c_all.shape,
            )
    lead = np.broadcast_shapes(tm.shape[:-2], c_all.shape[:-1])
    tb = np.broadcast_to(tm, (*lead, m, m))
    cb = np.broadcast_to(c_all, (*lead, m))
    db = np.broadcast_to(diag, (*lead, m))
    out = np.full(lead, np.nan)
    for idx in np.ndindex(*lead):
        keep = np.isfinite(db[idx]) & (db[idx] > 0)
        sub = tb[idx][np.ix_(keep, keep)]
        if not keep.any() or not np.isfinite(sub).all():
            continue
        norm = np.sqrt(db[idx][keep])
        out[idx] = _symmetric(sub / np.outer(norm, norm), cb[idx][keep])
    return float(out) if out.ndim == 0 else out


# ---------------------------------------------------------------------------
# per-student overlaps


def _basis(a: NDArray) -> NDArray:
    """Orthonormal basis (columns) of the span of the columns of ``a``."""
    if a.shape[1] == 0:
        return a
    u, s, _ = np.linalg.svd(a, full_matrices=False)
    tol = s.max(initial=0.0) * max(a.shape) * np.finfo(float).eps
    return u[:, s > tol]


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
    r_sym[()] = _symmetric(tu.T @ tu, np.linalg.norm(tp, axis=0) if tc is None else tc[t_nodes])
    spec[()] = r_weighted[t_nodes].mean() - r_sym
    k = min(m if top is None else top, order.size)
    us, ut = _basis(wp[:, order[:k]]), _basis(tp)
    sv = np.clip(np.linalg.svd(us.T @ ut, compute_uv=False), 0.0, 1.0)
    angles = np.zeros(ut.shape[1])
    angles[: sv.size] = sv
    sub_cos[: angles.size] = angles
    sub_ov[()] = np.sum(sv**2) / ut.shape[1] if ut.shape[1] else np.nan
    return out


def _batched(
    w1: NDArray,
    teacher_w1: NDArray,
    contribution: NDArray | None,
    teacher_contribution: NDArray | None,
    top: int | None,
) -> tuple[NDArray, ...]:
    """:func:`_one_student` over broadcast leading dims (also the apply_ufunc kernel)."""
    w, t = _weights(w1, teacher_w1)
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
        :func:`symmetric_baseline`); default :math:`\|B_n\|`.
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
    - ``overlap_symmetric``: :math:`r_\mathrm{sym}` of :func:`symmetric_baseline`
      from the teacher's ``T`` (per student, so it broadcasts like the rest).
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
    outs = _batched(
        np.asarray(w1, dtype=float),
        np.asarray(teacher_w1, dtype=float),
        contribution,
        teacher_contribution,
        top,
    )
    return dict(zip(OVERLAP_VARIABLES, outs, strict=True))


# ---------------------------------------------------------------------------
# the study dataset


def _study_weights(ds: xr.Dataset) -> tuple[xr.DataArray, xr.DataArray]:
    for name, dims in (("w1", (_INPUT, _NODE)), ("teacher_w1", (_INPUT, _TEACHER_NODE))):
        if name not in ds.data_vars:
            raise AnalysisInputError(
                f"the dataset has no {name!r}; the overlaps need the 'weights' and 'teacher' "
                "groups (open the study with phasetrans.open_study)",
                field=name,
            )
        missing = [d for d in dims if d not in ds[name].dims]
        if missing:
            raise AnalysisInputError(
                f"{name} has dims {list(map(str, ds[name].dims))}; "
                f"expected {list(dims)} among them",
                field=name,
                value=ds[name].dims,
            )
    return ds["w1"], ds["teacher_w1"]


def _contribution(ds: xr.Dataset, w1: xr.DataArray) -> xr.DataArray:
    """Each student's node contributions: |readout|·‖w_i‖, else importance, else ‖w_i‖.

    Chosen per student: the first of the three with a finite value for that
    student, so committee and spectral students may share one dataset.
    """
    norm = np.sqrt((w1.astype(float) ** 2).sum(_INPUT, skipna=True, min_count=1))
    candidates = []
    if "readout" in ds.data_vars:
        candidates.append(abs(ds["readout"]) * norm)
    if "importance" in ds.data_vars:
        candidates.append(ds["importance"])
    out = norm
    for c in reversed(candidates):
        out = xr.where(c.notnull().any(_NODE), c, out)
    return out


def add_overlaps(ds: xr.Dataset, *, overwrite: bool = False) -> xr.Dataset:
    """Add the overlap variables of :data:`OVERLAP_VARIABLES` to a study dataset.

    Parameters
    ----------
    ds : xarray.Dataset
        A merged study (:func:`phasetrans.open_study`): ``w1(..., input, node)``
        of the students and ``teacher_w1(..., input, teacher_node)``, the
        teacher over its own sweep dims (``teacher_seed``, ``input_dim``) and
        ``teacher_width``.
    overwrite : bool
        Recompute variables already present (default: keep them).

    Returns
    -------
    xarray.Dataset
        A copy of ``ds`` with the variables over the student dims (``training``,
        sweeps, ``teacher_width``, ``width``, ``seed``) followed by their own
        dims (:data:`OVERLAP_SCHEMA`), with ``long_name`` and ``units``; the
        teacher broadcast to every student of its cell. Padded nodes, teacher
        nodes and inputs (several widths, teacher widths, input dims) are left
        out of the computation and NaN in the result.

    Raises
    ------
    AnalysisInputError
        Without ``w1`` or ``teacher_w1`` or with their dims missing.

    Notes
    -----
    The node contribution is ``|readout| · ‖w_i‖`` when the dataset has a
    ``readout(..., node)`` (committee students), else ``importance``, else the
    norm ``‖w_i‖``, chosen per student (the first with a finite value), so
    students with and without a readout may share one dataset. ``r_sym`` uses
    the teacher's first-layer ``T`` alone (:func:`symmetric_baseline`). ``Q``
    and ``T`` are not added: :func:`study_overlap_matrices` computes them on
    demand. Lazy (dask) inputs stay lazy;
    they must not be chunked along ``input``, ``node`` or ``teacher_node``.
    """
    wanted = [n for n in OVERLAP_VARIABLES if overwrite or n not in ds.data_vars]
    if not wanted:
        return ds.copy()
    w1, tw = _study_weights(ds)
    contribution = _contribution(ds, w1)

    def kernel(w: NDArray, t: NDArray, c: NDArray) -> tuple[NDArray, ...]:
        return _batched(w, t, c, None, None)

    core_out = [list(OVERLAP_SCHEMA[n][0]) for n in OVERLAP_VARIABLES]
    results = xr.apply_ufunc(
        kernel,
        w1,
        tw,
        contribution,
        input_core_dims=[[_INPUT, _NODE], [_INPUT, _TEACHER_NODE], [_NODE]],
        output_core_dims=core_out,
        dask="parallelized",
        output_dtypes=[np.float64] * len(OVERLAP_VARIABLES),
        dask_gufunc_kwargs={"output_sizes": {PRINCIPAL_ANGLE: tw.sizes[_TEACHER_NODE]}},
    )
    lead = [d for d in w1.dims if d not in (_INPUT, _NODE)]
    out = ds.copy()
    for name, da, core in zip(OVERLAP_VARIABLES, results, core_out, strict=True):
        if name not in wanted:
            continue
        da = da.transpose(*lead, ..., *core)
        if PRINCIPAL_ANGLE in da.dims:
            da = da.assign_coords({PRINCIPAL_ANGLE: np.arange(da.sizes[PRINCIPAL_ANGLE])})
        _, long_name, units = OVERLAP_SCHEMA[name]
        out[name] = da.assign_attrs(long_name=long_name, units=units)
    return out


# ---------------------------------------------------------------------------
# thresholds


@overload
def recovered_at(overlap_max: xr.DataArray, tau: Any) -> xr.DataArray: ...
@overload
def recovered_at(overlap_max: ArrayLike, tau: Any) -> NDArray[np.float64]: ...


def recovered_at(overlap_max: Any, tau: Any) -> Any:
    r"""Fraction of teacher nodes with :math:`r_n \ge \tau`: ``teacher_recovered`` at any threshold.

    Parameters
    ----------
    overlap_max : xarray.DataArray or array_like
        :math:`r_n` (``overlap_max`` or ``overlap_max_weighted``): a DataArray
        with a ``teacher_node`` dim, or an array with the teacher nodes last.
    tau : float, array_like or xarray.DataArray
        Threshold(s) in [0, 1]. A 1-D array scans thresholds: a new last axis
        (numpy) or a dim :data:`COSINE_THRESHOLD` (xarray) with ``tau`` as its
        coordinate; a DataArray broadcasts by its own dims.

    Returns
    -------
    xarray.DataArray or numpy.ndarray
        The fraction over the present (non-NaN) teacher nodes; NaN where none
        is present.

    Raises
    ------
    AnalysisInputError
        If ``tau`` is not finite, lies outside [0, 1] or has more than one dim
        (numpy), or the DataArray has no ``teacher_node`` dim.

    Notes
    -----
    Unlike the Hungarian-matched ``teacher_recovered`` of the runner (kept as it
    is), one student node may serve several teacher nodes here.
    """
    values = np.asarray(tau.values if isinstance(tau, xr.DataArray) else tau, dtype=float)
    if not np.isfinite(values).all() or (values < 0).any() or (values > 1).any():
        raise AnalysisInputError(
            f"tau={values.tolist()!r}: thresholds must be finite and in [0, 1]",
            field="tau",
            value=values.tolist(),
        )
    if isinstance(overlap_max, xr.DataArray):
        if _TEACHER_NODE not in overlap_max.dims:
            raise AnalysisInputError(
                f"overlap_max has dims {list(map(str, overlap_max.dims))}; "
                f"expected a {_TEACHER_NODE!r} dim",
                field="overlap_max",
                value=overlap_max.dims,
            )
        if isinstance(tau, xr.DataArray):
            threshold = tau
        elif values.ndim == 1:
            threshold = xr.DataArray(values, dims=[COSINE_THRESHOLD], coords=[values])
        elif values.ndim == 0:
            threshold = xr.DataArray(values)
        else:
            raise AnalysisInputError(
                f"tau has shape {values.shape}; give a number, a 1-D array or a DataArray",
                field="tau",
                value=values.shape,
            )
        present = overlap_max.notnull()
        count = present.sum(_TEACHER_NODE)
        hits = ((overlap_max >= threshold) & present).sum(_TEACHER_NODE)
        frac = hits / count.where(count > 0)
        return frac.assign_attrs(
            long_name="fraction of teacher nodes with r_n >= cosine threshold", units="1"
        )
    r = np.asarray(overlap_max, dtype=float)
    if r.ndim < 1 or values.ndim > 1:
        raise AnalysisInputError(
            f"overlap_max {r.shape} and tau {values.shape}: expected teacher nodes on the "
            "last axis and a number or a 1-D array of thresholds",
            field="tau",
            value=values.shape,
        )
    present = ~np.isnan(r)
    count = present.sum(axis=-1)
    hits = ((r[..., None] >= values.reshape(-1)) & present[..., None]).sum(axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(count[..., None] > 0, hits / count[..., None], np.nan)
    return frac[..., 0] if values.ndim == 0 else frac

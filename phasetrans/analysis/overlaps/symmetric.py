r"""The symmetric baseline :math:`r_\mathrm{sym}`: the overlap of the unspecialised student."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from phasetrans.errors import AnalysisInputError

__all__ = ["symmetric_baseline", "symmetric_overlap"]


def symmetric_overlap(cos: NDArray, c: NDArray) -> float:
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
    direction, and :func:`~phasetrans.analysis.overlaps.add_overlaps` uses this default
    for every teacher.
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
        out[idx] = symmetric_overlap(sub / np.outer(norm, norm), cb[idx][keep])
    return float(out) if out.ndim == 0 else out

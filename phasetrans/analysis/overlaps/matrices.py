r"""The overlap matrices R, Q and T of students and teacher, raw and as cosines.

.. math:: R_{in} = w_i \cdot B_n / N, \qquad Q_{ij} = w_i \cdot w_j / N,
          \qquad T_{nm} = B_n \cdot B_m / N

(:func:`overlap_matrices` on arrays, :func:`study_overlap_matrices` on a
study; computed on demand, never stored).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from phasetrans.analysis.overlaps.schema import INPUT, NODE, TEACHER_NODE
from phasetrans.errors import AnalysisInputError
from phasetrans.names import NODE_B, TEACHER_NODE_B

__all__ = [
    "OverlapMatrices",
    "overlap_matrices",
    "study_overlap_matrices",
    "study_weights",
    "validated_weights",
]


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


def validated_weights(w1: ArrayLike, teacher_w1: ArrayLike) -> tuple[NDArray, NDArray]:
    """``w1 (..., N, W)`` and ``teacher_w1 (..., N, M)`` as float arrays, checked.

    Raises
    ------
    AnalysisInputError
        If either is not at least 2-D, they differ in ``N``, or their leading
        dims do not broadcast.
    """
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
    w, t = validated_weights(w1, teacher_w1)
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
    w1, tw = study_weights(ds)
    present = tw.notnull().any(TEACHER_NODE)
    n = present.sum(INPUT)
    w = w1.where(present, 0.0)
    t = tw.where(present, 0.0)
    r = xr.dot(w, t, dim=INPUT) / n
    q = xr.dot(w, w.rename({NODE: NODE_B}), dim=INPUT) / n
    tt = xr.dot(t, t.rename({TEACHER_NODE: TEACHER_NODE_B}), dim=INPUT) / n
    qn = np.sqrt(xr.dot(w, w, dim=INPUT) / n)
    tn = np.sqrt(xr.dot(t, t, dim=INPUT) / n)

    def cosine(m: xr.DataArray, a: xr.DataArray, b: xr.DataArray) -> xr.DataArray:
        denom = a * b
        return (m / denom.where(denom > 0)).fillna(0.0).where(m.notnull()).clip(-1.0, 1.0)

    out = xr.Dataset(
        {
            "R": r,
            "Q": q,
            "T": tt,
            "R_cosine": cosine(r, qn, tn),
            "Q_cosine": cosine(q, qn, qn.rename({NODE: NODE_B})),
            "T_cosine": cosine(tt, tn, tn.rename({TEACHER_NODE: TEACHER_NODE_B})),
        }
    )
    names = {
        "R": "student-teacher overlap R = w_i.B_n/N",
        "Q": "student-student overlap Q = w_i.w_j/N",
        "T": "teacher-teacher overlap T = B_n.B_m/N",
    }
    for key, long_name in names.items():
        out[key].attrs.update(long_name=long_name)  # dimensionless: no units
        out[f"{key}_cosine"].attrs.update(long_name=f"cosine of {key}")
    return out


def study_weights(ds: xr.Dataset) -> tuple[xr.DataArray, xr.DataArray]:
    """The study's ``w1(..., input, node)`` and ``teacher_w1(..., input, teacher_node)``.

    Raises
    ------
    AnalysisInputError
        Without either variable, or without its dims.
    """
    for name, dims in (("w1", (INPUT, NODE)), ("teacher_w1", (INPUT, TEACHER_NODE))):
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

"""Input checks of the committee-machine theory: overlap matrices, learning rate, times.

Each refuses bad input with one :class:`~phasetrans.errors.AnalysisInputError`
naming the argument (``field``) and what is allowed.
"""

from __future__ import annotations

import numpy as np

from phasetrans.errors import AnalysisInputError

__all__ = [
    "SYMMETRY_RTOL",
    "as_array",
    "check_lr",
    "check_overlaps",
    "check_symmetric",
    "check_times",
]

#: Relative tolerance of the symmetry checks on Q and T.
SYMMETRY_RTOL = 1e-8


def as_array(value: object, field: str, ndim: int) -> np.ndarray:
    """``value`` as a float array copy of ``ndim`` dims, non-empty and finite."""
    try:
        array = np.array(value, dtype=float)  # a copy: results hold read-only arrays
    except (TypeError, ValueError):
        raise AnalysisInputError(
            f"{field}={value!r}; allowed: a real array", field=field, value=value
        ) from None
    if array.ndim != ndim or 0 in array.shape:
        raise AnalysisInputError(
            f"{field} has shape {array.shape}; allowed: a non-empty {ndim}-d array",
            field=field,
            value=array.shape,
        )
    if not np.all(np.isfinite(array)):
        raise AnalysisInputError(
            f"{field} has non-finite entries; allowed: finite values", field=field, value=value
        )
    return array


def check_symmetric(array: np.ndarray, field: str) -> None:
    """Refuse ``array`` unless it is square and symmetric to :data:`SYMMETRY_RTOL`."""
    if array.shape[-1] != array.shape[-2]:
        raise AnalysisInputError(
            f"{field} has shape {array.shape}; allowed: square matrices (..., n, n)",
            field=field,
            value=array.shape,
        )
    asym = np.max(np.abs(array - np.swapaxes(array, -1, -2)))
    scale = max(float(np.max(np.abs(array))), 1.0)
    if asym > SYMMETRY_RTOL * scale:
        raise AnalysisInputError(
            f"{field} is not symmetric (max |{field} - {field}.T| = {asym:.3g}); "
            "allowed: a symmetric matrix",
            field=field,
            value=asym,
        )


def check_overlaps(
    Q: object, R: object, T: object, *, batched: bool, names: tuple[str, str, str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate (Q, R, T) and return them as float arrays."""
    qn, rn, tn = names
    T = as_array(T, tn, 2)
    check_symmetric(T, tn)
    if batched:
        Q = np.asarray(Q, dtype=float)
        R = np.asarray(R, dtype=float)
        if Q.ndim < 2 or Q.ndim != R.ndim:
            raise AnalysisInputError(
                f"{qn} has shape {Q.shape} and {rn} has shape {R.shape}; "
                "allowed: (..., K, K) and (..., K, M) with the same leading axes",
                field=qn,
                value=Q.shape,
            )
        Q = as_array(Q, qn, Q.ndim)
        R = as_array(R, rn, R.ndim)
    else:
        Q = as_array(Q, qn, 2)
        R = as_array(R, rn, 2)
    check_symmetric(Q, qn)
    K, M = Q.shape[-1], T.shape[-1]
    if R.shape[-2:] != (K, M) or R.shape[:-2] != Q.shape[:-2]:
        raise AnalysisInputError(
            f"{rn} has shape {R.shape}; allowed: {(*Q.shape[:-2], K, M)} "
            f"for {qn} of shape {Q.shape} and {tn} of shape {T.shape}",
            field=rn,
            value=R.shape,
        )
    return Q, R, T


def check_lr(lr: object) -> float:
    """``lr`` as a float, refused unless a finite number > 0 (not a bool)."""
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.integer, np.floating)):
        raise AnalysisInputError(f"lr={lr!r}; allowed: a real number > 0", field="lr", value=lr)
    if not (np.isfinite(lr) and lr > 0):
        raise AnalysisInputError(f"lr={lr!r}; allowed: a finite number > 0", field="lr", value=lr)
    return float(lr)


def check_times(times: object) -> np.ndarray:
    """``times`` as a float array, refused unless at least 2 strictly increasing values."""
    t = as_array(times, "times", 1)
    if t.size < 2 or np.any(np.diff(t) <= 0):
        raise AnalysisInputError(
            f"times={np.array2string(t, threshold=6)}; "
            "allowed: at least 2 strictly increasing values",
            field="times",
            value=times,
        )
    return t

"""Which slice of a study an analysis takes when the caller does not say: defined once.

The command line (``phasetrans collapse``, ``phasetrans fit``), the ``ds.pt``
accessor and ``phasetrans report`` all take their defaults from here, so the
same file gives the same numbers everywhere:

- training: ``spectral`` if the study has it, else its first training;
- student width (when it is not the size): the widest;
- every other dimension that is neither the size, the control nor a sample
  (``teacher_width``, ``input_dim``, ``alpha``, ``n_train``,
  ``l2_eigenvalues``): its first value;
- the disorder (``teacher_seed``, ``seed``) stays: the samples of the
  (two-level) bootstrap;
- the control window: :math:`[-h_T, h_T]` for :math:`n - h_T` and
  :math:`[-1, 1]` for :math:`n/h_T - 1` (the smallest :math:`h_T` when
  :math:`h_T` is the size), every value for a coordinate control;
- a single curve (a fit): the largest size;
- :data:`BOOTSTRAP` resamples with seed :data:`SEED`.

The thresholds of the report's verdicts (:data:`DIMENSION_TOLERANCE`,
:data:`MSE_AT_HT_MAX`, :data:`MSE_JUMP_MIN`, :data:`DIRECT_LOSS_MIN`,
:data:`RECOVERED_MIN`, :data:`COLLAPSE_S_MAX`, :data:`FIT_P_MIN`) and of the parameter
tables (:data:`STRONG_CORRELATION`, :data:`INTERVAL_EDGE`) are named settings here too,
so a verdict and the footnote that states its rule read the same number.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from phasetrans.analysis.collapse_input import collapse_array, dims_to_fix
from phasetrans.analysis.observables import CONTROLS
from phasetrans.analysis.selection import accepts_selection
from phasetrans.errors import AnalysisInputError

__all__ = [
    "BOOTSTRAP",
    "COLLAPSE_S_MAX",
    "DIMENSION_TOLERANCE",
    "DIRECT_LOSS_MIN",
    "FIT_P_MIN",
    "INTERVAL_EDGE",
    "MIN_BOOTSTRAP",
    "MSE_AT_HT_MAX",
    "MSE_JUMP_MIN",
    "RECOVERED_MIN",
    "SEED",
    "STRONG_CORRELATION",
    "SYSTEMATICS_BOOTSTRAP",
    "TRAINING",
    "TRANSITION_BOOTSTRAP",
    "curve_value",
    "default_slice",
    "default_value",
    "default_window",
    "slice_defaults",
]

#: The training preferred when the study has several.
TRAINING = "spectral"
#: Bootstrap resamples of a collapse or a fit.
BOOTSTRAP = 100
#: Seed of the bootstrap generator.
SEED = 0

#: Verdict "effective dimension ≈ h_T": largest |dimension / h_T - 1|.
DIMENSION_TOLERANCE = 0.25
#: Verdict "no loss down to h_T": largest MSE(h_T) / MSE(all nodes kept).
MSE_AT_HT_MAX = 1.5
#: Verdict "a jump below h_T": smallest MSE(h_T / 2) / MSE(all nodes kept).
MSE_JUMP_MIN = 10.0
#: Verdict "direct training degrades before h_T": smallest direct MSE(h_T) / MSE(all).
DIRECT_LOSS_MIN = 2.0
#: Verdict "the teacher's nodes are recovered": smallest mean recovered fraction.
RECOVERED_MIN = 0.9
#: Verdict "the curves collapse": the collapse is adequate when its Houdayer-Hartmann
#: quality S is at most this (S ~ 1: the curves agree within their error bars).
COLLAPSE_S_MAX = 3.0


def default_value(ds: xr.Dataset, dim: str) -> object:
    """The default value of one dimension to fix (see the module docstring)."""
    values = ds[dim].values.tolist()
    if dim == "training":
        return TRAINING if TRAINING in values else values[0]
    if dim == "width":
        return max(values)
    return values[0]


@accepts_selection
def slice_defaults(
    ds: xr.Dataset,
    observable: str = "delta_mse",
    *,
    size: str = "width",
    control: str = "shift",
    given: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """Values of every dimension a slice fixes: those ``given``, the defaults for the rest.

    Parameters
    ----------
    ds : xarray.Dataset
        A study.
    observable, size, control : str
        As for :func:`phasetrans.analysis.collapse_input.collapse_array`.
    given : mapping, optional
        Values chosen by the caller (they win; checked by ``collapse_array``).

    Returns
    -------
    dict
        Pass it as ``collapse_array(ds, observable, size=size,
        control=control, at=...)``.

    Raises
    ------
    AnalysisInputError
        For an unknown observable, size or control.
    """
    chosen = dict(given or {})
    for dim in dims_to_fix(ds, observable, size=size, control=control, fixed=chosen):
        if chosen.get(dim) is None:
            chosen[dim] = default_value(ds, dim)
    return chosen


@accepts_selection(keep_size=True)
def default_slice(
    ds: xr.Dataset,
    observable: str = "delta_mse",
    *,
    size: str = "width",
    control: str = "shift",
    given: Mapping[str, object] | None = None,
) -> xr.DataArray:
    """The collapse input of the default slice: :func:`slice_defaults`, then ``collapse_array``.

    ``given`` values that are None count as not given.  This is the one path
    from a study to a collapse or fit input that the command line, the
    accessor and the report share.
    """
    given = {k: v for k, v in (given or {}).items() if v is not None}
    at = slice_defaults(ds, observable, size=size, control=control, given=given)
    return collapse_array(ds, observable, size=size, control=control, at=at)


def default_window(da: xr.DataArray) -> tuple[float, float] | None:
    """The control window of a ``collapse_array`` output, or None for every value.

    :math:`[-h_T, h_T]` for the shift :math:`n - h_T`, :math:`[-1, 1]` for the
    ratio :math:`n/h_T - 1` (the ±h_T window around the transition), with the
    fixed :math:`h_T`, or the smallest one when :math:`h_T` is the size.
    """
    control = da.attrs.get("control")
    if control not in CONTROLS:
        return None
    if control == "ratio":
        return (-1.0, 1.0)
    if "teacher_width" in da.coords:  # the size, or a scalar left by a selection
        h_t = float(np.min(da["teacher_width"].values))
    elif "teacher_width" in da.attrs:
        h_t = float(da.attrs["teacher_width"])
    else:
        raise AnalysisInputError(
            f"da: a {control} control needs h_T, as a teacher_width coordinate or attribute; "
            "allowed: an output of collapse_array",
            field="da",
            value=control,
        )
    return (-h_t, h_t)


def curve_value(da: xr.DataArray, size: str) -> object:
    """The size value whose curve a single fit takes by default: the largest."""
    return max(da[size].values.tolist())


#: Two-level resamples of the curve statistics of a transition analysis
#: (``phasetrans transition``, ``ds.pt.transition``); its collapse takes at most
#: :data:`BOOTSTRAP` of them, as a collapse on its own does.
TRANSITION_BOOTSTRAP = 200
#: Most resamples of each row of a transition's systematic-error table (each row is a
#: whole collapse).
SYSTEMATICS_BOOTSTRAP = 40

#: Verdict "the model fits": a fit is adequate when the p-value of its chi-square, given
#: its degrees of freedom, is at least this (inadequate: p < FIT_P_MIN).
FIT_P_MIN = 0.01
#: Fewest bootstrap resamples whose percentile intervals are shown without a warning
#: (Efron and Tibshirani: 50 to 200 resamples for a standard error; fewer leave the
#: 2.5 and 97.5 % percentiles to one or two replicates).
MIN_BOOTSTRAP = 50
#: A parameter table shows the correlations of two parameters with |C| above this.
STRONG_CORRELATION = 0.95
#: A parameter table flags an estimate within this share of its 68 % bootstrap
#: interval's width from either end (or outside it): "at the edge of its interval".
INTERVAL_EDGE = 0.2

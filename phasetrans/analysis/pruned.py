"""A study's students pruned to their top nodes: which networks, which teacher, which nodes.

The topology comparison (:mod:`phasetrans.analysis.topology`) and its figures
prune every student to its top nodes by ``importance``.  This module says who
the students are (:func:`student_dims`: every dimension of ``importance`` but
``node``, so any sweep is carried through), who their teacher is
(:func:`teacher_dims`), and which nodes each keeps (:func:`retained_count`,
:func:`retained_mask`).  Diverged students keep no node: they are read through
:func:`phasetrans.analysis.observables.student_variable`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from phasetrans.analysis.observables import diverged, student_variable
from phasetrans.analysis.selection import REQUIRED_DIMS, accepts_selection
from phasetrans.errors import AnalysisInputError

__all__ = [
    "RETAINED_CHOICES",
    "WEIGHT_DIMS",
    "Retained",
    "check_study",
    "retained_count",
    "retained_mask",
    "select_trainings",
    "student_dims",
    "teacher_dims",
]

#: Named choices of ``retained``: each student's own effective dimension, or the
#: spectral student's (same cell and seed) for every method.
RETAINED_CHOICES: tuple[str, ...] = ("dimension", "spectral_dimension")
#: Dimensions inside one network's weights (not indexing a student or a teacher).
WEIGHT_DIMS: tuple[str, ...] = ("node", "input", "hidden2", "teacher_node")
#: What ``retained`` may be: a name of :data:`RETAINED_CHOICES`, a count, or counts.
Retained = str | int | xr.DataArray


def student_dims(ds: xr.Dataset) -> tuple[str, ...]:
    """The dimensions that index one student: those of ``importance`` but ``node``."""
    return tuple(str(d) for d in ds["importance"].dims if d not in WEIGHT_DIMS)


def teacher_dims(ds: xr.Dataset) -> tuple[str, ...]:
    """The dimensions that index one teacher (``teacher_width`` and any teacher sweep).

    In the order of :func:`student_dims`; the union over ``teacher_w1`` and ``teacher_w2``.
    """
    own = {str(d) for name in ("teacher_w1", "teacher_w2") for d in ds[name].dims}
    return tuple(d for d in student_dims(ds) if d in own)


def check_study(ds: xr.Dataset, needed: Sequence[str]) -> None:
    """Check that ``ds`` is a study with the variables ``needed`` and the student dimensions.

    Raises
    ------
    AnalysisInputError
        (field ``ds`` or ``teacher_kind``) for a committee study, a missing
        variable or dimension, or teacher weights over a dimension no student has.
    """
    if not isinstance(ds, xr.Dataset):
        raise AnalysisInputError(
            f"ds is a {type(ds).__name__}; allowed: xarray.Dataset (a study)",
            field="ds",
            value=type(ds).__name__,
        )
    if "readout" in ds.variables or ds.attrs.get("teacher_kind") == "committee":
        raise AnalysisInputError(
            "dataset: a committee study (teacher.kind = 'committee') has no second hidden "
            "layer, so it has no paths or node strengths to compare; its students and "
            "teacher compare by their overlaps (phasetrans overlaps, ds['overlap_max'])",
            field="teacher_kind",
            value="committee",
        )
    missing = [name for name in needed if name not in ds.variables]
    if missing:
        raise AnalysisInputError(
            f"dataset: lacks variable(s) {', '.join(missing)}; compare_topology needs "
            f"{', '.join(needed)} (open the study with phasetrans.open_study to merge "
            "the 'weights' and 'teacher' groups)",
            field="ds",
            value=missing,
        )
    missing = [dim for dim in REQUIRED_DIMS if dim not in ds.dims]
    if missing:
        raise AnalysisInputError(
            f"dataset: lacks dimension(s) {', '.join(missing)}", field="ds", value=missing
        )
    if "teacher_w1" in needed:
        extra = {
            str(d)
            for name in ("teacher_w1", "teacher_w2")
            for d in ds[name].dims
            if d not in WEIGHT_DIMS and d not in student_dims(ds)
        }
        if extra:
            raise AnalysisInputError(
                f"dataset: the teacher's weights vary over {sorted(extra)}, which no student "
                "does; a teacher must be indexed by dimensions of the students",
                field="ds",
                value=sorted(extra),
            )


def select_trainings(ds: xr.Dataset, training: str | Sequence[str] | None) -> xr.Dataset:
    """``ds`` at the trainings named (all for None); an unknown one is an error (``training``)."""
    if training is None:
        return ds
    wanted = [training] if isinstance(training, str) else list(training)
    available = [str(m) for m in ds["training"].values]
    unknown = [m for m in wanted if m not in available]
    if unknown or not wanted:
        raise AnalysisInputError(
            f"training: {unknown or wanted!r} is not allowed; "
            f"the dataset holds {', '.join(available)}",
            field="training",
            value=unknown or wanted,
        )
    return ds.sel({"training": wanted})


def _named_count(ds: xr.Dataset, retained: str) -> xr.DataArray:
    allowed = "use dimension, spectral_dimension or a positive integer (or a DataArray)"
    if retained not in RETAINED_CHOICES:
        raise AnalysisInputError(
            f"retained: {retained!r} is not allowed; {allowed}", field="retained", value=retained
        )
    check_study(ds, ["dimension"])
    dimension = student_variable(ds, "dimension", warn=False)
    if retained == "dimension":
        return dimension.astype(float)
    trainings = [str(m) for m in ds["training"].values]
    if "spectral" not in trainings:
        raise AnalysisInputError(
            "retained: 'spectral_dimension' is not allowed for this dataset; it holds "
            f"no 'spectral' training (available: {', '.join(trainings)})",
            field="retained",
            value=retained,
        )
    return dimension.sel({"training": "spectral"}, drop=True).astype(float)


@accepts_selection
def retained_count(ds: xr.Dataset, retained: Retained = "dimension") -> xr.DataArray:
    """Resolve ``retained`` into a node count per student.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset (needs ``dimension`` for the named choices).
    retained : {"dimension", "spectral_dimension"} or int or xarray.DataArray
        ``"dimension"``: each student's own effective dimension.
        ``"spectral_dimension"``: the effective dimension of the spectral student
        of the same cell and seed, for every method — so direct students are
        pruned to the spectral students' dimension.  An int: that many nodes
        for every student.  A DataArray over any subset of
        :func:`student_dims`: broadcast to every student.

    Returns
    -------
    xarray.DataArray
        Float counts over :func:`student_dims`, rounded to integers; NaN where
        a count is unknown or the student diverged (that student is not
        measured).

    Raises
    ------
    AnalysisInputError
        (field ``retained``) for an unknown name, a count below 1, a negative
        DataArray value, a DataArray over other dimensions, or
        "spectral_dimension" without a spectral method.
    """
    check_study(ds, ["importance"])
    dims = student_dims(ds)
    allowed = "use dimension, spectral_dimension or a positive integer (or a DataArray)"
    if isinstance(retained, xr.DataArray):
        if any(d not in dims for d in retained.dims):
            raise AnalysisInputError(
                f"retained: a DataArray over {retained.dims} is not allowed; its dims must be "
                f"among {', '.join(dims)}",
                field="retained",
                value=tuple(map(str, retained.dims)),
            )
        count = retained.astype(float)
    elif isinstance(retained, str):
        count = _named_count(ds, retained)
    elif isinstance(retained, int | np.integer) and not isinstance(retained, bool) and retained > 0:
        count = xr.DataArray(float(retained))
    else:
        raise AnalysisInputError(
            f"retained: {retained!r} is not allowed; {allowed}", field="retained", value=retained
        )
    if bool((count < 0).any()):
        raise AnalysisInputError(
            f"retained: negative counts are not allowed (min {float(count.min())})",
            field="retained",
            value=float(count.min()),
        )
    template = xr.zeros_like(ds["importance"].isel(node=0, drop=True), dtype=float)
    count, _ = xr.align(count, template, join="right")
    count = (np.floor(count + 0.5) + template).where(~diverged(ds)).transpose(*dims)
    count.name = "retained"
    return count


@accepts_selection
def retained_mask(
    ds: xr.Dataset, *, retained: Retained = "dimension", training: str | Sequence[str] | None = None
) -> xr.DataArray:
    """Mark the top-``retained`` nodes of every student by importance.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset with ``importance`` over :func:`student_dims` and ``node``.
    retained : {"dimension", "spectral_dimension"} or int or xarray.DataArray
        How many nodes each student keeps, see :func:`retained_count`.
    training : str or sequence of str, optional
        Methods to keep; ``None`` keeps all.

    Returns
    -------
    xarray.DataArray of bool
        Over :func:`student_dims` and ``node``: True for the kept nodes.

    Notes
    -----
    Nodes are ranked by descending ``importance`` (ties broken by node index);
    NaN importance (padding, a diverged student) is never kept, so a count
    above the width keeps every node and a student with an unknown count
    keeps none.
    """
    count = retained_count(ds, retained)
    ds = select_trainings(ds, training)
    count = count.sel({"training": ds["training"].values})
    importance = student_variable(ds, "importance").transpose(*student_dims(ds), "node")
    values = importance.values
    order = np.argsort(np.where(np.isnan(values), np.inf, -values), axis=-1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(values.shape[-1]), axis=-1)
    kept = (rank < count.values[..., None]) & np.isfinite(values)
    return xr.DataArray(kept, coords=importance.coords, dims=importance.dims, name="kept")

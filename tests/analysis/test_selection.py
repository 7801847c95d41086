"""Every analysis entry point accepts a study with a dimension selected away (a scalar coordinate).

``f(ds.sel(dim=v))`` must give the numbers of ``f(ds)`` selected at ``v``
(``phasetrans.analysis.selection``): the selection is put back as a length-1
dimension, the analysis runs, and the result drops it again.
"""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pytest
import xarray as xr

import phasetrans
from phasetrans.analysis import observables
from phasetrans.analysis.collapse_input import collapse_array
from phasetrans.analysis.defaults import default_slice, default_window, slice_defaults
from phasetrans.analysis.pruned import retained_count, retained_mask
from phasetrans.analysis.selection import restore_dims
from phasetrans.analysis.stationarity import stationarity
from phasetrans.analysis.topology import compare_topology, match_student
from phasetrans.analysis.transition import transition
from phasetrans.plots import pruning
from phasetrans.plots.order import plot_order_parameters
from phasetrans.plots.topology import plot_path_curves, plot_strength_histograms
from phasetrans.testing import swept_study, transition_study

matplotlib.use("Agg")

#: Each selection of the sample study, as (dimension, value).
SELECTIONS = [("teacher_width", 8), ("training", "spectral"), ("training", "direct"), ("width", 64)]


@pytest.fixture(scope="module")
def sample() -> xr.Dataset:
    return phasetrans.open_sample().load()


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.mark.parametrize("dim, value", SELECTIONS)
def test_restore_dims_gives_back_the_study_selected_with_a_list(sample, dim, value):
    restored, names = restore_dims(sample.sel({dim: value}))
    assert names == (dim,)
    xr.testing.assert_identical(restored, sample.sel({dim: [value]}))


@pytest.mark.parametrize("dim, value", SELECTIONS)
@pytest.mark.parametrize(
    "name",
    [
        "delta_mse",
        "normalized_delta_mse",
        "teacher_recovered",
        "teacher_cosine",
        "dimension_ratio",
        "generalisation_error",
    ],
)
def test_observables_of_a_selection(sample, name, dim, value):
    fn = observables.OBSERVABLES[name]
    xr.testing.assert_identical(fn(sample.sel({dim: value})), fn(sample).sel({dim: value}))


@pytest.mark.parametrize("dim, value", SELECTIONS)
def test_variables_control_and_retained_of_a_selection(sample, dim, value):
    part = sample.sel({dim: value})
    for fn in (
        lambda d: observables.student_variable(d, "dimension"),
        lambda d: observables.control(d, "shift"),
        retained_count,
        retained_mask,
    ):
        full = fn(sample)
        expected = full.sel({dim: value}) if dim in full.dims else full
        xr.testing.assert_identical(fn(part), expected)


@pytest.mark.parametrize("dim, value", [("teacher_width", 8), ("training", "spectral")])
def test_collapse_input_and_window_of_a_selection(sample, dim, value):
    part = sample.sel({dim: value})
    given = {"training": "spectral"}
    expected = collapse_array(sample, training="spectral", width=None)
    assert slice_defaults(part) == slice_defaults(sample)
    xr.testing.assert_identical(default_slice(part), default_slice(sample, given=given))
    xr.testing.assert_identical(collapse_array(part, **given), expected)
    assert default_window(default_slice(part)) == default_window(expected) == (-8.0, 8.0)


def test_default_window_reads_a_scalar_teacher_width():
    da = xr.DataArray(np.zeros((2, 3)), dims=("width", "control"), coords={"teacher_width": 6})
    da.attrs["control"] = "shift"
    assert default_window(da) == (-6.0, 6.0)


def test_a_single_width_selected_away_is_still_a_curve(sample):
    part = default_slice(sample.sel(width=64), given={"training": "direct"})
    full = default_slice(sample, given={"training": "direct", "width": None}).sel(width=[64])
    xr.testing.assert_identical(part, full)


@pytest.mark.parametrize("dim, value", [("teacher_width", 8), ("training", "direct")])
def test_compare_topology_and_match_of_a_selection(sample, dim, value):
    full = _quiet(compare_topology, sample)
    part = _quiet(compare_topology, sample.sel({dim: value}))
    xr.testing.assert_identical(part, full.sel({dim: value}))
    at = {"training": "direct", "teacher_width": 8, "width": 32, "seed": 1}
    at.pop(dim)
    a = match_student(sample.sel({dim: value}), **at)
    b = match_student(sample, **{**at, dim: value})
    np.testing.assert_array_equal(a.matrix, b.matrix)


def _lines(fig) -> list[np.ndarray]:
    """Every line's points and every patch's (bar's, filled step's) vertices."""
    lines = [np.asarray(line.get_xydata(), dtype=float) for ax in fig.axes for line in ax.lines]
    patches = [p.get_path().vertices for ax in fig.axes for p in ax.patches]
    return lines + patches


def _same_lines(a, b) -> None:
    a, b = _lines(a), _lines(b)
    assert len(a) == len(b) > 0
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize(
    "plot", ["plot_pruning_curves", "plot_pruning_by_width", "plot_dimension", "plot_training_loss"]
)
def test_pruning_figures_of_a_selection(sample, plot):
    fn = getattr(pruning, plot)
    _same_lines(fn(sample.sel(training="direct")), fn(sample, training="direct"))
    _same_lines(fn(sample.sel(teacher_width=8)), fn(sample))


def test_topology_figures_of_a_selection(sample):
    result = _quiet(compare_topology, sample)
    spectral = plot_path_curves(result, training="spectral")
    _same_lines(plot_path_curves(result.sel(training="spectral")), spectral)
    _same_lines(
        _quiet(plot_strength_histograms, sample.sel(teacher_width=8), width=64),
        _quiet(plot_strength_histograms, sample, width=64),
    )


@pytest.fixture(scope="module")
def swept() -> xr.Dataset:
    return swept_study(teacher_seeds=3, n_seeds=3)


def test_a_swept_study_with_a_sweep_and_a_teacher_width_selected_away(swept):
    part = swept.sel(teacher_width=4, alpha=swept["alpha"].values[3])
    full = observables.teacher_recovered(swept).sel(teacher_width=4, alpha=part["alpha"])
    xr.testing.assert_identical(observables.teacher_recovered(part), full)
    _same_lines(
        plot_order_parameters(swept.sel(teacher_width=4), "alpha", training="spectral"),
        plot_order_parameters(swept.sel(teacher_width=[4]), "alpha", training="spectral"),
    )


@pytest.fixture(scope="module")
def specialisation() -> xr.Dataset:
    return transition_study(checkpoints=True)


@pytest.mark.parametrize("dim, value", [("training", "direct"), ("teacher_width", None)])
def test_transition_of_a_selection(specialisation, dim, value):
    value = specialisation[dim].values[0] if value is None else value
    kwargs = {"bootstrap": 4, "systematics": False, "training": "direct"}
    a = _quiet(transition, specialisation.sel({dim: value}), **kwargs)
    b = _quiet(transition, specialisation, **kwargs)
    assert a.collapse.quality == b.collapse.quality
    assert a.params.keys() == b.params.keys()
    for name in a.params:
        np.testing.assert_equal(a.params[name].value, b.params[name].value)


@pytest.mark.parametrize("dim", ["training", "width"])
def test_stationarity_of_a_selection(specialisation, dim):
    value = specialisation[dim].values[0]
    full = _quiet(stationarity, specialisation).sel({dim: value})
    part = _quiet(stationarity, specialisation.sel({dim: value}))
    # the synthetic study lists teacher_width first, not in the store's order
    assert set(part.data_vars) == set(full.data_vars)
    for name, var in part.data_vars.items():
        xr.testing.assert_identical(var, full[name].transpose(*var.dims))


@pytest.mark.parametrize("dim, value", [("teacher_width", 8), ("training", "spectral")])
def test_accessor_of_a_selection(sample, dim, value):
    part = sample.sel({dim: value})
    a = part.pt.collapse(bootstrap=3, progress=False)
    b = sample.pt.collapse(bootstrap=3, progress=False)
    assert a.quality == b.quality
    assert a.params["inv_nu"].value == b.params["inv_nu"].value
    fit_a = part.pt.fit(bootstrap=3)
    fit_b = sample.pt.fit(bootstrap=3)
    assert fit_a.params["beta"].value == fit_b.params["beta"].value
    full = sample.pt.describe("dimension")
    expected = full.sel({dim: value})
    xr.testing.assert_identical(part.pt.describe("dimension"), expected)
    xr.testing.assert_identical(part.pt.summary(), sample.pt.summary().sel({dim: value}))

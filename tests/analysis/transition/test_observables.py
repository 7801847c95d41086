"""Susceptibility parts, peaks, slopes, crossings, per-teacher points and histograms."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans import susceptibility
from phasetrans.analysis.transition import (
    overlap_histogram,
    pseudocritical_points,
    spread_exponent,
    susceptibility_parts,
)
from phasetrans.analysis.transition.curves import (
    level_crossing,
    parabolic_peak,
    sign_changes,
    steepest,
)
from phasetrans.errors import AnalysisInputError
from phasetrans.testing.transition import (
    critical_ensemble,
    threshold_artefact_ensemble,
)


@pytest.fixture(scope="module")
def critical():
    return critical_ensemble(n_teachers=24, seed=0)


def test_parts_add_up_to_the_package_susceptibility(critical):
    da = critical["teacher_recovered"]
    parts = susceptibility_parts(da, "input_dim", bootstrap=20, seed=1)
    total = susceptibility(da, "input_dim", bootstrap=0)["susceptibility"]
    chi = parts["susceptibility"]
    np.testing.assert_allclose(chi.sel(part="total"), total, rtol=1e-12)
    np.testing.assert_allclose(
        chi.sel(part="connected") + chi.sel(part="disconnected"), total, rtol=1e-9
    )
    # the teachers' disorder dominates near alpha_c: the disconnected part is larger there
    near = chi.sel(alpha=1.0, method="nearest")
    assert (near.sel(part="disconnected") > near.sel(part="connected")).all()


def test_curve_numerics():
    x = np.linspace(0.0, 1.0, 11)
    assert level_crossing(x, x, 0.55) == pytest.approx(0.55)
    assert np.isnan(level_crossing(x, x + 1, 0.5))
    first, count = sign_changes(x, x - 0.35)
    assert first == pytest.approx(0.35) and count == 1
    pos, top, inside = parabolic_peak(x, 2 - (x - 0.33) ** 2)
    assert pos == pytest.approx(0.33) and top == pytest.approx(2.0) and inside
    assert not parabolic_peak(x, x)[2]
    at, slope = steepest(x, x**2)
    assert at == pytest.approx(0.95) and slope == pytest.approx(1.9)


def test_per_teacher_points_recover_the_set_disorder(critical):
    # alpha_c(t) = 1 + 0.3 N^(-1/2) xi_t: the spread shrinks as N^(-1/2)
    points = pseudocritical_points(critical["teacher_recovered"], "alpha", bootstrap=200, seed=1)
    true = critical["alpha_c_teacher"].std("teacher_seed", ddof=1)
    np.testing.assert_allclose(points["spread"], true, rtol=0.1)
    a = spread_exponent(points, "input_dim")
    lo, hi = a.intervals[0.95]
    assert lo <= 0.5 <= hi
    assert (points["n_crossed"] == 24).all()


def test_per_teacher_points_need_teachers(critical):
    with pytest.raises(AnalysisInputError) as info:
        pseudocritical_points(critical["teacher_recovered"].isel(teacher_seed=[0]), "alpha")
    assert info.value.field == "teacher_dim"


def test_histogram_counts_every_node():
    ds = threshold_artefact_ensemble(sizes=(16,), n_teachers=4, n_students=2)
    h = overlap_histogram(ds["overlap_max"], 10, value_range=(0.0, 2.0))
    assert h.dims == ("input_dim", "alpha", "bin")
    assert (h.sum("bin") == 4 * 2 * 4).all()
    with pytest.raises(AnalysisInputError):
        overlap_histogram(xr.DataArray([0.5], dims="x"))

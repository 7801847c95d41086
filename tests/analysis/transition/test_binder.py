"""U_n and the centred cumulant on ensembles with known answers."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.transition import binder_ratio, centred_cumulant, symmetry_breaking_order
from phasetrans.errors import AnalysisInputError
from phasetrans.testing.transition import overlap_ensemble


def test_symmetric_ensemble_has_u_n_near_zero():
    # r_n = 0.5 + 0.05 eps: M is a centred Gaussian vector of n = 4 components -> U_n = 0
    r = overlap_ensemble("symmetric", n_teachers=32, n_students=16, seed=3)
    u = binder_ratio(symmetry_breaking_order(r, 0.5), bootstrap=200, seed=1)
    assert u.attrs["n_components"] == 4
    assert abs(float(u["binder_ratio"])) < 0.15
    lo, hi = u["interval"].sel(level=0.95).values
    assert lo <= 0.0 <= hi


def test_ordered_ensemble_has_u_n_near_one():
    r = overlap_ensemble("ordered", seed=3)
    u = binder_ratio(symmetry_breaking_order(r, 0.5), bootstrap=100, seed=1)
    assert float(u["binder_ratio"]) == pytest.approx(1.0, abs=1e-3)


def test_one_component_is_three_halves_of_the_binder_cumulant():
    from phasetrans import binder_cumulant

    rng = np.random.default_rng(0)
    m = xr.DataArray(rng.standard_normal((8, 6)) + 0.3, dims=("teacher_seed", "seed"))
    u1 = float(binder_ratio(m, None, bootstrap=0)["binder_ratio"])
    u = float(binder_cumulant(m, bootstrap=0)["cumulant"])
    assert u1 == pytest.approx(1.5 * u)


def test_centred_cumulant_gaussian_zero_and_two_peaks_two_thirds():
    rng = np.random.default_rng(1)
    gauss = xr.DataArray(rng.standard_normal((64, 32)), dims=("teacher_seed", "seed"))
    peaks = xr.DataArray((rng.random((64, 32)) < 0.5).astype(float), dims=gauss.dims)
    assert float(centred_cumulant(gauss, bootstrap=0)["centred_cumulant"]) == pytest.approx(
        0.0, abs=0.1
    )
    assert float(centred_cumulant(peaks, bootstrap=0)["centred_cumulant"]) == pytest.approx(
        2 / 3, abs=0.02
    )


def test_bad_inputs_name_the_field():
    r = overlap_ensemble("symmetric")
    with pytest.raises(AnalysisInputError) as info:
        symmetry_breaking_order(r, 1.0)
    assert info.value.field == "r_sym"
    with pytest.raises(AnalysisInputError) as info:
        binder_ratio(r, "node")
    assert info.value.field == "component_dim"
    with pytest.raises(AnalysisInputError) as info:
        binder_ratio(r, bootstrap=-1)
    assert info.value.field == "bootstrap"

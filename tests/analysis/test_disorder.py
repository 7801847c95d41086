"""Known-answer tests of the disorder averages, susceptibility and Binder cumulant."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.disorder import binder_cumulant, disorder_average, susceptibility
from phasetrans.errors import AnalysisInputError


def order_parameter(values: np.ndarray, **extra) -> xr.DataArray:
    """``values`` over (..., teacher_seed, seed), leading dims named in ``extra``."""
    dims = [*extra, "teacher_seed", "seed"]
    coords = {**extra, "teacher_seed": np.arange(values.shape[-2])}
    coords["seed"] = np.arange(values.shape[-1])
    return xr.DataArray(values, dims=dims, coords=coords, name="teacher_recovered")


def test_disorder_average_mean_and_two_level_error():
    rng = np.random.default_rng(0)
    n_teachers, n_students = 16, 8
    # two controls, teacher spread 0.1 and 0.2 (student spread 0.1 each)
    b = np.array([0.1, 0.2])[:, None, None] * rng.standard_normal((2, n_teachers, 1))
    values = 0.5 + b + 0.1 * rng.standard_normal((2, n_teachers, n_students))
    da = order_parameter(values, alpha=[1.0, 2.0])
    out = disorder_average(da, bootstrap=2000, seed=3)
    assert out["mean"].dims == ("alpha",)
    np.testing.assert_allclose(out["mean"].values, values.mean(axis=(1, 2)))
    analytic = values.mean(axis=2).std(axis=1, ddof=1) / np.sqrt(n_teachers)
    np.testing.assert_allclose(out["error"].values, analytic, rtol=0.1)
    assert out["interval"].dims == ("alpha", "level", "bound")
    lo, hi = out["interval"].sel(level=0.95, bound=["lower", "upper"]).values.T
    assert ((lo < out["mean"].values) & (out["mean"].values < hi)).all()
    np.testing.assert_allclose((hi - lo) / 2, 1.96 * analytic, rtol=0.15)
    assert out.attrs["n_teachers"] == 16 and out.attrs["n_students"] == 8
    assert out.attrs["sample_dims"] == ["teacher_seed", "seed"]
    again = disorder_average(da, bootstrap=2000, seed=3)
    xr.testing.assert_identical(again, out)


def test_teachers_are_weighted_equally_and_nan_students_are_skipped():
    values = np.array([[1.0, 1.0, np.nan, np.nan], [3.0, 5.0, 3.0, 5.0]])
    out = disorder_average(order_parameter(values), bootstrap=0)
    assert out["mean"].item() == pytest.approx((1.0 + 4.0) / 2)  # not (2 + 16) / 6
    assert "error" not in out


@pytest.mark.parametrize("form", ["absent", "scalar", "length one"])
def test_without_several_teachers_the_bootstrap_has_one_level(form):
    rng = np.random.default_rng(1)
    values = rng.standard_normal((1, 400))
    da = order_parameter(values)
    if form == "absent":
        da = da.squeeze("teacher_seed", drop=True)
    elif form == "scalar":
        da = da.squeeze("teacher_seed")
    out = disorder_average(da, bootstrap=1000, seed=0)
    assert out.attrs["sample_dims"] == ["seed"] and out.attrs["n_teachers"] == 1
    assert out["error"].item() == pytest.approx(values.std(ddof=1) / 20, rel=0.1)


def test_susceptibility_is_size_times_the_disorder_variance():
    rng = np.random.default_rng(2)
    sigma = np.array([0.5, 0.25])  # the spread shrinks with the size
    values = sigma[:, None, None] * rng.standard_normal((2, 20, 20))
    da = order_parameter(values, input_dim=[10, 40])
    out = susceptibility(da, "input_dim", bootstrap=500, seed=1)
    np.testing.assert_allclose(
        out["susceptibility"].values, [10, 40] * values.reshape(2, -1).var(axis=1)
    )
    truth = np.array([10, 40]) * sigma**2  # 2.5 each
    assert (np.abs(out["susceptibility"].values - truth) < 3 * out["error"].values).all()
    # Var of a Gaussian sample variance is 2 sigma^4 / n: the one-level bootstrap finds it;
    # with no teacher spread at all the two-level one is up to sqrt(2) larger (documented)
    flat = susceptibility(da.stack(s=("teacher_seed", "seed")), "input_dim", None, "s",
                          bootstrap=500, seed=1)  # fmt: skip
    np.testing.assert_allclose(flat["error"].values, truth * np.sqrt(2 / 400), rtol=0.2)
    ratio = out["error"].values / flat["error"].values
    assert ((ratio > 1.0) & (ratio < 1.6)).all()
    # a size given as a non-index coordinate works the same way
    n_coord = da.rename(input_dim="cell").assign_coords(input_dim=("cell", [10, 40]))
    other = susceptibility(n_coord, "input_dim", bootstrap=0)
    np.testing.assert_allclose(other["susceptibility"].values, out["susceptibility"].values)


def test_binder_cumulant_known_answers():
    rng = np.random.default_rng(3)
    gaussian = order_parameter(rng.standard_normal((30, 30)))
    u = binder_cumulant(gaussian, bootstrap=400, seed=0)
    assert abs(u["cumulant"].item()) < 0.1
    assert abs(u["cumulant"].item()) < 3 * u["error"].item()
    signs = rng.choice([-0.7, 0.7], size=(8, 10))
    fixed = binder_cumulant(order_parameter(signs), bootstrap=50, seed=0)
    assert fixed["cumulant"].item() == pytest.approx(2 / 3, rel=1e-12)
    assert fixed["error"].item() == pytest.approx(0.0, abs=1e-12)


def test_bad_inputs_name_the_argument():
    da = order_parameter(np.ones((3, 4)))
    with pytest.raises(AnalysisInputError, match=r"student_dim='student' is not a dimension"):
        disorder_average(da, student_dim="student")
    with pytest.raises(AnalysisInputError, match=r"bootstrap=-2"):
        binder_cumulant(da, bootstrap=-2)
    with pytest.raises(AnalysisInputError, match=r"size='input_dim' is not a coordinate"):
        susceptibility(da, "input_dim")
    by_seed = da.assign_coords(n=("seed", np.arange(4)))
    with pytest.raises(AnalysisInputError, match=r"size='n' depends on the sample dimensions"):
        susceptibility(by_seed, "n")
    with pytest.raises(AnalysisInputError, match="no finite value"):
        disorder_average(da * np.nan)

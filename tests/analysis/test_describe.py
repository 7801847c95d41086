"""describe(): mean ± error over the disorder, checked against numbers computed by hand."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.bootstrap import draw
from phasetrans.analysis.describe import describe, footnote, format_pm, mean_text
from phasetrans.errors import AnalysisInputError

#: Two teachers of three students; teacher 1's third student diverged (NaN).
TWO_LEVEL = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, np.nan]])


def two_level() -> xr.DataArray:
    return xr.DataArray(
        TWO_LEVEL,
        dims=("teacher_seed", "seed"),
        coords={"teacher_seed": [0, 1], "seed": [0, 1, 2]},
        name="dimension",
    )


def test_se_is_the_standard_error_of_the_teacher_means():
    d = describe(two_level())
    # teacher means 2 and 4.5; their s.d. (ddof 1) is 2.5/sqrt(2); over sqrt(2) teachers: 1.25
    assert float(d["mean"]) == pytest.approx(3.25)
    assert float(d["spread"]) == pytest.approx(1.25)
    assert int(d["n"]) == 5
    assert d.attrs["spread"] == "standard error of the teacher means (ddof 1)"
    assert d.attrs["sample_dims"] == ["teacher_seed", "seed"] and d.attrs["n_teachers"] == 2
    assert footnote(d) == "± : standard error of the teacher means (ddof 1)"
    assert mean_text(d) == "mean of the 2 teacher means"


def test_one_teacher_gives_the_standard_error_of_the_student_mean():
    values = [1.0, 2.0, 4.0]
    d = describe(xr.DataArray(values, dims="seed"))
    assert float(d["mean"]) == pytest.approx(7 / 3)
    assert float(d["spread"]) == pytest.approx(np.std(values, ddof=1) / np.sqrt(3))
    assert d.attrs["spread"] == "standard error of the student mean (ddof 1)"
    assert mean_text(d) == "mean over seeds"
    # a teacher dimension of length 1 is one level too
    one = describe(xr.DataArray([values], dims=("teacher_seed", "seed")))
    assert float(one["spread"]) == pytest.approx(float(d["spread"]))
    assert one.attrs["sample_dims"] == ["seed"] and one.attrs["n_teachers"] == 1


def test_sd_pools_the_students_with_ddof_1():
    d = describe(two_level(), "sd")
    assert float(d["spread"]) == pytest.approx(np.std([1.0, 2.0, 3.0, 4.0, 5.0], ddof=1))
    assert float(d["mean"]) == pytest.approx(3.25)  # the mean does not depend on the spread
    assert d.attrs["spread"] == "s.d. of the students, pooled over teachers (ddof 1)"


def test_other_dimensions_stay_with_their_coordinates():
    x = xr.DataArray([0.5, 1.0, 2.0], dims="alpha", coords={"alpha": [0.5, 1.0, 2.0]})
    da = (two_level() * x).assign_coords(n_train=("alpha", [10, 20, 40]))
    d = describe(da)
    assert d["mean"].dims == ("alpha",)
    assert d["n_train"].values.tolist() == [10, 20, 40]
    np.testing.assert_allclose(d["mean"], 3.25 * x.values)
    np.testing.assert_allclose(d["spread"], 1.25 * x.values)


def test_bootstrap_is_reproducible_and_is_the_two_level_resample_of_the_mean():
    da = two_level()
    first = describe(da, "bootstrap", n_resamples=200, seed=7)
    again = describe(da, "bootstrap", n_resamples=200, seed=7)
    other = describe(da, "bootstrap", n_resamples=200, seed=8)
    assert float(first["spread"]) == float(again["spread"])
    assert float(first["spread"]) != float(other["spread"])
    # by hand: teachers drawn, then the students of each drawn teacher, NaN skipped
    draws = draw(np.random.default_rng(7), (2, 3), 200)
    means = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a teacher drawn with its NaN only
        for b in range(200):
            sample = draws.take(TWO_LEVEL, b)
            means.append(np.nanmean(np.nanmean(sample, axis=1)))
    assert float(first["spread"]) == pytest.approx(np.std(means, ddof=1), rel=1e-12)
    assert float(first["mean"]) == pytest.approx(3.25)
    assert first.attrs["n_resamples"] == 200 and first.attrs["seed"] == 7
    assert footnote(first) == (
        "± : bootstrap s.d. of the mean (ddof 1), two-level (teachers, then students) "
        "(200 resamples, seed 7)"
    )


def test_replicates_use_the_same_resample_at_every_control_value():
    x = xr.DataArray([1.0, 2.0, 3.0, 4.0], dims="alpha", coords={"alpha": [1, 2, 3, 4]})
    d = describe(two_level() * x, keep_replicates=True, n_resamples=50, seed=1)
    assert d["replicates"].dims == ("alpha", "replicate")
    assert d["replicates"].shape == (4, 50)
    assert d.attrs["spread_kind"] == "se" and d.attrs["n_resamples"] == 50
    # the observable is x times one number per sample: the same draw scales with x
    np.testing.assert_allclose(d["replicates"].sel(alpha=3), 3 * d["replicates"].sel(alpha=1))
    single = describe(two_level(), "bootstrap", keep_replicates=True, n_resamples=50, seed=1)
    np.testing.assert_allclose(d["replicates"].sel(alpha=1), single["replicates"])


def test_one_run_has_no_error():
    d = describe(xr.DataArray([1.0, 2.0], dims="width"))
    np.testing.assert_array_equal(d["mean"], [1.0, 2.0])
    assert np.isnan(d["spread"]).all() and d["n"].values.tolist() == [1, 1]


def test_too_few_teachers_with_data_gives_nan_not_zero():
    values = np.array([[1.0, 2.0], [np.nan, np.nan]])
    d = describe(xr.DataArray(values, dims=("teacher_seed", "seed")))
    assert float(d["mean"]) == 1.5 and np.isnan(float(d["spread"]))
    assert format_pm(d["mean"], d["spread"]) == "1.5"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"spread": "var"}, "spread"),
        ({"over": ("teacher_seed", "replica")}, "over"),
        ({"spread": "bootstrap", "n_resamples": 0}, "n_resamples"),
        ({"keep_replicates": True, "n_resamples": 2.5}, "n_resamples"),
    ],
)
def test_bad_arguments_name_their_field(kwargs, field):
    with pytest.raises(AnalysisInputError) as info:
        describe(two_level(), **kwargs)
    assert info.value.field == field


def test_teachers_without_students_are_an_error():
    with pytest.raises(AnalysisInputError, match="no sample dimension 'seed'") as info:
        describe(xr.DataArray([1.0, 2.0], dims="teacher_seed"))
    assert info.value.field == "over" and info.value.value == "seed"
    with pytest.raises(AnalysisInputError, match=r"xarray\.DataArray"):
        describe(TWO_LEVEL)


def test_format_pm():
    assert format_pm(8.024, 0.0312, ".2f") == "8.02 ± 0.03"
    assert format_pm(8.024, 0.0312, ".3g", ".2g") == "8.02 ± 0.031"
    assert format_pm(8.0, np.nan, ".1f") == "8.0"

"""The bootstrap of a collapse: intervals, reproducibility, workers, two levels."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.scaling import collapse
from phasetrans.testing.collapse import known_collapse as synthetic


def test_bootstrap_intervals_cover_the_truth_and_are_reproducible():
    da = synthetic(0.5, 1.3, 0.4, seed=11)
    result = collapse(da, "L", "x", sample_dim="seed", bootstrap=40, seed=3)
    assert result.stderr_method == "bootstrap"
    assert result.n_bootstrap == 40 and result.n_bootstrap_failed == 0
    assert result.bootstrap_samples["nu"].shape == (40,)
    for name, true in (("x_c", 0.5), ("nu", 1.3), ("zeta", 0.4)):
        lo95, hi95 = result.interval(name, 0.95)
        lo68, hi68 = result.interval(name, 0.68)
        assert lo95 <= lo68 <= result.params[name] <= hi68 <= hi95
        assert lo95 <= true <= hi95, name
    # bootstrap errors are statistical ones, far below the conservative curvature rule
    assert result.nu_err < result.curvature_stderr["nu"]
    again = collapse(da, "L", "x", sample_dim="seed", bootstrap=40, seed=3)
    np.testing.assert_array_equal(again.bootstrap_samples["nu"], result.bootstrap_samples["nu"])
    other = collapse(da, "L", "x", sample_dim="seed", bootstrap=40, seed=4)
    assert not np.array_equal(other.bootstrap_samples["nu"], result.bootstrap_samples["nu"])
    text = result.report()
    assert "95% interval" in text and "40 resamples of 'seed'" in text


def test_bootstrap_does_not_depend_on_the_number_of_workers():
    da = synthetic(0.5, 1.3, 0.4, seed=12, n_x=31)
    one = collapse(da, "L", "x", sample_dim="seed", bootstrap=6, seed=1)
    two = collapse(da, "L", "x", sample_dim="seed", bootstrap=6, seed=1, workers=2)
    np.testing.assert_allclose(two.bootstrap_samples["nu"], one.bootstrap_samples["nu"])


def test_two_level_bootstrap_over_teachers_and_students():
    """Each teacher shifts the whole curve: the error is the teachers' spread, not the seeds'."""
    rng = np.random.default_rng(21)
    base = synthetic(0.5, 1.3, 0.4, seed=13, n_x=31, n_seeds=6, noise=0.01, ragged=False)
    teacher = 1 + 0.05 * rng.standard_normal((1, 1, 8, 1))
    values = base.values[:, :, None, :] * teacher
    da = xr.DataArray(
        values, dims=("L", "x", "teacher_seed", "seed"), coords={"L": base.L, "x": base.x}
    )
    two = collapse(da, "L", "x", sample_dim=("teacher_seed", "seed"), bootstrap=20, seed=2)
    assert two.sample_dim == ("teacher_seed", "seed")
    assert two.error_model.startswith("two-level standard error")
    assert "8 teachers x 6 students" in two.error_model
    assert "20 two-level resamples (teachers, then students)" in two.report()
    expected = np.nanmean(values, axis=3).std(axis=2, ddof=1) / np.sqrt(8)
    np.testing.assert_allclose(two.scaled["error"].values, expected, rtol=1e-9)
    assert two.nu == pytest.approx(1.3, rel=0.01)
    lo, hi = two.interval("nu")
    assert lo <= two.nu <= hi
    # pooling the 48 runs as if independent hides the teachers' spread
    pooled = collapse(da.stack(run=("teacher_seed", "seed")), "L", "x", sample_dim="run")
    ratio = two.scaled["error"] / pooled.scaled["error"]
    assert float(ratio.median()) > 2
    # the same data with one teacher: the teacher dimension drops, one level remains
    one = collapse(da.isel(teacher_seed=[0]), "L", "x", sample_dim=("teacher_seed", "seed"))
    assert one.sample_dim == "seed" and "over 'seed' (6 samples)" in one.error_model

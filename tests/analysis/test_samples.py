import numpy as np
import pytest

from phasetrans.analysis.samples import fill_zero_errors, mean_and_error, typical_error


def test_mean_and_error_match_numpy_and_skip_nan():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(3, 4, 7))
    values[0, 0, :3] = np.nan
    mean, se = mean_and_error(values)
    for i, j in [(0, 0), (1, 2), (2, 3)]:
        v = values[i, j][np.isfinite(values[i, j])]
        assert mean[i, j] == pytest.approx(v.mean())
        assert se[i, j] == pytest.approx(v.std(ddof=1) / np.sqrt(v.size))


def test_identical_samples_have_zero_error_and_single_samples_nan():
    values = np.array([[1.0, 1.0 + 1e-16, 1.0], [2.0, np.nan, np.nan], [0.0, 0.0, 0.0]])
    mean, se = mean_and_error(values)
    assert se[0] == 0.0 and se[2] == 0.0
    assert np.isnan(se[1]) and mean[1] == 2.0


def test_zero_errors_get_the_median_not_the_minimum():
    se = np.array([0.0, 1e-12, 0.1, 0.2, 0.3, np.nan])
    typical = typical_error(se)
    assert typical == pytest.approx(0.15)  # median of the positive ones
    filled = fill_zero_errors(se, typical)
    assert filled[0] == pytest.approx(0.15)
    assert filled[1] == 1e-12  # a real (small) error is kept
    assert np.isnan(filled[-1])
    assert typical_error(np.array([0.0, np.nan])) == 0.0

"""Input checks and the error model of a collapse (one named argument per error)."""

from __future__ import annotations

import numpy as np
import pytest

from phasetrans.analysis.scaling import collapse
from phasetrans.analysis.validation import AnalysisInputError
from phasetrans.testing.collapse import known_collapse as synthetic


@pytest.fixture
def small():
    return synthetic(0.5, 1.3, 0.4, n_x=21, n_seeds=4)


def test_missing_dimension_is_named(small):
    with pytest.raises(AnalysisInputError, match=r"size_dim='width' is not a dimension"):
        collapse(small, "width", "x", sample_dim="seed")
    with pytest.raises(AnalysisInputError, match=r"sample_dim='seeds'"):
        collapse(small, "L", "x", sample_dim="seeds")


def test_extra_dimension_is_refused(small):
    with pytest.raises(AnalysisInputError, match=r"besides size_dim"):
        collapse(small, "L", "x")


def test_size_dimension_of_length_one(small):
    with pytest.raises(AnalysisInputError, match=r"size_dim='L' has length 1"):
        collapse(small.isel(L=[0]), "L", "x", sample_dim="seed")


def test_all_nan_data(small):
    with pytest.raises(AnalysisInputError, match="no finite value"):
        collapse(small * np.nan, "L", "x", sample_dim="seed")


@pytest.mark.parametrize("bad", [0.0, -8.0])
def test_non_positive_sizes(small, bad):
    sizes = small["L"].values.copy()
    sizes[0] = bad
    with pytest.raises(AnalysisInputError, match=r"finite positive numbers"):
        collapse(small.assign_coords(L=sizes), "L", "x", sample_dim="seed")


def test_fix_with_an_unknown_parameter(small):
    with pytest.raises(AnalysisInputError, match=r"fix names unknown parameter 'beta'"):
        collapse(small, "L", "x", sample_dim="seed", fix={"beta": 1.0})
    with pytest.raises(AnalysisInputError, match=r"corrections=True"):
        collapse(small, "L", "x", sample_dim="seed", fix={"omega": 1.0})
    assert issubclass(AnalysisInputError, ValueError)


def test_other_bad_arguments(small):
    with pytest.raises(AnalysisInputError, match="needs sample_dim"):
        collapse(small.isel(seed=0), "L", "x", bootstrap=10)
    with pytest.raises(AnalysisInputError, match=r"x_window=\(1, 0\) is empty"):
        collapse(small, "L", "x", sample_dim="seed", x_window=(1, 0))
    with pytest.raises(AnalysisInputError, match="leaves no finite data"):
        collapse(small, "L", "x", sample_dim="seed", x_window=(50, 60))
    with pytest.raises(AnalysisInputError, match="bootstrap=-1"):
        collapse(small, "L", "x", sample_dim="seed", bootstrap=-1)
    with pytest.raises(AnalysisInputError, match=r"fix\['nu'\]=0.0"):
        collapse(small, "L", "x", sample_dim="seed", fix={"nu": 0})


def test_given_error_takes_precedence_and_is_reported():
    da = synthetic(0.5, 1.3, 0.4, seed=5)
    mean = da.mean("seed")
    err = da.std("seed") / np.sqrt(da.sizes["seed"])
    with_samples = collapse(da, "L", "x", sample_dim="seed")
    given = collapse(mean, "L", "x", error=err)
    assert given.error_model == "given"
    # the same means and the same standard errors (ddof=0 vs 1 aside): same estimate
    assert given.nu == pytest.approx(with_samples.nu, rel=0.01)
    scalar = collapse(mean, "L", "x", error=0.01)
    assert scalar.error_model == "given"


def test_cells_where_all_samples_agree_get_a_typical_error_bar():
    """A column with identical samples (e.g. a curve normalised by its own maximum).

    Its standard error is 0 up to rounding. It gets the median of the other
    errors: the smallest one (tiny where the curve is near 0 in every sample)
    gave such points ~1e10 weight on the pruning data.
    """
    da = synthetic(0.5, 1.3, 0.4, seed=7)
    exact = da.copy()
    first = [int(np.flatnonzero(np.isfinite(row[:, 0]))[0]) for row in exact.values]
    for i, j in enumerate(first):
        exact.values[i, j, :] = 1.0 + 1e-15 * np.arange(exact.sizes["seed"])
    # one cell with a tiny (but real) spread, as where ΔMSE nearly vanishes
    cell = exact.values[0, first[0] + 5, :]
    exact.values[0, first[0] + 5, :] = cell.mean() * (1 + 1e-6 * np.arange(cell.size))
    result = collapse(exact, "L", "x", sample_dim="seed")
    error = result.scaled["error"].values
    others = np.delete(error[np.isfinite(error)], 0)
    for i, j in enumerate(first):
        assert error[i, j] == pytest.approx(np.nanmedian(error[error > 1e-6]), rel=0.2)
    assert np.nanmin(others) < 1e-5  # the tiny one is there, and not used as the floor
    assert result.x_c == pytest.approx(0.5, rel=0.02)
    assert result.nu == pytest.approx(1.3, rel=0.1)

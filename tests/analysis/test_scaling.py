"""Known-answer tests of the finite-size-scaling collapse and its quality measure."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.quality import master_curve, quality
from phasetrans.analysis.scaling import collapse
from phasetrans.analysis.validation import AnalysisInputError

SIZES = (8.0, 16.0, 32.0, 64.0)


def master(s: np.ndarray) -> np.ndarray:
    """A smooth, asymmetric master curve."""
    return 1 / (1 + np.exp(-s)) + 0.3 * np.tanh(s / 3) + 0.2


def synthetic(
    x_c: float = 0.5,
    nu: float = 1.3,
    zeta: float = 0.4,
    *,
    noise: float = 0.03,
    n_seeds: int = 20,
    n_x: int = 61,
    seed: int = 0,
    ragged: bool = True,
    sizes: tuple[float, ...] = SIZES,
) -> xr.DataArray:
    """(L, x, seed) data from O = L^zeta F((x - x_c) L^(1/nu)) with noise per seed.

    The control window is centred on x_c and scaled so the largest size spans
    |s| <= 6; with ``ragged`` each size sees its own sub-window and one cell
    is missing.
    """
    rng = np.random.default_rng(seed)
    sizes = np.asarray(sizes)
    x = x_c + np.linspace(-1.0, 1.0, n_x) * 6.0 / sizes.max() ** (1 / nu)
    clean = sizes[:, None] ** zeta * master((x[None, :] - x_c) * sizes[:, None] ** (1 / nu))
    values = clean[:, :, None] * (1 + noise * rng.standard_normal((*clean.shape, n_seeds)))
    if ragged:
        for i in range(sizes.size):
            values[i, : 3 * i] = np.nan
            values[i, n_x - 2 * (sizes.size - 1 - i) :] = np.nan
        values[1, n_x // 3] = np.nan
    return xr.DataArray(
        values,
        dims=("L", "x", "seed"),
        coords={"L": sizes, "x": x, "seed": np.arange(n_seeds)},
        name="O",
    )


def naive_quality(x, y, dy):
    """Houdayer–Hartmann S by the definition: one weighted line fit per point."""
    terms = []
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            if not np.isfinite(y[i, j]):
                continue
            chosen = []
            for k in range(x.shape[0]):
                ok = np.isfinite(y[k])
                if k == i:
                    continue
                order = np.argsort(x[k][ok])
                xs, ys, ds = x[k][ok][order], y[k][ok][order], dy[k][ok][order]
                t = np.searchsorted(xs, x[i, j], side="right") - 1
                if 0 <= t < xs.size - 1:
                    chosen += [(xs[t], ys[t], ds[t]), (xs[t + 1], ys[t + 1], ds[t + 1])]
            if not chosen:
                continue
            a = np.array(chosen)
            w = a[:, 2] ** -2
            design = np.column_stack([np.ones(len(a)), a[:, 0]])
            cov = np.linalg.inv(design.T @ (w[:, None] * design))
            beta = cov @ design.T @ (w * a[:, 1])
            v = np.array([1.0, x[i, j]])
            terms.append((y[i, j] - v @ beta) ** 2 / (dy[i, j] ** 2 + v @ cov @ v))
    return float(np.mean(terms))


# ---------------------------------------------------------------------------
# the quality measure


def test_quality_matches_the_definition_on_ragged_unsorted_data():
    rng = np.random.default_rng(1)
    x = np.sort(rng.uniform(-1, 1, (4, 30)), axis=1) * np.array([1, 2, 3, 4])[:, None]
    y = np.tanh(x) + 0.05 * rng.standard_normal(x.shape)
    dy = 0.05 + 0.02 * rng.random(x.shape)
    y[1, :5] = np.nan
    y[2, -7:] = np.nan
    expected = naive_quality(x, y, dy)
    assert quality(x, y, dy) == pytest.approx(expected, rel=1e-10)
    shuffle = rng.permutation(30)
    assert quality(x[:, shuffle], y[:, shuffle], dy[:, shuffle]) == pytest.approx(
        expected, rel=1e-10
    )


def test_master_curve_of_a_straight_line_is_exact():
    x = np.array([[0.0, 1.0, 2.0, 3.0], [0.5, 1.5, 2.5, 3.5]])
    y = 2.0 * x + 1.0
    m, err = master_curve(x, y, np.full_like(x, 0.1))
    # size 0's first point and size 1's last point are not bracketed by the other size
    assert np.isnan(m[0, 0]) and np.isnan(m[1, 3])
    inside = np.isfinite(m)
    assert inside.sum() == 6
    np.testing.assert_allclose(m[inside], y[inside], rtol=1e-12)
    # half-way between two points of error 0.1 the line's error is 0.1 / sqrt(2)
    assert err[1, 0] == pytest.approx(0.1 / np.sqrt(2))


def test_quality_rejects_bad_shapes():
    with pytest.raises(ValueError, match="2"):
        quality(np.zeros(3), np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="shapes"):
        quality(np.zeros((2, 3)), np.zeros((2, 4)), np.ones((2, 3)))


# ---------------------------------------------------------------------------
# known answers


@pytest.mark.parametrize(
    ("x_c", "nu", "zeta"),
    [(0.5, 1.3, 0.4), (-1.0, 0.7, -0.5), (2.0, 2.5, 1.0)],
)
def test_collapse_recovers_generated_exponents_on_a_ragged_grid(x_c, nu, zeta):
    da = synthetic(x_c, nu, zeta, seed=7)
    assert np.isnan(da.values).any()  # the grid really is ragged
    result = collapse(da, "L", "x", sample_dim="seed")
    assert result.x_c == pytest.approx(x_c, rel=0.01)
    assert result.nu == pytest.approx(nu, rel=0.05)
    assert result.zeta == pytest.approx(zeta, abs=0.05)
    # noise consistent with the error bars: S of order one
    assert 0.5 < result.quality < 3.0
    assert result.error_model.startswith("standard error over 'seed'")
    assert result.stderr_method == "curvature"
    assert 0 < result.nu_err < 0.2 * nu
    # the true values lie within three (conservative) curvature errors
    assert abs(result.nu - nu) < 3 * result.nu_err
    assert abs(result.x_c - x_c) < 3 * result.x_c_err


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


def test_noise_free_collapse_has_quality_near_zero():
    da = synthetic(0.5, 1.3, 0.4, noise=0.0, n_x=121, n_seeds=1, ragged=False).isel(seed=0)
    result = collapse(da, "L", "x")
    assert result.error_model.startswith("unweighted")
    assert result.quality < 1e-4
    assert result.x_c == pytest.approx(0.5, rel=1e-3)
    assert result.nu == pytest.approx(1.3, rel=5e-3)
    assert result.zeta == pytest.approx(0.4, abs=5e-3)
    # off the minimum the same data collapse badly
    off = collapse(da, "L", "x", fix={"nu": 1.0, "x_c": 0.5, "zeta": 0.4})
    assert off.quality > 100 * result.quality


def test_starting_values_far_off_still_find_the_minimum():
    da = synthetic(0.5, 1.3, 0.4, seed=3)
    near = collapse(da, "L", "x", sample_dim="seed")
    far = collapse(da, "L", "x", sample_dim="seed", x_c=0.9, nu=4.0, zeta=-1.0)
    assert far.nu == pytest.approx(near.nu, rel=1e-3)
    assert far.quality == pytest.approx(near.quality, rel=1e-3)


def test_fix_pins_parameters():
    da = synthetic(0.5, 1.3, 0.4, seed=2)
    result = collapse(da, "L", "x", sample_dim="seed", fix={"zeta": 0.4})
    assert result.zeta == 0.4
    assert result.zeta_err == 0.0
    assert result.fixed == {"zeta": 0.4}
    assert result.nu == pytest.approx(1.3, rel=0.05)
    assert "fixed" in result.report()
    # a wrong pinned value makes the collapse worse than the free fit
    wrong = collapse(da, "L", "x", sample_dim="seed", fix={"zeta": 0.0})
    assert wrong.quality > 10 * result.quality


def test_size_independent_curves_give_inverse_nu_zero():
    rng = np.random.default_rng(4)
    x = np.linspace(-3, 3, 41)
    values = master(x)[None, :, None] * (1 + 0.02 * rng.standard_normal((3, 41, 16)))
    da = xr.DataArray(values, dims=("W", "n", "seed"), coords={"W": [20, 100, 500], "n": x})
    result = collapse(da, "W", "n", sample_dim="seed", fix={"zeta": 0, "x_c": 0})
    assert abs(result.params["inv_nu"]) < 0.02
    pinned = collapse(da, "W", "n", sample_dim="seed", fix={"zeta": 0, "nu": np.inf})
    assert pinned.nu == np.inf
    assert pinned.params["inv_nu"] == 0.0


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


def test_dimension_order_and_size_order_do_not_matter():
    da = synthetic(0.5, 1.3, 0.4, seed=6)
    a = collapse(da, "L", "x", sample_dim="seed")
    b = collapse(da.transpose("seed", "x", "L").isel(L=[2, 0, 3, 1]), "L", "x", sample_dim="seed")
    assert b.nu == pytest.approx(a.nu, rel=1e-6)
    assert b.x_c == pytest.approx(a.x_c, rel=1e-6)


def test_scaled_data_follow_the_sign_convention():
    da = synthetic(0.5, 1.3, 0.4, seed=8)
    result = collapse(da, "L", "x", sample_dim="seed")
    sc = result.scaled
    assert set(sc.dims) == {"L", "x"}
    cell = sc.sel(L=32.0).isel(x=30)
    expected = (cell["x"].item() - result.x_c) * 32.0 ** (1 / result.nu)
    assert cell["scaled_x"].item() == pytest.approx(expected, rel=1e-9)
    assert cell["scaled_y"].item() == pytest.approx(
        cell["observable"].item() * 32.0 ** (-result.zeta), rel=1e-9
    )
    # x < x_c maps to s < 0 for every size
    below = sc["scaled_x"].where(sc["x"] < result.x_c)
    assert (below.fillna(-1) < 0).all()
    assert int(np.isfinite(sc["master"]).sum()) == result.n_points
    assert np.nanmean(sc["residual"].values ** 2) == pytest.approx(result.quality, rel=0.2)


# ---------------------------------------------------------------------------
# bootstrap and corrections


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


def test_corrections_to_scaling_recover_the_shift_of_the_critical_point():
    rng = np.random.default_rng(0)
    sizes = np.array([8.0, 16.0, 32.0, 64.0, 128.0])
    x = np.linspace(0.2, 0.9, 141)
    x_c_of_l = 0.5 + 4.0 * sizes**-2.0  # b = 4, omega = 2
    clean = 1 / (1 + np.exp(-(x[None] - x_c_of_l[:, None]) * sizes[:, None])) + 0.1
    values = clean[:, :, None] * (1 + 0.02 * rng.standard_normal((*clean.shape, 20)))
    da = xr.DataArray(values, dims=("L", "x", "seed"), coords={"L": sizes, "x": x})
    plain = collapse(da, "L", "x", sample_dim="seed", fix={"zeta": 0})
    fixed_omega = collapse(
        da, "L", "x", sample_dim="seed", fix={"zeta": 0, "omega": 2}, corrections=True
    )
    assert plain.quality > 20
    assert fixed_omega.quality < 2
    assert fixed_omega.params["b"] == pytest.approx(4.0, rel=0.05)
    assert fixed_omega.x_c == pytest.approx(0.5, abs=5e-4)
    assert fixed_omega.nu == pytest.approx(1.0, rel=0.01)
    free = collapse(da, "L", "x", sample_dim="seed", fix={"zeta": 0}, corrections=True)
    assert free.params["omega"] == pytest.approx(2.0, rel=0.25)
    assert "b * L^-omega" in free.report()


# ---------------------------------------------------------------------------
# errors


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


def test_collapse_figure_has_raw_collapsed_and_residual_panels():
    from phasetrans.plots.scaling import plot_collapse

    result = collapse(synthetic(0.5, 1.3, 0.4, seed=9, n_x=31), "L", "x", sample_dim="seed")
    fig = plot_collapse(result)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 3 and {"collapse", "data"} < set(titles)
    assert any(t.startswith("S = ") for t in titles)
    collapsed = next(ax for ax in fig.axes if ax.get_title() == "collapse")
    assert len(collapsed.containers) == 4  # one error-bar series per size
    assert "ν = 1.3" in fig._suptitle.get_text()

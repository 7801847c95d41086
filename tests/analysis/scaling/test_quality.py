"""Known-answer tests of the Houdayer–Hartmann quality and master curve."""

from __future__ import annotations

import numpy as np
import pytest

from phasetrans.analysis.scaling.quality import master_curve, quality


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

"""Known-answer tests of the resampling layer: one- and two-level draws and intervals."""

from __future__ import annotations

import numpy as np
import pytest

from phasetrans.analysis.bootstrap import (
    LEVELS,
    bootstrap_std,
    draw,
    interval_bounds,
    percentile_interval,
    percentile_intervals,
)
from phasetrans.errors import AnalysisInputError


def nested(rng, n_teachers, n_students, sigma_b, sigma_w, n_sets=()):
    """m_ts = mu + b_t + w_ts with b ~ N(0, sigma_b^2), w ~ N(0, sigma_w^2)."""
    b = sigma_b * rng.standard_normal((*n_sets, n_teachers, 1))
    w = sigma_w * rng.standard_normal((*n_sets, n_teachers, n_students))
    return 3.0 + b + w


def grand_mean(values: np.ndarray) -> np.ndarray:
    return values.mean(axis=-1).mean(axis=-1)


def test_one_level_draws_are_the_plain_integer_draws():
    """The seed bootstrap of collapse and fit keeps its numbers: same draws as before."""
    ours = draw(np.random.default_rng(3), (7,), 5)
    plain = np.random.default_rng(3).integers(0, 7, size=(5, 7))
    np.testing.assert_array_equal(ours.students, plain)
    assert ours.levels == 1 and len(ours) == 5
    values = np.arange(14.0).reshape(2, 7)
    np.testing.assert_array_equal(ours.take(values, 2), values[:, plain[2]])


def test_two_level_draws_resample_teachers_then_students_within_them():
    rng = np.random.default_rng(0)
    resamples = draw(rng, (4, 3), 6)
    assert resamples.levels == 2
    assert resamples.teachers.shape == (6, 4) and resamples.students.shape == (6, 4, 3)
    values = 10.0 * np.arange(4)[:, None] + np.arange(3)[None, :]  # value = 10 t + s
    taken = resamples.take(values, 1)
    t, s = resamples.teachers[1], resamples.students[1]
    np.testing.assert_array_equal(taken, 10.0 * t[:, None] + s)
    # every row of a resample holds students of one drawn teacher
    np.testing.assert_array_equal(taken // 10, np.repeat(t[:, None], 3, axis=1))
    many = resamples.take_many(values[None], slice(0, 6))
    assert many.shape == (1, 6, 4, 3)
    np.testing.assert_array_equal(many[0, 1], taken)
    parts = resamples.split(4)
    assert sum(len(p) for p in parts) == 6
    np.testing.assert_array_equal(parts[1].teachers, resamples.teachers[2:4])


def test_two_level_error_equals_the_analytic_standard_error_of_the_grand_mean():
    """sd of the bootstrap grand means ~ sd(teacher means)/sqrt(T), within 10 %."""
    n_teachers, n_students = 16, 8
    data = nested(np.random.default_rng(1), n_teachers, n_students, 1.0, 1.0)
    resamples = draw(np.random.default_rng(2), data.shape, 4000)
    boot = grand_mean(resamples.take_many(data, slice(None)))
    analytic = data.mean(axis=1).std(ddof=1) / np.sqrt(n_teachers)
    assert bootstrap_std(boot) == pytest.approx(analytic, rel=0.1)
    # a one-level bootstrap that ignores the teachers is far too optimistic here
    flat = data.ravel()
    one = draw(np.random.default_rng(2), flat.shape, 4000)
    naive = bootstrap_std(one.take_many(flat, slice(None)).mean(axis=-1))
    assert naive < 0.6 * analytic


def test_two_level_variance_matches_the_known_variances_on_average():
    """Over many data sets: E[bootstrap var] vs sigma_b^2/T + sigma_w^2/(TS), SE within 10 %."""
    n_teachers, n_students, sigma_b, sigma_w = 16, 8, 1.0, 1.0
    sets = nested(np.random.default_rng(4), n_teachers, n_students, sigma_b, sigma_w, (300,))
    resamples = draw(np.random.default_rng(5), (n_teachers, n_students), 200)
    boot = grand_mean(resamples.take_many(sets, slice(None)))  # (300, 200)
    variance = bootstrap_std(boot, axis=-1) ** 2
    truth = sigma_b**2 / n_teachers + sigma_w**2 / (n_teachers * n_students)
    assert np.sqrt(variance.mean()) == pytest.approx(np.sqrt(truth), rel=0.1)


def test_percentile_intervals_of_a_normal_sample():
    values = np.random.default_rng(6).standard_normal(200_000)
    values[:10] = np.nan  # failed resamples are skipped
    lo, hi = percentile_interval(values, 0.95)
    assert lo == pytest.approx(-1.96, abs=0.03) and hi == pytest.approx(1.96, abs=0.03)
    both = percentile_intervals(values)
    assert list(both) == list(LEVELS)
    assert both[0.68][1] == pytest.approx(0.994, abs=0.02)
    assert np.isnan(percentile_interval(np.array([np.nan]), 0.68)).all()
    rows = np.random.default_rng(7).standard_normal((3, 500))
    bounds = interval_bounds(rows, axis=-1)
    assert bounds.shape == (3, 2, 2)
    for i in range(3):
        assert tuple(bounds[i, 1]) == pytest.approx(percentile_interval(rows[i], 0.95))
    np.testing.assert_allclose(bootstrap_std(rows, axis=1), rows.std(axis=1, ddof=1))


@pytest.mark.parametrize(("shape", "n"), [((), 3), ((2, 3, 4), 3), ((0,), 3), ((5,), -1)])
def test_bad_draw_arguments(shape, n):
    with pytest.raises(AnalysisInputError, match="allowed"):
        draw(np.random.default_rng(0), shape, n)


def test_replicate_keeps_failed_resamples_as_nan_rows():
    from phasetrans.analysis.bootstrap import replicate

    rows, failed = replicate(4, 2, lambda b: None if b % 2 else np.array([b, 10.0 * b]))
    np.testing.assert_array_equal(failed, [False, True, False, True])
    np.testing.assert_array_equal(rows, [[0, 0], [np.nan, np.nan], [2, 20], [np.nan, np.nan]])

"""Parameter tables: value ± error, intervals, an estimate at its interval's edge, |C| > 0.95."""

from __future__ import annotations

import math

import numpy as np

from phasetrans.analysis.estimate import Estimate
from phasetrans.analysis.parameter_text import edge_flag
from phasetrans.report.parameters import HEADER, estimate_row, parameter_table

# the example: β = 3.854 ± 0.058 (covariance), bootstrap 68 % [3.557, 3.906]
BETA = Estimate(
    3.854,
    0.058,
    curvature_stderr=0.058,  # a fit: lmfit's covariance error is both
    intervals={0.68: (3.557, 3.906), 0.95: (3.266, 3.970)},
    correlations={"amplitude": -0.99997, "c": 0.62},
)


def test_an_estimate_at_the_edge_of_its_own_interval_is_flagged():
    assert edge_flag(BETA) == "at the edge of its 68% interval"  # 15 % of the width from it
    central = BETA.replace(3.73)
    assert edge_flag(central) == ""
    assert edge_flag(BETA.replace(3.92)) == "outside its 68% interval"
    assert edge_flag(BETA.replace(3.98)) == "outside its 95% interval"
    assert edge_flag(Estimate(1.0, 0.1)) == ""  # no bootstrap, nothing to compare with
    assert edge_flag(BETA.replace(fixed=True)) == ""


def test_the_row_shows_value_error_intervals_flags_and_strong_correlations():
    row = estimate_row("beta", BETA)
    assert row == [
        "beta",
        "3.854 ± 0.058",
        "—",  # no bootstrap replicates held
        "[3.557, 3.906]",
        "[3.266, 3.970]",
        "at the edge of its 68% interval",
        "C(beta, amplitude) = -1.000",  # |C| > 0.95 only: C(beta, c) = 0.62 is not shown
    ]
    assert len(row) == len(HEADER)


def test_undetermined_and_fixed_parameters():
    nan = estimate_row("x_c", Estimate(math.nan, math.nan))
    assert nan[1] == "—" and nan[5] == "not determined"
    inf = estimate_row("nu", Estimate(math.inf, math.nan))
    assert inf[1] == "∞"
    fixed = estimate_row("x_c", Estimate(0.0, 0.0, fixed=True))
    assert fixed[1:6] == ["0 (fixed)", "—", "—", "—", "fixed"]


def test_the_table_caption_says_what_the_error_is():
    table = parameter_table("power fit of O", {"beta": BETA}, "standard error from the covariance")
    assert table.caption == "power fit of O; ± is the standard error from the covariance"
    assert table.header == HEADER and len(table.rows) == 1


def test_a_bootstrapped_collapse_shows_its_standard_error_after_plus_minus():
    # stderr holds the bootstrap s.d. (0.5); "±" is the curvature's standard error
    samples = np.linspace(0.0, 2.0, 41)
    e = Estimate(1.0, 0.5, curvature_stderr=0.012, samples=samples,
                 intervals={0.68: (0.6, 1.4), 0.95: (0.1, 1.9)})  # fmt: skip
    row = estimate_row("x_c", e)
    assert row[1] == "1.000 ± 0.012"
    assert row[2] == f"{np.std(samples, ddof=1):.2g}" == "0.6"
    assert HEADER[1:3] == ["estimate ± standard error", "bootstrap s.d."]

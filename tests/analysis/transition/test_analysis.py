"""transition() on synthetic ensembles with known answers.

The critical ensemble (fixed seed 1): each teacher's curve is a sharp step,
m = F((alpha - alpha_c(t)) N^(1/nu) / 0.05) with nu = 1, and the teachers'
pseudo-critical points are alpha_c(t) = 1 + 0.5 N^(-1/2) xi_t.  The spread
N^(-1/2) shrinks more slowly than each teacher's own width N^(-1/nu) = N^(-1),
so the width of the disorder-averaged curve is the spread's: the collapse
should find the disorder-dominated nu_avg = 1/(1/2) = 2 (not the teachers'
nu = 1), alpha_c = 1, a spread exponent a = 1/2, and say that the width is
disorder-dominated.  Coverage over many seeds: benchmarks/transition_coverage.py.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from phasetrans.analysis.transition import transition
from phasetrans.analysis.transition.pseudocritical import spread_exponent
from phasetrans.errors import AnalysisInputError
from phasetrans.names import TIME, at_checkpoints
from phasetrans.testing.specialisation import ALPHA_C, transition_study
from phasetrans.testing.transition import (
    critical_ensemble,
    threshold_artefact_ensemble,
)


@pytest.fixture(scope="module")
def critical():
    ds = critical_ensemble(
        sizes=(16, 32, 64, 128),
        alpha=np.linspace(0.6, 1.4, 41),
        disorder=0.5,
        disorder_exponent=0.5,
        nu=1.0,
        n_teachers=32,
        seed=1,
    )
    result = transition(ds, bootstrap=100, collapse_bootstrap=60, systematics_bootstrap=10, seed=1)
    return ds, result


def test_recovers_alpha_c_and_the_disorder_dominated_nu(critical):
    _, res = critical
    lo, hi = res.collapse.interval("x_c")
    assert lo <= 1.0 <= hi
    lo, hi = res.collapse.interval("nu")
    assert lo <= 2.0 <= hi  # nu_avg = 1 / (spread exponent 1/2)
    assert res.collapse_choice["corrections"] is False  # 4 sizes: tried, not better by AIC > 2
    assert np.isfinite(res.collapse_choice["aic_corrections"])


def test_per_teacher_spread_shows_the_set_disorder(critical):
    ds, res = critical
    a = res.spread_exponent
    lo, hi = a["intervals"][0.95]
    assert lo <= 0.5 <= hi
    true = ds["alpha_c_teacher"].std("teacher_seed", ddof=1)
    np.testing.assert_allclose(res.pseudocritical["spread"], true, rtol=0.15)
    assert "disorder-dominated" in res.self_averaging()
    # the disorder shows in the susceptibility too: between teachers at the peak
    chi = res.curves["susceptibility"].sel(input_dim=128).sel(alpha=1.0, method="nearest")
    assert float(chi.sel(part="disconnected")) > 0.9 * float(chi.sel(part="total"))


def test_result_shows_itself(critical, tmp_path):
    _, res = critical
    text = res.report()
    for needle in ("collapse", "corrections", "alpha*(t)", "systematics", "alpha' row dropped"):
        assert needle in text
    assert repr(res).startswith("<TransitionResult 'teacher_recovered'")
    assert "<table>" in res._repr_html_()
    out = res.to_dataset()
    assert {"mean", "susceptibility", "spread", "systematic_alpha_c"} <= set(out.data_vars)
    out.to_netcdf(tmp_path / "res.nc")
    labels = list(out["choice"].values)
    assert labels[0].startswith("baseline") and any("ln alpha" in x for x in labels)
    fig = res.plot()
    assert len(fig.axes) == 4


def test_threshold_artefact_is_named():
    # cosines 1 - 0.5 exp(-alpha/2) + 0.5 N^(-1/2) eps: no transition; thresholding at tau
    # puts the "crossing" where the mean cosine equals tau, alpha = -2 ln(2 (1 - tau));
    # 4 students per teacher, so that the profile of S rules out 1/nu = 0 at tau = 0.99 too
    ds = threshold_artefact_ensemble(
        sizes=(16, 32, 64, 128), alpha=np.geomspace(0.5, 16.0, 13), n_teachers=6,
        n_students=4, seed=2,
    )  # fmt: skip
    res = transition(ds, bootstrap=40, collapse_bootstrap=20, systematics_bootstrap=8, seed=0)
    rows = {r.threshold: r.alpha_c for r in res.systematics if r.group == "threshold"}
    assert sorted(rows) == [0.7, 0.8, 0.9, 0.95, 0.99]
    values = [rows[t] for t in sorted(rows)]
    assert np.all(np.diff(values) > 0)  # alpha_c moves with tau
    expected = [-2 * np.log(2 * (1 - t)) for t in (0.7, 0.8, 0.9)]
    np.testing.assert_allclose(values[:3], expected, rtol=0.35)
    assert res.threshold_note.startswith("THRESHOLD ARTEFACT")
    assert "THRESHOLD ARTEFACT" in repr(res)
    assert "THRESHOLD ARTEFACT" in res.report()


def test_bad_input_names_the_field(critical):
    ds, _ = critical
    with pytest.raises(AnalysisInputError) as info:
        transition(ds, "nothing")
    assert info.value.field == "order"
    with pytest.raises(AnalysisInputError) as info:
        transition(ds, control="n_train")
    assert info.value.field == "control"
    with pytest.raises(AnalysisInputError) as info:
        transition(ds, levels=(0.8, 0.5, 0.2))
    assert info.value.field == "levels"
    with pytest.raises(AnalysisInputError) as info:
        transition(ds.expand_dims(width=[8, 16]))
    assert info.value.field == "at"


def test_binder_ratio_of_the_overlaps_in_one_call():
    # r_k = 0.5 + 0.5 [alpha > alpha_c(t)] + 0.05 eps_k on 4 teacher nodes, r_sym = 0.5
    # (overlap_symmetric): M is a centred Gaussian vector below alpha_c(t) (U_n = 0), and
    # (1, 1, 1, 1) + noise above it (U_n = 1)
    ds = critical_ensemble(
        sizes=(16, 32, 64), alpha=np.linspace(0.7, 1.3, 13), n_teachers=16, n_students=8, seed=7
    )
    rng = np.random.default_rng(7)
    above = ds["alpha"] > ds["alpha_c_teacher"]
    shape = (*ds["teacher_recovered"].shape, 4)
    step = above.transpose("input_dim", "alpha", "teacher_seed").values[..., None, None]
    r = 0.5 + 0.5 * step + 0.05 * rng.standard_normal(shape)
    dims = (*ds["teacher_recovered"].dims, "teacher_node")
    ds = ds.assign(
        overlap_max_weighted=(dims, r), overlap_symmetric=0.5 + 0 * ds["teacher_recovered"]
    )
    res = transition(ds, "overlap_max_weighted", bootstrap=30, collapse_bootstrap=0,
                     systematics=False)  # fmt: skip
    u = res.curves["binder_ratio"]
    assert float(u.isel(alpha=-1).min()) > 0.95  # ordered: U_n -> 1
    assert float(abs(u.isel(alpha=0)).max()) < 0.35  # symmetric: U_n near 0 (128 samples)
    assert "crossings    of U_n" in res.report()
    assert any("r_sym" in note for note in res.notes)


@pytest.mark.parametrize("order", ["overlap_max_weighted", "overlap_max"])
def test_per_node_order_parameter_with_checkpoints_has_the_half_budget_row(order):
    # r_n at every checkpoint (dims ..., teacher_node, time), here the final r_n at T/2 and T:
    # the half budget is reduced over teacher nodes like the final value (it used to keep
    # teacher_node and raise), so its row is the baseline's collapse again
    ds = transition_study(checkpoints=True)
    ds[at_checkpoints(order)] = ds[order].expand_dims({TIME: 2}, axis=-1)
    res = transition(ds, order, bootstrap=0, thresholds=(), seed=0)
    base = res.systematics[0]
    (row,) = [r for r in res.systematics if r.group == "time"]
    assert row.label == "first half of the time budget" and row.note == ""
    assert abs(base.alpha_c - ALPHA_C) < 0.1
    assert row.alpha_c == pytest.approx(base.alpha_c) and row.nu == pytest.approx(base.nu)
    assert not any("half-budget" in n for n in res.systematic_notes)


def test_bootstrap_zero_gives_estimates_with_nan_intervals_and_says_so(tmp_path):
    ds = critical_ensemble(
        sizes=(16, 32), alpha=np.linspace(0.6, 1.4, 9), n_teachers=4, n_students=3, seed=1
    )
    res = transition(ds, bootstrap=0, seed=0)
    assert np.isfinite(res.curves["mean"]).all()
    for name in ("mean", "susceptibility", "centred_cumulant"):
        assert res.curves[f"{name}_interval"].isnull().all()
    assert res.per_size["midpoint_interval"].isnull().all()
    assert res.pseudocritical["interval"].isnull().all()
    assert res.systematics_bootstrap == 0 and res.collapse.n_bootstrap == 0
    assert "bootstrap=0: no errors or intervals" in repr(res)
    text = res.report()
    assert "no bootstrap (bootstrap=0)" in text and "nan%" not in text
    assert "no verdict" in res.self_averaging()
    res.to_dataset().to_netcdf(tmp_path / "res.nc")
    res.plot().savefig(tmp_path / "res.png")
    with pytest.raises(AnalysisInputError) as info:
        transition(ds, bootstrap=-1)
    assert info.value.field == "bootstrap"


@pytest.fixture(scope="module")
def no_crossing():
    # alpha from 1.3 up: every teacher's curve is already at 1, none crosses the midpoint 0.5
    ds = critical_ensemble(
        sizes=(16, 32), alpha=np.linspace(1.3, 2.0, 8), n_teachers=4, n_students=3, seed=1
    )
    return transition(ds, bootstrap=20, collapse_bootstrap=0, systematics=False, seed=0)


def test_figure_without_per_teacher_points_says_so_on_a_linear_axis(no_crossing, tmp_path):
    assert int(no_crossing.pseudocritical["n_crossed"].sum()) == 0
    fig = no_crossing.plot()
    fig.savefig(tmp_path / "res.png")  # a log axis with nothing positive raised here
    spread = fig.axes[3]
    assert spread.get_yscale() == "linear"
    assert any("no teacher crosses" in t.get_text() for t in spread.texts)


def test_self_averaging_without_a_spread_exponent_gives_no_verdict(critical, no_crossing):
    # a (spread ~ N^-a) is NaN when too few teachers cross: no comparison with 1/nu, even
    # with a collapse whose 1/nu has an interval (the critical ensemble's)
    _, res = critical
    assert np.isfinite(res.collapse.interval("inv_nu")).all()
    pc = res.pseudocritical
    nobody = pc.assign(
        spread=pc["spread"] * np.nan,
        replicate_spread=pc["replicate_spread"] * np.nan,
        n_crossed=pc["n_crossed"] * 0,
    )
    a = spread_exponent(nobody, "input_dim")
    blank = replace(res, pseudocritical=nobody, params={**res.params, "spread": a})
    assert np.isnan(blank.params["spread"]) and np.isnan(blank.spread_exponent["estimate"])
    text = blank.self_averaging()
    assert "a not determined (too few teachers cross 0.5: 0 of 32 at 16" in text
    assert text.endswith("no verdict")
    assert not any(word in text for word in ("agree", "dominated", "self-averaging;"))
    assert "a not determined (too few teachers cross" in no_crossing.self_averaging()


def test_the_exponents_are_estimates(critical):
    from phasetrans.analysis.estimate import Estimate

    _, res = critical
    assert set(res.params) == {"chi_peak_height", "max_slope", "spread"}
    a = res.params["spread"]
    assert isinstance(a, Estimate) and a.samples.shape == (100,)
    assert a.stderr == pytest.approx(np.nanstd(a.samples, ddof=1))
    # the old dict views read the same numbers
    assert res.spread_exponent == {"estimate": a.value, "error": a.stderr, "intervals": a.intervals}
    assert res.exponents["max_slope"]["estimate"] == res.params["max_slope"]
    lo, hi = a.interval(0.95)
    assert res.to_dataset().attrs["exponent_spread"] == [a.value, lo, hi]
    assert f"a = {a.format(0.95)}" in res.self_averaging()

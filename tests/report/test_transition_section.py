"""The report's transition section: studies swept in alpha and input_dim get one, others do not.

The study is the synthetic specialisation study of ``conftest.py`` (a known transition at
alpha_c = 1 on N = 10, 20, 40; 8 teachers x 4 students).  Its collapse finds alpha_c
within 0.1 of 1 (the alpha grid step) with S well below 10.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
import xarray as xr

from phasetrans.report import build as report_module
from phasetrans.report import build_report
from phasetrans.report.stationarity import Unconverged
from phasetrans.report.transition import claims as claims_module
from phasetrans.report.transition import section as section_module
from phasetrans.testing.specialisation import ALPHA_C, SIZES, transition_study
from phasetrans.testing.transition import threshold_artefact_ensemble
from tests.cli.test_info_stationarity import SAMPLE

BOOTSTRAP = 10


@pytest.fixture(scope="module")
def built(specialisation_study):
    """The report of the synthetic study, and the TransitionResult its section was made from."""
    results = []
    original = section_module._analyse

    def spy(*args, **kwargs):
        out = original(*args, **kwargs)
        results.append(out)
        return out

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(section_module, "_analyse", spy)
        mp.setattr(report_module, "_figures", lambda *args: [])  # tested in test_report.py
        report = build_report(specialisation_study, bootstrap=BOOTSTRAP)
    (result,) = results
    return report, result


def test_swept_study_gets_the_section_with_numbers(built):
    report, result = built
    (section,) = report.sections
    assert section.title == (
        "Transition of overlap_max_weighted against alpha across input_dim = 10, 20, 40"
    )
    # the order parameter and the training are chosen and said
    assert result.order == "overlap_max_weighted" and result.training == "spectral"
    assert any("threshold-free" in n and "normalised by 1 − r_sym" in n for n in section.notes)
    assert any(n.startswith("Training spectral") for n in section.notes)
    assert any(f"{BOOTSTRAP} resamples of the curve statistics" in n for n in section.notes)
    # the collapse: the numbers of transition() itself, near the known alpha_c
    main = section.claims[0]
    assert f"alpha_c = {result.alpha_c:.3g} [" in main.value
    assert f"ν = {result.nu:.3g} [" in main.value
    alpha_c = float(re.search(r"alpha_c = ([-\d.]+) \[", main.value).group(1))
    assert abs(alpha_c - ALPHA_C) < 0.1
    assert result.collapse.quality <= 3 and main.verdict.startswith("holds (S = ")
    assert main.verdict == f"holds (S = {result.collapse.quality:.3g} over " + (
        f"{result.collapse.n_points} points, S ≤ 3)"
    )
    assert main.kind == "collapse"
    claims = [c.claim for c in section.claims]
    assert any("self-averaging" in c for c in claims)
    assert any("do not depend on the analysis choices" in c for c in claims)
    assert any("not made by its threshold" in c for c in claims)  # overlap_max: a scan
    tables = {t.caption.split(":")[0]: t for t in section.tables}
    per_size = tables["Per input_dim"]
    assert [row[0] for row in per_size.rows] == [str(n) for n in SIZES]
    for row in per_size.rows:  # midpoint, width, chi peak, chi_max, slope with 95 % intervals
        assert all(re.match(r"-?[\d.]+(e[-+]\d+)? \[", cell) for cell in row[1:6]), row
        assert row[-1] == "8 of 8"  # every teacher's curve crosses the midpoint
    systematics = [row[0] for row in tables["Systematic errors"].rows]
    assert systematics[:3] == [
        "baseline (control alpha)",
        "control ln alpha",
        "smallest input_dim (10) dropped",
    ]
    assert "teacher_recovered at tau = 0.9" in systematics
    crossings = next(t for t in section.tables if t.caption.startswith("Crossings"))
    assert crossings.header[1:4:2] == ["crossing of overlap_max_weighted", "crossing of U_n"]
    assert [isinstance(plot.figure, str) for plot in section.figures] == [False, False]


def test_the_page_shows_the_section_before_the_figures(built):
    report, _ = built
    page = report.to_html()
    start = page.index('<h2 id="section-0">Transition of overlap_max_weighted')
    assert page.index("<h2>The paper's claims</h2>") < start < page.index("<h2>Figures</h2>")
    part = page[start : page.index("<h2>Figures</h2>")]
    assert part.count('<img src="data:image/png;base64,') == 2
    assert '<td class="holds" data-kind="collapse">holds (S = ' in part
    assert "</b> Systematic errors: the collapse re-run" in part  # a numbered table


def test_unconverged_cells_are_said_in_the_claim(built, monkeypatch):
    # the same final values, plus checkpoints at T/2 and T; input_dim 40, alpha 1 still moving
    _, result = built
    monkeypatch.setattr(section_module, "_analyse", lambda *args: result)
    section, alerts = section_module.transition_section(
        transition_study(checkpoints=True), bootstrap=BOOTSTRAP, seed=0
    )
    main = section.claims[0]
    assert main.verdict.startswith(f"partly (S = {result.collapse.quality:.3g} over ")
    assert ", S ≤ 3, but NOT STATIONARY" in main.verdict
    assert "NOT STATIONARY: 1 of 27 cells" in main.verdict
    assert "specialisation at input_dim = 40, alpha = 1.0" in main.verdict
    assert any(n.startswith("Stationarity: specialisation (for overlap_max_weighted") for n in
               section.notes)  # fmt: skip
    (alert,) = [a for a in alerts if "had not converged" in a]
    assert alert.startswith("The transition section (overlap_max_weighted, training = spectral)")


def test_checkpoints_of_a_per_node_order_parameter_give_the_half_budget_row(monkeypatch):
    # overlap_max_weighted at T/2 and T (teacher_node kept): the section's analysis reduces
    # the checkpoints over teacher nodes as it does the final value, so the table has the
    # half-budget row (the report used to rerun without the checkpoints and drop it)
    monkeypatch.setattr(section_module, "COLLAPSE_BOOTSTRAP", 3)  # fast: numbers not tested
    monkeypatch.setattr(section_module, "SYSTEMATICS_BOOTSTRAP", 3)
    section, _ = section_module.transition_section(
        transition_study(checkpoints=True), bootstrap=BOOTSTRAP, seed=0
    )
    table = next(t for t in section.tables if t.caption.startswith("Systematic errors"))
    (row,) = [row for row in table.rows if row[0] == "first half of the time budget"]
    assert re.match(r"[\d.]+ \[", row[1]), row
    assert not any("half-budget" in n for n in section.notes)


def test_verdicts_follow_the_collapse_quality(built):
    _, result = built
    claim = claims_module.collapse_claim

    def with_collapse(**changes):
        return replace(result, collapse=replace(result.collapse, **changes))

    n = result.collapse.n_points
    assert claim(with_collapse(quality=25.0), None).verdict == (
        f"does not hold (the collapse is inadequate: S = 25 over {n} points, S > 3)"
    )
    assert claim(with_collapse(quality=3.0), None).verdict.startswith("holds (S = 3 over")
    assert claim(with_collapse(quality=3.01), None).verdict.startswith("does not hold")
    assert claim(with_collapse(size_independent=True), None).verdict.startswith("does not hold")
    assert claim(with_collapse(at_bound=("inv_nu",)), None).verdict.startswith("not determined")
    stale = Unconverged("specialisation", ["input_dim = 40, alpha = 1.0"], 27)
    verdict = claim(with_collapse(quality=25.0), stale).verdict
    assert (
        verdict.startswith("does not hold (the collapse is inadequate")
        and "NOT STATIONARY" in verdict
    )
    # a threshold artefact fails a thresholded order parameter, not a threshold-free one
    note = "THRESHOLD ARTEFACT: alpha_c moves with the threshold tau"
    artefact = replace(result, threshold_note=note)
    assert claim(artefact, None).verdict.startswith("holds")
    assert claim(replace(artefact, threshold=0.9), None).verdict.startswith(
        "does not hold (threshold artefact"
    )
    assert claims_module.threshold_claim(artefact).verdict == "does not hold (threshold artefact)"
    poor = claims_module.systematics_claim(with_collapse(size_independent=True))
    assert poor.verdict.startswith("not determined")


def test_thresholded_order_parameter_and_its_artefact():
    # no overlap_max_weighted or specialisation: teacher_recovered, whose crossing the 0.9
    # threshold makes (cosines with a smooth mean and N^-1/2 noise, no transition)
    ds = threshold_artefact_ensemble(
        sizes=(16, 32, 64), alpha=np.geomspace(0.5, 16.0, 11), n_teachers=6, n_students=3,
        seed=2,
    ).expand_dims(training=["spectral"])  # fmt: skip
    assert section_module.choose_order(ds)[0] == "teacher_recovered"
    section, alerts = section_module.transition_section(ds, bootstrap=BOOTSTRAP, seed=0)
    assert any("no threshold-free order parameter" in n for n in section.notes)
    assert section.claims[0].verdict.startswith("does not hold (threshold artefact")
    threshold = section.claims[-1]
    assert threshold.value.startswith("THRESHOLD ARTEFACT")
    assert threshold.verdict == "does not hold (threshold artefact)"
    assert alerts == []


def test_no_section_without_a_swept_control_and_size(specialisation_study, monkeypatch):
    one_size = specialisation_study.isel(input_dim=[0])
    assert section_module.transition_axes(one_size) is None
    assert section_module.transition_section(one_size, bootstrap=0, seed=0) is None
    one_alpha = specialisation_study.isel(alpha=[0])
    assert section_module.transition_section(one_alpha, bootstrap=0, seed=0) is None
    monkeypatch.setattr(report_module, "_figures", lambda *args: [])
    with xr.open_dataset(SAMPLE) as sample:
        report = build_report(sample.load(), bootstrap=0)
    assert report.sections == []
    assert "Transition" not in report.to_html()

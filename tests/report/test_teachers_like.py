"""The report of a study shaped like studies/teachers.toml (several h_T, one width, spectral only,
two-level disorder): titles from its own dimensions, the fit over every teacher, the key figure
drawn, goodness of fit in every model verdict, the inadequate fit in the Alerts."""

from __future__ import annotations

import pytest

from phasetrans.errors import PhasetransWarning
from phasetrans.report import build_report
from phasetrans.report.adequacy import fit_goodness
from phasetrans.report.models import fit_study, fits_of
from tests.report.pages import (
    alerts,
    check_model_verdicts,
    check_no_exception_text,
    png_sizes_and_dpi,
)

BOOTSTRAP = 10


@pytest.fixture(scope="module")
def built(teachers_study):
    with pytest.warns(PhasetransWarning, match="bootstrap refits of the exponential model failed"):
        report = build_report(teachers_study, bootstrap=BOOTSTRAP, host=False)
    return report, report.to_html()


def test_titles_come_from_the_studys_dimensions(built):
    report, page = built
    titles = [p.title for p in report.figures]
    assert "against direct" not in page and "direct" not in " ".join(titles)
    assert any(t.startswith("Collapse across h_T: ") for t in titles)
    assert "collapse across widths" not in page.lower()
    collapse = next(c for c in report.claims if c.kind == "collapse")
    assert collapse.claim == "curves of all teacher sizes collapse in n/h_T − 1 (claim 4)"
    order = next(p for p in report.figures if p.title == "Order parameters against h_T")
    assert not isinstance(order.figure, str)  # it used to fail on the length-1 training


def test_the_fit_averages_over_every_teacher(built, teachers_study):
    report, _ = built
    fit = next(c for c in report.claims if c.kind == "fit")
    assert "4 teachers" in fit.measured
    modelled = fit_study(teachers_study, 4, 0, 0)
    for one in fits_of(modelled.result).values():
        assert one.sample_dim == ("teacher_seed", "seed")


def test_every_model_verdict_shows_its_goodness_and_respects_it(built):
    _, page = built
    kinds = [kind for kind, _ in check_model_verdicts(page)]
    assert sorted(kinds) == ["collapse", "fit"]


def test_the_alerts_list_the_inadequate_fit(built, teachers_study):
    report, page = built
    with pytest.warns(PhasetransWarning, match="refits"):
        modelled = fit_study(teachers_study, 4, BOOTSTRAP, 0)
    bad = {m: fit_goodness(f) for m, f in fits_of(modelled.result).items()}
    bad = {m: g for m, g in bad.items() if g.adequate is False}
    assert "exponential" in bad  # softplus curves: the paper's exponential does not fit
    (alert,) = [a for a in alerts(page) if a.startswith("Inadequate fit")]
    for model, good in bad.items():
        assert f"{model} ({good.text()})" in alert
    fit = next(c for c in report.claims if c.kind == "fit")
    assert not fit.verdict.startswith("holds")
    assert page.index("<h2>Alerts</h2>") < page.index("<h2>The paper's claims</h2>")


def test_pieces_that_cannot_be_made_say_why_in_words_and_alert(built):
    report, page = built
    check_no_exception_text(page)
    missing = [p for p in report.figures if isinstance(p.figure, str)]
    assert [p.title.split(":")[0] for p in missing] == [
        "Sorted path magnitudes of the pruned students against the teacher's",
        "Neuron matching",
    ]  # no weights in this dataset
    for plot in missing:
        assert plot.figure.startswith("not available: dataset: lacks variable(s) w1")
        assert any(a.startswith(f"The figure '{plot.title}' could not be drawn") for a in
                   report.alerts)  # fmt: skip


def test_the_page_reads_like_an_appendix(built):
    report, page = built
    order = ["Summary", "Alerts", "Headline numbers", "The paper's claims",
             "Parameters of the fits and collapses", "Figures", "Provenance"]  # fmt: skip
    positions = [page.index(f"<h2>{h}</h2>") for h in order]
    assert positions == sorted(positions)
    assert report.summary.startswith("Study teachers-like: three teacher sizes, 4 teachers (")
    assert "Of 6 claims checked:" in report.summary
    drawn = sum(not isinstance(p.figure, str) for p in report.figures)
    assert page.count("<figcaption><b>Figure ") == len(report.figures)
    assert "<b>Figure 1.</b>" in page and f"<b>Figure {len(report.figures)}.</b>" in page
    assert [dpi for _, _, dpi in png_sizes_and_dpi(page)] == [pytest.approx(150, abs=0.1)] * drawn
    assert not any(k == "host" for k, _ in report.provenance)
    assert [r[0] for r in report.headline.rows] == ["spectral"] * 3

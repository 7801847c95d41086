"""The report's stationarity line and its alert when a claimed transition has not converged."""

from __future__ import annotations

import pytest
import xarray as xr

from phasetrans.report import build as report_module
from phasetrans.report import build_report
from phasetrans.testing.checkpoints import with_checkpoints
from tests.cli.test_info_stationarity import SAMPLE


@pytest.fixture(scope="module")
def sample() -> xr.Dataset:
    with xr.open_dataset(SAMPLE) as ds:
        return ds.load()


@pytest.fixture
def no_figures(monkeypatch):
    """The figures are tested elsewhere; leaving them out keeps these tests fast."""
    monkeypatch.setattr(report_module, "_figures", lambda *args: [])


def test_unconverged_cells_under_the_claims_raise_an_alert(sample, no_figures):
    report = build_report(with_checkpoints(sample), bootstrap=0)
    note = next(n for n in report.notes if n.startswith("stationarity"))
    assert "dimension 6/8 cells converged (75%)" in note
    assert not any("time =" in n for n in report.notes)  # time is not a sweep
    # spectral W = 16 is under the claims; direct W = 128 is not
    (alert,) = [a for a in report.alerts if a.startswith("The claimed transition")]
    assert alert.startswith("The claimed transition (training = spectral, teacher_width = 8)")
    assert "dimension at width = 16;" in alert and "width = 128" not in alert
    page = report.to_html()
    assert page.index("<h2>Alerts</h2>") < page.index("<h2>Headline numbers</h2>")
    assert f'<p class="alert">{alert}</p>' in page


def test_no_alert_when_the_claimed_cells_converged(sample):
    slow = ({"training": "direct", "width": 128},)
    note, alerts = report_module._stationarity(with_checkpoints(sample, slow), 8, {})
    assert "dimension 7/8 cells converged (88%)" in note
    assert alerts == []


def test_a_study_without_checkpoints_gets_neither(sample, no_figures):
    report = build_report(sample, bootstrap=0)
    assert not any("converged" in a for a in report.alerts)
    assert not any("stationarity" in n for n in report.notes)
    assert "cells converged" not in report.to_html()

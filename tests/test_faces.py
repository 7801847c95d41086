"""Every face shows the same mean ± the same error for the same cell (issue 18, must show).

A swept study (alpha) with two teacher seeds and one diverged student: ``phasetrans info``
(:func:`~phasetrans.summary.format_summary`), the report's claims, the ``ds.pt`` accessor
and a figure all give :func:`~phasetrans.analysis.describe.describe`'s number for the cell,
the diverged student left out, and say what ± is.  The figure is checked by the describe()
output it receives and the error bars it draws, not by its pixels.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.describe import describe, format_pm
from phasetrans.errors import PhasetransWarning
from phasetrans.plots import _base as plots_base
from phasetrans.plots.pruning import plot_dimension
from phasetrans.report import build as report_module
from phasetrans.summary import format_summary

H_T = 4
WIDTHS = (8, 16)
#: The cell every face is asked about.
CELL = {"training": "spectral", "alpha": 1.0, "teacher_width": H_T, "width": 16}
#: The diverged student of that cell: teacher 1, seed 2.
DIVERGED = {**CELL, "teacher_seed": 1, "seed": 2}
SE_NOTE = "± : standard error of the teacher means (ddof 1)"


def swept_study() -> xr.Dataset:
    """Two trainings, 2 teachers x 3 students, alpha in {1, 2}, widths 8 and 16, h_T = 4."""
    rng = np.random.default_rng(11)
    coords = {
        "training": ["spectral", "direct"],
        "teacher_seed": [0, 1],
        "alpha": [1.0, 2.0],
        "teacher_width": [H_T],
        "width": list(WIDTHS),
        "seed": [0, 1, 2],
        "retained": np.arange(max(WIDTHS) + 1),
    }
    dims = ("training", "teacher_seed", "alpha", "teacher_width", "width", "seed")
    shape = tuple(len(coords[d]) for d in dims)
    teacher = np.array([0.0, 0.6]).reshape(1, 2, 1, 1, 1, 1)  # the disorder: a teacher offset
    width = np.array(WIDTHS, dtype=float).reshape(1, 1, 1, 1, 2, 1)
    spectral = H_T + teacher + rng.normal(0.0, 0.2, shape)
    direct = 0.8 * width + teacher + rng.normal(0.0, 0.5, shape)
    dimension = np.where(np.arange(2).reshape(2, 1, 1, 1, 1, 1) == 0, spectral, direct)
    n = coords["retained"].reshape(1, 1, 1, 1, 1, 1, -1)
    base = 0.01 * (1 + 0.1 * rng.random(shape))[..., None]
    mse = base * (1 + 50 * np.clip(H_T - n, 0, None) / H_T)
    mse = np.where(n <= width[..., None], mse, np.nan)
    ds = xr.Dataset(
        {
            "dimension": (dims, dimension),
            "teacher_recovered": (dims, np.clip(0.9 + 0.05 * rng.normal(size=shape), 0, 1)),
            "test_mse": ((*dims, "retained"), mse),
            "diverged_epoch": (dims, np.zeros(shape, dtype=int)),
        },
        coords=coords,
        attrs={"study_name": "faces", "study_hash": "synthetic", "teacher_kind": "regression"},
    )
    ds["diverged_epoch"].loc[DIVERGED] = 7
    ds["dimension"].loc[DIVERGED] = 100.0  # what a diverged student leaves behind
    ds["teacher_recovered"].loc[DIVERGED] = 0.0
    return ds


@pytest.fixture(scope="module")
def study() -> xr.Dataset:
    return swept_study()


def by_hand(ds: xr.Dataset, name: str) -> tuple[float, float]:
    """Mean of the teacher means and their standard error, the diverged student left out."""
    cell = ds[name].sel(CELL)
    teacher_means = [
        float(cell.sel(teacher_seed=0).mean()),
        float(cell.sel(teacher_seed=1, seed=[0, 1]).mean()),
    ]
    return float(np.mean(teacher_means)), float(np.std(teacher_means, ddof=1) / np.sqrt(2))


def test_by_hand_is_what_describe_gives(study):
    mean, se = by_hand(study, "dimension")
    cell = describe(study["dimension"].where(study["diverged_epoch"] == 0)).sel(CELL)
    assert float(cell["mean"]) == pytest.approx(mean, rel=1e-12)
    assert float(cell["spread"]) == pytest.approx(se, rel=1e-12)
    assert mean < 6  # the diverged student's 100 is not in it


def test_info_prints_the_number(study):
    text = format_summary(study)
    mean, se = by_hand(study, "dimension")
    rows = [line.split() for line in text.splitlines() if line.startswith("spectral ")]
    # training, alpha, h_T, width, n, dimension (m ± e), recovered (m ± e), ...
    row = next(r for r in rows if r[1] == "1" and r[3] == "16")
    assert row[4] == "5"  # 2 teachers x 3 students, the diverged one left out
    assert " ".join(row[5:8]) == format_pm(mean, se, ".2f")
    rec_mean, rec_se = by_hand(study, "teacher_recovered")
    assert " ".join(row[8:11]) == format_pm(rec_mean, rec_se, ".2f")
    assert SE_NOTE in text.splitlines()
    assert "1 student(s) diverged" in text


def test_the_report_claims_the_number(study, monkeypatch):
    monkeypatch.setattr(report_module, "_figures", lambda *args: [])  # the figure: below
    with pytest.warns(PhasetransWarning, match="diverged"):
        report = report_module.build_report(study, bootstrap=0)
    mean, se = by_hand(study, "dimension")
    dimension = next(c for c in report.claims if c.claim.startswith("spectral students"))
    assert f"W=16: {format_pm(mean, se, '.2f')} (5 students)" in dimension.value
    assert "standard error of the teacher means (ddof 1)" in dimension.measured
    assert dimension.verdict == "holds"
    rec_mean, rec_se = by_hand(study, "teacher_recovered")
    recovery = next(c for c in report.claims if "recovers" in c.claim)
    assert f"W=16: {format_pm(rec_mean, rec_se, '.2f')}" in recovery.value
    assert any(note.startswith(SE_NOTE) for note in report.notes)


def test_the_accessor_gives_the_number(study):
    mean, se = by_hand(study, "dimension")
    with pytest.warns(PhasetransWarning, match="diverged"):
        described = study.pt.describe("dimension")
    cell = described.sel(CELL)
    assert float(cell["mean"]) == pytest.approx(mean, rel=1e-12)
    assert float(cell["spread"]) == pytest.approx(se, rel=1e-12)
    assert int(cell["n"]) == 5
    assert described.attrs["spread"] == "standard error of the teacher means (ddof 1)"
    with pytest.warns(PhasetransWarning):
        dimension = study.pt.dimension("spectral")
    assert float(dimension.sel(alpha=1.0, teacher_width=H_T, width=16)) == float(cell["mean"])


def test_a_figure_draws_the_number(study, monkeypatch):
    received = []

    def spy(da, spread="se"):
        out = describe(da, spread)
        received.append(out)
        return out

    monkeypatch.setattr(plots_base, "describe", spy)
    with pytest.warns(PhasetransWarning, match="diverged"):
        fig = plot_dimension(study.sel(alpha=1.0), teacher_width=H_T, training="spectral")
    mean, se = by_hand(study, "dimension")
    (got,) = received
    assert float(got["mean"].sel(width=16)) == pytest.approx(mean, rel=1e-12)
    assert float(got["spread"].sel(width=16)) == pytest.approx(se, rel=1e-12)
    ax = fig.axes[0]
    (bars,) = ax.containers
    drawn = bars.lines[0].get_ydata()
    segments = bars.lines[2][0].get_segments()
    assert drawn[1] == pytest.approx(mean, rel=1e-12)
    (_, low), (_, high) = segments[1]
    assert (high - low) / 2 == pytest.approx(se, rel=1e-9)
    assert "s.e. of the teacher means" in ax.get_ylabel()

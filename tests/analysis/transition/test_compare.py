"""Paired comparison of two trainings with the same teachers and draws."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.estimate import format_estimate
from phasetrans.analysis.transition import compare_transitions
from phasetrans.analysis.transition.compare import setting_differences
from phasetrans.errors import AnalysisInputError
from phasetrans.testing.transition import critical_ensemble

STUDY = """
[teacher]
kind = "regression"
hidden2 = 20
[data]
alpha = [0.6, 1.0]
[training.spectral]
lr = 0.03
epochs = 3500
[training.direct]
lr = 0.012
epochs = 3500
"""


def _two_trainings() -> xr.Dataset:
    kwargs = dict(sizes=(16, 32, 64), alpha=np.linspace(0.6, 1.6, 21), n_teachers=8, seed=4)
    a = critical_ensemble(alpha_c=1.0, **kwargs)["teacher_recovered"]
    b = critical_ensemble(alpha_c=1.1, **kwargs)["teacher_recovered"]
    b = b.assign_coords(alpha=a["alpha"])
    ds = xr.concat([a, b], dim=xr.DataArray(["spectral", "direct"], dims="training")).to_dataset()
    ds.attrs = {"teacher_kind": "regression", "study_toml": STUDY}
    return ds


def test_paired_midpoint_ratio_and_what_else_differs():
    ds = _two_trainings()
    cmp = compare_transitions(
        ds, trainings=("spectral", "direct"), bootstrap=60, collapse_bootstrap=8, seed=3
    )
    ratio = cmp.paired["midpoint_ratio"]
    lo = cmp.paired["midpoint_ratio_interval"].sel(level=0.95, bound="lower")
    hi = cmp.paired["midpoint_ratio_interval"].sel(level=0.95, bound="upper")
    # the same seed draws the direct students' alpha_c(t) shifted by 0.1: ratio near 1.1
    assert ((lo <= 1.1 + 0.03) & (hi >= 1.1 - 0.03)).all()
    np.testing.assert_allclose(ratio, 1.1, atol=0.05)
    assert cmp.differences == ["training.lr: 0.03 (spectral) vs 0.012 (direct)"]
    text = cmp.report()
    assert "beyond the method" in text and "training.lr" in text
    assert repr(cmp).startswith("<TransitionComparison direct vs spectral")
    assert "midpoint_ratio" in cmp.to_dataset()
    n = cmp.paired["input_dim"].values[0]
    value = float(ratio.sel(input_dim=n))
    interval = (float(lo.sel(input_dim=n)), float(hi.sel(input_dim=n)))
    err = float(cmp.paired["midpoint_ratio_error"].sel(input_dim=n))
    shown = format_estimate(value, err, interval=interval)
    assert f"input_dim = {n:g}: midpoint direct/spectral = {shown};" in text
    fig = cmp.plot()  # through the registry phasetrans.plots fills
    assert [a.get_title() for a in fig.axes] == ["spectral", "direct"]


def test_unpaired_inputs_are_refused():
    ds = _two_trainings()
    other = ds.isel(teacher_seed=slice(0, 4))
    with pytest.raises(AnalysisInputError) as info:
        compare_transitions(ds, other, trainings=("spectral", "direct"), bootstrap=0)
    assert info.value.field == "b"


def test_settings_without_study_files_say_so():
    assert "cannot say" in setting_differences({}, {}, "spectral", "direct")[0]
    other = STUDY.replace("hidden2 = 20", "hidden2 = 10")
    lines = setting_differences({"study_toml": STUDY}, {"study_toml": other}, "a", "a")
    assert any("NOT the same teachers" in line for line in lines)

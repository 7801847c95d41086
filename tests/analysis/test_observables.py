"""Observables of the pruning transition on a synthetic study dataset."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.observables import (
    accuracy_loss,
    collapse_array,
    control,
    delta_mse,
    normalized_delta_mse,
)
from phasetrans.analysis.scaling import collapse
from phasetrans.analysis.validation import AnalysisInputError

#: Exponent of the synthetic spectral students' curves: width W scales n - h_T by W^(1/NU).
NU = 2.0


def softplus(s: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, s)


def make_study(
    *,
    teacher_widths: tuple[int, ...] = (10,),
    widths: tuple[int, ...] = (12, 24, 48),
    n_seeds: int = 6,
    trainings: tuple[str, ...] = ("spectral", "direct"),
    classification: bool = False,
    noise: float = 0.02,
    seed: int = 0,
) -> xr.Dataset:
    """A study dataset with the schema of :mod:`phasetrans.store` and known curves.

    Spectral students: MSE(n) = base + 0.05 softplus(-(n - h_T) (W/12)^(1/NU)) minus
    its value at n = W, so Delta MSE is ~0 above h_T and rises below it, more steeply
    for wider students.  Direct students lose accuracy linearly in W - n.
    """
    rng = np.random.default_rng(seed)
    retained = np.arange(max(widths) + 1)
    node = np.arange(max(widths))
    shape = (len(trainings), len(teacher_widths), len(widths), n_seeds)
    mse = np.full((*shape, retained.size), np.nan)
    for m, training in enumerate(trainings):
        for t, h in enumerate(teacher_widths):
            for w, width in enumerate(widths):
                n = retained[: width + 1].astype(float)
                if training == "spectral":
                    curve = 0.05 * softplus(-(n - h) * (width / 12) ** (1 / NU))
                else:
                    curve = 0.02 * (width - n) / width
                curve = curve - curve[-1]
                base = 0.01 + 0.001 * rng.random(n_seeds)
                jitter = 1 + noise * rng.standard_normal((n_seeds, n.size))
                mse[m, t, w, :, : n.size] = base[:, None] + curve[None, :] * jitter
    coords = {
        "training": list(trainings),
        "teacher_width": list(teacher_widths),
        "width": list(widths),
        "seed": np.arange(n_seeds),
        "retained": retained,
        "node": node,
        "epoch": [0, 10],
    }
    student = ("training", "teacher_width", "width", "seed")
    importance = rng.random((*shape, node.size))
    exists = node < np.array(widths)[None, None, :, None, None]
    importance = np.where(exists, importance, np.nan)
    data = {
        "test_mse": ((*student, "retained"), mse),
        "importance": ((*student, "node"), importance),
        "eigenvalue": ((*student, "node"), importance / 2),
        "dimension": (student, np.full(shape, float(teacher_widths[0]))),
        "train_loss": ((*student, "epoch"), np.ones((*shape, 2))),
    }
    if classification:
        data["test_accuracy"] = ((*student, "retained"), 0.95 - 4.0 * (mse - 0.01))
    ds = xr.Dataset(data, coords=coords)
    ds.attrs["teacher_kind"] = "classification" if classification else "regression"
    return ds


@pytest.fixture(scope="module")
def study() -> xr.Dataset:
    return make_study(classification=True)


def test_delta_mse_is_the_distance_to_the_unpruned_error(study):
    d = delta_mse(study)
    assert d.dims == study["test_mse"].dims
    mse = study["test_mse"]
    for width in (12, 48):
        cell = dict(training="spectral", teacher_width=10, width=width, seed=3)
        full = mse.sel({**cell, "retained": width}).item()
        expected = np.abs(mse.sel(cell).values - full)
        np.testing.assert_allclose(d.sel(cell).values, expected, equal_nan=True)
        assert d.sel({**cell, "retained": width}).item() == 0.0
    # NaN where retained > width, finite and >= 0 elsewhere
    assert np.isnan(d.sel(width=12, retained=13)).all()
    assert (d.sel(width=12, retained=slice(0, 12)) >= 0).all()
    # the spectral transition: flat above h_T, steep below
    curve = d.sel({"training": "spectral", "width": 48}).mean("seed")
    assert curve.sel(retained=5).item() > 50 * curve.sel(retained=15).item()


def test_normalized_delta_mse_peaks_at_one(study):
    nd = normalized_delta_mse(study)
    peak = nd.max("retained")
    np.testing.assert_allclose(peak.values, 1.0)
    d = delta_mse(study)
    cell = dict(training="direct", teacher_width=10, width=24, seed=1)
    np.testing.assert_allclose(
        nd.sel(cell).values, (d.sel(cell) / d.sel(cell).max()).values, equal_nan=True
    )


def test_accuracy_loss_and_its_error_for_regression(study):
    loss = accuracy_loss(study)
    cell = dict(training="spectral", teacher_width=10, width=24, seed=0)
    acc = study["test_accuracy"].sel(cell)
    np.testing.assert_allclose(
        loss.sel(cell).values, acc.sel(retained=24).item() - acc.values, equal_nan=True
    )
    assert loss.sel({**cell, "retained": 0}).item() > 0.1  # pruning everything costs accuracy
    regression = study.drop_vars("test_accuracy")
    regression.attrs["teacher_kind"] = "regression"
    with pytest.raises(AnalysisInputError, match=r"no variable 'test_accuracy'.*regression"):
        accuracy_loss(regression)


def test_control_values():
    ds = make_study(teacher_widths=(10, 20), widths=(24,), n_seeds=2, trainings=("spectral",))
    ratio = control(ds)
    assert ratio.dims == ("teacher_width", "retained")
    assert ratio.sel(teacher_width=20, retained=10).item() == -0.5
    assert ratio.sel(teacher_width=10, retained=10).item() == 0.0
    shift = control(ds, "shift")
    assert shift.sel(teacher_width=20, retained=3).item() == -17.0
    with pytest.raises(AnalysisInputError, match=r"kind='log'"):
        control(ds, "log")


def test_collapse_array_over_widths(study):
    da = collapse_array(study, "delta_mse", training="spectral", teacher_width=10)
    assert da.dims == ("width", "control", "seed")
    assert da.attrs["teacher_width"] == 10 and da.attrs["training"] == "spectral"
    np.testing.assert_array_equal(da["control"].values, np.arange(49) - 10)
    np.testing.assert_allclose(
        da.sel(width=24, control=-3).values,
        delta_mse(study)
        .sel({"training": "spectral", "teacher_width": 10, "width": 24, "retained": 7})
        .values,
    )
    ratio = collapse_array(study, training="spectral", control="ratio")  # one h_T: default
    np.testing.assert_allclose(ratio["control"].values, np.arange(49) / 10 - 1)


def test_collapse_array_over_teacher_widths_is_ragged():
    ds = make_study(teacher_widths=(10, 16), widths=(24,), n_seeds=3)
    da = collapse_array(ds, training="spectral", size="teacher_width", width=24, control="ratio")
    assert da.dims == ("teacher_width", "control", "seed")
    # the union of n/10 - 1 and n/16 - 1; each teacher width is NaN off its own grid
    assert da.sizes["control"] > 25
    assert np.isnan(da.sel(teacher_width=10)).any()
    assert np.isfinite(da.sel(teacher_width=16, control=0.0)).all()


def test_collapse_array_errors(study):
    with pytest.raises(AnalysisInputError, match=r"training='lasso' is not in the dataset"):
        collapse_array(study, training="lasso")
    with pytest.raises(AnalysisInputError, match=r"observable='mse'"):
        collapse_array(study, "mse", training="spectral")
    with pytest.raises(AnalysisInputError, match=r"teacher_width=7"):
        collapse_array(study, training="spectral", teacher_width=7)
    two = make_study(teacher_widths=(10, 20), widths=(24,), n_seeds=2)
    with pytest.raises(AnalysisInputError, match=r"teacher_width is not given"):
        collapse_array(two, training="spectral")


def test_synthetic_study_collapses_with_the_generating_exponent():
    ds = make_study(widths=(12, 24, 48, 96), n_seeds=8, noise=0.01)
    da = collapse_array(ds, training="spectral", teacher_width=10)
    result = collapse(da, "width", "control", sample_dim="seed", fix={"zeta": 0}, x_window=(-8, 6))
    assert result.nu == pytest.approx(NU, rel=0.1)
    assert result.x_c == pytest.approx(0.0, abs=0.3)

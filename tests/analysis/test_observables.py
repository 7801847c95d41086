"""Observables of the pruning transition on a synthetic study dataset."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.collapse_input import collapse_array, control_dim, sample_dims
from phasetrans.analysis.defaults import default_window, slice_defaults
from phasetrans.analysis.observables import (
    accuracy_loss,
    control,
    delta_mse,
    dimension_ratio,
    generalisation_error,
    normalized_delta_mse,
)
from phasetrans.analysis.scaling import collapse
from phasetrans.analysis.validation import AnalysisInputError
from phasetrans.testing.studies import ALPHA_C, NU, NU_ALPHA
from phasetrans.testing.studies import pruning_study as make_study
from phasetrans.testing.studies import swept_study as make_swept_study


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


# ---------------------------------------------------------------------------
# swept studies: any size, any control, the disorder as samples


@pytest.fixture(scope="module")
def swept() -> xr.Dataset:
    return make_swept_study()


def test_order_parameter_against_alpha_across_input_dims(swept):
    at = slice_defaults(swept, "teacher_recovered", size="input_dim", control="alpha")
    # the shared defaults: spectral, the widest student, the first teacher width
    assert at == {"training": "spectral", "teacher_width": 2, "width": 8}
    da = collapse_array(swept, "teacher_recovered", size="input_dim", control="alpha", at=at)
    assert da.dims == ("input_dim", "alpha", "teacher_seed", "seed")
    assert control_dim("alpha") == "alpha" and sample_dims(da) == ("teacher_seed", "seed")
    assert da.attrs["control"] == "alpha" and da.attrs["width"] == 8
    assert da["alpha"].attrs["long_name"] == "training samples per teacher parameter"
    cell = dict(training="spectral", teacher_width=2, width=8)
    xr.testing.assert_equal(
        da.reset_coords(drop=True),
        swept["teacher_recovered"].sel(cell).transpose(*da.dims).reset_coords(drop=True),
    )


def test_n_train_as_control_gives_a_ragged_grid(swept):
    at = {"training": "spectral", "teacher_width": 4, "width": 8}
    # rounding makes several alphas give the same n_train on the fine grid: refused
    with pytest.raises(AnalysisInputError, match=r"control='n_train' does not give distinct"):
        collapse_array(swept, "teacher_recovered", size="input_dim", control="n_train", at=at)
    alphas = tuple(np.linspace(1.0, 3.0, 9))
    coarse = make_swept_study(teacher_seeds=2, alphas=alphas)
    da = collapse_array(coarse, "teacher_recovered", size="input_dim", control="n_train", at=at)
    assert da.dims == ("input_dim", "n_train", "teacher_seed", "seed")
    # n_train = round(alpha d h_T): each input_dim has its own 9 values, NaN elsewhere
    for d in (4, 8, 16):
        row = da.sel(input_dim=d).dropna("n_train", how="all")
        expected = np.rint(np.array(alphas) * d * 4)
        np.testing.assert_array_equal(row["n_train"].values, expected)
        np.testing.assert_allclose(
            row.values,
            coarse["teacher_recovered"]
            .sel(training="spectral", teacher_width=4, width=8, input_dim=d)
            .transpose("alpha", ...)
            .values,
        )


def test_per_student_observables(swept):
    ratio = dimension_ratio(swept)
    np.testing.assert_allclose(ratio.sel(teacher_width=4).values, 1.0)
    gen = generalisation_error(swept)
    assert "retained" not in gen.dims
    np.testing.assert_array_equal(
        gen.sel(width=4).values, swept["test_mse"].sel(width=4, retained=4).values
    )
    da = collapse_array(
        swept, "generalisation_error", size="teacher_width", control="alpha",
        at=slice_defaults(swept, "generalisation_error", size="teacher_width", control="alpha"),
    )  # fmt: skip
    assert da.dims == ("teacher_width", "alpha", "teacher_seed", "seed")
    assert da.attrs["input_dim"] == 4 and da.attrs["width"] == 8


def test_pruning_control_with_swept_dims_and_one_teacher(swept):
    at = slice_defaults(swept, size="width", control="shift", given={"alpha": 2.0})
    assert at == {"alpha": 2.0, "training": "spectral", "input_dim": 4, "teacher_width": 2}
    da = collapse_array(swept, size="width", control="shift", at=at)
    assert da.dims == ("width", "control", "teacher_seed", "seed")
    assert default_window(da) == (-2.0, 2.0)
    one = collapse_array(swept, size="width", control="ratio", at={**at, "teacher_seed": 1})
    assert one.dims == ("width", "control", "seed") and sample_dims(one) == "seed"
    assert default_window(one) == (-1.0, 1.0)
    across = collapse_array(
        swept, size="teacher_width", control="shift",
        at=slice_defaults(swept, size="teacher_width", control="shift"),
    )  # fmt: skip
    assert default_window(across) == (-2.0, 2.0)  # the smallest h_T


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": "depth"}, r"size='depth'; allowed: a dimension of delta_mse among"),
        ({"control": "log"}, r"control='log'; allowed: one of \['shift', 'ratio', "),
        ({"observable": "mse"}, r"observable='mse'; allowed"),
        (
            {"observable": "teacher_recovered", "control": "shift"},
            r"shift and ratio need a pruning observable",
        ),
        ({"size": "input_dim", "control": "input_dim"}, r"control='input_dim'"),
        ({"at": {"width": 4}}, r"width cannot be fixed: it is the size dimension"),
        ({"at": {"seed": 0}}, r"seed cannot be fixed: it is the sample dimension"),
        ({"at": {"training": "spectral", "alpha": 9.0}}, r"alpha=9.0 is not in the dataset"),
        ({"at": {"training": "spectral"}}, r"input_dim is not given; allowed: one of \[4, 8"),
        ({"training": "direct", "at": {"training": "spectral"}}, r"disagree"),
    ],
)
def test_swept_collapse_array_errors(swept, kwargs, message):
    kwargs = {"observable": "delta_mse", **kwargs}
    observable = kwargs.pop("observable")
    with pytest.raises(AnalysisInputError, match=message) as info:
        collapse_array(swept, observable, **kwargs)
    assert info.value.field is not None


def test_two_level_collapse_finds_the_transition_in_alpha(swept):
    at = slice_defaults(swept, "teacher_recovered", size="input_dim", control="alpha")
    da = collapse_array(swept, "teacher_recovered", size="input_dim", control="alpha", at=at)
    result = collapse(
        da, "input_dim", "alpha", sample_dim=sample_dims(da), fix={"zeta": 0}, bootstrap=8
    )
    assert result.sample_dim == ("teacher_seed", "seed")
    assert "two-level" in result.error_model
    assert result.x_c == pytest.approx(ALPHA_C, abs=0.01)
    assert result.nu == pytest.approx(NU_ALPHA, rel=0.05)


# ---------------------------------------------------------------------------
# a real tiny swept study

SWEPT_TOML = """
name = "swept"
output = "data/swept.nc"
[teacher]
seeds = [0, 1]
input_dim = [5, 8]
widths = [2]
[data]
alpha = [1.0, 2.0, 4.0]
n_test = 200
[students]
widths = [4]
seeds = [0, 1]
methods = ["spectral"]
[training.spectral]
epochs = 2
batch_size = 50
log_every = 2
[run]
seed_block = 2
"""


@pytest.fixture(scope="module")
def real_swept(tmp_path_factory) -> xr.Dataset:
    from phasetrans.config import load_study
    from phasetrans.runner import run_study
    from phasetrans.store import open_study

    path = tmp_path_factory.mktemp("swept") / "swept.toml"
    path.write_text(SWEPT_TOML)
    report = run_study(load_study(path), scheduler="sync", progress=False)
    ds = open_study(report.output).load()
    ds.attrs["path"] = str(report.output)
    return ds


def test_real_swept_study_as_collapse_input(real_swept):
    ds = real_swept
    at = slice_defaults(ds, "generalisation_error", size="input_dim", control="alpha")
    assert at == {"training": "spectral", "teacher_width": 2, "width": 4}
    da = collapse_array(ds, "generalisation_error", size="input_dim", control="alpha", at=at)
    assert da.dims == ("input_dim", "alpha", "teacher_seed", "seed")
    assert da.shape == (2, 3, 2, 2)
    cell = dict(training="spectral", teacher_width=2, width=4, retained=4)
    np.testing.assert_array_equal(
        da.values, ds["test_mse"].sel(cell).transpose("input_dim", "alpha", ...).values
    )
    by_n = collapse_array(ds, "teacher_recovered", size="input_dim", control="n_train", at=at)
    assert by_n.dims == ("input_dim", "n_train", "teacher_seed", "seed")
    # n_train = round(alpha d h_T): 10, 20, 40 for d = 5 and 16, 32, 64 for d = 8
    assert by_n["n_train"].values.tolist() == [10, 16, 20, 32, 40, 64]
    assert int(by_n.sel(input_dim=5).notnull().any(("teacher_seed", "seed")).sum()) == 3
    pruning = collapse_array(ds, size="input_dim", control="shift", at={"alpha": 2.0})
    assert pruning.dims == ("input_dim", "control", "teacher_seed", "seed")
    result = collapse(
        da, "input_dim", "alpha", sample_dim=sample_dims(da), fix={"zeta": 0}, bootstrap=4
    )
    assert result.sample_dim == ("teacher_seed", "seed") and result.n_bootstrap == 4


def test_real_swept_study_through_the_command_line(real_swept, tmp_path, capsys):
    from phasetrans.cli import main

    argv = ["collapse", real_swept.attrs["path"], "--observable", "generalisation_error",
            "--size", "input_dim", "--control", "alpha", "--fix", "zeta=0", "--bootstrap", "4",
            "--out", str(tmp_path / "c.png")]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "input_dim 5, 8, 2 teacher seeds x 2 seeds" in text
    assert "4 two-level resamples (teachers, then students)" in text

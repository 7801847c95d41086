"""Dataset schema, round trips through netCDF4, reproducibility, end to end."""

import numpy as np
import pytest
import xarray as xr

from phasetrans.cli import main as cli
from phasetrans.config import load_study
from phasetrans.runner import run_study
from phasetrans.store import combine_datasets, open_study, read_dataset, write_dataset

STUDY = """
name = "{name}"
output = "{out}"
[teacher]
kind = "{kind}"
widths = [4]
[data]
n_train = 400
n_test = 300
[students]
widths = [6, 10]
seeds = [0, 1, 2]
[training.spectral]
lr = 0.01
batch_size = 100
epochs = {epochs}
log_every = 4
[training.direct]
lr = 0.01
batch_size = 100
epochs = 8
log_every = 4
[run]
seed_block = 2
"""


def _study(tmp_path, name="s", kind="regression", epochs=12):
    path = tmp_path / f"{name}.toml"
    out = tmp_path / "data" / f"{name}.nc"
    path.write_text(STUDY.format(name=name, out=out, kind=kind, epochs=epochs))
    return path


@pytest.fixture(scope="module")
def regression(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reg")
    path = _study(tmp)
    report = run_study(load_study(path), scheduler="sync", progress=False)
    return path, report.output


def test_schema_coordinates_and_nan_padding(regression):
    _, out = regression
    ds = xr.open_dataset(out)  # root group alone, as a user would
    assert list(ds.training.values) == ["spectral", "direct"]
    assert ds.width.values.tolist() == [6, 10] and ds.seed.values.tolist() == [0, 1, 2]
    assert ds.retained.values.tolist() == list(range(11))
    assert ds.test_mse.dims == ("training", "teacher_width", "width", "seed", "retained")
    narrow = ds.test_mse.sel(width=6)
    assert bool(narrow.sel(retained=slice(7, None)).isnull().all())
    assert bool(narrow.sel(retained=slice(0, 6)).notnull().all())
    assert bool(ds.importance.sel(width=6, node=slice(6, None)).isnull().all())
    # epochs: union of the methods' logged epochs, NaN where a method logged none
    assert ds.epoch.values.tolist() == [4, 8, 12]
    assert bool(ds.train_loss.sel({"training": "direct", "epoch": 12}).isnull().all())
    assert bool(ds.train_loss.sel({"training": "spectral", "epoch": 12}).notnull().all())
    for name in ("test_mse", "importance", "dimension", "train_loss"):
        # plain-text long names; dimensionless, so no units (xarray would print "[1]")
        assert ds[name].attrs["long_name"] and "`" not in ds[name].attrs["long_name"]
        assert "units" not in ds[name].attrs
    for key in (
        "phasetrans_version",
        "study_toml",
        "study_hash",
        "torch_version",
        "device",
        "created",
    ):
        assert ds.attrs[key]
    assert 'name = "s"' in ds.attrs["study_toml"]
    # retained = 0 predicts 0 for a ReLU-sum student: MSE = mean(y^2) > unpruned
    assert bool((ds.test_mse.sel(retained=0) > ds.test_mse.sel(retained=6).sel(width=6)).all())
    # direct students keep lambda_out = 1
    eig = ds.eigenvalue.sel({"training": "direct", "width": 10})
    assert np.allclose(eig.values, 1.0)
    ds.close()


def test_open_study_merges_groups(regression):
    _, out = regression
    ds = open_study(out)
    assert ds.w1.dims == ("training", "teacher_width", "width", "seed", "input", "node")
    assert ds.w2.dims == ("training", "teacher_width", "width", "seed", "node", "hidden2")
    assert ds.teacher_w1.dims == ("teacher_width", "input", "teacher_node")
    assert ds.sizes["input"] == 10 and ds.sizes["hidden2"] == 20 and ds.sizes["teacher_node"] == 4
    # importance is the column norm of w1 times sqrt(width) (lambda_in = 0)
    w1 = ds.w1.sel({"training": "spectral", "width": 10}).isel(teacher_width=0, seed=0)
    norms = np.sqrt((w1.values.astype(float) ** 2).sum(0)) * np.sqrt(10)
    imp = ds.importance.sel({"training": "spectral", "width": 10}).isel(teacher_width=0, seed=0)
    np.testing.assert_allclose(norms, imp.values, rtol=1e-5)
    groups = xr.open_dataset(out, group="weights")
    assert set(groups.data_vars) == {"w1", "w2"}
    groups.close()


def test_same_study_twice_gives_identical_datasets(regression, tmp_path):
    path, first = regression
    text = path.read_text().replace(str(first), str(tmp_path / "again.nc"))
    again = tmp_path / "again.toml"
    again.write_text(text)
    second = run_study(load_study(again), scheduler="sync", progress=False).output
    a, b = read_dataset(first, load=True), read_dataset(second, load=True)
    assert a.attrs["study_hash"] == b.attrs["study_hash"]
    for d in (a, b):  # only the creation time and the output path differ
        d.attrs.pop("created")
        d.attrs.pop("study_toml")
    xr.testing.assert_identical(a, b)


def test_write_read_round_trip_and_combine_fills_nan(regression, tmp_path):
    _, out = regression
    ds = read_dataset(out, load=True)
    half = [ds.isel(seed=[0]), ds.isel(seed=[1, 2])]
    combined = combine_datasets(half)
    combined.attrs = ds.attrs
    xr.testing.assert_identical(combined, ds)
    partial = combine_datasets([ds.sel(width=[6]).isel(seed=[0])])
    assert partial.sizes["width"] == 1 and partial.sizes["seed"] == 1
    path = write_dataset(partial, tmp_path / "p.nc")
    xr.testing.assert_identical(read_dataset(path, load=True), partial)
    assert not list(tmp_path.glob(".p.nc.*"))  # no temporary left behind


def test_regression_end_to_end_cli(tmp_path, capsys):
    path = _study(tmp_path, "e2e")
    assert cli(["run", str(path), "--scheduler", "sync", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "task(s) computed" in out and "dimension" in out and "MSE(h_T)" in out
    assert "test accuracy" not in out  # regression: no accuracy table
    assert cli(["info", str(tmp_path / "data" / "e2e.nc")]) == 0
    info = capsys.readouterr().out
    assert "spectral" in info and "direct" in info and "width=2" in info


def test_classification_end_to_end(tmp_path, capsys):
    path = _study(tmp_path, "cls", kind="classification", epochs=40)
    assert cli(["run", str(path), "--scheduler", "sync", "--no-progress"]) == 0
    assert "test accuracy" in capsys.readouterr().out  # the summary's accuracy table
    ds = read_dataset(tmp_path / "data" / "cls.nc", load=True)
    assert ds.attrs["teacher_kind"] == "classification"
    acc = ds.test_accuracy.sel({"training": "spectral", "width": 10, "retained": 10})
    assert bool(((acc >= 0) & (acc <= 1)).all())
    assert float(acc.mean()) > 0.75  # it learned the labels far better than chance
    # with every node pruned the logit is the bias alone: one class for all inputs
    empty = ds.test_accuracy.sel(retained=0)
    assert bool((abs(empty - 0.5) < 0.1).all())
    mse = ds.test_mse.sel(width=10, retained=10)  # Brier score, bounded by 1
    assert bool(((mse >= 0) & (mse <= 1)).all())
    assert np.isfinite(float(ds.teacher_threshold.item()))


def test_info_missing_file_is_one_clear_error(tmp_path, capsys):
    assert cli(["info", str(tmp_path / "none.nc")]) == 2
    assert "no such study file" in capsys.readouterr().err


def test_shipped_sample_selects_by_training():
    from phasetrans import sample_path

    sample = sample_path()
    ds = open_study(sample)
    spectral = ds.sel(training="spectral")
    assert "training" not in spectral.dims
    assert spectral.dimension.sel(width=16).values.ravel().tolist() == [8.0] * 4
    assert {"teacher_recovered", "teacher_cosine"} <= set(ds.data_vars)
    root = xr.open_dataset(sample)
    assert root.test_mse.sel(training="direct").dims[0] == "teacher_width"


def test_the_matching_threshold_of_teacher_recovered_is_recorded_in_its_attributes():
    from phasetrans import sample_path
    from phasetrans.names import COSINE_MATCH

    ds = read_dataset(sample_path(), load=True)
    combined = combine_datasets([ds])
    assert combined["teacher_recovered"].attrs["threshold"] == COSINE_MATCH
    assert str(COSINE_MATCH) in combined["teacher_recovered"].attrs["long_name"]

"""Swept studies: lists in the study file become dataset dimensions.

A tiny study with teacher seeds × input dimensions × alpha runs through the
command line on an embedded dask cluster; its dataset has one dimension per
list, the same file gives the same dataset, and adding a value to a list
reuses every part already computed.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import xarray as xr

from phasetrans.cli import main as cli
from phasetrans.config import load_study, parse_study
from phasetrans.runner import plan_tasks, run_study, study_status
from phasetrans.runner.spec import cell_data_seed
from phasetrans.store import open_study, read_dataset

SWEPT = """
name = "swept"
output = "data/swept.nc"
[teacher]
seeds = [0, 1, 2]
input_dim = [5, 8]
widths = [2]
[data]
alpha = {alpha}
n_test = 200
[students]
widths = [4]
seeds = [0, 1]
methods = ["spectral"]
[training.spectral]
epochs = {epochs}
batch_size = 50
log_every = 2
[run]
seed_block = 2
"""


def _write(tmp_path, alpha="[2.0, 4.0]", epochs=4):
    path = tmp_path / "swept.toml"
    path.write_text(SWEPT.format(alpha=alpha, epochs=epochs))
    return path


def _bare(ds: xr.Dataset) -> xr.Dataset:
    ds = ds.load()
    ds.attrs = {}
    return ds


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("swept")
    path = _write(tmp)
    assert cli(["run", str(path), "--workers", "2", "--no-progress"]) == 0
    return path, tmp / "data" / "swept.nc"


def test_lists_become_dimensions_in_dataset_order(swept):
    _, out = swept
    ds = open_study(out)
    student = ("training", "teacher_seed", "input_dim", "alpha", "teacher_width", "width", "seed")
    assert ds.test_mse.dims == (*student, "retained")
    assert ds.teacher_recovered.dims == student and ds.teacher_cosine.dims == student
    assert ds.test_mse.shape == (1, 3, 2, 2, 1, 1, 2, 5)
    assert ds.teacher_seed.values.tolist() == [0, 1, 2]
    assert ds.input_dim.values.tolist() == [5, 8]
    assert ds.alpha.values.tolist() == [2.0, 4.0]
    # n_train = round(alpha * input_dim * h_T), a coordinate over what it depends on
    assert ds.n_train.dims == ("input_dim", "alpha", "teacher_width")
    assert ds.n_train.values[:, :, 0].tolist() == [[20, 40], [32, 64]]
    # the teachers are one per (teacher seed, input dim): different weights, padded inputs
    w = ds.teacher_w1.sel(teacher_width=2)
    assert w.dims == ("teacher_seed", "input_dim", "input", "teacher_node")
    assert not np.allclose(w.sel(teacher_seed=0, input_dim=5), w.sel(teacher_seed=1, input_dim=5))
    assert bool(w.sel(input_dim=5, input=slice(5, None)).isnull().all())
    assert bool(w.sel(input_dim=8).notnull().all())
    assert bool(ds.teacher_recovered.notnull().all())
    assert float(ds.teacher_recovered.min()) >= 0 and float(ds.teacher_recovered.max()) <= 1
    assert ds.teacher_recovered.attrs["long_name"]


def test_each_teacher_seed_draws_its_own_data():
    study = parse_study(SWEPT.format(alpha="[2.0]", epochs=1))
    seeds = {cell_data_seed(study, t) for t in (0, 1, 2)}
    assert len(seeds) == 3
    assert cell_data_seed(study, 1) == int(
        np.random.SeedSequence([study.data.seed, 1]).generate_state(1)[0]
    )
    # the single-value form keeps data.seed, so studies without teacher.seeds keep their numbers
    single = parse_study(
        SWEPT.format(alpha="2.0", epochs=1).replace("seeds = [0, 1, 2]", "seed = 7")
    )
    assert cell_data_seed(single, 7) == single.data.seed


def test_same_file_twice_gives_the_same_dataset(swept, tmp_path):
    _, out = swept
    again = _write(tmp_path)
    report = run_study(load_study(again), scheduler="sync", progress=False)
    xr.testing.assert_identical(_bare(read_dataset(report.output)), _bare(read_dataset(out)))


def test_adding_a_value_reuses_every_part(swept, tmp_path):
    path = _write(tmp_path)
    first = run_study(load_study(path), scheduler="sync", progress=False)
    assert len(first.computed) == 12
    before = _bare(read_dataset(first.output).test_mse)
    path = _write(tmp_path, alpha="[2.0, 3.0, 4.0]")
    study = load_study(path)
    assert len(study_status(study).done) == 12 and len(plan_tasks(study)) == 18
    second = run_study(study, scheduler="sync", progress=False)
    assert len(second.computed) == 6 and len(second.skipped) == 12
    assert all("_a3.0" in key for key in second.computed)
    ds = read_dataset(second.output, load=True)
    assert ds.alpha.values.tolist() == [2.0, 3.0, 4.0]
    after = _bare(ds.sel(alpha=[2.0, 4.0]).test_mse).drop_vars("n_train")
    xr.testing.assert_identical(after, before.drop_vars("n_train"))


def test_changed_setting_is_refused_unless_fresh(tmp_path, capsys):
    path = _write(tmp_path, alpha="[2.0]", epochs=2)
    assert cli(["run", str(path), "--scheduler", "sync", "--no-progress"]) == 0
    path = _write(tmp_path, alpha="[2.0]", epochs=3)
    capsys.readouterr()
    assert cli(["run", str(path), "--scheduler", "sync", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--fresh" in err
    assert cli(["run", str(path), "--scheduler", "sync", "--no-progress", "--fresh"]) == 0


def test_a_single_value_adds_no_dimension(tmp_path):
    text = SWEPT.format(alpha="2.0", epochs=1).replace("seeds = [0, 1, 2]", "seed = 3")
    text = text.replace("input_dim = [5, 8]", "input_dim = 6")
    path = tmp_path / "single.toml"
    path.write_text(text)
    report = run_study(load_study(path), scheduler="sync", progress=False)
    ds = read_dataset(report.output)
    assert ds.test_mse.dims == ("training", "teacher_width", "width", "seed", "retained")
    assert int(ds.teacher_seed) == 3 and int(ds.input_dim) == 6 and float(ds.alpha) == 2.0
    assert ds.n_train.values.tolist() == [24]  # over teacher_width


def _keywords(method) -> set[str]:
    return {p for p in inspect.signature(method).parameters if p not in ("self", "indexers")}


def test_no_dimension_or_coordinate_is_named_like_a_selection_keyword(swept):
    _, out = swept
    ds = open_study(out)
    reserved = set()
    for method in (xr.Dataset.sel, xr.Dataset.isel, xr.Dataset.interp):
        reserved |= _keywords(method)
    assert {"method", "tolerance", "drop"} <= reserved  # the check knows what it guards
    names = set(ds.dims) | set(ds.coords)
    assert not names & reserved, names & reserved
    # and selecting by name works: the rename from `method` is what made this possible
    assert ds.sel(training="spectral").test_mse.dims[0] == "teacher_seed"


def test_status_prints_the_cost_and_a_time_estimate(swept, tmp_path, capsys):
    path, _ = swept
    assert cli(["status", str(path)]) == 0
    out = capsys.readouterr().out
    assert "12/12 done" in out and "sweeps: teacher_seed (3), input_dim (2), alpha (2)" in out
    # 12 tasks x 2 students x 4 epochs x ceil(n_train / 50) batches
    study = load_study(path)
    steps = sum(4 * -(-t.spec.n_train // 50) * 2 for t in plan_tasks(study))
    assert f"12 tasks, {steps:.3g} student-steps" in out
    assert "per million student-steps on the parts done" in out
    bigger = _write(tmp_path, alpha="[2.0, 4.0, 8.0]", epochs=40)
    assert cli(["status", str(bigger), "--timing-from", str(path)]) == 0
    out = capsys.readouterr().out
    assert "on the parts of swept" in out and "worker-hours left" in out

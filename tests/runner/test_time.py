"""Budgets in steps and samples, fixed steps per epoch, online data and checkpoints in time."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import xarray as xr

from phasetrans.backend.sets import block_data
from phasetrans.backend.teacher import make_teacher
from phasetrans.config import parse_study
from phasetrans.errors import ConfigError
from phasetrans.names import TIME, at_checkpoints
from phasetrans.runner import run_study
from phasetrans.runner.plan import plan_tasks
from phasetrans.runner.spec import checkpoint_steps
from phasetrans.store import read_dataset

SWEEP = """
name = "{name}"
output = "{out}"
[teacher]
kind = "committee"
input_dim = [8, 16]
widths = [2]
seeds = [0, 1]
[data]
{data}
n_test = 300
[students]
widths = [4]
seeds = [0, 1]
methods = ["spectral"]
[training.spectral]
lr = 0.02
{training}
[run]
seed_block = 2
"""


def _study(tmp_path, name="t", data="alpha = [0.5, 2.0]", training="steps = 60", extra=""):
    text = SWEEP.format(name=name, out=tmp_path / f"{name}.nc", data=data, training=training)
    return parse_study(text + extra)


def _run(study):
    report = run_study(study, scheduler="sync", progress=False)
    assert report.ok
    return read_dataset(report.output, load=True)


def test_a_step_budget_gives_every_cell_of_an_alpha_by_n_sweep_the_same_steps(tmp_path):
    study = _study(tmp_path, training="steps = 60\nbatch_size = 7")
    tasks = plan_tasks(study, device="cpu")
    assert {t.spec.settings.steps for t in tasks} == {60}
    assert len({t.spec.n_train for t in tasks}) == 4  # alpha x N: four training-set sizes
    ds = _run(study)
    np.testing.assert_array_equal(ds["budget_steps"].values, 60)
    # samples, epochs and natural time follow from each cell's own P
    expected = (60 / np.ceil(ds["n_train"] / 7)).broadcast_like(ds["budget_epochs"])
    np.testing.assert_allclose(ds["budget_epochs"], expected.transpose(*ds["budget_epochs"].dims))
    np.testing.assert_allclose(ds["budget_time"], ds["budget_samples"] / ds["input_dim"])


def test_batches_per_epoch_fixes_the_steps_per_epoch_and_stores_each_cells_batch(tmp_path):
    study = _study(tmp_path, training="epochs = 5\nbatches_per_epoch = 4")
    tasks = plan_tasks(study, device="cpu")
    for t in tasks:
        assert t.spec.settings.batches_per_epoch == 4
        assert t.spec.settings.batch_size == -(-t.spec.n_train // 4)
    ds = _run(study)
    np.testing.assert_array_equal(ds["budget_steps"].values, 20)  # 5 epochs x 4 batches
    samples = (5 * ds["n_train"]).broadcast_like(ds["budget_samples"])
    np.testing.assert_array_equal(
        ds["budget_samples"], samples.transpose(*ds["budget_samples"].dims)
    )
    batch = np.ceil(ds["n_train"] / 4).broadcast_like(ds["batch_size"])
    np.testing.assert_array_equal(ds["batch_size"], batch.transpose(*ds["batch_size"].dims))


def test_a_sample_budget_runs_the_fewest_steps_that_see_that_many_examples(tmp_path):
    study = _study(tmp_path, data="n_train = 50", training="samples = 123\nbatch_size = 20")
    (task,) = {t.spec.settings.steps: t for t in plan_tasks(study, device="cpu")}.values()
    # epochs of 20+20+10: 2 epochs (100 examples) + 20 + 10 >= 123 -> 6 + 2 steps
    assert task.spec.settings.steps == 8


@pytest.mark.parametrize(
    ("training", "data", "message"),
    [
        ("steps = 5\nepochs = 3", "alpha = 1.0", "give one budget"),
        ("batches_per_epoch = 2\nbatch_size = 10", "alpha = 1.0", "not both"),
        ("steps = 5\nlr_scaling = 'inverse_input_dim'", "alpha = 1.0", "applies to optimizer"),
        ("epochs = 5", "online = true", "not allowed with data.online"),
        ("batches_per_epoch = 2\nsteps = 3", "online = true", "not allowed with data.online"),
        ("steps = 5", "online = true\nalpha = 1.0", "data.alpha is not allowed"),
    ],
)
def test_study_files_that_mix_budgets_or_modes_are_refused_in_one_line(
    tmp_path, training, data, message
):
    with pytest.raises(ConfigError, match=message) as info:
        _study(tmp_path, training=training, data=data)
    assert "\n" not in str(info.value)


def test_batches_per_epoch_larger_than_a_cells_training_set_is_refused_at_planning(tmp_path):
    study = _study(tmp_path, data="n_train = 10", training="steps = 5\nbatches_per_epoch = 11")
    with pytest.raises(ConfigError, match="batches_per_epoch = 11"):
        plan_tasks(study, device="cpu")


def test_checkpoint_steps_are_log_spaced_and_hold_the_quarter_half_and_end():
    steps = checkpoint_steps(12, 1000)
    assert steps[0] == 1 and steps[-1] == 1000 and {250, 500} <= set(steps)
    ratios = np.diff(np.log(steps[:8]))
    assert np.all(ratios > 0)
    assert checkpoint_steps([3, 10, 5000], 100) == (3, 10, 25, 50, 100)
    assert checkpoint_steps(None, 100) == ()


def test_checkpoints_make_a_time_dimension_whose_last_point_is_the_final_state(tmp_path):
    study = _study(
        tmp_path, training="steps = 40\nbatch_size = 5", extra="[record]\ncheckpoints = 6\n"
    )
    ds = _run(study)
    assert TIME in ds.dims
    for coord in ("time_step", "time_samples", "time_epoch"):
        assert TIME in ds[coord].dims and "teacher_seed" not in ds[coord].dims
    last = ds.isel({TIME: -1})
    np.testing.assert_array_equal(last["time_step"].values, 40)
    np.testing.assert_array_equal(
        ds["time_step"].isel(training=0, input_dim=0, alpha=0, teacher_width=0),
        [1, 2, 4, 9, 10, 19, 20, 40],
    )
    # one code path measures checkpoints and the final state: equal to the last bit
    for name in ("dimension", "teacher_recovered", "specialisation", "subspace_overlap"):
        xr.testing.assert_equal(
            last[at_checkpoints(name)].reset_coords(drop=True), ds[name].reset_coords(drop=True)
        )
    width = int(ds["width"][0])
    np.testing.assert_array_equal(
        last[at_checkpoints("test_mse")].values, ds["test_mse"].sel(retained=width).values
    )
    assert at_checkpoints("train_loss") in ds and at_checkpoints("overlap_max") in ds


def test_online_learning_stores_no_training_set_and_is_fixed_by_the_seed(tmp_path):
    online = "online = true\nseed = 3"
    a = _run(_study(tmp_path, "a", data=online, training="steps = 30\nbatch_size = 2"))
    b = _run(_study(tmp_path, "b", data=online, training="steps = 30\nbatch_size = 2"))
    c = _run(
        _study(tmp_path, "c", data="online = true\nseed = 4", training="steps = 30\nbatch_size = 2")
    )
    assert "n_train" not in a.coords and "alpha" not in a.coords
    np.testing.assert_array_equal(a["budget_samples"].values, 60)
    np.testing.assert_array_equal(a["w1"].values, b["w1"].values)
    assert not np.allclose(a["w1"].values, c["w1"].values)  # fresh data


def test_the_online_test_set_does_not_depend_on_the_budget(tmp_path):
    short = plan_tasks(_study(tmp_path, data="online = true", training="steps = 10"), device="cpu")
    long = plan_tasks(_study(tmp_path, data="online = true", training="steps = 999"), device="cpu")
    spec_a, spec_b = short[0].spec, long[0].spec
    t = spec_a.teacher
    teacher = make_teacher(t.input_dim, t.width, 0, seed=t.seed, kind=t.kind)
    test_a = block_data(spec_a, teacher, torch.float32, torch.device("cpu"))[2]
    test_b = block_data(spec_b, teacher, torch.float32, torch.device("cpu"))[2]
    assert torch.equal(test_a, test_b) and test_a.shape[0] == 300


def test_orthogonal_committee_teachers_store_identity_overlaps(tmp_path):
    study = _study(tmp_path, training="steps = 3", extra="").model_copy()
    text = SWEEP.format(
        name="o", out=tmp_path / "o.nc", data="alpha = 1.0", training="steps = 3"
    ).replace('kind = "committee"', 'kind = "committee"\northogonal = true')
    ds = _run(parse_study(text))
    overlap = ds["teacher_overlap"].values
    eye = np.broadcast_to(np.eye(2), overlap.shape)
    np.testing.assert_allclose(overlap, eye, atol=1e-6)
    assert study.teacher.committee


def test_sgd_step_sizes_scale_with_one_over_n_when_asked(tmp_path):
    study = _study(
        tmp_path, training="steps = 5\noptimizer = 'sgd'\nlr_scaling = 'inverse_input_dim'"
    )
    lrs = {t.spec.teacher.input_dim: t.spec.settings.lr for t in plan_tasks(study, device="cpu")}
    assert lrs == {8: pytest.approx(0.02 / 8), 16: pytest.approx(0.02 / 16)}


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('kind = "committee"', 'kind = "committee"\nhidden2 = 20', "no second hidden layer"),
        ('kind = "committee"', 'kind = "regression"\northogonal = true', "for committee teachers"),
        ("input_dim = [8, 16]", "input_dim = [1, 16]", "h_T <= input_dim"),
        ('methods = ["spectral"]', 'methods = ["spectral"]\nreadout = "trained"', None),
        ("lr = 0.02", "lr = 0.02\nstep = 'fast'", "committee students use step"),
    ],
)
def test_committee_fields_are_refused_where_they_do_not_apply(tmp_path, old, new, message):
    text = SWEEP.format(
        name="c", out=tmp_path / "c.nc", data="alpha = 1.0", training="steps = 3"
    ).replace(old, new)
    if message is None:  # readout is fine for committee students, refused for the paper's
        assert parse_study(text).students.readout == "trained"
        text = text.replace('kind = "committee"', 'kind = "regression"')
        message = "students.readout is for students of a committee teacher"
    with pytest.raises(ConfigError, match=message):
        parse_study(text)


def test_checkpoints_are_refused_with_early_stopping(tmp_path):
    with pytest.raises(ConfigError, match="stopped run"):
        _study(
            tmp_path,
            training="epochs = 5\n[training.spectral.stop]\npatience = 3",
            extra="[record]\ncheckpoints = 4\n",
        )

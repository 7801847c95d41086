"""Committee studies planned by cells: packed equals unpacked, bitwise."""

from __future__ import annotations

import pytest
import xarray as xr

from phasetrans.config import parse_study
from phasetrans.names import TIME
from phasetrans.runner import run_study
from phasetrans.runner.cells import pack_cells, plan_cells
from tests.runner.helpers import load_dataset, parts_dir

#: The committee study of issue 21 in miniature: ReLU committee teacher, committee
#: students of the teacher's form trained by Adam with the member step, a step budget,
#: batches per epoch, log-spaced checkpoints and nested data (the committee default).
COMMITTEE_STUDY = """
name = "{name}"
output = "{out}"
[teacher]
kind = "committee"
input_dim = [6, 8]
widths = [2]
seeds = {teachers}
[data]
alpha = [1.0, 3.0]
n_test = 50
[students]
widths = [3, 4]
seeds = [0, 1]
methods = ["spectral", "direct"]
{students}
[training.spectral]
lr = {lr}
steps = 24
batches_per_epoch = 3
optimizer = "{optimizer}"
step = "member"
[training.direct]
lr = {lr}
steps = 24
batches_per_epoch = 3
optimizer = "{optimizer}"
step = "member"
[record]
checkpoints = 4
[run]
pack = "{pack}"
seed_block = 2
max_members = 64
"""


def _study(tmp_path, name, pack, optimizer, students, teachers):
    lr = 0.02 if optimizer == "adam" else 0.2
    text = COMMITTEE_STUDY.format(
        teachers=teachers,
        name=name,
        out=tmp_path / f"{name}.nc",
        pack=pack,
        optimizer=optimizer,
        lr=lr,
        students=students,
    )
    return parse_study(text)


@pytest.mark.parametrize(
    ("optimizer", "students", "teachers"),
    [
        ("adam", "", [0, 1]),
        ("adam", 'readout = "trained"\nactivation = "erf"', [0]),
        ("sgd", "", [0]),
    ],
)
def test_packed_committee_study_equals_unpacked(tmp_path, optimizer, students, teachers):
    """(2 teachers x) 2 alpha x 2 input dims x 2 widths x 2 seeds x 2 methods: padded
    packs of one method each give the dataset of pack = "off" (one task per seed block)."""
    off = _study(tmp_path, "off", "off", optimizer, students, teachers)
    on = _study(tmp_path, "on", "auto", optimizer, students, teachers)
    assert on.hash == off.hash  # pack stays out of the hash
    cells = 16 * len(teachers) * 2
    packs = pack_cells(plan_cells(on, device="cpu"), max_members=64, workers=1)
    assert len(packs) == 2 and all(p.spec.padded for p in packs)
    assert all(p.spec.members == cells // 2 for p in packs)
    a = run_study(off, scheduler="sync", progress=False)
    b = run_study(on, scheduler="sync", progress=False)
    assert a.ok and b.ok and len(a.computed) == len(b.computed) == cells
    assert len(list(parts_dir(on).glob("*.nc"))) == 2
    expected, packed = load_dataset(a.output), load_dataset(b.output)
    xr.testing.assert_identical(packed, expected)
    assert "readout" in packed and "w2" not in packed
    assert packed.sizes[TIME] > 1  # checkpoints recorded
    assert int(packed["budget_steps"].min()) == int(packed["budget_steps"].max()) == 24

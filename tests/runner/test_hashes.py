"""Every shipped study, and studies using every later field, keep their study, task and cell hashes.

A part is reused when it records its task's hash, so a refactoring that changed
a hash would silently recompute (or orphan) every part computed before it. The
values were recorded from the code before the specs were split out of the
backend (commit 1e8a40c); the digests cover every task key and hash.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from phasetrans.config import load_study, parse_study, stable_hash
from phasetrans.errors import PhasetransWarning
from phasetrans.runner.cells import pack_cells, plan_cells
from phasetrans.runner.plan import plan_tasks

STUDIES = Path(__file__).resolve().parents[2] / "studies"

#: study file -> (study hash, tasks, digest of the sorted (task key, task hash) pairs).
SHIPPED = {
    "classification.toml": ("8f3a0c5f0c78dd0c", 4, "2d90ae34232d89ec"),
    "paper.toml": ("9d83bb7b76ae9d52", 54, "77c676c856cdb1d5"),
    "quick.toml": ("074dd67c10118f1e", 8, "4cfe91e105f99627"),
    "reference_small.toml": ("5b329896ba3d4b7d", 6, "3b8d11288c083f8d"),
    "reference_small_stop.toml": ("5dd223eeba11df85", 6, "c2984ae22d1864eb"),
    "specialisation.toml": ("38169cfd578abe03", 3600, "8643b47750af4a69"),
    "specialisation_coarse.toml": ("4df8b8469a33630e", 168, "3eb25695267cb551"),
    "specialisation_epochs1200.toml": ("4151387a3e8650e1", 96, "5c205671b1055ea5"),
    "specialisation_epochs600.toml": ("149e24a3619927ac", 96, "a53a2866264ed3d3"),
    "specialisation_small.toml": ("cefdbc5ca4866c5e", 432, "76d47888952a9cf4"),
    "specialisation_small_half.toml": ("37bc6aaf2b5fdcdd", 144, "df3d5a2055a3ac31"),
    "specialisation_teachers32.toml": ("24ad0371db006bd7", 8, "e7b876be61852373"),
    "teachers.toml": ("10479b8d18164a04", 24, "d1e24ca31fe86f4f"),
    "pruning_aspect_h16.toml": ("b55c9bcf20231e2b", 16, "48242b40369372b8"),
    "pruning_aspect_h4.toml": ("0e9494c0654523c3", 16, "8e4faec6621a24f2"),
    "pruning_aspect_h8.toml": ("719183ca663f79e8", 16, "d748207bceaefd75"),
    "specialisation_v2.toml": ("2151cedf4016cc7b", 4480, "3e9fede5a0dd7d78"),
    "specialisation_v2_long.toml": ("2472a5f68a009616", 768, "c870f53ae9c2bb73"),
    "specialisation_v2_online.toml": ("d168ed7e136a6a08", 64, "bcc73bada9cfd2d6"),
    "specialisation_v2_small.toml": ("a9b214a38892d971", 768, "8d79735c17f560bb"),
}

CLASSIF = """\
name = "classif"
[teacher]
kind = "classification"
widths = [4]
[data]
n_train = [300, 600]
n_test = 200
[students]
widths = [8]
seeds = [0, 1]
train_lambda_in = true
[training.spectral]
epochs = 5
stop = {patience = 3, tol = 1e-3}
[training.direct]
epochs = 5
stop = {patience = 2}
log_every = 1
[pruning]
threshold = 0.1
[run]
threads = 2
seed_block = 1
"""

COMMITTEE = """\
name = "committee"
[teacher]
kind = "committee"
input_dim = 20
widths = [2, 3]
orthogonal = true
[data]
alpha = [1.0, 2.5]
[students]
widths = [4]
seeds = [0, 1, 2]
methods = ["spectral", "direct"]
[training.spectral]
optimizer = "sgd"
lr = 0.1
batches_per_epoch = 4
steps = 50
[training.direct]
step = "reference"
epochs = 7
batch_size = "full"
"""

MEMBER = """\
name = "member"
[teacher]
input_dim = [5, 6]
widths = [3]
seeds = [0, 2]
[data]
alpha = [2.0, 3.0]
nested = true
[students]
widths = [8, 16]
seeds = [0, 1, 2]
methods = ["spectral", "direct", "group_lasso"]
[training.spectral]
step = "member"
l2_eigenvalues = [0.0, 1e-3]
epochs = 10
[training.direct]
step = "member"
samples = 700
[training.group_lasso]
step = "member"
steps = 33
batch_size = 17
[record]
checkpoints = [1, 5, 20]
[run]
pack = "auto"
max_members = 12
dtype = "float64"
"""

ONLINE = """\
name = "online"
[teacher]
kind = "committee"
input_dim = [20, 40]
widths = [2]
activation = "erf"
seeds = [0, 1]
[data]
online = true
[students]
widths = [2, 4]
seeds = [0, 1]
methods = ["direct"]
readout = "trained"
init_q = 0.3
[training.direct]
optimizer = "sgd"
lr_scaling = "inverse_input_dim"
lr = 0.5
batch_size = 1
samples = 4000
[record]
checkpoints = 6
"""

#: Studies setting the fields added after the first studies ran (committee and
#: online data, budgets in steps and samples, checkpoints, stop rules, packs):
#: TOML -> (study hash, tasks, task digest, cell digest or None).
VARIANTS = {
    "classif": (CLASSIF, ("7b3f83d79499d1f5", 8, "da03d889891be4f8", None)),
    "committee": (COMMITTEE, ("4a569e95ef6df545", 8, "1f97eadfd217531b", None)),
    "member": (MEMBER, ("81c506d7faba376b", 64, "97cabb3751b2511d", "a86fe72f93f7f562")),
    "online": (ONLINE, ("d766f238d8f6906c", 8, "8a75ad2304537952", None)),
}


def _digest(pairs) -> str:
    return stable_hash(sorted(pairs))


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_studies_keep_their_study_and_task_hashes(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PhasetransWarning)  # narrow students in some studies
        study = load_study(STUDIES / name)
    tasks = plan_tasks(study, device="cpu")
    assert (study.hash, len(tasks), _digest((t.key, t.task_hash) for t in tasks)) == SHIPPED[name]


def test_every_shipped_study_is_pinned():
    assert {p.name for p in STUDIES.glob("*.toml")} == set(SHIPPED)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_studies_with_later_fields_keep_their_hashes(name):
    text, expected = VARIANTS[name]
    study = parse_study(text)
    tasks = plan_tasks(study, device="cpu")
    cells = None
    if name == "member":
        cells = _digest((c.key, c.cell_hash) for c in plan_cells(study, device="cpu"))
    got = (study.hash, len(tasks), _digest((t.key, t.task_hash) for t in tasks), cells)
    assert got == expected


def test_packed_tasks_keep_their_keys_and_hashes():
    study = parse_study(MEMBER)
    tasks = pack_cells(plan_cells(study, device="cpu"), max_members=12, workers=2)
    assert len(tasks) == 16
    assert _digest((t.key, t.task_hash) for t in tasks) == "d0cbb68b1587c7c7"

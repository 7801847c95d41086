"""Planning: the cartesian product of the sweeps, task keys, hashes, the device."""

from __future__ import annotations

import pytest

from phasetrans.backend.device import cuda_device_count
from phasetrans.config import parse_study
from phasetrans.errors import ConfigError
from phasetrans.runner import plan_tasks

BASE = """
name = "p"
[teacher]
widths = [2, 3]
{teacher}
[data]
{data}
[students]
widths = [4, 8]
seeds = [0, 1, 2]
methods = ["spectral", "direct"]
[training.spectral]
{spectral}
[run]
seed_block = 2
{run}
"""


def _study(teacher="", data="", spectral="", run=""):
    return parse_study(BASE.format(teacher=teacher, data=data, spectral=spectral, run=run))


def test_tasks_are_the_product_of_the_sweeps():
    plain = plan_tasks(_study())
    assert len(plain) == 2 * 2 * 2 * 2  # methods × teacher widths × widths × seed blocks
    assert plain[0].key == "spectral_t2_w8_s0-1" and plain[0].cell == {}
    swept = plan_tasks(
        _study(
            teacher="seeds = [0, 5, 9]\ninput_dim = [3, 4]",
            data="alpha = [0.5, 1.0]",
            spectral="l2_eigenvalues = [0.0, 1e-3, 1e-2]",
        )
    )
    # spectral sweeps l2 (3 values), direct keeps its single value
    per_cell = 2 * 2 * 2  # teacher widths × widths × seed blocks
    assert len(swept) == per_cell * 3 * 2 * 2 * (3 + 1)
    keys = [t.key for t in swept]
    assert len(set(keys)) == len(keys)
    assert "spectral_t3_w4_s2_T5_d4_a1.0_l0.001" in keys
    assert "direct_t3_w4_s2_T5_d4_a1.0_l0.0005" in keys
    task = next(t for t in swept if t.key == "spectral_t3_w4_s2_T5_d4_a1.0_l0.001")
    assert task.spec.n_train == round(1.0 * 4 * 3)
    assert task.spec.teacher.seed == 5 and task.spec.teacher.input_dim == 4
    assert task.spec.settings.l2_eigenvalues == 1e-3


def test_task_hash_follows_only_what_changes_the_task():
    a = {t.key: t.task_hash for t in plan_tasks(_study(spectral="epochs = 5"))}
    b = {t.key: t.task_hash for t in plan_tasks(_study(spectral="epochs = 6"))}
    changed = {k for k in a if a[k] != b[k]}
    assert changed == {k for k in a if k.startswith("spectral")}
    c = {t.key: t.task_hash for t in plan_tasks(_study(run='dtype = "float64"'))}
    assert all(a[k] != c[k] for k in a)


def test_device_is_part_of_the_hash():
    cpu = plan_tasks(_study(), device="cpu")
    cuda = plan_tasks(_study(), device="cuda")
    assert all(x.task_hash != y.task_hash for x, y in zip(cpu, cuda, strict=True))


@pytest.mark.skipif(cuda_device_count() > 0, reason="this machine has CUDA")
def test_cuda_without_cuda_is_refused_at_planning():
    with pytest.raises(ConfigError, match=r"run\.device = 'cuda' is not available"):
        plan_tasks(_study(run='device = "cuda"'))

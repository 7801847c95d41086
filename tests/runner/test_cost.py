"""The cost model: a task's student-steps from its spec, and the time-left estimate."""

from __future__ import annotations

import dataclasses

from phasetrans.backend.specs import PackSpec
from phasetrans.config import parse_study
from phasetrans.runner.cost import CostEstimate, block_steps, cost_estimate, task_steps
from phasetrans.runner.plan import plan_tasks
from tests.backend.helpers import block, settings

STUDY = """
name = "cost"
[teacher]
widths = [4]
[data]
n_train = 1000
[students]
widths = [8]
seeds = [0, 1, 2]
methods = ["spectral", "direct"]
[training.spectral]
epochs = 7
batch_size = 300
[training.direct]
steps = 50
batch_size = 100
[run]
seed_block = 2
"""


def test_student_steps_follow_the_budget_and_the_batches():
    assert block_steps(block(n_train=1000, settings=settings(epochs=7, batch_size=300))) == 28
    by_count = settings(epochs=7, batch_size=167, batches_per_epoch=6)
    assert block_steps(block(n_train=1000, settings=by_count)) == 42
    assert block_steps(block(n_train=1000, settings=settings(epochs=1, steps=3))) == 3
    online = block(n_train=0, online=True, settings=settings(epochs=40, steps=40, batch_size=1))
    assert block_steps(online) == 40
    two = block(n_train=1000, seeds=(0, 1), settings=settings(epochs=7, batch_size=300))
    assert task_steps(two) == 56
    assert task_steps(PackSpec((two, dataclasses.replace(two, seeds=(5,))))) == 56 + 28


def test_a_study_costs_the_sum_of_its_tasks():
    study = parse_study(STUDY)
    tasks = plan_tasks(study, device="cpu")
    estimate = cost_estimate(study, tasks, [])
    # spectral: 7 epochs x 4 batches; direct: 50 steps; seed blocks of 2 and 1
    assert estimate.steps == estimate.steps_left == (7 * 4 + 50) * 3
    assert estimate.tasks == 4 and estimate.rate is None and estimate.worker_hours is None
    assert "4 tasks, 234 student-steps" in estimate.summary()
    assert "no part with a timing yet" in estimate.summary()
    done = [t.key for t in tasks if t.key.startswith("direct")]
    assert cost_estimate(study, tasks, done).steps_left == 7 * 4 * 3


def test_the_time_left_is_the_rate_times_the_steps_left():
    estimate = CostEstimate(
        tasks=3, steps=4_000_000, steps_left=1_800_000, rate=2e-3, source="x", cores=2
    )
    assert estimate.worker_hours == 1.0
    text = estimate.summary()
    assert "2e+03 s per million student-steps on x" in text
    assert "about 1 worker-hours left (0.5 h on the 2 cores here)" in text

"""Run a study: plan it as tasks, run them on an executor, store parts, combine.

Modules:

- :mod:`~phasetrans.runner.plan`: study spec → :class:`Task` list (the
  cartesian product of the sweeps × teacher widths × widths × seed blocks) and
  the one path from the study spec to the backend spec;
- :mod:`~phasetrans.runner.lock`: one run of a study at a time;
- :mod:`~phasetrans.runner.executors`: interchangeable executors, in-process
  and dask.distributed, each a generator of ``(task, result | Failure)``;
- :mod:`~phasetrans.runner.driver`: :func:`run_study` consumes an executor,
  writes each part once and records failures once; :func:`study_status`,
  :func:`combine_study`.

Where tasks run (``scheduler`` of :func:`run_study`): ``None``/``"local"`` —
an embedded :class:`distributed.LocalCluster`, one single-threaded worker
process per core (one per GPU on CUDA); ``"sync"`` — this process; an address
such as ``"tcp://10.0.0.5:8786"`` — an existing scheduler.
"""

from __future__ import annotations

from phasetrans.runner.driver import (
    RunReport,
    StudyStatus,
    combine_study,
    run_study,
    study_status,
)
from phasetrans.runner.lock import lock_holder, study_lock
from phasetrans.runner.plan import Task, plan_tasks
from phasetrans.store import study_dir

__all__ = [
    "RunReport",
    "StudyStatus",
    "Task",
    "combine_study",
    "lock_holder",
    "plan_tasks",
    "run_study",
    "study_dir",
    "study_lock",
    "study_status",
]

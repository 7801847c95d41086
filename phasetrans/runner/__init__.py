"""Run a study: plan it as tasks, run them on an executor, store parts, combine.

Modules:

- :mod:`~phasetrans.runner.spec`: the one path from the study spec to the
  backend spec (:func:`~phasetrans.runner.spec.block_spec`) and the task hash;
- :mod:`~phasetrans.runner.plan`: study spec → :class:`Task` list (the
  cartesian product of the sweeps × teacher widths × widths × seed blocks);
- :mod:`~phasetrans.runner.cells`: studies planned by cells, grouped into
  packed or blocked tasks;
- :mod:`~phasetrans.runner.disk`: where a run writes, checked before any work;
- :mod:`~phasetrans.runner.lock`: one run of a study at a time (``phasetrans unlock``);
- :mod:`~phasetrans.runner.executors`: interchangeable executors, in-process
  and dask.distributed, each a generator of ``(task, result | Failure)``;
- :mod:`~phasetrans.runner.parts`: a finished task's part file;
- :mod:`~phasetrans.runner.status`: :func:`study_status` from the part files;
- :mod:`~phasetrans.runner.combine`: :func:`combine_study`;
- :mod:`~phasetrans.runner.driver`: :func:`run_study` consumes an executor,
  writes each part once and records failures once;
- :mod:`~phasetrans.runner.cost`: what a study costs, from its finished parts.

Where tasks run (``scheduler`` of :func:`run_study`): ``None``/``"local"`` —
an embedded :class:`distributed.LocalCluster`, one single-threaded worker
process per core (one per GPU on CUDA); ``"sync"`` — this process; an address
such as ``"tcp://10.0.0.5:8786"`` — an existing scheduler.
"""

from __future__ import annotations

from phasetrans.runner.combine import combine_study
from phasetrans.runner.driver import RunReport, run_study
from phasetrans.runner.lock import lock_holder, study_lock
from phasetrans.runner.plan import Task, plan_tasks
from phasetrans.runner.status import StudyStatus, study_status
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

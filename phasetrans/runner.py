"""Plan a study as independent tasks and run them: in-process or on dask.distributed.

This is the only module that talks to dask. A study is split into tasks, one
per (method, teacher width, width, block of seeds); the seeds of a block train
together as one ensemble. Tasks are plain picklable specs; a worker needs only
the package installed: results travel back to the client, which writes each as
a part file ``<data>/<study>/parts/<task>.nc`` (temporary name, then rename)
as soon as it arrives. Re-running a study skips parts whose study hash
matches, recomputes unreadable ones, and refuses parts of another hash unless
``fresh``. The final dataset is the combine of all parts.

Where tasks run (``scheduler``):

- ``None`` or ``"local"``: an embedded :class:`distributed.LocalCluster` with one
  single-threaded worker process per core (one per GPU when CUDA is used);
- ``"sync"``: in this process, one task after the other (debugging, or a
  progress bar over epochs);
- an address such as ``"tcp://10.0.0.5:8786"``: an existing scheduler.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from phasetrans.config import Study
from phasetrans.errors import StudyError

__all__ = [
    "RunReport",
    "StudyStatus",
    "Task",
    "combine_study",
    "plan_tasks",
    "run_study",
    "study_status",
]


@dataclass(frozen=True)
class Task:
    """One ensemble to train: a picklable spec and its part-file name."""

    key: str
    spec: Any  # phasetrans.backend.task.BlockSpec
    study_hash: str


@dataclass
class StudyStatus:
    """Which tasks of a study have a valid part, have failed, or are pending."""

    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Number of planned tasks."""
        return len(self.done) + len(self.failed) + len(self.pending)

    def summary(self) -> str:
        """One line: ``done / failed / pending`` (+ stale and unreadable parts)."""
        text = (
            f"{len(self.done)}/{self.total} done, {len(self.failed)} failed, "
            f"{len(self.pending)} pending"
        )
        if self.stale:
            text += f", {len(self.stale)} parts from another study hash"
        if self.corrupt:
            text += f", {len(self.corrupt)} unreadable parts (will be recomputed)"
        return text


@dataclass
class RunReport:
    """What :func:`run_study` did."""

    computed: list[str]
    skipped: list[str]
    failed: dict[str, str]  # task -> traceback
    output: Path | None
    seconds: float

    @property
    def ok(self) -> bool:
        """True when every task has a part and the dataset was written."""
        return not self.failed and self.output is not None


def study_dir(study: Study) -> Path:
    """Folder holding a study's parts, lock and failure log (``data/<study>/``)."""
    out = study.output_path
    return out.parent / out.stem


def plan_tasks(study: Study, *, seed_block: int | None = None) -> list[Task]:
    """Split a study into tasks (method × teacher width × width × block of seeds).

    Parameters
    ----------
    study : Study
        The validated study.
    seed_block : int, optional
        Seeds per task (default ``study.run.seed_block``).

    Returns
    -------
    list of Task
        In the order they are submitted: widest students first, so the longest
        tasks start early.
    """
    from phasetrans.backend.task import BlockSpec, TeacherSpec
    from phasetrans.backend.train import TrainSettings

    block = seed_block or study.run.seed_block
    seeds = study.students.seeds
    blocks = [tuple(seeds[i : i + block]) for i in range(0, len(seeds), block)]
    tasks = []
    for width in sorted(study.students.widths, reverse=True):
        for method in study.students.methods:
            t = study.training[method]
            settings = TrainSettings(
                lr=t.lr,
                batch_size=t.batch_size,
                epochs=t.epochs,
                l2_eigenvalues=t.l2_eigenvalues,
                l2_eigenvectors=t.l2_eigenvectors,
                l2_dense=t.l2_dense,
                group_lasso=t.group_lasso,
                log_every=t.log_every,
            )
            for h_t in study.teacher.widths:
                teacher = TeacherSpec(
                    kind=study.teacher.kind,
                    input_dim=study.teacher.input_dim,
                    width=h_t,
                    hidden2=study.teacher.hidden2,
                    seed=study.teacher.seed,
                )
                for seeds_ in blocks:
                    spec = BlockSpec(
                        training=method,
                        teacher=teacher,
                        width=width,
                        seeds=seeds_,
                        settings=settings,
                        n_train=study.data.n_train,
                        n_test=study.data.n_test,
                        data_seed=study.data.seed,
                        shuffle_seed=study.data.shuffle_seed,
                        threshold=study.pruning.threshold,
                        train_lambda_in=study.students.train_lambda_in,
                        device=study.run.device,
                        dtype=study.run.dtype,
                        threads=study.run.threads,
                    )
                    seed_part = f"{seeds_[0]}" if len(seeds_) == 1 else f"{seeds_[0]}-{seeds_[-1]}"
                    key = f"{method}_t{h_t}_w{width}_s{seed_part}"
                    tasks.append(Task(key, spec, study.hash))
    return tasks


# --------------------------------------------------------------------------- parts


def _part_path(study: Study, key: str) -> Path:
    return study_dir(study) / "parts" / f"{key}.nc"


def _failed_path(study: Study, key: str) -> Path:
    return study_dir(study) / "failed" / f"{key}.txt"


def _part_hash(path: Path) -> str | None:
    """The study hash a part file records, or None if it cannot be read."""
    import netCDF4

    try:
        with netCDF4.Dataset(path) as nc:
            if set(nc.groups) != {"weights", "teacher"} or "test_mse" not in nc.variables:
                return None
            return str(nc.getncattr("study_hash"))
    except (OSError, RuntimeError, AttributeError, KeyError):
        return None


def study_status(study: Study) -> StudyStatus:
    """Inspect a study's part files without running anything.

    Parameters
    ----------
    study : Study
        The study.

    Returns
    -------
    StudyStatus
        A part counts as done when it is readable and records the study's hash.
    """
    status = StudyStatus()
    for task in plan_tasks(study):
        part = _part_path(study, task.key)
        if part.exists():
            recorded = _part_hash(part)
            if recorded == study.hash:
                status.done.append(task.key)
                continue
            (status.corrupt if recorded is None else status.stale).append(task.key)
        if _failed_path(study, task.key).exists():
            status.failed.append(task.key)
        else:
            status.pending.append(task.key)
    return status


def _write_part(study: Study, task: Task, result: Any) -> Path:
    from phasetrans import store

    ds = store.block_dataset(result)
    ds.attrs.update(store.provenance_attrs(study, device=result.device))
    ds.attrs["task"] = task.key
    path = store.write_dataset(ds, _part_path(study, task.key))
    _failed_path(study, task.key).unlink(missing_ok=True)
    return path


def _record_failure(study: Study, key: str, text: str) -> None:
    path = _failed_path(study, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    with open(study_dir(study) / "failures.log", "a") as log:
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        log.write(f"--- {stamp} task {key} failed\n{text}\n")


# --------------------------------------------------------------------------- lock


@contextmanager
def study_lock(study: Study) -> Iterator[Path]:
    """Hold the study's lock file for the duration of a run.

    Raises
    ------
    StudyError
        If a live process holds it; a lock left by a dead process on this
        host is taken over.
    """
    path = study_dir(study) / "lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    me = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            holder = _read_lock(path)
            if holder is None and _age(path) < 10.0:
                # being written by a process that has just created it
                holder = {"host": "?", "pid": "?", "since": "just now"}
            if holder is not None and (holder["pid"] == "?" or _alive(holder)):
                raise StudyError(
                    f"study {study.name!r} is already running: lock {path} held by pid "
                    f"{holder['pid']} on host {holder['host']} since {holder['since']}"
                ) from None
            path.unlink(missing_ok=True)  # stale: its process is gone
            continue
        with os.fdopen(fd, "w") as f:
            json.dump(me, f)
        break
    else:  # pragma: no cover - another process won the race twice
        raise StudyError(f"could not take the lock {path}")
    try:
        yield path
    finally:
        holder = _read_lock(path)
        if holder is not None and holder.get("pid") == me["pid"]:
            path.unlink(missing_ok=True)


def _read_lock(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
        return data if {"host", "pid", "since"} <= set(data) else None
    except (OSError, ValueError):
        return None


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return float("inf")


def _alive(holder: dict[str, Any]) -> bool:
    if holder["host"] != socket.gethostname():
        return True  # cannot tell: assume it runs
    try:
        os.kill(int(holder["pid"]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --------------------------------------------------------------------------- execution


def _execute(task: Task) -> Any:
    """Worker side: train and prune one block, return its BlockResult."""
    from phasetrans.backend.task import run_block

    spec = task.spec
    if spec.device in ("auto", "cuda"):
        spec = _place_on_gpu(spec)
    return run_block(spec)


def _place_on_gpu(spec: Any) -> Any:
    """On a CUDA machine, pin a dask worker's tasks to the GPU matching its name."""
    import dataclasses

    import torch

    if not torch.cuda.is_available():
        return spec
    try:
        from distributed import get_worker

        name = get_worker().name
        index = int(name) % torch.cuda.device_count() if str(name).isdigit() else 0
    except (ImportError, ValueError):
        return spec
    return dataclasses.replace(spec, device=f"cuda:{index}")


def run_study(
    study: Study,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    threads_per_worker: int = 1,
    fresh: bool = False,
    progress: bool = True,
    max_in_flight: int | None = None,
    log: Callable[[str], None] = print,
) -> RunReport:
    """Run every task of a study that has no valid part yet, then combine.

    Parameters
    ----------
    study : Study
        The study.
    scheduler : str, optional
        ``None``/``"local"`` (embedded LocalCluster), ``"sync"`` (in-process)
        or the address of an existing dask scheduler.
    workers : int, optional
        Worker processes of the embedded cluster (default: one per core, or
        one per GPU when the study runs on CUDA).
    threads_per_worker : int
        Threads of each embedded worker.
    fresh : bool
        Delete parts of another study hash instead of refusing them.
    progress : bool
        Show a progress bar (over epochs with ``sync``, over tasks otherwise).
    max_in_flight : int, optional
        Most tasks submitted at once; bounds the results the client holds
        (default: twice the number of worker threads).
    log : callable
        Where messages go.

    Returns
    -------
    RunReport

    Raises
    ------
    StudyError
        Lock held by a live run, or parts of another hash without ``fresh``.
    """
    start = time.perf_counter()
    with study_lock(study):
        tasks = plan_tasks(study)
        status = study_status(study)
        if status.stale and not fresh:
            raise StudyError(
                f"{len(status.stale)} part(s) in {study_dir(study) / 'parts'} were computed for "
                f"another version of study {study.name!r} (e.g. {status.stale[0]}); "
                "rerun with --fresh to discard them"
            )
        for key in status.stale + status.corrupt:
            _part_path(study, key).unlink(missing_ok=True)
        if fresh:  # failure records of an older version of the study no longer apply
            for record in (study_dir(study) / "failed").glob("*.txt"):
                record.unlink()
        for tmp in (study_dir(study) / "parts").glob(".*.tmp"):
            tmp.unlink()  # left by a write that was killed; we hold the lock
        if status.corrupt:
            log(f"{len(status.corrupt)} unreadable part(s) will be recomputed")
        done = set(status.done)
        todo = [t for t in tasks if t.key not in done]
        skipped = [t.key for t in tasks if t.key in done]
        if skipped:
            log(f"{len(skipped)} of {len(tasks)} task(s) already done; {len(todo)} to run")
        computed: list[str] = []
        failed: dict[str, str] = {}
        if todo:
            if scheduler == "sync":
                _run_sync(study, todo, computed, failed, progress)
            else:
                _run_dask(
                    study,
                    todo,
                    computed,
                    failed,
                    scheduler=scheduler,
                    workers=workers,
                    threads_per_worker=threads_per_worker,
                    progress=progress,
                    max_in_flight=max_in_flight,
                    log=log,
                )
        output = None
        if not failed:
            # every task has a part now (we hold the lock): no need to reopen them all
            output = _combine(study, StudyStatus(done=[t.key for t in tasks]))
    return RunReport(computed, skipped, failed, output, time.perf_counter() - start)


def _run_sync(
    study: Study, todo: list[Task], computed: list[str], failed: dict[str, str], progress: bool
) -> None:
    from tqdm.auto import tqdm

    from phasetrans.backend.task import run_block

    total = sum(t.spec.settings.epochs for t in todo)
    with tqdm(total=total, unit="epoch", disable=not progress, dynamic_ncols=True) as bar:
        for task in todo:
            bar.set_description(task.key)
            for attempt in range(study.run.retries + 1):
                done_epochs = 0

                def tick(state: Any) -> None:
                    nonlocal done_epochs
                    done_epochs += 1
                    bar.update(1)

                try:
                    result = run_block(task.spec, callback=tick)
                except Exception:  # a task's failure must not stop the study
                    bar.update(-done_epochs)
                    if attempt == study.run.retries:
                        failed[task.key] = traceback.format_exc()
                        _record_failure(study, task.key, failed[task.key])
                        bar.update(task.spec.settings.epochs)
                    continue
                _write_part(study, task, result)
                computed.append(task.key)
                break


@contextmanager
def _client(
    scheduler: str | None, workers: int | None, threads_per_worker: int, study: Study
) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    # Not the default client: otherwise xarray would take a scheduler-wide
    # distributed.Lock for every part it writes (slow, and a Ctrl-C during the
    # write could leave the client waiting on it forever).
    if scheduler not in (None, "local"):
        with Client(scheduler, set_as_default=False) as client:
            yield client
        return
    if workers is None:
        workers = _default_workers(study)
    with _sigint_ignored():  # worker processes inherit it: Ctrl-C reaches the client alone
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=threads_per_worker,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
    with cluster, Client(cluster, set_as_default=False) as client:
        yield client


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while worker processes are spawned (main thread only).

    A Python process that starts with SIGINT ignored keeps ignoring it, so
    Ctrl-C in a terminal interrupts the client, which then shuts the cluster
    down in order, instead of every worker dying with its own traceback.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _default_workers(study: Study) -> int:
    if study.run.device in ("auto", "cuda"):
        import torch

        if torch.cuda.is_available():
            return torch.cuda.device_count()
    return os.cpu_count() or 1


def _run_dask(
    study: Study,
    todo: list[Task],
    computed: list[str],
    failed: dict[str, str],
    *,
    scheduler: str | None,
    workers: int | None,
    threads_per_worker: int,
    progress: bool,
    max_in_flight: int | None,
    log: Callable[[str], None],
) -> None:
    from distributed import as_completed
    from tqdm.auto import tqdm

    with _client(scheduler, workers, threads_per_worker, study) as client:
        if client.dashboard_link:
            log(f"dask dashboard: {client.dashboard_link}")
        slots = max_in_flight or 2 * max(1, sum(client.nthreads().values()))
        queue = list(todo)
        by_key: dict[str, Task] = {}

        def submit() -> Any:
            task = queue.pop(0)
            future = client.submit(
                _execute, task, key=f"{task.key}-{task.study_hash}", retries=study.run.retries
            )
            by_key[future.key] = task
            return future

        pool = as_completed([submit() for _ in range(min(slots, len(queue)))], loop=client.loop)
        try:
            with tqdm(
                total=len(todo), unit="task", disable=not progress, dynamic_ncols=True
            ) as bar:
                for future in pool:
                    task = by_key.pop(future.key)
                    if future.status == "finished":
                        _write_part(study, task, future.result())
                        computed.append(task.key)
                    else:
                        exc, tb = future.exception(), future.traceback()
                        text = "".join(traceback.format_exception(type(exc), exc, tb))
                        failed[task.key] = text
                        _record_failure(study, task.key, text)
                    future.release()
                    bar.update(1)
                    bar.set_postfix(failed=len(failed))
                    if queue:
                        pool.add(submit())
        except BaseException:
            for future in list(pool.futures):
                future.cancel()
            raise


def combine_study(study: Study, *, allow_missing: bool = False) -> Path:
    """Combine a study's part files into its dataset (``study.output_path``).

    Parameters
    ----------
    study : Study
        The study.
    allow_missing : bool
        Write what exists, missing cells NaN, and list the missing tasks in the
        ``missing_tasks`` attribute; otherwise missing parts raise.

    Returns
    -------
    pathlib.Path
        The written dataset.

    Raises
    ------
    StudyError
        If parts are missing (without ``allow_missing``) or none exist.
    """
    return _combine(study, study_status(study), allow_missing=allow_missing)


def _combine(study: Study, status: StudyStatus, *, allow_missing: bool = False) -> Path:
    from phasetrans import store

    missing = status.failed + status.pending  # stale/corrupt parts are listed there too
    if missing and not allow_missing:
        raise StudyError(
            f"study {study.name!r} has {len(missing)} of {status.total} task(s) without a "
            f"valid part (e.g. {missing[0]}); run it, or combine with --allow-missing"
        )
    if not status.done:
        raise StudyError(f"study {study.name!r} has no finished parts to combine")
    parts = [store.read_dataset(_part_path(study, key), load=True) for key in sorted(status.done)]
    devices = sorted({p.attrs.get("device", "?") for p in parts})
    ds = store.combine_datasets(parts)
    ds.attrs = store.provenance_attrs(study, device=",".join(devices))
    ds.attrs["tasks"] = len(status.done)
    if missing:
        ds.attrs["missing_tasks"] = ", ".join(sorted(missing))
    return store.write_dataset(ds, study.output_path)

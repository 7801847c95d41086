"""Executors: where tasks run. Each is a generator of ``(task, outcome)`` pairs.

The outcome is the task's :class:`~phasetrans.backend.results.BlockResult` (a
list of them for a pack), or a :class:`Failure` once its retries are spent. The driver
(:func:`phasetrans.runner.run_study`) consumes either executor the same way,
writing parts and recording failures as outcomes arrive; closing the generator
(Ctrl-C in the driver) cancels what is still queued.

- :func:`in_process`: one task after the other in this process (debugging, or
  a progress bar over epochs);
- :func:`on_dask`: an embedded :class:`distributed.LocalCluster` (one
  single-threaded worker process per core, one per GPU on CUDA) or an existing
  scheduler. This module is the only one that talks to dask.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import struct
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeAlias

from phasetrans.backend.results import BlockResult
from phasetrans.backend.specs import PackSpec, on_device, task_epochs
from phasetrans.errors import ConfigError, StudyError
from phasetrans.runner.plan import Task

__all__ = ["Failure", "Outcome", "check_scheduler", "in_process", "on_dask", "probe_scheduler"]

log = logging.getLogger("phasetrans.runner")

#: Seconds to wait for an existing scheduler before giving up.
CONNECT_TIMEOUT = 10.0
#: Seconds after which an existing scheduler without workers is reported (waiting goes on).
WORKER_WAIT = 30.0

#: ``[tcp|tls|ws|wss|ucx://]host:port`` (a host name, an IPv4 or a bracketed IPv6 address).
_ADDRESS = re.compile(r"^(?:(tcp|tls|ws|wss|ucx)://)?([\w.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$")


@dataclass(frozen=True)
class Failure:
    """A task that failed on every attempt: the last traceback, as text."""

    text: str


#: What a task gives: its result (one per block of a pack), or its failure.
Outcome: TypeAlias = "BlockResult | list[BlockResult] | Failure"


def in_process(
    todo: list[Task], *, retries: int = 0, progress: bool = True
) -> Iterator[tuple[Task, Outcome]]:
    """Run tasks in this process, one after the other, with a bar over epochs."""
    from tqdm.auto import tqdm

    from phasetrans.backend import task as backend_task
    from phasetrans.backend.device import worker_device

    total = sum(task_epochs(t.spec) for t in todo)
    with tqdm(total=total, unit="epoch", disable=not progress, dynamic_ncols=True) as bar:
        for task in todo:
            bar.set_description(task.key)
            spec = on_device(task.spec, worker_device(task.device, None))
            outcome: Outcome = Failure("not run")
            for _attempt in range(retries + 1):
                ticks = 0

                def tick(state: object) -> None:
                    nonlocal ticks
                    ticks += 1
                    bar.update(1)

                try:
                    if isinstance(spec, PackSpec):
                        # no callback: the bar moves at the end
                        outcome = backend_task.run_task(spec)
                        ticks = task_epochs(spec)
                        bar.update(ticks)
                    else:
                        outcome = backend_task.run_block(spec, callback=tick)
                    break
                except Exception:  # a task's failure must not stop the study
                    bar.update(-ticks)
                    outcome = Failure(traceback.format_exc())
            if isinstance(outcome, Failure):
                bar.update(task_epochs(task.spec))
            yield task, outcome


def _execute(task: Task) -> BlockResult | list[BlockResult]:
    """Worker side: train and prune one block (or pack) on this worker's device."""
    from phasetrans.backend.device import worker_device
    from phasetrans.backend.task import run_task

    index = None
    try:
        from distributed import get_worker

        name = get_worker().name
        index = int(name) if str(name).isdigit() else None
    except (ImportError, ValueError):
        pass
    return run_task(on_device(task.spec, worker_device(task.device, index)))


def on_dask(
    todo: list[Task],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    device: str = "cpu",
    retries: int = 0,
    progress: bool = True,
    max_in_flight: int | None = None,
    worker_wait: float = WORKER_WAIT,
) -> Iterator[tuple[Task, Outcome]]:
    """Run tasks on dask.distributed; yield each as it finishes.

    Parameters
    ----------
    todo : list of Task
        Tasks, submitted in this order.
    scheduler : str, optional
        ``None``/``"local"`` for an embedded LocalCluster, else the address of
        an existing scheduler (reached within :data:`CONNECT_TIMEOUT` seconds).
    workers : int, optional
        Worker processes of the embedded cluster (default: one per core, or
        one per GPU when the tasks run on CUDA).
    device : str
        The device kind of the tasks (``"cpu"`` or ``"cuda"``).
    retries : int
        Attempts after the first, per task.
    progress : bool
        Show a bar over tasks.
    max_in_flight : int, optional
        Most tasks submitted at once (default: twice the worker threads).
    worker_wait : float
        Seconds after which an existing scheduler without workers is reported
        (with how to start one); waiting goes on.
    """
    from distributed import as_completed
    from tqdm.auto import tqdm

    with _client(scheduler, workers, device) as client:
        if client.dashboard_link:
            log.info("dask dashboard: %s", client.dashboard_link)
        if scheduler not in (None, "local"):
            _wait_for_workers(client, str(scheduler), worker_wait)
        slots = max_in_flight or 2 * max(1, sum(client.nthreads().values()))
        queue = list(todo)
        by_key: dict[str, Task] = {}

        def submit() -> Any:
            task = queue.pop(0)
            future = client.submit(
                _execute, task, key=f"{task.key}-{task.task_hash}", retries=retries
            )
            by_key[future.key] = task
            return future

        pool = as_completed([submit() for _ in range(min(slots, len(queue)))], loop=client.loop)
        failed = 0
        try:
            with tqdm(
                total=len(todo), unit="task", disable=not progress, dynamic_ncols=True
            ) as bar:
                for future in pool:
                    task = by_key.pop(future.key)
                    outcome: Outcome
                    if future.status == "finished":
                        outcome = future.result()
                    else:
                        exc, tb = future.exception(), future.traceback()
                        outcome = Failure("".join(traceback.format_exception(type(exc), exc, tb)))
                        failed += 1
                    future.release()
                    bar.update(1)
                    bar.set_postfix(failed=failed)
                    if queue:
                        pool.add(submit())
                    yield task, outcome
        finally:
            for future in list(pool.futures):
                future.cancel()


@contextmanager
def _client(scheduler: str | None, workers: int | None, device: str) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    # Not the default client: otherwise xarray would take a scheduler-wide
    # distributed.Lock for every part it writes (slow, and a Ctrl-C during the
    # write could leave the client waiting on it forever).
    if scheduler not in (None, "local"):
        check_scheduler(scheduler)
        try:
            client = Client(scheduler, set_as_default=False, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise StudyError(
                f"cannot reach the dask scheduler {scheduler} within {CONNECT_TIMEOUT:g} s "
                f"({type(exc).__name__}); is it running?",
                field="scheduler",
                value=scheduler,
            ) from None
        with client:
            yield client
        return
    if workers is None:
        workers = _default_workers(device)
    if workers < 1:
        raise ConfigError(
            f"--workers = {workers} is invalid: must be at least 1", field="workers", value=workers
        )
    with _sigint_ignored():  # worker processes inherit it: Ctrl-C reaches the client alone
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
    with cluster, Client(cluster, set_as_default=False) as client:
        yield client


def check_scheduler(scheduler: str | None) -> None:
    """Refuse a ``--scheduler`` that is not ``local``, ``sync`` or a scheduler address.

    Raises
    ------
    ConfigError
        One line naming ``scheduler`` and the value (``''``, ``foo``, a bad port).
    """
    if scheduler in (None, "local", "sync"):
        return
    text = str(scheduler)
    match = _ADDRESS.match(text)
    if text.startswith("inproc://") or (match and 0 < int(match.group(3)) < 65536):
        return
    raise ConfigError(
        f"--scheduler = {text!r} is invalid: give 'local', 'sync' or the address of a dask "
        "scheduler, such as tcp://host:8786",
        field="scheduler",
        value=text,
    )


def probe_scheduler(address: str | None) -> None:
    """Check that a TCP address speaks dask (it greets first) within :data:`CONNECT_TIMEOUT`.

    A dask scheduler sends its handshake as soon as a connection opens; an
    HTTP server (a dashboard port) waits for a request, and other services
    send something else. Other protocols (TLS, websockets) are left to dask.

    Raises
    ------
    StudyError
        One line when the address cannot be reached or is not a dask scheduler.
    """
    match = _ADDRESS.match(address or "")
    if match is None or match.group(1) not in (None, "tcp"):
        return  # local, sync, or left to dask
    host, port = match.group(2).strip("[]"), int(match.group(3))
    start = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT) as conn:
            conn.settimeout(max(0.1, CONNECT_TIMEOUT - (time.monotonic() - start)))
            greeting = _read_greeting(conn)
    except OSError as exc:
        raise StudyError(
            f"cannot reach the dask scheduler {address} within {CONNECT_TIMEOUT:g} s "
            f"({exc.strerror or type(exc).__name__}); is it running?",
            field="scheduler",
            value=address,
        ) from None
    if not _is_dask_greeting(greeting):
        heard = "said nothing" if not greeting else f"answered {greeting[:16]!r}"
        raise StudyError(
            f"{address} is not a dask scheduler: it {heard} within {CONNECT_TIMEOUT:g} s "
            "(a dashboard or web port?); give the scheduler's address, e.g. tcp://host:8786",
            field="scheduler",
            value=address,
        )


def _read_greeting(conn: socket.socket) -> bytes:
    """The first bytes a server sends (up to 16), or what came before a timeout or close."""
    data = b""
    while len(data) < 16:
        try:
            chunk = conn.recv(16 - len(data))
        except TimeoutError:
            break
        if not chunk:
            break
        data += chunk
    return data


def _is_dask_greeting(data: bytes) -> bool:
    """Whether ``data`` opens a dask TCP message: its total length, then its frame count."""
    if len(data) < 16:
        return False
    total, frames = struct.unpack("<QQ", data[:16])
    return 16 <= total < 1 << 24 and 1 <= frames <= 64


def _wait_for_workers(client: Any, address: str, wait: float) -> None:
    """Wait for a worker; after ``wait`` seconds without one say how to start one, and go on."""
    try:
        client.wait_for_workers(1, timeout=wait)
    except TimeoutError:
        log.warning(
            "no workers have joined in %g s; start `dask worker %s` (still waiting)",
            wait,
            address,
        )
        client.wait_for_workers(1)


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while worker processes are spawned (main thread only).

    A Python process that starts with SIGINT ignored keeps ignoring it, so
    Ctrl-C in a terminal interrupts the client, which then shuts the cluster
    down in order, instead of every worker dying with its own traceback. The
    previous handler is back before this returns.
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


def _default_workers(device: str) -> int:
    if device == "cuda":
        from phasetrans.backend.device import cuda_device_count

        return max(1, cuda_device_count())
    return os.cpu_count() or 1

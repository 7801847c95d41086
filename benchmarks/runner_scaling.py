"""Wall time of a small study on 1 and 2 dask workers (processes, one thread each).

The study has 8 tasks of 1–2 s each at 300 epochs (2 methods × 2 widths × 2
blocks of 2 seeds). The client, which writes the parts, is warmed up first by
an in-process one-epoch run. For each worker count it reports

- start-up: starting a :class:`distributed.LocalCluster` as the runner's embedded
  one is started, plus importing torch and the backend in every worker and a
  one-epoch warm-up block;
- run: :func:`phasetrans.run_study` on that warm cluster (tasks, part files and
  the final combine, which runs on the client and does not scale), and the CPU
  time its workers used: on a machine shared with other work, ``busy`` (worker
  CPU / (run × workers)) well below 100% says the workers waited for a core;
- combine: the combine alone (a rerun that reuses every part);
- end to end: ``run_study(..., workers=n)`` with its own embedded cluster, as
  ``phasetrans run`` does it (skip with ``--no-end-to-end``).

The issue expects the run on 2 workers at least 1.6× faster than on 1 on a
2-core machine. The datasets of all runs must be identical; the script checks.

Run: ``python benchmarks/runner_scaling.py [--epochs 300] [--workers 1 2]``
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 1.6

STUDY = """
name = "scaling"
output = "{output}"
[teacher]
widths = [8]
[data]
n_train = 2000
n_test = 1000
[students]
widths = [24, 32]
seeds = [0, 1, 2, 3]
[training.spectral]
epochs = {epochs}
[training.direct]
epochs = {epochs}
[run]
seed_block = 2
device = "cpu"
"""


def _warm_worker() -> None:
    """Import torch and the backend and train one tiny block, as the first task would."""
    import dataclasses

    from phasetrans.backend.task import run_block
    from phasetrans.runner.spec import default_block

    spec = default_block()
    spec = dataclasses.replace(
        spec,
        teacher=dataclasses.replace(spec.teacher, width=4),
        width=8,
        settings=dataclasses.replace(spec.settings, epochs=1),
        n_train=100,
        n_test=100,
    )
    run_block(spec)


def _study(folder: Path, epochs: int):
    from phasetrans.config import parse_study

    text = STUDY.format(output=folder / "scaling.nc", epochs=epochs)
    return parse_study(text)


def _read(path: Path):
    from phasetrans.store import read_dataset

    ds = read_dataset(path, load=True)
    ds.attrs = {}
    return ds


@dataclasses.dataclass
class Timing:
    workers: int
    startup: float
    run: float
    cpu: float
    combine: float
    end_to_end: float | None


def measure(workers: int, epochs: int, end_to_end: bool, root: Path, datasets: list) -> Timing:
    from distributed import Client, LocalCluster

    from phasetrans.runner import combine_study, run_study

    start = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(_warm_worker)
        startup = time.perf_counter() - start
        study = _study(root / f"warm{workers}", epochs)
        cpu_before = client.run(time.process_time)
        report = run_study(study, scheduler=cluster.scheduler_address, progress=False)
        cpu_after = client.run(time.process_time)
    cpu = sum(cpu_after[w] - cpu_before[w] for w in cpu_after)
    assert report.ok and len(report.computed) == 8, report.failed
    run = report.seconds
    datasets.append(_read(report.output))
    start = time.perf_counter()
    combine_study(study)
    combine = time.perf_counter() - start

    total = None
    if end_to_end:
        study = _study(root / f"embedded{workers}", epochs)
        start = time.perf_counter()
        report = run_study(study, workers=workers, progress=False)
        total = time.perf_counter() - start
        assert report.ok, report.failed
        datasets.append(_read(report.output))
    return Timing(workers, startup, run, cpu, combine, total)


def main() -> None:
    import xarray as xr

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=300, help="epochs per task (default 300)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-end-to-end", action="store_true", help="skip the embedded runs")
    args = parser.parse_args()

    from phasetrans.runner import run_study

    with tempfile.TemporaryDirectory() as tmp:  # the client writes parts: warm it up too
        run_study(_study(Path(tmp), 1), scheduler="sync", progress=False)

    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the runs")
    timings: list[Timing] = []
    datasets: list = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.workers:
            timings.append(measure(n, args.epochs, not args.no_end_to_end, Path(tmp), datasets))
    for ds in datasets[1:]:
        xr.testing.assert_identical(ds, datasets[0])

    print(f"study: 8 tasks, {args.epochs} epochs each; every dataset identical")
    print(
        f"{'workers':>7} {'start-up':>9} {'run':>8} {'worker CPU':>11} {'busy':>5} "
        f"{'combine':>8} {'end to end':>11}"
    )
    for t in timings:
        e2e = f"{t.end_to_end:10.1f}s" if t.end_to_end is not None else f"{'-':>11}"
        busy = t.cpu / (t.run * t.workers)
        print(
            f"{t.workers:>7} {t.startup:8.1f}s {t.run:7.1f}s {t.cpu:10.1f}s {busy:5.0%} "
            f"{t.combine:7.1f}s {e2e}"
        )
    print("busy: worker CPU time / (run × workers); well below 100% means other load")
    if len(timings) >= 2:
        a, b = timings[0], timings[-1]
        ratio = a.run / b.run
        verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
        print(
            f"speed-up {a.workers} -> {b.workers} workers (warm cluster): {ratio:.2f}x "
            f"({verdict} the {TARGET_RATIO}x target); without the combine: "
            f"{(a.run - a.combine) / (b.run - b.combine):.2f}x"
        )
        if a.end_to_end and b.end_to_end:
            print(
                f"speed-up end to end (cluster start-up included): "
                f"{a.end_to_end / b.end_to_end:.2f}x"
            )
    print(f"load average {os.getloadavg()[0]:.1f} after the runs")


if __name__ == "__main__":
    main()

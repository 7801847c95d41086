"""Where the quick study's wall time goes: start-up, dask, training, writing.

Runs ``phasetrans run studies/quick.toml`` (fresh, into a temporary folder) as
a subprocess on the embedded 2-worker cluster and splits its wall time into

- interpreter + imports (``python -c "import phasetrans.cli"`` timed alone),
- the run itself, from the ``run`` command's report,
- training and pruning inside the workers (the blocks' own seconds, stored in
  every part), divided by the number of workers: the ideal wall time,

and prints each as a share of the wall time, so the ratios come from one run.

    python benchmarks/quick_profile.py [--study studies/quick.toml] [--workers 2]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xarray as xr


def _timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, out.stdout + out.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", default="studies/quick.toml")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    imports, _ = _timed([sys.executable, "-c", "import phasetrans.cli"])
    torch_import, _ = _timed([sys.executable, "-c", "import torch"])
    with tempfile.TemporaryDirectory() as tmp:
        study = Path(tmp) / Path(args.study).name
        shutil.copy(args.study, study)
        wall, text = _timed(
            [
                sys.executable,
                "-m",
                "phasetrans",
                "run",
                str(study),
                "--no-progress",
                "--workers",
                str(args.workers),
                "--data-dir",
                tmp,
            ]
        )
        run = float(re.search(r"failed in ([\d.]+) s", text).group(1))
        parts = sorted(Path(tmp).glob("*/parts/*.nc"))
        block = [float(xr.open_dataset(p).attrs["seconds"]) for p in parts]
    train = sum(block) / args.workers
    rows = [
        ("wall time of `phasetrans run`", wall),
        ("  interpreter + imports (import phasetrans.cli)", imports),
        ("  run_study (plan, cluster, tasks, parts, combine)", run),
        ("    training + pruning, sum over blocks / workers", train),
        ("    the rest of run_study (cluster start, torch import in workers, I/O)", run - train),
        ("  summary printing and exit", wall - imports - run),
        ("(for reference: import torch alone)", torch_import),
    ]
    print(f"{'phase':<72} {'s':>7} {'share':>7}")
    for name, seconds in rows:
        print(f"{name:<72} {seconds:>7.1f} {seconds / wall:>7.0%}")
    print(f"\n{len(block)} blocks; longest {max(block):.1f} s, shortest {min(block):.1f} s")


if __name__ == "__main__":
    main()

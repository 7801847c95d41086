"""Wall time of :func:`phasetrans.analysis.scaling.collapse` with a seed bootstrap.

A synthetic array of 10 sizes x 1500 control values x 30 seeds, drawn from
O = L^zeta F((x - x_c) L^(1/nu)) with noise
(:func:`phasetrans.testing.known_collapse`), collapsed with 200 bootstrap
resamples.  Target: under 60 s on 2 cores.

Usage: ``python benchmarks/collapse_speed.py [--bootstrap 200]``
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import xarray as xr

from phasetrans.analysis.scaling import collapse
from phasetrans.testing import known_collapse

X_C, NU, ZETA = 0.25, 0.9, 0.5


def master(s: np.ndarray) -> np.ndarray:
    """The benchmark's master curve F(s)."""
    return 1 / (1 + np.exp(-s)) + 0.1 * s / (1 + s**2) + 0.1


def synthetic(seed: int = 0) -> xr.DataArray:
    """10 sizes (10 ... 226) x 1500 control values x 30 seeds, 5 % noise, not ragged."""
    sizes = np.round(10 * 2 ** (np.arange(10) / 2)).astype(float)
    return known_collapse(
        X_C, NU, ZETA, noise=0.05, n_seeds=30, n_x=1500, seed=seed, ragged=False,
        sizes=sizes, window=8.0, scaling=master, name=None,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="processes for the bootstrap")
    args = parser.parse_args()
    da = synthetic()
    start, cpu = time.perf_counter(), time.process_time()
    result = collapse(
        da, "L", "x", sample_dim="seed", bootstrap=args.bootstrap, seed=0, workers=args.workers
    )
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(result.report())
    print(f"\ntruth: x_c = {X_C}, nu = {NU}, zeta = {ZETA}")
    print(
        f"collapse of {dict(da.sizes)} with {args.bootstrap} bootstrap resamples: "
        f"{elapsed:.1f} s wall with {args.workers} worker(s) (target < 60 s on 2 cores)"
    )
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"CPU time: main process {cpu:.1f} s, bootstrap workers "
        f"{children.ru_utime + children.ru_stime:.1f} s"
    )


if __name__ == "__main__":
    main()

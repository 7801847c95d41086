"""Wall time of :func:`phasetrans.analysis.scaling.collapse` with a seed bootstrap.

A synthetic array of 10 sizes x 1500 control values x 30 seeds, drawn from
O = L^zeta F((x - x_c) L^(1/nu)) with noise, collapsed with 200 bootstrap
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

X_C, NU, ZETA = 0.25, 0.9, 0.5


def synthetic(seed: int = 0) -> xr.DataArray:
    rng = np.random.default_rng(seed)
    sizes = np.round(10 * 2 ** (np.arange(10) / 2)).astype(float)  # 10 ... 226
    x = X_C + np.linspace(-1.0, 1.0, 1500) * 8.0 / sizes.max() ** (1 / NU)
    s = (x[None, :] - X_C) * sizes[:, None] ** (1 / NU)
    clean = sizes[:, None] ** ZETA * (1 / (1 + np.exp(-s)) + 0.1 * s / (1 + s**2) + 0.1)
    values = clean[:, :, None] * (1 + 0.05 * rng.standard_normal((*clean.shape, 30)))
    return xr.DataArray(
        values, dims=("L", "x", "seed"), coords={"L": sizes, "x": x, "seed": np.arange(30)}
    )


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

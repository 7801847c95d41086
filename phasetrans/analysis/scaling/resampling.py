r"""The bootstrap of a collapse: redo it on resampled samples, summarise the replicates.

The draws come from :func:`phasetrans.analysis.bootstrap.draw` — one level
(seeds) or two (teachers, then the students of each drawn teacher) — all made
before any work is shared out, so the result does not depend on ``workers``.
Each resample recomputes the mean and its error on the (size, control) grid and
is searched locally from the point estimate (:class:`LocalSearch`).
"""

from __future__ import annotations

import concurrent.futures
import math
from collections.abc import Callable

import numpy as np

from phasetrans.analysis.bootstrap import (
    LEVELS,
    bootstrap_std,
    draw,
    percentile_intervals,
    replicate,
)
from phasetrans.analysis.progress import progress_bar
from phasetrans.analysis.samples import mean_and_error
from phasetrans.analysis.scaling.data import CollapseData
from phasetrans.analysis.scaling.objective import NAMES, Objective
from phasetrans.analysis.scaling.optimiser import LocalSearch
from phasetrans.analysis.scaling.quality import PaddedCurves

__all__ = ["nu_error", "nu_interval", "resample_collapse", "safe_inverse", "summarise"]


def resample_collapse(
    data: CollapseData,
    objective: Objective,
    local: LocalSearch,
    n_resamples: int,
    seed: int,
    workers: int = 1,
    progress: bool = False,
) -> np.ndarray:
    """Redo the collapse on resampled samples; rows of (x_c, 1/nu, zeta, b, omega).

    ``objective`` is centred on the point estimate in the whitened basis; each
    resample is searched locally from there; NaN rows are failed resamples.
    ``progress`` shows a bar over the resamples (:mod:`phasetrans.analysis.progress`).
    """
    rng = np.random.default_rng(seed)
    draws = draw(rng, data.samples.shape[2:], n_resamples)
    if objective.free.size == 0:
        return np.tile(objective.theta, (n_resamples, 1))
    workers = min(workers, n_resamples)
    with progress_bar(n_resamples, "bootstrap", "resample", progress) as bar:
        if workers <= 1:
            return _chunk(data, objective, local, draws, bar.update)
        chunks = draws.split(workers)
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
            parts = []
            for part in pool.map(
                _chunk,
                [data] * len(chunks),
                [objective] * len(chunks),
                [local] * len(chunks),
                chunks,
            ):
                parts.append(part)
                bar.update(len(part))
            return np.vstack(parts)


def _chunk(
    data: CollapseData,
    objective: Objective,
    local: LocalSearch,
    draws,
    done: Callable[[], object] | None = None,
) -> np.ndarray:
    control = np.broadcast_to(data.control, data.mean.shape)

    def one(b: int) -> np.ndarray | None:
        mean, se = mean_and_error(draws.take(data.samples, b), data.levels)
        err = data.errors_of(mean, se)
        resampled = objective.rebased(
            objective.theta, objective.basis, PaddedCurves.from_grid(control, mean, err)
        )
        z, f = local.search(resampled)
        if done is not None:
            done()
        return resampled.full(z) if np.isfinite(f) else None

    return replicate(len(draws), objective.theta.size, one)[0]


def summarise(
    draws: np.ndarray, free_names: list[str]
) -> tuple[dict[str, np.ndarray], dict[str, dict[float, tuple[float, float]]], dict[str, float]]:
    """Replicates by name (with ``nu``), their percentile intervals and standard deviations."""
    samples = {n: draws[:, k] for k, n in enumerate(NAMES)}
    samples["nu"] = safe_inverse(samples["inv_nu"])
    intervals = {n: percentile_intervals(samples[n]) for n in NAMES}
    intervals["nu"] = {lv: nu_interval(intervals["inv_nu"][lv]) for lv in LEVELS}
    stderr = {}
    for n in NAMES:
        std = bootstrap_std(samples[n])
        stderr[n] = (0.0 if math.isnan(std) else std) if n in free_names else 0.0
    return samples, intervals, stderr


def safe_inverse(values: np.ndarray) -> np.ndarray:
    """``1 / values`` with ``inf`` where a value is 0."""
    with np.errstate(divide="ignore"):
        return np.where(values == 0, np.inf, 1.0 / np.asarray(values, dtype=float))


def nu_error(inv_nu: float, inv_nu_err: float) -> float:
    """Delta method: sd(nu) = sd(1/nu) / (1/nu)^2."""
    if inv_nu_err == 0:
        return 0.0
    if inv_nu == 0:
        return math.inf
    return float(inv_nu_err / inv_nu**2)


def nu_interval(inv_interval: tuple[float, float]) -> tuple[float, float]:
    """Map an interval of 1/nu to one of nu (upper end inf when it contains 0)."""
    lo, hi = inv_interval
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return (math.nan, math.nan)
    if lo > 0 or hi < 0:
        return (1.0 / hi, 1.0 / lo)
    return (1.0 / hi if hi > 0 else -math.inf, math.inf)

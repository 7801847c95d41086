r"""The errors of a collapse: curvature, the polish in whitened coordinates, the bootstrap.

:func:`estimate_errors` takes the optimum of the search and returns an
:class:`Errors` record: the polished optimum, its quality, and one
:class:`~phasetrans.analysis.estimate.Estimate` per parameter with its
standard error (bootstrap standard deviation, or the curvature one without a
bootstrap), curvature standard error, percentile intervals, replicates and
correlations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from phasetrans.analysis.estimate import Estimate
from phasetrans.analysis.scaling.data import CollapseData
from phasetrans.analysis.scaling.objective import NAMES, Objective
from phasetrans.analysis.scaling.optimiser import LocalSearch, curvature, local_search
from phasetrans.analysis.scaling.resampling import (
    nu_error,
    resample_collapse,
    safe_inverse,
    summarise,
)
from phasetrans.analysis.scaling.result import CORRECTION_PARAMETERS

__all__ = ["Errors", "Optimum", "errors_at", "estimate_errors", "polish"]


@dataclass(frozen=True)
class Errors:
    """What :func:`estimate_errors` found.

    Attributes
    ----------
    theta : numpy.ndarray
        The optimum after the polish, ``(x_c, 1/nu, zeta, b, omega)``.
    quality : float
        :math:`S` there.
    params : dict
        ``x_c, nu, inv_nu, zeta`` (and ``b, omega`` with corrections) as
        :class:`~phasetrans.analysis.estimate.Estimate`.
    method : str
        ``"bootstrap"`` or ``"curvature"``: where ``stderr`` comes from.
    n_failed : int
        Bootstrap resamples whose search failed.
    """

    theta: np.ndarray
    quality: float
    params: dict[str, Estimate]
    method: str
    n_failed: int


def _correlation(cov: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.diag(cov))
        return cov / np.outer(sd, sd)


def _correlations(cov: np.ndarray, free_names: list[str]) -> dict[str, dict[str, float]]:
    """``{name: {other: correlation}}`` of the free parameters, ``nu`` by the delta method."""
    corr = _correlation(cov) if cov.size else cov
    out = {
        n: {m: float(corr[k, j]) for j, m in enumerate(free_names) if j != k}
        for k, n in enumerate(free_names)
    }
    if "inv_nu" in out:  # nu = 1/(1/nu) moves against 1/nu
        out["nu"] = {m: -c for m, c in out["inv_nu"].items()}
    return out


def _bootstrap_covariance(draws: np.ndarray, free_names: list[str]) -> np.ndarray:
    columns = draws[:, [NAMES.index(n) for n in free_names]]
    ok = np.isfinite(columns).all(axis=1)
    if ok.sum() < 2:
        return np.full((len(free_names),) * 2, np.nan)
    return np.atleast_2d(np.cov(columns[ok], rowvar=False))


@dataclass(frozen=True)
class Optimum:
    """The polished optimum of a collapse, before its bootstrap.

    Attributes
    ----------
    objective : Objective
        The goal function (its ``free`` parameters are those searched).
    theta : numpy.ndarray
        The optimum after the polish, ``(x_c, 1/nu, zeta, b, omega)``.
    quality : float
        :math:`S` there.
    cov : numpy.ndarray
        Curvature covariance of the free parameters at the search's optimum.
    local : LocalSearch
        The whitened local search (of the polish, and of every resample).
    free_names : list of str
        The free parameters, in the order of ``objective.free``.
    """

    objective: Objective
    theta: np.ndarray
    quality: float
    cov: np.ndarray
    local: LocalSearch
    free_names: list[str]


def polish(
    objective: Objective, theta_hat: np.ndarray, s_min: float, free_names: list[str]
) -> Optimum:
    """Curvature errors at the optimum of the search, then the polish in whitened coordinates."""
    cov = curvature(objective, theta_hat, s_min)
    local = local_search(objective, theta_hat, cov)
    if objective.free.size:
        # polish in whitened coordinates, where the valley of S is round
        z, f = local.search(local.objective)
        if f < s_min:
            theta_hat, s_min = local.objective.full(z), f
    return Optimum(objective, theta_hat, s_min, cov, local, list(free_names))


def estimate_errors(
    objective: Objective,
    data: CollapseData,
    theta_hat: np.ndarray,
    s_min: float,
    free_names: list[str],
    fixed: Mapping[str, float],
    *,
    corrections: bool,
    bootstrap: int,
    seed: int,
    workers: int,
) -> Errors:
    """Curvature errors, the polish in whitened coordinates and the bootstrap.

    Parameters
    ----------
    objective : Objective
        The goal function of the collapse.
    data : CollapseData
        The prepared input (its samples are resampled).
    theta_hat, s_min
        The optimum of the search and :math:`S` there.
    free_names : list of str
        The free parameters, in the order of ``objective.free``.
    fixed : mapping
        The pinned parameters and their values.
    corrections : bool
        Whether ``b`` and ``omega`` are reported.
    bootstrap, seed, workers : int
        As for :func:`~phasetrans.analysis.scaling.collapse`.

    Returns
    -------
    Errors
    """
    optimum = polish(objective, theta_hat, s_min, free_names)
    return errors_at(
        optimum, data, fixed, corrections=corrections, bootstrap=bootstrap, seed=seed,
        workers=workers,
    )  # fmt: skip


def errors_at(
    optimum: Optimum,
    data: CollapseData,
    fixed: Mapping[str, float],
    *,
    corrections: bool,
    bootstrap: int,
    seed: int,
    workers: int,
    progress: bool = False,
) -> Errors:
    """The estimates at a polished optimum: curvature errors and, with ``bootstrap``, resamples.

    Each resample is searched locally from ``optimum`` over its free
    parameters; ``progress`` shows a bar over them; arguments otherwise as for
    :func:`estimate_errors`.
    """
    theta_hat, cov, free_names = optimum.theta, optimum.cov, optimum.free_names
    curv = {n: 0.0 for n in NAMES}
    for k, n in enumerate(free_names):
        curv[n] = float(np.sqrt(cov[k, k])) if np.isfinite(cov[k, k]) else math.nan
    values = dict(zip(NAMES, map(float, theta_hat), strict=True))
    values["nu"] = float(safe_inverse(np.array(values["inv_nu"])))
    curv["nu"] = nu_error(values["inv_nu"], curv["inv_nu"])
    samples: dict[str, np.ndarray] = {}
    intervals: dict[str, dict[float, tuple[float, float]]] = {}
    failed = 0
    if bootstrap:
        local = optimum.local
        centred = local.objective.rebased(theta_hat, local.basis)
        draws = resample_collapse(data, centred, local, bootstrap, seed, workers, progress)
        failed = int(np.isnan(draws[:, 0]).sum())
        samples, intervals, stderr = summarise(draws, free_names)
        stderr["nu"] = nu_error(values["inv_nu"], stderr["inv_nu"])
        method, cov = "bootstrap", _bootstrap_covariance(draws, free_names)
    else:
        stderr, method = dict(curv), "curvature"
    if "nu" in fixed:
        values["nu"] = fixed["nu"]  # exactly the value given, not 1/(1/nu)
    correlations = _correlations(cov, free_names)
    names = ["x_c", "nu", "inv_nu", "zeta"] + (list(CORRECTION_PARAMETERS) if corrections else [])
    params = {
        n: Estimate(
            values[n],
            stderr[n],
            curvature_stderr=curv[n],
            intervals=intervals.get(n),
            samples=samples.get(n),
            fixed=n in fixed or (n == "inv_nu" and "nu" in fixed),
            correlations=correlations.get(n),
        )
        for n in names
    }
    return Errors(theta_hat, optimum.quality, params, method, failed)

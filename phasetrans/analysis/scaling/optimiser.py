r"""The optimiser of the collapse: grid starts, Nelder–Mead, curvature errors, local search.

The quality :math:`S` is only piecewise smooth, so the search is derivative
free: a coarse grid over :math:`(x_c, 1/\nu, \zeta)`, Nelder–Mead from its best
well-separated points, then a polish in coordinates whitened by the curvature
covariance (:class:`LocalSearch`, also the search of every bootstrap resample).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.optimize

from phasetrans.analysis.scaling.objective import Objective
from phasetrans.errors import AnalysisInputError

__all__ = ["LocalSearch", "curvature", "local_search", "nelder_mead", "search_plain"]


def nelder_mead(
    objective: Objective,
    z0: np.ndarray,
    step: np.ndarray,
    xatol: float,
    frtol: float = 1e-7,
):
    """Nelder–Mead from ``z0`` with an axis-aligned initial simplex of ``step``.

    Stops when the simplex is within ``xatol`` (normalised units) and its
    values within ``frtol`` times the starting value.
    """
    p = z0.size
    simplex = np.vstack([z0, z0 + np.diag(step)])
    f0 = objective(z0)
    fatol = frtol * f0 if np.isfinite(f0) and f0 > 0 else 1e-12
    res = scipy.optimize.minimize(
        objective,
        z0,
        method="Nelder-Mead",
        options={
            "initial_simplex": simplex,
            "xatol": xatol,
            "fatol": fatol,
            "maxfev": 400 * p,
            "adaptive": p > 3,
        },
    )
    return np.asarray(res.x), float(res.fun)


def _grid_starts(objective: Objective, axes: list[np.ndarray], n_starts: int) -> list:
    """Evaluate the product grid and return up to ``n_starts`` well-separated best points."""
    mesh = np.meshgrid(*axes, indexing="ij")
    points = np.stack([m.ravel() for m in mesh], axis=1)
    index = np.stack(
        [m.ravel() for m in np.meshgrid(*[np.arange(a.size) for a in axes], indexing="ij")],
        axis=1,
    )
    values = np.array([objective.value(_theta_from_grid(objective, pt)) for pt in points])
    starts: list[np.ndarray] = []
    chosen: list[np.ndarray] = []
    for k in np.argsort(values, kind="stable"):
        if not np.isfinite(values[k]) or len(starts) == n_starts:
            break
        if any(np.all(np.abs(index[k] - c) <= 1) for c in chosen):
            continue
        chosen.append(index[k])
        starts.append(_theta_from_grid(objective, points[k]))
    return starts


def search_plain(
    plain: Objective, axes: list[np.ndarray], start: np.ndarray | None, min_overlap: float
) -> np.ndarray:
    """Grid, then Nelder–Mead from the three best separated grid points (and ``start``)."""
    starts = _grid_starts(plain, axes, 3)
    if start is not None:
        starts.append(start)
    if not starts:
        raise AnalysisInputError(
            f"no parameter values give overlapping curves (min_overlap={min_overlap}); "
            "widen x_window, give starting values or lower min_overlap"
        )
    step = np.ones(plain.free.size)
    best = min(
        (nelder_mead(plain, plain.normalised(t), step, 1e-3) for t in starts),
        key=lambda zf: zf[1],
    )
    return plain.full(best[0])


def _theta_from_grid(objective: Objective, point: np.ndarray) -> np.ndarray:
    theta = objective.theta.copy()
    theta[objective.free] = point
    return theta


def curvature(objective: Objective, theta_hat: np.ndarray, s_min: float) -> np.ndarray:
    """Covariance of the free parameters, :math:`2 S_{min} H^{-1}` (pyfssa's rule).

    :math:`S` is only piecewise smooth (the bracketing neighbours change with
    the parameters), so :math:`H` comes from a least-squares quadratic fit to
    :math:`S` on a stencil whose steps raise :math:`S` by about :math:`S_{min}`
    (about one standard error under this rule): first along the parameter axes,
    then again along the principal axes of that first estimate, which resolves
    strongly correlated parameters.
    """
    p = objective.free.size
    nan = np.full((p, p), np.nan)
    if p == 0 or not np.isfinite(s_min):
        return nan
    if s_min == 0:
        return np.zeros((p, p))
    z_hat = objective.normalised(theta_hat)

    def step_along(v: np.ndarray) -> float:
        t = 0.1
        for _ in range(60):
            rise = max(objective(z_hat + t * v), objective(z_hat - t * v)) - s_min
            if rise < 0.2 * s_min and t < 1e6:
                t *= 2.0
            elif rise > 3.0 * s_min and t > 1e-10:
                t *= 0.5
            else:
                break
        return t

    hess_z = _quadratic_hessian(objective, z_hat, np.diag([step_along(v) for v in np.eye(p)]))
    if hess_z is None:
        return nan
    _, vectors = np.linalg.eigh(hess_z)
    refined = _quadratic_hessian(
        objective, z_hat, np.column_stack([step_along(v) * v for v in vectors.T])
    )
    if refined is not None:
        hess_z = refined
    if np.linalg.eigvalsh(hess_z).min() <= 0:
        return nan
    cov_z = 2 * s_min * np.linalg.inv(hess_z)
    return objective.basis @ cov_z @ objective.basis.T


def _quadratic_hessian(
    objective: Objective, z0: np.ndarray, basis: np.ndarray
) -> np.ndarray | None:
    """Hessian in z of a least-squares quadratic fitted on z = z0 + basis @ u, u a stencil."""
    p = basis.shape[1]
    eye = np.eye(p)
    design = [np.zeros(p)]
    for i in range(p):
        design += [eye[i], -eye[i], 0.5 * eye[i], -0.5 * eye[i]]
        for j in range(i):
            design += [eye[i] + eye[j], eye[i] - eye[j], -eye[i] + eye[j], -eye[i] - eye[j]]
    u = np.array(design)
    f = np.array([objective(z0 + basis @ row) for row in u])
    if not np.isfinite(f).all():
        return None
    inv_b = np.linalg.inv(basis)
    pairs = [(i, j) for i in range(p) for j in range(i + 1)]
    columns = [np.ones(len(u))] + [u[:, i] for i in range(p)]
    columns += [0.5 * u[:, i] ** 2 if i == j else u[:, i] * u[:, j] for i, j in pairs]
    coef = np.linalg.lstsq(np.column_stack(columns), f, rcond=None)[0]
    hess_u = np.empty((p, p))
    for k, (i, j) in enumerate(pairs):
        hess_u[i, j] = hess_u[j, i] = coef[1 + p + k]
    return inv_b.T @ hess_u @ inv_b


@dataclass(frozen=True)
class LocalSearch:
    r"""A Nelder–Mead search about a known minimum, in whitened coordinates.

    With the curvature covariance :math:`C = 2 S_{min} H^{-1}` and
    ``basis`` its Cholesky factor, one unit of ``z`` is one curvature standard
    error.  Those are about :math:`\sqrt{N}` times the statistical errors
    (they correspond to :math:`\Delta\chi^2 = N` rather than 1), so the
    simplex starts about three statistical errors wide and resolves about a tenth
    of the bootstrap spread.
    """

    objective: Objective
    basis: np.ndarray
    step: np.ndarray
    xatol: float
    frtol: float

    def search(self, objective: Objective) -> tuple[np.ndarray, float]:
        return nelder_mead(objective, np.zeros(self.step.size), self.step, self.xatol, self.frtol)


def local_search(objective: Objective, theta_hat: np.ndarray, cov: np.ndarray) -> LocalSearch:
    n_points = max(objective.curves.n_points, 1)
    p = objective.free.size
    basis = None
    if p and np.isfinite(cov).all():
        try:
            basis = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            basis = None
    if basis is not None and np.all(np.diag(basis) > 0):
        step = np.full(p, min(1.0, 3.0 / math.sqrt(n_points)))
    else:
        basis = objective.basis
        step = np.full(p, 0.1)
    return LocalSearch(
        objective=objective.rebased(theta_hat, basis),
        basis=basis,
        step=step,
        xatol=0.1 * float(step.min(initial=1.0)),
        frtol=0.05 / n_points,
    )

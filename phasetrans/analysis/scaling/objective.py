r"""The scaling form and the goal function of the collapse.

:func:`scale` applies :math:`s = (x - x_c) L^{1/\nu}`, :math:`y = L^{-\zeta} O`
to any :class:`xarray.DataArray` (pyfssa's ``scaledata``).  :class:`Objective`
is the Houdayer–Hartmann quality :math:`S` of the scaled data as a function of
the parameter vector :math:`\theta = (x_c, 1/\nu, \zeta, b, \omega)`, in local
coordinates ``z`` that the optimiser works in.
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from phasetrans.analysis.attrs import plain_attrs
from phasetrans.analysis.scaling.data import CollapseData
from phasetrans.analysis.scaling.quality import PaddedCurves, hh_terms
from phasetrans.analysis.validation import require_control, require_dims, require_sizes
from phasetrans.errors import AnalysisInputError

__all__ = ["BOUNDS", "NAMES", "Objective", "scale", "scaled_dataset"]

#: The parameter vector, in order: x_c, 1/nu, zeta, and the correction b, omega.
NAMES = ("x_c", "inv_nu", "zeta", "b", "omega")
#: Bounds of the search, by parameter: :meth:`Objective.value` is inf where |value| exceeds one.
BOUNDS = {"inv_nu": 50.0, "zeta": 50.0}


def _scaled(
    x: np.ndarray,
    y: np.ndarray,
    dy: np.ndarray,
    log_l: np.ndarray,
    shift: np.ndarray | float,
    inv_nu: float,
    zeta: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows ``i`` of size ``L_i``: ``(x - shift_i) e^{log_l_i / nu}``, ``y e^{-zeta log_l_i}``, dy.

    ``log_l`` may be centred (the optimiser's numerics); ``shift`` is
    :math:`x_c(L_i)` per row (or one number).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        stretch = np.exp(inv_nu * log_l)
        lift = np.exp(-zeta * log_l)
    shift = np.broadcast_to(shift, log_l.shape)
    return (x - shift[:, None]) * stretch[:, None], y * lift[:, None], dy * lift[:, None]


def scale(
    da: xr.DataArray,
    x_c: float,
    nu: float,
    zeta: float,
    *,
    size_dim: str | None = None,
    control_dim: str | None = None,
    error: xr.DataArray | None = None,
) -> xr.Dataset:
    r"""The finite-size-scaling transform of an observable at given parameters.

    Parameters
    ----------
    da : xarray.DataArray
        Observable :math:`O` over ``(size_dim, control_dim)``.
    x_c, nu, zeta : float
        The parameters; ``nu=inf`` means :math:`1/\nu = 0`.
    size_dim, control_dim : str, optional
        The dimensions of :math:`L` and :math:`x` (numeric coordinates);
        default: the first and second dimension of a 2-D ``da``.
    error : xarray.DataArray, optional
        Standard errors of ``da`` (broadcast against it).

    Returns
    -------
    xarray.Dataset
        Over ``(size_dim, control_dim)``: ``scaled_x`` :math:`= (x - x_c)
        L^{1/\nu}`, ``scaled_y`` :math:`= L^{-\zeta} O` and, with ``error``,
        ``scaled_error`` :math:`= L^{-\zeta} dO`.

    Raises
    ------
    AnalysisInputError
        If a dimension is missing, ``da`` has other dimensions, sizes are not
        positive or ``nu`` is 0.

    Examples
    --------
    >>> sc = scale(da, x_c=0.5, nu=1.3, zeta=0.4, size_dim="L", control_dim="x")  # doctest: +SKIP
    >>> sc.plot.scatter(x="scaled_x", y="scaled_y", hue="L")  # doctest: +SKIP
    """
    if not isinstance(da, xr.DataArray):
        raise AnalysisInputError(
            f"da is a {type(da).__name__}; allowed: xarray.DataArray", field="da", value=da
        )
    if size_dim is None or control_dim is None:
        if da.ndim != 2:
            raise AnalysisInputError(
                f"da has dimensions {list(map(str, da.dims))}; name size_dim and control_dim, "
                "or pass a 2-D array",
                field="da",
                value=list(da.dims),
            )
        size_dim = str(da.dims[0]) if size_dim is None else size_dim
        control_dim = str(da.dims[1]) if control_dim is None else control_dim
    require_dims(da, {"size_dim": size_dim, "control_dim": control_dim})
    extra = [d for d in da.dims if d not in (size_dim, control_dim)]
    if extra:
        raise AnalysisInputError(
            f"da has dimensions {extra} besides size_dim and control_dim; select them first",
            field="da",
            value=extra,
        )
    if nu == 0 or math.isnan(nu):
        raise AnalysisInputError(
            f"nu={nu!r}; allowed: a non-zero number or inf", field="nu", value=nu
        )
    sizes = require_sizes(da, size_dim)
    x = require_control(da, control_dim)
    y = np.asarray(da.transpose(size_dim, control_dim).values, dtype=float)
    dy = np.zeros_like(y)
    if error is not None:
        err, _ = xr.broadcast(error, da)
        dy = np.asarray(err.transpose(size_dim, control_dim).values, dtype=float)
    s, ys, dys = _scaled(
        np.broadcast_to(x, y.shape), y, dy, np.log(sizes), float(x_c), 1.0 / nu, float(zeta)
    )
    dims = (size_dim, control_dim)
    coords = {size_dim: da[size_dim].values, control_dim: da[control_dim].values}
    out = xr.Dataset(
        {
            "scaled_x": (dims, s, {"long_name": "(x - x_c) L^(1/nu)"}),
            "scaled_y": (dims, ys, {"long_name": "L^-zeta O"}),
        },
        coords=coords,
        attrs={"x_c": float(x_c), "nu": float(nu), "zeta": float(zeta)},
    )
    if error is not None:
        out["scaled_error"] = (dims, dys, {"long_name": "L^-zeta dO"})
    return out


class Objective:
    """Quality as a function of the free parameters in local coordinates ``z``.

    ``theta[free] = theta0[free] + basis @ z``; ``basis`` is diagonal (typical
    scales) during the search and the square root of the covariance
    (whitening) for polishing and the bootstrap.  :math:`S` counts only points
    where the observable varies (see :mod:`~phasetrans.analysis.scaling.quality`),
    and is infinite when fewer than ``min_points`` of them have a master curve
    or when they all belong to one size (one size laid against the others'
    flat stretches, not sizes compared with each other).
    """

    def __init__(
        self,
        curves: PaddedCurves,
        sizes: np.ndarray,
        theta: np.ndarray,
        free: np.ndarray,
        basis: np.ndarray,
        min_points: int,
    ) -> None:
        self.curves = curves
        self.sizes = sizes
        self.log_l = np.log(sizes)
        self.log_l_centred = self.log_l - self.log_l.mean()
        self.theta = np.asarray(theta, dtype=float)
        self.free = free
        self.basis = basis
        self.min_points = min_points
        self.n_evals = 0

    def rebased(
        self,
        theta: np.ndarray,
        basis: np.ndarray,
        curves: PaddedCurves | None = None,
        free: np.ndarray | None = None,
    ) -> Objective:
        """The same goal about ``theta`` in ``basis`` (optionally other curves or free set)."""
        return Objective(
            self.curves if curves is None else curves,
            self.sizes,
            theta,
            self.free if free is None else free,
            basis,
            self.min_points,
        )

    def full(self, z: np.ndarray) -> np.ndarray:
        """The full parameter vector at local coordinates ``z``."""
        theta = self.theta.copy()
        theta[self.free] = self.theta[self.free] + self.basis @ np.asarray(z)
        return theta

    def normalised(self, theta: np.ndarray) -> np.ndarray:
        """The local coordinates of ``theta``."""
        return np.linalg.solve(self.basis, np.asarray(theta)[self.free] - self.theta[self.free])

    def scaled(self, theta: np.ndarray, centred: bool = True):
        """Scaled packed curves ``(s, y, dy)`` at ``theta`` (``centred``: about the mean log L)."""
        x_c, inv_nu, zeta, b, omega = theta
        log_l = self.log_l_centred if centred else self.log_l
        with np.errstate(over="ignore", invalid="ignore"):
            shift = x_c + b * np.exp(-omega * self.log_l)
        c = self.curves
        return _scaled(c.x, c.y, c.dy, log_l, shift, inv_nu, zeta)

    def terms(self, theta: np.ndarray, centred: bool = True, any_order: bool = False):
        """The master-curve terms of :func:`hh_terms` at ``theta`` (None if not finite)."""
        s, y, dy = self.scaled(theta, centred)
        if not (np.isfinite(s).all() and np.isfinite(y).all() and np.isfinite(dy).all()):
            return None
        if (dy <= 0).any():
            return None
        return hh_terms(s, y, dy, self.curves.counts, any_order=any_order)

    def value(self, theta: np.ndarray) -> float:
        """:math:`S` at ``theta`` (inf off the allowed region or with too little overlap)."""
        self.n_evals += 1
        if theta[4] <= 0 or abs(theta[1]) > BOUNDS["inv_nu"] or abs(theta[2]) > BOUNDS["zeta"]:
            return math.inf
        terms = self.terms(theta, any_order=True)
        if terms is None:
            return math.inf
        yp, dyp, master, master_var, defined, flat, size = terms
        ok = defined & ~flat
        if int(ok.sum()) < self.min_points:
            return math.inf
        compared = size[ok]
        if compared.min() == compared.max():  # one size against the others' plateau
            return math.inf
        r = (yp[ok] - master[ok]) ** 2 / (dyp[ok] ** 2 + master_var[ok])
        return float(r.mean())

    def __call__(self, z: np.ndarray) -> float:
        return self.value(self.full(z))


def scaled_dataset(
    data: CollapseData,
    objective: Objective,
    theta: np.ndarray,
    size_dim: str,
    control_dim: str,
    da: xr.DataArray,
) -> xr.Dataset:
    """The scaled data and the master curve on the (size, control) grid, for the result.

    The input's attributes are kept, as xarray's ``keep_attrs`` does: those
    of ``da`` on the Dataset and on ``observable``, those of its size and
    control coordinates on theirs (without markup or a dimensionless unit:
    :func:`~phasetrans.analysis.attrs.plain_attrs`).  The Dataset's attrs add the quality, the
    points that enter it (``n_points``) and the flat-plateau points left out
    (``n_flat``).
    """
    shape = data.mean.shape
    terms = objective.terms(theta, centred=False)
    s, y, dy = objective.scaled(theta, centred=False)
    valid = objective.curves.valid
    cells = objective.curves.cells

    def grid(values: np.ndarray) -> np.ndarray:
        out = np.full(shape[0] * shape[1], np.nan)
        out[cells] = values
        return out.reshape(shape)

    master = np.full(cells.size, np.nan)
    master_var = np.full(cells.size, np.nan)
    n_points = n_flat = 0
    if terms is not None:
        _, _, master, master_var, ok, flat, _ = terms
        # only points the quality uses have a master curve (the others lie outside
        # the other sizes' range, where the local fit is undefined or extrapolated)
        master = np.where(ok, master, np.nan)
        master_var = np.where(ok, master_var, np.nan)
        n_points, n_flat = int((ok & ~flat).sum()), int(flat.sum())
    with np.errstate(invalid="ignore"):
        residual = (y[valid] - master) / np.sqrt(dy[valid] ** 2 + master_var)
    dims = (size_dim, control_dim)
    coords = {
        size_dim: (size_dim, da[size_dim].values, dict(da[size_dim].attrs)),
        control_dim: (control_dim, data.control, dict(da[control_dim].attrs)),
    }
    observable = {"long_name": da.name or "observable", **da.attrs}
    coords = {name: (*spec[:2], plain_attrs(spec[2])) for name, spec in coords.items()}
    return xr.Dataset(
        {
            "observable": (dims, data.mean, plain_attrs(observable)),
            "error": (dims, data.err, {"long_name": f"error ({data.error_model})"}),
            "scaled_x": (dims, grid(s[valid]), {"long_name": "(x - x_c) L^(1/nu)"}),
            "scaled_y": (dims, grid(y[valid]), {"long_name": "L^-zeta O"}),
            "scaled_error": (dims, grid(dy[valid]), {"long_name": "L^-zeta dO"}),
            "master": (dims, grid(master), {"long_name": "master curve at the point"}),
            "master_error": (dims, grid(np.sqrt(master_var)), {"long_name": "its error"}),
            "residual": (dims, grid(residual), {"long_name": "(y - Y)/sqrt(dy^2 + dY^2)"}),
        },
        coords=coords,
        attrs={
            **plain_attrs(da.attrs),
            "quality": float(objective.value(theta)),
            "n_points": n_points,
            "n_flat": n_flat,
        },
    )

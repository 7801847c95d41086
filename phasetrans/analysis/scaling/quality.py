r"""The Houdayer–Hartmann quality of a finite-size-scaling collapse.

A collapse is good when every scaled point lies on the master curve drawn
through the *other* sizes.  :func:`master_curve` estimates that curve at each
point by a weighted straight-line fit through the neighbouring points of every
other size, and :func:`quality` is the mean squared distance to it in units of
the combined error bars (a reduced :math:`\chi^2`; about 1 for a good collapse
of noisy data, about 0 for noise-free data).

Only points where the observable varies count: a point whose value and whose
bracketing points of every other size are all the same number (a flat
plateau, such as a pruning curve that is exactly 0 wherever every student
keeps enough nodes) lies on any "master curve" for any parameters, so it says
nothing about them and would only pull :math:`S` towards 0.

The computation is vectorised over points: for each size the neighbouring
interval of every point is found with one :func:`numpy.searchsorted` call, and
precomputed per-interval sums are gathered and accumulated; the only Python
loop runs over sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from phasetrans.analysis.samples import IDENTICAL

__all__ = ["PaddedCurves", "hh_terms", "master_curve", "quality"]


@dataclass(frozen=True)
class PaddedCurves:
    """Finite points of each size, sorted along the control, packed to the left.

    Row ``i`` holds ``counts[i]`` valid points in its first columns, sorted by
    ``x``; the remaining columns are padding (finite values, never used).
    ``cells`` gives, for each valid point in row-major order, its flat index in
    the original ``(n_sizes, n_control)`` grid.
    """

    x: np.ndarray
    y: np.ndarray
    dy: np.ndarray
    counts: np.ndarray
    cells: np.ndarray

    @property
    def valid(self) -> np.ndarray:
        """Boolean mask of the valid entries, shape ``(n_sizes, width)``."""
        return np.arange(self.x.shape[1]) < self.counts[:, None]

    @property
    def n_points(self) -> int:
        """Number of valid points over all sizes."""
        return int(self.counts.sum())

    @classmethod
    def from_grid(cls, x: np.ndarray, y: np.ndarray, dy: np.ndarray) -> PaddedCurves:
        """Pack 2-D ``(n_sizes, n_control)`` arrays, dropping non-finite or ``dy <= 0`` cells."""
        x, y, dy = np.broadcast_arrays(
            np.asarray(x, float), np.asarray(y, float), np.asarray(dy, float)
        )
        with np.errstate(invalid="ignore"):
            valid = np.isfinite(x) & np.isfinite(y) & np.isfinite(dy) & (dy > 0)
        key = np.where(valid, x, np.inf)
        order = np.argsort(key, axis=1, kind="stable")
        counts = valid.sum(axis=1)
        width = max(int(counts.max(initial=0)), 1)
        order = order[:, :width]
        take = lambda a: np.take_along_axis(a, order, axis=1)  # noqa: E731
        keep = np.arange(width) < counts[:, None]
        xs = np.where(keep, take(x), 0.0)
        # pad x with each row's last valid value so scaled padding stays finite
        last = np.take_along_axis(xs, np.maximum(counts - 1, 0)[:, None], axis=1)
        xs = np.where(keep, xs, last)
        ys = np.where(keep, take(y), 0.0)
        dys = np.where(keep, take(dy), 1.0)
        rows = np.broadcast_to(np.arange(x.shape[0])[:, None], order.shape)
        cells = (rows * x.shape[1] + order)[keep]
        return cls(xs, ys, dys, counts.astype(np.intp), cells.astype(np.intp))


def hh_terms(
    s: np.ndarray,
    y: np.ndarray,
    dy: np.ndarray,
    counts: np.ndarray,
    *,
    any_order: bool = False,
) -> tuple[np.ndarray, ...]:
    r"""Master-curve estimate at every valid point of packed, scaled curves.

    Parameters
    ----------
    s, y, dy : ndarray, shape (n_sizes, width)
        Scaled control, observable and error, packed as in :class:`PaddedCurves`
        (rows sorted by ``s``).
    counts : ndarray of int, shape (n_sizes,)
        Valid points per row.
    any_order : bool
        Return the points in an unspecified (sorted by ``s``) order, which is
        all a quality needs and saves the reordering.

    Returns
    -------
    yp, dyp : ndarray, shape (n_points,)
        The valid points' scaled values and errors, in row-major order.
    master, master_var : ndarray, shape (n_points,)
        The master-curve value :math:`Y` and its variance :math:`dY^2` (NaN
        where no other size brackets the point).
    defined : ndarray of bool, shape (n_points,)
        Where the master curve is defined.
    flat : ndarray of bool, shape (n_points,)
        Where it is defined and the point and every point that brackets it
        have the same value (to :data:`~phasetrans.analysis.samples.IDENTICAL`
        relative precision): a plateau point that carries no information.
    size : ndarray of int, shape (n_points,)
        The row (size) of each point.

    Notes
    -----
    For each other size, the two points bracketing :math:`s_p`
    (:math:`s_t \le s_p < s_{t+1}`) join the fit.  With weights
    :math:`w = dy^{-2}` and offsets :math:`d = s - s_p` the weighted sums
    :math:`K_0 = \sum w`, :math:`K_1 = \sum w d`, :math:`K_2 = \sum w d^2`,
    :math:`K_y = \sum w y`, :math:`K_{xy} = \sum w d y` give the straight-line
    intercept at :math:`s_p` and its variance,

    .. math:: Y = \frac{K_2 K_y - K_1 K_{xy}}{\Delta}, \quad
              dY^2 = \frac{K_2}{\Delta}, \quad \Delta = K_0 K_2 - K_1^2 .

    Sums are kept per interval about the interval's midpoint and shifted to
    :math:`s_p`, which keeps them accurate when :math:`|s|` is large.
    """
    n_sizes, width = s.shape
    valid = np.arange(width) < counts[:, None]
    sp = s[valid]
    yp = y[valid]
    dyp = dy[valid]
    # all points sorted once (stable: ties in size order); each size's
    # bracketing range is then one slice of the sorted points
    order = np.argsort(sp, kind="stable")
    ss = sp[order]
    position = np.empty_like(order)
    position[order] = np.arange(order.size)
    starts = np.concatenate([[0], np.cumsum(counts)])

    w = 1.0 / dy**2
    # per-interval sums about the midpoint c of (s_t, s_{t+1}); the last column
    # and the intervals that touch padding are zero, so a lookup at t = -1 (the
    # last column) adds nothing.
    c, p0, p1, p2, py, pxy, ym, hd = terms = np.zeros((8, n_sizes, width))
    if width > 1:
        half = 0.5 * (s[:, 1:] - s[:, :-1])
        wa, wb = w[:, :-1], w[:, 1:]
        ya, yb = y[:, :-1], y[:, 1:]
        c[:, :-1] = 0.5 * (s[:, 1:] + s[:, :-1])
        p0[:, :-1] = wa + wb
        p1[:, :-1] = (wb - wa) * half
        p2[:, :-1] = (wa + wb) * half * half
        py[:, :-1] = wa * ya + wb * yb
        pxy[:, :-1] = (wb * yb - wa * ya) * half
        ym[:, :-1] = 0.5 * (ya + yb)  # the interval's values as midpoint and half-difference,
        hd[:, :-1] = 0.5 * (yb - ya)  # to tell a flat plateau without cancellation
        terms[:, np.arange(width) >= (counts - 1)[:, None]] = 0.0

    ys = yp[order]
    k0, k1, k2, ky, kxy, spread = k = np.zeros((6, ss.size))
    for j in range(n_sizes):
        if counts[j] < 2:
            continue
        # sorted positions of this size's own points; the points strictly between
        # its first and last one are those it can bracket (ties: by size order)
        mine = position[starts[j] : starts[j + 1]]
        lo, hi = int(mine[0]), int(mine[-1])
        if hi - lo < 2:
            continue
        sl = slice(lo, hi)
        below = mine - lo
        # t = (number of own points at or before each sorted position) - 1
        t = np.cumsum(np.bincount(below, minlength=hi - lo + 1)[: hi - lo]) - 1
        t[below[:-1]] = -1  # a size is not its own master curve (-1: a zero column)
        e = c[j][t] - ss[sl]
        q0 = p0[j][t]
        q1 = p1[j][t]
        qy = py[j][t]
        k0[sl] += q0
        k1[sl] += q1 + e * q0
        k2[sl] += p2[j][t] + e * (2.0 * q1 + e * q0)
        ky[sl] += qy
        kxy[sl] += pxy[j][t] + e * qy
        # (y_a - y_p)^2 + (y_b - y_p)^2 = 2 (y_mid - y_p)^2 + 2 h^2, over the brackets
        spread[sl] += np.where(q0 > 0, (ym[j][t] - ys[sl]) ** 2 + hd[j][t] ** 2, 0.0)
    size = np.repeat(np.arange(n_sizes), counts)
    if any_order:
        yp, dyp, size = ys, dyp[order], size[order]
    else:  # back to row-major point order
        k0, k1, k2, ky, kxy, spread = np.empty_like(k)
        k0[order], k1[order], k2[order], ky[order], kxy[order], spread[order] = k

    delta = k0 * k2 - k1 * k1
    defined = (k0 > 0) & (delta > 1e-12 * k0 * k2)
    with np.errstate(divide="ignore", invalid="ignore"):
        master = np.where(defined, (k2 * ky - k1 * kxy) / delta, np.nan)
        master_var = np.where(defined, k2 / delta, np.nan)
    flat = defined & (spread <= n_sizes * (IDENTICAL * yp) ** 2)
    return yp, dyp, master, master_var, defined, flat, size


def _pack(x, y, dy) -> PaddedCurves:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"x has {x.ndim} dimensions; allowed: 2 (n_sizes, n_points)")
    y = np.asarray(y, dtype=float)
    dy = np.asarray(dy, dtype=float)
    if y.shape != x.shape or dy.shape != x.shape:
        raise ValueError(
            f"x, y, dy have shapes {x.shape}, {y.shape}, {dy.shape}; allowed: all equal"
        )
    return PaddedCurves.from_grid(x, y, dy)


def master_curve(x, y, dy) -> tuple[np.ndarray, np.ndarray]:
    """Master curve through the other sizes at every point of scaled data.

    Parameters
    ----------
    x, y, dy : array_like, shape (n_sizes, n_points)
        Scaled control, scaled observable and its standard error; rows are
        sizes.  NaN cells (ragged data) are skipped; rows need not be sorted.

    Returns
    -------
    master, master_err : ndarray, shape (n_sizes, n_points)
        :math:`Y` and :math:`dY` at each point (NaN where undefined).

    Raises
    ------
    ValueError
        If the arrays are not 2-D of the same shape.

    Notes
    -----
    See :func:`quality` for the construction.

    References
    ----------
    .. [1] J. Houdayer and A. K. Hartmann, Phys. Rev. B 70, 014418 (2004).
    """
    curves = _pack(x, y, dy)
    _, _, m, mv, _, _, _ = hh_terms(curves.x, curves.y, curves.dy, curves.counts)
    shape = np.shape(x)
    master = np.full(int(np.prod(shape)), np.nan)
    err = np.full_like(master, np.nan)
    master[curves.cells] = m
    err[curves.cells] = np.sqrt(mv)
    return master.reshape(shape), err.reshape(shape)


def quality(x, y, dy) -> float:
    r"""Houdayer–Hartmann quality :math:`S` of scaled finite-size data.

    Parameters
    ----------
    x, y, dy : array_like, shape (n_sizes, n_points)
        Scaled control :math:`x_{ij}`, scaled observable :math:`y_{ij}` and
        its standard error :math:`dy_{ij} > 0` for size :math:`i`; NaN cells
        are skipped.

    Returns
    -------
    float
        :math:`S`, or NaN when no point has a master-curve estimate where the
        observable varies.

    Raises
    ------
    ValueError
        If the arrays are not 2-D of the same shape.

    Notes
    -----
    .. math::

        S = \frac{1}{\mathcal N} \sum_{i,j}
            \frac{(y_{ij} - Y_{ij})^2}{dy_{ij}^2 + dY_{ij}^2}

    where :math:`Y_{ij} \pm dY_{ij}` is the weighted straight-line fit, at
    :math:`x_{ij}`, through the two points of every other size that bracket
    :math:`x_{ij}`, and the sum runs over the :math:`\mathcal N` points for
    which at least one other size brackets :math:`x_{ij}` and the values
    involved are not all equal (flat plateau points are left out: they match
    any master curve).  :math:`S \approx 1` for a collapse consistent with the
    error bars.

    References
    ----------
    .. [1] J. Houdayer and A. K. Hartmann, "Low-temperature behavior of
       two-dimensional Gaussian Ising spin glasses", Phys. Rev. B 70, 014418
       (2004).
    .. [2] A. Sorge, pyfssa: finite-size scaling analysis,
       doi:10.5281/zenodo.35293.
    """
    curves = _pack(x, y, dy)
    yp, dyp, m, mv, defined, flat, _ = hh_terms(curves.x, curves.y, curves.dy, curves.counts)
    ok = defined & ~flat
    if not ok.any():
        return float("nan")
    return float(np.mean((yp[ok] - m[ok]) ** 2 / (dyp[ok] ** 2 + mv[ok])))

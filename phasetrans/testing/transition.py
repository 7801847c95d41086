r"""Known transitions: synthetic ensembles with known answers for the transition analysis.

Each function returns an :class:`xarray.Dataset` shaped like a swept study
(``input_dim``, ``alpha``, ``teacher_seed``, ``seed``) whose answer is known by
construction.  Every draw comes from a :class:`numpy.random.Generator` seeded
by the ``seed`` argument.

- :func:`critical_ensemble`: a transition at :math:`\alpha_c` with exponent
  :math:`\nu` for each teacher, and teacher-level disorder in
  :math:`\alpha_c(t)` whose spread scales as :math:`N^{-a}`;
- :func:`threshold_artefact_ensemble`: cosines with a smooth mean and
  :math:`N^{-1/2}` noise and no transition, thresholded into
  ``teacher_recovered``;
- :func:`overlap_ensemble`: per-teacher-node overlaps :math:`r_n` in the
  symmetric phase (centred at a known :math:`r_{sym}`) or the ordered one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from phasetrans.errors import AnalysisInputError

__all__ = ["critical_ensemble", "overlap_ensemble", "threshold_artefact_ensemble"]

_SAMPLES = ("teacher_seed", "seed")


def _coords(
    sizes: Sequence[int], alpha: Sequence[float], n_teachers: int, n_students: int
) -> dict[str, np.ndarray]:
    return {
        "input_dim": np.asarray(sizes, dtype=int),
        "alpha": np.asarray(alpha, dtype=float),
        "teacher_seed": np.arange(n_teachers),
        "seed": np.arange(n_students),
    }


def critical_ensemble(
    sizes: Sequence[int] = (16, 32, 64, 128, 256),
    alpha: Sequence[float] | None = None,
    *,
    alpha_c: float = 1.0,
    nu: float = 1.0,
    width: float = 0.05,
    disorder: float = 0.3,
    disorder_exponent: float = 0.5,
    noise: float = 0.03,
    n_teachers: int = 16,
    n_students: int = 4,
    seed: int = 0,
) -> xr.Dataset:
    r"""A transition with known :math:`\alpha_c`, :math:`\nu` and teacher-level disorder.

    Parameters
    ----------
    sizes : sequence of int
        The sizes :math:`N` (``input_dim``).
    alpha : sequence of float, optional
        The control grid (default 61 points on [0.7, 1.3] times ``alpha_c``).
    alpha_c, nu, width : float
        Each teacher's own curve is
        :math:`m = F\bigl((\alpha - \alpha_c(t)) N^{1/\nu} / w\bigr)` with
        :math:`F(z) = 1/(1 + e^{-z})` and :math:`w` = ``width``.
    disorder, disorder_exponent : float
        :math:`\alpha_c(t) = \alpha_c + \sigma_d N^{-a} \xi_t`, with
        :math:`\xi_t \sim N(0, 1)` drawn for every teacher and size (a teacher
        seed draws a different teacher at every input dimension),
        :math:`\sigma_d` = ``disorder`` and :math:`a` = ``disorder_exponent``.
    noise : float
        Standard deviation of independent Gaussian noise added to every student
        at every :math:`\alpha`.
    n_teachers, n_students : int
        Disorder samples.
    seed : int
        Seed of the generator.

    Returns
    -------
    xarray.Dataset
        ``teacher_recovered(input_dim, alpha, teacher_seed, seed)`` and the
        true ``alpha_c_teacher(input_dim, teacher_seed)``; attrs hold the
        parameters and ``teacher_kind = "committee"``.

    Notes
    -----
    When the spread :math:`\sigma_d N^{-a}` shrinks more slowly than the
    teachers' own width :math:`\propto N^{-1/\nu}` (:math:`a < 1/\nu`), the
    width of the disorder-averaged curve is that of the spread: a collapse of
    the average finds :math:`\nu_{avg} = 1/a` (the disorder-dominated width),
    not the teachers' :math:`\nu`.
    """
    rng = np.random.default_rng(seed)
    if alpha is None:
        alpha = alpha_c * np.linspace(0.7, 1.3, 61)
    coords = _coords(sizes, alpha, n_teachers, n_students)
    n = coords["input_dim"].astype(float)[:, None, None, None]
    a = coords["alpha"][None, :, None, None]
    xi = rng.standard_normal((len(sizes), 1, n_teachers))
    a_c = alpha_c + disorder * n[..., 0] ** -disorder_exponent * xi  # (N, 1, T)
    z = (a - a_c[..., None]) * n ** (1.0 / nu) / width
    m = 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))
    shape = (len(sizes), len(alpha), n_teachers, n_students)
    m = np.broadcast_to(m, shape) + noise * rng.standard_normal(shape)
    dims = ("input_dim", "alpha", *_SAMPLES)
    ds = xr.Dataset(
        {
            "teacher_recovered": (dims, m, {"long_name": "synthetic order parameter"}),
            "alpha_c_teacher": (("input_dim", "teacher_seed"), a_c[:, 0, :]),
        },
        coords=coords,
    )
    ds.attrs = {
        "teacher_kind": "committee",
        "alpha_c": alpha_c,
        "nu": nu,
        "disorder": disorder,
        "disorder_exponent": disorder_exponent,
        "seed": seed,
    }
    return ds


def threshold_artefact_ensemble(
    sizes: Sequence[int] = (16, 32, 64, 128),
    alpha: Sequence[float] | None = None,
    *,
    n_nodes: int = 4,
    spread: float = 0.5,
    threshold: float = 0.9,
    n_teachers: int = 8,
    n_students: int = 4,
    seed: int = 0,
) -> xr.Dataset:
    r"""Cosines with a smooth mean and :math:`N^{-1/2}` noise: no transition.

    Each teacher node's overlap is :math:`r_n = \bar c(\alpha) + s\,N^{-1/2}\varepsilon`
    with :math:`\bar c(\alpha) = 1 - 0.5\,e^{-\alpha/2}` (smooth, rising from 0.5
    towards 1) and :math:`\varepsilon \sim N(0, 1)` independent for every node,
    student, teacher and :math:`\alpha`.  Thresholded at :math:`\tau`, the
    fraction :math:`P(r_n \ge \tau)` sharpens with :math:`1/\nu = 1/2` and its
    curves cross where :math:`\bar c = \tau`, i.e. at
    :math:`\alpha = -2 \ln(2 (1 - \tau))`: a crossing made by the threshold.

    Parameters
    ----------
    sizes : sequence of int
        The sizes :math:`N` (``input_dim``).
    alpha : sequence of float, optional
        The control grid (default 21 points geometrically spaced on [0.5, 16]).
    n_nodes : int
        Teacher nodes (``teacher_node``).
    spread : float
        :math:`s`, the noise amplitude at :math:`N = 1`.
    threshold : float
        :math:`\tau` of ``teacher_recovered``.
    n_teachers, n_students : int
        Disorder samples.
    seed : int
        Seed of the generator.

    Returns
    -------
    xarray.Dataset
        ``overlap_max(input_dim, alpha, teacher_seed, seed, teacher_node)``
        and ``teacher_recovered`` (the fraction of nodes with
        :math:`r_n \ge` ``threshold``); attrs ``threshold`` and
        ``teacher_kind = "committee"``.
    """
    rng = np.random.default_rng(seed)
    if alpha is None:
        alpha = np.geomspace(0.5, 16.0, 21)
    coords = _coords(sizes, alpha, n_teachers, n_students)
    n = coords["input_dim"].astype(float)[:, None, None, None, None]
    a = coords["alpha"][None, :, None, None, None]
    shape = (len(sizes), len(alpha), n_teachers, n_students, n_nodes)
    r = 1.0 - 0.5 * np.exp(-a / 2.0) + spread * n**-0.5 * rng.standard_normal(shape)
    dims = ("input_dim", "alpha", *_SAMPLES, "teacher_node")
    ds = xr.Dataset(
        {
            "overlap_max": (dims, r, {"long_name": "max overlap per teacher node"}),
            "teacher_recovered": (dims[:-1], (r >= threshold).mean(axis=-1)),
        },
        coords={**coords, "teacher_node": np.arange(n_nodes)},
    )
    ds.attrs = {"teacher_kind": "committee", "threshold": threshold, "seed": seed}
    return ds


def overlap_ensemble(
    phase: str,
    *,
    n_nodes: int = 4,
    r_sym: float = 0.5,
    spread: float = 0.05,
    n_teachers: int = 16,
    n_students: int = 8,
    seed: int = 0,
) -> xr.DataArray:
    r"""Per-teacher-node overlaps :math:`r_n` of one cell, symmetric or ordered.

    ``phase="symmetric"``: :math:`r_n = r_{sym} + s\,\varepsilon_n`, independent
    Gaussian components centred at :math:`r_{sym}` (so the order parameter
    :math:`M_n = (r_n - r_{sym})/(1 - r_{sym})` is a centred Gaussian vector and
    :math:`U_n = 0`).  ``phase="ordered"``: :math:`r_n = 1 - s |\varepsilon_n|/10`,
    every node found (:math:`|M|` nearly the same in every sample, :math:`U_n = 1`).

    Parameters
    ----------
    phase : {"symmetric", "ordered"}
        The phase of the cell.
    n_nodes : int
        Teacher nodes (``teacher_node``).
    r_sym : float
        The symmetric baseline :math:`r_{sym}` of the symmetric phase.
    spread : float
        :math:`s`, the noise amplitude.
    n_teachers, n_students : int
        Disorder samples.
    seed : int
        Seed of the generator.

    Returns
    -------
    xarray.DataArray
        ``overlap_max(teacher_seed, seed, teacher_node)``.

    Raises
    ------
    AnalysisInputError
        For a ``phase`` other than the two.
    """
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal((n_teachers, n_students, n_nodes))
    if phase == "symmetric":
        r = r_sym + spread * eps
    elif phase == "ordered":
        r = 1.0 - spread * np.abs(eps) / 10.0
    else:
        raise AnalysisInputError(
            f"phase={phase!r}; allowed: 'symmetric' or 'ordered'", field="phase", value=phase
        )
    return xr.DataArray(
        r,
        dims=(*_SAMPLES, "teacher_node"),
        coords={
            "teacher_seed": np.arange(n_teachers),
            "seed": np.arange(n_students),
            "teacher_node": np.arange(n_nodes),
        },
        name="overlap_max",
    )

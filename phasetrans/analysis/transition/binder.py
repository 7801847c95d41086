r"""Cumulants of the transition: the n-component Binder ratio and the centred cumulant.

The symmetry-breaking order parameter
-------------------------------------
In the symmetric (unspecialised) phase every student node overlaps each of the
:math:`K` teacher nodes alike, and each teacher node's best overlap
:math:`r_n = \max_i |R_{in}|` sits at the symmetric value :math:`r_{sym}`
(about :math:`1/\sqrt{K}` for orthogonal teacher nodes; the overlaps module
computes it from the teacher's own overlaps :math:`T`).  The order parameter
here is the vector of :math:`n = K` components

.. math:: M_k = \frac{r_k - r_{sym}}{1 - r_{sym}}, \qquad k = 1 \dots K,

centred at zero in the symmetric phase (each component fluctuates about 0,
by :math:`O(N^{-1/2})`) and equal to 1 in every component once each teacher
node is found.  Its Binder ratio

.. math:: U_n = \frac{n+2}{2} - \frac{n}{2}\,
          \frac{[\langle |M|^4\rangle]}{[\langle |M|^2\rangle]^2}

is 0 for a centred Gaussian vector of :math:`n` independent components of equal
variance (:math:`\langle|M|^4\rangle = \frac{n+2}{n}\langle|M|^2\rangle^2`) and
1 where :math:`|M|` is the same in every sample (the ordered phase).  Curves of
:math:`U_n` for different sizes cross near the transition.  For
:math:`n = 1`, :math:`U_1 = \tfrac32 \bigl(1 - \langle M^4\rangle / 3\langle M^2\rangle^2\bigr)`,
i.e. 3/2 times the usual Binder cumulant.  :math:`r_{sym}` must be the
symmetric-phase value: with a wrong centre :math:`\delta`, the symmetric
phase gives :math:`U_n \to 1` as the noise shrinks below :math:`\delta`.

The convention of :func:`phasetrans.analysis.disorder.binder_cumulant`
(:math:`U = 1 - [\langle m^4\rangle]/3[\langle m^2\rangle]^2`, raw moments of a
scalar, ordered value 2/3) is a different one and stays where it is.

The centred cumulant
--------------------
A bounded order parameter :math:`m \in [0, 1]` (a fraction of teacher nodes
recovered) is not centred at zero anywhere, so its raw-moment cumulant merges
rather than crosses.  The centred-moment cumulant

.. math:: U_c = 1 - \frac{[\langle (m - \bar m)^4\rangle]}{3\,[\langle (m - \bar m)^2\rangle]^2},
          \qquad \bar m = [\langle m\rangle],

is a shape test of the distribution of :math:`m` over the disorder: 0 for a
Gaussian, 2/3 for two equal peaks (coexistence of specialised and
unspecialised students), 0.4 for a uniform spread, negative for a single peak
with heavy tails.  Near a first-order-like transition it rises towards 2/3.

Averages :math:`[\langle\cdot\rangle]` are disorder averages (students, then
teachers; :mod:`phasetrans.analysis.disorder`), with two-level bootstrap errors.

References
----------
.. [1] K. Binder, Z. Phys. B 43, 119 (1981).
.. [2] H. G. Katzgraber, "Introduction to Monte Carlo methods", arXiv:0905.1629,
   section 4 (the n-component ratio).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from phasetrans.analysis.disorder import disorder_mean
from phasetrans.analysis.transition.resampling import DisorderDraws, summarise
from phasetrans.errors import AnalysisInputError

__all__ = ["binder_ratio", "centred_cumulant", "symmetry_breaking_order"]


def symmetry_breaking_order(
    overlap: xr.DataArray,
    r_sym: float | xr.DataArray,
    component_dim: str = "teacher_node",
) -> xr.DataArray:
    r"""The order parameter :math:`M_k = (r_k - r_{sym}) / (1 - r_{sym})` over ``component_dim``.

    Parameters
    ----------
    overlap : xarray.DataArray
        :math:`r_k`, each teacher node's largest overlap with a student node
        (``overlap_max``), over ``component_dim`` and any other dims.
    r_sym : float or xarray.DataArray
        The symmetric-phase value (broadcast against ``overlap``, e.g. one per
        teacher), below 1.
    component_dim : str
        The dimension of the :math:`n = K` components.

    Returns
    -------
    xarray.DataArray
        :math:`M`, same dims as ``overlap``; attrs ``n_components``.

    Raises
    ------
    AnalysisInputError
        If ``component_dim`` is missing or ``r_sym`` is not below 1.
    """
    if component_dim not in overlap.dims:
        raise AnalysisInputError(
            f"component_dim={component_dim!r} is not a dimension of overlap; allowed: "
            f"{list(map(str, overlap.dims))}",
            field="component_dim",
            value=component_dim,
        )
    top = float(np.nanmax(np.asarray(r_sym, dtype=float)))
    if not top < 1:
        raise AnalysisInputError(
            f"r_sym={top!r}; allowed: symmetric values below 1", field="r_sym", value=top
        )
    out = (overlap - r_sym) / (1.0 - r_sym)
    out.name = "symmetry_breaking_order"
    out.attrs = {
        "long_name": "(r_n - r_sym) / (1 - r_sym)",
        "n_components": int(overlap.sizes[component_dim]),
    }
    return out


def _check_components(da: xr.DataArray, component_dim: str | None) -> int:
    if component_dim is None:
        return 1
    if component_dim not in da.dims:
        raise AnalysisInputError(
            f"component_dim={component_dim!r} is not a dimension of the order parameter; "
            f"allowed: {list(map(str, da.dims))} or None (one component)",
            field="component_dim",
            value=component_dim,
        )
    return int(da.sizes[component_dim])


def _ratio_statistic(n: int):
    def statistic(values: np.ndarray, levels: int) -> np.ndarray:
        m2 = disorder_mean(values, levels)
        m4 = disorder_mean(values**2, levels)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (n + 2) / 2 - (n / 2) * m4 / m2**2

    return statistic


def binder_ratio(
    order: xr.DataArray,
    component_dim: str | None = "teacher_node",
    *,
    teacher_dim: str | None = "teacher_seed",
    student_dim: str = "seed",
    bootstrap: int = 200,
    seed: int | np.random.Generator = 0,
    draws: DisorderDraws | None = None,
) -> xr.Dataset:
    r"""The n-component Binder ratio :math:`U_n` (ordered 1, symmetric Gaussian 0).

    Parameters
    ----------
    order : xarray.DataArray
        The symmetry-breaking order parameter :math:`M` (e.g. from
        :func:`symmetry_breaking_order`), per student, with its components
        along ``component_dim``.
    component_dim : str or None
        The dimension of the :math:`n` components; None for a scalar
        (:math:`n = 1`).
    teacher_dim, student_dim : str
        The disorder: teachers and their students.
    bootstrap : int
        Two-level bootstrap resamples (0: none).
    seed : int or numpy.random.Generator
        Seed of, or the generator drawing, the resamples.
    draws : DisorderDraws, optional
        Resamples drawn already (shared with other statistics); then
        ``bootstrap`` and ``seed`` are not used.

    Returns
    -------
    xarray.Dataset
        ``binder_ratio``, ``error``, ``interval`` over the other dims; attrs
        ``n_components`` and the bootstrap's.

    Raises
    ------
    AnalysisInputError
        If ``component_dim`` or ``student_dim`` is missing, or ``bootstrap`` is
        negative.

    Notes
    -----
    :math:`U_n = \frac{n+2}{2} - \frac{n}{2}\,[\langle |M|^4\rangle] / [\langle |M|^2\rangle]^2`
    with :math:`|M|^2 = \sum_k M_k^2`; see the module docstring for why 0 and 1.
    """
    n = _check_components(order, component_dim)
    norm2 = (order**2).sum(component_dim, skipna=False) if component_dim else order**2
    if draws is None:
        draws = DisorderDraws.for_array(norm2, bootstrap, seed, teacher_dim, student_dim)
    estimate, replicates = draws.apply(norm2, _ratio_statistic(n))
    out = summarise("binder_ratio", estimate, replicates, draws)
    out.attrs["n_components"] = n
    out["binder_ratio"].attrs = {
        "long_name": f"Binder ratio U_n, n = {n} (ordered 1, symmetric Gaussian 0)"
    }
    return out


def _centred_statistic(values: np.ndarray, levels: int) -> np.ndarray:
    centre = disorder_mean(values, levels)
    dev = values - centre.reshape(*centre.shape, *(1,) * levels)
    m2 = disorder_mean(dev**2, levels)
    m4 = disorder_mean(dev**4, levels)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1.0 - m4 / (3.0 * m2**2)


def centred_cumulant(
    order: xr.DataArray,
    *,
    teacher_dim: str | None = "teacher_seed",
    student_dim: str = "seed",
    bootstrap: int = 200,
    seed: int | np.random.Generator = 0,
    draws: DisorderDraws | None = None,
) -> xr.Dataset:
    r"""Centred-moment cumulant of a bounded order parameter: a bimodality check.

    Parameters
    ----------
    order : xarray.DataArray
        A scalar order parameter per student (e.g. ``teacher_recovered``).
    teacher_dim, student_dim, bootstrap, seed, draws
        As for :func:`binder_ratio`.

    Returns
    -------
    xarray.Dataset
        ``centred_cumulant``, ``error``, ``interval`` over the other dims.

    Notes
    -----
    :math:`U_c = 1 - [\langle (m-\bar m)^4\rangle] / 3[\langle (m-\bar m)^2\rangle]^2`:
    0 for a Gaussian, 2/3 for two equal peaks, 0.4 for a uniform spread; NaN
    where every sample is the same.
    """
    if draws is None:
        draws = DisorderDraws.for_array(order, bootstrap, seed, teacher_dim, student_dim)
    estimate, replicates = draws.apply(order, _centred_statistic)
    out = summarise("centred_cumulant", estimate, replicates, draws)
    out["centred_cumulant"].attrs = {
        "long_name": "centred-moment cumulant (Gaussian 0, two equal peaks 2/3)"
    }
    return out

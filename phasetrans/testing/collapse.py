r"""A known collapse: data that obey an exact finite-size-scaling form.

:func:`known_collapse` draws ``O(L, x, seed)`` from

.. math:: O = L^{\zeta}\, F\bigl((x - x_c) L^{1/\nu}\bigr)\,(1 + \sigma\,\varepsilon),

with a master curve :math:`F` (default :func:`scaling_function`) and independent
Gaussian :math:`\varepsilon` per size, control value and sample, so a collapse
of the data must recover the :math:`x_c`, :math:`\nu` and :math:`\zeta` it was
drawn with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

__all__ = ["SIZES", "known_collapse", "scaling_function"]

#: Default sizes ``L`` of :func:`known_collapse`.
SIZES = (8.0, 16.0, 32.0, 64.0)


def scaling_function(s: ArrayLike) -> NDArray[np.float64]:
    r"""The master curve of a known collapse: :math:`F(s) = \sigma(s) + 0.3\tanh(s/3) + 0.2`.

    Smooth and asymmetric, so a collapse cannot fit it by symmetry alone.

    Parameters
    ----------
    s : array_like
        The scaling variable :math:`(x - x_c) L^{1/\nu}`.

    Returns
    -------
    numpy.ndarray
        :math:`F(s)`, with :math:`\sigma(s) = 1/(1 + e^{-s})`; positive and
        increasing, so a multiplicative noise keeps its sign.
    """
    s = np.asarray(s, dtype=float)
    return 1 / (1 + np.exp(-s)) + 0.3 * np.tanh(s / 3) + 0.2


def known_collapse(
    x_c: float = 0.5,
    nu: float = 1.3,
    zeta: float = 0.4,
    *,
    noise: float = 0.03,
    n_seeds: int = 20,
    n_x: int = 61,
    seed: int | np.random.Generator = 0,
    ragged: bool = True,
    missing_cell: bool = True,
    sizes: Sequence[float] | NDArray[np.float64] = SIZES,
    window: float = 6.0,
    scaling: Callable[[NDArray[np.float64]], NDArray[np.float64]] = scaling_function,
    name: str | None = "O",
) -> xr.DataArray:
    r"""``(L, x, seed)`` data from :math:`O = L^\zeta F((x - x_c) L^{1/\nu})` with noise per seed.

    Parameters
    ----------
    x_c, nu, zeta : float
        The critical point, the exponent :math:`\nu` and the scaling dimension
        :math:`\zeta` the data obey.
    noise : float
        Relative noise :math:`\sigma`: every value is multiplied by
        :math:`1 + \sigma\varepsilon`, :math:`\varepsilon \sim N(0, 1)`.
    n_seeds : int
        Samples (``seed``) per size and control value.
    n_x : int
        Control values, evenly spaced and centred on ``x_c``.
    seed : int or numpy.random.Generator
        Seed of, or the generator that draws, the noise (one draw of shape
        ``(len(sizes), n_x, n_seeds)``).
    ragged : bool
        Each size sees its own sub-window of the control: size ``i`` (in the
        order given) lacks its first ``3 i`` and its last
        ``2 (len(sizes) - 1 - i)`` control values (NaN).
    missing_cell : bool
        With ``ragged``, one interior cell is missing too (the second size at
        control index ``n_x // 3``), as a failed task would leave it.
    sizes : sequence of float
        The sizes ``L``.
    window : float
        The control spans :math:`x_c \pm` ``window`` :math:`/ L_{max}^{1/\nu}`,
        i.e. :math:`|s| \le` ``window`` at the largest size.
    scaling : callable
        The master curve :math:`F` (default :func:`scaling_function`).
    name : str or None
        Name of the DataArray.

    Returns
    -------
    xarray.DataArray
        Dims ``("L", "x", "seed")`` with coordinates ``L``, ``x`` and
        ``seed = 0 .. n_seeds - 1``.

    Examples
    --------
    >>> from phasetrans import collapse
    >>> da = known_collapse(0.5, 1.3, 0.4, seed=7)
    >>> result = collapse(da, "L", "x", sample_dim="seed")
    >>> abs(result.nu - 1.3) < 0.05 * 1.3
    True
    """
    rng = np.random.default_rng(seed)
    sizes = np.asarray(sizes, dtype=float)
    x = x_c + np.linspace(-1.0, 1.0, n_x) * window / sizes.max() ** (1 / nu)
    clean = sizes[:, None] ** zeta * scaling((x[None, :] - x_c) * sizes[:, None] ** (1 / nu))
    values = clean[:, :, None] * (1 + noise * rng.standard_normal((*clean.shape, n_seeds)))
    if ragged:
        for i in range(sizes.size):
            values[i, : 3 * i] = np.nan
            values[i, n_x - 2 * (sizes.size - 1 - i) :] = np.nan
        if missing_cell:
            values[1, n_x // 3] = np.nan
    return xr.DataArray(
        values,
        dims=("L", "x", "seed"),
        coords={"L": sizes, "x": x, "seed": np.arange(n_seeds)},
        name=name,
    )

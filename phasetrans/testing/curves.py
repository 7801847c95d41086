r"""Known transition curves: the three lineshapes with fixed parameters, and noisy samples.

:data:`KNOWN_CURVES` holds one curve per model of
:mod:`phasetrans.analysis.exponents` (``"power"``, ``"exponential"``,
``"step"``) with the parameters in :data:`KNOWN_PARAMETERS`, on the control
:data:`X` (:math:`n - h_T` below the transition); :func:`curve_samples` draws
independent Gaussian samples around one of them, so a fit must recover its
parameters and a model comparison must prefer its model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from phasetrans.analysis.exponents.lineshapes import exponential, logistic_step, power_law

__all__ = ["KNOWN_CURVES", "KNOWN_PARAMETERS", "X", "curve_samples"]

#: The control: n - h_T below the transition, -20 ... -1.
X = np.arange(-20.0, 0.0)

#: The parameters of each known curve, by model name.
KNOWN_PARAMETERS: Mapping[str, Mapping[str, float]] = {
    "power": {"amplitude": 0.5, "x_c": 0.0, "beta": 0.7, "c": 0.1},
    "exponential": {"a": 0.05, "b": 0.25, "c": -0.05},
    "step": {"amplitude": 1.0, "center": -8.0, "width": 1.5, "c": 0.2},
}

#: Model name -> the curve ``f(x)`` with :data:`KNOWN_PARAMETERS`.
KNOWN_CURVES: Mapping[str, Callable[[NDArray[np.float64]], NDArray[np.float64]]] = {
    "power": lambda x: power_law(x, **KNOWN_PARAMETERS["power"]),
    "exponential": lambda x: exponential(x, **KNOWN_PARAMETERS["exponential"]),
    "step": lambda x: logistic_step(x, **KNOWN_PARAMETERS["step"]),
}


def curve_samples(
    curve: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    x: NDArray[np.float64] = X,
    noise: float = 0.02,
    n_seeds: int = 16,
    seed: int | np.random.Generator = 0,
) -> xr.DataArray:
    """``(x, seed)`` samples of ``curve(x)`` plus independent Gaussian noise.

    Parameters
    ----------
    curve : callable
        The true curve, e.g. ``KNOWN_CURVES["power"]``.
    x : numpy.ndarray
        The control values (default :data:`X`).
    noise : float
        Standard deviation of the noise, the same at every point.
    n_seeds : int
        Samples per control value.
    seed : int or numpy.random.Generator
        Seed of, or the generator that draws, the noise (one draw of shape
        ``(x.size, n_seeds)``).

    Returns
    -------
    xarray.DataArray
        ``O(x, seed)`` with coordinate ``x`` (``seed`` without coordinate).
    """
    rng = np.random.default_rng(seed)
    values = curve(x)[:, None] + noise * rng.standard_normal((x.size, n_seeds))
    return xr.DataArray(values, dims=("x", "seed"), coords={"x": x}, name="O")

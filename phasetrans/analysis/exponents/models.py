r"""lmfit models of the lineshapes, each with a data-driven ``guess()``.

Each guess scans the non-linear parameters on a grid and solves for the
linear ones (amplitude and offset) by least squares, so a fit starts in the
right basin without the user's help.
"""

from __future__ import annotations

import math

import lmfit
import numpy as np
import scipy.special
from lmfit.models import update_param_vals

from phasetrans.analysis.exponents.lineshapes import exponential, logistic_step, power_law

__all__ = [
    "FORMULAS",
    "MODELS",
    "ExponentialTransitionModel",
    "PowerLawTransitionModel",
    "StepTransitionModel",
]


def _scan_linear(x, y, shapes) -> tuple[float, tuple, np.ndarray]:
    """Best of ``y ~ c + A g(x)`` over candidate shapes ``g`` (linear least squares each).

    Returns the SSE, the key of the best shape and its ``(c, A)``.
    """
    best = (math.inf, None, np.array([0.0, 0.0]))
    for key, g in shapes:
        with np.errstate(over="ignore", invalid="ignore"):
            design = np.column_stack([np.ones_like(x), g])
        if not np.isfinite(design).all():
            continue
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        sse = float(np.sum((design @ coef - y) ** 2))
        if sse < best[0]:
            best = (sse, key, coef)
    return best


class PowerLawTransitionModel(lmfit.Model):
    r"""Power law about the critical point, :math:`A |x - x_c|^{\beta} + c`.

    ``x_c`` is a parameter like the others; :func:`fit_transition` holds it
    fixed at the given critical point unless asked to vary it.  ``beta`` is
    bounded to :math:`(0, 20]`.
    """

    def __init__(self, **kwargs):
        super().__init__(power_law, **kwargs)
        self.set_param_hint("beta", min=1e-6, max=20.0)

    def guess(self, data, x, x_c: float = 0.0, **kws) -> lmfit.Parameters:
        """Guess by scanning ``beta``; ``A`` and ``c`` are then a linear least-squares fit.

        Parameters
        ----------
        data, x : array_like
            The curve.
        x_c : float
            The critical point (held at this value).
        **kws
            Parameter values that override the guess.
        """
        data, x = np.asarray(data, float), np.asarray(x, float)
        d = np.abs(x - x_c)
        betas = np.geomspace(0.02, 10.0, 80)
        _, beta, (c, amplitude) = _scan_linear(x, data, ((b, d**b) for b in betas))
        params = self.make_params(
            amplitude=amplitude, x_c=x_c, beta=1.0 if beta is None else beta, c=c
        )
        params[f"{self.prefix}x_c"].set(vary=False)
        return update_param_vals(params, self.prefix, **kws)


class ExponentialTransitionModel(lmfit.Model):
    r"""The paper's form, :math:`a e^{-b x} + c` (fitted on :math:`x < 0`)."""

    def __init__(self, **kwargs):
        super().__init__(exponential, **kwargs)

    def guess(self, data, x, **kws) -> lmfit.Parameters:
        """Guess by scanning the rate ``b`` (both signs); ``a``, ``c`` by linear least squares."""
        data, x = np.asarray(data, float), np.asarray(x, float)
        span = float(np.ptp(x)) or 1.0
        rates = np.geomspace(0.01, 40.0, 60) / span
        rates = np.concatenate([rates, -rates])
        ref = float(np.median(x))  # exp(-b (x - ref)) keeps the scan finite
        _, b, (c, a_ref) = _scan_linear(x, data, ((r, np.exp(-r * (x - ref))) for r in rates))
        b = 1.0 / span if b is None else b
        params = self.make_params(a=a_ref * math.exp(b * ref), b=b, c=c)
        return update_param_vals(params, self.prefix, **kws)


class StepTransitionModel(lmfit.Model):
    r"""Smooth step, :math:`c + A / (1 + e^{(x - x_0)/w})`, with ``width`` :math:`w > 0`."""

    def __init__(self, **kwargs):
        super().__init__(logistic_step, **kwargs)
        self.set_param_hint("width", min=1e-12)

    def guess(self, data, x, **kws) -> lmfit.Parameters:
        """Guess by scanning centre and width; ``A`` and ``c`` by linear least squares."""
        data, x = np.asarray(data, float), np.asarray(x, float)
        span = float(np.ptp(x)) or 1.0
        centers = np.quantile(x, np.linspace(0, 1, 21))
        widths = span * np.geomspace(0.005, 1.0, 16)
        shapes = (((x0, w), scipy.special.expit(-(x - x0) / w)) for x0 in centers for w in widths)
        _, key, (c, amplitude) = _scan_linear(x, data, shapes)
        center, width = key if key is not None else (float(np.median(x)), span / 10)
        params = self.make_params(amplitude=amplitude, center=center, width=width, c=c)
        return update_param_vals(params, self.prefix, **kws)


#: Model names accepted by :func:`fit_transition` and :func:`compare_models`.
MODELS: dict[str, type[lmfit.Model]] = {
    "power": PowerLawTransitionModel,
    "exponential": ExponentialTransitionModel,
    "step": StepTransitionModel,
}

FORMULAS = {
    "power": "A*|x - x_c|^beta + c",
    "exponential": "a*exp(-b*x) + c",
    "step": "c + A/(1 + exp((x - x0)/w))",
}

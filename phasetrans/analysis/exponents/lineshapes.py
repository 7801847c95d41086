r"""Lineshapes of a transition: plain numpy functions of the control :math:`x`.

- :func:`power_law`, :math:`A\,|x - x_c|^{\beta} + c`;
- :func:`exponential`, the paper's :math:`a\,e^{-b x} + c`;
- :func:`logistic_step`, :math:`c + A / (1 + e^{(x - x_0)/w})`.
"""

from __future__ import annotations

import numpy as np
import scipy.special

__all__ = ["exponential", "logistic_step", "power_law"]


def power_law(x, amplitude=1.0, x_c=0.0, beta=1.0, c=0.0):
    """:math:`A |x - x_c|^\\beta + c`."""
    return amplitude * np.abs(x - x_c) ** beta + c


def exponential(x, a=1.0, b=1.0, c=0.0):
    """:math:`a e^{-b x} + c`."""
    return a * np.exp(-b * x) + c


def logistic_step(x, amplitude=1.0, center=0.0, width=1.0, c=0.0):
    """:math:`c + A / (1 + e^{(x - x_0)/w})`: ``c + amplitude`` far below, ``c`` far above."""
    return c + amplitude * scipy.special.expit(-(x - center) / width)

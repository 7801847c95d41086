r"""The plateau of a learning curve and the time of escape from it.

Online learning of a soft committee machine from small initial weights first
falls onto a *symmetric plateau* of the generalisation error (all student
units alike), stays there for a time that grows with the initial asymmetry's
smallness (:math:`\propto \ln N` in simulations), then *escapes* as the units
specialise (Saad & Solla 1995; Biehl, Riegler & Wöhler 1996).
:func:`plateau_and_escape` measures both on any sampled curve — an ODE
solution or a simulation — with one definition, so the two can be compared.

References
----------
.. [1] D. Saad and S. A. Solla, Phys. Rev. E 52, 4225 (1995).
.. [2] M. Biehl, P. Riegler and C. Wöhler, J. Phys. A 29, 4769 (1996).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from phasetrans.errors import AnalysisInputError

__all__ = ["Plateau", "plateau_and_escape"]

#: Negative errors accepted as rounding (relative to the largest); an ODE
#: solution's error near convergence can dip below 0 by about its tolerance.
_NEGATIVE_RTOL = 1e-6


@dataclass(frozen=True)
class Plateau:
    """The plateau of a learning curve and the escape from it.

    Attributes
    ----------
    height : float
        Time-weighted median of the error over the plateau.
    start, end : float
        First and last sample times of the plateau.
    escape_time : float
        First time after ``end`` at which the error reaches
        ``fraction * height`` (linear interpolation between samples); NaN when
        the curve never gets there.
    fraction : float
        The fraction of the height that defines the escape.
    """

    height: float
    start: float
    end: float
    escape_time: float
    fraction: float

    @property
    def escaped(self) -> bool:
        """Whether the curve left the plateau within the data."""
        return not math.isnan(self.escape_time)


def _weighted_median(values: np.ndarray, times: np.ndarray) -> float:
    """Median of ``values`` with each sample weighted by the time it stands for."""
    if values.size == 1:
        return float(values[0])
    edges = np.concatenate([[times[0]], 0.5 * (times[1:] + times[:-1]), [times[-1]]])
    weights = np.diff(edges)
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, 0.5 * cum[-1])])


def plateau_and_escape(
    time: object,
    eg: object,
    *,
    band: float = 0.1,
    fraction: float = 0.5,
    floor: float = 1e-12,
) -> Plateau:
    r"""Find the plateau of a learning curve, its height and the escape time.

    Parameters
    ----------
    time : array_like, shape (n,)
        Sample times, strictly increasing, ``n >= 2`` (e.g. ``result.time`` of
        :func:`~phasetrans.theory.integrate_committee`, or steps / N of a
        simulation).
    eg : array_like, shape (n,)
        The error at those times, finite and >= 0; values down to
        ``-1e-6 * max|eg|`` are accepted as rounding and count as zero.
    band : float, optional
        Relative half-width of the plateau: the error stays within a factor
        ``1 + band`` of the plateau's level (default 0.1).
    fraction : float, optional
        The escape is where the error reaches ``fraction * height``
        (default 0.5, in (0, 1)).
    floor : float, optional
        Errors at or below ``floor`` count as converged and never form a
        plateau.  The default keeps the rounding noise of a converged ODE
        solution out; for a simulation that ends on a smooth finite-N error
        floor longer than its plateau, pass a value above that floor.

    Returns
    -------
    Plateau
        Height, start and end of the plateau and the escape time.

    Raises
    ------
    AnalysisInputError
        For arrays of different or too short lengths, non-increasing times,
        non-finite or negative errors, errors all at or below ``floor``,
        ``band <= 0``, ``fraction`` outside (0, 1) or ``floor < 0``.

    Notes
    -----
    For each sample :math:`j` with :math:`\epsilon_j > \text{floor}`, its
    *dwell* is the longest run of consecutive samples around :math:`j` with
    :math:`|\ln(\epsilon_i/\epsilon_j)| \le \ln(1+\text{band})` (and
    :math:`\epsilon_i > \text{floor}`); its length is the time between the
    run's first and last samples.  The plateau is the longest dwell (the
    earliest of equals).  Its height is the time-weighted median of the error
    over its samples; the escape time is the first time after its last sample
    at which the error, linearly interpolated between samples, reaches
    ``fraction * height``, and NaN when the data end first.

    The definition needs a curve sampled densely enough to resolve the plateau
    (tens of samples on it); it does not need evenly spaced times.  The
    initial descent and the exponential convergence after the escape pass
    through any band in a time of order :math:`\ln(1+\text{band})` over their
    rate, so they lose to a plateau of any appreciable length; so does a noisy
    finite-N floor (relative fluctuations of order one).  With noisy data the
    plateau's ends move by the time the noise needs to leave the band, its
    height very little.  Compute a simulation's error from its order
    parameters (:func:`~phasetrans.theory.generalisation_error`) rather than
    from a test set to keep that noise small.
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(eg, dtype=float)
    if t.ndim != 1 or e.shape != t.shape or t.size < 2:
        raise AnalysisInputError(
            f"time has shape {t.shape} and eg has shape {e.shape}; "
            "allowed: two 1-d arrays of the same length >= 2",
            field="eg",
            value=e.shape,
        )
    if not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise AnalysisInputError(
            "time is not finite and strictly increasing; allowed: strictly increasing times",
            field="time",
            value=time,
        )
    if not np.all(np.isfinite(e)) or np.min(e) < -_NEGATIVE_RTOL * np.max(np.abs(e)):
        raise AnalysisInputError(
            f"eg has min {np.min(e)!r}; allowed: finite values >= 0 "
            f"(down to -{_NEGATIVE_RTOL:g} * max|eg| for rounding)",
            field="eg",
            value=eg,
        )
    if not (math.isfinite(band) and band > 0):
        raise AnalysisInputError(f"band={band!r}; allowed: > 0", field="band", value=band)
    if not (0 < fraction < 1):
        raise AnalysisInputError(
            f"fraction={fraction!r}; allowed: 0 < fraction < 1", field="fraction", value=fraction
        )
    if not (math.isfinite(floor) and floor >= 0):
        raise AnalysisInputError(f"floor={floor!r}; allowed: >= 0", field="floor", value=floor)

    alive = e > floor
    if not np.any(alive):
        raise AnalysisInputError(
            f"eg is at or below floor={floor!r} everywhere; allowed: a curve above it",
            field="eg",
            value=float(np.max(e)),
        )
    log_e = np.log(np.where(alive, e, 1.0))
    width = math.log1p(band)
    longest = (-1.0, 0, 0)  # (duration, first, last) of the longest dwell
    for j in np.flatnonzero(alive):
        outside = ~alive | (np.abs(log_e - log_e[j]) > width)
        left = np.flatnonzero(outside[:j])
        right = np.flatnonzero(outside[j + 1 :])
        first = left[-1] + 1 if left.size else 0
        last = j + right[0] if right.size else t.size - 1
        if t[last] - t[first] > longest[0]:
            longest = (t[last] - t[first], first, last)
    _, first, last = longest
    height = _weighted_median(e[first : last + 1], t[first : last + 1])

    escape_time = math.nan
    target = fraction * height
    below = np.flatnonzero(e[last + 1 :] <= target)
    if below.size:
        i = last + 1 + below[0]
        e0, e1 = e[i - 1], e[i]
        w = 1.0 if e0 == e1 else (e0 - target) / (e0 - e1)
        escape_time = float(t[i - 1] + w * (t[i] - t[i - 1]))
    return Plateau(
        height=height,
        start=float(t[first]),
        end=float(t[last]),
        escape_time=escape_time,
        fraction=fraction,
    )

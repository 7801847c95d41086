r"""The bootstrap of a transition fit: refit on resampled samples, or on resampled residuals.

With samples (seeds; or teachers, then their students) every resample draws
whole samples with replacement (the same draw at every control value,
:func:`phasetrans.analysis.bootstrap.draw`), recomputes the mean and its
error, and refits from the best fit.  Without samples it refits
:math:`\hat f(x_i) + \sigma_i r^*_i`, with :math:`r^*` drawn with replacement
from the standardised residuals.  Every draw is made before the refits, from
one generator; the loop is :func:`phasetrans.analysis.bootstrap.replicate`,
as for the collapse.
"""

from __future__ import annotations

from dataclasses import dataclass

import lmfit
import numpy as np

from phasetrans.analysis.bootstrap import draw, replicate
from phasetrans.analysis.samples import fill_zero_errors, mean_and_error

__all__ = ["FitPoints", "Refits", "resample_fit"]


@dataclass(frozen=True)
class FitPoints:
    """The points a transition model is fitted to.

    Attributes
    ----------
    x, y : numpy.ndarray
        Control values and (mean) observable.
    yerr : numpy.ndarray or None
        Standard errors of ``y`` (None: an unweighted fit).
    values : numpy.ndarray or None
        The samples behind ``y``, ``(point, [teacher,] student)`` (None
        without samples).
    levels : int
        Sample levels: 0 (none), 1 (seeds) or 2 (teachers, then students).
    floor : float
        Error given to points whose samples all agree (the typical error).
    error_model : str
        What ``yerr`` is.
    sample_dims : tuple of str
        The sample dimensions used.
    """

    x: np.ndarray
    y: np.ndarray
    yerr: np.ndarray | None
    values: np.ndarray | None
    levels: int
    floor: float
    error_model: str
    sample_dims: tuple[str, ...]

    @property
    def weights(self) -> np.ndarray | None:
        """``1/yerr`` (lmfit's weights), None for an unweighted fit."""
        return None if self.yerr is None else 1.0 / self.yerr


@dataclass(frozen=True)
class Refits:
    """The bootstrap refits of one fit.

    Attributes
    ----------
    samples : dict
        ``{varying parameter: ndarray (n_bootstrap,)}``, NaN where a refit failed.
    kind : str
        ``"seeds"`` (whole samples resampled) or ``"residuals"``.
    n_failed : int
        Refits that failed.
    """

    samples: dict[str, np.ndarray]
    kind: str
    n_failed: int


def resample_fit(
    model: lmfit.Model,
    result: lmfit.model.ModelResult,
    points: FitPoints,
    n_resamples: int,
    seed: int,
) -> Refits:
    """Refit ``model`` on ``n_resamples`` bootstrap resamples of ``points``, from ``result``.

    Parameters
    ----------
    model : lmfit.Model
        The model fitted.
    result : lmfit.model.ModelResult
        The fit to ``points``: its parameters start every refit.
    points : FitPoints
        The data.
    n_resamples : int
        Number of resamples.
    seed : int
        Seed of the :class:`numpy.random.Generator` drawing them.

    Returns
    -------
    Refits
    """
    rng = np.random.default_rng(seed)
    varying = [k for k, p in result.params.items() if p.vary]
    fitted = result.best_fit
    x, y, yerr, weights = points.x, points.y, points.yerr, points.weights
    if points.levels:
        kind = "seeds"
        draws = draw(rng, points.values.shape[1:], n_resamples)
    else:
        kind = "residuals"
        sigma = yerr if yerr is not None else np.ones_like(y)
        standardised = (y - fitted) / sigma
        draws = draw(rng, (y.size,), n_resamples)

    def one(b: int) -> np.ndarray | None:
        if kind == "seeds":
            yb, seb = mean_and_error(draws.take(points.values, b), points.levels)
            wb = None if yerr is None else 1.0 / fill_zero_errors(seb, points.floor)
            if wb is not None and not np.isfinite(wb).all():
                return None
        else:
            yb = fitted + sigma * draws.take(standardised, b)
            wb = weights
        try:
            refit = model.fit(yb, result.params.copy(), x=x, weights=wb)
        except (ValueError, RuntimeError, FloatingPointError):
            return None
        if not refit.success:
            return None
        return np.array([refit.params[k].value for k in varying])

    rows, failed = replicate(n_resamples, len(varying), one)
    samples = {k: rows[:, i] for i, k in enumerate(varying)}
    return Refits(samples, kind, int(failed.sum()))

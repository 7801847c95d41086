"""Results of the transition fits: one fit with its bootstrap, and a ranked comparison."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import lmfit
import numpy as np
import xarray as xr

from phasetrans.analysis.bootstrap import LEVELS
from phasetrans.analysis.exponents.models import FORMULAS

__all__ = ["ModelComparison", "TransitionFit"]


@dataclass(frozen=True)
class TransitionFit:
    """A fitted transition model with bootstrap intervals.

    Attributes
    ----------
    model : str
        Name in :data:`MODELS`.
    result : lmfit.model.ModelResult
        The fit to the (mean) data; ``result.params`` holds the estimates and
        lmfit's standard errors.
    x, y : ndarray
        The points fitted (control values and mean observable).
    yerr : ndarray or None
        Their standard errors (None for an unweighted fit).
    error_model : str
        ``"standard error over '<sample_dim>'"``, ``"given"`` or ``"unweighted"``.
    intervals : dict
        ``{param: {0.68: (lo, hi), 0.95: (lo, hi)}}`` bootstrap percentile
        intervals of the varying parameters (empty without bootstrap).
    bootstrap_samples : dict
        ``{param: ndarray (n_bootstrap,)}``, NaN where a refit failed.
    bootstrap_kind : str
        ``"seeds"`` (whole samples resampled), ``"residuals"`` or ``""``.
    n_bootstrap, n_bootstrap_failed : int
        Resamples requested and refits that failed.
    name : str
        Name of the fitted observable.
    """

    model: str
    result: lmfit.model.ModelResult = field(repr=False)
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    yerr: np.ndarray | None = field(repr=False)
    error_model: str
    control_dim: str
    sample_dim: str | None
    side: str
    window: object
    x_c: float
    intervals: dict[str, dict[float, tuple[float, float]]]
    bootstrap_samples: dict[str, np.ndarray] = field(repr=False)
    bootstrap_kind: str
    n_bootstrap: int
    n_bootstrap_failed: int
    seed: int
    name: str = "observable"

    @property
    def params(self) -> dict[str, float]:
        """Best-fit value of every parameter."""
        return {k: float(p.value) for k, p in self.result.params.items()}

    @property
    def stderr(self) -> dict[str, float]:
        """lmfit's standard errors (NaN where lmfit could not estimate them)."""
        return {
            k: float(p.stderr) if p.stderr is not None else math.nan
            for k, p in self.result.params.items()
            if p.vary
        }

    @property
    def aic(self) -> float:
        """Akaike information criterion of the fit."""
        return float(self.result.aic)

    @property
    def bic(self) -> float:
        """Bayesian information criterion of the fit."""
        return float(self.result.bic)

    def interval(self, name: str, level: float = 0.95) -> tuple[float, float]:
        """Bootstrap percentile interval of parameter ``name`` at ``level`` (0.68 or 0.95)."""
        return self.intervals[name][level]

    def eval(self, x: np.ndarray) -> np.ndarray:
        """The fitted curve at ``x``."""
        return self.result.eval(x=np.asarray(x, dtype=float))

    def report(self) -> str:
        """Plain-text summary: model, data, estimates, errors, intervals and criteria."""
        r = self.result
        lines = [
            f"Transition fit: {self.model}  O = {FORMULAS[self.model]}",
            f"  data         {r.ndata} points of {self.control_dim!r}, side {self.side!r} of "
            f"x_c = {self.x_c:g}" + (f", window {self.window}" if self.window is not None else ""),
            f"  error model  {self.error_model}",
            f"  fit          chi2 = {r.chisqr:.4g}, reduced chi2 = {r.redchi:.4g}, "
            f"AIC = {r.aic:.2f}, BIC = {r.bic:.2f}" + ("" if r.success else "  (NOT CONVERGED)"),
        ]
        header = f"  {'parameter':<10}{'estimate':>13}{'std.err':>11}"
        if self.intervals:
            header += f"{'68% interval':>26}{'95% interval':>26}"
        lines.append(header)
        stderr = self.stderr
        for name, p in r.params.items():
            row = f"  {name:<10}{p.value:>13.6g}"
            if not p.vary:
                lines.append(row + f"{'fixed':>11}")
                continue
            row += f"{stderr[name]:>11.3g}"
            if name in self.intervals:
                for level in LEVELS:
                    lo, hi = self.intervals[name][level]
                    row += f"{f'[{lo:.5g}, {hi:.5g}]':>26}"
            lines.append(row)
        if self.n_bootstrap:
            what = (
                f"resamples of {self.sample_dim!r}"
                if self.bootstrap_kind == "seeds"
                else "residual resamples"
            )
            lines.append(
                f"  bootstrap    {self.n_bootstrap} {what} (seed {self.seed}), "
                f"{self.n_bootstrap_failed} failed"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class ModelComparison:
    """Several transition models fitted to the same points, ranked by an information criterion.

    Attributes
    ----------
    fits : dict
        ``{model name: TransitionFit}``.
    rows : list of dict
        One row per model, best first, with ``model, nvarys, ndata, chisqr,
        redchi, aic, bic, delta`` (criterion minus the best one) and ``weight``
        (Akaike/Schwarz weight :math:`\\propto e^{-\\Delta/2}`).
    criterion : str
        ``"aic"`` or ``"bic"``.
    """

    fits: dict[str, TransitionFit]
    rows: list[dict[str, object]]
    criterion: str

    @property
    def best(self) -> str:
        """Name of the model with the lowest criterion."""
        return str(self.rows[0]["model"])

    def to_dataset(self) -> xr.Dataset:
        """The table as an :class:`xarray.Dataset` over ``model``."""
        names = [str(r["model"]) for r in self.rows]
        keys = ("nvarys", "ndata", "chisqr", "redchi", "aic", "bic", "delta", "weight")
        return xr.Dataset(
            {k: ("model", [r[k] for r in self.rows]) for k in keys},
            coords={"model": names},
            attrs={"criterion": self.criterion},
        )

    def report(self) -> str:
        """The ranking as a text table, then each fit's report."""
        crit = self.criterion.upper()
        lines = [
            f"Model comparison by {crit} (lower is better; weight ~ exp(-delta/2))",
            f"  {'model':<12}{'k':>3}{'N':>6}{'chi2':>12}{'red.chi2':>11}"
            f"{'AIC':>11}{'BIC':>11}{'d' + crit:>9}{'weight':>9}",
        ]
        for r in self.rows:
            lines.append(
                f"  {r['model']:<12}{r['nvarys']:>3}{r['ndata']:>6}{r['chisqr']:>12.4g}"
                f"{r['redchi']:>11.4g}{r['aic']:>11.2f}{r['bic']:>11.2f}"
                f"{r['delta']:>9.2f}{r['weight']:>9.3f}"
            )
        for r in self.rows:
            lines += ["", self.fits[str(r["model"])].report()]
        return "\n".join(lines)


# ---------------------------------------------------------------------------

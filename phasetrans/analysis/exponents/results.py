"""Results of the transition fits: one fit with its bootstrap, and a ranked comparison.

Both show themselves as lmfit's results do: a short ``repr`` with the fitted
parameters, an HTML table in Jupyter, a text ``report()``, an
:class:`xarray.Dataset` (``to_dataset()``) and a figure (``plot()``).  A fit's
parameters are :class:`~phasetrans.analysis.estimate.Estimate` records
(``params``), shared in form with the collapse.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import lmfit
import numpy as np
import xarray as xr

from phasetrans.analysis import plotting
from phasetrans.analysis.attrs import plain
from phasetrans.analysis.estimate import Estimate, parameters_dataset
from phasetrans.analysis.exponents.models import FORMULAS
from phasetrans.analysis.parameter_text import (
    BOOTSTRAP_SD,
    few_resamples,
    html_parameters,
    parameter_lines,
    short_estimate,
    strong_correlations,
)
from phasetrans.errors import AnalysisInputError

__all__ = ["COVARIANCE_SE", "ModelComparison", "TransitionFit"]

#: What "±" is in a fit's tables.
COVARIANCE_SE = "± : standard error from the covariance of the fit (lmfit)"


@dataclass(frozen=True, repr=False)
class TransitionFit:
    """A fitted transition model with bootstrap intervals.

    Attributes
    ----------
    model : str
        Name in :data:`MODELS`.
    result : lmfit.model.ModelResult
        The fit to the (mean) data, as lmfit returns it.
    params : dict of str to Estimate
        Every parameter: lmfit's value, standard error (0 for a held one)
        and correlations, with the bootstrap replicates (NaN where a refit
        failed) and percentile intervals of the varying ones.
    x, y : ndarray
        The points fitted (control values and mean observable).
    yerr : ndarray or None
        Their standard errors (None for an unweighted fit).
    error_model : str
        ``"standard error over '<sample_dim>'"``, ``"given"`` or ``"unweighted"``.
    bootstrap_kind : str
        ``"seeds"`` (whole samples resampled), ``"residuals"`` or ``""``.
    n_bootstrap, n_bootstrap_failed : int
        Resamples requested and refits that failed.
    name : str
        Name of the fitted observable.
    attrs, control_attrs : dict
        The attributes of the input array and of its control coordinate
        (kept, as xarray's ``keep_attrs`` does).
    """

    model: str
    result: lmfit.model.ModelResult = field(repr=False)
    params: dict[str, Estimate]
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    yerr: np.ndarray | None = field(repr=False)
    error_model: str
    control_dim: str
    sample_dim: str | tuple[str, ...] | None
    side: str
    window: object
    x_c: float
    bootstrap_kind: str
    n_bootstrap: int
    n_bootstrap_failed: int
    seed: int
    name: str = "observable"
    attrs: dict[str, Any] = field(default_factory=dict, repr=False)
    control_attrs: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def stderr(self) -> dict[str, float]:
        """lmfit's standard errors of the varying parameters (NaN where it had none)."""
        return {k: e.stderr for k, e in self.params.items() if not e.fixed}

    @property
    def intervals(self) -> dict[str, dict[float, tuple[float, float]]]:
        """``{param: {0.68: (lo, hi), 0.95: (lo, hi)}}`` (empty without bootstrap)."""
        return {k: dict(e.intervals) for k, e in self.params.items() if e.intervals}

    @property
    def bootstrap_samples(self) -> dict[str, np.ndarray]:
        """``{param: ndarray (n_bootstrap,)}`` of the varying parameters (empty without)."""
        return {k: e.samples for k, e in self.params.items() if e.samples is not None}

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
        return self.params[name].intervals[level]

    def eval(self, x: np.ndarray) -> np.ndarray:
        """The fitted curve at ``x``."""
        return self.result.eval(x=np.asarray(x, dtype=float))

    def _notes(self) -> list[str]:
        notes = [] if self.result.success else ["ALERT: the fit did not converge"]
        warning = few_resamples(self.n_bootstrap)
        return notes + ([f"warning: {warning}"] if warning else [])

    def __repr__(self) -> str:
        parts = [short_estimate(name, e) for name, e in self.params.items()]
        correlations = strong_correlations(self.params)
        state = "" if self.result.success else "; NOT CONVERGED"
        boot = f"; bootstrap {self.n_bootstrap}" if self.n_bootstrap else ""
        boot += " (too few)" if few_resamples(self.n_bootstrap) else ""
        return (
            f"<TransitionFit {self.model} {self.side} x_c={self.x_c:g} "
            f"({self.result.ndata} points): {', '.join(parts)}"
            + "".join(f"; {c.replace(' = ', '=')}" for c in correlations)
            + f"; AIC={self.aic:.2f}, reduced chi2={self.result.redchi:.3g}{boot}{state}>"
        )

    def _repr_html_(self) -> str:
        r = self.result
        caption = (
            f"{self.model} fit O = {FORMULAS[self.model]} of {self.name}, {r.ndata} points "
            f"{self.side} x_c = {self.x_c:g}; reduced chi2 = {r.redchi:.4g}, "
            f"AIC = {r.aic:.2f}, BIC = {r.bic:.2f}; {self.error_model}; {COVARIANCE_SE}"
            + (f"; {BOOTSTRAP_SD}" if self.n_bootstrap else "")
        )
        return html_parameters(caption, self.params, self._notes())

    def to_dataset(self) -> xr.Dataset:
        """Estimates, errors, intervals, bootstrap samples and the fitted points as a Dataset.

        Returns
        -------
        xarray.Dataset
            Over ``parameter``: ``estimate``, ``stderr`` (lmfit's; 0 for a
            held parameter), ``fixed``; over ``(parameter, level)``:
            ``interval_low``, ``interval_high`` and over ``(parameter,
            resample)``: ``bootstrap_samples`` (with a bootstrap); over
            ``point``: ``x`` (with the control's attributes), ``y``, ``yerr``
            and ``best_fit``.  The attrs hold the input's attributes, then the
            model, its formula, the side, :math:`x_c`, the window and the fit
            statistics.
        """
        ds = parameters_dataset(self.params)
        yerr = self.yerr if self.yerr is not None else np.full(self.y.shape, np.nan)
        x_attrs = {"long_name": self.control_dim, **self.control_attrs}
        ds["x"] = ("point", np.asarray(self.x, dtype=float), x_attrs)
        ds["y"] = ("point", np.asarray(self.y, dtype=float), {"long_name": self.name})
        ds["yerr"] = ("point", np.asarray(yerr, dtype=float), {"long_name": "standard error"})
        ds["best_fit"] = ("point", self.eval(self.x), {"long_name": "fitted curve"})
        r = self.result
        ds.attrs = {
            **self.attrs,
            "analysis": "transition fit",
            "model": self.model,
            "formula": FORMULAS[self.model],
            "observable": self.name,
            "control_dim": self.control_dim,
            "side": self.side,
            "x_c": self.x_c,
            "window": "" if self.window is None else str(self.window),
            "error_model": self.error_model,
            "sample_dim": ",".join(
                () if self.sample_dim is None
                else (self.sample_dim,) if isinstance(self.sample_dim, str)
                else self.sample_dim
            ),
            "ndata": int(r.ndata),
            "nvarys": int(r.nvarys),
            "chisqr": float(r.chisqr),
            "redchi": float(r.redchi),
            "aic": float(r.aic),
            "bic": float(r.bic),
            "success": int(bool(r.success)),
            "bootstrap_kind": self.bootstrap_kind,
            "n_bootstrap": self.n_bootstrap,
            "n_bootstrap_failed": self.n_bootstrap_failed,
            "seed": self.seed,
        }  # fmt: skip
        return plain(ds)

    def plot(self, ax: Any = None, *, title: str | None = None) -> Any:
        """Data, fitted curve and residuals (:func:`phasetrans.plots.scaling.plot_fit`).

        Parameters
        ----------
        ax : pair of matplotlib Axes, optional
            ``(top, bottom)`` axes for the data and the residuals.
        title : str, optional
            Figure title.

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plotting.plot(self, ax=ax, title=title)

    def report(self) -> str:
        """Plain-text summary: model, data, estimates, errors, intervals, criteria, warnings."""
        r = self.result
        lines = [
            f"Transition fit: {self.model}  O = {FORMULAS[self.model]}",
            f"  data         {r.ndata} points of {self.control_dim!r}, side {self.side!r} of "
            f"x_c = {self.x_c:g}" + (f", window {self.window}" if self.window is not None else ""),
            f"  error model  {self.error_model}",
            f"  fit          chi2 = {r.chisqr:.4g}, reduced chi2 = {r.redchi:.4g}, "
            f"AIC = {r.aic:.2f}, BIC = {r.bic:.2f}" + ("" if r.success else "  (NOT CONVERGED)"),
            *parameter_lines(self.params),
            f"  {COVARIANCE_SE}",
        ]
        if self.n_bootstrap:
            what = (
                f"resamples of {self.sample_dim!r}"
                if self.bootstrap_kind == "seeds"
                else "residual resamples"
            )
            lines.append(
                f"  bootstrap    {self.n_bootstrap} {what} (seed {self.seed}), "
                f"{self.n_bootstrap_failed} failed; {BOOTSTRAP_SD}"
            )
        warning = few_resamples(self.n_bootstrap)
        if warning:
            lines.append(f"  warning      {warning}")
        return "\n".join(lines)


@dataclass(frozen=True, repr=False)
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

    def __getitem__(self, model: str) -> TransitionFit:
        """The fit of one model: ``comparison["power"]``."""
        if model not in self.fits:
            raise AnalysisInputError(
                f"model={model!r} was not fitted; allowed: {list(self.fits)}",
                field="model",
                value=model,
            )
        return self.fits[model]

    def __iter__(self) -> Iterator[str]:
        """The model names, best first."""
        return iter(str(r["model"]) for r in self.rows)

    def __len__(self) -> int:
        return len(self.fits)

    def __contains__(self, model: object) -> bool:
        return model in self.fits

    def __repr__(self) -> str:
        ranking = ", ".join(f"{r['model']} (weight {r['weight']:.2f})" for r in self.rows)
        return (
            f"<ModelComparison by {self.criterion.upper()}: {ranking}; "
            f"best {self.best}: {self.fits[self.best]!r}>"
        )

    def _repr_html_(self) -> str:
        crit = self.criterion.upper()
        head = ["model", "k", "N", "chi2", "red.chi2", "AIC", "BIC", f"Δ{crit}", "weight"]
        rows = []
        for r in self.rows:
            cells = [
                str(r["model"]), str(r["nvarys"]), str(r["ndata"]), f"{r['chisqr']:.4g}",
                f"{r['redchi']:.4g}", f"{r['aic']:.2f}", f"{r['bic']:.2f}",
                f"{r['delta']:.2f}", f"{r['weight']:.3f}",
            ]  # fmt: skip
            rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        header = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"
        caption = f"Models ranked by {crit} (lower is better; weight ~ exp(-Δ/2))"
        return (
            f"<div><table><caption>{html.escape(caption)}</caption>{header}{''.join(rows)}"
            f"</table>{self.fits[self.best]._repr_html_()}</div>"
        )

    def to_dataset(self) -> xr.Dataset:
        """The table as an :class:`xarray.Dataset` over ``model``, with every fit's estimates.

        Returns
        -------
        xarray.Dataset
            ``nvarys, ndata, chisqr, redchi, aic, bic, delta, weight`` over
            ``model``; ``estimate`` and ``stderr`` over ``(model, parameter)``
            (NaN where a model lacks the parameter); attrs ``criterion`` and
            ``best``.
        """
        names = [str(r["model"]) for r in self.rows]
        keys = ("nvarys", "ndata", "chisqr", "redchi", "aic", "bic", "delta", "weight")
        ds = xr.Dataset(
            {k: ("model", [r[k] for r in self.rows]) for k in keys},
            coords={"model": names},
            attrs={"criterion": self.criterion, "best": self.best},
        )
        parameters = list(dict.fromkeys(p for n in names for p in self.fits[n].params))
        for var in ("estimate", "stderr"):
            table = [
                [
                    getattr(self.fits[n], "params" if var == "estimate" else "stderr").get(
                        p, math.nan
                    )
                    for p in parameters
                ]
                for n in names
            ]
            ds[var] = (("model", "parameter"), np.asarray(table, dtype=float))
        return ds.assign_coords(parameter=parameters)

    def plot(self, ax: Any = None, *, title: str | None = None) -> Any:
        """Every model's curve over the data (:func:`phasetrans.plots.scaling.plot_fit`)."""
        return plotting.plot(self, ax=ax, title=title)

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

r"""The collapse of a transition analysis, with corrections to scaling when the data allow.

Corrections to scaling, :math:`x_c(N) = x_c + b N^{-\omega}`, add two
parameters; they are used when there are at least :data:`MIN_SIZES` sizes and
they lower the Akaike information criterion by more than :data:`MIN_AIC_GAIN`,
and the corrected collapse is itself determined (no optimiser bound, size
dependence seen).
The collapse quality :math:`S` of :func:`phasetrans.analysis.scaling.collapse`
is a mean squared normalised residual over the :math:`n` points that enter it,
so :math:`\chi^2 \approx n S` and

.. math:: \mathrm{AIC} = n S + 2 k,

with :math:`k` the free parameters.  Both fits are first made without a
bootstrap; the chosen one is then repeated with it.

Caveat (measured): the residuals of one size are correlated (the same
teachers at every control value), so :math:`nS` overstates the evidence for
the two extra parameters, which can fit the sizes' finite-disorder offsets.
On the synthetic disorder ensemble of ``benchmarks/transition_coverage.py``
(no corrections in the truth; 4 sizes, 32 teachers) the rule chose
corrections in 9 of 30 runs, and their 95 % intervals then covered the true
:math:`\alpha_c` in 1 of 9 (the runs without: 21 of 21).  The report of a
transition shows the uncorrected :math:`\alpha_c, \nu` beside the corrected
ones; ``corrections=False`` turns them off.
"""

from __future__ import annotations

from collections.abc import Mapping

import xarray as xr

from phasetrans.analysis.scaling import CollapseResult, collapse

__all__ = ["MIN_AIC_GAIN", "MIN_SIZES", "aic", "collapse_transition"]

#: Fewest sizes for which corrections to scaling are tried.
MIN_SIZES = 4
#: AIC improvement the corrections must bring to be used.
MIN_AIC_GAIN = 2.0


def aic(result: CollapseResult) -> float:
    """:math:`n S + 2k` of a collapse (see the module docstring)."""
    free = [n for n, e in result.params.items() if n != "nu" and not e.fixed]  # nu is 1/(1/nu)
    return float(result.n_points * result.quality + 2 * len(free))


def collapse_transition(
    m: xr.DataArray,
    size: str,
    control: str,
    sample_dim: tuple[str, ...],
    *,
    fix: Mapping[str, float] | None,
    bootstrap: int,
    seed: int,
    corrections: bool | None = None,
) -> tuple[CollapseResult, dict[str, object]]:
    """Collapse ``m``; with :data:`MIN_SIZES` sizes or more, try corrections to scaling.

    Parameters
    ----------
    m : xarray.DataArray
        The order parameter per student over ``(size, control, *sample_dim)``.
    size, control : str
        The dimensions.
    sample_dim : tuple of str
        The disorder dimensions (two-level bootstrap).
    fix : mapping, optional
        Pinned parameters (e.g. ``{"zeta": 0}``).
    bootstrap, seed : int
        Resamples of the final collapse and their seed.
    corrections : bool, optional
        Force (True) or forbid (False) the corrections; None: the AIC rule.

    Returns
    -------
    result : CollapseResult
        The collapse used.
    choice : dict
        ``aic_plain``, ``aic_corrections`` (NaN when not tried), ``corrections``
        (used or not), ``reason``, and ``plain_x_c``, ``plain_nu`` (the collapse
        without corrections, to show what they changed).
    """
    kwargs = dict(sample_dim=sample_dim, fix=dict(fix or {}), seed=seed)
    n_sizes = int(m.sizes[size])
    plain = collapse(m, size, control, bootstrap=bootstrap, **kwargs)
    choice: dict[str, object] = {
        "aic_plain": aic(plain),
        "aic_corrections": float("nan"),
        "corrections": False,
        "plain_x_c": float(plain.x_c),
        "plain_nu": float(plain.nu),
    }
    if corrections is False:
        choice["reason"] = "corrections not asked for"
        return plain, choice
    if n_sizes < MIN_SIZES and not corrections:
        choice["reason"] = f"{n_sizes} sizes: corrections to scaling need at least {MIN_SIZES}"
        return plain, choice
    trial = collapse(m, size, control, bootstrap=0, corrections=True, **kwargs)
    choice["aic_corrections"] = aic(trial)
    gain = choice["aic_plain"] - choice["aic_corrections"]
    if not corrections and gain > MIN_AIC_GAIN and not trial.determined:
        choice["reason"] = (
            f"corrections lower AIC by {gain:.1f} but their collapse is not determined "
            f"({'at a bound' if trial.at_bound else 'no size dependence'}): not used"
        )
        return plain, choice
    if corrections or gain > MIN_AIC_GAIN:
        choice["corrections"] = True
        choice["reason"] = (
            "corrections asked for"
            if corrections
            else f"corrections lower AIC by {gain:.1f} (> {MIN_AIC_GAIN:g})"
        )
        final = collapse(m, size, control, bootstrap=bootstrap, corrections=True, **kwargs)
        return final, choice
    choice["reason"] = f"corrections lower AIC by {gain:.1f} (not > {MIN_AIC_GAIN:g}): not used"
    return plain, choice

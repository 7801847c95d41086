r"""The arguments of a collapse checked: fixed parameters, starting values, counts.

:func:`check_fix` and :func:`check_arguments` are what
:func:`~phasetrans.analysis.scaling.collapse` refuses.  :func:`parameter_rule`
is the stricter rule for a starting or fixed value that a front end (the
command line) applies before a long run: within the optimiser's
:data:`~phasetrans.analysis.scaling.objective.BOUNDS`, so the scaling form
cannot overflow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from phasetrans.analysis.scaling.objective import BOUNDS
from phasetrans.analysis.scaling.result import CORRECTION_PARAMETERS, PARAMETERS
from phasetrans.analysis.validation import require_known_names
from phasetrans.errors import AnalysisInputError

__all__ = ["CORRECTION_LIMIT", "check_arguments", "check_fix", "parameter_rule"]

#: Largest |b| and |omega| accepted as a start or fixed value (as large as zeta's bound).
CORRECTION_LIMIT = BOUNDS["zeta"]


def check_fix(fix: Mapping[str, float] | None, corrections: bool) -> dict[str, float]:
    """The pinned parameters as floats; :class:`AnalysisInputError` for a bad name or value."""
    fix = dict(fix or {})
    allowed = list(PARAMETERS) + (list(CORRECTION_PARAMETERS) if corrections else [])
    hint = "" if corrections else " (b and omega need corrections=True)"
    require_known_names(fix, allowed, "fix", hint)
    for name, value in fix.items():
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise AnalysisInputError(
                f"fix[{name!r}]={value!r} is not a number; allowed: a real number",
                field="fix",
                value=value,
            ) from None
        if name == "nu" and (value == 0 or math.isnan(value)):
            raise AnalysisInputError(
                f"fix['nu']={value!r}; allowed: a non-zero number or inf (1/nu = 0)",
                field="fix",
                value=value,
            )
        if name != "nu" and not math.isfinite(value):
            raise AnalysisInputError(
                f"fix[{name!r}]={value!r}; allowed: a finite number", field="fix", value=value
            )
        if name == "omega" and value <= 0:
            raise AnalysisInputError(
                f"fix['omega']={value!r}; allowed: a positive number", field="fix", value=value
            )
        fix[name] = value
    return fix


def check_arguments(bootstrap: int, sample_dim, workers: int, min_overlap: float) -> None:
    """Refuse a negative ``bootstrap`` (or one without samples), ``workers < 1``, a bad overlap."""
    if not isinstance(bootstrap, int | np.integer) or bootstrap < 0:
        raise AnalysisInputError(
            f"bootstrap={bootstrap!r}; allowed: an integer >= 0", field="bootstrap", value=bootstrap
        )
    if bootstrap and sample_dim is None:
        raise AnalysisInputError(
            f"bootstrap={bootstrap} needs sample_dim (the dimension of the seeds to resample)",
            field="bootstrap",
            value=bootstrap,
        )
    if not isinstance(workers, int | np.integer) or workers < 1:
        raise AnalysisInputError(
            f"workers={workers!r}; allowed: an integer >= 1", field="workers", value=workers
        )
    if not 0 <= min_overlap <= 1:
        raise AnalysisInputError(
            f"min_overlap={min_overlap!r}; allowed: a number in [0, 1]",
            field="min_overlap",
            value=min_overlap,
        )


def parameter_rule(name: str, value: float, x_range: tuple[float, float]) -> str | None:
    r"""What a starting or fixed ``value`` of ``name`` must be, or None when it is allowed.

    Parameters
    ----------
    name : str
        ``x_c``, ``nu``, ``zeta``, ``b`` or ``omega``.
    value : float
        The value asked for.
    x_range : (float, float)
        The range of the control in the data.

    Returns
    -------
    str or None
        None for an allowed value; else what is allowed, e.g. ``"a finite
        number with |value| <= 50"``: :math:`x_c` within the control range,
        :math:`|1/\nu|` and :math:`|\zeta|` within the optimiser's bounds (a
        value beyond them makes the goal function infinite), :math:`|b|` and
        :math:`|\omega|` within :data:`CORRECTION_LIMIT`.
    """
    lo, hi = x_range
    if name == "x_c" and not (math.isfinite(value) and lo <= value <= hi):
        return f"a number within the control range [{lo:g}, {hi:g}]"
    smallest_nu = 1.0 / BOUNDS["inv_nu"]
    if name == "nu" and (math.isnan(value) or abs(value) < smallest_nu):
        return f"a non-zero number with |nu| >= {smallest_nu:g}, or inf (no size dependence)"
    limit = BOUNDS["zeta"] if name == "zeta" else CORRECTION_LIMIT
    if name in ("zeta", "b", "omega") and not (math.isfinite(value) and abs(value) <= limit):
        return f"a finite number with |value| <= {limit:g}"
    return None

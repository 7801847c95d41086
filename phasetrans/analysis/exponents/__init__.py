r"""Transition models on one side of :math:`x_c`, bootstrap intervals, model ranking.

Three shapes of an observable :math:`O(x)` near a transition:

- power law, :math:`O = A\,|x - x_c|^{\beta} + c` (:class:`PowerLawTransitionModel`);
- the paper's exponential, :math:`O = a\,e^{-b x} + c` (:class:`ExponentialTransitionModel`);
- a smooth (logistic) step, :math:`O = c + A / (1 + e^{(x - x_0)/w})`
  (:class:`StepTransitionModel`).

Modules, in the manner of lmfit:

``lineshapes``  the plain functions :func:`power_law`, :func:`exponential`,
                :func:`logistic_step`
``models``      :class:`lmfit.Model` subclasses with a data-driven ``guess()``,
                and :data:`MODELS` by name
``results``     :class:`TransitionFit` and :class:`ModelComparison`, with ``report()``
``fit``         :func:`fit_transition`: one model, weighted by the samples' error,
                with bootstrap intervals
``resampling``  its bootstrap refits (draws from :mod:`phasetrans.analysis.bootstrap`)
``compare``     :func:`compare_models`: several models ranked by AIC or BIC
"""

from phasetrans.analysis.exponents.compare import compare_models
from phasetrans.analysis.exponents.fit import SIDES, fit_transition
from phasetrans.analysis.exponents.lineshapes import exponential, logistic_step, power_law
from phasetrans.analysis.exponents.models import (
    MODELS,
    ExponentialTransitionModel,
    PowerLawTransitionModel,
    StepTransitionModel,
)
from phasetrans.analysis.exponents.results import ModelComparison, TransitionFit

__all__ = [
    "MODELS",
    "SIDES",
    "ExponentialTransitionModel",
    "ModelComparison",
    "PowerLawTransitionModel",
    "StepTransitionModel",
    "TransitionFit",
    "compare_models",
    "exponential",
    "fit_transition",
    "logistic_step",
    "power_law",
]

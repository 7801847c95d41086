r"""The report's transition section, for any study swept in a control and a size.

A study with a swept control (:data:`CONTROLS`, e.g. ``alpha``) and a swept
size (:data:`SIZES`, ``input_dim``) gets one section made from one call of
:func:`phasetrans.analysis.transition.transition`: its claims (the collapse's
:math:`\alpha_c` and :math:`\nu`, the self-averaging of the per-teacher
:math:`\alpha^*(t)`, the systematic errors, the threshold scan), its tables
(per size, crossings, collapse, systematic errors) and its figure.  Nothing
here computes a statistic; it words the result's numbers.

Verdicts (stated on the page):

- the transition *holds* when the collapse is determined (no optimiser bound,
  a size dependence) and adequate, its quality :math:`S` at most
  :data:`~phasetrans.analysis.defaults.COLLAPSE_S_MAX`; a larger :math:`S` makes
  it *does not hold*; a thresholded order parameter whose :math:`\alpha_c` moves with the
  threshold makes it *does not hold*; cells not stationary at the end of
  training make a *holds* a *partly* and are named in the verdict;
- self-averaging *holds* when the 95 % interval of the spread exponent
  :math:`a` (spread :math:`\propto N^{-a}`) lies above 0;
- the estimates are *robust* when no choice of the systematic-error table
  moves :math:`\alpha_c` (or :math:`\nu`) by more than the half-width of the
  baseline's 95 % interval.

Modules: ``section`` (:func:`transition_section`, the analysis and its notes),
``claims`` (the four verdicts), ``tables`` (the four tables) and ``format``
(a value with its interval).
"""

from phasetrans.report.transition.section import (
    BOOTSTRAP,
    COLLAPSE_BOOTSTRAP,
    CONTROLS,
    MIN_BOOTSTRAP,
    ORDERS,
    SIZES,
    SYSTEMATICS_BOOTSTRAP,
    choose_order,
    transition_axes,
    transition_section,
)

__all__ = [
    "BOOTSTRAP",
    "COLLAPSE_BOOTSTRAP",
    "CONTROLS",
    "MIN_BOOTSTRAP",
    "ORDERS",
    "SIZES",
    "SYSTEMATICS_BOOTSTRAP",
    "choose_order",
    "transition_axes",
    "transition_section",
]

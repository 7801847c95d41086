r"""The transition analysis: observables with two-level bootstrap errors, and one call.

Observables (any :class:`xarray.DataArray` with a student dim ``seed``, a
teacher dim ``teacher_seed``, a control dim and a size dim):

``binder``          the symmetry-breaking order parameter :math:`M` and its
                    n-component Binder ratio :math:`U_n`; the centred cumulant
``susceptibility``  :math:`\chi` split into connected and disconnected parts
``peaks``           :math:`\chi` peaks, the steepest slope :math:`dm/d\alpha`,
                    exponents of a statistic against size
``crossing``        crossings of successive sizes; midpoints and widths
``pseudocritical``  per-teacher :math:`\alpha^*(t)` and their spread against size
``histogram``       histograms of :math:`r_n` per cell

Building blocks: ``resampling`` (the draws shared by every statistic),
``curves`` (pure numerics on curves); ensembles with known answers are in
:mod:`phasetrans.testing.transition`.  One call: ``analysis`` (:func:`transition`),
``systematics`` (the systematic-error table), ``result`` (:class:`TransitionResult`) and
``text`` (its report), ``compare`` (:func:`compare_transitions`).
"""

from phasetrans.analysis.transition.analysis import transition
from phasetrans.analysis.transition.binder import (
    binder_ratio,
    centred_cumulant,
    symmetry_breaking_order,
)
from phasetrans.analysis.transition.compare import TransitionComparison, compare_transitions
from phasetrans.analysis.transition.histogram import overlap_histogram
from phasetrans.analysis.transition.peaks import maximum_slope, susceptibility_peaks
from phasetrans.analysis.transition.pseudocritical import pseudocritical_points, spread_exponent
from phasetrans.analysis.transition.result import TransitionResult
from phasetrans.analysis.transition.susceptibility import susceptibility_parts

__all__ = [
    "TransitionComparison",
    "TransitionResult",
    "binder_ratio",
    "centred_cumulant",
    "compare_transitions",
    "maximum_slope",
    "overlap_histogram",
    "pseudocritical_points",
    "spread_exponent",
    "susceptibility_parts",
    "susceptibility_peaks",
    "symmetry_breaking_order",
    "transition",
]

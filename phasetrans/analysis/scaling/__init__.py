r"""Finite-size-scaling collapse with the Houdayer–Hartmann quality and a bootstrap.

Near a continuous transition an observable of a system of size :math:`L` at
control :math:`x` obeys

.. math:: O(x, L) = L^{\zeta} \, F\bigl((x - x_c) \, L^{1/\nu}\bigr).

:func:`collapse` finds :math:`x_c, \nu, \zeta` that put the curves of all sizes
on one master curve :math:`F`, with standard errors from the curvature of the
quality at its minimum and percentile intervals from resampling whole samples
(seeds, or teachers and then their students).  Sign convention: the scaled
control is :math:`s = (x - x_c) L^{1/\nu}`, so points with :math:`x < x_c` have
:math:`s < 0` for every size, and :math:`\nu > 0` spreads the curves of larger
systems over a wider range of :math:`s`.

Modules, in the order data flows through them:

``checks``      the arguments: fixed parameters, counts, and the rule for
                starting values (within the search's bounds)
``data``        the input checked and put on the (size, control) grid, with its
                error model (:class:`~.data.CollapseData`)
``quality``     the Houdayer–Hartmann master curve and quality :math:`S`
                (:func:`quality`, :func:`master_curve`)
``objective``   the scaling form :func:`scale`, the goal function
                :class:`~.objective.Objective` of the parameters and its ``BOUNDS``
``optimiser``   grid starts, Nelder–Mead, curvature errors, local search
``resampling``  the bootstrap of a collapse (draws from
                :mod:`phasetrans.analysis.bootstrap`) and its summaries
``uncertainty`` curvature, polish and bootstrap as one
                :class:`~phasetrans.analysis.estimate.Estimate` per parameter
``honesty``     the flags: no size dependence (from the profile of S at
                1/nu = 0), a degenerate optimum at a bound
``decision``    the decision on size dependence before the bootstrap, then
                the bootstrap of what is reported
``result``      :class:`CollapseResult`: repr, HTML, dataset, alerts
``text``        its ``report()``
``collapse``    :func:`collapse`, composing the steps above
"""

from phasetrans.analysis.scaling.collapse import collapse
from phasetrans.analysis.scaling.objective import scale
from phasetrans.analysis.scaling.quality import master_curve, quality
from phasetrans.analysis.scaling.result import CollapseResult

__all__ = ["CollapseResult", "collapse", "master_curve", "quality", "scale"]

r"""Synthetic data with known answers, for tests, benchmarks and documentation.

Every builder draws from a :class:`numpy.random.Generator` made from its
``seed`` argument (an int, or a generator where stated), so the same call
gives the same numbers; none touches a global random state.

``collapse``        :func:`known_collapse`: data obeying an exact finite-size
                    scaling form :math:`L^\zeta F((x - x_c) L^{1/\nu})`
``transition``      :func:`critical_ensemble` (a transition at a known
                    :math:`\alpha_c`, :math:`\nu`, with teacher disorder),
                    :func:`threshold_artefact_ensemble` (a crossing made by a
                    threshold), :func:`overlap_ensemble` (per-node overlaps of
                    one phase)
``specialisation``  :func:`transition_study`: a known transition laid out as a
                    study with per-teacher-node overlaps
``topology``        :func:`permuted_teacher` (the teacher with its nodes
                    permuted and rescaled), :func:`topology_study` and
                    :func:`write_topology_study` (students holding their
                    teacher's nodes, in the dataset schema)
``studies``         :func:`pruning_study` (pruning curves collapsing with a
                    known exponent), :func:`swept_study` (a study swept in
                    ``input_dim`` and ``alpha``)
``checkpoints``     :func:`with_checkpoints`: checkpoints relaxing onto the
                    final values, slowly in chosen cells
``curves``          :data:`KNOWN_CURVES` and :func:`curve_samples`: the
                    transition lineshapes with known parameters

The constants each builder's answer is stated in (``ALPHA_C``, ``NU``, the
sizes, the slow cells) live in its module.

Examples
--------
>>> from phasetrans.testing import known_collapse
>>> da = known_collapse(x_c=0.5, nu=1.3, zeta=0.4, seed=7)
>>> dict(da.sizes)
{'L': 4, 'x': 61, 'seed': 20}
"""

from phasetrans.testing.checkpoints import with_checkpoints
from phasetrans.testing.collapse import known_collapse, scaling_function
from phasetrans.testing.curves import KNOWN_CURVES, curve_samples
from phasetrans.testing.specialisation import transition_study
from phasetrans.testing.studies import pruning_study, swept_study
from phasetrans.testing.topology import (
    PermutedTeacher,
    permuted_teacher,
    topology_study,
    write_topology_study,
)
from phasetrans.testing.transition import (
    critical_ensemble,
    overlap_ensemble,
    threshold_artefact_ensemble,
)

__all__ = [
    "KNOWN_CURVES",
    "PermutedTeacher",
    "critical_ensemble",
    "curve_samples",
    "known_collapse",
    "overlap_ensemble",
    "permuted_teacher",
    "pruning_study",
    "scaling_function",
    "swept_study",
    "threshold_artefact_ensemble",
    "topology_study",
    "transition_study",
    "with_checkpoints",
    "write_topology_study",
]

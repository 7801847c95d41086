r"""Threshold-free order parameters: the overlaps of student and teacher first layers.

For a student with first-layer vectors :math:`w_i` (``W`` nodes, ``N`` inputs) and
a teacher with :math:`B_n` (``M`` nodes), the overlap matrices of Saad & Solla
and Engel & Van den Broeck (ch. 12) are

.. math:: R_{in} = w_i \cdot B_n / N, \qquad Q_{ij} = w_i \cdot w_j / N,
          \qquad T_{nm} = B_n \cdot B_m / N,

and their cosines :math:`R_{in} / \sqrt{Q_{ii} T_{nn}}` etc.
(:func:`overlap_matrices`, :func:`study_overlap_matrices`; computed on
demand, never stored, since ``Q`` alone is 9 MB per student at ``W = 1500``).

Per student, :func:`student_overlaps` (numpy, for the runner) and
:func:`add_overlaps` (a study dataset) give the variables of
:data:`OVERLAP_VARIABLES`:

=========================  =====================  ========================================
variable                   per-student dims       meaning
=========================  =====================  ========================================
``overlap``                (node, teacher_node)   cosine of ``R``
``overlap_max``            (teacher_node)         :math:`r_n = \max_i |\cos_{in}|`
``overlap_max_weighted``   (teacher_node)         :math:`r^w_n`, output-weighted
``overlap_symmetric``      ()                     :math:`r_\mathrm{sym}` of the teacher
``specialisation``         ()                     :math:`s = \overline{r^w_n} - r_\mathrm{sym}`
``subspace_cosine``        (principal_angle)      cosines of the principal angles
``subspace_overlap``       ()                     mean squared principal cosine
=========================  =====================  ========================================

:func:`recovered_at` turns ``r_n`` into the fraction of teacher nodes recovered
at any cosine threshold, or a scan of thresholds.

Why weight by the output
------------------------
A cosine ignores a node's norm, so the plain :math:`r_n` over all ``W`` nodes
counts switched-off nodes: for ``W = 16`` random vectors the expected
:math:`\max_i |\cos|` is 0.62 at ``N = 10`` and 0.12 at ``N = 320``, a false size
effect. The headline :math:`s` therefore uses the **output-weighted** overlap
:math:`r^w_n` (see :func:`student_overlaps`), in which a node counts by its share
of the output; it does not subtract a random ``(W, N)`` baseline.

References
----------
D. Saad and S. A. Solla, PRL 74, 4337 (1995); A. Engel and C. Van den Broeck,
*Statistical Mechanics of Learning* (CUP 2001), ch. 12.
"""

from phasetrans.analysis.overlaps.dataset import add_overlaps
from phasetrans.analysis.overlaps.matrices import (
    OverlapMatrices,
    overlap_matrices,
    study_overlap_matrices,
)
from phasetrans.analysis.overlaps.schema import (
    COSINE_THRESHOLD,
    OVERLAP,
    OVERLAP_MAX,
    OVERLAP_MAX_WEIGHTED,
    OVERLAP_SCHEMA,
    OVERLAP_SYMMETRIC,
    OVERLAP_VARIABLES,
    PRINCIPAL_ANGLE,
    SPECIALISATION,
    SUBSPACE_COSINE,
    SUBSPACE_OVERLAP,
)
from phasetrans.analysis.overlaps.student import student_overlaps
from phasetrans.analysis.overlaps.symmetric import symmetric_baseline
from phasetrans.analysis.overlaps.thresholds import recovered_at

__all__ = [
    "COSINE_THRESHOLD",
    "OVERLAP",
    "OVERLAP_MAX",
    "OVERLAP_MAX_WEIGHTED",
    "OVERLAP_SCHEMA",
    "OVERLAP_SYMMETRIC",
    "OVERLAP_VARIABLES",
    "PRINCIPAL_ANGLE",
    "SPECIALISATION",
    "SUBSPACE_COSINE",
    "SUBSPACE_OVERLAP",
    "OverlapMatrices",
    "add_overlaps",
    "overlap_matrices",
    "recovered_at",
    "student_overlaps",
    "study_overlap_matrices",
    "symmetric_baseline",
]

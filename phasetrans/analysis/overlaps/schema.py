"""Names, dims and attributes of the overlap variables (:data:`OVERLAP_SCHEMA`)."""

from __future__ import annotations

from collections.abc import Mapping

from phasetrans.names import PRINCIPAL_ANGLE

__all__ = [
    "COSINE_THRESHOLD",
    "INPUT",
    "NODE",
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
    "TEACHER_NODE",
]

#: Dims of the first-layer weights: inputs, student nodes and teacher nodes.
INPUT, NODE, TEACHER_NODE = "input", "node", "teacher_node"
#: Dimension of a threshold scan of :func:`~phasetrans.analysis.overlaps.recovered_at`.
COSINE_THRESHOLD = "cosine_threshold"

OVERLAP = "overlap"
OVERLAP_MAX = "overlap_max"
OVERLAP_MAX_WEIGHTED = "overlap_max_weighted"
OVERLAP_SYMMETRIC = "overlap_symmetric"
SPECIALISATION = "specialisation"
SUBSPACE_COSINE = "subspace_cosine"
SUBSPACE_OVERLAP = "subspace_overlap"

#: name -> (per-student dims, long_name, units): the dims follow the student
#: dims (training, sweeps, teacher_width, width, seed) of a study.
OVERLAP_SCHEMA: Mapping[str, tuple[tuple[str, ...], str, str]] = {
    OVERLAP: (
        (NODE, TEACHER_NODE),
        "cosine of student node and teacher node first-layer weights",
        "",
    ),
    OVERLAP_MAX: (
        (TEACHER_NODE,),
        "r_n: largest |cosine| of teacher node n with any student node",
        "",
    ),
    OVERLAP_MAX_WEIGHTED: (
        (TEACHER_NODE,),
        "output-weighted r_n: max over student nodes of min(1, c_i/c_(M)) |cosine|",
        "",
    ),
    OVERLAP_SYMMETRIC: ((), "r_sym: mean |cosine| of the symmetric student with the teacher", ""),
    SPECIALISATION: ((), "specialisation: mean output-weighted r_n minus r_sym", ""),
    SUBSPACE_COSINE: (
        (PRINCIPAL_ANGLE,),
        "cosines of the principal angles between student top-M and teacher spans",
        "",
    ),
    SUBSPACE_OVERLAP: (
        (),
        "subspace overlap: mean squared principal cosine (1: same span)",
        "",
    ),
}
#: The per-student overlap variables, in the order
#: :func:`~phasetrans.analysis.overlaps.student_overlaps` returns them.
OVERLAP_VARIABLES: tuple[str, ...] = tuple(OVERLAP_SCHEMA)

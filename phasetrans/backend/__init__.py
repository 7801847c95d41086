"""Torch training backend: the only subpackage that imports torch.

It knows nothing of xarray, dask or files: it takes plain specs and arrays and
returns numpy arrays in small dataclasses. The specs
(:mod:`phasetrans.backend.specs`) and results (:mod:`phasetrans.backend.results`)
import no torch, so the runner types with them; importing this package imports
only those. The work is done by :func:`phasetrans.backend.task.run_task`
(one block, :func:`~phasetrans.backend.task.run_block`, or a pack,
:func:`~phasetrans.backend.pack.run_pack`), after checking that the block's
estimated memory (:mod:`phasetrans.backend.memory`, torch-free too) is free.
"""

from phasetrans.backend.results import BlockResult, CheckpointRecord
from phasetrans.backend.specs import BlockSpec, PackSpec, TeacherSpec, TrainSettings

__all__ = [
    "BlockResult",
    "BlockSpec",
    "CheckpointRecord",
    "PackSpec",
    "TeacherSpec",
    "TrainSettings",
]

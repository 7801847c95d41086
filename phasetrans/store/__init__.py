"""The study dataset: schema, part files, combine, provenance, ``open_study``.

Modules: :mod:`~phasetrans.store.schema` (variables, dimensions, attributes),
:mod:`~phasetrans.store.blocks` (a block's result as a dataset),
:mod:`~phasetrans.store.combine` (combine, provenance),
:mod:`~phasetrans.store.files` (atomic writes, checked reads, ``open_study``),
:mod:`~phasetrans.store.parts` (part paths and hashes).

One study is one netCDF4 file. The root group holds the pruning curves and
everything indexed by student; group ``weights`` the effective weights of
every student; group ``teacher`` the teachers' weights.

Root group (open it with ``xarray.open_dataset``):

==================  ==========================================================
``test_mse``        (training, teacher_width, width, seed, retained)
``test_accuracy``   (training, teacher_width, width, seed, retained), classification only
``importance``      (training, teacher_width, width, seed, node)
``eigenvalue``      (training, teacher_width, width, seed, node)
``dimension``       (training, teacher_width, width, seed)
``diverged_epoch``  (training, teacher_width, width, seed), 0 if never
``train_loss``      (training, teacher_width, width, seed, epoch)
==================  ==========================================================

Cells that do not exist (``retained > width``, ``node >= width``, a task not
run) are NaN. :func:`open_study` merges the three groups into one dataset, the
teacher's variables renamed ``teacher_w1``, ``teacher_w2``,
``teacher_threshold``.
"""

from __future__ import annotations

from phasetrans.store.blocks import block_dataset
from phasetrans.store.combine import combine_datasets, provenance_attrs
from phasetrans.store.files import (
    is_study_file,
    open_study,
    raise_if_disk_full,
    read_dataset,
    read_root,
    write_dataset,
    write_in_progress,
)
from phasetrans.store.parts import (
    CORRUPT,
    VERIFIED_MEMO,
    cell_index,
    failed_cells,
    failed_cells_path,
    failed_path,
    load_verified,
    part_cells,
    part_hash,
    part_path,
    save_verified,
    study_dir,
)
from phasetrans.store.schema import ROOT_VARIABLES, STUDENT

__all__ = [
    "CORRUPT",
    "ROOT_VARIABLES",
    "STUDENT",
    "VERIFIED_MEMO",
    "block_dataset",
    "cell_index",
    "combine_datasets",
    "failed_cells",
    "failed_cells_path",
    "failed_path",
    "is_study_file",
    "load_verified",
    "open_study",
    "part_cells",
    "part_hash",
    "part_path",
    "provenance_attrs",
    "raise_if_disk_full",
    "read_dataset",
    "read_root",
    "save_verified",
    "study_dir",
    "write_dataset",
    "write_in_progress",
]

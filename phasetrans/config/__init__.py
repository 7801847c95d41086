"""Study files: TOML → validated, immutable :class:`Study` spec with a stable hash.

A study file names the teacher, the data, the students (widths, seeds,
methods), per-method training settings, the pruning threshold and how to run.
Every table rejects unknown keys; every bad value raises one
:class:`~phasetrans.errors.ConfigError` whose one-line message names the
field, the value and what is allowed. Defaults are the reference setup of the
paper (Giambagli et al., NeurIPS 2023).

Sweeps
------
``teacher.seeds``, ``teacher.input_dim``, ``data.n_train`` (or ``data.alpha``)
and ``training.<method>.l2_eigenvalues`` may each be a list instead of a single
value. **A list becomes a dataset dimension named after the field**
(``teacher_seed``, ``input_dim``, ``n_train`` / ``alpha``,
``l2_eigenvalues``), even a list of one; a single value adds no dimension (the
teacher seed, input dimension and ``n_train`` / ``alpha`` are then scalar
coordinates of the dataset). Tasks are the cartesian product of the lists with
the teacher widths, student widths and blocks of student seeds.

Each teacher seed draws its own teacher *and its own data*: with
``teacher.seeds``, the data of teacher seed ``t`` are drawn with the seed
``numpy.random.SeedSequence([data.seed, t]).generate_state(1)[0]``; with the
single-value form ``teacher.seed`` the data seed is ``data.seed`` itself (so
existing studies keep their numbers). With ``data.alpha`` the training-set size
of a cell is ``n_train = round(alpha · input_dim · h_T)`` (examples per teacher
first-layer parameter, so sizes are comparable: :func:`~phasetrans.config.data.n_train_of`);
a study whose alpha gives a cell no example, or gives two alphas one ``n_train``,
is refused, and the dataset stores the realised ``alpha_realised = n_train /
(input_dim · h_T)`` beside the nominal alpha.

Modules: :mod:`~phasetrans.config.base` (the strict base model, sweep fields),
one per table (:mod:`~phasetrans.config.teacher`, :mod:`~phasetrans.config.data`,
:mod:`~phasetrans.config.students`, :mod:`~phasetrans.config.training`,
:mod:`~phasetrans.config.run`), :mod:`~phasetrans.config.study` (the
:class:`Study`), :mod:`~phasetrans.config.hashing`,
:mod:`~phasetrans.config.messages` (one-line errors),
:mod:`~phasetrans.config.bounds` (the upper bound of every size, count and
budget, lifted by ``--allow-large``) and :mod:`~phasetrans.config.load`. Every
default of a study lives here; the backend's dataclasses take explicit values.

Example
-------
.. code-block:: toml

    name = "quick"
    [teacher]
    widths = [8]
    [students]
    widths = [16, 32]
    seeds = [0, 1, 2, 3]
    methods = ["spectral", "direct"]
    [training.spectral]
    epochs = 300
"""

from __future__ import annotations

from phasetrans.config.data import DEFAULT_N_TEST, DEFAULT_N_TRAIN, DataSpec, n_train_of
from phasetrans.config.hashing import NEW_FIELD_DEFAULTS, drop_new_defaults, stable_hash
from phasetrans.config.load import load_study, parse_study
from phasetrans.config.run import PRUNING_THRESHOLD, PruningSpec, RecordSpec, RunSpec
from phasetrans.config.students import COMMITTEE_INIT_Q, DEFAULT_METHODS, StudentsSpec
from phasetrans.config.study import Study
from phasetrans.config.teacher import TeachersSpec
from phasetrans.config.training import (
    ADAM_BETAS,
    ADAM_EPS,
    BUDGETS,
    DEFAULT_EPOCHS,
    METHOD_DEFAULTS,
    STOP_TOL,
    StopSpec,
    TrainingSpec,
)

__all__ = [
    "ADAM_BETAS",
    "ADAM_EPS",
    "BUDGETS",
    "COMMITTEE_INIT_Q",
    "DEFAULT_EPOCHS",
    "DEFAULT_METHODS",
    "DEFAULT_N_TEST",
    "DEFAULT_N_TRAIN",
    "METHOD_DEFAULTS",
    "NEW_FIELD_DEFAULTS",
    "PRUNING_THRESHOLD",
    "STOP_TOL",
    "DataSpec",
    "PruningSpec",
    "RecordSpec",
    "RunSpec",
    "StopSpec",
    "StudentsSpec",
    "Study",
    "TeachersSpec",
    "TrainingSpec",
    "drop_new_defaults",
    "load_study",
    "n_train_of",
    "parse_study",
    "stable_hash",
]

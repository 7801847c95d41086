"""What the backend runs, as plain picklable dataclasses (no torch: the runner types with them).

:class:`TeacherSpec` (one teacher), :class:`TrainSettings` (one method's
hyperparameters) and :class:`BlockSpec` (one ensemble to train and prune)
describe a task; :class:`PackSpec` is many blocks trained as one ensemble.
Every field is explicit: the defaults of a study live in :mod:`phasetrans.config`,
and :func:`phasetrans.runner.spec.block_spec` is the one path from a study to
these specs. The functions at the end answer questions about specs that the
runner asks without importing torch.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from phasetrans.names import OPTIMIZERS, STEPS

__all__ = [
    "NEW_FIELD_DEFAULTS",
    "BlockSpec",
    "PackSpec",
    "TeacherSpec",
    "TrainSettings",
    "check_packable",
    "epoch_batch_sizes",
    "on_device",
    "pack_signature",
    "task_epochs",
]


@dataclass(frozen=True)
class TeacherSpec:
    """One teacher network (see :func:`phasetrans.backend.teacher.make_teacher`).

    Attributes
    ----------
    kind : {"regression", "classification", "committee"}
        The teacher's form.
    input_dim, width, hidden2 : int
        Inputs ``d``, first hidden width ``h_T`` and second hidden width (0 for
        a committee teacher).
    seed : int
        Seed of its weights.
    activation : {"relu", "erf"}
        Hidden activation of a committee teacher.
    orthogonal : bool
        Orthogonal committee teacher (``T = I``).
    """

    kind: str
    input_dim: int
    width: int
    hidden2: int
    seed: int
    activation: str
    orthogonal: bool


@dataclass(frozen=True)
class TrainSettings:
    """Hyperparameters of one method.

    Attributes
    ----------
    lr : float
        Learning rate (Adam or SGD).
    batch_size : int
        Mini-batch size; the last batch of an epoch may be smaller (Keras).
    epochs : int
        Number of passes over the training set (the most, when stopping is on).
    l2_eigenvalues, l2_eigenvectors, l2_dense : float
        Keras-style L2 coefficients ``c · Σ x²`` on the trainable eigenvalues
        (λ_out, and λ_in when trained), on φ, and on the dense layer.
    group_lasso : float
        Coefficient of ``Σ_i ‖W[:, i]‖₂`` on the effective first-layer weights.
    log_every : int
        Log the epoch's training loss every this many epochs (and at the last).
    betas, eps : tuple of float, float
        Adam constants.
    step : {"auto", "fast", "reference", "member"}
        ``reference``: autograd and ``torch.optim``. ``fast``: the hand-written
        step of :mod:`phasetrans.backend.step` (compiled unless ``compile`` is
        False). ``member``: the per-member step of
        :mod:`phasetrans.backend.member_step`, whose numbers do not depend on
        the other members (run by :func:`phasetrans.backend.pack.run_pack`, not
        by :func:`~phasetrans.backend.train.train_epochs`). ``auto``: ``fast``
        where compiling pays for itself, ``reference`` where its cost would
        dominate (:func:`phasetrans.backend.engines.choose_step`).
    compile : bool
        Compile the fast step with ``torch.compile`` (False: run it eagerly,
        e.g. for tests or where no C++ compiler is available).
    stop_patience : int
        Stop a member once its effective dimension has not changed and its
        training loss improved by less than ``stop_tol`` (relative) over the
        last ``stop_patience`` epochs; 0 turns stopping off.
    stop_tol : float
        Relative loss improvement below which a member counts as converged.
    stop_threshold : float
        Relative-importance threshold of the effective dimension used by the
        stop rule (as in :func:`phasetrans.backend.prune.effective_dimension`).
    steps : int
        Optimiser steps to run; 0: ``epochs`` whole epochs. With ``steps``,
        ``epochs`` must be enough epochs to hold them.
    batches_per_epoch : int
        Split each epoch's order into exactly this many near-equal batches
        (``torch.tensor_split``); 0: batches of ``batch_size``.
    optimizer : {"adam", "sgd"}
        Adam (``betas``, ``eps``) or plain SGD (no momentum).
    checkpoints : tuple of int
        Steps after which ``on_checkpoint`` is called (``train_epochs``).
    """

    lr: float
    batch_size: int
    epochs: int
    l2_eigenvalues: float
    l2_eigenvectors: float
    l2_dense: float
    group_lasso: float
    log_every: int
    betas: tuple[float, float]
    eps: float
    step: str
    compile: bool
    stop_patience: int
    stop_tol: float
    stop_threshold: float
    steps: int
    batches_per_epoch: int
    optimizer: str
    checkpoints: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.step not in STEPS:
            raise ValueError(f"step {self.step!r} is not one of {STEPS}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer {self.optimizer!r} is not one of {OPTIMIZERS}")
        if self.steps < 0 or self.batches_per_epoch < 0:
            raise ValueError("steps and batches_per_epoch must be >= 0")
        if self.stop_patience < 0:
            raise ValueError(f"stop_patience must be >= 0, got {self.stop_patience}")
        if self.stop_tol < 0:
            raise ValueError(f"stop_tol must be >= 0, got {self.stop_tol}")


@dataclass(frozen=True)
class BlockSpec:
    """Everything needed to train and prune one ensemble.

    Attributes
    ----------
    training : str
        ``spectral``, ``direct`` or ``group_lasso``.
    teacher : TeacherSpec
        The teacher.
    width : int
        Student hidden width.
    seeds : tuple of int
        Student seeds, trained together as one ensemble.
    settings : TrainSettings
        Training hyperparameters of the method.
    n_train, n_test : int
        Sizes of the training and test sets.
    data_seed : int
        Seed of the generator drawing the training then the test inputs.
    shuffle_seed : int
        Seed of the generator drawing the batch order.
    threshold : float
        Relative importance threshold of the effective dimension.
    train_lambda_in : bool
        Train the input eigenvalues too.
    device : str
        ``auto``, ``cpu``, ``cuda`` or ``cuda:<i>``.
    dtype : str
        ``float32`` or ``float64``.
    threads : int
        torch intra-op threads while the block runs. It is part of the spec
        because the thread count changes float reductions at the last bit:
        fixing it makes a block's numbers independent of where it runs.
    online : bool
        Online learning: step ``s`` trains on rows ``s·B … (s+1)·B − 1`` of the
        training stream (:mod:`phasetrans.backend.data`); ``n_train`` is unused
        and the budget is ``settings.steps``.
    nested : bool
        Draw the training set as the first ``n_train`` rows of the training
        stream and the test set from the test stream (nested across α);
        otherwise both come from one generator seeded ``data_seed``
        (:func:`phasetrans.backend.task.make_data`).
    student_activation : str
        Hidden activation of committee students.
    train_readout : bool
        Train committee students' readout.
    init_q : float
        Initial ``Q_ii`` of committee students.
    """

    training: str
    teacher: TeacherSpec
    width: int
    seeds: tuple[int, ...]
    settings: TrainSettings
    n_train: int
    n_test: int
    data_seed: int
    shuffle_seed: int
    threshold: float
    train_lambda_in: bool
    device: str
    dtype: str
    threads: int
    online: bool
    nested: bool
    student_activation: str
    train_readout: bool
    init_q: float

    @property
    def committee(self) -> bool:
        """Students of a soft committee machine."""
        return self.teacher.kind == "committee"


#: BlockSpec fields added after studies had been run, with the value that keeps
#: the old numbers: the planner leaves them out of the task hash at that value.
NEW_FIELD_DEFAULTS = {
    "online": False,
    "nested": False,
    "student_activation": "relu",
    "train_readout": False,
    "init_q": 0.5,
    "teacher.activation": "relu",
    "teacher.orthogonal": False,
    "settings.steps": 0,
    "settings.batches_per_epoch": 0,
    "settings.optimizer": "adam",
    "settings.checkpoints": (),
}


@dataclass(frozen=True)
class PackSpec:
    """Blocks trained together (plain and picklable, like :class:`BlockSpec`).

    Attributes
    ----------
    blocks : tuple of BlockSpec
        One per cell block; all of ``step = "member"`` with equal
        :func:`pack_signature`.
    """

    blocks: tuple[BlockSpec, ...]

    @property
    def device(self) -> str:
        """The device of the blocks."""
        return self.blocks[0].device

    @property
    def threads(self) -> int:
        """torch intra-op threads while the pack runs."""
        return self.blocks[0].threads

    @property
    def members(self) -> int:
        """Number of students."""
        return sum(len(b.seeds) for b in self.blocks)

    @property
    def padded(self) -> bool:
        """Whether its blocks differ in student width or input dimension (a padded pack)."""
        return len({(b.width, b.teacher.input_dim) for b in self.blocks}) > 1


def epoch_batch_sizes(n_train: int, batch_size: int, batches_per_epoch: int) -> list[int]:
    """The batch sizes of one epoch over ``n_train`` examples, in order.

    ``batches_per_epoch = k > 0``: exactly ``k`` near-equal batches, the first
    ``n_train mod k`` one larger (as ``numpy.array_split`` and
    ``torch.tensor_split`` cut); else batches of ``batch_size``, the last one
    smaller (Keras).
    """
    if batches_per_epoch:
        whole, extra = divmod(n_train, batches_per_epoch)
        return [whole + (i < extra) for i in range(batches_per_epoch)]
    return [min(batch_size, n_train - start) for start in range(0, n_train, batch_size)]


#: BlockSpec fields that may differ between the blocks of one pack (a pack of
#: different widths or input dimensions is padded: :mod:`phasetrans.backend.pack`).
PER_BLOCK = frozenset({"teacher", "seeds", "n_train", "data_seed", "settings", "width"})
#: TrainSettings fields that may differ between the blocks of one pack.
PER_BLOCK_SETTINGS = frozenset(
    {"lr", "l2_eigenvalues", "epochs", "steps", "checkpoints", "batch_size", "batches_per_epoch"}
)


def pack_signature(spec: BlockSpec) -> tuple[Any, ...]:
    """What blocks of one pack must share: everything but the per-cell fields."""
    shared = {
        f.name: getattr(spec, f.name) for f in dataclasses.fields(spec) if f.name not in PER_BLOCK
    }
    settings = {
        f.name: getattr(spec.settings, f.name)
        for f in dataclasses.fields(spec.settings)
        if f.name not in PER_BLOCK_SETTINGS
    }
    t = spec.teacher
    teacher = (t.kind, t.hidden2, t.activation, t.orthogonal)  # any input dimension
    return (tuple(sorted(shared.items())), tuple(sorted(settings.items())), teacher)


def check_packable(spec: BlockSpec) -> None:
    """Raise ``ValueError`` unless the member step can train ``spec``."""
    if spec.settings.stop_patience:
        raise ValueError(
            f"step 'member' does not support the stop rule (stop_patience = "
            f"{spec.settings.stop_patience}); use step 'fast' or 'reference', or stop_patience = 0"
        )


def on_device(spec: BlockSpec | PackSpec, device: str) -> BlockSpec | PackSpec:
    """``spec`` (every block of a pack) moved to ``device``."""
    if isinstance(spec, PackSpec):
        return PackSpec(tuple(dataclasses.replace(b, device=device) for b in spec.blocks))
    return spec if spec.device == device else dataclasses.replace(spec, device=device)


def task_epochs(spec: BlockSpec | PackSpec) -> int:
    """Epochs of a task's longest block (the unit of a progress bar)."""
    if isinstance(spec, PackSpec):
        return max(b.settings.epochs for b in spec.blocks)
    return spec.settings.epochs

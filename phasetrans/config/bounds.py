"""Upper bounds on every size, count and budget of a study; ``--allow-large`` lifts them.

A study file is validated against these fixed bounds, not against the memory
of the machine that reads it: ``status`` on a laptop and ``run`` on a cluster
answer the same. They are far above every shipped study and far below what
would take hours to fail. ``phasetrans run``, ``status`` and ``combine`` take
``--allow-large`` to lift them (the flag is not part of the study hash); seeds
must fit in 64-bit unsigned integers whatever the flag.

=============================  ===================  ==============================================
constant                       bound                fields
=============================  ===================  ==============================================
:data:`MAX_WIDTH`              4 096                ``teacher.widths``, ``students.widths``,
                                                    ``teacher.hidden2``
:data:`MAX_INPUT_DIM`          16 384               ``teacher.input_dim``
:data:`MAX_N_TRAIN`            10 000 000           ``data.n_train``, the ``n_train`` of every
                                                    ``data.alpha`` cell, ``batch_size`` and
                                                    ``batches_per_epoch``
:data:`MAX_N_TEST`             10 000 000           ``data.n_test``
:data:`MAX_DATA_VALUES`        1 000 000 000        ``(n_train + n_test) · input_dim`` of a cell
:data:`MAX_SEEDS`              10 000               length of ``teacher.seeds`` and
                                                    ``students.seeds``; ``run.seed_block``
:data:`MAX_THREADS`            256                  ``run.threads``, ``--workers`` of ``run``
                                                    and ``collapse``
:data:`MAX_RETRIES`            100                  ``run.retries``
:data:`MAX_MEMBERS`            100 000              ``run.max_members``
:data:`MAX_EPOCHS`             1 000 000            ``training.<method>.epochs``
:data:`MAX_STEPS`              100 000 000          ``training.<method>.steps``,
                                                    ``.log_every``, the steps of
                                                    ``record.checkpoints``
:data:`MAX_SAMPLES`            10 000 000 000       ``training.<method>.samples``
:data:`MAX_CHECKPOINTS`        1 000                ``record.checkpoints`` (a number, or the
                                                    length of its list)
:data:`MAX_CELLS`              200 000              cells of the study: methods × sweeps ×
                                                    teacher widths × student widths × seeds
:data:`MAX_BOOTSTRAP`          100 000              ``--bootstrap`` of the analysis subcommands
:data:`MAX_SEED`               2**64 − 1            every seed (not lifted by ``--allow-large``)
=============================  ===================  ==============================================

:data:`MAX_CELLS` keeps ``status``, which plans every cell, within seconds
(200 000 cells take about 10 s on one core; the largest shipped study has 28 800).
``training.<method>.batches_per_epoch`` is also bounded by each cell's training
set (a cell with ``P`` examples has at most ``P`` batches), also with
``--allow-large``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from phasetrans.errors import ConfigError

if TYPE_CHECKING:
    from phasetrans.config.study import Study

__all__ = [
    "ALLOW_LARGE",
    "MAX_BOOTSTRAP",
    "MAX_CELLS",
    "MAX_CHECKPOINTS",
    "MAX_DATA_VALUES",
    "MAX_EPOCHS",
    "MAX_INPUT_DIM",
    "MAX_MEMBERS",
    "MAX_N_TEST",
    "MAX_N_TRAIN",
    "MAX_RETRIES",
    "MAX_SAMPLES",
    "MAX_SEED",
    "MAX_SEEDS",
    "MAX_STEPS",
    "MAX_THREADS",
    "MAX_WIDTH",
    "check_bound",
    "check_study_bounds",
]

MAX_WIDTH = 4_096
MAX_INPUT_DIM = 16_384
MAX_N_TRAIN = 10_000_000
MAX_N_TEST = 10_000_000
MAX_DATA_VALUES = 1_000_000_000
MAX_SEEDS = 10_000
MAX_THREADS = 256
MAX_RETRIES = 100
MAX_MEMBERS = 100_000
MAX_EPOCHS = 1_000_000
MAX_STEPS = 100_000_000
MAX_SAMPLES = 10_000_000_000
MAX_CHECKPOINTS = 1_000
MAX_CELLS = 200_000
MAX_BOOTSTRAP = 100_000
MAX_SEED = 2**64 - 1

#: The command-line flag that lifts the bounds (named in every message).
ALLOW_LARGE = "--allow-large"


def check_bound(
    field: str,
    value: Any,
    bound: int,
    *,
    allow_large: bool,
    measured: int | None = None,
    what: str = "",
) -> None:
    """Refuse ``value`` above ``bound`` unless ``allow_large``: one line naming all three.

    Parameters
    ----------
    field : str
        The study field or option (``"students.widths"``, ``"--bootstrap"``).
    value : object
        What the file or option gave (a number or a list, shown as given).
    bound : int
        The largest allowed value of ``measured``.
    allow_large : bool
        ``--allow-large`` was given: nothing is refused.
    measured : int, optional
        The bounded quantity (default: the largest number of ``value``).
    what : str
        What ``measured`` is when it is not ``value`` itself (``"its length"``).

    Raises
    ------
    ConfigError
        ``"<field> = <value> is too large: ... at most <bound> (give
        --allow-large to lift the bound)"``.
    """
    if allow_large:
        return
    if measured is None:
        numbers = [v for v in (value if isinstance(value, list) else [value]) if _is_number(v)]
        measured = max(numbers, default=0)
    if measured <= bound:
        return
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    limit = f"{what} is {measured:,}; allowed: at most" if what else "allowed: at most"
    raise ConfigError(
        f"{field} = {shown} is too large: {limit} {bound:,} (give {ALLOW_LARGE} to lift the bound)",
        field=field,
        value=value,
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_study_bounds(study: Study, *, allow_large: bool = False) -> None:
    """Refuse a study with any size, count or budget above its bound (the table above).

    Parameters
    ----------
    study : Study
        A validated study.
    allow_large : bool
        ``--allow-large``: check nothing.

    Raises
    ------
    ConfigError
        One line naming the first field above its bound, its value and the bound.
    """
    if allow_large:
        return

    def bound(field: str, value: Any, limit: int, **kw: Any) -> None:
        check_bound(field, value, limit, allow_large=False, **kw)

    teacher, data, students, run = study.teacher, study.data, study.students, study.run
    bound("teacher.widths", teacher.widths, MAX_WIDTH)
    bound("teacher.hidden2", teacher.hidden2, MAX_WIDTH)
    bound("students.widths", students.widths, MAX_WIDTH)
    bound("teacher.input_dim", teacher.input_dim, MAX_INPUT_DIM)
    if teacher.seeds is not None:
        bound(
            "teacher.seeds",
            teacher.seeds,
            MAX_SEEDS,
            measured=len(teacher.seeds),
            what="its length",
        )
    bound(
        "students.seeds", students.seeds, MAX_SEEDS, measured=len(students.seeds), what="its length"
    )
    bound("data.n_test", data.n_test, MAX_N_TEST)
    _check_training_set_bounds(study)
    for name, limit in (
        ("threads", MAX_THREADS),
        ("seed_block", MAX_SEEDS),
        ("retries", MAX_RETRIES),
        ("max_members", MAX_MEMBERS),
    ):
        value = getattr(run, name)
        if value is not None:
            bound(f"run.{name}", value, limit)
    for method, spec in study.training.items():
        for name, limit in (
            ("epochs", MAX_EPOCHS),
            ("steps", MAX_STEPS),
            ("samples", MAX_SAMPLES),
            ("log_every", MAX_STEPS),
            ("batches_per_epoch", MAX_N_TRAIN),
        ):
            value = getattr(spec, name)
            if value is not None:
                bound(f"training.{method}.{name}", value, limit)
        if isinstance(spec.batch_size, int):
            bound(f"training.{method}.batch_size", spec.batch_size, MAX_N_TRAIN)
    checkpoints = study.record.checkpoints
    if isinstance(checkpoints, list):
        bound(
            "record.checkpoints",
            checkpoints,
            MAX_CHECKPOINTS,
            measured=len(checkpoints),
            what="its length",
        )
        bound("record.checkpoints", checkpoints, MAX_STEPS)
    elif checkpoints is not None:
        bound("record.checkpoints", checkpoints, MAX_CHECKPOINTS)
    cells = len(study.students.methods) * len(teacher.widths) * len(students.widths)
    cells *= len(students.seeds) * math.prod(len(v) for v in study.sweeps().values())
    if cells > MAX_CELLS:
        raise ConfigError(
            f"the study has {cells:,} cells (methods × sweeps × teacher widths × student "
            f"widths × seeds); allowed: at most {MAX_CELLS:,} (give {ALLOW_LARGE} to lift "
            "the bound)",
            field="cells",
            value=cells,
        )


def _check_training_set_bounds(study: Study) -> None:
    """``n_train`` of every cell, and ``(n_train + n_test) · input_dim`` of the largest."""
    from phasetrans.config.data import n_train_of

    data, teacher = study.data, study.teacher
    if data.online:
        return
    input_dims = teacher.input_dim if isinstance(teacher.input_dim, list) else [teacher.input_dim]
    if data.alpha is not None:
        alphas = data.alpha if isinstance(data.alpha, list) else [data.alpha]
        largest = max(
            int(n_train_of(max(alphas), n, h)) for n in input_dims for h in teacher.widths
        )
        field, value = "data.alpha", data.alpha
        check_bound(
            field,
            value,
            MAX_N_TRAIN,
            allow_large=False,
            measured=largest,
            what="the largest n_train",
        )
    else:
        largest = max(data.n_train if isinstance(data.n_train, list) else [data.n_train])
        field, value = "data.n_train", data.n_train
        check_bound(field, value, MAX_N_TRAIN, allow_large=False)
    values = (largest + data.n_test) * max(input_dims)
    check_bound(
        field,
        value,
        MAX_DATA_VALUES,
        allow_large=False,
        measured=values,
        what="(n_train + n_test) · input_dim of the largest cell",
    )

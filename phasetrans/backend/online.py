"""Online SGD on a committee teacher, read out as order-parameter trajectories.

The setting of the deterministic ODEs of online learning (Saad & Solla 1995):
fresh examples every step, batch 1, plain SGD, pre-activations ``w·x/√N``,
erf units ``g(z) = erf(z/√2)``, unit readouts, no weight decay, a direct
(non-spectral) first layer. :func:`simulate_committee` runs exactly that through
the same :func:`~phasetrans.backend.task.run_block` as any study and returns
``Q(t)``, ``R(t)`` and ``T``, so the trainer can be compared with
:mod:`phasetrans.theory` without the two sharing any code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from phasetrans.backend.specs import BlockSpec, TeacherSpec, TrainSettings
from phasetrans.backend.task import run_block
from phasetrans.config import ADAM_BETAS, ADAM_EPS, COMMITTEE_INIT_Q, PRUNING_THRESHOLD, STOP_TOL

__all__ = ["OnlineTrajectory", "simulate_committee"]


@dataclass(frozen=True)
class OnlineTrajectory:
    """Order parameters of online students at checkpoints.

    Attributes
    ----------
    step : numpy.ndarray
        ``(C,)`` optimiser steps (= examples seen at batch 1).
    time : numpy.ndarray
        ``(C,)`` natural time ``t = step / N``.
    Q : numpy.ndarray
        ``(C, S, K, K)`` student–student overlaps ``w_i·w_j / N``.
    R : numpy.ndarray
        ``(C, S, K, M)`` student–teacher overlaps ``w_i·B_m / N``.
    T : numpy.ndarray
        ``(M, M)`` teacher–teacher overlaps ``B_m·B_n / N``.
    lr : float
        The SGD learning rate on the loss ``(σ − y)²`` (no ½): the ODEs' η is ``2·lr``.
    """

    step: np.ndarray
    time: np.ndarray
    Q: np.ndarray
    R: np.ndarray
    T: np.ndarray
    lr: float


def simulate_committee(
    input_dim: int,
    teacher_width: int,
    width: int,
    lr: float,
    checkpoints: Sequence[int],
    *,
    seeds: Sequence[int] = (0,),
    teacher_seed: int = 0,
    data_seed: int = 1,
    activation: str = "erf",
    init_q: float = COMMITTEE_INIT_Q,
    orthogonal: bool = False,
    dtype: str = "float64",
) -> OnlineTrajectory:
    """Train committee students online with SGD at batch 1 and record ``Q``, ``R``.

    Parameters
    ----------
    input_dim, teacher_width, width : int
        ``N``, ``M`` (teacher units) and ``K`` (student units).
    lr : float
        SGD learning rate on ``(σ − y)²``.
    checkpoints : sequence of int
        Steps at which to record (the run lasts until the largest).
    seeds : sequence of int
        Student seeds, trained together as one ensemble.
    teacher_seed, data_seed : int
        Seeds of the teacher and of the example stream.
    activation : {"erf", "relu"}
        Activation of teacher and students.
    init_q : float
        Initial ``Q_ii`` of the students.
    orthogonal : bool
        Orthogonal teacher (``T = I``).
    dtype : {"float64", "float32"}
        Floating type of the training.

    Returns
    -------
    OnlineTrajectory
    """
    steps = int(max(checkpoints))
    spec = BlockSpec(
        training="direct",
        teacher=TeacherSpec(
            kind="committee",
            input_dim=input_dim,
            width=teacher_width,
            hidden2=0,
            seed=teacher_seed,
            activation=activation,
            orthogonal=orthogonal,
        ),
        width=width,
        seeds=tuple(seeds),
        settings=TrainSettings(
            lr=lr,
            batch_size=1,
            epochs=steps,
            steps=steps,
            l2_eigenvalues=0.0,
            l2_eigenvectors=0.0,
            l2_dense=0.0,
            group_lasso=0.0,
            optimizer="sgd",
            log_every=10**9,
            checkpoints=tuple(sorted({int(c) for c in checkpoints})),
            step="auto",  # the committee SGD engine
            batches_per_epoch=0,
            # unused by this run (SGD, no stop rule, no pruning): the study defaults
            betas=ADAM_BETAS,
            eps=ADAM_EPS,
            compile=True,
            stop_patience=0,
            stop_tol=STOP_TOL,
            stop_threshold=PRUNING_THRESHOLD,
        ),
        n_train=0,
        n_test=1,
        data_seed=data_seed,
        shuffle_seed=0,  # online data: no order to shuffle
        threshold=PRUNING_THRESHOLD,
        train_lambda_in=False,
        online=True,
        nested=False,
        student_activation=activation,
        train_readout=False,
        init_q=init_q,
        device="cpu",
        dtype=dtype,
        threads=1,
    )
    result = run_block(spec)
    record = result.checkpoints
    assert record is not None
    w = record.w1.astype(np.float64)  # (C, S, N, K)
    b = result.teacher_w1.astype(np.float64)  # (N, M)
    q = np.einsum("csni,csnj->csij", w, w) / input_dim
    r = np.einsum("csni,nm->csim", w, b) / input_dim
    return OnlineTrajectory(
        step=record.step,
        time=record.step / input_dim,
        Q=q,
        R=r,
        T=b.T @ b / input_dim,
        lr=lr,
    )

"""The ``[record]``, ``[pruning]`` and ``[run]`` tables: what is recorded, pruned, run where."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from phasetrans.config.base import NonNegativeInt, PositiveInt, Spec, sweep_field

__all__ = ["PRUNING_THRESHOLD", "PruningSpec", "RecordSpec", "RunSpec"]

#: Effective-dimension threshold on ``r_i / max r`` of a study that gives none.
PRUNING_THRESHOLD = 0.05


class RecordSpec(Spec):
    """What is recorded during training: ``checkpoints`` in time.

    ``checkpoints = n`` takes ``n`` log-spaced optimiser steps from 1 to the
    budget ``T`` (always with ``T/4``, ``T/2`` and ``T``); a list names the
    steps (``T`` is added). At each, every per-student order parameter is
    stored along the dimension ``time``.
    """

    checkpoints: (
        Annotated[int, Field(ge=3)] | Annotated[list[PositiveInt], Field(min_length=1)] | None
    ) = None

    _sweeps = field_validator("checkpoints")(lambda v: sweep_field(v))


class PruningSpec(Spec):
    """Effective-dimension threshold on ``r_i / max r``."""

    threshold: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)] = PRUNING_THRESHOLD


class RunSpec(Spec):
    """How the study runs.

    ``seed_block`` (seeds per task) and ``retries`` do not change the numbers;
    ``dtype``, ``device`` and ``threads`` (torch threads per task) do, at
    least at the last bit, and are part of the hash.

    ``pack = "auto"`` trains the students of many cells in one ensemble
    (:mod:`phasetrans.backend.pack`), at most ``max_members`` per task (default:
    a memory model). It needs ``step = "member"`` in every method, the one step
    whose numbers are bitwise independent of the other members, so ``pack`` and
    ``max_members`` stay out of the hash. With ``step = "member"`` every study
    is planned by cells (one student each), whether packed or not.
    """

    device: Literal["auto", "cpu", "cuda"] = "auto"
    dtype: Literal["float32", "float64"] = "float32"
    seed_block: PositiveInt = 8
    retries: NonNegativeInt = 1
    threads: PositiveInt = 1
    pack: Literal["auto", "off"] = "off"
    max_members: PositiveInt | None = None

"""A worker estimates its block's memory and refuses, in one line, one that cannot fit."""

from __future__ import annotations

import dataclasses
import time

import pytest

from phasetrans.backend.memory import ITEMSIZE, block_bytes, check_block_memory
from phasetrans.backend.specs import PackSpec
from phasetrans.errors import StudyError
from phasetrans.runner.spec import default_block


def test_the_estimate_counts_data_students_and_activations():
    block = dataclasses.replace(default_block(device="cpu"), n_train=1000, n_test=500)
    base = block_bytes(block)
    # 1000 more training examples of input_dim + 1 numbers each
    more = dataclasses.replace(block, n_train=2000)
    n_in = block.teacher.input_dim
    assert block_bytes(more) - base == 1000 * (n_in + 1) * ITEMSIZE[block.dtype]
    # float64 doubles it; twice the students adds the parameters and activations again
    assert block_bytes(dataclasses.replace(block, dtype="float64")) == 2 * base
    two = dataclasses.replace(block, seeds=(0, 1))
    assert block_bytes(two) > base
    assert block_bytes(PackSpec((block, two))) == base + block_bytes(two)


def test_a_block_that_cannot_fit_is_refused_in_one_line():
    block = default_block(device="cpu")
    need = block_bytes(block)
    check_block_memory(block, "cpu", free=need)  # fits exactly
    with pytest.raises(StudyError) as info:
        check_block_memory(block, "cpu", free=need - 1)
    message = str(info.value)
    assert "\n" not in message and "(estimate)" in message and "cpu has" in message
    assert "spectral block (h_T = 20, width 20, 1 student(s)" in message


def test_run_block_refuses_a_huge_block_before_allocating():
    from phasetrans.backend.task import run_block, run_task

    block = default_block(device="cpu")
    huge = dataclasses.replace(
        block,
        n_train=10**7,
        n_test=10**7,
        teacher=dataclasses.replace(block.teacher, input_dim=16_384),
    )
    assert block_bytes(huge) > 2**40  # over a TiB: no machine running the tests has it free
    start = time.perf_counter()
    with pytest.raises(StudyError, match="needs about"):
        run_block(huge)
    with pytest.raises(StudyError, match="pack of 2 blocks"):
        run_task(PackSpec((huge, huge)))
    assert time.perf_counter() - start < 5

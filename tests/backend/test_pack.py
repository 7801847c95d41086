"""The member step and packs: a member's numbers do not depend on its pack."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from phasetrans.backend.pack import Pack, run_pack
from phasetrans.backend.specs import PackSpec
from phasetrans.backend.task import run_block
from tests.backend.helpers import block as block_spec
from tests.backend.helpers import settings as train_settings
from tests.backend.helpers import teacher as teacher_spec

_FIELDS = ("test_mse", "importance", "eigenvalue", "dimension", "train_loss", "w1", "w2")


def _block(
    teacher,
    n_train,
    seeds,
    *,
    training="spectral",
    kind="regression",
    input_dim=6,
    width=8,
    hidden2=5,
    **settings,
):
    base = dict(lr=0.03, batch_size=20, epochs=6, log_every=2, step="member", checkpoints=(3, 9))
    return block_spec(
        training=training,
        teacher=teacher_spec(
            kind=kind, input_dim=input_dim, width=3, hidden2=hidden2, seed=teacher
        ),
        width=width,
        seeds=seeds,
        settings=train_settings(**{**base, **settings}),
        n_train=n_train,
        n_test=50,
        data_seed=teacher + 10,
        device="cpu",
    )


def _same(a, b):
    for name in _FIELDS:
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert np.array_equal(a.epochs, b.epochs)
    assert np.array_equal(a.checkpoints.w1, b.checkpoints.w1)
    assert np.array_equal(a.checkpoints.train_loss, b.checkpoints.train_loss)


#: Teachers, data sizes (schedules), seeds, rates, L2 and budgets that differ in one pack.
MIXED = (
    dict(teacher=0, n_train=12, seeds=(0, 1)),
    dict(teacher=1, n_train=50, seeds=(0, 1, 2)),
    dict(teacher=0, n_train=50, seeds=(3,), lr=0.01),
    dict(teacher=2, n_train=12, seeds=(5,), l2_eigenvalues=1e-3),
    dict(teacher=3, n_train=33, seeds=(0,), steps=7, epochs=4),  # the last epoch cut short
)


def test_pack_of_different_cells_equals_each_cell_alone_within_rounding():
    """A member's numbers do not depend on its pack: a mixing bug shows at O(1) in 6 epochs."""
    blocks = tuple(_block(**cell) for cell in MIXED)
    packed = run_pack(PackSpec(blocks))
    for block, result in zip(blocks, packed, strict=True):
        alone = run_pack(PackSpec((block,)))[0]
        for name in _FIELDS:
            np.testing.assert_allclose(
                getattr(result, name), getattr(alone, name), rtol=1e-5, atol=1e-6, err_msg=name
            )
        assert np.array_equal(result.epochs, alone.epochs)


@pytest.mark.xfail(
    strict=False,
    reason="bitwise on some CPUs only: on the AVX2 AMD EPYC machines of 2026-12-02 the "
    "3-student block of this pack differs from its run alone by 1 ulp in training (issue 17)",
)
def test_pack_of_different_cells_is_bitwise_each_cell_alone():
    """Teachers, data sizes (schedules), seeds, rates, L2 and budgets differ in one pack."""
    blocks = tuple(_block(**cell) for cell in MIXED)
    packed = run_pack(PackSpec(blocks))
    for block, result in zip(blocks, packed, strict=True):
        _same(result, run_pack(PackSpec((block,)))[0])
        for i, seed in enumerate(block.seeds):  # and each student alone
            alone = run_block(dataclasses.replace(block, seeds=(seed,)))
            assert np.array_equal(alone.w1[0], result.w1[i])
            assert np.array_equal(alone.test_mse[0], result.test_mse[i])
            assert np.array_equal(
                alone.checkpoints.test_mse[:, 0], result.checkpoints.test_mse[:, i]
            )
    assert packed[4].budget_steps == 7 and packed[4].epochs[-1] == 4


@pytest.mark.parametrize(
    ("training", "kind", "extra"),
    [
        ("spectral", "regression", {}),
        ("direct", "classification", {}),
        ("group_lasso", "regression", {"group_lasso": 1e-3}),
    ],
)
def test_member_step_equals_reference(training, kind, extra):
    """Same mathematics as the autograd reference (up to summation order)."""
    spec = _block(4, 50, (0, 1), training=training, kind=kind, epochs=3, **extra)
    member = run_block(spec)
    reference = run_block(
        dataclasses.replace(spec, settings=dataclasses.replace(spec.settings, step="reference"))
    )
    for name in ("w1", "w2", "train_loss", "test_mse", "eigenvalue"):
        np.testing.assert_allclose(
            getattr(member, name), getattr(reference, name), rtol=0, atol=1e-5, err_msg=name
        )
    assert np.array_equal(member.checkpoints.step, reference.checkpoints.step)
    assert np.array_equal(member.checkpoints.samples, reference.checkpoints.samples)


def test_members_of_non_consecutive_classes_step_in_one_gathered_call():
    """Schedules [20], [20, 10], [20, 20]: at odd steps the first and last class
    share batch size 20 and the middle one does not, so their members are
    gathered by row index into one call; each block is still bitwise itself."""
    blocks = (_block(0, 20, (0, 1)), _block(1, 30, (2,)), _block(2, 40, (0, 3)))
    pack = Pack(PackSpec(blocks))
    sizes = [c.sizes for c in pack.classes]
    assert sizes == [[20], [20, 10], [20, 20]]
    packed = pack.run()
    gathered = [rows for rows in pack.step.groups.values() if isinstance(rows, torch.Tensor)]
    assert [r.tolist() for r in gathered] == [[0, 1, 3, 4]]
    for block, result in zip(blocks, packed, strict=True):
        _same(result, run_pack(PackSpec((block,)))[0])


def test_diverging_member_is_frozen_alone():
    blocks = (_block(0, 50, (0,), lr=1e6), _block(0, 50, (1,)))
    packed = run_pack(PackSpec(blocks))
    assert packed[0].diverged_epoch[0] >= 1 and packed[1].diverged_epoch[0] == -1
    _same(packed[1], run_pack(PackSpec(blocks[1:]))[0])


@pytest.mark.parametrize(
    ("training", "extra"), [("spectral", {}), ("group_lasso", {"group_lasso": 1e-3})]
)
def test_padded_pack_of_widths_and_input_dims_is_each_block_alone(training, extra):
    """Widths 8, 4, 6 and input dims 6, 9, 4 in one pack, of equal and different
    schedules: each block is its run alone (bitwise: its true tensors only enter its
    products and sums), and the padding never moves."""
    blocks = (
        _block(0, 40, (0, 1), training=training, **extra),
        _block(1, 40, (2,), training=training, width=4, **extra),
        _block(2, 30, (0,), training=training, input_dim=9, **extra),
        _block(3, 40, (1, 3), training=training, input_dim=4, width=6, **extra),
        _block(0, 40, (4,), training=training, input_dim=9, width=4, lr=0.01, **extra),
    )
    spec = PackSpec(blocks)
    assert spec.padded and not PackSpec(blocks[:1]).padded
    pack = Pack(spec)
    packed = pack.run()
    for block, result in zip(blocks, packed, strict=True):
        alone = run_pack(PackSpec((block,)))[0]
        _same(result, alone)
        assert result.w1.shape == (len(block.seeds), block.teacher.input_dim, block.width)
        assert np.array_equal(result.checkpoints.importance, alone.checkpoints.importance)
    layout, params = pack.shared.layout, pack.shared.params
    assert (layout.input_dim, layout.width) == (9, 8)
    for state in (params, pack.shared.exp_avg, pack.shared.exp_avg_sq):
        for b in pack.blocks:
            full = layout.views(state[b.lo : b.hi])
            d, w = b.shape
            assert full["phi"][:, d:].abs().sum() == 0 and full["phi"][:, :, w:].abs().sum() == 0
            assert full["lambda_out"][:, w:].abs().sum() == 0
            assert full["lambda_in"][:, d:].abs().sum() == 0
            assert full["w2"][:, w:].abs().sum() == 0


def test_padded_pack_matches_the_reference_step():
    """Padded members within 1e-5 of the autograd reference (each at its true shape) after
    50 steps (40 examples in batches of 20, 25 epochs)."""
    blocks = (
        _block(0, 40, (0,), epochs=25),
        _block(1, 40, (1,), input_dim=4, width=5, epochs=25),
        _block(2, 40, (2,), input_dim=9, width=3, epochs=25),
    )
    packed = run_pack(PackSpec(blocks))
    for block, result in zip(blocks, packed, strict=True):
        settings = dataclasses.replace(block.settings, step="reference")
        reference = run_block(dataclasses.replace(block, settings=settings))
        assert result.budget_steps == reference.budget_steps == 50
        for name in ("w1", "w2", "test_mse", "eigenvalue", "train_loss"):
            np.testing.assert_allclose(
                getattr(result, name), getattr(reference, name), rtol=0, atol=1e-5, err_msg=name
            )


def test_blocks_of_different_shapes_are_refused():
    with pytest.raises(ValueError, match="share"):
        other = _block(0, 12, (1,), training="direct")
        run_pack(PackSpec((_block(0, 12, (0,)), other)))
    with pytest.raises(ValueError, match="share"):
        run_pack(PackSpec((_block(0, 12, (0,)), _block(0, 12, (1,), hidden2=4))))
    with pytest.raises(ValueError, match="member"):
        run_pack(PackSpec((_block(0, 12, (0,), stop_patience=2),)))

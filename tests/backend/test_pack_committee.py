"""Committee students and SGD in the member step: a member's numbers do not depend on its pack."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from phasetrans.backend.pack import Pack, run_pack
from phasetrans.backend.specs import PackSpec
from phasetrans.backend.task import run_block
from tests.backend.helpers import block as block_spec
from tests.backend.helpers import settings as train_settings
from tests.backend.helpers import teacher as teacher_spec

_FIELDS = ("test_mse", "importance", "eigenvalue", "dimension", "train_loss", "w1", "readout")

#: (activation, trained readout, optimizer, method, learning rate)
_VARIANTS = [
    ("relu", False, "adam", "spectral", 0.02),
    ("relu", True, "adam", "direct", 0.02),
    ("erf", True, "adam", "spectral", 0.02),
    ("relu", True, "sgd", "spectral", 0.2),
    ("erf", False, "sgd", "direct", 0.2),
]


def _block(
    teacher,
    n_train,
    seeds,
    *,
    variant=_VARIANTS[0],
    input_dim=8,
    width=6,
    lr_factor=1.0,
    **settings,
):
    activation, readout, optimizer, training, lr = variant
    base = dict(
        lr=lr * lr_factor,
        batch_size=10,
        epochs=6,
        log_every=2,
        step="member",
        optimizer=optimizer,
        checkpoints=(3, 9),
    )
    return block_spec(
        training=training,
        teacher=teacher_spec(
            kind="committee",
            input_dim=input_dim,
            width=4,
            hidden2=0,
            seed=teacher,
            activation=activation,
        ),
        width=width,
        seeds=seeds,
        settings=train_settings(**{**base, **settings}),
        n_train=n_train,
        n_test=60,
        data_seed=teacher + 10,
        nested=True,
        student_activation=activation,
        train_readout=readout,
        init_q=0.5,
        device="cpu",
    )


def _same(a, b):
    for name in _FIELDS:
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert a.w2 is None and b.w2 is None
    assert np.array_equal(a.epochs, b.epochs)
    for name in ("step", "train_loss", "test_mse", "importance", "w1", "second"):
        assert np.array_equal(getattr(a.checkpoints, name), getattr(b.checkpoints, name)), name


def _with(spec, **settings):
    return dataclasses.replace(spec, settings=dataclasses.replace(spec.settings, **settings))


@pytest.mark.parametrize("variant", _VARIANTS)
def test_committee_pack_of_different_cells_is_bitwise_each_cell_alone(variant):
    """Teachers, data sizes, seeds, rates, L2, budgets, batches per epoch and checkpoints
    differ in one pack; each block (and each student) is bitwise its run alone."""
    blocks = (
        _block(0, 20, (0, 1), variant=variant),
        _block(1, 50, (0, 1, 2), variant=variant),
        _block(0, 50, (3,), variant=variant, lr_factor=0.5, checkpoints=(2, 5, 11)),
        _block(2, 20, (5,), variant=variant, l2_eigenvalues=1e-3),
        _block(3, 33, (0,), variant=variant, steps=7, epochs=4),  # 4 a epoch: the 2nd cut short
        _block(4, 30, (1,), variant=variant, batches_per_epoch=4, steps=10, epochs=3),
    )
    packed = run_pack(PackSpec(blocks))
    for block, result in zip(blocks, packed, strict=True):
        _same(result, run_pack(PackSpec((block,)))[0])
        for i, seed in enumerate(block.seeds):  # and each student alone
            alone = run_block(dataclasses.replace(block, seeds=(seed,)))
            assert np.array_equal(alone.w1[0], result.w1[i])
            assert np.array_equal(alone.readout[0], result.readout[i])
            assert np.array_equal(alone.test_mse[0], result.test_mse[i])
    assert packed[4].budget_steps == 7 and packed[4].epochs[-1] == 2
    # batches of 8, 8, 7, 7: two epochs and two batches
    assert packed[5].budget_steps == 10 and packed[5].budget_samples == 2 * 30 + 8 + 8
    trained_readout = variant[1]
    assert (not np.array_equal(packed[1].readout, np.ones_like(packed[1].readout))) is (
        trained_readout
    )


@pytest.mark.parametrize("variant", _VARIANTS)
def test_committee_member_step_equals_the_existing_steps(variant):
    """Same mathematics as the autograd reference and, for SGD, the hand-written committee
    step (up to summation order), after 20 steps; the pruning curves agree too."""
    spec = _block(4, 40, (0, 1), variant=variant, epochs=5, l2_eigenvectors=1e-4)
    member = run_block(spec)
    others = ["reference"] + (["fast"] if variant[2] == "sgd" else [])
    for step in others:
        other = run_block(_with(spec, step=step))
        assert member.budget_steps == other.budget_steps == 20
        for name in ("w1", "readout", "train_loss", "test_mse", "eigenvalue", "importance"):
            np.testing.assert_allclose(
                getattr(member, name),
                getattr(other, name),
                rtol=1e-5,  # importance is O(10): relative
                atol=1e-5,
                err_msg=f"{step}: {name}",
            )
        for name in ("step", "samples", "dimension"):
            mine, theirs = getattr(member.checkpoints, name), getattr(other.checkpoints, name)
            assert np.array_equal(mine, theirs), name
        np.testing.assert_allclose(member.checkpoints.w1, other.checkpoints.w1, atol=1e-5)
    # the students moved well past the tolerance: the comparison has teeth
    initial = run_block(_with(spec, steps=1, epochs=1))
    assert np.abs(member.w1 - initial.w1).max() > 1e-2


@pytest.mark.parametrize("variant", [_VARIANTS[1], _VARIANTS[3]])
def test_padded_committee_pack_is_each_block_alone_and_the_reference(variant):
    """Widths 6, 4, 5 and input dims 8, 5, 10 in one pack: each block is bitwise its run
    alone and within 1e-5 of the reference at its true shape after 50 steps (40 examples in
    batches of 10, 13 epochs cut to 50 steps); padding never moves, and importance and
    the pruning sweep use the true width."""
    blocks = (
        _block(0, 40, (0, 1), variant=variant, steps=50, epochs=13),
        _block(1, 40, (2,), variant=variant, width=4, steps=50, epochs=13),
        _block(2, 40, (0,), variant=variant, input_dim=10, steps=50, epochs=13),
        _block(3, 40, (1,), variant=variant, input_dim=5, width=5, steps=50, epochs=13),
    )
    spec = PackSpec(blocks)
    assert spec.padded
    pack = Pack(spec)
    packed = pack.run()
    for block, result in zip(blocks, packed, strict=True):
        _same(result, run_pack(PackSpec((block,)))[0])
        d, w = block.teacher.input_dim, block.width
        assert result.w1.shape == (len(block.seeds), d, w)
        assert result.test_mse.shape == (len(block.seeds), w + 1)
        # importance r_i = ‖w1[:, i]‖ |v_i| √W at the true width (λ_in = 0)
        expected = np.linalg.norm(result.w1, axis=1) * np.abs(result.readout) * math.sqrt(w)
        np.testing.assert_allclose(result.importance, expected, rtol=1e-5)
        reference = run_block(_with(block, step="reference"))
        assert result.budget_steps == reference.budget_steps == 50
        for name in ("w1", "readout", "test_mse", "eigenvalue", "train_loss"):
            np.testing.assert_allclose(
                getattr(result, name), getattr(reference, name), rtol=0, atol=1e-5, err_msg=name
            )
    layout = pack.shared.layout
    assert (layout.input_dim, layout.width) == (10, 6)
    for state in (pack.shared.params, pack.shared.exp_avg, pack.shared.exp_avg_sq):
        for b in pack.blocks:
            full = layout.views(state[b.lo : b.hi])
            d, w = b.shape
            assert full["phi"][:, d:].abs().sum() == 0 and full["phi"][:, :, w:].abs().sum() == 0
            assert full["lambda_out"][:, w:].abs().sum() == 0
            assert full["readout"][:, w:].abs().sum() == 0


def test_sgd_member_step_of_the_papers_student_equals_the_reference():
    """Plain SGD in the member step for the two-hidden-layer student too."""
    spec = block_spec(
        teacher=teacher_spec(input_dim=6, width=3, hidden2=5, seed=4),
        width=8,
        seeds=(0, 1),
        settings=train_settings(
            lr=0.05, batch_size=20, epochs=5, step="member", optimizer="sgd", checkpoints=(3,)
        ),
        n_train=50,
        n_test=50,
        data_seed=14,
        device="cpu",
    )
    member = run_block(spec)
    reference = run_block(_with(spec, step="reference"))
    for name in ("w1", "w2", "train_loss", "test_mse", "eigenvalue"):
        np.testing.assert_allclose(
            getattr(member, name), getattr(reference, name), rtol=0, atol=1e-5, err_msg=name
        )
    other = dataclasses.replace(spec, seeds=(2,), data_seed=15)
    packed = run_pack(PackSpec((spec, other)))
    assert np.array_equal(packed[0].w1, member.w1) and np.array_equal(packed[0].w2, member.w2)


def _online(teacher, seeds, *, variant, batch_size, steps, input_dim=8, width=6, **settings):
    spec = _block(
        teacher,
        0,
        seeds,
        variant=variant,
        input_dim=input_dim,
        width=width,
        batch_size=batch_size,
        steps=steps,
        epochs=1,
        **settings,
    )
    return dataclasses.replace(spec, online=True, nested=False)


@pytest.mark.parametrize("variant", [("erf", False, "sgd", "spectral", 0.1), _VARIANTS[1]])
def test_online_pack_is_each_block_alone_and_the_existing_steps(variant):
    """Online data (fresh rows of each cell's own stream every step, none reused) in a
    padded pack of batch sizes 1 and 2, budgets 45 and 30 (epochs of 8, 4 and 5 steps:
    the streams are refilled at different steps): each block is bitwise its run alone,
    and within 1e-5 of the reference (and of the committee SGD step)."""
    blocks = (
        _online(0, (0, 1), variant=variant, batch_size=1, steps=45),
        _online(1, (2,), variant=variant, batch_size=2, steps=30),
        _online(2, (0,), variant=variant, batch_size=2, steps=45, input_dim=10, width=4),
        _online(3, (1,), variant=variant, batch_size=1, steps=30, checkpoints=(4, 17)),
    )
    packed = run_pack(PackSpec(blocks))
    for block, result in zip(blocks, packed, strict=True):
        _same(result, run_pack(PackSpec((block,)))[0])
        assert result.budget_samples == block.settings.steps * block.settings.batch_size
        others = ["reference"] + (["fast"] if variant[2] == "sgd" else [])
        for step in others:
            other = run_block(_with(block, step=step))
            assert np.array_equal(result.epochs, other.epochs)
            for name in ("w1", "readout", "test_mse", "train_loss"):
                np.testing.assert_allclose(
                    getattr(result, name),
                    getattr(other, name),
                    rtol=1e-5,
                    atol=1e-5,
                    err_msg=f"{step}: {name}",
                )
    # different streams: no two cells saw the same data
    assert not np.allclose(packed[0].w1[0], run_pack(PackSpec(blocks[1:2]))[0].w1[0])

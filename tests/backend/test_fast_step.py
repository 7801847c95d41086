"""The fast step (hand-written gradients, flat Adam, sub-ensembles) equals the reference."""

import numpy as np
import pytest
import torch

from phasetrans.backend import step as step_module
from phasetrans.backend.engines import choose_step
from phasetrans.backend.engines import fast as engine_module
from phasetrans.backend.ensemble import StudentEnsemble
from phasetrans.backend.teacher import make_teacher
from phasetrans.backend.train import train
from tests.backend.helpers import settings as train_settings

D, WIDTH, H2, SEEDS = 6, 12, 5, [3, 0, 7]


@pytest.fixture(scope="module")
def datasets():
    out = {}
    for kind in ("regression", "classification"):
        teacher = make_teacher(D, 4, H2, seed=0, kind=kind)
        out[kind] = teacher.sample(250, torch.Generator().manual_seed(1))
    return out


def _run(x, y, kind, method, step, *, broken=False, compile=False, **extra):
    """20 steps (5 epochs of 4 batches); returns the result and the final state dict."""
    settings = train_settings(
        lr=0.01,
        batch_size=64,
        epochs=5,
        log_every=1,
        step=step,
        compile=compile,
        group_lasso=1e-3 if method == "group_lasso" else 0.0,
        l2_dense=1e-3,
        **extra,
    )
    model = StudentEnsemble(
        D,
        WIDTH,
        H2,
        SEEDS,
        method=method,
        output_bias=kind == "classification",
        train_lambda_in=method == "spectral",
    )
    if broken:
        with torch.no_grad():
            model.w2[1, 0, 0] = float("inf")  # member 1 diverges in its first epoch
    result = train(
        model,
        x,
        y,
        settings,
        generator=torch.Generator().manual_seed(11),
        classification=kind == "classification",
    )
    return result, {k: v.detach().clone() for k, v in model.state_dict().items()}


def _assert_same(a, b):
    (ra, pa), (rb, pb) = a, b
    np.testing.assert_array_equal(ra.epochs, rb.epochs)
    np.testing.assert_array_equal(ra.diverged_epoch, rb.diverged_epoch)
    np.testing.assert_allclose(ra.loss, rb.loss, rtol=1e-5, atol=1e-5)
    for key in pa:
        torch.testing.assert_close(pa[key], pb[key], rtol=1e-5, atol=1e-5, equal_nan=True)


@pytest.mark.parametrize("broken", [False, True])
@pytest.mark.parametrize("method", ["spectral", "direct", "group_lasso"])
@pytest.mark.parametrize("kind", ["regression", "classification"])
def test_fast_step_equals_reference(datasets, kind, method, broken):
    x, y = datasets[kind]
    reference = _run(x, y, kind, method, "reference", broken=broken)
    fast = _run(x, y, kind, method, "fast", broken=broken)
    _assert_same(reference, fast)
    assert reference[0].diverged_epoch.tolist() == ([-1, 1, -1] if broken else [-1, -1, -1])


def test_compiled_fast_step_equals_reference(datasets):
    x, y = datasets["regression"]
    reference = _run(x, y, "regression", "spectral", "reference", broken=True)
    compiled = _run(x, y, "regression", "spectral", "fast", broken=True, compile=True)
    _assert_same(reference, compiled)


def test_sub_ensembles_are_invisible(datasets, monkeypatch):
    x, y = datasets["regression"]
    whole = _run(x, y, "regression", "spectral", "fast")
    monkeypatch.setattr(engine_module, "CPU_BLOCK_ELEMENTS", 64 * WIDTH)  # one member a block
    assert len(engine_module.plan_blocks(torch.arange(3), WIDTH, 64, torch.device("cpu"))) == 3
    split = _run(x, y, "regression", "spectral", "fast")
    _assert_same(whole, split)


def test_plan_blocks_balanced_and_whole_on_cuda():
    blocks = engine_module.plan_blocks(torch.arange(32), 1000, 300, torch.device("cpu"))
    sizes = [b.numel() for b in blocks]
    assert sum(sizes) == 32 and max(sizes) - min(sizes) <= 1
    assert max(sizes) * 1000 * 300 <= step_module.CPU_BLOCK_ELEMENTS
    assert torch.cat(blocks).tolist() == list(range(32))
    assert len(engine_module.plan_blocks(torch.arange(32), 1000, 300, torch.device("cuda"))) == 1


def _stop_run(x, y, step, seeds, zero, epochs=10):
    settings = train_settings(
        lr=0.01, batch_size=64, epochs=epochs, log_every=5, step=step, compile=False,
        stop_patience=3, stop_tol=1e-4,
    )  # fmt: skip
    model = StudentEnsemble(D, WIDTH, H2, seeds)
    with torch.no_grad():  # a student at a stationary point: all-zero weights
        model.spectral.phi[zero] = 0.0
        model.w2[zero] = 0.0
    before = model.w2[zero].detach().clone()
    result = train(model, x, y, settings, generator=torch.Generator().manual_seed(2))
    return result, model, before


@pytest.mark.parametrize("step", ["reference", "fast"])
def test_stop_rule_stops_converged_member_only(datasets, step):
    x, y = datasets["regression"]
    result, model, before = _stop_run(x, y, step, [0, 1], zero=0)
    # the converged member stops after patience + 1 epochs, the learning one does not
    assert result.stopped_epoch.tolist() == [4, 0]
    assert result.epochs.tolist() == [5, 10]
    assert torch.equal(model.w2[0].detach(), before)
    assert result.loss[0, 0] == result.loss[1, 0]  # stopped: last value kept
    assert result.loss[1, 1] < result.loss[0, 1]  # the other one still learns
    assert (result.diverged_epoch == -1).all()


def test_stop_rule_fast_equals_reference_and_ends_run(datasets):
    x, y = datasets["regression"]
    ref, ref_model, _ = _stop_run(x, y, "reference", [0, 1, 2], zero=1)
    fast, fast_model, _ = _stop_run(x, y, "fast", [0, 1, 2], zero=1)
    np.testing.assert_array_equal(ref.stopped_epoch, fast.stopped_epoch)
    np.testing.assert_allclose(ref.loss, fast.loss, rtol=1e-5, atol=1e-5)
    for a, b in zip(ref_model.parameters(), fast_model.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
    alone, _, _ = _stop_run(x, y, "fast", [5], zero=0)  # every member stopped: the run ends
    assert alone.epochs.tolist() == [4] and alone.stopped_epoch.tolist() == [4]


def test_stopping_off_by_default(datasets):
    x, y = datasets["regression"]
    result, _ = _run(x, y, "regression", "spectral", "reference")
    assert result.stopped_epoch.tolist() == [0, 0, 0]
    assert result.epochs.tolist() == [1, 2, 3, 4, 5]


def test_settings_validation_and_auto_choice():
    with pytest.raises(ValueError, match="step"):
        train_settings(step="quick")
    with pytest.raises(ValueError, match="stop_patience"):
        train_settings(stop_patience=-1)
    short = train_settings(epochs=5)
    assert choose_step(short, 8, 100, 10_000) == "reference"
    assert choose_step(train_settings(epochs=2000), 32, 100, 10_000) == "fast"
    assert choose_step(train_settings(epochs=5, compile=False), 8, 100, 10_000) == "fast"
    assert choose_step(train_settings(epochs=5, step="fast"), 8, 100, 10_000) == "fast"

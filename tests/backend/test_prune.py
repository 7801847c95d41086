import math

import pytest
import torch

from phasetrans.backend.prune import effective_dimension, importance, prune_mask, pruning_sweep


def _naive(w1, w2, imp, x, y, bias=None, classification=False):
    """Prune-and-evaluate separately at every retained count."""
    members, _, width = w1.shape
    bias = torch.zeros(members, dtype=w1.dtype) if bias is None else bias
    mse = torch.empty(members, width + 1, dtype=w1.dtype)
    acc = torch.empty_like(mse)
    for n in range(width + 1):
        keep = prune_mask(imp, n).to(w1.dtype)  # (S, W)
        h1 = torch.relu(torch.einsum("bj,sji->sbi", x, w1 * keep[:, None, :]))
        out = torch.relu(torch.bmm(h1, w2)).sum(-1) + bias[:, None]
        if classification:
            mse[:, n] = ((torch.sigmoid(out) - y) ** 2).mean(-1)
            acc[:, n] = ((out > 0).to(y.dtype) == y).to(w1.dtype).mean(-1)
        else:
            mse[:, n] = ((out - y) ** 2).mean(-1)
    return mse, acc


def _case(dtype, seed=0, members=3, d=5, width=17, h2=4, n=203):
    g = torch.Generator().manual_seed(seed)
    w1 = torch.randn(members, d, width, generator=g, dtype=dtype)
    w2 = torch.randn(members, width, h2, generator=g, dtype=dtype)
    imp = torch.rand(members, width, generator=g, dtype=dtype)
    x = torch.randn(n, d, generator=g, dtype=dtype)
    y = torch.randn(n, generator=g, dtype=dtype)
    return w1, w2, imp, x, y


def test_sweep_equals_naive_float64_every_count():
    w1, w2, imp, x, y = _case(torch.float64)
    fast = pruning_sweep(w1, w2, imp, x, y, chunk_size=37)  # ragged last chunk
    slow, _ = _naive(w1, w2, imp, x, y)
    torch.testing.assert_close(fast.mse, slow, rtol=1e-12, atol=1e-12)
    # retained = 0 keeps nothing: output 0, error = mean(y^2)
    torch.testing.assert_close(fast.mse[:, 0], (y**2).mean().expand(3))


def test_sweep_equals_naive_float32():
    w1, w2, imp, x, y = _case(torch.float32, seed=1, width=40)
    fast = pruning_sweep(w1, w2, imp, x, y)
    slow, _ = _naive(w1, w2, imp, x, y)
    torch.testing.assert_close(fast.mse, slow, rtol=2e-5, atol=1e-5)


def test_sweep_classification_brier_and_accuracy():
    w1, w2, imp, x, _ = _case(torch.float64, seed=2)
    y = (torch.randn(x.shape[0], generator=torch.Generator().manual_seed(4)) > 0).double()
    bias = torch.tensor([-0.5, 0.0, 0.7], dtype=torch.float64)
    fast = pruning_sweep(w1, w2, imp, x, y, bias=bias, classification=True)
    slow_mse, slow_acc = _naive(w1, w2, imp, x, y, bias=bias, classification=True)
    torch.testing.assert_close(fast.mse, slow_mse)
    torch.testing.assert_close(fast.accuracy, slow_acc)


def test_importance_formula_and_dimension():
    lam = torch.tensor([[2.0, -0.5, 0.0, 1.0]])
    phi = torch.tensor([[[3.0, 1.0, 5.0, 0.01], [4.0, 0.0, 5.0, 0.0]]])  # (1, d=2, W=4)
    r = importance(lam, phi)
    expected = torch.tensor([[2 * 5 * 2.0, 0.5 * 1 * 2.0, 0.0, 0.01 * 2.0]])  # sqrt(W) = 2
    torch.testing.assert_close(r, expected)
    # relative: 1, 0.05, 0, 0.001 -> strictly above 0.05: one node
    assert effective_dimension(r, 0.05).tolist() == [1]
    assert effective_dimension(r, 0.04).tolist() == [2]
    assert effective_dimension(torch.zeros(1, 4)).tolist() == [0]
    assert math.isclose(float(r[0, 0]), 20.0)


@pytest.mark.parametrize("n", [0, 2, 4])
def test_prune_mask_keeps_top_n(n):
    imp = torch.tensor([[0.1, 0.9, 0.5, 0.7]])
    mask = prune_mask(imp, n)
    assert int(mask.sum()) == n
    top = [1, 3, 2, 0][:n]
    assert sorted(torch.nonzero(mask[0]).flatten().tolist()) == sorted(top)

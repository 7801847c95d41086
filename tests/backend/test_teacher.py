import pytest
import torch

from phasetrans.backend.teacher import make_teacher


def test_teacher_is_deterministic_and_glorot():
    a = make_teacher(10, 20, 20, seed=5)
    b = make_teacher(10, 20, 20, seed=5)
    c = make_teacher(10, 20, 20, seed=6)
    assert torch.equal(a.w1, b.w1) and torch.equal(a.w2, b.w2)
    assert not torch.equal(a.w1, c.w1)
    assert a.w1.abs().max() <= (6 / 30) ** 0.5
    xa, ya = a.sample(100, torch.Generator().manual_seed(1))
    xb, yb = b.sample(100, torch.Generator().manual_seed(1))
    assert torch.equal(xa, xb) and torch.equal(ya, yb)
    # output is the plain sum of the second ReLU layer
    x = xa.double()
    expected = torch.relu(torch.relu(x @ a.w1) @ a.w2).sum(-1)
    assert torch.allclose(a.output(x), expected)
    assert torch.allclose(ya.double(), expected, rtol=1e-6)


def test_classification_threshold_balances_labels():
    t = make_teacher(10, 20, 20, seed=0, kind="classification")
    _, y = t.sample(20_000, torch.Generator().manual_seed(3))
    assert set(y.unique().tolist()) == {0.0, 1.0}
    assert abs(float(y.mean()) - 0.5) < 0.02


def test_unknown_kind():
    with pytest.raises(ValueError, match="teacher kind 'ranking'"):
        make_teacher(3, 4, 5, seed=0, kind="ranking")

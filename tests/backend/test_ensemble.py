"""The ensemble must train each member exactly as a single student would."""

import math

import numpy as np
import pytest
import torch

from phasetrans.backend.ensemble import StudentEnsemble
from phasetrans.backend.teacher import make_teacher
from phasetrans.backend.train import train
from tests.backend.helpers import settings

D, WIDTH, H2 = 6, 12, 5


def _glorot(fan_in, fan_out, g):
    limit = math.sqrt(6 / (fan_in + fan_out))
    return (
        (2 * torch.rand((fan_in, fan_out), generator=g, dtype=torch.float64) - 1) * limit
    ).float()


class ReferenceStudent:
    """An independent single-student implementation: plain tensors and one Adam."""

    def __init__(self, seed, method):
        g = torch.Generator().manual_seed(seed)
        self.phi = _glorot(D, WIDTH, g).requires_grad_()
        self.w2 = _glorot(WIDTH, H2, g).requires_grad_()
        self.lam = torch.ones(WIDTH, requires_grad=method == "spectral")
        self.method = method

    def params(self):
        ps = [self.phi, self.w2]
        return [*ps, self.lam] if self.method == "spectral" else ps

    def forward(self, x):
        w1 = self.phi * (0.0 - self.lam)
        return torch.relu(torch.relu(x @ w1) @ self.w2).sum(-1)

    def penalty(self, s):
        p = s.l2_eigenvectors * (self.phi**2).sum()
        if self.method == "spectral":
            p = p + s.l2_eigenvalues * (self.lam**2).sum()
        if s.group_lasso:
            w1 = self.phi * (0.0 - self.lam)
            p = p + s.group_lasso * w1.norm(dim=0).sum()
        return p


def _train_reference(seed, method, x, y, s, shuffle_seed):
    st = ReferenceStudent(seed, method)
    opt = torch.optim.Adam(st.params(), lr=s.lr, betas=s.betas, eps=s.eps)
    g = torch.Generator().manual_seed(shuffle_seed)
    losses = []
    for _ in range(s.epochs):
        order = torch.randperm(len(x), generator=g)
        total = 0.0
        for start in range(0, len(x), s.batch_size):
            idx = order[start : start + s.batch_size]
            mse = ((st.forward(x[idx]) - y[idx]) ** 2).mean()
            opt.zero_grad()
            (mse + st.penalty(s)).backward()
            opt.step()
            total += float(mse.detach()) * len(idx)
        losses.append(total / len(x))
    return st, np.array(losses)


@pytest.fixture(scope="module")
def data():
    teacher = make_teacher(D, 4, H2, seed=0)
    return teacher.sample(250, torch.Generator().manual_seed(1))


@pytest.mark.parametrize("method", ["spectral", "direct", "group_lasso"])
def test_ensemble_equals_separately_trained_students(data, method):
    x, y = data
    seeds = [3, 0, 7]
    s = settings(
        lr=0.01,
        batch_size=64,
        epochs=6,
        log_every=1,
        group_lasso=1e-3 if method == "group_lasso" else 0.0,
    )
    model = StudentEnsemble(D, WIDTH, H2, seeds, method=method)
    result = train(model, x, y, s, generator=torch.Generator().manual_seed(11))
    w1, w2 = model.effective_weights()
    for m, seed in enumerate(seeds):
        ref, ref_losses = _train_reference(seed, method, x, y, s, shuffle_seed=11)
        np.testing.assert_allclose(result.loss[:, m], ref_losses, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(w2[m], ref.w2.detach(), rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(w1[m], (ref.phi * -ref.lam).detach(), rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(
            model.spectral.lambda_out[m].detach(), ref.lam.detach(), rtol=1e-5, atol=1e-6
        )
    assert result.loss[-1].mean() < result.loss[0].mean()  # it learned something


def test_member_initialised_as_single_student():
    ens = StudentEnsemble(D, WIDTH, H2, [4, 9])
    single = StudentEnsemble(D, WIDTH, H2, [9])
    assert torch.equal(ens.spectral.phi[1], single.spectral.phi[0])
    assert torch.equal(ens.w2[1], single.w2[0])


def test_direct_freezes_eigenvalues(data):
    x, y = data
    model = StudentEnsemble(D, WIDTH, H2, [0], method="direct")
    train(model, x, y, settings(epochs=2, batch_size=50), generator=torch.Generator())
    assert torch.equal(model.spectral.lambda_out, torch.ones(1, WIDTH))


def test_non_finite_member_is_frozen_and_others_unaffected(data):
    x, y = data
    s = settings(lr=0.01, batch_size=64, epochs=4, log_every=1)
    clean = StudentEnsemble(D, WIDTH, H2, [0, 1, 2])
    broken = StudentEnsemble(D, WIDTH, H2, [0, 1, 2])
    with torch.no_grad():
        broken.w2[1, 0, 0] = float("inf")  # member 1 diverges in its first epoch
    r_clean = train(clean, x, y, s, generator=torch.Generator().manual_seed(5))
    before = broken.w2[1].detach().clone()
    r_broken = train(broken, x, y, s, generator=torch.Generator().manual_seed(5))
    assert r_broken.diverged_epoch.tolist() == [-1, 1, -1]
    assert r_clean.diverged_epoch.tolist() == [-1, -1, -1]
    for m in (0, 2):
        torch.testing.assert_close(broken.w2[m], clean.w2[m], rtol=0, atol=0)
        np.testing.assert_array_equal(r_broken.loss[:, m], r_clean.loss[:, m])
    # frozen at the parameters it had before the bad epoch
    assert torch.equal(broken.w2[1].detach(), before)

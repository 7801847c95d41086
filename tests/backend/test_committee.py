"""The committee teacher and committee students, and their hand-written SGD step."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from phasetrans.backend.batches import OnlineBatches
from phasetrans.backend.data import TRAIN, RowStream
from phasetrans.backend.ensemble import StudentEnsemble
from phasetrans.backend.prune import committee_pruning_sweep, importance
from phasetrans.backend.teacher import make_teacher
from phasetrans.backend.train import train
from tests.backend.helpers import settings as train_settings


def test_orthogonal_committee_has_identity_overlaps_and_random_one_is_near_it():
    t = make_teacher(30, 5, 0, seed=3, kind="committee", orthogonal=True)
    assert t.w1.dtype == torch.float64 and t.w2 is None and t.hidden2 == 0
    assert torch.allclose(t.overlap(), torch.eye(5, dtype=torch.float64), atol=1e-12)
    # i.i.d. Gaussian vectors: T = I up to fluctuations of order 1/sqrt(N)
    r = make_teacher(3000, 4, 0, seed=3, kind="committee")
    off = (r.overlap() - torch.eye(4, dtype=torch.float64)).abs().max()
    assert 0 < off < 5 / math.sqrt(3000)
    with pytest.raises(ValueError, match="h_T <= N"):
        make_teacher(3, 4, 0, seed=0, kind="committee", orthogonal=True)


def test_committee_output_is_the_sum_of_erf_units():
    t = make_teacher(8, 3, 0, seed=1, kind="committee", activation="erf")
    x = torch.randn(5, 8, dtype=torch.float64)
    pre = x @ t.w1 / math.sqrt(8)
    assert torch.allclose(t.output(x), torch.erf(pre / math.sqrt(2)).sum(-1))


def test_committee_students_start_at_init_q_and_their_sweep_matches_the_forward():
    m = StudentEnsemble(
        400, 6, 0, [0, 1], committee=True, activation="relu", init_q=0.3, dtype=torch.float64
    )
    q = (m.spectral.weight().detach() ** 2).sum(-2) / 400
    assert abs(float(q.mean()) - 0.3) < 0.03
    x = torch.randn(50, 400, dtype=torch.float64)
    y = torch.randn(50, dtype=torch.float64)
    w1, v = m.effective_weights()
    imp = importance(m.spectral.lambda_out, m.spectral.phi)
    sweep = committee_pruning_sweep(w1, v, imp, x, y, activation="relu")
    full = ((m(x) - y) ** 2).mean(-1)
    assert torch.allclose(sweep.mse[:, -1], full)
    assert torch.allclose(sweep.mse[:, 0], (y**2).mean().expand(2))  # nothing kept: output 0


@pytest.mark.parametrize("method", ["direct", "spectral"])
@pytest.mark.parametrize("activation", ["erf", "relu"])
def test_hand_written_sgd_step_equals_autograd(method, activation):
    results = []
    for step in ("reference", "auto"):  # auto: the committee SGD step
        t = make_teacher(40, 2, 0, seed=0, kind="committee", activation=activation)
        m = StudentEnsemble(
            40,
            3,
            0,
            [0, 1, 2],
            method=method,
            committee=True,
            activation=activation,
            train_readout=method == "spectral",
            dtype=torch.float64,
        )
        rows = RowStream(t, 5, TRAIN, dtype=torch.float64)
        settings = train_settings(
            lr=0.05,
            batch_size=2,
            epochs=3,
            steps=120,
            optimizer="sgd",
            step=step,
            l2_eigenvectors=1e-3,
            l2_eigenvalues=1e-3,
            l2_dense=1e-3,
        )
        x0, y0 = rows(0, 2)
        out = train(
            m, x0, y0, settings, generator=torch.Generator(), source=OnlineBatches(rows, 2, 40)
        )
        assert out.steps == 120 and out.samples == 240
        results.append((m.spectral.weight().detach(), m.readout.detach(), out.loss))
    (w_a, v_a, l_a), (w_b, v_b, l_b) = results
    assert float((w_a - w_b).abs().max()) < 1e-12
    assert float((v_a - v_b).abs().max()) < 1e-12
    np.testing.assert_allclose(l_a, l_b, rtol=1e-12)

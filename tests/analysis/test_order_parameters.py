import numpy as np
import pytest

from phasetrans.analysis.order_parameters import order_parameters
from phasetrans.errors import AnalysisInputError
from phasetrans.testing import permuted_teacher


def _teacher(rng, d=20, h=6):
    return rng.normal(size=(d, h))


def test_permuted_rescaled_teacher_is_fully_recovered():
    rng = np.random.default_rng(0)
    t = _teacher(rng)
    copy = permuted_teacher(t, None, rng, scale=(0.2, 5.0))
    # a student of width 10: the teacher's nodes (permuted, rescaled) plus 4 small extra nodes
    w = np.concatenate([copy.w1, 1e-3 * rng.normal(size=(t.shape[0], 4))], axis=1)
    imp = np.concatenate([np.full(6, 1.0), np.full(4, 1e-3)])
    rec, cos = order_parameters(w[None], imp[None], np.array([6]), t)
    assert rec[0] == 1.0
    assert cos[0] == pytest.approx(1.0, abs=1e-12)


def test_random_student_recovers_about_nothing():
    rng = np.random.default_rng(1)
    t = _teacher(rng, d=50, h=8)
    w = rng.normal(size=(16, 50, 8))
    rec, cos = order_parameters(w, np.ones((16, 8)), np.full(16, 8), t)
    assert rec.max() <= 1 / 8  # in 50 dimensions a random direction is far from any teacher node
    assert rec.mean() < 0.02
    assert abs(cos.mean()) < 0.3


def test_only_top_dimension_nodes_count():
    rng = np.random.default_rng(2)
    t = _teacher(rng)
    w = np.concatenate([rng.normal(size=(20, 3)), t], axis=1)  # teacher nodes ranked last
    imp = np.array([3.0, 2.0, 1.5, 1, 1, 1, 1, 1, 1])
    rec, _ = order_parameters(w[None], imp[None], np.array([3]), t)
    assert rec[0] <= 1 / 6
    rec_all, _ = order_parameters(w[None], imp[None], np.array([9]), t)
    assert rec_all[0] == 1.0


def test_zero_dimension_and_nonfinite_students():
    rng = np.random.default_rng(3)
    t = _teacher(rng)
    w = rng.normal(size=(2, 20, 6))
    w[1, 0, 0] = np.nan
    rec, cos = order_parameters(w, np.ones((2, 6)), np.array([0, 6]), t)
    assert rec[0] == 0.0 and np.isnan(cos[0])
    assert np.isnan(rec[1]) and np.isnan(cos[1])


def test_shape_mismatch_names_the_argument():
    with pytest.raises(AnalysisInputError, match="teacher_w1"):
        order_parameters(np.zeros((1, 5, 3)), np.ones((1, 3)), np.array([3]), np.ones((4, 2)))

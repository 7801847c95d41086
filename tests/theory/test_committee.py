"""Known answers for the online-learning ODEs of the erf soft committee machine."""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import fsolve
from scipy.special import erf

from phasetrans.errors import AnalysisInputError
from phasetrans.theory import (
    committee_drift,
    generalisation_error,
    integrate_committee,
    plateau_and_escape,
)


def g(z: np.ndarray) -> np.ndarray:
    return erf(z / math.sqrt(2.0))


def g_prime(z: np.ndarray) -> np.ndarray:
    return math.sqrt(2.0 / math.pi) * np.exp(-0.5 * z**2)


def overlaps(w: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    N = w.shape[1]
    return w @ w.T / N, w @ B.T / N, B @ B.T / N


# ---------------------------------------------------------------------------
# generalisation error


def test_eg_is_zero_when_student_equals_teacher():
    rng = np.random.default_rng(0)
    B = rng.standard_normal((3, 50))
    _, _, T = overlaps(B, B)
    assert generalisation_error(T, T, T) == pytest.approx(0.0, abs=1e-14)
    # a permuted student is the same network
    perm = [2, 0, 1]
    assert generalisation_error(T[perm][:, perm], T[perm], T) == pytest.approx(0.0, abs=1e-14)


def test_eg_known_value_uncorrelated_units():
    # K = M = 1, R = 0: eg = (E[g(l)^2] + E[g(n)^2]) / 2 = (2/pi) arcsin(1/2) = 1/3
    eg = generalisation_error([[1.0]], [[0.0]], [[1.0]])
    assert eg == pytest.approx(1.0 / 3.0, rel=1e-14)


def test_eg_matches_monte_carlo():
    Q = np.array([[0.8, 0.3], [0.3, 1.5]])
    R = np.array([[0.5, -0.2, 0.1], [0.4, 0.6, -0.3]])
    T = np.array([[1.0, 0.2, 0.0], [0.2, 0.9, 0.1], [0.0, 0.1, 1.2]])
    C = np.block([[Q, R], [R.T, T]])
    rng = np.random.default_rng(1)
    u = rng.multivariate_normal(np.zeros(5), C, size=400_000)
    half_sq = 0.5 * (g(u[:, :2]).sum(1) - g(u[:, 2:]).sum(1)) ** 2
    se = half_sq.std() / math.sqrt(half_sq.size)
    assert abs(generalisation_error(Q, R, T) - half_sq.mean()) < 4 * se


def test_eg_is_vectorised_over_leading_axes():
    rng = np.random.default_rng(2)
    Qs, Rs = [], []
    for _ in range(4):
        w = rng.standard_normal((2, 30))
        B = np.eye(3, 30) * math.sqrt(30)
        Q, R, T = overlaps(w, B)
        Qs.append(Q)
        Rs.append(R)
    eg = generalisation_error(np.stack(Qs), np.stack(Rs), T)
    assert eg.shape == (4,)
    expected = [generalisation_error(Q, R, T) for Q, R in zip(Qs, Rs, strict=True)]
    np.testing.assert_allclose(eg, expected, rtol=1e-14)


# ---------------------------------------------------------------------------
# the drift against the one-step update of real weight vectors


def test_drift_matches_monte_carlo_single_step_update():
    """N * E[one SGD step's change of Q, R] at N = 500 equals the ODE drift.

    The weights are real N-dimensional vectors and every sample applies the
    update w_k <- w_k - lr (sigma - y) g'(lambda_k) x / sqrt(N).  The drift
    is exact in expectation at any N except in the lr^2 term, which carries
    |x|^2 / N.  Splitting x into its part in the span of the K + M weight
    vectors (squared norm u C^-1 u with u = (lambda, nu)) and the rest (an
    independent chi-square with N - K - M degrees of freedom) gives that
    term's exact finite-N expectation, E[q] + E[q (u C^-1 u - K - M)] / N with
    q = lr^2 delta_k delta_l; the second part is subtracted per sample.
    """
    N, K, M, lr = 500, 3, 2, 2.0
    rng = np.random.default_rng(3)
    B = rng.standard_normal((M, N))
    w = np.array([[0.8, 0.1], [0.3, 0.5], [-0.4, 0.6]]) @ B + 0.5 * rng.standard_normal((K, N))
    Q, R, T = overlaps(w, B)
    dQ, dR = committee_drift(Q, R, T, lr)
    C_inv = np.linalg.inv(np.block([[Q, R], [R.T, T]]))

    # a few literal updates of the vectors: the reduced formulas below are exact
    for _ in range(3):
        x = rng.standard_normal(N)
        lam, nu = w @ x / math.sqrt(N), B @ x / math.sqrt(N)
        err = g(lam).sum() - g(nu).sum()
        w_new = w - lr * err * g_prime(lam)[:, None] * x[None, :] / math.sqrt(N)
        Q_new, R_new, _ = overlaps(w_new, B)
        delta = -lr * err * g_prime(lam)  # lr * delta_k
        step_Q = (np.outer(lam, delta) + np.outer(delta, lam)) + np.outer(delta, delta) * (
            x @ x / N
        )
        np.testing.assert_allclose(N * (Q_new - Q), step_Q, atol=1e-9)
        np.testing.assert_allclose(N * (R_new - R), np.outer(delta, nu), atol=1e-9)

    n_samples, chunk = 100_000, 10_000
    sum_Q, sq_Q = np.zeros((K, K)), np.zeros((K, K))
    sum_R, sq_R = np.zeros((K, M)), np.zeros((K, M))
    sum_quad = np.zeros((K, K))
    for _ in range(n_samples // chunk):
        x = rng.standard_normal((chunk, N))
        lam, nu = x @ w.T / math.sqrt(N), x @ B.T / math.sqrt(N)
        xx = np.einsum("si,si->s", x, x) / N
        u = np.concatenate([lam, nu], axis=1)
        in_span = np.einsum("sa,ab,sb->s", u, C_inv, u)
        delta = -lr * (g(lam).sum(1) - g(nu).sum(1))[:, None] * g_prime(lam)
        quad = delta[:, :, None] * delta[:, None, :]
        step_Q = lam[:, :, None] * delta[:, None, :] + delta[:, :, None] * lam[:, None, :]
        step_Q += quad * (xx - (in_span - K - M) / N)[:, None, None]
        step_R = delta[:, :, None] * nu[:, None, :]
        sum_Q += step_Q.sum(0)
        sq_Q += (step_Q**2).sum(0)
        sum_R += step_R.sum(0)
        sq_R += (step_R**2).sum(0)
        sum_quad += quad.sum(0)
    mean_Q, mean_R = sum_Q / n_samples, sum_R / n_samples
    se_Q = np.sqrt((sq_Q / n_samples - mean_Q**2) / n_samples)
    se_R = np.sqrt((sq_R / n_samples - mean_R**2) / n_samples)
    assert np.all(np.abs(mean_R - dR) < 4 * se_R), (mean_R, dR, se_R)
    assert np.all(np.abs(mean_Q - dQ) < 4 * se_Q), (mean_Q, dQ, se_Q)
    # every component of the lr^2 term is resolved, to better than 2 %
    assert np.min(np.abs(sum_quad / n_samples) / se_Q) > 50


# ---------------------------------------------------------------------------
# plateau and specialisation, K = M = 2, T = I

#: Learning rate of the plateau tests: specialisation within a few hundred time
#: units, and an lr^2 term of the drift that is not negligible (at lr = 3 the
#: same start ends in an unspecialised state with eg ~ 0.09).
LR = 0.5


@functools.cache
def _symmetric_fixed_point() -> tuple[np.ndarray, np.ndarray]:
    """The plateau's fixed point: Q = [[q, c], [c, q]], R = r everywhere.

    The flow restricted to the symmetric subspace, run to t = 1e4 from the
    plateau tests' start, then polished by a root finder.  (A root finder
    alone can land on the other symmetric fixed point, q = c: two identical
    students.)
    """

    def unpack(p):
        return np.array([[p[0], p[1]], [p[1], p[0]]]), np.full((2, 2), p[2])

    def rhs(p):
        dQ, dR = committee_drift(*unpack(p), np.eye(2), LR)
        return [dQ[0, 0], dQ[0, 1], dR[0, 0]]

    run = solve_ivp(lambda _t, p: rhs(p), (0.0, 1e4), [0.2, 0.0, 1e-3], method="LSODA", rtol=1e-10)
    root = fsolve(rhs, run.y[:, -1])
    assert np.max(np.abs(rhs(root))) < 1e-14
    assert root[0] - root[1] > 0.01  # distinct students
    return unpack(root)


@pytest.fixture(scope="module")
def learning_curve():
    rng = np.random.default_rng(4)
    Q0 = np.diag([0.2, 0.25])
    R0 = 1e-3 * rng.uniform(size=(2, 2))
    return integrate_committee(Q0, R0, np.eye(2), LR, np.linspace(0.0, 1200.0, 2401))


def test_symmetric_plateau_then_specialisation(learning_curve):
    res = learning_curve
    plateau = plateau_and_escape(res.time, res.eg)
    assert plateau.escaped
    assert plateau.end - plateau.start > 150  # a long plateau, not the initial descent
    # on the first half of the plateau every R_km is the same to 2 %
    on = (res.time >= plateau.start) & (res.time <= 0.5 * (plateau.start + plateau.end))
    R_on = res.R[on].reshape(on.sum(), -1)
    spread = np.ptp(R_on, axis=1) / R_on.mean(axis=1)
    assert np.max(spread) < 0.02
    # the plateau is the symmetric fixed point
    Q_sym, R_sym = _symmetric_fixed_point()
    eg_sym = generalisation_error(Q_sym, R_sym, np.eye(2))
    assert plateau.height == pytest.approx(eg_sym, rel=0.01)
    # the end is the teacher, up to a permutation of the student units
    assert res.eg[-1] < 1e-10
    dist = min(np.max(np.abs(res.R[-1] - np.eye(2)[list(p)])) for p in [(0, 1), (1, 0)])
    assert dist < 1e-5
    np.testing.assert_allclose(res.Q[-1], np.eye(2), atol=1e-5)


def test_escape_time_shift_is_log_of_asymmetry_over_unstable_rate():
    """Ten times less asymmetry at the symmetric fixed point delays the escape by ln(10) / rate.

    The rate is the one positive eigenvalue of the flow's Jacobian at the
    symmetric fixed point (central finite differences of the drift); the
    escape times come from plateau_and_escape on the integrated curves.
    """
    T = np.eye(2)
    Q_sym, R_sym = _symmetric_fixed_point()
    iu = np.triu_indices(2)

    def flow(y):
        Q = np.zeros((2, 2))
        Q[iu] = y[:3]
        Q = Q + np.triu(Q, 1).T
        dQ, dR = committee_drift(Q, y[3:].reshape(2, 2), T, LR)
        return np.concatenate([dQ[iu], dR.ravel()])

    y0 = np.concatenate([Q_sym[iu], R_sym.ravel()])
    h = 1e-6
    jac = np.array([(flow(y0 + h * e) - flow(y0 - h * e)) / (2 * h) for e in np.eye(7)]).T
    eigenvalues = np.linalg.eigvals(jac).real
    assert np.sum(eigenvalues > 1e-8) == 1  # a saddle with one unstable direction
    rate = np.max(eigenvalues)

    D = np.array([[1.0, -1.0], [-1.0, 1.0]])
    times = np.linspace(0.0, 800.0, 1601)
    escape = []
    for eps in (1e-5, 1e-6):
        res = integrate_committee(Q_sym, R_sym + eps * D, T, LR, times)
        escape.append(plateau_and_escape(res.time, res.eg).escape_time)
    assert escape[1] - escape[0] == pytest.approx(math.log(10.0) / rate, rel=0.01)


def test_exactly_symmetric_start_stays_on_the_plateau():
    res = integrate_committee(
        np.diag([0.2, 0.2]), np.full((2, 2), 1e-3), np.eye(2), LR, np.linspace(0, 300, 301)
    )
    assert np.ptp(res.R[-1]) < 1e-10
    plateau = plateau_and_escape(res.time, res.eg)
    assert not plateau.escaped
    assert math.isnan(plateau.escape_time)


def test_result_repr_and_shapes(learning_curve):
    res = learning_curve
    assert res.Q.shape == (2401, 2, 2) and res.R.shape == (2401, 2, 2)
    assert res.eg.shape == res.time.shape == (2401,)
    assert not (res.Q.flags.writeable or res.R.flags.writeable or res.eg.flags.writeable)
    text = repr(res)
    assert text.startswith("CommitteeODEResult(K=2, M=2, lr=0.5") and "\n" not in text


# ---------------------------------------------------------------------------
# plateau_and_escape on a synthetic curve with known answers


def test_plateau_and_escape_synthetic_curve():
    t = np.linspace(0, 100, 1001)
    # fast descent 1 -> 0.1, flat at 0.1 until t = 60, then exp(-(t - 60) / 5) decay
    eg = np.where(t < 60, 0.1 + 0.9 * np.exp(-t), 0.1 * np.exp(-(t - 60) / 5))
    p = plateau_and_escape(t, eg)
    assert p.height == pytest.approx(0.1, rel=1e-6)
    # the longest dwell: level 0.11 (the band's top), from 0.9 exp(-t) = 0.021 to t = 60
    assert p.start == pytest.approx(math.log(0.9 / 0.021), abs=0.1)
    assert p.end == pytest.approx(60.0, abs=0.5)
    assert p.escape_time == pytest.approx(60 + 5 * math.log(2), abs=0.01)
    # fraction moves the escape along the decay
    p4 = plateau_and_escape(t, eg, fraction=0.25)
    assert p4.escape_time == pytest.approx(60 + 5 * math.log(4), abs=0.01)
    # log-spaced samples give the same answer
    t_log = np.concatenate([[0.0], np.logspace(-2, 2, 400)])
    eg_log = np.interp(t_log, t, eg)
    p_log = plateau_and_escape(t_log, eg_log)
    assert p_log.height == pytest.approx(0.1, rel=1e-3)
    assert p_log.escape_time == pytest.approx(p.escape_time, abs=0.05)


def test_plateau_ignores_a_noisy_floor_and_a_floor_below_floor():
    rng = np.random.default_rng(5)
    t = np.linspace(0, 400, 4001)
    decay = 0.05 * np.exp(-(t - 50) / 2)
    # a long noisy floor after the escape (chi-square-like, relative noise ~ 1)
    noisy = np.where(t < 50, 0.05, decay + 1e-4 * rng.chisquare(2, t.size))
    p = plateau_and_escape(t, noisy)
    assert p.height == pytest.approx(0.05)
    assert p.escape_time == pytest.approx(50 + 2 * math.log(2), abs=0.05)
    # a smooth floor longer than the plateau needs floor= above it
    smooth = np.where(t < 50, 0.05, np.maximum(decay, 1e-4))
    assert plateau_and_escape(t, smooth).height == pytest.approx(1e-4)
    p = plateau_and_escape(t, smooth, floor=1e-3)
    assert p.height == pytest.approx(0.05)
    assert p.escape_time == pytest.approx(50 + 2 * math.log(2), abs=0.01)


def test_plateau_and_escape_on_the_ode_curve_is_sampling_independent(learning_curve):
    res = learning_curve
    p = plateau_and_escape(res.time, res.eg)
    t_log = np.concatenate([[0.0], np.logspace(-2, np.log10(1200.0), 300)])
    eg_log = np.interp(t_log, res.time, res.eg)
    p_log = plateau_and_escape(t_log, eg_log)
    assert p_log.height == pytest.approx(p.height, rel=0.005)
    assert p_log.escape_time == pytest.approx(p.escape_time, rel=0.01)


# ---------------------------------------------------------------------------
# bad inputs

GOOD = {"Q0": np.eye(2) * 0.2, "R0": np.zeros((2, 2)), "T": np.eye(2)}


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("Q0", {"Q0": np.ones((2, 3))}),
        ("R0", {"Q0": np.eye(3)}),
        ("Q0", {"Q0": np.array([[0.2, 0.1], [0.0, 0.2]])}),
        ("Q0", {"Q0": np.array([[0.2, 0.3], [0.3, 0.2]])}),
        ("Q0", {"Q0": np.array([[np.nan, 0.0], [0.0, 0.2]])}),
        ("R0", {"R0": np.zeros((2, 3))}),
        ("R0", {"R0": np.full((2, 2), 5.0)}),
        ("T", {"T": np.array([[1.0, 0.5], [0.4, 1.0]])}),
        ("T", {"T": np.array([[1.0, 2.0], [2.0, 1.0]])}),
        ("lr", {"lr": 0.0}),
        ("lr", {"lr": -0.5}),
        ("lr", {"lr": math.inf}),
        ("lr", {"lr": "0.5"}),
        ("times", {"times": [0.0]}),
        ("times", {"times": [0.0, 2.0, 1.0]}),
        ("times", {"times": [[0.0, 1.0]]}),
    ],
)
def test_integrate_committee_rejects_bad_input(field, changes):
    args = {**GOOD, "lr": 0.5, "times": [0.0, 1.0], **changes}
    with pytest.raises(AnalysisInputError) as info:
        integrate_committee(args["Q0"], args["R0"], args["T"], args["lr"], args["times"])
    assert info.value.field == field
    message = str(info.value)
    assert field in message and "allowed" in message and "\n" not in message


@pytest.mark.parametrize(
    ("field", "Q", "R"),
    [
        ("R", np.eye(2), np.zeros((3, 2))),
        ("Q", np.array([[1.0, 0.2], [0.0, 1.0]]), np.zeros((2, 2))),
        ("Q", np.eye(2), np.zeros((1, 2, 2))),
        ("R", np.stack([np.eye(2)] * 3), np.zeros((2, 2, 2))),
        ("T", np.eye(3), np.zeros((3, 3))),
    ],
)
def test_generalisation_error_rejects_bad_input(field, Q, R):
    T = np.array([[1.0, 0.1, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]) if field == "T" else np.eye(2)
    with pytest.raises(AnalysisInputError) as info:
        generalisation_error(Q, R, T)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"time": [0, 1, 2], "eg": [1.0, 0.5]}, "eg"),
        ({"time": [0, 2, 1], "eg": [1.0, 0.5, 0.1]}, "time"),
        ({"time": [0, 1, 2], "eg": [1.0, np.nan, 0.1]}, "eg"),
        ({"time": [0, 1, 2], "eg": [1.0, -0.5, 0.1]}, "eg"),
        ({"time": [0, 1, 2], "eg": [0.0, 0.0, 0.0]}, "eg"),
        ({"time": [0, 1, 2], "eg": [1.0, 0.5, 0.1], "band": 0.0}, "band"),
        ({"time": [0, 1, 2], "eg": [1.0, 0.5, 0.1], "fraction": 1.0}, "fraction"),
        ({"time": [0, 1, 2], "eg": [1.0, 0.5, 0.1], "floor": -1.0}, "floor"),
        ({"time": [0, 1, 2], "eg": [1e-3, 1e-4, 0.0], "floor": 1e-2}, "eg"),
    ],
)
def test_plateau_and_escape_rejects_bad_input(kwargs, field):
    with pytest.raises(AnalysisInputError) as info:
        plateau_and_escape(**kwargs)
    assert info.value.field == field


def test_unknown_method_is_rejected():
    with pytest.raises(AnalysisInputError) as info:
        integrate_committee(np.eye(2), np.zeros((2, 2)), np.eye(2), 0.5, [0, 1], method="Euler")
    assert info.value.field == "method"


def test_drift_permutation_equivariance():
    # relabelling the student units permutes the drift the same way
    Q = np.array([[0.5, 0.1, 0.0], [0.1, 0.7, 0.2], [0.0, 0.2, 0.9]])
    R = np.array([[0.3, 0.1], [0.0, 0.4], [0.2, -0.1]])
    T = np.eye(2)
    dQ, dR = committee_drift(Q, R, T, 1.0)
    for p in itertools.permutations(range(3)):
        p = list(p)
        dQp, dRp = committee_drift(Q[p][:, p], R[p], T, 1.0)
        np.testing.assert_allclose(dQp, dQ[p][:, p], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(dRp, dR[p], rtol=1e-12, atol=1e-15)

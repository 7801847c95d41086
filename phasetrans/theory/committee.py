r"""Deterministic ODEs of online SGD for the erf soft committee machine.

A student :math:`\sigma(x) = \sum_{k=1}^K g(\lambda_k)` learns a teacher
:math:`y(x) = \sum_{m=1}^M g(\nu_m)` with :math:`g(z) = \operatorname{erf}(z/\sqrt2)`,
:math:`\lambda_k = w_k\cdot x/\sqrt N`, :math:`\nu_m = B_m\cdot x/\sqrt N`,
inputs :math:`x \sim \mathcal N(0, I_N)` and fixed unit readouts on both
sides.  Online SGD draws a fresh example per step and follows the loss
:math:`\tfrac12(\sigma - y)^2`:

.. math::

    w_k \leftarrow w_k - \frac{\eta}{\sqrt N}\,(\sigma - y)\,g'(\lambda_k)\,x .

In the limit :math:`N\to\infty` at fixed :math:`K, M` the order parameters
:math:`Q_{kl} = w_k\cdot w_l/N`, :math:`R_{km} = w_k\cdot B_m/N` (and the
constant :math:`T_{mn} = B_m\cdot B_n/N`) self-average and follow ODEs in
:math:`t = \text{steps}/N`.  With :math:`\delta_k = g'(\lambda_k)(y - \sigma)`,

.. math::

    \frac{dR_{km}}{dt} = \eta\,\mathbb E[\delta_k\,\nu_m], \qquad
    \frac{dQ_{kl}}{dt} = \eta\,\mathbb E[\delta_k\lambda_l + \delta_l\lambda_k]
                         + \eta^2\,\mathbb E[\delta_k\delta_l],

where every average is an :math:`I_3` or :math:`I_4` of
:mod:`phasetrans.theory.integrals` over the covariance
:math:`C = \begin{pmatrix} Q & R\\ R^\top & T\end{pmatrix}` of
:math:`(\lambda, \nu)`.  The :math:`\eta^2` term is kept, so the equations
hold for any learning rate, not only small ones.  The generalisation error is

.. math::

    \epsilon_g = \tfrac12\,\mathbb E_x[(\sigma - y)^2]
      = \frac1\pi\Big[\sum_{k,l}\arcsin\frac{Q_{kl}}{\sqrt{(1+Q_{kk})(1+Q_{ll})}}
        + \sum_{m,n}\arcsin\frac{T_{mn}}{\sqrt{(1+T_{mm})(1+T_{nn})}}
        - 2\sum_{k,m}\arcsin\frac{R_{km}}{\sqrt{(1+Q_{kk})(1+T_{mm})}}\Big].

Examples
--------
Two students learn an isotropic two-unit teacher from small initial weights;
the error sits on the symmetric plateau, then the students specialise:

>>> import numpy as np
>>> from phasetrans.theory import integrate_committee, plateau_and_escape
>>> rng = np.random.default_rng(0)
>>> Q0 = np.diag([0.20, 0.25])
>>> R0 = 1e-3 * rng.uniform(size=(2, 2))
>>> res = integrate_committee(Q0, R0, np.eye(2), lr=0.5, times=np.linspace(0, 1500, 1501))
>>> plateau = plateau_and_escape(res.time, res.eg)
>>> bool(res.eg[-1] < 1e-4 * plateau.height)
True

References
----------
.. [1] D. Saad and S. A. Solla, "Exact solution for on-line learning in
   multilayer neural networks", Phys. Rev. Lett. 74, 4337 (1995).
.. [2] D. Saad and S. A. Solla, "On-line learning in soft committee
   machines", Phys. Rev. E 52, 4225 (1995).
.. [3] M. Biehl and H. Schwarze, "Learning by on-line gradient descent",
   J. Phys. A 28, 643 (1995).
.. [4] S. Goldt, M. S. Advani, A. M. Saxe, F. Krzakala and L. Zdeborová,
   "Dynamics of stochastic gradient descent for two-layer neural networks
   in the teacher-student setup", NeurIPS 2019.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from phasetrans.errors import AnalysisInputError
from phasetrans.theory.checks import check_lr, check_overlaps, check_times
from phasetrans.theory.integrals import i2, i3, i4

__all__ = [
    "CommitteeODEResult",
    "committee_drift",
    "generalisation_error",
    "integrate_committee",
]

#: Integrators of scipy.integrate.solve_ivp accepted by integrate_committee.
_METHODS = ("LSODA", "RK45", "DOP853", "Radau", "BDF", "RK23")
#: Most negative eigenvalue (relative to the largest) accepted for C = [[Q, R], [R.T, T]].
_PSD_RTOL = 1e-10


@dataclass(frozen=True, repr=False)
class CommitteeODEResult:
    """A solution of the committee-machine ODEs on a time grid (read-only arrays).

    Attributes
    ----------
    time : numpy.ndarray, shape (n,)
        Times :math:`t` = steps / N; ``time[0]`` is the time of the initial condition.
    Q : numpy.ndarray, shape (n, K, K)
        Student-student overlaps at each time.
    R : numpy.ndarray, shape (n, K, M)
        Student-teacher overlaps at each time.
    eg : numpy.ndarray, shape (n,)
        Generalisation error :math:`\\tfrac12\\mathbb E[(\\sigma-y)^2]` at each time.
    T : numpy.ndarray, shape (M, M)
        Teacher-teacher overlaps (constant).
    lr : float
        Learning rate :math:`\\eta` of the loss :math:`\\tfrac12(\\sigma-y)^2`.
    """

    time: np.ndarray
    Q: np.ndarray
    R: np.ndarray
    eg: np.ndarray
    T: np.ndarray
    lr: float

    def __repr__(self) -> str:
        K, M = self.R.shape[1:]
        return (
            f"CommitteeODEResult(K={K}, M={M}, lr={self.lr:g}, "
            f"t=[{self.time[0]:g}, {self.time[-1]:g}] ({self.time.size} points), "
            f"eg {self.eg[0]:.4g} -> {self.eg[-1]:.4g})"
        )


def _covariance(Q: np.ndarray, R: np.ndarray, T: np.ndarray) -> np.ndarray:
    """The covariance of (lambda, nu), batched over leading axes of Q and R."""
    batch = Q.shape[:-2]
    T = np.broadcast_to(T, (*batch, *T.shape))
    top = np.concatenate([Q, R], axis=-1)
    bottom = np.concatenate([np.swapaxes(R, -1, -2), T], axis=-1)
    return np.concatenate([top, bottom], axis=-2)


def _signs(K: int, M: int) -> np.ndarray:
    """Signs s with y - sigma = sum_a s_a g(u_a): -1 for students, +1 for teachers."""
    return np.concatenate([-np.ones(K), np.ones(M)])


def generalisation_error(Q: object, R: object, T: object) -> float | np.ndarray:
    r"""Generalisation error :math:`\tfrac12\mathbb E_x[(\sigma - y)^2]` from the overlaps.

    Parameters
    ----------
    Q : array_like, shape (..., K, K)
        Student-student overlaps :math:`w_k\cdot w_l/N`, symmetric; leading
        axes (e.g. time) are allowed.
    R : array_like, shape (..., K, M)
        Student-teacher overlaps :math:`w_k\cdot B_m/N`, same leading axes as ``Q``.
    T : array_like, shape (M, M)
        Teacher-teacher overlaps :math:`B_m\cdot B_n/N`, symmetric.

    Returns
    -------
    float or numpy.ndarray
        A float for 2-d ``Q``; otherwise an array of the leading shape.

    Raises
    ------
    AnalysisInputError
        For wrong shapes, non-finite entries or non-symmetric ``Q`` or ``T``.

    Notes
    -----
    With :math:`C` the covariance of :math:`(\lambda, \nu)` and signs
    :math:`s = (-1_K, +1_M)`, :math:`\epsilon_g = \tfrac12\sum_{ab} s_a s_b I_2(a, b)`,
    :math:`I_2(a, b) = \tfrac2\pi\arcsin(C_{ab}/\sqrt{(1+C_{aa})(1+C_{bb})})`.
    The result is 0 when the student equals the teacher (K = M, Q = R = T).
    """
    Q, R, T = check_overlaps(Q, R, T, batched=True, names=("Q", "R", "T"))
    s = _signs(Q.shape[-1], T.shape[-1])
    eg = 0.5 * np.einsum("a,...ab,b->...", s, i2(_covariance(Q, R, T)), s)
    return float(eg) if eg.ndim == 0 else eg


def _drift(Q: np.ndarray, R: np.ndarray, T: np.ndarray, lr: float) -> tuple[np.ndarray, ...]:
    """dQ/dt and dR/dt without input checks (the ODE's right-hand side)."""
    K = Q.shape[0]
    s = _signs(K, T.shape[0])
    C = _covariance(Q, R, T)
    # J[k, b] = E[g'(lambda_k) u_b (y - sigma)]
    J = i3(C, K) @ s
    dR = lr * J[:, K:]
    dQ = lr * (J[:, :K] + J[:, :K].T) + lr**2 * (i4(C, K) @ s @ s)
    return 0.5 * (dQ + dQ.T), dR


def committee_drift(Q: object, R: object, T: object, lr: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Right-hand side of the ODEs: :math:`dQ/dt` and :math:`dR/dt` at one state.

    Parameters
    ----------
    Q : array_like, shape (K, K)
        Student-student overlaps, symmetric.
    R : array_like, shape (K, M)
        Student-teacher overlaps.
    T : array_like, shape (M, M)
        Teacher-teacher overlaps, symmetric.
    lr : float
        Learning rate :math:`\eta > 0` of the loss :math:`\tfrac12(\sigma-y)^2`.

    Returns
    -------
    dQ : numpy.ndarray, shape (K, K)
        :math:`\eta\,\mathbb E[\delta_k\lambda_l + \delta_l\lambda_k]
        + \eta^2\,\mathbb E[\delta_k\delta_l]`.
    dR : numpy.ndarray, shape (K, M)
        :math:`\eta\,\mathbb E[\delta_k\nu_m]`.

    Raises
    ------
    AnalysisInputError
        For wrong shapes, non-symmetric ``Q`` or ``T``, or ``lr`` not a positive number.

    Notes
    -----
    :math:`N` times the expected one-step change of :math:`Q` and :math:`R`
    at finite :math:`N` equals this drift up to :math:`O(1/N)`: the
    :math:`\eta^2` term carries :math:`|x|^2/N`, whose mean is 1.
    """
    Q, R, T = check_overlaps(Q, R, T, batched=False, names=("Q", "R", "T"))
    return _drift(Q, R, T, check_lr(lr))


def integrate_committee(
    Q0: object,
    R0: object,
    T: object,
    lr: float,
    times: object,
    *,
    rtol: float = 1e-8,
    atol: float = 1e-10,
    method: str = "LSODA",
) -> CommitteeODEResult:
    r"""Integrate the online-learning ODEs of the erf soft committee machine.

    Parameters
    ----------
    Q0 : array_like, shape (K, K)
        Initial student-student overlaps :math:`w_k\cdot w_l/N`, symmetric
        positive definite.
    R0 : array_like, shape (K, M)
        Initial student-teacher overlaps :math:`w_k\cdot B_m/N`; together with
        ``Q0`` and ``T`` they must form a positive semi-definite covariance.
    T : array_like, shape (M, M)
        Teacher-teacher overlaps :math:`B_m\cdot B_n/N`, symmetric positive
        semi-definite.
    lr : float
        Learning rate :math:`\eta > 0` of online SGD on :math:`\tfrac12(\sigma-y)^2`
        with pre-activations :math:`w\cdot x/\sqrt N` (see Notes for other conventions).
    times : array_like, shape (n,)
        Times :math:`t` = steps / N at which to report the solution, strictly
        increasing, ``n >= 2``; ``times[0]`` is the time of ``Q0, R0``.
    rtol, atol : float, optional
        Tolerances of :func:`scipy.integrate.solve_ivp`.
    method : str, optional
        Integrator of :func:`scipy.integrate.solve_ivp`; the default LSODA
        switches to a stiff method near the attracting fixed points.

    Returns
    -------
    CommitteeODEResult
        The overlaps and the generalisation error at ``times``.

    Raises
    ------
    AnalysisInputError
        For wrong shapes, non-finite values, non-symmetric or indefinite ``Q0``,
        ``T``, an inconsistent ``R0``, ``lr <= 0``, ``times`` not strictly
        increasing, an unknown ``method``, or when the integration fails.

    Notes
    -----
    Conversions for other training conventions (same model, same steps):

    * loss :math:`(\sigma-y)^2` without the :math:`\tfrac12`: ``lr = 2 * lr_backend``;
    * pre-activations :math:`J\cdot x` with :math:`J = w/\sqrt N` (no
      :math:`1/\sqrt N` in the network): ``lr = N * lr_backend``;
    * mini-batches are not covered: averaging the gradient over :math:`b`
      examples per step keeps the :math:`\eta` terms of one step and divides
      the :math:`\eta^2` term by :math:`b`.

    The symmetric subspace (all :math:`R_{km}` equal, :math:`Q` invariant under
    permutations) is invariant under the flow; an initial condition inside it
    stays on the plateau up to rounding errors.
    """
    Q0, R0, T = check_overlaps(Q0, R0, T, batched=False, names=("Q0", "R0", "T"))
    lr = check_lr(lr)
    if method not in _METHODS:
        raise AnalysisInputError(
            f"method={method!r}; allowed: one of {', '.join(_METHODS)}",
            field="method",
            value=method,
        )
    t = check_times(times)
    K, M = R0.shape
    if np.min(np.linalg.eigvalsh(Q0)) <= 0:
        raise AnalysisInputError(
            f"Q0 has eigenvalues {np.linalg.eigvalsh(Q0)}; allowed: positive definite",
            field="Q0",
            value=Q0,
        )
    eig_T = np.linalg.eigvalsh(T)
    if np.min(eig_T) < -_PSD_RTOL * max(np.max(eig_T), 1.0):
        raise AnalysisInputError(
            f"T has eigenvalues {eig_T}; allowed: positive semi-definite", field="T", value=T
        )
    eig_C = np.linalg.eigvalsh(_covariance(Q0, R0, T))
    if np.min(eig_C) < -_PSD_RTOL * max(np.max(eig_C), 1.0):
        raise AnalysisInputError(
            f"R0 makes [[Q0, R0], [R0.T, T]] indefinite (smallest eigenvalue "
            f"{np.min(eig_C):.3g}); allowed: overlaps of real vectors",
            field="R0",
            value=R0,
        )

    def rhs(_t: float, y: np.ndarray) -> np.ndarray:
        Q = y[: K * K].reshape(K, K)
        R = y[K * K :].reshape(K, M)
        dQ, dR = _drift(Q, R, T, lr)
        return np.concatenate([dQ.ravel(), dR.ravel()])

    y0 = np.concatenate([Q0.ravel(), R0.ravel()])
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        sol = solve_ivp(rhs, (t[0], t[-1]), y0, method=method, t_eval=t, rtol=rtol, atol=atol)
    if sol.status != 0 or not np.all(np.isfinite(sol.y)):
        raise AnalysisInputError(
            f"lr={lr!r}: the integration failed near t={sol.t[-1]:.4g} ({sol.message}); "
            "allowed: inputs for which the solver succeeds (try method='Radau')",
            field="lr",
            value=lr,
        )
    Q = sol.y[: K * K].T.reshape(-1, K, K)
    Q = 0.5 * (Q + np.swapaxes(Q, 1, 2))
    R = sol.y[K * K :].T.reshape(-1, K, M)
    eg = np.asarray(generalisation_error(Q, R, T))
    for array in (t, Q, R, eg, T):
        array.flags.writeable = False
    return CommitteeODEResult(time=t, Q=Q, R=R, eg=eg, T=T, lr=lr)

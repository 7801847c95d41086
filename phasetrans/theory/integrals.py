r"""Gaussian averages of the erf activation: the integrals I2, I3 and I4.

With :math:`g(z) = \operatorname{erf}(z/\sqrt{2})` and jointly Gaussian, centred
pre-activations :math:`u` of covariance :math:`C`, every average that the
online-learning equations of a soft committee machine need has a closed form
(Saad & Solla 1995; Biehl & Schwarze 1995).  Note that :math:`I_2` here is
the full average, twice the :math:`(1/\pi)\arcsin` that Saad & Solla call
:math:`I_2` and absorb the factor :math:`\tfrac12` of the error into:

.. math::

    I_2(a, b) &= \mathbb{E}[g(u_a)\,g(u_b)]
      = \frac{2}{\pi}\arcsin\frac{C_{ab}}{\sqrt{(1+C_{aa})(1+C_{bb})}},\\
    I_3(a, b, c) &= \mathbb{E}[g'(u_a)\,u_b\,g(u_c)]
      = \frac{2}{\pi}\,\frac{1}{\sqrt{\Lambda_3}}\,
        \frac{C_{bc}(1+C_{aa}) - C_{ab}C_{ac}}{1+C_{aa}},\qquad
      \Lambda_3 = (1+C_{aa})(1+C_{cc}) - C_{ac}^2,\\
    I_4(a, b, c, d) &= \mathbb{E}[g'(u_a)\,g'(u_b)\,g(u_c)\,g(u_d)]
      = \frac{4}{\pi^2}\,\frac{1}{\sqrt{\Lambda_4}}
        \arcsin\frac{\Lambda_0}{\sqrt{\Lambda_1\Lambda_2}},

with :math:`\Lambda_4 = (1+C_{aa})(1+C_{bb}) - C_{ab}^2` and

.. math::

    \Lambda_0 &= \Lambda_4 C_{cd} - C_{bc}C_{bd}(1+C_{aa}) - C_{ac}C_{ad}(1+C_{bb})
                 + C_{ab}C_{ac}C_{bd} + C_{ab}C_{ad}C_{bc},\\
    \Lambda_1 &= \Lambda_4(1+C_{cc}) - C_{bc}^2(1+C_{aa}) - C_{ac}^2(1+C_{bb})
                 + 2C_{ab}C_{ac}C_{bc},\\
    \Lambda_2 &= \Lambda_4(1+C_{dd}) - C_{bd}^2(1+C_{aa}) - C_{ad}^2(1+C_{bb})
                 + 2C_{ab}C_{ad}C_{bd}.

Each function evaluates its integral for all index combinations at once; the
first indices (those carrying :math:`g'`) run over the first ``n_first`` rows
of ``C`` only, since the equations need them for student units alone.
Arguments of :math:`\arcsin` are clipped to :math:`[-1, 1]` against rounding.

These are private helpers of :mod:`phasetrans.theory`; inputs are not checked.

References
----------
.. [1] D. Saad and S. A. Solla, Phys. Rev. E 52, 4225 (1995), appendix.
.. [2] M. Biehl and H. Schwarze, J. Phys. A 28, 643 (1995).
"""

from __future__ import annotations

import numpy as np

__all__ = ["i2", "i3", "i4"]


def i2(C: np.ndarray) -> np.ndarray:
    r"""All :math:`I_2(a, b)` of a covariance matrix.

    Parameters
    ----------
    C : numpy.ndarray, shape (..., L, L)
        Covariances of the pre-activations, optionally with leading batch axes.

    Returns
    -------
    numpy.ndarray, shape (..., L, L)
        ``out[..., a, b]`` is :math:`\mathbb{E}[g(u_a) g(u_b)]`.
    """
    d = 1.0 + np.diagonal(C, axis1=-2, axis2=-1)
    ratio = C / np.sqrt(d[..., :, None] * d[..., None, :])
    return (2.0 / np.pi) * np.arcsin(np.clip(ratio, -1.0, 1.0))


def i3(C: np.ndarray, n_first: int) -> np.ndarray:
    r"""All :math:`I_3(a, b, c)` with ``a < n_first``.

    Parameters
    ----------
    C : numpy.ndarray, shape (L, L)
        Covariances of the pre-activations.
    n_first : int
        Number of leading units that carry :math:`g'` (the students).

    Returns
    -------
    numpy.ndarray, shape (n_first, L, L)
        ``out[a, b, c]`` is :math:`\mathbb{E}[g'(u_a)\, u_b\, g(u_c)]`.
    """
    d = 1.0 + np.diagonal(C)
    da = d[:n_first, None, None]
    Cab = C[:n_first, :, None]
    Cac = C[:n_first, None, :]
    lambda3 = da * d[None, None, :] - Cac**2
    return (2.0 / np.pi) * (C[None, :, :] * da - Cab * Cac) / (da * np.sqrt(lambda3))


def i4(C: np.ndarray, n_first: int) -> np.ndarray:
    r"""All :math:`I_4(a, b, c, d)` with ``a, b < n_first``.

    Parameters
    ----------
    C : numpy.ndarray, shape (L, L)
        Covariances of the pre-activations.
    n_first : int
        Number of leading units that carry :math:`g'` (the students).

    Returns
    -------
    numpy.ndarray, shape (n_first, n_first, L, L)
        ``out[a, b, c, d]`` is :math:`\mathbb{E}[g'(u_a) g'(u_b) g(u_c) g(u_d)]`.
    """
    k = n_first
    d = 1.0 + np.diagonal(C)
    # axes: a, b, c, d
    da = d[:k, None, None, None]
    db = d[None, :k, None, None]
    dc = d[None, None, :, None]
    dd = d[None, None, None, :]
    Cab = C[:k, :k, None, None]
    Cac = C[:k, None, :, None]
    Cad = C[:k, None, None, :]
    Cbc = C[None, :k, :, None]
    Cbd = C[None, :k, None, :]
    Ccd = C[None, None, :, :]
    lambda4 = da * db - Cab**2
    lambda0 = lambda4 * Ccd - Cbc * Cbd * da - Cac * Cad * db + Cab * Cac * Cbd + Cab * Cad * Cbc
    lambda1 = lambda4 * dc - Cbc**2 * da - Cac**2 * db + 2.0 * Cab * Cac * Cbc
    lambda2 = lambda4 * dd - Cbd**2 * da - Cad**2 * db + 2.0 * Cab * Cad * Cbd
    ratio = np.clip(lambda0 / np.sqrt(lambda1 * lambda2), -1.0, 1.0)
    return (4.0 / np.pi**2) * np.arcsin(ratio) / np.sqrt(lambda4)

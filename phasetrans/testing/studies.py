r"""Synthetic study datasets in the store's layout, with known curves.

- :func:`pruning_study`: pruning curves whose :math:`\Delta` MSE collapses
  across widths with the exponent :data:`NU` at :math:`n = h_T`;
- :func:`swept_study`: a study swept in ``input_dim`` and ``alpha`` whose
  ``teacher_recovered`` has a transition at :data:`ALPHA_C` with exponent
  :data:`NU_ALPHA`, over two disorder levels (``teacher_seed``, ``seed``).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

__all__ = ["ALPHA_C", "NU", "NU_ALPHA", "pruning_study", "swept_study"]

#: Exponent of :func:`pruning_study`'s spectral curves: width W scales n - h_T by W^(1/NU).
NU = 2.0
#: Critical alpha and exponent of :func:`swept_study`'s order parameter.
ALPHA_C, NU_ALPHA = 2.0, 1.0


def pruning_study(
    *,
    teacher_widths: tuple[int, ...] = (10,),
    widths: tuple[int, ...] = (12, 24, 48),
    n_seeds: int = 6,
    trainings: tuple[str, ...] = ("spectral", "direct"),
    classification: bool = False,
    noise: float = 0.02,
    seed: int = 0,
) -> xr.Dataset:
    r"""A study dataset with the schema of :mod:`phasetrans.store` and known pruning curves.

    Parameters
    ----------
    teacher_widths, widths : tuple of int
        :math:`h_T` and the student widths :math:`W`.
    n_seeds : int
        Students per cell (``seed``).
    trainings : tuple of str
        Among ``"spectral"`` and ``"direct"`` (anything else is direct).
    classification : bool
        Add ``test_accuracy = 0.95 - 4 (test_mse - 0.01)`` and set
        ``teacher_kind = "classification"`` (else ``"regression"``).
    noise : float
        Relative noise of every point of a curve.
    seed : int
        Seed of every draw.

    Returns
    -------
    xarray.Dataset
        ``test_mse(..., retained)``, ``importance`` and ``eigenvalue``
        (``(..., node)``, uniform noise), ``dimension`` (:math:`h_T`) and
        ``train_loss``, over ``training``, ``teacher_width``, ``width`` and
        ``seed``; NaN where ``retained`` or ``node`` exceeds the width.

    Notes
    -----
    Spectral students: :math:`\mathrm{MSE}(n) = b + 0.05\,\mathrm{softplus}(-(n - h_T)
    (W/12)^{1/\nu})` minus its value at :math:`n = W`, with :math:`\nu` = :data:`NU`
    and a base :math:`b \in [0.01, 0.011)` per student, so :math:`\Delta` MSE is
    about 0 above :math:`h_T` and rises below it, more steeply for wider students.
    Direct students lose :math:`0.02 (W - n)/W` linearly.  Each point of a curve
    is multiplied by :math:`1 + \sigma\varepsilon` (:math:`\sigma` = ``noise``).
    """
    rng = np.random.default_rng(seed)
    retained = np.arange(max(widths) + 1)
    node = np.arange(max(widths))
    shape = (len(trainings), len(teacher_widths), len(widths), n_seeds)
    mse = np.full((*shape, retained.size), np.nan)
    for m, training in enumerate(trainings):
        for t, h in enumerate(teacher_widths):
            for w, width in enumerate(widths):
                n = retained[: width + 1].astype(float)
                if training == "spectral":
                    curve = 0.05 * np.logaddexp(0.0, -(n - h) * (width / 12) ** (1 / NU))
                else:
                    curve = 0.02 * (width - n) / width
                curve = curve - curve[-1]
                base = 0.01 + 0.001 * rng.random(n_seeds)
                jitter = 1 + noise * rng.standard_normal((n_seeds, n.size))
                mse[m, t, w, :, : n.size] = base[:, None] + curve[None, :] * jitter
    coords = {
        "training": list(trainings),
        "teacher_width": list(teacher_widths),
        "width": list(widths),
        "seed": np.arange(n_seeds),
        "retained": retained,
        "node": node,
        "epoch": [0, 10],
    }
    student = ("training", "teacher_width", "width", "seed")
    importance = rng.random((*shape, node.size))
    exists = node < np.array(widths)[None, None, :, None, None]
    importance = np.where(exists, importance, np.nan)
    data = {
        "test_mse": ((*student, "retained"), mse),
        "importance": ((*student, "node"), importance),
        "eigenvalue": ((*student, "node"), importance / 2),
        "dimension": (student, np.full(shape, float(teacher_widths[0]))),
        "train_loss": ((*student, "epoch"), np.ones((*shape, 2))),
    }
    if classification:
        data["test_accuracy"] = ((*student, "retained"), 0.95 - 4.0 * (mse - 0.01))
    ds = xr.Dataset(data, coords=coords)
    ds.attrs["teacher_kind"] = "classification" if classification else "regression"
    return ds


def swept_study(
    *,
    teacher_seeds: int = 6,
    input_dims: tuple[int, ...] = (4, 8, 16),
    alphas: tuple[float, ...] = tuple(np.linspace(1.5, 2.5, 21)),
    teacher_widths: tuple[int, ...] = (2, 4),
    widths: tuple[int, ...] = (4, 8),
    n_seeds: int = 4,
    seed: int = 0,
) -> xr.Dataset:
    r"""A swept study with the store's layout and a known transition in alpha.

    Parameters
    ----------
    teacher_seeds : int
        Teachers per cell (``teacher_seed``).
    input_dims, alphas : tuple
        The swept size :math:`d` (``input_dim``) and control :math:`\alpha`.
    teacher_widths, widths : tuple of int
        :math:`h_T` and the student widths.
    n_seeds : int
        Students per teacher (``seed``).
    seed : int
        Seed of every draw.

    Returns
    -------
    xarray.Dataset
        ``test_mse(..., retained)``, ``teacher_recovered``, ``teacher_cosine``
        and ``dimension`` over ``training`` (spectral, direct),
        ``teacher_seed``, ``input_dim``, ``alpha``, ``teacher_width``,
        ``width`` and ``seed``; the non-index coordinate
        ``n_train = round(alpha d h_T)``; ``teacher_kind = "regression"``.

    Notes
    -----
    ``teacher_recovered`` is :math:`1/(1 + e^{-(\alpha - \alpha_c) d^{1/\nu}})`
    with :math:`\alpha_c` = :data:`ALPHA_C` and :math:`\nu` = :data:`NU_ALPHA`,
    plus teacher-to-teacher (0.02) and student-to-student (0.01) Gaussian
    noise, clipped to [0, 1]; ``test_mse`` falls with ``retained`` as a
    softplus around :math:`h_T`, as in :func:`pruning_study`.
    """
    rng = np.random.default_rng(seed)
    trainings = ("spectral", "direct")
    retained = np.arange(max(widths) + 1)
    shape = (
        len(trainings), teacher_seeds, len(input_dims), len(alphas),
        len(teacher_widths), len(widths), n_seeds,
    )  # fmt: skip
    d = np.array(input_dims, dtype=float)[None, None, :, None, None, None, None]
    a = np.array(alphas)[None, None, None, :, None, None, None]
    teacher = 0.02 * rng.standard_normal((1, teacher_seeds, 1, 1, 1, 1, 1))
    student = 0.01 * rng.standard_normal(shape)
    recovered = 1.0 / (1.0 + np.exp(-(a - ALPHA_C) * d ** (1 / NU_ALPHA))) + teacher + student
    h = np.array(teacher_widths, dtype=float)[None, None, None, None, :, None, None]
    w = np.array(widths)[None, None, None, None, None, :, None]
    n = retained.astype(float)
    mse = 0.01 + 0.05 * np.logaddexp(0.0, -(n - h[..., None])) * (1 + 0.01 * student[..., None])
    mse = mse - 0.05 * np.logaddexp(0.0, -(w[..., None] - h[..., None]))
    mse = np.where(n <= w[..., None], np.broadcast_to(mse, (*shape, n.size)), np.nan)
    student_dims = (
        "training", "teacher_seed", "input_dim", "alpha", "teacher_width", "width", "seed",
    )  # fmt: skip
    n_train = np.rint(
        np.array(alphas)[None, :, None]
        * np.array(input_dims)[:, None, None]
        * np.array(teacher_widths)[None, None, :]
    ).astype(int)
    coords = {
        "training": list(trainings),
        "teacher_seed": np.arange(teacher_seeds),
        "input_dim": list(input_dims),
        "alpha": list(alphas),
        "teacher_width": list(teacher_widths),
        "width": list(widths),
        "seed": np.arange(n_seeds),
        "retained": retained,
        "n_train": (("input_dim", "alpha", "teacher_width"), n_train),
    }
    data = {
        "test_mse": ((*student_dims, "retained"), mse),
        "teacher_recovered": (student_dims, np.clip(recovered, 0, 1)),
        "teacher_cosine": (student_dims, np.clip(0.5 + 0.5 * recovered, 0, 1)),
        "dimension": (student_dims, np.broadcast_to(h * (1 + 0 * a), shape).copy()),
    }
    ds = xr.Dataset(data, coords=coords)
    ds["alpha"].attrs = {"long_name": "training samples per teacher parameter", "units": "1"}
    ds.attrs["teacher_kind"] = "regression"
    return ds

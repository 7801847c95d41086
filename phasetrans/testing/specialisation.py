r"""A small synthetic specialisation study with a known transition, laid out like a study.

Built on :func:`~phasetrans.testing.transition.critical_ensemble` (fixed seed):
each teacher's students follow :math:`m = F((\alpha - \alpha_c(t)) N / 0.05)`
with :data:`ALPHA_C` = 1 and teacher disorder
:math:`\alpha_c(t) = 1 + 0.3 N^{-1/2} \xi_t`, on :data:`SIZES` = 10, 20, 40,
:math:`\alpha` = 0.6 … 1.4 (9 points), 8 teachers × 4 students.  The
per-teacher-node overlaps are :math:`r_n = r_{sym} + (1 - r_{sym})(m + \text{noise})`
with :data:`R_SYM` = 0.5, so the normalised specialisation
:math:`\mathrm{mean}_n (r_n - r_{sym})/(1 - r_{sym})` is :math:`m` plus node
noise.  Laid out like a study: ``training`` (spectral, and a direct copy whose
transition sits at :math:`\alpha_c = 1.2`), ``teacher_width`` = 4,
``width`` = 16, ``teacher_node``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from phasetrans.names import TIME, at_checkpoints
from phasetrans.testing.transition import critical_ensemble

__all__ = ["ALPHA_C", "R_SYM", "SIZES", "SLOW", "transition_study"]

#: The spectral training's critical point (the direct copy's is 1.2).
ALPHA_C = 1.0
#: The symmetric baseline r_sym of every teacher.
R_SYM = 0.5
#: The sizes (``input_dim``).
SIZES = (10, 20, 40)
#: Cells whose order parameters still move between T/2 and T in the checkpointed study.
SLOW = ({"training": "spectral", "input_dim": 40, "alpha": 1.0},)


def _overlaps(m: xr.DataArray, rng: np.random.Generator) -> xr.Dataset:
    shape = (*m.shape, 4)
    noise = xr.DataArray(rng.normal(0.0, 0.05, shape), dims=(*m.dims, "teacher_node"))
    r = (R_SYM + (1 - R_SYM) * (m.clip(0, 1) + noise)).clip(0, 1)
    return xr.Dataset(
        {
            "overlap_max_weighted": r,
            "overlap_max": (r + 0.02).clip(0, 1),
            "overlap_symmetric": xr.full_like(m, R_SYM),
            "specialisation": r.mean("teacher_node") - R_SYM,
            "teacher_recovered": (r >= 0.9).mean("teacher_node"),
        }
    )


def transition_study(*, checkpoints: bool = False, seed: int = 3) -> xr.Dataset:
    """The synthetic specialisation study (see the module docstring).

    Parameters
    ----------
    checkpoints : bool
        Add checkpoints T/2 and T: ``specialisation`` and the per-teacher-node
        ``overlap_max_weighted`` and ``overlap_max`` at checkpoints (dims ...,
        ``teacher_node``, ``time``), 0.1 lower at T/2 in the :data:`SLOW`
        cells and equal elsewhere; ``time_step`` 1000 and 2000.
    seed : int
        Seed of the ensembles and of the node noise.

    Returns
    -------
    xarray.Dataset
        ``overlap_max_weighted``, ``overlap_max`` (per teacher node),
        ``overlap_symmetric``, ``specialisation`` and ``teacher_recovered``
        (the fraction of nodes with :math:`r_n \\ge 0.9`) over ``training``,
        ``input_dim``, ``alpha``, ``teacher_seed``, ``seed``,
        ``teacher_width`` and ``width``; attributes ``study_name``,
        ``study_hash`` and ``teacher_kind = "committee"``.
    """
    rng = np.random.default_rng(seed)
    alpha = np.linspace(0.6, 1.4, 9)
    parts = []
    for alpha_c in (ALPHA_C, 1.2):
        base = critical_ensemble(
            sizes=SIZES, alpha=alpha, alpha_c=alpha_c, disorder=0.3, n_teachers=8,
            n_students=4, seed=seed,
        )  # fmt: skip
        parts.append(_overlaps(base["teacher_recovered"], rng))
    ds = xr.concat(parts, dim=xr.DataArray(["spectral", "direct"], dims="training"))
    ds = ds.assign_coords(teacher_node=np.arange(4), training=["spectral", "direct"])
    ds = ds.expand_dims(teacher_width=[4], width=[16]).transpose("training", ...)
    if checkpoints:
        late = xr.DataArray([0.0, 1.0], dims=TIME)
        moving = xr.zeros_like(ds["specialisation"])
        for cell in SLOW:
            moving.loc[cell] = 0.1
        for name in ("specialisation", "overlap_max_weighted", "overlap_max"):
            ds[at_checkpoints(name)] = ds[name] - moving * (1 - late)
        ds = ds.assign_coords(time_step=(TIME, [1000, 2000]))
    ds.attrs = {
        "study_name": "synthetic_specialisation",
        "study_hash": "synthetic",
        "teacher_kind": "committee",
    }
    return ds

"""A small synthetic specialisation study with a known transition, for the report's tests.

Built on :func:`~phasetrans.analysis.transition.synthetic.critical_ensemble`
(fixed seed): each teacher's students follow m = F((alpha - alpha_c(t)) N / 0.05)
with alpha_c = 1 and teacher disorder alpha_c(t) = 1 + 0.3 N^(-1/2) xi_t, on
N = 10, 20, 40, alpha = 0.6 ... 1.4 (9 points), 8 teachers x 4 students.  The
per-teacher-node overlaps are r_n = r_sym + (1 - r_sym)(m + noise) with
r_sym = 0.5, so the normalised specialisation mean_n (r_n - r_sym)/(1 - r_sym) is
m plus node noise.  Laid out like a study: ``training`` (spectral, and a
direct copy whose transition sits at alpha_c = 1.2), ``teacher_width`` = 4,
``width`` = 16, ``teacher_node``.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.transition.synthetic import critical_ensemble
from phasetrans.names import TIME, at_checkpoints

ALPHA_C = 1.0
R_SYM = 0.5
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
    """The synthetic study; ``checkpoints`` adds checkpoints T/2 and T, the SLOW cells moving.

    At checkpoints: ``specialisation`` and the per-teacher-node ``overlap_max_weighted`` and
    ``overlap_max`` (dims ..., teacher_node, time), 0.1 lower at T/2 in the SLOW cells.
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


@pytest.fixture(scope="session")
def specialisation_study() -> xr.Dataset:
    return transition_study()

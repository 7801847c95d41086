"""Fixtures of the report's tests: the synthetic specialisation and teachers-shaped studies.

The study (:func:`phasetrans.testing.transition_study`) has a known transition at
alpha_c = 1 on N = 10, 20, 40 with 8 teachers x 4 students; see
:mod:`phasetrans.testing.specialisation`.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans.testing.specialisation import transition_study
from phasetrans.testing.studies import pruning_study


@pytest.fixture(scope="session")
def specialisation_study() -> xr.Dataset:
    return transition_study()


@pytest.fixture(scope="session")
def teachers_study() -> xr.Dataset:
    """A study shaped like ``studies/teachers.toml``: h_T = 4, 8, 16, one student width (32),
    spectral only, 4 teachers x 3 students (:func:`phasetrans.testing.studies.pruning_study`
    per teacher; softplus pruning curves, so the paper's exponential does not fit them)."""
    parts = [
        pruning_study(
            teacher_widths=(4, 8, 16), widths=(32,), n_seeds=3, trainings=("spectral",), seed=t
        )
        for t in range(4)
    ]
    ds = xr.concat(parts, dim="teacher_seed").assign_coords(teacher_seed=np.arange(4))
    ds["dimension"] = xr.zeros_like(ds["dimension"]) + ds["teacher_width"]
    ds["teacher_recovered"] = xr.ones_like(ds["dimension"])
    ds.attrs = {
        "study_name": "teachers-like",
        "teacher_kind": "regression",
        "study_toml": 'name = "teachers-like"\ndescription = "three teacher sizes, 4 teachers"\n',
    }
    return ds

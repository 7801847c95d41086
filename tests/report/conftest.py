"""Fixtures of the report's tests: the synthetic specialisation study.

The study (:func:`phasetrans.testing.transition_study`) has a known transition at
alpha_c = 1 on N = 10, 20, 40 with 8 teachers x 4 students; see
:mod:`phasetrans.testing.specialisation`.
"""

from __future__ import annotations

import pytest
import xarray as xr

from phasetrans.testing.specialisation import transition_study


@pytest.fixture(scope="session")
def specialisation_study() -> xr.Dataset:
    return transition_study()

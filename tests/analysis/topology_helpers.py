"""Helpers of the topology tests: brute-force path magnitudes, and reading a study file.

The synthetic studies and permuted teachers themselves are built by
:mod:`phasetrans.testing.topology`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr


def brute_force_paths(w1: np.ndarray, w2: np.ndarray, nodes) -> np.ndarray:
    """Sorted :math:`|w_1[i, j] w_2[j, k]|` over every input i, node j in ``nodes`` and output k."""
    out = [
        abs(w1[i, j] * w2[j, k])
        for i in range(w1.shape[0])
        for j in nodes
        for k in range(w2.shape[1])
    ]
    return np.sort(np.array(out))


def read_study(path: Path) -> xr.Dataset:
    """Merge a study file's root with its groups, as ``open_study`` does."""
    with (
        xr.open_dataset(path) as root,
        xr.open_dataset(path, group="weights") as weights,
        xr.open_dataset(path, group="teacher") as teacher,
    ):
        teacher = teacher.rename(w1="teacher_w1", w2="teacher_w2")
        return xr.merge([root, weights, teacher], compat="no_conflicts", join="outer").load()

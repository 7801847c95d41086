r"""Checkpoints with a known relaxation, added to a study's final values.

:func:`with_checkpoints` gives order parameters values at checkpoints that
relax exponentially onto their final value, fast in most cells and slowly in
chosen ones, so a stationarity test must find exactly the slow cells.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from phasetrans.names import TIME, at_checkpoints

__all__ = ["BUDGET", "ORDER_PARAMETERS", "SAMPLE_SLOW", "with_checkpoints"]

#: The order parameters given checkpoints by default.
ORDER_PARAMETERS = ("dimension", "teacher_recovered", "teacher_cosine")
#: Default slow cells: two cells of the shipped sample study (``phasetrans.sample_path()``).
SAMPLE_SLOW: tuple[Mapping[str, Any], ...] = (
    {"training": "spectral", "width": 16},
    {"training": "direct", "width": 128},
)
#: The time budget T (the last checkpoint's ``time_step``).
BUDGET = 3000


def with_checkpoints(
    ds: xr.Dataset,
    slow: Sequence[Mapping[str, Any]] = SAMPLE_SLOW,
    *,
    variables: Sequence[str] = ORDER_PARAMETERS,
    budget: int = BUDGET,
) -> xr.Dataset:
    r"""``ds`` plus the order parameters at checkpoints, relaxing onto their final values.

    :math:`x(t) = x + 0.3 (e^{-t/\tau} - e^{-T/\tau})` for every order parameter
    :math:`x` (``X_time``).

    Parameters
    ----------
    ds : xarray.Dataset
        A study with the ``variables`` over the student dims (``seed`` among
        them) and ``dimension``.
    slow : sequence of mapping
        Cells (selections of the student dims other than ``seed``) that are
        still relaxing at :math:`T`: :math:`\tau = T` there, :math:`T/100`
        elsewhere.
    variables : sequence of str
        The order parameters given checkpoints.
    budget : int
        :math:`T`, the last checkpoint's ``time_step``.

    Returns
    -------
    xarray.Dataset
        A loaded copy of ``ds`` with :func:`~phasetrans.names.at_checkpoints`
        ``(X)`` over the student dims and ``time``: 8 log-spaced checkpoints
        :math:`T/128 \ldots T` (coordinates ``time_step`` and
        ``time_epoch = time_step / 10``); the last equals the final value.
        At :math:`T/2` a slow cell differs from its final value by
        :math:`0.3 (e^{-1/2} - e^{-1}) \approx 0.07`, a fast one by
        :math:`e^{-50}`.
    """
    ds = ds.load().copy()
    steps = (budget * 2.0 ** np.arange(-7, 1)).astype(np.int64)
    tau = xr.full_like(ds["dimension"].isel(seed=0, drop=True), budget / 100)
    for cell in slow:
        tau.loc[cell] = budget
    t = xr.DataArray(steps.astype(float), dims=TIME)
    relaxing = 0.3 * (np.exp(-t / tau) - np.exp(-budget / tau))
    for name in variables:
        ds[at_checkpoints(name)] = ds[name] + relaxing
    return ds.assign_coords(time_step=(TIME, steps), time_epoch=(TIME, steps / 10))

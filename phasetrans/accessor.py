"""The ``.pt`` accessor: phasetrans analyses as methods of a study Dataset in Jupyter.

Registered when :mod:`phasetrans` is imported. Every method only forwards to a
plain function of :mod:`phasetrans.analysis`, :mod:`phasetrans.summary` or
:mod:`phasetrans.plots`, so the same analyses work on data from anywhere.

Examples
--------
>>> import phasetrans
>>> ds = phasetrans.open_study("data/quick.nc")  # doctest: +SKIP
>>> ds.pt.summary()  # doctest: +SKIP
>>> ds.pt.collapse(training="spectral", bootstrap=100).report()  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import xarray as xr

__all__ = ["StudyAccessor"]


@xr.register_dataset_accessor("pt")
class StudyAccessor:
    """Forwarding methods on a phasetrans study dataset (``ds.pt.<method>``)."""

    def __init__(self, ds: xr.Dataset) -> None:
        self._ds = ds

    def summary(self) -> xr.Dataset:
        """Dimension and test MSE around h_T per (training, teacher width, width).

        See :func:`phasetrans.summary.summarize`.
        """
        from phasetrans.summary import summarize

        return summarize(self._ds)

    def dimension(self, training: str | None = None) -> xr.DataArray:
        """Effective dimension, mean over seeds (optionally of one training)."""
        dim = self._ds["dimension"].mean("seed")
        return dim if training is None else dim.sel(training=training)

    def observable(self, name: str = "delta_mse") -> xr.DataArray:
        """An observable of the transition (see :mod:`phasetrans.analysis.observables`)."""
        from phasetrans.analysis.observables import OBSERVABLES

        if name not in OBSERVABLES:
            raise ValueError(f"observable={name!r}; allowed: {list(OBSERVABLES)}")
        return OBSERVABLES[name](self._ds)

    def collapse(
        self,
        observable: str = "delta_mse",
        *,
        training: str = "spectral",
        teacher_width: int | None = None,
        control: str = "shift",
        **kwargs: Any,
    ) -> Any:
        """Finite-size-scaling collapse of one (training, teacher width) slice across widths.

        Builds the array with :func:`phasetrans.analysis.observables.collapse_array`
        and passes it, with ``kwargs``, to :func:`phasetrans.analysis.scaling.collapse`
        (``size_dim="width"``, ``control_dim="control"``, ``sample_dim="seed"``).
        """
        from phasetrans.analysis.observables import collapse_array
        from phasetrans.analysis.scaling import collapse

        da = collapse_array(
            self._ds, observable, training=training, teacher_width=teacher_width, control=control
        )
        return collapse(da, "width", "control", sample_dim="seed", **kwargs)

    def topology(self, **kwargs: Any) -> xr.Dataset:
        """Teacher–student topology metrics.

        See :func:`phasetrans.analysis.topology.compare_topology`.
        """
        from phasetrans.analysis.topology import compare_topology

        return compare_topology(self._ds, **kwargs)

    def plot_pruning_curves(self, **kwargs: Any) -> Any:
        """Figure of test MSE against retained nodes.

        See :func:`phasetrans.plots.pruning.plot_pruning_curves`.
        """
        from phasetrans.plots.pruning import plot_pruning_curves

        return plot_pruning_curves(self._ds, **kwargs)

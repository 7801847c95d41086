"""phasetrans: the statistical physics of teacher-student neural networks.

Train overparameterized spectral students on a fixed teacher, prune them by
their eigenvalues, store the pruning curves as netCDF studies and analyse the
transition with finite-size scaling, exponent fits and topology comparisons.

Importing the package does not import torch; the training backend is loaded
on first use of :func:`run_study`. It registers the ``.pt`` accessor on
``xarray.Dataset`` (see :mod:`phasetrans.accessor`).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from phasetrans import accessor as _accessor  # noqa: F401  (registers ``ds.pt``)
from phasetrans.analysis import plotting as _plotting
from phasetrans.errors import ConfigError, PhasetransWarning, StudyError
from phasetrans.version import __version__

# ``result.plot()`` finds its figure in a registry that phasetrans.plots fills on import;
# the analysis never imports the plots, so the package imports them on the first figure.
_plotting.set_loader(lambda: import_module("phasetrans.plots"))

_LAZY = {
    "load_study": "phasetrans.config",
    "open_study": "phasetrans.store",
    "run_study": "phasetrans.runner",
    "combine_study": "phasetrans.runner",
    "collapse": "phasetrans.analysis.scaling",
    "fit_transition": "phasetrans.analysis.exponents",
    "compare_models": "phasetrans.analysis.exponents",
    "compare_topology": "phasetrans.analysis.topology",
    "describe": "phasetrans.analysis.describe",
    "disorder_average": "phasetrans.analysis.disorder",
    "susceptibility": "phasetrans.analysis.disorder",
    "binder_cumulant": "phasetrans.analysis.disorder",
    "transition": "phasetrans.analysis.transition",
    "compare_transitions": "phasetrans.analysis.transition",
    "stationarity": "phasetrans.analysis.stationarity",
    "add_overlaps": "phasetrans.analysis.overlaps",
    "sample_path": "phasetrans.data",
    "open_sample": "phasetrans.data",
}

__all__ = [
    "ConfigError",
    "PhasetransWarning",
    "StudyError",
    "__version__",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'phasetrans' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

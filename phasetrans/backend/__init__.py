"""Torch training backend: the only subpackage that imports torch.

It knows nothing of xarray, dask or files: it takes plain specs and arrays and
returns numpy arrays in small dataclasses (see :mod:`phasetrans.backend.task`).
"""

from phasetrans.backend.task import BlockResult, BlockSpec, run_block

__all__ = ["BlockResult", "BlockSpec", "run_block"]

"""Devices, dtypes and versions: where a block's tensors live.

The runner plans and places tasks; only this backend module asks torch which
devices exist, so ``import torch`` stays inside :mod:`phasetrans.backend`.
"""

from __future__ import annotations

import numpy as np
import torch

from phasetrans.errors import ConfigError

__all__ = [
    "DTYPES",
    "cuda_device_count",
    "device_kind",
    "resolve_device",
    "to_host",
    "torch_version",
    "worker_device",
]

#: torch dtype of each ``run.dtype``.
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def resolve_device(device: str) -> torch.device:
    """Map ``"auto" | "cpu" | "cuda"`` to a torch device (``auto``: CUDA if present)."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' requested but torch.cuda.is_available() is False")
    return torch.device(device)


def to_host(a: torch.Tensor) -> np.ndarray:
    """``a`` as a numpy array in host memory (detached)."""
    return a.detach().cpu().numpy()


def cuda_device_count() -> int:
    """Number of CUDA devices visible to this process (0 without CUDA)."""
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def device_kind(device: str) -> str:
    """Resolve a study's ``run.device`` to the kind of device its numbers come from.

    Parameters
    ----------
    device : str
        ``"auto"`` (CUDA when present, else CPU), ``"cpu"`` or ``"cuda"``.

    Returns
    -------
    str
        ``"cpu"`` or ``"cuda"``.

    Raises
    ------
    ConfigError
        For ``"cuda"`` on a machine without CUDA, or an unknown device.
    """
    if device == "auto":
        return "cuda" if cuda_device_count() else "cpu"
    if device == "cuda" and not cuda_device_count():
        raise ConfigError(
            "run.device = 'cuda' is not available on this machine (torch finds no CUDA "
            "device); use 'cpu' or 'auto'",
            field="run.device",
            value=device,
        )
    if device not in ("cpu", "cuda"):
        raise ConfigError(
            f"run.device = {device!r} is invalid: use 'auto', 'cpu' or 'cuda'",
            field="run.device",
            value=device,
        )
    return device


def worker_device(kind: str, worker_index: int | None) -> str:
    """The torch device a task of device kind ``kind`` uses on a given worker.

    On CUDA, worker ``i`` of a cluster uses ``cuda:<i mod device count>`` so
    that one worker per GPU keeps each GPU busy; in-process runs use ``cuda:0``.
    """
    if kind != "cuda":
        return kind
    count = max(cuda_device_count(), 1)
    return f"cuda:{(worker_index or 0) % count}"


def torch_version() -> str:
    """The torch version (recorded in every dataset)."""
    return str(torch.__version__)

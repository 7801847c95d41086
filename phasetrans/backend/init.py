"""Weight initialisers shared by teachers and students (Keras conventions)."""

from __future__ import annotations

import math

import torch

__all__ = ["glorot_uniform"]


def glorot_uniform(
    fan_in: int,
    fan_out: int,
    generator: torch.Generator,
    *,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Draw a ``(fan_in, fan_out)`` matrix from Glorot's uniform distribution.

    Parameters
    ----------
    fan_in, fan_out : int
        Sizes of the layers the matrix connects.
    generator : torch.Generator
        Source of randomness (CPU generator); consumed in a fixed order.
    dtype : torch.dtype
        Floating type of the result.

    Returns
    -------
    torch.Tensor
        Entries uniform on ``[-limit, limit]`` with
        ``limit = sqrt(6 / (fan_in + fan_out))`` (Keras' default).
    """
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    u = torch.rand((fan_in, fan_out), generator=generator, dtype=torch.float64)
    return ((2.0 * u - 1.0) * limit).to(dtype)

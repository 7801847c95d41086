"""Optimiser updates of a pack's flat buffers: Adam and plain SGD, element-wise.

:func:`adam_update` is Adam (``torch._fused_adam_`` where available) on flat
buffers, each a multiple of :data:`~phasetrans.backend.member_step.FLAT_ALIGN`
long, so that the vectorised loops of the element-wise kernels never fall back
to a scalar tail (which may round differently) at a position that depends on
the pack size; :func:`sgd_update` is plain SGD on the same buffers.
"""

from __future__ import annotations

import math

import torch

__all__ = ["adam_update", "sgd_update"]


def adam_update(
    params: list[torch.Tensor],
    grads: list[torch.Tensor],
    exp_avgs: list[torch.Tensor],
    exp_avg_sqs: list[torch.Tensor],
    step: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> None:
    """One Adam update of flat buffers of equal step count and learning rate.

    ``step`` is the 1-based step count. Entries whose gradient and moments are
    zero do not move. Runs ``torch._fused_adam_`` (one vectorised pass per
    buffer) where this torch has it on the buffers' device, else
    :func:`_adam_eager`; either is element-wise, so an entry's numbers do not
    depend on the other entries of its buffer (each buffer's length is a
    multiple of :data:`FLAT_ALIGN`, so no entry falls in a scalar tail).
    """
    device = params[0].device
    fused = _FUSED.get(device.type)
    if fused is not False:
        steps = [torch.full((), float(step), dtype=torch.float32, device=device)]
        try:
            torch._fused_adam_(
                params,
                grads,
                exp_avgs,
                exp_avg_sqs,
                [],
                steps * len(params),
                lr=lr,
                beta1=beta1,
                beta2=beta2,
                weight_decay=0.0,
                eps=eps,
                amsgrad=False,
                maximize=False,
            )
            _FUSED[device.type] = True
            return
        except (AttributeError, RuntimeError, NotImplementedError):
            if fused:  # it ran here before: a real error
                raise
            _FUSED[device.type] = False
    for p, g, m, v in zip(params, grads, exp_avgs, exp_avg_sqs, strict=True):
        _adam_eager(p, g, m, v, step, lr, beta1, beta2, eps)


def sgd_update(params: list[torch.Tensor], grads: list[torch.Tensor], lr: float) -> None:
    """One plain SGD update (no momentum) ``p ← p − lr · g`` of flat buffers.

    ``torch.optim.SGD``'s arithmetic (``torch._foreach_add_`` with ``alpha = −lr``),
    element-wise, so an entry's numbers do not depend on the other entries.
    Entries whose gradient is zero do not move.
    """
    torch._foreach_add_(params, grads, alpha=-lr)


#: Whether ``torch._fused_adam_`` runs on a device type (absent: not tried yet).
_FUSED: dict[str, bool] = {}


def _adam_eager(
    params: torch.Tensor,
    grad: torch.Tensor,
    exp_avg: torch.Tensor,
    exp_avg_sq: torch.Tensor,
    step: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> None:
    """``torch.optim.Adam``'s single-tensor arithmetic on one flat buffer."""
    bias_correction1 = 1.0 - math.pow(beta1, step)
    bias_correction2_sqrt = math.sqrt(1.0 - math.pow(beta2, step))
    exp_avg.lerp_(grad, 1.0 - beta1)
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1.0 - beta2)
    denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
    step_size = torch.tensor(lr / bias_correction1, dtype=torch.float64).to(params.dtype)
    params.sub_(step_size * exp_avg / denom)

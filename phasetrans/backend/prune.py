"""Node importance, effective dimension and the pruning sweep.

The sweep evaluates a student with its top-``n`` nodes kept for **every**
``n = 0 … W`` in one pass: nodes are sorted by importance, the first hidden
layer's activations are computed once, and the second layer's
pre-activation for every retained count is a cumulative sum over the sorted
nodes. The cost is ``O(N·W·h2)`` instead of ``O(N·W²·h2)`` for ``W + 1``
separate prune-and-evaluate passes; samples are processed in chunks so the
``(chunk, W + 1, h2)`` intermediate stays bounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

__all__ = [
    "SweepResult",
    "committee_pruning_sweep",
    "effective_dimension",
    "importance",
    "prune_mask",
    "pruning_sweep",
]

#: Elements of the ``(members, chunk, h2, W + 1)`` working buffer (2 MiB in float32).
_CHUNK_ELEMENTS = 1 << 19


def importance(lambda_out: torch.Tensor, phi: torch.Tensor) -> torch.Tensor:
    """Rescaled eigenvalues ``r_i = |λ_out[i]| · ‖φ[:, i]‖₂ · √W``.

    Parameters
    ----------
    lambda_out : torch.Tensor
        ``(..., W)`` output eigenvalues (ones for the direct methods).
    phi : torch.Tensor
        ``(..., d, W)`` eigenvectors.

    Returns
    -------
    torch.Tensor
        ``(..., W)`` importance of every node.

    Notes
    -----
    With ``λ_in = 0`` (the paper's setting) this is ``‖W[:, i]‖₂ · √W``, the
    norm of the node's incoming effective weights rescaled by the width so
    that students of different widths compare.
    """
    width = phi.shape[-1]
    return lambda_out.abs() * torch.linalg.vector_norm(phi, dim=-2) * math.sqrt(width)


def effective_dimension(importance: torch.Tensor, threshold: float = 0.05) -> torch.Tensor:
    """Number of nodes with ``r_i / max_i r_i > threshold``, shape ``(...)``.

    A student whose importances are all zero has dimension 0.
    """
    top = importance.amax(dim=-1, keepdim=True)
    relative = torch.where(top > 0, importance / top, torch.zeros_like(importance))
    return (relative > threshold).sum(dim=-1)


def prune_mask(importance: torch.Tensor, retained: int) -> torch.Tensor:
    """Boolean ``(..., W)`` mask of the top-``retained`` nodes (ties: lower index first)."""
    order = torch.sort(importance, dim=-1, descending=True, stable=True).indices
    mask = torch.zeros_like(importance, dtype=torch.bool)
    return mask.scatter(-1, order[..., :retained], True)


@dataclass(frozen=True)
class SweepResult:
    """Test metrics for every retained count.

    Attributes
    ----------
    mse : torch.Tensor
        ``(S, W + 1)``: entry ``[s, n]`` is the test MSE of member ``s`` with
        its ``n`` most important nodes kept (for classification, the MSE of the
        sigmoid output against the 0/1 label, i.e. the Brier score).
    accuracy : torch.Tensor or None
        ``(S, W + 1)`` test accuracy for classification, else None.
    """

    mse: torch.Tensor
    accuracy: torch.Tensor | None


@torch.no_grad()
def pruning_sweep(
    w1: torch.Tensor,
    w2: torch.Tensor,
    importance: torch.Tensor,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    bias: torch.Tensor | None = None,
    classification: bool = False,
    chunk_size: int | None = None,
) -> SweepResult:
    """Evaluate every member with its top-``n`` nodes kept, for all ``n``, in one pass.

    Parameters
    ----------
    w1 : torch.Tensor
        ``(S, d, W)`` effective first-layer weights.
    w2 : torch.Tensor
        ``(S, W, h2)`` second-layer weights.
    importance : torch.Tensor
        ``(S, W)`` node importance; larger is kept first.
    x, y : torch.Tensor
        ``(N, d)`` test inputs and ``(N,)`` targets.
    bias : torch.Tensor, optional
        ``(S,)`` output offsets (classification logits).
    classification : bool
        Report the Brier score as ``mse`` and the accuracy of ``logit > 0``.
    chunk_size : int, optional
        Test samples per chunk; by default sized so the ``(S, chunk, h2, W + 1)``
        working buffer holds about :data:`_CHUNK_ELEMENTS` elements and stays
        in cache.

    Returns
    -------
    SweepResult

    Notes
    -----
    For sample ``b`` and second-layer node ``k`` the pre-activation with the
    top-``n`` nodes kept is ``P[b, k, n] = Σ_{m<n} h1[b, σ_m] w2[σ_m, k]``
    (``σ`` the importance order), a cumulative sum along the node axis. The
    buffer is laid out ``(S, chunk, h2, W + 1)`` so the sum runs over the
    contiguous axis, and it is allocated once and reused for every chunk.
    """
    members, _, width = w1.shape
    hidden2 = w2.shape[-1]
    order = torch.sort(importance, dim=-1, descending=True, stable=True).indices
    w1s = torch.gather(w1, 2, order.unsqueeze(1).expand_as(w1))  # (S, d, W)
    w2s = torch.gather(w2, 1, order.unsqueeze(-1).expand_as(w2))  # (S, W, h2)
    w2t = w2s.transpose(1, 2).unsqueeze(1).contiguous()  # (S, 1, h2, W)
    if bias is None:
        bias = torch.zeros(members, dtype=w1.dtype, device=w1.device)
    if chunk_size is None:
        chunk_size = max(1, _CHUNK_ELEMENTS // (members * (width + 1) * hidden2))
    chunk_size = min(chunk_size, x.shape[0])
    buf = torch.zeros((members, chunk_size, hidden2, width + 1), dtype=w1.dtype, device=w1.device)
    out = torch.empty((members, chunk_size, width + 1), dtype=w1.dtype, device=w1.device)
    sq_err = torch.zeros((members, width + 1), dtype=torch.float64, device=w1.device)
    correct = torch.zeros_like(sq_err)
    for start in range(0, x.shape[0], chunk_size):
        xb, yb = x[start : start + chunk_size], y[start : start + chunk_size]
        b = xb.shape[0]
        pre, o = buf[:, :b], out[:, :b]
        h1 = torch.relu(torch.einsum("bj,sji->sbi", xb, w1s))  # (S, b, W)
        torch.mul(h1.unsqueeze(2), w2t, out=pre[..., 1:])  # column 0 stays 0: nothing kept
        torch.cumsum(pre, dim=-1, out=pre)
        pre.relu_()
        torch.sum(pre, dim=2, out=o)
        o.add_(bias.view(-1, 1, 1))
        target = yb.view(1, -1, 1)
        if classification:
            correct += ((o > 0).to(yb.dtype) == target).sum(1, dtype=torch.float64)
            o.sigmoid_()
        sq_err += (o - target).square_().sum(1, dtype=torch.float64)
    n = x.shape[0]
    mse = (sq_err / n).to(w1.dtype)
    accuracy = (correct / n).to(w1.dtype) if classification else None
    return SweepResult(mse, accuracy)


@torch.no_grad()
def committee_pruning_sweep(
    w1: torch.Tensor,
    readout: torch.Tensor,
    importance: torch.Tensor,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    activation: str,
    chunk_size: int = 2048,
) -> SweepResult:
    """:func:`pruning_sweep` for committee students ``Σ_i v_i g(w_i · x / √d)``.

    Parameters
    ----------
    w1 : torch.Tensor
        ``(S, d, W)`` effective first-layer weights.
    readout : torch.Tensor
        ``(S, W)`` readout weights ``v``.
    importance : torch.Tensor
        ``(S, W)`` node importance; larger is kept first.
    x, y : torch.Tensor
        ``(N, d)`` test inputs and ``(N,)`` targets.
    activation : {"relu", "erf"}
        The students' hidden activation.
    chunk_size : int
        Test samples per chunk.

    Returns
    -------
    SweepResult
        ``mse[s, n]``: the test MSE with the top-``n`` nodes kept. The output
        with ``n`` nodes kept is the cumulative sum of the sorted nodes'
        contributions ``v_i g(λ_i)``, so every count costs one pass.
    """
    from phasetrans.backend.teacher import activate

    members, d, width = w1.shape
    order = torch.sort(importance, dim=-1, descending=True, stable=True).indices
    w1s = torch.gather(w1, 2, order.unsqueeze(1).expand_as(w1))
    vs = torch.gather(readout, 1, order)
    sq_err = torch.zeros((members, width + 1), dtype=torch.float64, device=w1.device)
    for start in range(0, x.shape[0], chunk_size):
        xb, yb = x[start : start + chunk_size], y[start : start + chunk_size]
        h = activate(torch.einsum("bj,sji->sbi", xb, w1s) / math.sqrt(d), activation)
        out = torch.zeros((members, xb.shape[0], width + 1), dtype=w1.dtype, device=w1.device)
        torch.cumsum(h * vs.unsqueeze(1), dim=-1, out=out[..., 1:])
        sq_err += (out - yb.view(1, -1, 1)).square().sum(1, dtype=torch.float64)
    return SweepResult((sq_err / x.shape[0]).to(w1.dtype), None)

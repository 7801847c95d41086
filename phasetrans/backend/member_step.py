"""The member step: every student of a pack trained by its own batched matmuls.

:func:`member_grads` computes the gradients of ``S`` students, each on **its
own** batch ``x[s]`` (``(S, B, d)``), with one ``torch.bmm`` per layer and
direction: member ``s``'s numbers come from matrix products of ``s``'s
operands alone, with shapes that do not depend on ``S``. Element-wise work
is element-wise, and the reductions run along a member's own axes. A
student's numbers therefore never depend on which other students share its
ensemble: on CPU with one thread, a pack is **bitwise** the same as the
students run one cell at a time (the test of :mod:`phasetrans.backend.pack`).

:func:`adam_update` is ``torch.optim.Adam``'s arithmetic on one flat buffer;
the buffer length is padded to a multiple of :data:`FLAT_ALIGN`, so that the
vectorised loops of the element-wise kernels never fall back to a scalar tail
(which may round differently) at a position that depends on the pack size.

The mathematics are those of :func:`phasetrans.backend.step.fast_step`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

__all__ = ["FLAT_ALIGN", "MemberLayout", "adam_update", "member_grads"]

#: Flat buffers are padded to a multiple of this many elements.
FLAT_ALIGN = 256


@dataclass(frozen=True)
class MemberLayout:
    """Where each tensor of ``S`` students lies in a flat buffer (tensor-major).

    Attributes
    ----------
    members, input_dim, width, hidden2 : int
        Shapes.
    train_lambda_in, train_lambda_out, train_bias : bool
        Which optional factors train.
    """

    members: int
    input_dim: int
    width: int
    hidden2: int
    train_lambda_in: bool
    train_lambda_out: bool
    train_bias: bool

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Shapes of the trainable tensors, in their order in the buffer."""
        s, d, w, h = self.members, self.input_dim, self.width, self.hidden2
        out: dict[str, tuple[int, ...]] = {"phi": (s, d, w)}
        if self.train_lambda_in:
            out["lambda_in"] = (s, d)
        if self.train_lambda_out:
            out["lambda_out"] = (s, w)
        out["w2"] = (s, w, h)
        if self.train_bias:
            out["bias"] = (s,)
        return out

    def size(self) -> int:
        """Buffer length: the tensors, padded to a multiple of :data:`FLAT_ALIGN`."""
        used = sum(math.prod(shape) for shape in self.shapes().values())
        return -(-used // FLAT_ALIGN) * FLAT_ALIGN

    def views(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """Views of ``flat`` with the shapes of :meth:`shapes`."""
        out, start = {}, 0
        for name, shape in self.shapes().items():
            n = math.prod(shape)
            out[name] = flat[start : start + n].view(shape)
            start += n
        return out

    def member_of(self, device: torch.device) -> torch.Tensor:
        """``(size,)`` int64: the member owning each entry (``members`` for the padding)."""
        owner = torch.full((self.size(),), self.members, dtype=torch.int64, device=device)
        for view, shape in zip(self.views(owner).values(), self.shapes().values(), strict=True):
            ids = torch.arange(self.members, device=device)
            view.copy_(ids.view(-1, *([1] * (len(shape) - 1))).expand(shape))
        return owner


def member_grads(
    p: dict[str, torch.Tensor],
    g: dict[str, torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    l2_eigenvalues: torch.Tensor,
    l2_eigenvectors: float,
    l2_dense: float,
    group_lasso: float,
    classification: bool,
) -> torch.Tensor:
    """Write the gradients of ``S`` students, each on its own batch, into ``g``.

    Parameters
    ----------
    p : dict of str to torch.Tensor
        ``phi (S, d, W)``, ``lambda_in (S, d)``, ``lambda_out (S, W)``,
        ``w2 (S, W, h2)``, ``bias (S,)``.
    g : dict of str to torch.Tensor
        Gradient views to fill, for the trainable names only.
    x, y : torch.Tensor
        ``(S, B, d)`` inputs and ``(S, B)`` targets: member ``s`` trains on ``x[s]``.
    l2_eigenvalues : torch.Tensor
        ``(S, 1)`` coefficient of each member (a sweep may vary it).
    l2_eigenvectors, l2_dense, group_lasso : float
        Coefficients shared by the pack.
    classification : bool
        Binary cross-entropy on logits instead of MSE.

    Returns
    -------
    torch.Tensor
        ``(S,)`` data loss of each member on its batch (before the update).
    """
    phi, lam_in, lam_out, w2, bias = (
        p["phi"],
        p["lambda_in"],
        p["lambda_out"],
        p["w2"],
        p["bias"],
    )
    batch = x.shape[1]
    diff = lam_in.unsqueeze(-1) - lam_out.unsqueeze(-2)  # (S, d, W)
    w1 = phi * diff
    z1 = torch.bmm(x, w1)  # (S, B, W)
    h1 = torch.relu(z1)
    z2 = torch.bmm(h1, w2)  # (S, B, h2)
    out = torch.relu(z2).sum(-1) + bias.unsqueeze(-1)  # (S, B)
    if classification:
        loss = torch.nn.functional.binary_cross_entropy_with_logits(out, y, reduction="none").mean(
            -1
        )
        g_out = (torch.sigmoid(out) - y) / batch
    else:
        err = out - y
        loss = err.square().mean(-1)
        g_out = err * (2.0 / batch)
    g_z2 = torch.where(z2 > 0, g_out.unsqueeze(-1), 0.0)  # (S, B, h2)
    torch.bmm(h1.transpose(1, 2), g_z2, out=g["w2"])
    if l2_dense:
        g["w2"].add_(w2 * (2.0 * l2_dense))
    g_h1 = torch.bmm(g_z2, w2.transpose(1, 2))  # (S, B, W)
    g_z1 = torch.where(z1 > 0, g_h1, 0.0)
    g_w1 = torch.bmm(x.transpose(1, 2), g_z1)  # (S, d, W)
    if group_lasso:
        norms = torch.linalg.vector_norm(w1, dim=-2, keepdim=True)
        unit = torch.where(norms > 0, w1 / norms, 0.0)
        g_w1 = g_w1 + group_lasso * unit
    torch.add(g_w1 * diff, (2.0 * l2_eigenvectors) * phi, out=g["phi"])
    if "lambda_in" in g or "lambda_out" in g:
        g_prod = g_w1 * phi
        if "lambda_in" in g:
            torch.add(g_prod.sum(-1), (2.0 * l2_eigenvalues) * lam_in, out=g["lambda_in"])
        if "lambda_out" in g:
            torch.sub((2.0 * l2_eigenvalues) * lam_out, g_prod.sum(-2), out=g["lambda_out"])
    if "bias" in g:
        g["bias"].copy_(g_out.sum(-1))
    return loss


def adam_update(
    params: torch.Tensor,
    grad: torch.Tensor,
    exp_avg: torch.Tensor,
    exp_avg_sq: torch.Tensor,
    step: int,
    lr: float | torch.Tensor,
    beta1: float,
    beta2: float,
    eps: float,
) -> None:
    """One Adam update of flat buffers (``torch.optim.Adam``'s arithmetic).

    ``step`` is the 1-based step count; ``lr`` a float, or a float64 tensor of
    one rate per entry. Entries whose gradient and moments are zero do not move.
    """
    bias_correction1 = 1.0 - math.pow(beta1, step)
    bias_correction2_sqrt = math.sqrt(1.0 - math.pow(beta2, step))
    exp_avg.lerp_(grad, 1.0 - beta1)
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1.0 - beta2)
    denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
    if isinstance(lr, torch.Tensor):
        step_size = (lr / bias_correction1).to(params.dtype)
    else:
        step_size = torch.tensor(lr / bias_correction1, dtype=torch.float64).to(params.dtype)
    params.sub_(step_size * exp_avg / denom)

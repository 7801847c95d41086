"""The member step: every student of a pack trained by its own batched matmuls.

:func:`member_grads` computes the gradients of ``S`` students, each on **its
own** batch ``x[s]`` (``(S, B, d)``), with one ``torch.bmm`` per layer and
direction: member ``s``'s numbers come from matrix products of ``s``'s
operands alone, with shapes that do not depend on ``S``. Element-wise work
is element-wise, and the reductions run along a member's own axes. A
student's numbers therefore never depend on which other students share its
ensemble: on CPU with one thread, a pack is **bitwise** the same as the
students run one cell at a time (the test of :mod:`phasetrans.backend.pack`).

The optimiser updates of the flat buffers are in :mod:`phasetrans.backend.member_update`.

The mathematics are those of :func:`phasetrans.backend.step.fast_step`;
:func:`committee_grads` is the same for committee students (those of
:class:`~phasetrans.backend.ensemble.StudentEnsemble` with ``committee=True``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

__all__ = [
    "FLAT_ALIGN",
    "MemberLayout",
    "committee_grads",
    "member_grads",
    "member_sweep",
]

#: Flat buffers are padded to a multiple of this many elements.
FLAT_ALIGN = 256
#: Test samples per chunk of :func:`member_sweep` (a constant: the sums over
#: chunks must not depend on anything but the member).
SWEEP_CHUNK = 4096


@dataclass(frozen=True)
class MemberLayout:
    """Where a student's tensors lie in its row of a pack's ``(S, record)`` buffers.

    Member-major: each student owns one row of :meth:`record` entries, holding
    ``phi (d, W)``, ``lambda_in (d,)``, ``lambda_out (W,)``, ``w2 (W, h2)`` (a
    committee student: ``readout (W,)``) and ``bias ()`` in this order
    (trainable or not), padded with zeros to a
    multiple of :data:`FLAT_ALIGN`. So any run of consecutive members is one
    flat segment of aligned length, and a group of members is gathered by one
    ``index_select`` of rows.

    Attributes
    ----------
    input_dim, width, hidden2 : int
        Shapes.
    train_lambda_in, train_lambda_out, train_bias : bool
        Which optional factors train (``phi`` and ``w2`` always do).
    committee : bool
        Committee students: a ``readout (W,)`` instead of ``w2`` (``hidden2`` unused).
    train_readout : bool
        A committee student's readout trains.
    """

    input_dim: int
    width: int
    hidden2: int
    train_lambda_in: bool
    train_lambda_out: bool
    train_bias: bool
    committee: bool = False
    train_readout: bool = False

    @property
    def second(self) -> str:
        """The name of the layer after the spectral one: ``w2`` or ``readout``."""
        return "readout" if self.committee else "w2"

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Shapes of one member's tensors, in their order in its row."""
        d, w, h = self.input_dim, self.width, self.hidden2
        second = {"readout": (w,)} if self.committee else {"w2": (w, h)}
        return {"phi": (d, w), "lambda_in": (d,), "lambda_out": (w,), **second, "bias": ()}

    def trainable(self) -> tuple[str, ...]:
        """The names that receive gradient."""
        flags = {
            "phi": True,
            "lambda_in": self.train_lambda_in,
            "lambda_out": self.train_lambda_out,
            self.second: self.train_readout if self.committee else True,
            "bias": self.train_bias,
        }
        return tuple(name for name, on in flags.items() if on)

    def record(self) -> int:
        """Row length: one member's tensors, padded to a multiple of :data:`FLAT_ALIGN`."""
        used = sum(math.prod(shape) for shape in self.shapes().values())
        return -(-used // FLAT_ALIGN) * FLAT_ALIGN

    def views(
        self,
        rows: torch.Tensor,
        names: tuple[str, ...] | None = None,
        shape: tuple[int, int] | None = None,
    ) -> dict[str, Any]:
        """Views ``(S, *shape)`` of tensors ``names`` (default all) in ``rows (S, record)``.

        ``shape = (d, W)``: the views of members of input dimension ``d <=
        input_dim`` and width ``W <= width`` (a padded pack), their true
        tensors only: the padding (rows ``d:`` and columns ``W:``) is left out.
        """
        out, start = {}, 0
        d, w = shape or (self.input_dim, self.width)
        true = {"phi": (slice(0, d), slice(0, w)), "lambda_in": (slice(0, d),)}
        true.update(lambda_out=(slice(0, w),), w2=(slice(0, w), slice(None)), bias=())
        true.update(readout=(slice(0, w),))
        for name, full in self.shapes().items():
            n = math.prod(full)
            if names is None or name in names:
                view = rows[:, start : start + n].view(rows.shape[0], *full)
                out[name] = view[(slice(None), *true[name])] if shape else view
            start += n
        return out


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
    phi, lam_in, lam_out, bias = p["phi"], p["lambda_in"], p["lambda_out"], p["bias"]
    # batched matmuls take the fast path on operands whose batch stride is dense
    w2 = p["w2"].contiguous()
    batch = x.shape[1]
    diff = lam_in.unsqueeze(-1) - lam_out.unsqueeze(-2)  # (S, d, W)
    w1 = phi * diff
    # ReLUs in place: relu(z) > 0 exactly where z > 0, so the activations also
    # serve as the masks of the backward pass
    h1 = torch.bmm(x, w1).relu_()  # (S, B, W)
    h2 = torch.bmm(h1, w2).relu_()  # (S, B, h2)
    out = h2.sum(-1) + bias.unsqueeze(-1)  # (S, B)
    if classification:
        loss = torch.nn.functional.binary_cross_entropy_with_logits(out, y, reduction="none").mean(
            -1
        )
        g_out = (torch.sigmoid(out) - y) / batch
    else:
        err = out - y
        loss = err.square().mean(-1)
        g_out = err * (2.0 / batch)
    # ReLU derivatives as autograd computes them (``threshold_backward``, one
    # vectorised pass; ``torch.where`` with a scalar is several times slower)
    g_z2 = _relu_backward(g_out.unsqueeze(-1).expand_as(h2), h2)  # (S, B, h2)
    g["w2"].copy_(torch.bmm(h1.transpose(1, 2), g_z2))
    if l2_dense:
        g["w2"].add_(w2 * (2.0 * l2_dense))
    g_h1 = torch.bmm(g_z2, w2.transpose(1, 2))  # (S, B, W)
    g_z1 = _relu_backward(g_h1, h1)
    g_w1 = torch.bmm(x.transpose(1, 2), g_z1)  # (S, d, W)
    _spectral_grads(p, g, g_w1, w1, diff, l2_eigenvalues, l2_eigenvectors, group_lasso)
    if "bias" in g:
        g["bias"].copy_(g_out.sum(-1))
    return loss


def committee_grads(
    p: dict[str, torch.Tensor],
    g: dict[str, torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    l2_eigenvalues: torch.Tensor,
    l2_eigenvectors: float,
    l2_dense: float,
    group_lasso: float,
    activation: str,
) -> torch.Tensor:
    """:func:`member_grads` for committee students ``Σ_i v_i g(w_i · x / √d)``.

    Parameters
    ----------
    p : dict of str to torch.Tensor
        ``phi (S, d, W)``, ``lambda_in (S, d)``, ``lambda_out (S, W)``,
        ``readout (S, W)``; ``d`` is the members' true input dimension (the
        ``1/√d`` of the pre-activations).
    g : dict of str to torch.Tensor
        Gradient views to fill, for the trainable names only.
    x, y : torch.Tensor
        ``(S, B, d)`` inputs and ``(S, B)`` targets: member ``s`` trains on ``x[s]``.
    l2_eigenvalues : torch.Tensor
        ``(S, 1)`` coefficient of each member.
    l2_eigenvectors, l2_dense, group_lasso : float
        Coefficients shared by the pack (``l2_dense`` on a trained readout).
    activation : {"relu", "erf"}
        The students' hidden activation (:func:`~phasetrans.backend.teacher.activate`).

    Returns
    -------
    torch.Tensor
        ``(S,)`` MSE of each member on its batch (before the update).

    Notes
    -----
    With ``z = x W1 / √d``, ``out = Σ_i v_i g(z_i)`` and ``e = 2 (out − y) / B``:
    ``∂L/∂z = e v g'(z)``, ``∂L/∂W1 = xᵀ ∂L/∂z / √d``, ``∂L/∂v = Σ_b e h``, and
    through ``W1 = φ (λ_in − λ_out)`` as in :func:`member_grads`.
    """
    phi, lam_in, lam_out, v = p["phi"], p["lambda_in"], p["lambda_out"], p["readout"]
    batch, scale = x.shape[1], 1.0 / math.sqrt(x.shape[-1])
    diff = lam_in.unsqueeze(-1) - lam_out.unsqueeze(-2)  # (S, d, W)
    w1 = phi * diff
    pre = torch.bmm(x, w1).mul_(scale)  # (S, B, W)
    v3 = v.unsqueeze(-2)  # (S, 1, W)
    if activation == "relu":
        h = torch.relu(pre)
    elif activation == "erf":
        h = torch.erf(pre * _ERF_SCALE)
    else:
        raise ValueError(f"activation {activation!r} is not one of ('relu', 'erf')")
    out = (h * v3).sum(-1)  # (S, B)
    err = out - y
    loss = err.square().mean(-1)
    g_out = (err * (2.0 / batch)).unsqueeze(-1)  # (S, B, 1)
    g_h = g_out * v3  # (S, B, W)
    if activation == "relu":
        g_pre = _relu_backward(g_h, h)
    else:  # d/dz erf(z / √2) = √(2/π) exp(−z²/2)
        g_pre = g_h * torch.exp(pre.square().mul_(-0.5)).mul_(_ERF_SLOPE)
    g_w1 = torch.bmm(x.transpose(1, 2), g_pre).mul_(scale)  # (S, d, W)
    if "readout" in g:
        torch.mul(g_out, h, out=h)
        if l2_dense:
            torch.add(h.sum(-2), (2.0 * l2_dense) * v, out=g["readout"])
        else:
            torch.sum(h, -2, out=g["readout"])
    _spectral_grads(p, g, g_w1, w1, diff, l2_eigenvalues, l2_eigenvectors, group_lasso)
    return loss


#: ``erf(z / √2)`` and its slope ``√(2/π)`` at 0.
_ERF_SCALE, _ERF_SLOPE = 1.0 / math.sqrt(2.0), math.sqrt(2.0 / math.pi)


def _spectral_grads(
    p: dict[str, torch.Tensor],
    g: dict[str, torch.Tensor],
    g_w1: torch.Tensor,
    w1: torch.Tensor,
    diff: torch.Tensor,
    l2_eigenvalues: torch.Tensor,
    l2_eigenvectors: float,
    group_lasso: float,
) -> None:
    """Gradients of ``φ``, ``λ_in``, ``λ_out`` from ``∂L/∂W1`` (and the penalties) into ``g``."""
    phi, lam_in, lam_out = p["phi"], p["lambda_in"], p["lambda_out"]
    if group_lasso:
        norms = torch.linalg.vector_norm(w1, dim=-2, keepdim=True)
        unit = torch.where(norms > 0, w1 / norms, 0.0)
        g_w1 = g_w1 + group_lasso * unit
    if l2_eigenvectors:
        torch.add(g_w1 * diff, (2.0 * l2_eigenvectors) * phi, out=g["phi"])
    else:
        torch.mul(g_w1, diff, out=g["phi"])
    if "lambda_in" in g or "lambda_out" in g:
        g_prod = g_w1 * phi
        if "lambda_in" in g:
            torch.add(g_prod.sum(-1), (2.0 * l2_eigenvalues) * lam_in, out=g["lambda_in"])
        if "lambda_out" in g:
            torch.sub((2.0 * l2_eigenvalues) * lam_out, g_prod.sum(-2), out=g["lambda_out"])


def _relu_backward(grad: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """``grad`` where ``z > 0``, else 0: the gradient through ``relu(z)``."""
    return torch.ops.aten.threshold_backward(grad, z, 0)


@torch.no_grad()
def member_sweep(
    w1: torch.Tensor,
    w2: torch.Tensor,
    importance: torch.Tensor,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    bias: torch.Tensor,
    classification: bool,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The pruning sweep of **one** member, as matrix products.

    The same numbers as :func:`~phasetrans.backend.prune.pruning_sweep` (up to
    summation order) at a fraction of its cost for one student: with nodes in
    importance order ``σ``, the second-layer pre-activation with the top ``n``
    kept, ``Σ_{m<n} h1[b, σ_m] w2[σ_m, k]``, is for every ``n`` at once the
    product of ``h1`` with ``w2`` masked lower-triangularly, ``(W, (W + 1)·h2)``.
    Runs on one member so its numbers depend on nothing else.

    Parameters
    ----------
    w1, w2, importance : torch.Tensor
        ``(1, d, W)``, ``(1, W, h2)``, ``(1, W)``.
    x, y : torch.Tensor
        ``(N, d)`` test inputs and ``(N,)`` targets.
    bias : torch.Tensor
        ``(1,)`` output offset.
    classification : bool
        Report the Brier score as ``mse`` and the accuracy of ``logit > 0``.

    Returns
    -------
    mse, accuracy : torch.Tensor
        ``(1, W + 1)``; accuracy None for regression.
    """
    width, hidden2 = w2.shape[-2], w2.shape[-1]
    order = torch.sort(importance[0], descending=True, stable=True).indices
    w1s = w1[0].index_select(1, order)  # (d, W)
    w2s = w2[0].index_select(0, order)  # (W, h2)
    kept = torch.ones(width, width + 1, dtype=torch.bool, device=w1.device).triu_(1)
    w2n = (w2s.unsqueeze(1) * kept.unsqueeze(-1).to(w2s.dtype)).view(width, -1)
    sq_err = torch.zeros(width + 1, dtype=torch.float64, device=w1.device)
    correct = torch.zeros_like(sq_err)
    for start in range(0, x.shape[0], SWEEP_CHUNK):
        xb, yb = x[start : start + SWEEP_CHUNK], y[start : start + SWEEP_CHUNK]
        h1 = torch.relu(xb @ w1s)  # (b, W)
        pre = (h1 @ w2n).relu_().view(-1, width + 1, hidden2)
        out = pre.sum(-1).add_(bias)  # (b, W + 1)
        target = yb.view(-1, 1)
        if classification:
            correct += ((out > 0).to(yb.dtype) == target).sum(0, dtype=torch.float64)
            out.sigmoid_()
        sq_err += (out - target).square_().sum(0, dtype=torch.float64)
    n = x.shape[0]
    mse = (sq_err / n).to(w1.dtype).unsqueeze(0)
    accuracy = (correct / n).to(w1.dtype).unsqueeze(0) if classification else None
    return mse, accuracy

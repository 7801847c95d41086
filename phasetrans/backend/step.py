"""A fast training step for the student architecture: hand-written gradients, flat Adam.

The student is fixed (``d → W`` spectral + ReLU, ``W → h2`` dense + ReLU, sum,
optional output bias), so its gradients can be written out instead of being
recorded by autograd. A :class:`FlatState` holds a sub-ensemble's trainable
tensors in **one** flat buffer (and Adam's two moments in two more), so the
optimizer update is a handful of element-wise operations on three vectors
instead of a Python loop over parameters. :func:`fast_step` does forward,
backward and Adam in one call; it can be compiled with ``torch.compile``
(inductor fuses the element-wise work and removes the temporaries).

The numbers equal the autograd reference
(:class:`~phasetrans.backend.engines.reference.ReferenceEngine`) up to
floating-point summation order.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from phasetrans.backend.ensemble import StudentEnsemble

__all__ = [
    "CPU_BLOCK_ELEMENTS",
    "FlatState",
    "StepConfig",
    "StepFn",
    "fast_step",
    "make_state",
    "make_step",
    "model_tensors",
    "split_flat",
    "store_state",
]

#: On CPU, a sub-ensemble's ``(S_b, B, W)`` activations hold at most this many
#: elements (6 MiB in float32), so the few live ones stay in a 32 MiB L3 cache.
CPU_BLOCK_ELEMENTS = 3 << 19


@dataclass(frozen=True)
class StepConfig:
    """Everything about a step that is fixed for a run (hashable: a compile guard).

    Attributes
    ----------
    members, input_dim, width, hidden2 : int
        Shapes of the sub-ensemble.
    train_lambda_in, train_lambda_out, train_bias : bool
        Which optional factors train (φ and the dense layer always do).
    classification : bool
        Binary cross-entropy on logits instead of MSE.
    l2_eigenvalues, l2_eigenvectors, l2_dense, group_lasso : float
        Penalty coefficients (as in :class:`~phasetrans.backend.specs.TrainSettings`).
    lr, beta1, beta2, eps : float
        Adam constants.
    """

    members: int
    input_dim: int
    width: int
    hidden2: int
    train_lambda_in: bool
    train_lambda_out: bool
    train_bias: bool
    classification: bool
    l2_eigenvalues: float
    l2_eigenvectors: float
    l2_dense: float
    group_lasso: float
    lr: float
    beta1: float
    beta2: float
    eps: float

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Shapes of the trainable tensors, in their order in the flat buffer."""
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
        """Length of the flat buffer."""
        return sum(math.prod(shape) for shape in self.shapes().values())


def split_flat(flat: torch.Tensor, config: StepConfig) -> dict[str, torch.Tensor]:
    """Views of ``flat`` with the shapes of :meth:`StepConfig.shapes`."""
    views = {}
    start = 0
    for name, shape in config.shapes().items():
        n = math.prod(shape)
        views[name] = flat[start : start + n].view(shape)
        start += n
    return views


@dataclass
class FlatState:
    """Parameters, frozen factors and Adam moments of one sub-ensemble.

    Attributes
    ----------
    config : StepConfig
        Shapes and constants.
    members : torch.Tensor
        ``(S_b,)`` indices of these members in the full ensemble.
    params, exp_avg, exp_avg_sq : torch.Tensor
        Flat trainable parameters and Adam moments.
    frozen : dict of str to torch.Tensor
        Factors that do not train (``lambda_in``, ``lambda_out``, ``bias``).
    alive : torch.Tensor
        ``(flat size,)`` bool, False on the entries of frozen members.
    step : torch.Tensor
        0-d float64 Adam step count, on the device (no host sync per step).
    """

    config: StepConfig
    members: torch.Tensor
    params: torch.Tensor
    exp_avg: torch.Tensor
    exp_avg_sq: torch.Tensor
    frozen: dict[str, torch.Tensor]
    alive: torch.Tensor
    step: torch.Tensor

    def views(self) -> dict[str, torch.Tensor]:
        """Parameter views by name (trainable and frozen)."""
        return {**self.frozen, **split_flat(self.params, self.config)}

    def set_alive(self, alive: torch.Tensor) -> None:
        """Mark members (``(S_b,)`` bool) as training or frozen; zero frozen moments."""
        for view in split_flat(self.alive, self.config).values():
            view.copy_(alive.view(-1, *([1] * (view.dim() - 1))).expand_as(view))
        with torch.no_grad():
            self.exp_avg.masked_fill_(~self.alive, 0.0)
            self.exp_avg_sq.masked_fill_(~self.alive, 0.0)


def make_state(
    model: StudentEnsemble,
    members: torch.Tensor,
    config: StepConfig,
    moments: dict[str, tuple[torch.Tensor, torch.Tensor]],
    step: torch.Tensor,
) -> FlatState:
    """Gather ``members`` of ``model`` (and their Adam moments) into a :class:`FlatState`.

    Parameters
    ----------
    model : StudentEnsemble
        The full ensemble.
    members : torch.Tensor
        ``(S_b,)`` int64 indices, on the model's device.
    config : StepConfig
        Its ``members`` must equal ``len(members)``.
    moments : dict
        ``name -> (exp_avg, exp_avg_sq)`` over the full ensemble.
    step : torch.Tensor
        The shared 0-d step count.
    """
    full = model_tensors(model)
    shapes = config.shapes()
    params = torch.cat([full[k].detach().index_select(0, members).reshape(-1) for k in shapes])
    exp_avg = torch.cat([moments[k][0].index_select(0, members).reshape(-1) for k in shapes])
    exp_avg_sq = torch.cat([moments[k][1].index_select(0, members).reshape(-1) for k in shapes])
    frozen = {
        k: v.detach().index_select(0, members).contiguous()
        for k, v in full.items()
        if k not in shapes
    }
    alive = torch.ones(params.shape, dtype=torch.bool, device=params.device)
    return FlatState(config, members, params, exp_avg, exp_avg_sq, frozen, alive, step)


def store_state(
    state: FlatState,
    model: StudentEnsemble,
    moments: dict[str, tuple[torch.Tensor, torch.Tensor]],
) -> None:
    """Scatter a :class:`FlatState` back into ``model`` and the full moments."""
    full = model_tensors(model)
    with torch.no_grad():
        for (name, view), m, v in zip(
            split_flat(state.params, state.config).items(),
            split_flat(state.exp_avg, state.config).values(),
            split_flat(state.exp_avg_sq, state.config).values(),
            strict=True,
        ):
            full[name].index_copy_(0, state.members, view)
            moments[name][0].index_copy_(0, state.members, m)
            moments[name][1].index_copy_(0, state.members, v)


def model_tensors(model: StudentEnsemble) -> dict[str, torch.Tensor]:
    """The model's tensors by the names of :meth:`StepConfig.shapes` (trainable or not)."""
    layer = model.spectral
    return {
        "phi": layer.phi,
        "lambda_in": layer.lambda_in,
        "lambda_out": layer.lambda_out,
        "w2": model.w2,
        "bias": model.bias,
    }


def fast_step(
    config: StepConfig,
    params: torch.Tensor,
    exp_avg: torch.Tensor,
    exp_avg_sq: torch.Tensor,
    frozen: dict[str, torch.Tensor],
    alive: torch.Tensor | None,
    step: torch.Tensor,
    x: torch.Tensor,
    y: torch.Tensor,
) -> torch.Tensor:
    """One Adam step of every member on one batch; returns the ``(S_b,)`` data losses.

    Parameters
    ----------
    config : StepConfig
        Shapes and constants.
    params, exp_avg, exp_avg_sq : torch.Tensor
        Flat buffers, updated in place.
    frozen : dict of str to torch.Tensor
        The factors that do not train.
    alive : torch.Tensor or None
        Flat bool mask of members that train (None: all).
    step : torch.Tensor
        0-d float64 number of this step (1 for the first), for Adam's bias
        corrections; the caller advances it (a mutated 0-d input is not
        reliably written back by a compiled graph).
    x, y : torch.Tensor
        ``(B, d)`` batch inputs and ``(B,)`` targets shared by all members.

    Returns
    -------
    torch.Tensor
        ``(S_b,)`` data loss of each member on the batch (before the update).

    Notes
    -----
    With ``z1 = x W1``, ``h1 = relu(z1)``, ``z2 = h1 W2``, ``out = Σ relu(z2) + b``
    and ``g = ∂L/∂out`` (``2 (out − y) / B`` for MSE, ``(σ(out) − y) / B`` for
    cross-entropy): ``∂L/∂z2 = g · [z2 > 0]``, ``∂L/∂W2 = h1ᵀ ∂L/∂z2``,
    ``∂L/∂z1 = (∂L/∂z2 W2ᵀ) · [z1 > 0]``, ``∂L/∂W1 = xᵀ ∂L/∂z1``, and through
    ``W1 = φ (λ_in − λ_out)``: ``∂L/∂φ = ∂L/∂W1 · (λ_in − λ_out)``,
    ``∂L/∂λ_out = −Σ_j ∂L/∂W1 φ``, ``∂L/∂λ_in = Σ_i ∂L/∂W1 φ``. The L2 terms
    add ``2 c x``; the group lasso adds ``c W1[:, i] / ‖W1[:, i]‖`` (0 where
    the norm is 0, as autograd's subgradient).
    """
    p = {**frozen, **split_flat(params, config)}
    phi, lam_in, lam_out, w2, bias = (
        p["phi"],
        p["lambda_in"],
        p["lambda_out"],
        p["w2"],
        p["bias"],
    )
    s, d, w = phi.shape
    batch = x.shape[0]
    diff = lam_in.unsqueeze(-1) - lam_out.unsqueeze(-2)  # (S, d, W)
    w1 = phi * diff
    # forward, first layer as one (B, d) @ (d, S·W) GEMM, activations kept as (B, S, W)
    z1 = (x @ w1.permute(1, 0, 2).reshape(d, s * w)).view(batch, s, w)
    h1 = torch.relu(z1).transpose(0, 1)  # (S, B, W) view
    z2 = torch.bmm(h1, w2)  # (S, B, h2)
    out = torch.relu(z2).sum(-1) + bias.unsqueeze(-1)  # (S, B)
    if config.classification:
        target = y.expand_as(out)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            out, target, reduction="none"
        ).mean(-1)
        g_out = (torch.sigmoid(out) - target) / batch
    else:
        err = out - y
        loss = err.square().mean(-1)
        g_out = err * (2.0 / batch)
    # backward
    g_z2 = torch.where(z2 > 0, g_out.unsqueeze(-1), 0.0)  # (S, B, h2)
    grads: dict[str, torch.Tensor] = {}
    grads["w2"] = torch.bmm(h1.transpose(1, 2), g_z2)
    g_h1 = torch.bmm(g_z2, w2.transpose(1, 2)).transpose(0, 1)  # (B, S, W)
    g_z1 = torch.where(z1 > 0, g_h1, 0.0).reshape(batch, s * w)
    g_w1 = (x.t() @ g_z1).view(d, s, w).transpose(0, 1)  # (S, d, W)
    if config.group_lasso:
        norms = torch.linalg.vector_norm(w1, dim=-2, keepdim=True)
        unit = torch.where(norms > 0, w1 / norms, 0.0)
        g_w1 = g_w1 + config.group_lasso * unit
    grads["phi"] = g_w1 * diff + (2.0 * config.l2_eigenvectors) * phi
    if config.train_lambda_in or config.train_lambda_out:
        g_prod = g_w1 * phi
        if config.train_lambda_in:
            grads["lambda_in"] = g_prod.sum(-1) + (2.0 * config.l2_eigenvalues) * lam_in
        if config.train_lambda_out:
            grads["lambda_out"] = (2.0 * config.l2_eigenvalues) * lam_out - g_prod.sum(-2)
    if config.l2_dense:
        grads["w2"] = grads["w2"] + (2.0 * config.l2_dense) * w2
    if config.train_bias:
        grads["bias"] = g_out.sum(-1)
    grad = torch.cat([grads[k].reshape(-1) for k in config.shapes()])
    if alive is not None:
        grad = torch.where(alive, grad, 0.0)
    # Adam (torch.optim.Adam's arithmetic, step count on the device)
    bias_correction1 = 1.0 - torch.pow(config.beta1, step)
    bias_correction2_sqrt = torch.sqrt(1.0 - torch.pow(config.beta2, step))
    exp_avg.lerp_(grad, 1.0 - config.beta1)
    exp_avg_sq.mul_(config.beta2).addcmul_(grad, grad, value=1.0 - config.beta2)
    denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt.to(params.dtype)).add_(config.eps)
    step_size = (config.lr / bias_correction1).to(params.dtype)
    params.sub_(step_size * exp_avg / denom)
    return loss.detach()


StepFn = Callable[..., torch.Tensor]


def make_step(compiled: bool) -> StepFn:
    """:func:`fast_step`, compiled with ``torch.compile`` (inductor) or as is."""
    if not compiled:
        return fast_step
    return torch.compile(fast_step, dynamic=False, fullgraph=True)

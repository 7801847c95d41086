"""An ensemble of students of one width with stacked parameters."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from phasetrans.backend.init import glorot_uniform
from phasetrans.backend.spectral import SpectralLayer
from phasetrans.backend.teacher import activate

__all__ = ["METHODS", "StudentEnsemble"]

#: Training methods: ``spectral`` trains φ and λ_out; ``direct`` and
#: ``group_lasso`` freeze λ_out at 1 and train φ (a plain dense layer).
METHODS = ("spectral", "direct", "group_lasso")


class StudentEnsemble(nn.Module):
    """``S`` students ``d -> W (spectral, ReLU) -> h2 (dense, ReLU) -> sum``, or committees.

    A *committee* student (``committee=True``) has the form of the soft
    committee machine: ``d -> W (spectral) -> readout``, output
    ``Σ_i v_i g(w_i · x / √d)`` with ``g`` the ``activation`` and a readout
    ``v`` fixed at 1 or trained (initialised at 1); it has no second hidden layer.

    Parameters
    ----------
    input_dim : int
        Number of inputs ``d``.
    width : int
        Student hidden width ``W``.
    hidden2 : int
        Second hidden width (the teacher's).
    seeds : sequence of int
        One seed per member. Member ``s`` draws, from a private
        ``torch.Generator`` seeded with ``seeds[s]``, first its ``φ`` and then
        its dense weights, both Glorot-uniform: it is initialised exactly as an
        ensemble of the single seed ``seeds[s]``.
    method : {"spectral", "direct", "group_lasso"}
        Which factors train (see :data:`METHODS`).
    train_lambda_in : bool
        Also train the input eigenvalues (the general spectral form).
    output_bias : bool
        Add a trainable scalar to the output (used as the logit offset of
        classification students; initialised at 0).
    committee : bool
        The committee form (``hidden2`` is ignored).
    activation : {"relu", "erf"}
        Hidden activation of a committee student.
    train_readout : bool
        Train a committee student's readout ``v``.
    init_q : float
        A committee student's ``φ`` is drawn ``N(0, init_q)``, so that
        ``Q_ii = |w_i|² / d ≈ init_q`` at ``λ = 1``.
    dtype : torch.dtype
        Floating type.
    """

    def __init__(
        self,
        input_dim: int,
        width: int,
        hidden2: int,
        seeds: Sequence[int],
        *,
        method: str = "spectral",
        train_lambda_in: bool = False,
        output_bias: bool = False,
        committee: bool = False,
        activation: str = "relu",
        train_readout: bool = False,
        init_q: float = 0.5,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        if method not in METHODS:
            raise ValueError(f"method {method!r} is not one of {METHODS}")
        self.method = method
        self.committee = committee
        self.activation = activation
        self.seeds = tuple(int(s) for s in seeds)
        generators = [torch.Generator().manual_seed(s) for s in self.seeds]
        self.spectral = SpectralLayer(
            input_dim,
            width,
            generators,
            train_lambda_in=train_lambda_in,
            train_lambda_out=method == "spectral",
            phi_std=math.sqrt(init_q) if committee else None,
            dtype=dtype,
        )
        if committee:
            readout = torch.ones((len(self.seeds), width), dtype=dtype)
            if train_readout:
                self.readout = nn.Parameter(readout)
            else:
                self.register_buffer("readout", readout)
        else:
            self.w2 = nn.Parameter(
                torch.stack([glorot_uniform(width, hidden2, g, dtype=dtype) for g in generators])
            )
        if output_bias:
            self.bias = nn.Parameter(torch.zeros(len(self.seeds), dtype=dtype))
        else:
            self.register_buffer("bias", torch.zeros(len(self.seeds), dtype=dtype))

    @property
    def members(self) -> int:
        """Number of students ``S``."""
        return len(self.seeds)

    @property
    def width(self) -> int:
        """Hidden width ``W``."""
        return self.spectral.phi.shape[-1]

    @property
    def second(self) -> torch.Tensor:
        """The layer after the spectral one: ``w2`` ``(S, W, h2)`` or a committee's ``readout``."""
        return self.readout if self.committee else self.w2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs of every member for inputs shared by all, shape ``(S, batch)``."""
        if self.committee:
            scale = 1.0 / math.sqrt(self.spectral.phi.shape[-2])
            h1 = activate(self.spectral(x) * scale, self.activation)
            return (h1 * self.readout.unsqueeze(-2)).sum(dim=-1) + self.bias.unsqueeze(-1)
        h1 = torch.relu(self.spectral(x))
        h2 = torch.relu(torch.bmm(h1, self.w2))
        return h2.sum(dim=-1) + self.bias.unsqueeze(-1)

    @torch.no_grad()
    def effective_weights(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(S, d, W)`` first-layer weights and ``(S, W, h2)`` second-layer weights.

        For a committee the second array is the ``(S, W)`` readout.
        """
        return self.spectral.weight().detach().clone(), self.second.detach().clone()

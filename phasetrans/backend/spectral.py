"""The spectral layer: dense weights parametrised by eigenvectors and eigenvalues.

Transfer from ``n_in`` to ``n_out`` nodes is the off-diagonal block of
``A = Φ Λ Φ⁻¹`` with ``Φ = 1 + φ`` and ``Λ = diag(λ_in, λ_out)``, which gives
the effective weight

.. math:: W_{ji} = φ_{ji} (λ^{in}_j - λ^{out}_i).

Parameters are stacked over a leading *member* axis so that an ensemble of
students shares one module and one batched forward.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from phasetrans.backend.init import glorot_uniform

__all__ = ["SpectralLayer", "spectral_weight"]


def spectral_weight(
    phi: torch.Tensor, lambda_in: torch.Tensor, lambda_out: torch.Tensor
) -> torch.Tensor:
    """Effective weights ``W[..., j, i] = φ[..., j, i] · (λ_in[..., j] − λ_out[..., i])``.

    Parameters
    ----------
    phi : torch.Tensor
        ``(..., n_in, n_out)`` eigenvector block.
    lambda_in : torch.Tensor
        ``(..., n_in)`` eigenvalues of the input nodes.
    lambda_out : torch.Tensor
        ``(..., n_out)`` eigenvalues of the output nodes.

    Returns
    -------
    torch.Tensor
        ``(..., n_in, n_out)`` effective weights.
    """
    return phi * (lambda_in.unsqueeze(-1) - lambda_out.unsqueeze(-2))


class SpectralLayer(nn.Module):
    """A stack of spectral layers, one per ensemble member.

    Parameters
    ----------
    n_in, n_out : int
        Layer sizes.
    generators : sequence of torch.Generator
        One generator per member; member ``s`` draws its ``φ`` from
        ``generators[s]`` (Glorot-uniform), so it is initialised exactly as a
        single layer built from that generator alone.
    train_phi, train_lambda_in, train_lambda_out : bool
        Which factors are trainable; frozen ones are buffers.
    lambda_out_init : float
        Initial output eigenvalues (1, as in the paper).
    phi_std : float, optional
        Draw ``φ`` i.i.d. ``N(0, phi_std²)`` instead of Glorot-uniform.
    dtype : torch.dtype
        Floating type.

    Notes
    -----
    ``λ_in`` starts at 0 (the paper's setting, where it stays frozen), so the
    initial weights are ``W = −λ_out φ``.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        generators: Sequence[torch.Generator],
        *,
        train_phi: bool = True,
        train_lambda_in: bool = False,
        train_lambda_out: bool = True,
        lambda_out_init: float = 1.0,
        phi_std: float | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        members = len(generators)
        if phi_std is None:
            draws = [glorot_uniform(n_in, n_out, g, dtype=dtype) for g in generators]
        else:
            draws = [
                (phi_std * torch.randn((n_in, n_out), generator=g, dtype=torch.float64)).to(dtype)
                for g in generators
            ]
        phi = torch.stack(draws)
        lambda_in = torch.zeros((members, n_in), dtype=dtype)
        lambda_out = torch.full((members, n_out), lambda_out_init, dtype=dtype)
        for name, value, trainable in (
            ("phi", phi, train_phi),
            ("lambda_in", lambda_in, train_lambda_in),
            ("lambda_out", lambda_out, train_lambda_out),
        ):
            if trainable:
                self.register_parameter(name, nn.Parameter(value))
            else:
                self.register_buffer(name, value)

    def weight(self) -> torch.Tensor:
        """``(members, n_in, n_out)`` effective weights."""
        return spectral_weight(self.phi, self.lambda_in, self.lambda_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the layer (no activation).

        Parameters
        ----------
        x : torch.Tensor
            ``(batch, n_in)`` inputs shared by every member, or
            ``(members, batch, n_in)``.

        Returns
        -------
        torch.Tensor
            ``(members, batch, n_out)``.
        """
        w = self.weight()
        if x.dim() == 2:
            # one (batch, n_in) @ (n_in, members * n_out) GEMM: faster than a batched
            # product of many thin matrices, in both directions of autograd
            members, n_in, n_out = w.shape
            out = x @ w.permute(1, 0, 2).reshape(n_in, members * n_out)
            return out.view(x.shape[0], members, n_out).transpose(0, 1)
        return torch.bmm(x, w)

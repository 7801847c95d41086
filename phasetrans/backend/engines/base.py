"""What a training engine is: the protocol :func:`~phasetrans.backend.train.train_epochs` drives.

An engine owns the optimiser state of one ensemble and steps it over batches;
the training loop (budgets, checkpoints, divergence, the stop rule) is the same
for every engine. The engines are interchangeable strategies, held to the
reference by tests:

- :class:`~phasetrans.backend.engines.reference.ReferenceEngine`: autograd and
  ``torch.optim`` (Adam or SGD), the definition of the numbers;
- :class:`~phasetrans.backend.engines.fast.FastEngine`: hand-written gradients
  and flat Adam (:mod:`phasetrans.backend.step`), compiled or not;
- :class:`~phasetrans.backend.engines.committee.CommitteeSGDEngine`:
  hand-written SGD for committee students.

:func:`~phasetrans.backend.engines.choice.make_engine` picks one.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch

__all__ = ["Engine"]


@runtime_checkable
class Engine(Protocol):
    """The steps of one ensemble of ``S`` members, as the training loop drives them.

    The loop calls :meth:`run_batches` on the batches of an epoch (cut at the
    checkpoints), :meth:`sync` before a checkpoint reads the model,
    :meth:`params_finite` and :meth:`freeze` at the end of an epoch for the
    members whose loss or parameters are not finite (and for members the stop
    rule stops), then :meth:`end_epoch`.
    """

    def run_batches(self, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
        """One optimiser step per batch, in order.

        Returns
        -------
        torch.Tensor
            ``(S,)`` sample-weighted sum of the members' batch data losses.
        """
        ...

    def sync(self) -> None:
        """Make the model's parameters current (an engine may hold them elsewhere)."""
        ...

    def params_finite(self) -> torch.Tensor:
        """``(S,)`` False where a member's parameters are not all finite."""
        ...

    def freeze(self, members: torch.Tensor, restore: bool) -> None:
        """Stop updating ``members`` (``(S,)`` bool) from now on.

        ``restore``: first put them back at their parameters at the end of the
        previous epoch (a diverged member); otherwise they keep their current
        parameters bit for bit (a stopped member).
        """
        ...

    def end_epoch(self) -> None:
        """Write back to the model and take the snapshot a diverged member returns to."""
        ...

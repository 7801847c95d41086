"""Teacher networks of the teacher-student setup and the data they label."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from phasetrans.backend.init import glorot_uniform

__all__ = ["TEACHER_KINDS", "Teacher", "make_teacher"]

#: Kinds of teacher: ``regression`` labels with the output itself (metric MSE),
#: ``classification`` with the binary label ``output > threshold`` (metric accuracy).
TEACHER_KINDS = ("regression", "classification")

#: Number of reference inputs whose median output sets the classification threshold.
_THRESHOLD_SAMPLES = 100_000


@dataclass(frozen=True)
class Teacher:
    """A fixed two-hidden-layer ReLU network ``d -> h_T -> h2 -> sum``.

    Attributes
    ----------
    w1 : torch.Tensor
        ``(d, h_T)`` first-layer weights (no bias).
    w2 : torch.Tensor
        ``(h_T, h2)`` second-layer weights (no bias).
    kind : str
        ``"regression"`` or ``"classification"``.
    threshold : float
        Classification threshold on the raw output: the median of the teacher's
        output over :data:`_THRESHOLD_SAMPLES` reference inputs drawn from the
        teacher's own generator, so the two classes are balanced. ``nan`` for
        regression.
    seed : int
        Seed the weights (and threshold) were drawn from.
    """

    w1: torch.Tensor
    w2: torch.Tensor
    kind: str
    threshold: float
    seed: int

    @property
    def input_dim(self) -> int:
        """Number of inputs ``d``."""
        return self.w1.shape[0]

    @property
    def width(self) -> int:
        """First hidden width ``h_T``."""
        return self.w1.shape[1]

    @property
    def hidden2(self) -> int:
        """Second hidden width."""
        return self.w2.shape[1]

    def output(self, x: torch.Tensor) -> torch.Tensor:
        """Raw output: the plain sum of the second hidden layer, shape ``(n,)``."""
        w1 = self.w1.to(x.dtype)
        w2 = self.w2.to(x.dtype)
        return torch.relu(torch.relu(x @ w1) @ w2).sum(dim=-1)

    def label(self, x: torch.Tensor) -> torch.Tensor:
        """Targets for inputs ``x``: the output (regression) or the 0/1 label."""
        out = self.output(x)
        if self.kind == "classification":
            return (out > self.threshold).to(x.dtype)
        return out

    def sample(
        self,
        n: int,
        generator: torch.Generator,
        *,
        dtype: torch.dtype = torch.float32,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw ``n`` inputs ``x ~ N(0, I_d)`` and label them.

        Parameters
        ----------
        n : int
            Number of patterns.
        generator : torch.Generator
            Source of the inputs; the same generator state gives the same data.
        dtype : torch.dtype
            Floating type of the returned tensors.

        Returns
        -------
        x : torch.Tensor
            ``(n, d)`` inputs.
        y : torch.Tensor
            ``(n,)`` targets.
        """
        x = torch.randn((n, self.input_dim), generator=generator, dtype=torch.float64)
        y = self.label(x)
        return x.to(dtype), y.to(dtype)


def make_teacher(
    input_dim: int,
    width: int,
    hidden2: int,
    *,
    seed: int,
    kind: str = "regression",
) -> Teacher:
    """Build the teacher of the reference setup from a seed.

    Parameters
    ----------
    input_dim : int
        Number of inputs ``d``.
    width : int
        First hidden width ``h_T`` (the size the transition happens at).
    hidden2 : int
        Second hidden width.
    seed : int
        Seed of a private ``torch.Generator``; weights are drawn Glorot-uniform,
        ``w1`` then ``w2``, in float64.
    kind : {"regression", "classification"}
        What the labels are.

    Returns
    -------
    Teacher
    """
    if kind not in TEACHER_KINDS:
        raise ValueError(f"teacher kind {kind!r} is not one of {TEACHER_KINDS}")
    gen = torch.Generator().manual_seed(seed)
    w1 = glorot_uniform(input_dim, width, gen, dtype=torch.float64)
    w2 = glorot_uniform(width, hidden2, gen, dtype=torch.float64)
    threshold = float("nan")
    teacher = Teacher(w1=w1, w2=w2, kind=kind, threshold=threshold, seed=seed)
    if kind == "classification":
        x = torch.randn((_THRESHOLD_SAMPLES, input_dim), generator=gen, dtype=torch.float64)
        threshold = float(teacher.output(x).median())
        teacher = Teacher(w1=w1, w2=w2, kind=kind, threshold=threshold, seed=seed)
    return teacher

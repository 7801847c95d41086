"""Teacher networks of the teacher-student setup and the data they label.

Three kinds: the paper's two-hidden-layer ReLU network (``regression`` and its
thresholded ``classification`` variant), and the soft committee machine
(``committee``) of the statistical physics of learning,
``y = Σ_m g(B_m · x / √N)`` with a fixed unit readout (Saad & Solla 1995).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from phasetrans.backend.init import glorot_uniform
from phasetrans.backend.specs import TeacherSpec

__all__ = ["ACTIVATIONS", "TEACHER_KINDS", "Teacher", "activate", "build_teacher", "make_teacher"]

#: Kinds of teacher: ``regression`` labels with the output itself (metric MSE),
#: ``classification`` with the binary label ``output > threshold`` (metric accuracy),
#: ``committee`` with the output of a soft committee machine (metric MSE).
TEACHER_KINDS = ("regression", "classification", "committee")
#: Hidden activations: ``relu``, and ``erf``, meaning ``g(z) = erf(z / √2)`` (Saad & Solla).
ACTIVATIONS = ("relu", "erf")


def activate(z: torch.Tensor, activation: str) -> torch.Tensor:
    """``relu(z)`` or ``erf(z / √2)`` (the convention of the committee-machine ODEs)."""
    if activation == "relu":
        return torch.relu(z)
    if activation == "erf":
        return torch.erf(z * (1.0 / math.sqrt(2.0)))
    raise ValueError(f"activation {activation!r} is not one of {ACTIVATIONS}")


#: Number of reference inputs whose median output sets the classification threshold.
_THRESHOLD_SAMPLES = 100_000


@dataclass(frozen=True)
class Teacher:
    """A fixed network: ``d -> h_T -> h2 -> sum`` (ReLU), or a soft committee machine.

    Attributes
    ----------
    w1 : torch.Tensor
        ``(d, h_T)`` first-layer weights (no bias); the committee's ``B_m`` are its columns.
    w2 : torch.Tensor or None
        ``(h_T, h2)`` second-layer weights (no bias); None for a committee.
    kind : str
        ``"regression"``, ``"classification"`` or ``"committee"``.
    threshold : float
        Classification threshold on the raw output: the median of the teacher's
        output over :data:`_THRESHOLD_SAMPLES` reference inputs drawn from the
        teacher's own generator, so the two classes are balanced. ``nan`` for
        regression.
    seed : int
        Seed the weights (and threshold) were drawn from.
    activation : str
        Hidden activation of a committee (``relu`` or ``erf``); ``relu`` otherwise.
    """

    w1: torch.Tensor
    w2: torch.Tensor | None
    kind: str
    threshold: float
    seed: int
    activation: str = "relu"

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
        """Second hidden width (0 for a committee)."""
        return 0 if self.w2 is None else self.w2.shape[1]

    def overlap(self) -> torch.Tensor:
        """``(h_T, h_T)`` teacher–teacher overlaps ``T = B^T B / N`` (float64)."""
        w = self.w1.to(torch.float64)
        return w.T @ w / self.input_dim

    def output(self, x: torch.Tensor) -> torch.Tensor:
        """Raw output, shape ``(n,)``.

        The plain sum of the second hidden layer, or for a committee
        ``Σ_m g(B_m · x / √N)``.
        """
        w1 = self.w1.to(x.dtype)
        if self.w2 is None:
            return activate(x @ w1 / math.sqrt(self.input_dim), self.activation).sum(dim=-1)
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
    activation: str = "relu",
    orthogonal: bool = False,
) -> Teacher:
    """Build a teacher from a seed: the reference setup's, or a committee machine.

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
    kind : {"regression", "classification", "committee"}
        What the labels are. A committee has no second layer (``hidden2`` is
        ignored); its vectors ``B_m`` are i.i.d. ``N(0, I_N)``, so
        ``|B_m|² ≈ N`` and ``T = B^T B / N ≈ I``.
    activation : {"relu", "erf"}
        A committee's hidden activation.
    orthogonal : bool
        Orthonormalise a committee's vectors (QR of the Gaussian draw, signs
        fixed so the diagonal of R is positive) and scale them to ``|B_m|² = N``
        exactly: ``T = I``. Needs ``h_T <= N``.

    Returns
    -------
    Teacher
    """
    if kind not in TEACHER_KINDS:
        raise ValueError(f"teacher kind {kind!r} is not one of {TEACHER_KINDS}")
    gen = torch.Generator().manual_seed(seed)
    if kind == "committee":
        return _committee(input_dim, width, gen, seed, activation, orthogonal)
    w1 = glorot_uniform(input_dim, width, gen, dtype=torch.float64)
    w2 = glorot_uniform(width, hidden2, gen, dtype=torch.float64)
    threshold = float("nan")
    teacher = Teacher(w1=w1, w2=w2, kind=kind, threshold=threshold, seed=seed)
    if kind == "classification":
        x = torch.randn((_THRESHOLD_SAMPLES, input_dim), generator=gen, dtype=torch.float64)
        threshold = float(teacher.output(x).median())
        teacher = Teacher(w1=w1, w2=w2, kind=kind, threshold=threshold, seed=seed)
    return teacher


def build_teacher(spec: TeacherSpec) -> Teacher:
    """The teacher that ``spec`` describes (built by :func:`make_teacher`)."""
    return make_teacher(
        spec.input_dim,
        spec.width,
        spec.hidden2,
        seed=spec.seed,
        kind=spec.kind,
        activation=spec.activation,
        orthogonal=spec.orthogonal,
    )


def _committee(
    input_dim: int,
    width: int,
    gen: torch.Generator,
    seed: int,
    activation: str,
    orthogonal: bool,
) -> Teacher:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation {activation!r} is not one of {ACTIVATIONS}")
    w1 = torch.randn((input_dim, width), generator=gen, dtype=torch.float64)
    if orthogonal:
        if width > input_dim:
            raise ValueError(f"an orthogonal committee needs h_T <= N; got {width} > {input_dim}")
        q, r = torch.linalg.qr(w1)
        w1 = q * torch.sign(torch.diagonal(r)) * math.sqrt(input_dim)
    return Teacher(
        w1=w1, w2=None, kind="committee", threshold=float("nan"), seed=seed, activation=activation
    )

"""Deterministic streams of labelled examples: nested training sets and online learning.

A stream is an endless sequence of rows ``x ~ N(0, I_d)`` labelled by the
teacher. Row ``r`` lies in chunk ``r // CHUNK_ROWS``, and each chunk is drawn
from its own generator, seeded by ``SeedSequence([seed, stream, chunk])``. A
row therefore depends only on (seed, stream, row): never on how many rows were
asked for before, on the budget, or on which other cells share a task. Two
streams per cell keep the test set apart from the training data:

- ``TRAIN``: a nested training set of ``P`` examples is rows ``0 … P − 1``
  (so the set at a smaller α is a subset of the set at a larger one), and
  online learning takes rows ``s·B … (s+1)·B − 1`` at step ``s``: no example
  is seen twice;
- ``TEST``: the test set is rows ``0 … n_test − 1``.
"""

from __future__ import annotations

import numpy as np
import torch

from phasetrans.backend.teacher import Teacher

__all__ = ["CHUNK_ROWS", "TEST", "TRAIN", "RowStream", "stream_rows"]

#: Rows drawn by one chunk generator.
CHUNK_ROWS = 4096
#: Stream of the training examples (nested sets, online batches).
TRAIN = 0
#: Stream of the test examples.
TEST = 1


def _chunk_generator(seed: int, stream: int, chunk: int) -> torch.Generator:
    words = np.random.SeedSequence([seed, stream, chunk]).generate_state(2, dtype=np.uint32)
    return torch.Generator().manual_seed(int(words[0]) << 31 | int(words[1]) >> 1)


def stream_rows(
    teacher: Teacher,
    seed: int,
    stream: int,
    start: int,
    stop: int,
    *,
    dtype: torch.dtype = torch.float32,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows ``start … stop − 1`` of a stream: inputs and the teacher's targets.

    Parameters
    ----------
    teacher : Teacher
        Labels the inputs (in float64, then cast to ``dtype``).
    seed : int
        The cell's data seed.
    stream : int
        :data:`TRAIN` or :data:`TEST`.
    start, stop : int
        Row range, ``0 <= start <= stop``.
    dtype : torch.dtype
        Floating type of the returned tensors.

    Returns
    -------
    x : torch.Tensor
        ``(stop − start, d)`` inputs.
    y : torch.Tensor
        ``(stop − start,)`` targets.
    """
    if not 0 <= start <= stop:
        raise ValueError(f"rows {start}..{stop} are not a range of a stream")
    return RowStream(teacher, seed, stream, dtype=dtype)(start, stop)


class RowStream:
    """A stream as a callable ``rows(start, stop)`` that keeps its last chunk.

    Reading consecutive ranges (online batches) draws each chunk once.
    """

    def __init__(
        self, teacher: Teacher, seed: int, stream: int, *, dtype: torch.dtype = torch.float32
    ) -> None:
        self.teacher, self.seed, self.stream, self.dtype = teacher, seed, stream, dtype
        self._cached: tuple[int, torch.Tensor, torch.Tensor] | None = None

    def _chunk(self, chunk: int) -> tuple[torch.Tensor, torch.Tensor]:
        if self._cached is None or self._cached[0] != chunk:
            gen = _chunk_generator(self.seed, self.stream, chunk)
            x = torch.randn(
                (CHUNK_ROWS, self.teacher.input_dim), generator=gen, dtype=torch.float64
            )
            self._cached = (chunk, x, self.teacher.label(x))
        return self._cached[1], self._cached[2]

    def __call__(self, start: int, stop: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs and targets of rows ``start … stop − 1``."""
        if not 0 <= start <= stop:
            raise ValueError(f"rows {start}..{stop} are not a range of a stream")
        xs, ys = [], []
        for chunk in range(start // CHUNK_ROWS, -(-stop // CHUNK_ROWS)):
            x, y = self._chunk(chunk)
            lo = max(start - chunk * CHUNK_ROWS, 0)
            hi = min(stop - chunk * CHUNK_ROWS, CHUNK_ROWS)
            xs.append(x[lo:hi])
            ys.append(y[lo:hi])
        if not xs:
            d = self.teacher.input_dim
            return torch.zeros((0, d), dtype=self.dtype), torch.zeros(0, dtype=self.dtype)
        return torch.cat(xs).to(self.dtype), torch.cat(ys).to(self.dtype)

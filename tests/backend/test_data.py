"""Row streams: nested training sets, online batches and the test set, by seed alone."""

from __future__ import annotations

import torch

from phasetrans.backend.batches import OnlineBatches
from phasetrans.backend.data import CHUNK_ROWS, TEST, TRAIN, RowStream, stream_rows
from phasetrans.backend.teacher import make_teacher


def _teacher():
    return make_teacher(12, 3, 0, seed=4, kind="committee", activation="erf")


def test_a_row_depends_only_on_seed_stream_and_index():
    t = _teacher()
    whole_x, whole_y = stream_rows(t, 7, TRAIN, 0, CHUNK_ROWS + 50, dtype=torch.float64)
    # a range read on its own, across a chunk boundary, equals the same rows of a longer read
    part_x, part_y = stream_rows(t, 7, TRAIN, CHUNK_ROWS - 20, CHUNK_ROWS + 30, dtype=torch.float64)
    assert torch.equal(part_x, whole_x[CHUNK_ROWS - 20 : CHUNK_ROWS + 30])
    assert torch.equal(part_y, whole_y[CHUNK_ROWS - 20 : CHUNK_ROWS + 30])
    # nested training sets: the set of a smaller alpha is the head of a larger one
    small_x, _ = stream_rows(t, 7, TRAIN, 0, 100, dtype=torch.float64)
    assert torch.equal(small_x, whole_x[:100])
    # the test stream and another seed are different data
    test_x, _ = stream_rows(t, 7, TEST, 0, 100, dtype=torch.float64)
    other_x, _ = stream_rows(t, 8, TRAIN, 0, 100, dtype=torch.float64)
    assert not torch.allclose(test_x, small_x)
    assert not torch.allclose(other_x, small_x)
    # labels are the teacher's
    assert torch.allclose(whole_y, t.label(whole_x))


def test_online_batches_never_repeat_an_example_and_do_not_depend_on_grouping():
    t = _teacher()
    batch, per_epoch = 3, 5
    source = OnlineBatches(RowStream(t, 1, TRAIN, dtype=torch.float64), batch, per_epoch)
    seen = torch.cat(
        [xb for e in range(1, 2000 // (batch * per_epoch) + 2) for xb, _ in source.epoch_batches(e)]
    )
    assert seen.shape[0] > CHUNK_ROWS // 4
    assert torch.unique(seen, dim=0).shape[0] == seen.shape[0]  # no example twice
    # step s always takes rows s*B ... (s+1)*B - 1, whatever the epoch length
    other = OnlineBatches(RowStream(t, 1, TRAIN, dtype=torch.float64), batch, 2)
    regrouped = torch.cat([xb for e in range(1, 4) for xb, _ in other.epoch_batches(e)])
    assert torch.equal(regrouped, seen[: regrouped.shape[0]])

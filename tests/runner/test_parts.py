"""A part records the matching threshold its ``teacher_recovered`` was computed with."""

from __future__ import annotations

import numpy as np
import pytest

from phasetrans.backend.task import run_block
from phasetrans.errors import DataError
from phasetrans.names import COSINE_MATCH, at_checkpoints
from phasetrans.runner.parts import RECOVERED, result_dataset
from phasetrans.store import combine_datasets, read_dataset
from tests.backend.helpers import block, settings, teacher
from tests.runner.helpers import parts_dir


def _result(seed: int):
    spec = block(
        teacher=teacher(input_dim=6, width=3, hidden2=5),
        width=8,
        seeds=(seed,),
        n_train=200,
        n_test=100,
        settings=settings(
            lr=0.02, batch_size=50, epochs=4, step="reference", checkpoints=(2, 8), log_every=1
        ),
    )
    return run_block(spec)


@pytest.fixture(scope="module")
def results():
    return [_result(0), _result(1)]


def test_a_part_written_by_a_run_records_the_threshold(reference):
    part = sorted(parts_dir(reference.study).glob("*.nc"))[0]
    ds = read_dataset(part, load=True)
    assert ds[RECOVERED].attrs["threshold"] == COSINE_MATCH
    assert reference.dataset[RECOVERED].attrs["threshold"] == COSINE_MATCH


def test_the_threshold_used_is_the_one_recorded_and_combine_keeps_it(results):
    strict = result_dataset(results[0], {}, {}, threshold=0.99)
    loose = result_dataset(results[0], {}, {}, threshold=0.0)
    for name in (RECOVERED, at_checkpoints(RECOVERED)):
        assert strict[name].attrs["threshold"] == 0.99
        assert loose[name].attrs["threshold"] == 0.0
    # at cosine >= 0 every matched teacher node of an effective node counts
    assert bool((loose[RECOVERED] >= strict[RECOVERED]).all())
    assert float(loose[RECOVERED].sum()) > float(strict[RECOVERED].sum())
    both = combine_datasets([strict, result_dataset(results[1], {}, {}, threshold=0.99)])
    assert both[RECOVERED].attrs["threshold"] == 0.99
    assert both.sizes["seed"] == 2
    np.testing.assert_array_equal(both[RECOVERED].sel(seed=0), strict[RECOVERED].sel(seed=0))


def test_parts_of_two_thresholds_are_refused_by_combine(results):
    parts = [
        result_dataset(results[0], {}, {}, threshold=0.9),
        result_dataset(results[1], {}, {}, threshold=0.8),
    ]
    with pytest.raises(DataError, match="matching threshold of teacher_recovered") as err:
        combine_datasets(parts)
    assert err.value.field in (RECOVERED, at_checkpoints(RECOVERED)) and err.value.value == 0.8

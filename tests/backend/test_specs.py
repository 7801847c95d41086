"""The backend's specs: torch-free, explicit, and the engines behind one protocol."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest
import torch

from phasetrans.backend.engines import (
    CommitteeSGDEngine,
    Engine,
    FastEngine,
    ReferenceEngine,
    engine_name,
    make_engine,
)
from phasetrans.backend.ensemble import StudentEnsemble
from phasetrans.backend.results import BlockResult, CheckpointRecord
from phasetrans.backend.specs import (
    BlockSpec,
    PackSpec,
    TeacherSpec,
    TrainSettings,
    epoch_batch_sizes,
)
from tests.backend.helpers import settings


@pytest.mark.parametrize(
    "module",
    [
        "phasetrans.backend.specs",
        "phasetrans.backend.results",
        "phasetrans.runner",
        "phasetrans.store",
        "phasetrans.config",
    ],
)
def test_specs_and_what_types_with_them_import_without_torch(module):
    code = f"import sys, {module}; print('torch' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.parametrize(
    "spec", [TeacherSpec, TrainSettings, BlockSpec, PackSpec, BlockResult, CheckpointRecord]
)
def test_backend_dataclasses_take_explicit_values(spec):
    """The defaults of a study live in phasetrans.config, not in a second copy here."""
    defaulted = [
        f.name
        for f in dataclasses.fields(spec)
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
    ]
    assert defaulted == []
    with pytest.raises(TypeError, match="missing"):
        spec()


@pytest.mark.parametrize("n", [1, 7, 300, 601, 1000])
def test_epoch_batch_sizes_cut_as_numpy_and_keras_do(n):
    for k in range(1, min(n, 13) + 1):
        expected = [len(c) for c in np.array_split(np.arange(n), k)]
        assert epoch_batch_sizes(n, 0, k) == expected
    for batch in (1, 64, 300, n):
        sizes = epoch_batch_sizes(n, batch, 0)
        assert sum(sizes) == n and len(sizes) == -(-n // batch)
        assert sizes[:-1] == [batch] * (len(sizes) - 1)


def _model(committee: bool = False) -> StudentEnsemble:
    return StudentEnsemble(5, 6, 0 if committee else 4, [0, 1], committee=committee)


def test_each_run_gets_the_engine_of_its_strategy():
    x, y = torch.randn(40, 5), torch.randn(40)
    cases = [
        (_model(), settings(step="reference"), ReferenceEngine),
        (_model(), settings(step="fast", compile=False), FastEngine),
        (_model(), settings(step="auto", compile=False), FastEngine),
        (_model(), settings(step="auto", epochs=2), ReferenceEngine),  # compiling does not pay
        (_model(), settings(optimizer="sgd", step="auto"), ReferenceEngine),
        (_model(True), settings(optimizer="sgd", step="auto"), CommitteeSGDEngine),
        (_model(True), settings(optimizer="sgd", step="reference"), ReferenceEngine),
        (_model(True), settings(step="auto"), ReferenceEngine),  # committee Adam
    ]
    for model, s, kind in cases:
        engine = make_engine(model, x, y, s, classification=False)
        assert type(engine) is kind, (s.step, s.optimizer, model.committee)
        assert isinstance(engine, Engine)
    with pytest.raises(ValueError, match="run_pack"):
        engine_name(_model(), settings(step="member"), False, 40)

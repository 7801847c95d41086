"""The models' guess() and fits on noise-free curves."""

from __future__ import annotations

import pytest

from phasetrans.analysis.exponents import (
    MODELS,
    ExponentialTransitionModel,
    PowerLawTransitionModel,
    StepTransitionModel,
)
from phasetrans.testing.curves import KNOWN_CURVES as CURVES
from phasetrans.testing.curves import X


@pytest.mark.parametrize(
    ("model", "truth"),
    [
        (PowerLawTransitionModel(), {"amplitude": 0.5, "beta": 0.7, "c": 0.1}),
        (ExponentialTransitionModel(), {"a": 0.05, "b": 0.25, "c": -0.05}),
        (StepTransitionModel(), {"amplitude": 1.0, "center": -8.0, "width": 1.5, "c": 0.2}),
    ],
)
def test_guess_then_fit_recovers_noise_free_parameters(model, truth):
    name = {v: k for k, v in MODELS.items()}[type(model)]
    y = CURVES[name](X)
    params = model.guess(y, X)
    # the guess alone is already in the right region
    for key, value in truth.items():
        assert params[key].value == pytest.approx(value, rel=0.5, abs=0.05), key
    result = model.fit(y, params, x=X)
    for key, value in truth.items():
        assert result.params[key].value == pytest.approx(value, rel=1e-5, abs=1e-7), key

"""Ranking transition models by AIC and BIC."""

from __future__ import annotations

import pytest

from phasetrans.analysis.exponents import compare_models
from phasetrans.testing.curves import KNOWN_CURVES as CURVES
from phasetrans.testing.curves import curve_samples as samples


@pytest.mark.parametrize("truth", ["power", "exponential", "step"])
def test_aic_prefers_the_generating_model(truth):
    da = samples(CURVES[truth], noise=0.005, seed=5)
    table = compare_models(da, "x", sample_dim="seed")
    assert table.best == truth
    # a clear preference; the step contains the exponential as a limit, so against it
    # the margin is about the 2 AIC units of its extra parameter
    assert table.rows[1]["delta"] > 1.5
    weights = [r["weight"] for r in table.rows]
    assert sum(weights) == pytest.approx(1.0)
    assert weights[0] > 0.7
    assert [r["delta"] for r in table.rows] == sorted(r["delta"] for r in table.rows)
    ds = table.to_dataset()
    assert list(ds["model"].values) == [r["model"] for r in table.rows]
    text = table.report()
    assert text.splitlines()[2].split()[0] == truth
    bic = compare_models(da, "x", sample_dim="seed", criterion="bic")
    assert bic.best == truth

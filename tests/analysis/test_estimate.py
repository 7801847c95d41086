"""The parameter record and the one value ± error formatter, on known answers."""

from __future__ import annotations

import copy
import math
import pickle

import numpy as np
import pytest

from phasetrans.analysis.estimate import (
    Estimate,
    format_estimate,
    format_value,
    parameters_dataset,
)


def test_an_estimate_is_its_value():
    e = Estimate(1.25, 0.05, intervals={0.95: (1.15, 1.36)})
    assert e == 1.25 and e.value == 1.25 and type(e.value) is float
    assert e * 2 == 2.5 and f"{e:.1f}" == "1.2" and str(e) == "1.25" and f"{e}" == "1.25"
    assert np.isfinite(e) and not math.isnan(e)
    assert e == pytest.approx(1.2500001)
    assert np.asarray([e, Estimate(2.0)]).dtype == np.float64


def test_an_estimate_is_immutable_and_copies_with_replace():
    e = Estimate(1.0, 0.1, samples=np.array([0.9, 1.1]), correlations={"b": -0.5})
    with pytest.raises(AttributeError, match="immutable"):
        e.stderr = 0.2
    moved = e.replace(2.0, stderr=0.3)
    assert (moved, moved.stderr, moved.correlations) == (2.0, 0.3, {"b": -0.5})
    assert (e, e.stderr) == (1.0, 0.1)
    with pytest.raises(TypeError, match="no field"):
        e.replace(error=1)
    for back in (pickle.loads(pickle.dumps(e)), copy.deepcopy(e)):
        assert back == 1.0 and back.stderr == 0.1 and back.correlations == {"b": -0.5}
        np.testing.assert_array_equal(back.samples, [0.9, 1.1])


def test_interval_is_nan_without_a_bootstrap():
    assert all(math.isnan(v) for v in Estimate(1.0).interval(0.95))
    assert Estimate(1.0, intervals={0.68: (0.9, 1.1)}).interval(0.68) == (0.9, 1.1)


@pytest.mark.parametrize(
    ("args", "kwargs", "text"),
    [
        ((1.23456, 0.0123), {}, "1.235 ± 0.012"),
        ((1234.5, 56.0), {}, "1234 ± 56"),
        ((0.5, 0.0), {}, "0.5"),  # no error known: six significant digits
        ((0.123456789, math.nan), {}, "0.123457"),
        ((0.4, 0.0), {"fixed": True}, "0.4 (fixed)"),
        ((math.nan, 0.1), {}, "nan"),
        ((math.inf, math.inf), {}, "inf"),
        ((1.0123, 0.021), {"interval": (0.98, 1.05)}, "1.012 [0.980, 1.050]"),
        ((1.0123, math.nan), {"interval": (0.98, 1.05)}, "1.012 [0.980, 1.050]"),  # from width
        ((1.0123, 0.021), {"interval": (math.nan, math.nan)}, "1.012 ± 0.021"),
    ],
)
def test_format_estimate(args, kwargs, text):
    assert format_estimate(*args, **kwargs) == text


def test_format_value_shows_two_digits_of_the_error():
    assert format_value(3.14159, 0.0042) == "3.1416"
    assert format_value(3.14159, 4.2) == "3.1"
    assert format_value(-2.0, 0.5) == "-2.00"


def test_tables_and_dataset_from_estimates():
    params = {
        "x_c": Estimate(0.5, 0.01, intervals={0.68: (0.49, 0.51), 0.95: (0.48, 0.52)},
                        samples=np.array([0.49, np.nan, 0.51])),
        "zeta": Estimate(0.4, 0.0, fixed=True),
    }  # fmt: skip
    ds = parameters_dataset(params)
    assert ds["estimate"].values.tolist() == [0.5, 0.4]
    assert ds["stderr"].values.tolist() == [0.01, 0.0]
    assert ds["fixed"].values.tolist() == [0, 1]
    assert ds["interval_low"].sel(parameter="x_c", level=0.95).item() == 0.48
    assert np.isnan(ds["interval_low"].sel(parameter="zeta", level=0.95).item())
    np.testing.assert_array_equal(
        ds["bootstrap_samples"].sel(parameter="x_c"), [0.49, np.nan, 0.51]
    )
    assert np.isnan(ds["bootstrap_samples"].sel(parameter="zeta")).all()


def test_format_value_outside_fixed_point_uses_significant_digits():
    assert format_value(57338192074.0, 1e11) == "6e+10"  # error larger than the value
    assert format_value(123456.7, 0.5) == "123456.70"
    assert format_value(2.5e-7, 1.2e-8) == "2.50e-07"
    assert format_value(-4.6e-10, 1e-9) == "-5e-10"


def test_plus_minus_is_the_standard_error_never_the_bootstrap_sd():
    # a bootstrapped collapse: stderr holds the bootstrap s.d., the curvature gives the s.e.
    e = Estimate(1.0, 0.5, curvature_stderr=0.012, intervals={0.95: (0.2, 1.9)})
    assert e.standard_error == 0.012
    assert e.format() == "1.000 ± 0.012"  # not "± 0.5"
    assert e.format(0.95) == "1.00 [0.20, 1.90]"  # digits from the spread, 0.5
    assert Estimate(1.0, 0.5).format() == "1"  # no s.e.: no ±
    assert Estimate(2.0, 0.3, curvature_stderr=0.1, fixed=True).standard_error == 0.0

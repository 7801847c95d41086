"""The rule for starting and fixed values: the optimiser's bounds, not a copy of them."""

from __future__ import annotations

import math

import pytest

from phasetrans.analysis.scaling import collapse
from phasetrans.analysis.scaling.checks import CORRECTION_LIMIT, parameter_rule
from phasetrans.analysis.scaling.objective import BOUNDS
from tests.analysis.scaling.test_collapse import synthetic

RANGE = (-10.0, 86.0)


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("x_c", 3.0, None),
        ("x_c", 1e300, "a number within the control range [-10, 86]"),
        ("x_c", math.nan, "a number within the control range [-10, 86]"),
        ("nu", 0.02, None),  # |1/nu| = 50, on the bound of the search
        ("nu", -0.5, None),
        ("nu", math.inf, None),  # 1/nu = 0: no size dependence
        ("nu", 0.015, "a non-zero number with |nu| >= 0.02, or inf (no size dependence)"),
        ("nu", 0.0, "a non-zero number with |nu| >= 0.02, or inf (no size dependence)"),
        ("zeta", -50.0, None),
        ("zeta", 1e9, "a finite number with |value| <= 50"),
        ("b", math.inf, "a finite number with |value| <= 50"),
        ("omega", 2.0, None),
    ],
)
def test_parameter_rule(name, value, allowed):
    assert parameter_rule(name, value, RANGE) == allowed


def test_the_rule_follows_the_bounds_of_the_search():
    assert CORRECTION_LIMIT == BOUNDS["zeta"]
    # just beyond the rule, the goal function is infinite: a fixed nu there cannot collapse
    too_small = 0.99 / BOUNDS["inv_nu"]
    assert parameter_rule("nu", too_small, RANGE) is not None
    with pytest.raises(ValueError, match="overlap"):
        collapse(synthetic(n_seeds=4, n_x=21), "L", "x", sample_dim="seed", fix={"nu": too_small})

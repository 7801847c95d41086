"""Which order parameter transition() takes, and its variants (threshold, half budget, alpha')."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.transition.order import (
    COMPONENT_DIM,
    half_budget,
    order_input,
    recovered_at,
)
from phasetrans.analysis.transition.systematics import _regrid
from phasetrans.errors import AnalysisInputError
from phasetrans.names import TIME, at_checkpoints
from phasetrans.testing.specialisation import SLOW, transition_study
from phasetrans.testing.transition import threshold_artefact_ensemble


@pytest.fixture
def study() -> xr.Dataset:
    ds = threshold_artefact_ensemble(sizes=(16, 32), alpha=[1.0, 2.0, 4.0], n_teachers=3)
    # checkpoints at steps 10, 40, 100, 400 (cell 1: 20, 50, 200, 800): half the last is
    # nearest the third checkpoint in both
    steps = np.array([[10, 40, 100, 400], [20, 50, 200, 800]])
    values = ds["teacher_recovered"].expand_dims({TIME: 4}, axis=-1) * [0.1, 0.2, 0.5, 1.0]
    ds[at_checkpoints("teacher_recovered")] = values
    ds = ds.assign_coords(time_step=(("input_dim", TIME), steps))
    return ds


def test_half_budget_takes_the_checkpoint_nearest_half_the_last_step(study):
    half = half_budget(study, "teacher_recovered")
    np.testing.assert_allclose(half, 0.5 * study["teacher_recovered"])
    assert half_budget(study, "overlap_max") is None


def test_order_input_finds_the_variants(study):
    inp = order_input(study, None, control="alpha", size="input_dim")
    assert inp.name == "teacher_recovered" and inp.threshold == 0.9
    assert inp.overlap is not None and inp.half is not None and inp.r_sym is None
    assert inp.m.dims[:2] == ("input_dim", "alpha")
    np.testing.assert_allclose(recovered_at(inp.overlap, 0.9), study["teacher_recovered"])
    with pytest.raises(AnalysisInputError) as info:
        order_input(study, None, control="alpha", size="input_dim", at={"width": 3})
    assert info.value.field == "at"


def test_alpha_prime_grid_is_the_union_of_the_sizes():
    da = xr.DataArray(
        np.arange(6.0).reshape(2, 3),
        dims=("input_dim", "alpha"),
        coords={"input_dim": [10, 20], "alpha": [1.0, 2.0, 3.0]},
    )
    out = _regrid(da, "input_dim", "alpha", np.array([10 / 30, 20 / 40]))
    assert out.sizes["alpha"] == 5  # {1/3, 2/3, 1} and {1/2, 1, 3/2}
    assert float(out.sel(input_dim=20, alpha=1.0)) == 4.0  # alpha = 2 at N = 20: alpha' = 1
    assert int(out.notnull().sum()) == 6


@pytest.mark.parametrize("order", ["overlap_max_weighted", "overlap_max"])
def test_per_node_checkpoints_reduce_over_teacher_nodes_like_the_final_value(order):
    # the report's synthetic study, its r_n at T/2 and T (dims ..., teacher_node, time): r_n at
    # T/2 is 0.1 lower in the one SLOW cell, the same elsewhere; r_sym = 0.5, so the half-budget
    # m = mean_n (r_n - r_sym)/(1 - r_sym) is m - 0.2 there and m elsewhere
    ds = transition_study(checkpoints=True)
    assert {COMPONENT_DIM, TIME} <= set(ds[at_checkpoints(order)].dims)
    inp = order_input(ds, order, control="alpha", size="input_dim")
    assert inp.half.dims == inp.m.dims and inp.half.sizes == inp.m.sizes
    shift = (inp.m - inp.half).transpose(*inp.m.dims)
    (cell,) = SLOW
    slow = {k: v for k, v in cell.items() if k != "training"}
    np.testing.assert_allclose(shift.sel(slow), 0.2, atol=1e-12)
    elsewhere = shift.where((shift.input_dim != 40) | (shift.alpha != 1.0), 0.0)
    np.testing.assert_allclose(elsewhere, 0.0, atol=1e-12)


def test_specialisation_is_read_as_the_fraction_of_the_specialised_value():
    # s = mean_n r^w_n - r_sym runs up to 1 - r_sym (0.5 for an orthogonal K = 4 teacher),
    # so the levels 0.2/0.5/0.8 would read it on another scale than overlap_max_weighted;
    # divided by 1 - r_sym it is the same m, at the end of training and at T/2
    ds = transition_study(checkpoints=True)
    spec = order_input(ds, "specialisation", control="alpha", size="input_dim")
    weighted = order_input(ds, "overlap_max_weighted", control="alpha", size="input_dim")
    assert float(spec.m.max()) > 0.9  # not capped at 1 - r_sym
    np.testing.assert_allclose(spec.m, weighted.m.transpose(*spec.m.dims), atol=1e-12)
    np.testing.assert_allclose(spec.half, weighted.half.transpose(*spec.half.dims), atol=1e-12)
    assert any("1 - r_sym" in note for note in spec.notes)

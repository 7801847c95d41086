"""Study-level topology comparison (analysis/topology.py)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.pruned import retained_count, retained_mask
from phasetrans.analysis.topology import compare_topology, match_student
from phasetrans.errors import AnalysisInputError, PhasetransWarning
from phasetrans.testing.topology import (
    N_HIDDEN2,
    N_INPUT,
    TEACHER_WIDTHS,
    swept_topology_study,
)

# --------------------------------------------------------------------------- study level


def test_retained_mask_ranks_by_importance():
    importance = np.array([[0.5, 2.0, np.nan, 1.0, 2.0]])
    ds = xr.Dataset(
        {
            "importance": (
                ("training", "teacher_width", "width", "seed", "node"),
                importance.reshape(1, 1, 1, 1, 5),
            ),
            "dimension": (
                ("training", "teacher_width", "width", "seed"),
                np.full((1, 1, 1, 1), 2.0),
            ),
        },
        coords={"training": ["spectral"], "teacher_width": [2], "width": [4], "seed": [0]},
    )
    np.testing.assert_array_equal(
        retained_mask(ds).values.ravel(), [False, True, False, False, True]
    )
    np.testing.assert_array_equal(
        retained_mask(ds, retained=3).values.ravel(), [False, True, False, True, True]
    )
    np.testing.assert_array_equal(
        retained_mask(ds, retained=10).values.ravel(), [True, True, False, True, True]
    )


def test_retained_count_choices(study):
    own = retained_count(study, "dimension")
    assert own.sel({"training": "direct", "width": 8}).values.tolist() == [[8.0] * 3] * 2
    spec = retained_count(study, "spectral_dimension")
    assert spec.sel({"training": "direct", "teacher_width": 4}).values.tolist() == [[4.0] * 3] * 2
    by_width = xr.DataArray([2.4, 2.6], coords={"width": [6, 8]}, dims="width")
    count = retained_count(study, by_width)
    assert count.dims == ("training", "teacher_width", "width", "seed")
    assert count.sel(width=6).values.max() == 2 and count.sel(width=8).values.min() == 3


@pytest.mark.parametrize(
    ("retained", "message"),
    [
        ("dim", "retained: 'dim' is not allowed; use dimension, spectral_dimension"),
        (0, "retained: 0 is not allowed"),
        (2.5, "retained: 2.5 is not allowed"),
        (xr.DataArray([1, 2], dims="node"), "retained: a DataArray over"),
    ],
)
def test_retained_rejects_bad_values(study, retained, message):
    with pytest.raises(AnalysisInputError, match=message):
        compare_topology(study, retained=retained)


def test_compare_topology_spectral_recovers_teacher(study):
    res = compare_topology(study, n_points=50)
    assert set(res.dims) == {"training", "teacher_width", "width", "seed", "layer", "rank"}
    spec = res.sel({"training": "spectral"})
    for t in TEACHER_WIDTHS:
        s = spec.sel(teacher_width=t)
        np.testing.assert_array_equal(s.n_retained, t)
        np.testing.assert_array_equal(s.n_recovered, t)
        np.testing.assert_allclose(s.recovered_fraction, 1.0)
        np.testing.assert_allclose(s.mean_similarity, 1.0, atol=1e-12)
        np.testing.assert_allclose(s.path_wasserstein, 0.0, atol=1e-12)
        np.testing.assert_array_equal(s.path_ks.sel(seed=0), 0.0)  # pure permutation
        assert (s.path_ks <= 2 / (N_INPUT * t * N_HIDDEN2)).all()  # ulp shifts of rescaling
        np.testing.assert_allclose(
            s.path_curve, s.teacher_path_curve.broadcast_like(s.path_curve), atol=1e-12
        )
    # seed 0 is a pure permutation: strengths equal too; seeds 1, 2 are rescaled
    np.testing.assert_allclose(spec.strength_wasserstein.sel(seed=0), 0.0, atol=1e-12)
    assert (spec.strength_ks.sel(seed=[1, 2], layer="hidden1") > 0).all()
    np.testing.assert_array_equal(res.teacher_n_nodes, TEACHER_WIDTHS)
    assert res.teacher_path_curve.sel(teacher_width=4).max() == pytest.approx(1.0, abs=0.02)
    assert res.attrs["retained"] == "dimension" and res.attrs["normalize"] == "max"


def test_compare_topology_direct_pruned_to_spectral_dimension(study):
    own = compare_topology(study, training="direct")
    assert list(own.training.values) == ["direct"]
    np.testing.assert_array_equal(
        own.n_retained.sel(width=8).values, np.full((1, 2, 3), 8.0)
    )  # direct keeps everything at its own dimension
    res = compare_topology(study, retained="spectral_dimension", training="direct")
    for t in TEACHER_WIDTHS:
        np.testing.assert_array_equal(res.n_retained.sel(teacher_width=t), t)
    assert float(res.n_recovered.sum()) <= 2
    assert float(res.mean_similarity.mean()) < 0.6
    assert (res.path_wasserstein > 0.02).all() and (res.path_ks > 0.1).all()
    with pytest.raises(AnalysisInputError, match="training: \\['lasso'\\] is not allowed"):
        compare_topology(study, training="lasso")


def test_compare_topology_with_more_nodes_than_the_teacher(study):
    res = compare_topology(study, retained=5, training="spectral").sel(teacher_width=3)
    np.testing.assert_array_equal(res.n_retained, 5)
    np.testing.assert_array_equal(res.n_recovered, 3)  # noise nodes do not count
    assert (res.path_ks > 0.1).all()  # their tiny paths shift the distribution


def test_compare_topology_retained_dataarray_and_missing_students(study):
    ds = study.copy(deep=True)
    ds["importance"].loc[{"training": "spectral", "teacher_width": 4, "width": 6, "seed": 2}] = (
        np.nan
    )
    by_width = xr.DataArray([2, 3], coords={"width": [6, 8]}, dims="width")
    res = compare_topology(ds, retained=by_width, training="spectral")
    np.testing.assert_array_equal(res.n_recovered.sel(teacher_width=3, width=6), 2)
    np.testing.assert_array_equal(res.n_recovered.sel(teacher_width=3, width=8), 3)
    missing = res.sel(teacher_width=4, width=6, seed=2)
    assert np.isnan(missing.n_retained) and np.isnan(missing.path_wasserstein)


def test_compare_topology_rejects_incomplete_dataset(study):
    with pytest.raises(AnalysisInputError, match="lacks variable\\(s\\) teacher_w1"):
        compare_topology(study.drop_vars("teacher_w1"))
    with pytest.raises(AnalysisInputError, match="normalize"):
        compare_topology(study, normalize="rank")


def test_match_student_uses_pruned_nodes(study):
    m = match_student(study, training="spectral", teacher_width=4, width=8, seed=1)
    assert m.n_recovered == 4 and m.student_nodes.size == 4
    assert np.isnan(m.matrix).all(axis=1).sum() == 8 - 4


# --------------------------------------------------------------------------- swept studies


def swept() -> xr.Dataset:
    root, weights, teacher = swept_topology_study()
    teacher = teacher.rename(w1="teacher_w1", w2="teacher_w2")
    return xr.merge([root, weights, teacher], compat="no_conflicts", join="outer")


def test_compare_topology_carries_the_sweeps_through():
    ds = swept()
    res = compare_topology(ds, n_points=30)
    student = ("training", "teacher_seed", "input_dim", "teacher_width", "width", "seed")
    assert res["n_recovered"].dims == student
    assert res["teacher_path_curve"].dims == ("teacher_seed", "input_dim", "teacher_width", "rank")
    assert res["teacher_n_nodes"].dims == ("teacher_seed", "input_dim", "teacher_width")
    spectral = res.sel(training="spectral")
    for t in TEACHER_WIDTHS:
        # every teacher, every input dimension (4 of them padding two inputs): all recovered
        np.testing.assert_array_equal(spectral["n_recovered"].sel(teacher_width=t), t)
        np.testing.assert_allclose(spectral["path_wasserstein"].sel(teacher_width=t), 0, atol=1e-12)
    # each student is compared with its own teacher: the other teacher is no match
    other = res["teacher_path_curve"].sel(teacher_seed=1, input_dim=6, teacher_width=4)
    mine = spectral["path_curve"].sel(teacher_seed=0, input_dim=6, teacher_width=4, seed=0)
    assert float(abs(mine - other).max()) > 0.01


def test_compare_topology_leaves_diverged_students_out():
    ds = swept()
    ds["diverged_epoch"] = xr.zeros_like(ds["dimension"], dtype=int)
    cell = {"training": "spectral", "teacher_seed": 1, "input_dim": 4, "teacher_width": 3}
    ds["diverged_epoch"].loc[{**cell, "width": 6, "seed": 2}] = 9
    with pytest.warns(PhasetransWarning, match="diverged"):
        res = compare_topology(ds, n_points=30)
    assert np.isnan(res["n_recovered"].sel(cell).sel(width=6, seed=2))
    assert int(np.isnan(res["n_recovered"]).sum()) == 1


def test_match_student_needs_the_swept_values():
    ds = swept()
    with pytest.raises(AnalysisInputError, match="teacher_seed") as info:
        match_student(ds, training="spectral", teacher_width=4, width=8, seed=0)
    assert info.value.field == "at"
    match = match_student(
        ds,
        training="spectral",
        teacher_width=4,
        width=8,
        seed=1,
        at={"teacher_seed": 1, "input_dim": 4},
    )
    assert match.n_recovered == 4 and match.mean_similarity == pytest.approx(1.0)


def test_bad_arguments_are_analysis_errors_with_their_field(study):
    for kwargs, field in (
        ({"threshold": 2.0}, "threshold"),
        ({"normalize": "rank"}, "normalize"),
        ({"n_points": 1}, "n_points"),
        ({"training": "lasso"}, "training"),
        ({"retained": "dim"}, "retained"),
    ):
        with pytest.raises(AnalysisInputError) as info:
            compare_topology(study, **kwargs)
        assert info.value.field == field

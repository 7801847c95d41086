"""Analysis outputs carry attributes fit for plot labels: no markup, no unit of "1"."""

from __future__ import annotations

import pytest
import xarray as xr

import phasetrans
from phasetrans.analysis.attrs import plain, plain_attrs


def test_plain_attrs_drops_markup_and_dimensionless_units_only():
    attrs = {"long_name": "test MSE with the top-`retained` nodes kept", "units": "1", "x": 3}
    assert plain_attrs(attrs) == {"long_name": "test MSE with the top-retained nodes kept", "x": 3}
    assert plain_attrs({"long_name": "time", "units": "s"}) == {"long_name": "time", "units": "s"}
    ds = xr.Dataset({"a": ("n", [1.0], attrs)}, coords={"n": ("n", [0], {"units": "1"})})
    out = plain(ds)
    assert out["a"].attrs == plain_attrs(attrs) and out["n"].attrs == {}
    assert ds["a"].attrs == attrs and ds["n"].attrs == {"units": "1"}  # the input untouched


def _labels(ds: xr.Dataset) -> list[tuple[str, dict]]:
    return [
        (name, dict(ds[name].attrs))
        for name in list(ds.data_vars) + list(ds.coords)
        if "`" in str(ds[name].attrs.get("long_name", "")) or ds[name].attrs.get("units") == "1"
    ]


@pytest.fixture(scope="module")
def sample():
    return phasetrans.open_sample()


@pytest.fixture(scope="module")
def labelled(sample):
    """The sample with the markup the store wrote before: backticks and units "1"."""
    ds = sample.copy(deep=True)
    for name in ("test_mse", "dimension", "importance", "eigenvalue", "teacher_recovered"):
        ds[name].attrs.update(long_name=f"`{name}` with the top-`retained` nodes", units="1")
    for name in ("width", "seed", "retained"):
        ds[name].attrs.update(units="1")
    return ds


def test_summary_topology_and_results_are_clean(labelled):
    sample = labelled
    assert _labels(sample)  # the input carries them, as studies written before did
    summary = sample.pt.summary()
    assert _labels(summary) == []
    assert summary["ratio_hT"].attrs["long_name"] == "MSE(h_T) / MSE(all), mean"
    assert _labels(sample.pt.topology()) == []
    collapse = sample.pt.collapse(bootstrap=0)
    assert _labels(collapse.scaled) == [] and _labels(collapse.to_dataset()) == []
    assert "units" not in collapse.to_dataset().attrs
    assert _labels(sample.pt.fit(bootstrap=0).to_dataset()) == []


def test_the_store_writes_plain_long_names_and_no_dimensionless_units(sample):
    from xarray.plot.utils import label_from_attrs

    from phasetrans.store.schema import annotate

    annotated = annotate(sample.copy(deep=True))
    assert _labels(annotated) == []
    for name in list(annotated.data_vars) + list(annotated.coords):
        units = annotated[name].attrs.get("units")
        assert units is None or units.strip(), (name, units)  # "" would print "[]"
    label = label_from_attrs(annotated["test_mse"])
    assert "`" not in label and "[" not in label and "most important" in label
    xr.testing.assert_equal(annotated, sample)  # values untouched (assert_equal ignores attrs)

import numpy as np
import pytest

import phasetrans
from phasetrans.config import load_study
from phasetrans.runner import run_study


@pytest.fixture(scope="module")
def study_ds(tmp_path_factory, tiny_study):
    tmp = tmp_path_factory.mktemp("acc")
    path = tiny_study(tmp, training={"spectral": {"epochs": 10}, "direct": {"epochs": 10}})
    out = run_study(load_study(path), scheduler="sync", progress=False).output
    return phasetrans.open_study(out).load()


def test_accessor_forwards_to_plain_functions(study_ds):
    from phasetrans.analysis.observables import delta_mse
    from phasetrans.summary import summarize

    ds = study_ds
    assert ds.pt.summary().identical(summarize(ds))
    np.testing.assert_array_equal(
        ds.pt.dimension("spectral").values,
        ds.dimension.sel({"training": "spectral"}).mean("seed").values,
    )
    assert ds.pt.observable("delta_mse").identical(delta_mse(ds))
    with pytest.raises(ValueError, match="observable='nope'"):
        ds.pt.observable("nope")


def test_accessor_collapse_and_topology(study_ds):
    result = study_ds.pt.collapse("delta_mse", training="spectral", fix={"zeta": 0})
    assert result.zeta == 0
    # 10 epochs: the curves of the two widths do not depend on size, and the result says so
    # (a finite x_c here was an artefact: a common shift of every size is not determined)
    assert result.size_independent == (not np.isfinite(result.x_c))
    if result.size_independent:
        assert result.nu == np.inf and "no size dependence" in result.report()
    topo = study_ds.pt.topology(retained=4)
    assert set(topo.sizes) >= {"training", "width", "seed"}
    assert float(topo["n_retained"].max()) == 4

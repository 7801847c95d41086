"""Teacher–student topology: does the pruned student look like the teacher?

The paper's third claim is that the sub-network left after spectral pruning
resembles the teacher in its computing neurons, its distribution of path
magnitudes and its connectivity. :func:`compare_topology` measures all three for
every student of a study; the building blocks live in
:mod:`~phasetrans.analysis.paths` (path and strength distributions, distances),
:mod:`~phasetrans.analysis.matching` (neuron matching) and
:mod:`~phasetrans.analysis.graph` (NetworkX graphs and graph measures), and are
re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from phasetrans.analysis.graph import LAYERS, LayerMeasures, layer_measures, to_graph
from phasetrans.analysis.matching import COSINE_MATCH, NeuronMatch, match_neurons
from phasetrans.analysis.paths import (
    NORMALIZATIONS,
    STRENGTH_LAYERS,
    DistributionDistance,
    Normalization,
    distribution_distance,
    node_strengths,
    normalize_magnitudes,
    path_magnitudes,
    present_nodes,
    sorted_path_curve,
)
from phasetrans.errors import AnalysisInputError, ConfigError

__all__ = [
    "LAYERS",
    "NORMALIZATIONS",
    "RETAINED_CHOICES",
    "DistributionDistance",
    "LayerMeasures",
    "NeuronMatch",
    "compare_topology",
    "distribution_distance",
    "layer_measures",
    "match_neurons",
    "match_student",
    "node_strengths",
    "normalize_magnitudes",
    "path_magnitudes",
    "present_nodes",
    "retained_count",
    "retained_mask",
    "sorted_path_curve",
    "to_graph",
]

#: Named choices of ``retained``: each student's own effective dimension, or the
#: spectral student's (same teacher_width, width, seed) for every method.
RETAINED_CHOICES: tuple[str, ...] = ("dimension", "spectral_dimension")
#: Dimensions that index one student.
STUDENT_DIMS: tuple[str, ...] = ("training", "teacher_width", "width", "seed")
_NEEDED = ("importance", "w1", "w2", "teacher_w1", "teacher_w2")

Retained = str | int | xr.DataArray


def _check_dataset(ds: xr.Dataset, needed: Sequence[str]) -> None:
    if "readout" in ds.variables or ds.attrs.get("teacher_kind") == "committee":
        raise AnalysisInputError(
            "dataset: a committee study (teacher.kind = 'committee') has no second hidden "
            "layer, so it has no paths or node strengths to compare; its students and "
            "teacher compare by their overlaps (phasetrans overlaps, ds['overlap_max'])",
            field="teacher_kind",
            value="committee",
        )
    missing = [name for name in needed if name not in ds.variables]
    if missing:
        raise ConfigError(
            f"dataset: lacks variable(s) {', '.join(missing)}; compare_topology needs "
            f"{', '.join(needed)} (open the study with phasetrans.open_study to merge "
            "the 'weights' and 'teacher' groups)"
        )
    missing_dims = [dim for dim in STUDENT_DIMS if dim not in ds.dims]
    if missing_dims:
        raise ConfigError(f"dataset: lacks dimension(s) {', '.join(missing_dims)}")


def _select_methods(ds: xr.Dataset, training: str | Sequence[str] | None) -> xr.Dataset:
    if training is None:
        return ds
    wanted = [training] if isinstance(training, str) else list(training)
    available = [str(m) for m in ds["training"].values]
    unknown = [m for m in wanted if m not in available]
    if unknown or not wanted:
        raise ConfigError(
            f"training: {unknown or wanted!r} is not allowed; "
            f"the dataset holds {', '.join(available)}"
        )
    return ds.sel({"training": wanted})


def retained_count(ds: xr.Dataset, retained: Retained = "dimension") -> xr.DataArray:
    """Resolve ``retained`` into a node count per student.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset (needs ``dimension`` for the named choices).
    retained : {"dimension", "spectral_dimension"} or int or xarray.DataArray
        ``"dimension"``: each student's own effective dimension.
        ``"spectral_dimension"``: the effective dimension of the spectral student
        with the same teacher_width, width and seed, for every method — so
        direct students are pruned to the spectral students' dimension.
        An int: that many nodes for every student. A DataArray over any subset
        of (training, teacher_width, width, seed): broadcast to every student.

    Returns
    -------
    xarray.DataArray
        Float counts over (training, teacher_width, width, seed), rounded to
        integers; NaN where a count is unknown (that student is not measured).

    Raises
    ------
    ConfigError
        For an unknown name, a count below 1, a negative DataArray value, a
        DataArray over other dimensions, or "spectral_dimension" without a
        spectral method.
    """
    allowed = f"use {', '.join(RETAINED_CHOICES)}, a positive integer or a DataArray"
    if isinstance(retained, xr.DataArray):
        extra = [d for d in retained.dims if d not in STUDENT_DIMS]
        if extra:
            raise ConfigError(
                f"retained: a DataArray over {retained.dims} is not allowed; its dims must be "
                f"among {', '.join(STUDENT_DIMS)}"
            )
        count = retained.astype(float)
    elif isinstance(retained, str):
        if retained not in RETAINED_CHOICES:
            raise ConfigError(f"retained: {retained!r} is not allowed; {allowed}")
        _check_dataset(ds, ["dimension"])
        if retained == "dimension":
            count = ds["dimension"].astype(float)
        else:
            trainings = [str(m) for m in ds["training"].values]
            if "spectral" not in trainings:
                raise ConfigError(
                    "retained: 'spectral_dimension' is not allowed for this dataset; it holds "
                    f"no 'spectral' training (available: {', '.join(trainings)})"
                )
            count = ds["dimension"].sel({"training": "spectral"}, drop=True).astype(float)
    elif isinstance(retained, (int, np.integer)) and not isinstance(retained, bool):
        if retained < 1:
            raise ConfigError(f"retained: {retained!r} is not allowed; {allowed}")
        count = xr.DataArray(float(retained))
    else:
        raise ConfigError(f"retained: {retained!r} is not allowed; {allowed}")
    if bool((count < 0).any()):
        raise ConfigError(f"retained: negative counts are not allowed (min {float(count.min())})")
    template = xr.zeros_like(ds["importance"].isel(node=0, drop=True), dtype=float)
    count, _ = xr.align(count, template, join="right")
    count = (np.floor(count + 0.5) + template).transpose(*STUDENT_DIMS)
    count.name = "retained"
    return count


def retained_mask(
    ds: xr.Dataset, *, retained: Retained = "dimension", training: str | Sequence[str] | None = None
) -> xr.DataArray:
    """Mark the top-``retained`` nodes of every student by importance.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset with ``importance(training, teacher_width, width, seed, node)``.
    retained : {"dimension", "spectral_dimension"} or int or xarray.DataArray
        How many nodes each student keeps, see :func:`retained_count`.
    training : str or sequence of str, optional
        Methods to keep; ``None`` keeps all.

    Returns
    -------
    xarray.DataArray of bool
        Over (training, teacher_width, width, seed, node): True for the kept nodes.

    Notes
    -----
    Nodes are ranked by descending ``importance`` (ties broken by node index);
    NaN importance (padding) is never kept, so a count above the width keeps
    every node and a student with an unknown count keeps none.
    """
    _check_dataset(ds, ["importance"])
    count = retained_count(ds, retained)
    ds = _select_methods(ds, training)
    count = count.sel({"training": ds["training"].values})
    importance = ds["importance"].transpose(*STUDENT_DIMS, "node")
    values = importance.values
    order = np.argsort(np.where(np.isnan(values), np.inf, -values), axis=-1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(values.shape[-1]), axis=-1)
    kept = (rank < count.values[..., None]) & np.isfinite(values)
    return xr.DataArray(kept, coords=importance.coords, dims=importance.dims, name="kept")


def _student_arrays(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    w1 = ds["w1"].transpose(*STUDENT_DIMS, "input", "node").values
    w2 = ds["w2"].transpose(*STUDENT_DIMS, "node", "hidden2").values
    return w1, w2


def _teacher_arrays(ds: xr.Dataset, teacher_width: object) -> tuple[np.ndarray, np.ndarray]:
    t1 = ds["teacher_w1"].sel(teacher_width=teacher_width).transpose("input", "teacher_node")
    t2 = ds["teacher_w2"].sel(teacher_width=teacher_width).transpose("teacher_node", "hidden2")
    return t1.values, t2.values


def match_student(
    ds: xr.Dataset,
    *,
    training: str,
    teacher_width: int,
    width: int,
    seed: int,
    retained: Retained = "dimension",
    threshold: float = COSINE_MATCH,
) -> NeuronMatch:
    """Match one pruned student's hidden1 nodes to its teacher's.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset as for :func:`compare_topology`.
    training, teacher_width, width, seed
        Coordinates of the student.
    retained : {"dimension", "spectral_dimension"} or int or xarray.DataArray
        Nodes kept before matching, see :func:`retained_count`.
    threshold : float
        Recovery threshold of :func:`match_neurons`.

    Returns
    -------
    NeuronMatch
        With the student's original node numbering; dropped nodes are NaN rows
        of ``matrix``.
    """
    _check_dataset(ds, _NEEDED)
    student = {"training": training, "teacher_width": teacher_width, "width": width, "seed": seed}
    kept = retained_mask(ds, retained=retained).sel(student)
    w1 = ds["w1"].sel(student).where(kept).transpose("input", "node").values
    teacher_w1, _ = _teacher_arrays(ds, teacher_width)
    return match_neurons(w1, teacher_w1, threshold=threshold)


_ATTRS = {
    "n_retained": ("hidden1 nodes kept", "1"),
    "path_wasserstein": ("1-Wasserstein distance of path magnitudes to the teacher's", "1"),
    "path_ks": ("Kolmogorov-Smirnov statistic of path magnitudes against the teacher's", "1"),
    "strength_wasserstein": ("1-Wasserstein distance of node strengths to the teacher's", "1"),
    "strength_ks": ("Kolmogorov-Smirnov statistic of node strengths against the teacher's", "1"),
    "n_recovered": ("teacher hidden1 nodes matched at similarity >= threshold", "1"),
    "recovered_fraction": ("fraction of teacher hidden1 nodes recovered", "1"),
    "mean_similarity": ("mean cosine similarity of matched node pairs", "1"),
    "path_curve": ("sorted normalised path magnitude", "1"),
    "teacher_path_curve": ("sorted normalised path magnitude of the teacher", "1"),
    "teacher_n_nodes": ("teacher hidden1 nodes", "1"),
}


def compare_topology(
    ds: xr.Dataset,
    *,
    retained: Retained = "dimension",
    training: str | Sequence[str] | None = None,
    threshold: float = COSINE_MATCH,
    normalize: Normalization = "max",
    n_points: int = 200,
) -> xr.Dataset:
    """Measure how closely each pruned student resembles its teacher.

    Parameters
    ----------
    ds : xarray.Dataset
        A study as returned by ``phasetrans.open_study``: ``importance``,
        ``dimension`` (for the named ``retained`` choices), ``w1``, ``w2``,
        ``teacher_w1`` and ``teacher_w2``.
    retained : {"dimension", "spectral_dimension"} or int or xarray.DataArray
        Nodes each student keeps, top ones by ``importance``; see
        :func:`retained_count`. ``"spectral_dimension"`` prunes every method to
        the spectral student's effective dimension — the fair comparison of
        spectral against direct training at equal node count.
    training : str or sequence of str, optional
        Methods to measure; ``None`` measures all.
    threshold : float
        Cosine similarity at which a teacher node counts as recovered.
    normalize : {"max", "mean", "sum", "none"}
        Rescaling of each network's path magnitudes and strengths before the
        distances (see :func:`normalize_magnitudes`); ``"max"`` maps both
        networks onto [0, 1] as the paper's sorted-path curves do.
    n_points : int
        Points of the rank grid of the sorted path curves.

    Returns
    -------
    xarray.Dataset
        Over (training, teacher_width, width, seed): ``n_retained``,
        ``path_wasserstein``, ``path_ks``, ``n_recovered``,
        ``recovered_fraction``, ``mean_similarity``; over the same plus
        ``layer`` (hidden1, hidden2): ``strength_wasserstein``, ``strength_ks``;
        plus ``rank``: ``path_curve``; and ``teacher_path_curve(teacher_width,
        rank)``, ``teacher_n_nodes(teacher_width)``. Students with no kept node
        (missing, or unknown count) are NaN throughout. The attrs record the
        arguments.

    Notes
    -----
    Every student is compared with the teacher of its teacher_width, whose
    hidden nodes are all kept. Paths are ``|W1[i, j] W2[j, k]|`` over kept nodes
    j; strengths are weighted in-degrees (``Σ_i |W1[i, j]|`` for hidden1,
    ``Σ_j |W2[j, k]|`` over kept j for hidden2). Distances are
    ``scipy.stats.wasserstein_distance`` and the ``ks_2samp`` statistic on the
    normalised samples; matching is :func:`match_neurons` on the kept nodes'
    incoming weights.

    Path magnitudes and matching are blind to the ReLU symmetry (scaling a
    node's input by a > 0 and its output by 1/a); strengths are not.
    """
    _check_dataset(ds, _NEEDED)
    if normalize not in NORMALIZATIONS:
        raise ConfigError(
            f"normalize: {normalize!r} is not allowed; use one of {', '.join(NORMALIZATIONS)}"
        )
    if not -1.0 < threshold <= 1.0:
        raise ConfigError(f"threshold: {threshold!r} is not allowed; use a value in (-1, 1]")
    if isinstance(n_points, bool) or not isinstance(n_points, (int, np.integer)) or n_points < 2:
        raise ConfigError(f"n_points: {n_points!r} is not allowed; use an integer >= 2")
    kept_da = retained_mask(ds, retained=retained, training=training)
    ds = _select_methods(ds, training)
    kept = kept_da.values
    w1, w2 = _student_arrays(ds)
    shape = kept.shape[:-1]
    n_layers = len(STRENGTH_LAYERS)

    out = {
        name: np.full(shape, np.nan)
        for name in (
            "n_retained",
            "path_wasserstein",
            "path_ks",
            "n_recovered",
            "recovered_fraction",
            "mean_similarity",
        )
    }
    out["strength_wasserstein"] = np.full((*shape, n_layers), np.nan)
    out["strength_ks"] = np.full((*shape, n_layers), np.nan)
    out["path_curve"] = np.full((*shape, n_points), np.nan)

    teacher_widths = ds["teacher_width"].values
    teacher_curve = np.full((teacher_widths.size, n_points), np.nan)
    teacher_n = np.zeros(teacher_widths.size)
    rank = None
    for t_index, t_width in enumerate(teacher_widths):
        t1, t2 = _teacher_arrays(ds, t_width)
        t_paths = path_magnitudes(t1, t2)
        t_strengths = [node_strengths(t1, t2, layer=layer) for layer in STRENGTH_LAYERS]
        rank, teacher_curve[t_index] = sorted_path_curve(
            t_paths, n_points=n_points, normalize=normalize
        )
        teacher_n[t_index] = present_nodes(t1, t2).sum()
        for m_index in range(shape[0]):
            for index in np.ndindex(shape[2:]):
                at = (m_index, t_index, *index)
                keep = kept[at]
                if not keep.any():
                    continue
                s1, s2 = w1[at], w2[at]
                s_paths = path_magnitudes(s1, s2, keep=keep)
                path_d = distribution_distance(s_paths, t_paths, normalize=normalize)
                out["path_wasserstein"][at] = path_d.wasserstein
                out["path_ks"][at] = path_d.ks
                _, out["path_curve"][at] = sorted_path_curve(
                    s_paths, n_points=n_points, normalize=normalize
                )
                for l_index, layer in enumerate(STRENGTH_LAYERS):
                    s_strength = node_strengths(s1, s2, keep=keep, layer=layer)
                    d = distribution_distance(s_strength, t_strengths[l_index], normalize=normalize)
                    out["strength_wasserstein"][(*at, l_index)] = d.wasserstein
                    out["strength_ks"][(*at, l_index)] = d.ks
                match = match_neurons(np.where(keep, s1, np.nan), t1, threshold=threshold)
                out["n_retained"][at] = present_nodes(s1, s2, keep=keep).sum()
                out["n_recovered"][at] = match.n_recovered
                out["recovered_fraction"][at] = match.recovered_fraction
                out["mean_similarity"][at] = match.mean_similarity

    coords = {dim: ds[dim].values for dim in STUDENT_DIMS}
    coords["layer"] = np.array(STRENGTH_LAYERS)
    coords["rank"] = rank
    data_vars: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for name, values in out.items():
        dims = STUDENT_DIMS
        if name.startswith("strength_"):
            dims = (*STUDENT_DIMS, "layer")
        elif name == "path_curve":
            dims = (*STUDENT_DIMS, "rank")
        data_vars[name] = (dims, values)
    data_vars["teacher_path_curve"] = (("teacher_width", "rank"), teacher_curve)
    data_vars["teacher_n_nodes"] = (("teacher_width",), teacher_n)
    result = xr.Dataset(data_vars, coords=coords)
    for name, (long_name, units) in _ATTRS.items():
        result[name].attrs.update(long_name=long_name, units=units)
    result["rank"].attrs.update(long_name="rank of the sorted path magnitude", units="1")
    result.attrs.update(
        retained=retained if isinstance(retained, (str, int)) else "DataArray",
        threshold=float(threshold),
        normalize=normalize,
        n_points=int(n_points),
    )
    return result

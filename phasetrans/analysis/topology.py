"""Teacher–student topology: does the pruned student look like the teacher?

The paper's third claim is that the sub-network left after spectral pruning
resembles the teacher in its computing neurons, its distribution of path
magnitudes and its connectivity. :func:`compare_topology` measures all three for
every student of a study, swept or not; the building blocks live in
:mod:`~phasetrans.analysis.pruned` (students, their teachers, the nodes they
keep), :mod:`~phasetrans.analysis.paths` (path and strength distributions,
distances), :mod:`~phasetrans.analysis.matching` (neuron matching) and
:mod:`~phasetrans.analysis.graph` (NetworkX graphs and graph measures).

A student is indexed by every dimension of the study's ``importance`` but
``node``: ``training``, the swept ones (``teacher_seed``, ``input_dim``,
``alpha``, ...), ``teacher_width``, ``width`` and ``seed``
(:func:`~phasetrans.analysis.pruned.student_dims`); its teacher is the one at
the same values of the teacher's dimensions.  Inputs that only pad a smaller
``input_dim`` (NaN in the teacher's weights) are left out of both networks;
diverged students keep no node and are NaN throughout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from phasetrans.analysis.attrs import plain
from phasetrans.analysis.matching import COSINE_MATCH, NeuronMatch, check_threshold, match_neurons
from phasetrans.analysis.paths import (
    NORMALIZATIONS,
    STRENGTH_LAYERS,
    Normalization,
    distribution_distance,
    node_strengths,
    path_magnitudes,
    present_nodes,
    sorted_path_curve,
)
from phasetrans.analysis.pruned import (
    WEIGHT_DIMS,
    Retained,
    check_study,
    retained_mask,
    select_trainings,
    student_dims,
    teacher_dims,
)
from phasetrans.analysis.selection import accepts_selection
from phasetrans.errors import AnalysisInputError

__all__ = ["MEASURES", "compare_topology", "match_student"]

_NEEDED = ("importance", "w1", "w2", "teacher_w1", "teacher_w2")
#: Per-student measures of :func:`compare_topology`: long name, extra dimension.
MEASURES: dict[str, tuple[str, str | None]] = {
    "n_retained": ("hidden1 nodes kept", None),
    "path_wasserstein": ("1-Wasserstein distance of path magnitudes to the teacher's", None),
    "path_ks": ("Kolmogorov-Smirnov statistic of path magnitudes against the teacher's", None),
    "n_recovered": ("teacher hidden1 nodes matched at similarity >= threshold", None),
    "recovered_fraction": ("fraction of teacher hidden1 nodes recovered", None),
    "mean_similarity": ("mean cosine similarity of matched node pairs", None),
    "strength_wasserstein": ("1-Wasserstein distance of node strengths to the teacher's", "layer"),
    "strength_ks": (
        "Kolmogorov-Smirnov statistic of node strengths against the teacher's",
        "layer",
    ),
    "path_curve": ("sorted normalised path magnitude", "rank"),
}


def _teacher_weights(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """``teacher_w1`` ``(*teacher_dims, input, teacher_node)`` and ``teacher_w2``, broadcast."""
    dims = teacher_dims(ds)
    t1, t2 = xr.broadcast(ds["teacher_w1"], ds["teacher_w2"], exclude=WEIGHT_DIMS)
    return (
        t1.transpose(*dims, "input", "teacher_node").values,
        t2.transpose(*dims, "teacher_node", "hidden2").values,
    )


@accepts_selection
def match_student(
    ds: xr.Dataset,
    *,
    training: str | None = None,
    teacher_width: int | None = None,
    width: int | None = None,
    seed: int | None = None,
    at: Mapping[str, object] | None = None,
    retained: Retained = "dimension",
    threshold: float = COSINE_MATCH,
) -> NeuronMatch:
    """Match one pruned student's hidden1 nodes to its teacher's.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset as for :func:`compare_topology`.
    training, teacher_width, width, seed
        Coordinates of the student; one may be left out where the dataset
        has a single value of it (a selection, ``ds.sel(training="direct")``).
    at : mapping, optional
        Values of the swept dimensions (``{"teacher_seed": 0, "alpha": 2.0}``).
    retained : {"dimension", "spectral_dimension"} or int or xarray.DataArray
        Nodes kept before matching, see
        :func:`~phasetrans.analysis.pruned.retained_count`.
    threshold : float
        Recovery threshold of
        :func:`~phasetrans.analysis.matching.match_neurons`.

    Returns
    -------
    NeuronMatch
        With the student's original node numbering; dropped nodes are NaN rows
        of ``matrix``.

    Raises
    ------
    AnalysisInputError
        If a swept dimension is not given in ``at``, or a value is not in
        the dataset.
    """
    check_study(ds, _NEEDED)
    student = {"training": training, "teacher_width": teacher_width, "width": width, "seed": seed}
    student = {k: _only_value(ds, k) if v is None else v for k, v in student.items()}
    student.update(at or {})
    open_dims = [d for d in student_dims(ds) if d not in student]
    if open_dims:
        raise AnalysisInputError(
            f"at: the swept dimension(s) {open_dims} need a value, e.g. "
            f"at={{{open_dims[0]!r}: {ds[open_dims[0]].values[0].item()!r}}}",
            field="at",
            value=open_dims,
        )
    for name, value in student.items():
        allowed = ds[name].values.tolist() if name in ds.coords else []
        if value not in allowed:
            raise AnalysisInputError(
                f"{name}={value!r} is not in the dataset; allowed: {allowed}",
                field=name,
                value=value,
            )
    kept = retained_mask(ds, retained=retained).sel(student)
    w1 = ds["w1"].sel(student).where(kept).transpose("input", "node").values
    t1, _ = _teacher_weights(ds.sel({d: student[d] for d in teacher_dims(ds)}))
    inputs = np.isfinite(t1).any(axis=1)
    return match_neurons(w1[inputs], t1[inputs], threshold=threshold)


def _only_value(ds: xr.Dataset, name: str) -> object:
    values = ds[name].values.tolist()
    if len(values) != 1:
        raise AnalysisInputError(
            f"{name} is not given; allowed: one of {values}", field=name, value=None
        )
    return values[0]


@dataclass(frozen=True)
class _Teacher:
    """What every student of one teacher is compared with."""

    inputs: np.ndarray
    w1: np.ndarray
    paths: np.ndarray
    strengths: tuple[np.ndarray, ...]
    curve: np.ndarray
    n_nodes: int


def _teacher(t1: np.ndarray, t2: np.ndarray, n_points: int, normalize: Normalization) -> _Teacher:
    inputs = np.isfinite(t1).any(axis=1)  # the rest pads a smaller input_dim
    t1 = t1[inputs]
    return _Teacher(
        inputs=inputs,
        w1=t1,
        paths=path_magnitudes(t1, t2),
        strengths=tuple(node_strengths(t1, t2, layer=layer) for layer in STRENGTH_LAYERS),
        curve=sorted_path_curve(path_magnitudes(t1, t2), n_points=n_points, normalize=normalize)[1],
        n_nodes=int(present_nodes(t1, t2).sum()),
    )


def _measure(
    out: dict[str, np.ndarray],
    at: tuple[int, ...],
    student: tuple[np.ndarray, np.ndarray, np.ndarray],
    teacher: _Teacher,
    threshold: float,
    normalize: Normalization,
) -> None:
    """Fill ``out[...][at]`` with one student's distances to its teacher and its match."""
    w1, w2, keep = student
    s1 = w1[teacher.inputs]
    paths = path_magnitudes(s1, w2, keep=keep)
    distance = distribution_distance(paths, teacher.paths, normalize=normalize)
    out["path_wasserstein"][at], out["path_ks"][at] = distance.wasserstein, distance.ks
    n_points = out["path_curve"].shape[-1]
    out["path_curve"][at] = sorted_path_curve(paths, n_points=n_points, normalize=normalize)[1]
    for index, layer in enumerate(STRENGTH_LAYERS):
        strength = node_strengths(s1, w2, keep=keep, layer=layer)
        d = distribution_distance(strength, teacher.strengths[index], normalize=normalize)
        out["strength_wasserstein"][(*at, index)] = d.wasserstein
        out["strength_ks"][(*at, index)] = d.ks
    match = match_neurons(np.where(keep, s1, np.nan), teacher.w1, threshold=threshold)
    out["n_retained"][at] = present_nodes(s1, w2, keep=keep).sum()
    out["n_recovered"][at] = match.n_recovered
    out["recovered_fraction"][at] = match.recovered_fraction
    out["mean_similarity"][at] = match.mean_similarity


def _check_options(normalize: object, threshold: object, n_points: object) -> None:
    if normalize not in NORMALIZATIONS:
        raise AnalysisInputError(
            f"normalize: {normalize!r} is not allowed; use one of {', '.join(NORMALIZATIONS)}",
            field="normalize",
            value=normalize,
        )
    check_threshold(threshold)
    if isinstance(n_points, bool) or not isinstance(n_points, int | np.integer) or n_points < 2:
        raise AnalysisInputError(
            f"n_points: {n_points!r} is not allowed; use an integer >= 2",
            field="n_points",
            value=n_points,
        )


@accepts_selection
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
        ``teacher_w1`` and ``teacher_w2``; swept or not, or a selection of
        one (``ds.sel(training="spectral")``: the result then has that
        coordinate as a scalar too).
    retained : {"dimension", "spectral_dimension"} or int or xarray.DataArray
        Nodes each student keeps, top ones by ``importance``; see
        :func:`~phasetrans.analysis.pruned.retained_count`.
        ``"spectral_dimension"`` prunes every method to the spectral student's
        effective dimension — the fair comparison of spectral against direct
        training at equal node count.
    training : str or sequence of str, optional
        Methods to measure; ``None`` measures all.
    threshold : float
        Cosine similarity at which a teacher node counts as recovered.
    normalize : {"max", "mean", "sum", "none"}
        Rescaling of each network's path magnitudes and strengths before the
        distances (see :func:`~phasetrans.analysis.paths.normalize_magnitudes`);
        ``"max"`` maps both networks onto [0, 1] as the paper's sorted-path
        curves do.
    n_points : int
        Points of the rank grid of the sorted path curves.

    Returns
    -------
    xarray.Dataset
        Over :func:`~phasetrans.analysis.pruned.student_dims` (training, the
        sweeps, teacher_width, width, seed): ``n_retained``, ``path_wasserstein``, ``path_ks``,
        ``n_recovered``, ``recovered_fraction``, ``mean_similarity``; over the
        same plus ``layer`` (hidden1, hidden2): ``strength_wasserstein``,
        ``strength_ks``; plus ``rank``: ``path_curve``; and over
        :func:`~phasetrans.analysis.pruned.teacher_dims`: ``teacher_path_curve`` (plus ``rank``) and
        ``teacher_n_nodes``. Students with no kept node (missing, diverged,
        or unknown count) are NaN throughout. The attrs record the arguments.

    Raises
    ------
    AnalysisInputError
        With ``field`` naming the argument (``retained``, ``training``,
        ``threshold``, ``normalize``, ``n_points``) or ``ds``.

    Notes
    -----
    Every student is compared with its teacher, whose hidden nodes are all
    kept. Paths are ``|W1[i, j] W2[j, k]|`` over kept nodes j; strengths are
    weighted in-degrees (``Σ_i |W1[i, j]|`` for hidden1, ``Σ_j |W2[j, k]|``
    over kept j for hidden2). Distances are ``scipy.stats.wasserstein_distance``
    and the ``ks_2samp`` statistic on the normalised samples; matching is
    :func:`~phasetrans.analysis.matching.match_neurons` on the kept nodes' incoming
    weights.

    Path magnitudes and matching are blind to the ReLU symmetry (scaling a
    node's input by a > 0 and its output by 1/a); strengths are not.
    """
    check_study(ds, _NEEDED)
    _check_options(normalize, threshold, n_points)
    kept = retained_mask(ds, retained=retained, training=training)
    ds = select_trainings(ds, training)
    dims, tdims = student_dims(ds), teacher_dims(ds)
    w1 = ds["w1"].transpose(*dims, "input", "node").values
    w2 = ds["w2"].transpose(*dims, "node", "hidden2").values
    keep = kept.transpose(*dims, "node").values
    t1, t2 = _teacher_weights(ds)
    teachers = {
        index: _teacher(t1[index], t2[index], n_points, normalize)
        for index in np.ndindex(t1.shape[: len(tdims)])
    }
    shape = keep.shape[:-1]
    extra = {None: (), "layer": (len(STRENGTH_LAYERS),), "rank": (n_points,)}
    out = {name: np.full((*shape, *extra[dim]), np.nan) for name, (_, dim) in MEASURES.items()}
    position = [dims.index(d) for d in tdims]
    for at in np.ndindex(shape):
        if keep[at].any():
            teacher = teachers[tuple(at[i] for i in position)]
            _measure(out, at, (w1[at], w2[at], keep[at]), teacher, float(threshold), normalize)
    rank = (np.arange(n_points) + 0.5) / n_points
    shape = t1.shape[: len(tdims)]
    result = _result(ds, out, teachers, shape, rank, retained, threshold, normalize)
    return plain(result)


def _result(
    ds: xr.Dataset,
    out: dict[str, np.ndarray],
    teachers: dict[tuple[int, ...], _Teacher],
    teacher_shape: tuple[int, ...],
    rank: np.ndarray,
    retained: Retained,
    threshold: float,
    normalize: str,
) -> xr.Dataset:
    """The measures as a Dataset over the student and teacher dimensions, with attributes."""
    dims, tdims = student_dims(ds), teacher_dims(ds)
    coords = {
        name: coord
        for name, coord in ds.coords.items()
        if set(coord.dims) <= set(dims) and name not in WEIGHT_DIMS
    }
    curves = np.stack([teachers[i].curve for i in np.ndindex(teacher_shape)])
    result = xr.Dataset(
        {
            name: ((*dims, dim) if dim else dims, out[name], {"long_name": long})
            for name, (long, dim) in MEASURES.items()
        },
        coords={**coords, "layer": np.array(STRENGTH_LAYERS), "rank": rank},
    )
    result["teacher_path_curve"] = (
        (*tdims, "rank"),
        curves.reshape(*teacher_shape, rank.size),
        {"long_name": "sorted normalised path magnitude of the teacher"},
    )
    n_nodes = np.array([teachers[i].n_nodes for i in np.ndindex(teacher_shape)], dtype=float)
    result["teacher_n_nodes"] = (
        tdims,
        n_nodes.reshape(teacher_shape),
        {"long_name": "teacher hidden1 nodes"},
    )
    result["rank"].attrs.update(long_name="rank of the sorted path magnitude")
    result.attrs.update(
        retained=retained if isinstance(retained, str | int) else "DataArray",
        threshold=float(threshold),
        normalize=normalize,
        n_points=int(rank.size),
    )
    return result

r"""Permuted teachers: students that are the teacher with its nodes permuted and rescaled.

A two-layer network :math:`x \mapsto W_2^\top f(W_1^\top x)` is unchanged when
its hidden nodes are permuted, and (for a positively homogeneous :math:`f`, or
when only the path magnitudes :math:`|W_1[i, j] W_2[j, k]|` matter) when a
node's incoming weights are multiplied by :math:`a_j > 0` and its outgoing ones
divided by it.  :func:`permuted_teacher` makes such a copy of one teacher;
:func:`topology_study` lays copies out as a small study in the dataset schema
(spectral students hold their teacher's nodes, direct students are random),
and :func:`write_topology_study` writes it as a study file.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import xarray as xr
from numpy.typing import NDArray

__all__ = [
    "INPUT_DIMS",
    "N_HIDDEN2",
    "N_INPUT",
    "SEEDS",
    "TEACHER_SEEDS",
    "TEACHER_WIDTHS",
    "WIDTHS",
    "PermutedTeacher",
    "permuted_teacher",
    "swept_topology_study",
    "topology_study",
    "write_swept_topology_study",
    "write_topology_study",
]

#: Inputs and second-hidden-layer nodes of :func:`topology_study`.
N_INPUT, N_HIDDEN2 = 6, 5
#: Teacher widths, student widths and student seeds of :func:`topology_study`.
TEACHER_WIDTHS, WIDTHS, SEEDS = (3, 4), (6, 8), (0, 1, 2)


class PermutedTeacher(NamedTuple):
    """A permuted, rescaled copy of a teacher (:func:`permuted_teacher`).

    Attributes
    ----------
    w1 : numpy.ndarray, shape (N, M)
        ``teacher_w1[:, perm] * a``.
    w2 : numpy.ndarray, shape (M, H) or None
        ``teacher_w2[perm] / a[:, None]`` (None without a second layer).
    perm : numpy.ndarray, shape (M,)
        Student node ``j`` is teacher node ``perm[j]``.
    """

    w1: NDArray[np.float64]
    w2: NDArray[np.float64] | None
    perm: NDArray[np.int64]


def permuted_teacher(
    w1: NDArray[np.float64],
    w2: NDArray[np.float64] | None,
    seed: int | np.random.Generator,
    *,
    scale: tuple[float, float] | None = (0.3, 3.0),
) -> PermutedTeacher:
    """The teacher with its hidden nodes permuted, incoming × a and outgoing ÷ a (a > 0).

    Parameters
    ----------
    w1 : numpy.ndarray, shape (N, M)
        The teacher's first layer (``N`` inputs, ``M`` hidden nodes).
    w2 : numpy.ndarray, shape (M, H), optional
        Its second layer, or None.
    seed : int or numpy.random.Generator
        Seed of, or the generator that draws, the permutation and then the
        scales.
    scale : (float, float) or None
        The factors :math:`a_j` are drawn uniformly from this range; None
        permutes without rescaling (and draws nothing more).

    Returns
    -------
    PermutedTeacher
        ``(w1, w2, perm)``: every overlap, path magnitude and matching of the
        copy with the teacher is that of the teacher with itself, up to the
        permutation ``perm``.
    """
    rng = np.random.default_rng(seed)
    n = w1.shape[1]
    perm = rng.permutation(n)
    a = rng.uniform(scale[0], scale[1], n) if scale is not None else np.ones(n)
    return PermutedTeacher(w1[:, perm] * a, None if w2 is None else w2[perm] / a[:, None], perm)


def _student_weights(
    rng: np.random.Generator, trainings: list[str]
) -> tuple[NDArray, NDArray, NDArray, NDArray, NDArray, NDArray]:
    """Students' w1, w2, importance, dimension and the teachers' w1, w2 (padded with NaN)."""
    n_node, n_tnode = max(WIDTHS), max(TEACHER_WIDTHS)
    shape = (len(trainings), len(TEACHER_WIDTHS), len(WIDTHS), len(SEEDS))
    w1 = np.full((*shape, N_INPUT, n_node), np.nan)
    w2 = np.full((*shape, n_node, N_HIDDEN2), np.nan)
    importance = np.full((*shape, n_node), np.nan)
    dimension = np.full(shape, np.nan)
    tw1 = np.full((len(TEACHER_WIDTHS), N_INPUT, n_tnode), np.nan)
    tw2 = np.full((len(TEACHER_WIDTHS), n_tnode, N_HIDDEN2), np.nan)
    for t, h in enumerate(TEACHER_WIDTHS):
        tw1[t, :, :h] = rng.uniform(-1, 1, (N_INPUT, h))
        tw2[t, :h] = rng.uniform(-1, 1, (h, N_HIDDEN2))
        for w, width in enumerate(WIDTHS):
            for s, sd in enumerate(SEEDS):
                pos = rng.permutation(width)[:h]
                a = np.ones(h) if sd == 0 else rng.uniform(0.3, 3.0, h)
                spec = (0, t, w, s)
                w1[spec][:, :width] = 0.01 * rng.normal(size=(N_INPUT, width))
                w2[spec][:width] = 0.01 * rng.normal(size=(width, N_HIDDEN2))
                w1[spec][:, pos] = tw1[t, :, :h] * a
                w2[spec][pos] = tw2[t, :h] / a[:, None]
                importance[spec][:width] = 0.01 * rng.uniform(size=width)
                importance[spec][pos] = 1 + rng.uniform(size=h)
                dimension[spec] = h
                direct = (1, t, w, s)
                w1[direct][:, :width] = rng.normal(size=(N_INPUT, width))
                w2[direct][:width] = rng.normal(size=(width, N_HIDDEN2))
                importance[direct][:width] = rng.uniform(0.5, 1.0, width)
                dimension[direct] = width
    return w1, w2, importance, dimension, tw1, tw2


def topology_study(seed: int = 0) -> tuple[xr.Dataset, xr.Dataset, xr.Dataset]:
    """A small study in the dataset schema: (root, weights group, teacher group).

    Parameters
    ----------
    seed : int
        Seed of every draw.

    Returns
    -------
    (xarray.Dataset, xarray.Dataset, xarray.Dataset)
        The root (``importance``, ``dimension``, ``test_mse``), the
        ``weights`` group (``w1``, ``w2``) and the ``teacher`` group (``w1``,
        ``w2`` over ``teacher_width``), over ``training`` (spectral, direct),
        :data:`TEACHER_WIDTHS`, :data:`WIDTHS` and :data:`SEEDS`, with
        :data:`N_INPUT` inputs and :data:`N_HIDDEN2` second-layer nodes.

    Notes
    -----
    Spectral students hold their teacher's nodes at random positions (rescaled
    as in :func:`permuted_teacher` for seeds 1 and 2, not for seed 0) with
    importance in [1, 2], plus weak noise nodes of importance below 0.01, and
    ``dimension`` = teacher width.  Direct students are random, with
    ``dimension`` = width.  ``test_mse`` is uniform noise.
    """
    rng = np.random.default_rng(seed)
    trainings = ["spectral", "direct"]
    n_node = max(WIDTHS)
    shape = (len(trainings), len(TEACHER_WIDTHS), len(WIDTHS), len(SEEDS))
    w1, w2, importance, dimension, tw1, tw2 = _student_weights(rng, trainings)
    coords = {
        "training": trainings,
        "teacher_width": list(TEACHER_WIDTHS),
        "width": list(WIDTHS),
        "seed": list(SEEDS),
        "node": np.arange(n_node),
        "retained": np.arange(n_node + 1),
    }
    dims = ("training", "teacher_width", "width", "seed")
    root = xr.Dataset(
        {
            "importance": ((*dims, "node"), importance),
            "dimension": (dims, dimension),
            "test_mse": ((*dims, "retained"), rng.uniform(size=(*shape, n_node + 1))),
        },
        coords=coords,
    )
    weights = xr.Dataset(
        {"w1": ((*dims, "input", "node"), w1), "w2": ((*dims, "node", "hidden2"), w2)},
        coords={k: coords[k] for k in ("training", "teacher_width", "width", "seed", "node")}
        | {"input": np.arange(N_INPUT), "hidden2": np.arange(N_HIDDEN2)},
    )
    teacher = xr.Dataset(
        {
            "w1": (("teacher_width", "input", "teacher_node"), tw1),
            "w2": (("teacher_width", "teacher_node", "hidden2"), tw2),
        },
        coords={
            "teacher_width": list(TEACHER_WIDTHS),
            "input": np.arange(N_INPUT),
            "teacher_node": np.arange(max(TEACHER_WIDTHS)),
            "hidden2": np.arange(N_HIDDEN2),
        },
    )
    return root, weights, teacher


def write_topology_study(path: str | Path, seed: int = 0) -> Path:
    """Write :func:`topology_study` as a netCDF4 file with groups 'weights' and 'teacher'.

    Parameters
    ----------
    path : str or pathlib.Path
        The file (overwritten).
    seed : int
        Seed of :func:`topology_study`.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    root, weights, teacher = topology_study(seed)
    root.to_netcdf(path, mode="w")
    weights.to_netcdf(path, mode="a", group="weights")
    teacher.to_netcdf(path, mode="a", group="teacher")
    return path


#: The swept study of :func:`swept_topology_study`: two teachers, two input dimensions.
TEACHER_SEEDS, INPUT_DIMS = (0, 1), (6, 4)


def swept_topology_study() -> tuple[xr.Dataset, xr.Dataset, xr.Dataset]:
    """:func:`topology_study` swept over ``teacher_seed`` and ``input_dim``, laid out as a study.

    Teacher seed t is :func:`topology_study` with seed t.  At ``input_dim = 4``
    the inputs 4 and 5 are padding (NaN in the students' and the teacher's
    first layer), as a study stores a smaller input dimension; the spectral
    students still hold their teacher's nodes on the inputs that remain.
    """
    parts = {"root": [], "weights": [], "teacher": []}
    for teacher_seed in TEACHER_SEEDS:
        by_dim = {"root": [], "weights": [], "teacher": []}
        for input_dim in INPUT_DIMS:
            root, weights, teacher = topology_study(seed=teacher_seed)
            pad = {"input": slice(input_dim, None)}
            weights["w1"][pad] = np.nan
            teacher["w1"][pad] = np.nan
            for key, ds in zip(by_dim, (root, weights, teacher), strict=True):
                by_dim[key].append(ds)
        for key, group in by_dim.items():
            parts[key].append(
                xr.concat(group, dim=xr.DataArray(list(INPUT_DIMS), dims="input_dim"))
            )
    out = []
    for group in parts.values():
        ds = xr.concat(group, dim=xr.DataArray(list(TEACHER_SEEDS), dims="teacher_seed"))
        ds = ds.assign_coords(teacher_seed=list(TEACHER_SEEDS), input_dim=list(INPUT_DIMS))
        first = ("training",) if "training" in ds.dims else ()
        out.append(ds.transpose(*first, "teacher_seed", "input_dim", ...))
    return out[0], out[1], out[2]


def write_swept_topology_study(path: str | Path) -> Path:
    """Write :func:`swept_topology_study` as a study file with groups 'weights' and 'teacher'."""
    root, weights, teacher = swept_topology_study()
    root.to_netcdf(path, mode="w")
    weights.to_netcdf(path, mode="a", group="weights")
    teacher.to_netcdf(path, mode="a", group="teacher")
    return path

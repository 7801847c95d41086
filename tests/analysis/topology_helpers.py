"""Shared fixtures' builders for the topology tests: brute-force paths, synthetic studies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr


def brute_force_paths(w1: np.ndarray, w2: np.ndarray, nodes) -> np.ndarray:
    out = [
        abs(w1[i, j] * w2[j, k])
        for i in range(w1.shape[0])
        for j in nodes
        for k in range(w2.shape[1])
    ]
    return np.sort(np.array(out))


def permuted_rescaled(w1, w2, rng, *, rescale=True):
    """Teacher with hidden nodes permuted, incoming × a and outgoing ÷ a (a > 0)."""
    n = w1.shape[1]
    perm = rng.permutation(n)
    a = rng.uniform(0.3, 3.0, n) if rescale else np.ones(n)
    return w1[:, perm] * a, w2[perm] / a[:, None], perm


N_INPUT, N_HIDDEN2 = 6, 5
TEACHER_WIDTHS, WIDTHS, SEEDS = (3, 4), (6, 8), (0, 1, 2)


def make_study(seed: int = 0) -> tuple[xr.Dataset, xr.Dataset, xr.Dataset]:
    """A small study in the dataset schema: (root, weights group, teacher group).

    Spectral students hold their teacher's nodes (permuted; rescaled for seeds
    1 and 2) with high importance plus weak noise nodes of tiny importance, and
    dimension = teacher_width. Direct students are random, dimension = width.
    """
    rng = np.random.default_rng(seed)
    trainings = ["spectral", "direct"]
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
            "teacher_node": np.arange(n_tnode),
            "hidden2": np.arange(N_HIDDEN2),
        },
    )
    return root, weights, teacher


def write_study(path: Path, seed: int = 0) -> Path:
    """Write :func:`make_study` as a netCDF4 file with groups 'weights' and 'teacher'."""
    root, weights, teacher = make_study(seed)
    root.to_netcdf(path, mode="w")
    weights.to_netcdf(path, mode="a", group="weights")
    teacher.to_netcdf(path, mode="a", group="teacher")
    return path


def read_study(path: Path) -> xr.Dataset:
    """Merge a study file's root with its groups, as ``open_study`` does."""
    with (
        xr.open_dataset(path) as root,
        xr.open_dataset(path, group="weights") as weights,
        xr.open_dataset(path, group="teacher") as teacher,
    ):
        teacher = teacher.rename(w1="teacher_w1", w2="teacher_w2")
        return xr.merge([root, weights, teacher], compat="no_conflicts", join="outer").load()


#: The swept study of :func:`make_swept_study`: two teachers, two input dimensions.
TEACHER_SEEDS, INPUT_DIMS = (0, 1), (6, 4)


def make_swept_study() -> tuple[xr.Dataset, xr.Dataset, xr.Dataset]:
    """:func:`make_study` swept over ``teacher_seed`` and ``input_dim``, laid out as a study.

    Teacher seed t is :func:`make_study` with seed t.  At ``input_dim = 4``
    the inputs 4 and 5 are padding (NaN in the students' and the teacher's
    first layer), as a study stores a smaller input dimension; the spectral
    students still hold their teacher's nodes on the inputs that remain.
    """
    parts = {"root": [], "weights": [], "teacher": []}
    for teacher_seed in TEACHER_SEEDS:
        by_dim = {"root": [], "weights": [], "teacher": []}
        for input_dim in INPUT_DIMS:
            root, weights, teacher = make_study(seed=teacher_seed)
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


def write_swept_study(path: Path) -> Path:
    """Write :func:`make_swept_study` as a study file with groups 'weights' and 'teacher'."""
    root, weights, teacher = make_swept_study()
    root.to_netcdf(path, mode="w")
    weights.to_netcdf(path, mode="a", group="weights")
    teacher.to_netcdf(path, mode="a", group="teacher")
    return path

"""Path magnitudes and node strengths of a layered network, and distances between them.

The network is input → hidden1 → hidden2 → output with effective weights
``w1`` of shape ``(inputs, nodes)`` and ``w2`` of shape ``(nodes, hidden2)``;
the output is the plain sum of hidden2. A *path* is a triple (i, j, k) through
input i, hidden1 node j and hidden2 node k; its magnitude is
``|w1[i, j] · w2[j, k]|``.

Which hidden1 nodes exist is decided in one place, :func:`present_nodes`: a node
whose weights hold NaN is padding (a student narrower than the dataset's node
axis) and a node whose incoming weights are all zero has been pruned; neither
carries a path, a strength or a match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import ks_2samp, wasserstein_distance

from phasetrans.errors import AnalysisInputError

__all__ = [
    "NORMALIZATIONS",
    "STRENGTH_LAYERS",
    "DistributionDistance",
    "Normalization",
    "as_weights",
    "distribution_distance",
    "node_strengths",
    "normalize_magnitudes",
    "path_magnitudes",
    "present_nodes",
    "sorted_path_curve",
]

Normalization = Literal["max", "mean", "sum", "none"]
#: Allowed values of every ``normalize`` argument, in the order error messages list them.
NORMALIZATIONS: tuple[str, ...] = ("max", "mean", "sum", "none")
#: Layers whose weighted in-degree :func:`node_strengths` measures.
STRENGTH_LAYERS: tuple[str, ...] = ("hidden1", "hidden2")


def as_weights(w1: ArrayLike, w2: ArrayLike | None) -> tuple[NDArray, NDArray | None]:
    """``w1`` and ``w2`` as float arrays, their shapes checked.

    Parameters
    ----------
    w1 : array_like, shape (inputs, nodes)
    w2 : array_like, shape (nodes, hidden2), or None

    Returns
    -------
    (numpy.ndarray, numpy.ndarray or None)

    Raises
    ------
    AnalysisInputError
        If an array is not 2-D or their node counts differ.
    """
    a1 = np.asarray(w1, dtype=float)
    if a1.ndim != 2:
        raise AnalysisInputError(
            f"w1 must be 2-D (inputs, nodes); got shape {a1.shape}", field="w1", value=a1.shape
        )
    if w2 is None:
        return a1, None
    a2 = np.asarray(w2, dtype=float)
    if a2.ndim != 2:
        raise AnalysisInputError(
            f"w2 must be 2-D (nodes, hidden2); got shape {a2.shape}", field="w2", value=a2.shape
        )
    if a2.shape[0] != a1.shape[1]:
        raise AnalysisInputError(
            f"w1 has {a1.shape[1]} nodes (shape {a1.shape}) but w2 has {a2.shape[0]} "
            f"(shape {a2.shape}); w1 is (inputs, nodes) and w2 is (nodes, hidden2)",
            field="w2",
            value=a2.shape,
        )
    return a1, a2


def _keep_mask(keep: ArrayLike | None, n_nodes: int) -> NDArray[np.bool_]:
    if keep is None:
        return np.ones(n_nodes, dtype=bool)
    k = np.asarray(keep)
    if k.dtype == bool:
        if k.shape != (n_nodes,):
            raise AnalysisInputError(
                f"a boolean keep must have shape ({n_nodes},); got {k.shape}",
                field="keep",
                value=k.shape,
            )
        return k.copy()
    if k.size and not np.issubdtype(k.dtype, np.integer):
        raise AnalysisInputError(
            f"keep must hold node indices or a boolean mask; got dtype {k.dtype}",
            field="keep",
            value=str(k.dtype),
        )
    k = k.astype(int).ravel()
    if k.size and (k.min() < -n_nodes or k.max() >= n_nodes):
        raise AnalysisInputError(
            f"keep holds node indices outside 0..{n_nodes - 1}: {k.tolist()}",
            field="keep",
            value=k.tolist(),
        )
    mask = np.zeros(n_nodes, dtype=bool)
    mask[k] = True
    return mask


def present_nodes(
    w1: ArrayLike, w2: ArrayLike | None = None, *, keep: ArrayLike | None = None
) -> NDArray[np.bool_]:
    """Return which hidden1 nodes exist: finite, not pruned and retained.

    Parameters
    ----------
    w1 : array_like, shape (inputs, nodes)
        Effective first-layer weights.
    w2 : array_like, shape (nodes, hidden2), optional
        Second-layer weights; a node with a NaN in its row is absent too.
    keep : array_like of int or bool, optional
        Node indices, or a boolean mask of length ``nodes``, of the retained
        nodes; ``None`` retains every node.

    Returns
    -------
    numpy.ndarray of bool, shape (nodes,)
        True for the nodes that take part in paths, strengths and matching.

    Notes
    -----
    A node is absent when its ``w1`` column (or ``w2`` row) holds a NaN — the
    padding of a student narrower than the node axis — or when all its incoming
    weights are exactly zero — a pruned node, which carries no signal.
    """
    a1, a2 = as_weights(w1, w2)
    mask = _keep_mask(keep, a1.shape[1])
    mask &= np.isfinite(a1).all(axis=0)
    mask &= np.any(a1 != 0, axis=0)
    if a2 is not None:
        mask &= np.isfinite(a2).all(axis=1)
    return mask


def path_magnitudes(w1: ArrayLike, w2: ArrayLike, *, keep: ArrayLike | None = None) -> NDArray:
    """Return every input → hidden1 → hidden2 path magnitude, sorted ascending.

    Parameters
    ----------
    w1 : array_like, shape (inputs, nodes)
        Effective first-layer weights.
    w2 : array_like, shape (nodes, hidden2)
        Second-layer weights.
    keep : array_like of int or bool, optional
        Retained hidden1 nodes (indices or boolean mask); ``None`` keeps all.

    Returns
    -------
    numpy.ndarray, shape (inputs · n_present · hidden2,)
        ``|w1[i, j] · w2[j, k]|`` over all present nodes j, sorted ascending.

    Notes
    -----
    Computed by broadcasting ``w1[:, j, None] · w2[None, j, :]`` over the present
    nodes, never by enumerating paths. The magnitudes are invariant under the
    ReLU symmetry that multiplies a node's incoming weights by a > 0 and divides
    its outgoing weights by a, and under any permutation of the hidden nodes.
    """
    a1, a2 = as_weights(w1, w2)
    mask = present_nodes(a1, a2, keep=keep)
    paths = np.abs(a1[:, mask, None] * a2[None, mask, :]).ravel()
    paths.sort()
    return paths


def node_strengths(
    w1: ArrayLike,
    w2: ArrayLike,
    *,
    keep: ArrayLike | None = None,
    layer: Literal["hidden1", "hidden2"] = "hidden1",
) -> NDArray:
    """Return the weighted in-degree (strength) of every node of one hidden layer.

    Parameters
    ----------
    w1 : array_like, shape (inputs, nodes)
        Effective first-layer weights.
    w2 : array_like, shape (nodes, hidden2)
        Second-layer weights.
    keep : array_like of int or bool, optional
        Retained hidden1 nodes (indices or boolean mask); ``None`` keeps all.
    layer : {"hidden1", "hidden2"}
        Layer whose nodes are measured.

    Returns
    -------
    numpy.ndarray
        For ``"hidden1"``: ``s_j = Σ_i |w1[i, j]|`` for each present node j, in
        node order. For ``"hidden2"``: ``s_k = Σ_j |w2[j, k]|`` over the present
        hidden1 nodes j, for every hidden2 node k.

    Notes
    -----
    These equal the NetworkX weighted in-degrees of :func:`~phasetrans.analysis.graph.to_graph`
    (``graph.in_degree(weight="magnitude")``, tested); the NumPy form is used
    where every student of a study is measured. Unlike path magnitudes, strengths
    change under the ReLU rescaling symmetry of a node.
    """
    a1, a2 = as_weights(w1, w2)
    mask = present_nodes(a1, a2, keep=keep)
    if layer == "hidden1":
        return np.abs(a1[:, mask]).sum(axis=0)
    if layer == "hidden2":
        return np.abs(a2[mask, :]).sum(axis=0)
    raise AnalysisInputError(
        f"layer: {layer!r} is not allowed; use one of {', '.join(STRENGTH_LAYERS)}",
        field="layer",
        value=layer,
    )


def normalize_magnitudes(values: ArrayLike, how: Normalization = "max") -> NDArray:
    """Rescale non-negative magnitudes of one network to a common range.

    Parameters
    ----------
    values : array_like
        Magnitudes of one network (paths or node strengths).
    how : {"max", "mean", "sum", "none"}
        ``"max"`` divides by the largest value (range [0, 1], the paper's
        choice); ``"mean"`` by the mean (mean 1, robust to one outlier);
        ``"sum"`` by the total (values are shares, so networks with different
        numbers of paths are on different scales); ``"none"`` leaves them.

    Returns
    -------
    numpy.ndarray
        The rescaled values (a copy); an empty or all-zero input is returned
        unscaled.
    """
    v = np.array(values, dtype=float)
    if how not in NORMALIZATIONS:
        raise AnalysisInputError(
            f"normalize: {how!r} is not allowed; use one of {', '.join(NORMALIZATIONS)}",
            field="normalize",
            value=how,
        )
    if how == "none" or v.size == 0:
        return v
    scale = {"max": np.max, "mean": np.mean, "sum": np.sum}[how](v)
    return v / scale if scale > 0 else v


def sorted_path_curve(
    magnitudes: ArrayLike, *, n_points: int = 200, normalize: Normalization = "max"
) -> tuple[NDArray, NDArray]:
    """Return the sorted-magnitude curve over rank ∈ (0, 1) on a common grid.

    Parameters
    ----------
    magnitudes : array_like
        Path magnitudes (or any magnitudes) of one network, e.g. from
        :func:`path_magnitudes`; need not be sorted.
    n_points : int
        Number of points of the rank grid.
    normalize : {"max", "mean", "sum", "none"}
        Rescaling applied first, see :func:`normalize_magnitudes`.

    Returns
    -------
    rank : numpy.ndarray, shape (n_points,)
        The grid ``(m + 1/2) / n_points``, m = 0 … n_points − 1.
    curve : numpy.ndarray, shape (n_points,)
        The sorted magnitudes linearly interpolated onto ``rank``; all NaN when
        ``magnitudes`` is empty.

    Notes
    -----
    The m-th of M sorted values sits at rank ``(m + 1/2) / M``; interpolating onto
    a fixed grid (the empirical quantile function) lets curves of networks with
    different numbers of paths be averaged and compared point by point.
    """
    if int(n_points) != n_points or n_points < 2:
        raise AnalysisInputError(
            f"n_points: {n_points!r} is not allowed; use an integer >= 2",
            field="n_points",
            value=n_points,
        )
    n_points = int(n_points)
    rank = (np.arange(n_points) + 0.5) / n_points
    # timsort ("stable") runs in linear time on the already sorted output of path_magnitudes
    values = np.sort(normalize_magnitudes(np.ravel(magnitudes), normalize), kind="stable")
    if values.size == 0:
        return rank, np.full(n_points, np.nan)
    own_rank = (np.arange(values.size) + 0.5) / values.size
    return rank, np.interp(rank, own_rank, values)


@dataclass(frozen=True)
class DistributionDistance:
    """Distances between a student's and a teacher's magnitude distributions.

    Attributes
    ----------
    wasserstein : float
        1-Wasserstein (earth mover's) distance of the normalised samples.
    ks : float
        Two-sample Kolmogorov–Smirnov statistic (sup of the CDF difference).
    n_student, n_teacher : int
        Sample sizes.
    normalize : str
        Normalisation applied to each sample before comparing.
    """

    wasserstein: float
    ks: float
    n_student: int
    n_teacher: int
    normalize: str

    def __str__(self) -> str:
        return (
            f"W1 = {self.wasserstein:.4g}, KS = {self.ks:.4g} "
            f"(n = {self.n_student} vs {self.n_teacher}, normalize = {self.normalize})"
        )


def distribution_distance(
    student: ArrayLike, teacher: ArrayLike, *, normalize: Normalization = "max"
) -> DistributionDistance:
    """Compare two magnitude samples after rescaling each on its own.

    Parameters
    ----------
    student, teacher : array_like
        Magnitudes of the two networks (path magnitudes or node strengths).
    normalize : {"max", "mean", "sum", "none"}
        Rescaling applied to each sample separately, see
        :func:`normalize_magnitudes`. The default ``"max"`` follows the paper,
        which compares sorted path curves on a common [0, 1] range.

    Returns
    -------
    DistributionDistance
        ``scipy.stats.wasserstein_distance`` and the ``scipy.stats.ks_2samp``
        statistic; both NaN when either sample is empty.

    Notes
    -----
    No p-value is reported: the paths of one network share weights, so they are
    not independent draws and a KS p-value would be meaningless.
    """
    a = normalize_magnitudes(np.ravel(student), normalize)
    b = normalize_magnitudes(np.ravel(teacher), normalize)
    if a.size == 0 or b.size == 0:
        return DistributionDistance(np.nan, np.nan, a.size, b.size, normalize)
    return DistributionDistance(
        wasserstein=float(wasserstein_distance(a, b)),
        ks=float(ks_2samp(a, b, method="asymp").statistic),
        n_student=a.size,
        n_teacher=b.size,
        normalize=normalize,
    )

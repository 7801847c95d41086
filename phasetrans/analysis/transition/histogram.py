r"""Histograms of the per-teacher-node overlaps :math:`r_n` in each cell.

A bimodal histogram (a peak near the symmetric value and one near 1) points
to coexistence of specialised and unspecialised students, as at a
discontinuous transition; a single peak that drifts through a threshold as
the control grows points to a threshold artefact (a smooth change made to
look sharp by counting :math:`r_n \ge \tau`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from phasetrans.errors import AnalysisInputError

__all__ = ["overlap_histogram"]


def overlap_histogram(
    overlap: xr.DataArray,
    bins: int | Sequence[float] = 20,
    *,
    pooled: Sequence[str] = ("teacher_seed", "seed", "teacher_node"),
    value_range: tuple[float, float] = (0.0, 1.0),
) -> xr.DataArray:
    """Counts of :math:`r_n` per cell, pooled over teachers, students and teacher nodes.

    Parameters
    ----------
    overlap : xarray.DataArray
        :math:`r_n` (``overlap_max``) per student and teacher node.
    bins : int or sequence of float
        Number of equal bins over ``value_range``, or the bin edges.
    pooled : sequence of str
        The dimensions pooled into each histogram (those ``overlap`` has).
    value_range : (float, float)
        Range of the equal bins; values outside are not counted.

    Returns
    -------
    xarray.DataArray
        ``counts`` over the other dims and ``bin`` (coordinate: bin centres;
        ``bin_lower`` and ``bin_upper`` hold the edges); NaN values are not
        counted.

    Raises
    ------
    AnalysisInputError
        If no pooled dimension is in ``overlap`` or the bins are not ascending.
    """
    used = [d for d in pooled if d in overlap.dims]
    if not used:
        raise AnalysisInputError(
            f"pooled={list(pooled)!r} names no dimension of overlap; allowed: "
            f"{list(map(str, overlap.dims))}",
            field="pooled",
            value=list(pooled),
        )
    edges = (
        np.linspace(*value_range, int(bins) + 1)
        if np.isscalar(bins)
        else np.asarray(bins, dtype=float)
    )
    if edges.ndim != 1 or edges.size < 2 or not (np.diff(edges) > 0).all():
        raise AnalysisInputError(
            f"bins={bins!r}; allowed: a positive count or ascending edges",
            field="bins",
            value=bins,
        )
    other = [d for d in overlap.dims if d not in used]
    values = overlap.transpose(*other, *used).values.reshape(*[overlap.sizes[d] for d in other], -1)
    index = np.digitize(values, edges) - 1
    index = np.where(values == edges[-1], edges.size - 2, index)  # right edge inclusive
    valid = np.isfinite(values) & (index >= 0) & (index < edges.size - 1)
    counts = np.zeros((*values.shape[:-1], edges.size - 1), dtype=np.int64)
    flat = counts.reshape(-1, edges.size - 1)
    rows = np.broadcast_to(np.arange(flat.shape[0])[:, None], (flat.shape[0], values.shape[-1]))
    np.add.at(
        flat,
        (
            rows[valid.reshape(flat.shape[0], -1)],
            index.reshape(flat.shape[0], -1)[valid.reshape(flat.shape[0], -1)],
        ),
        1,
    )
    coords = {k: v for k, v in overlap.coords.items() if not set(v.dims) & set(used)}
    out = xr.DataArray(
        flat.reshape(counts.shape),
        dims=[*other, "bin"],
        coords={
            **coords,
            "bin": 0.5 * (edges[:-1] + edges[1:]),
            "bin_lower": ("bin", edges[:-1]),
            "bin_upper": ("bin", edges[1:]),
        },
        name="counts",
    )
    out.attrs = {
        "long_name": f"counts of {overlap.name or 'r_n'} pooled over {', '.join(used)}",
        "pooled": used,
    }
    return out

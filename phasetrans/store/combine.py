"""Combine block datasets (or part files) into one study dataset; the provenance attributes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import numpy as np
import xarray as xr

from phasetrans.config import Study
from phasetrans.errors import DataError
from phasetrans.names import METHODS
from phasetrans.store.schema import CELL_COORDS, annotate, merged_schema, with_n_train

__all__ = ["combine_datasets", "provenance_attrs"]


def combine_datasets(parts: Sequence[xr.Dataset]) -> xr.Dataset:
    """Combine merged block datasets into one over the union of their coordinates.

    Parameters
    ----------
    parts : sequence of xarray.Dataset
        Datasets from :func:`~phasetrans.store.blocks.block_dataset` (or part
        files); each cell must come from at most one part (teacher variables
        may repeat). A part's NaN never overwrites another part's value (a
        packed part is NaN at the cells of its dense coordinates that it does
        not hold).

    Returns
    -------
    xarray.Dataset
        Every variable over the union coordinates; cells no part supplies are
        NaN. Scalar coordinates and attributes are those of the first part; a
        variable keeps the matching ``threshold`` its parts record.

    Raises
    ------
    DataError
        Without parts, or when parts disagree on a scalar coordinate or on a
        variable's ``threshold``.
    """
    if not parts:
        raise DataError("combine_datasets needs at least one part")
    coords = _union_coords(parts)
    arrays, dims_of = _filled(parts, coords)
    scalars = _agreed(
        [{str(k): p[k].values.item() for k in p.coords if p[k].ndim == 0} for p in parts],
        "the scalar coordinate",
    )
    thresholds = _agreed(
        [
            {str(k): v.attrs["threshold"] for k, v in p.data_vars.items() if "threshold" in v.attrs}
            for p in parts
        ],
        "the matching threshold of",
        union=True,
    )
    ds = xr.Dataset(
        {name: (dims_of[name], arr) for name, arr in arrays.items()},
        coords={k: v for k, v in coords.items()},
    )
    ds = ds.set_coords([c for c in CELL_COORDS if c in ds.data_vars])
    ds = ds[[n for n in merged_schema() if n in ds.data_vars]].assign_coords(scalars)
    for name, threshold in thresholds.items():
        if name in ds.data_vars:
            ds[name].attrs["threshold"] = threshold
    ds.attrs.update(parts[0].attrs)
    return annotate(with_n_train(ds))


def _union_coords(parts: Sequence[xr.Dataset]) -> dict[str, np.ndarray]:
    """Every dimension's coordinate: the union over the parts (methods in their canonical order)."""
    coords: dict[str, np.ndarray] = {}
    for part in parts:
        for dim in part.dims:
            values = part[dim].values
            coords[dim] = values if dim not in coords else np.union1d(coords[dim], values)
    if "training" in coords:
        order = {m: i for i, m in enumerate(METHODS)}
        key = lambda m: order.get(m, len(METHODS))  # noqa: E731
        coords["training"] = np.array(sorted(coords["training"], key=key))
    return coords


def _filled(
    parts: Sequence[xr.Dataset], coords: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], dict[str, tuple[str, ...]]]:
    """Every variable (and cell coordinate) over ``coords``, NaN where no part gives a value."""
    arrays: dict[str, np.ndarray] = {}
    dims_of: dict[str, tuple[str, ...]] = {}
    for part in parts:
        carried = {**part.data_vars, **{c: part[c] for c in CELL_COORDS if c in part.coords}}
        for name, var in carried.items():
            dims = var.dims
            if name not in arrays:
                dims_of[str(name)] = dims
                dtype = var.dtype if var.dtype.kind == "f" else np.float64
                arrays[name] = np.full([len(coords[d]) for d in dims], np.nan, dtype=dtype)
            index = np.ix_(*(_positions(coords[d], part[d].values) for d in dims))
            values = np.asarray(var.values)
            if values.dtype.kind == "f":  # a packed part is NaN where it holds no cell
                target = arrays[name][index]
                given = ~np.isnan(values)
                target[given] = values[given]
                arrays[name][index] = target
            else:
                arrays[name][index] = values
    return arrays, dims_of


def _agreed(values: list[dict[str, Any]], what: str, *, union: bool = False) -> dict[str, Any]:
    """The first part's ``{name: value}`` (``union``: every part's), checked across the parts."""
    out = dict(values[0])
    for other in values[1:]:
        for k, v in other.items():
            if k in out and out[k] != v:
                raise DataError(
                    f"parts disagree on {what} {k}: {out[k]!r} and {v!r}", field=k, value=v
                )
            if union:
                out.setdefault(k, v)
    return out


def _positions(full: np.ndarray, values: np.ndarray) -> np.ndarray:
    if full.dtype.kind in "OUS":
        lookup = {v: i for i, v in enumerate(full.tolist())}
        return np.array([lookup[v] for v in values.tolist()], dtype=np.intp)
    return np.searchsorted(full, values)


def provenance_attrs(study: Study, *, device: str, torch_version: str) -> dict[str, str]:
    """Global attributes recording where a dataset came from.

    Parameters
    ----------
    study : Study
        The study.
    device : str
        The device(s) the numbers came from.
    torch_version : str
        The torch version that computed them (carried by the block results).
    """
    from phasetrans.version import __version__

    return {
        "title": f"phasetrans study {study.name}",
        "study_name": study.name,
        "study_hash": study.hash,
        "study_toml": study.source,
        "teacher_kind": study.teacher.kind,
        "phasetrans_version": __version__,
        "torch_version": torch_version,
        "device": device,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "Conventions": "CF-1.10",
    }

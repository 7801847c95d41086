"""A study's headline numbers: effective dimension and test error around h_T."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import xarray as xr

__all__ = ["format_summary", "summarize"]


def summarize(ds: xr.Dataset) -> xr.Dataset:
    """Per (training, teacher_width, width): mean and std over seeds of the key numbers.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset (root group is enough).

    Returns
    -------
    xarray.Dataset
        ``dimension``, ``mse_all`` (unpruned), ``mse_at_hT`` (``retained = h_T``),
        ``mse_at_half`` (``retained = h_T // 2``), each with ``_mean``/``_std``
        over seeds, plus ``ratio_hT`` and ``ratio_half`` (pruned over unpruned,
        mean over seeds) and ``seeds`` (students that ran); for classification
        studies also ``acc_all_mean``, ``acc_at_hT_mean``, ``acc_at_half_mean``.
    """
    out = xr.Dataset()
    mse = _at_counts(ds, ds["test_mse"])
    for name, da in {"dimension": ds["dimension"], **_prefixed("mse", mse)}.items():
        out[f"{name}_mean"] = da.mean("seed")
        out[f"{name}_std"] = da.std("seed")
    out["ratio_hT"] = (mse["at_hT"] / mse["all"]).mean("seed")
    out["ratio_half"] = (mse["at_half"] / mse["all"]).mean("seed")
    out["seeds"] = ds["dimension"].notnull().sum("seed")
    if "test_accuracy" in ds:
        for name, da in _prefixed("acc", _at_counts(ds, ds["test_accuracy"])).items():
            out[f"{name}_mean"] = da.mean("seed")
    return out


def _at_counts(ds: xr.Dataset, metric: xr.DataArray) -> dict[str, xr.DataArray]:
    """``metric`` with every node kept (``all``), at ``retained = h_T`` and at ``h_T // 2``."""
    top = int(ds.retained.max())
    width, h_t = ds["width"], ds["teacher_width"]
    picks = {
        "all": metric.sel(retained=width.clip(max=top)).where(width <= top),
        "at_hT": metric.sel(retained=h_t.clip(max=top)),
        "at_half": metric.sel(retained=h_t // 2),
    }
    return {k: v.drop_vars("retained", errors="ignore") for k, v in picks.items()}


def _prefixed(prefix: str, fields: dict[str, xr.DataArray]) -> dict[str, xr.DataArray]:
    return {f"{prefix}_{k}": v for k, v in fields.items()}


def format_summary(ds: xr.Dataset) -> str:
    """Readable text: dims, coordinates and the :func:`summarize` table.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset.

    Returns
    -------
    str
    """
    lines = []
    name = ds.attrs.get("study_name", "?")
    lines.append(
        f"study {name}  (hash {ds.attrs.get('study_hash', '?')}, "
        f"teacher {ds.attrs.get('teacher_kind', '?')}, device {ds.attrs.get('device', '?')})"
    )
    lines.append("dims: " + ", ".join(f"{k}={v}" for k, v in ds.sizes.items()))
    for coord in ("training", "teacher_width", "width", "seed"):
        values = ", ".join(str(v) for v in ds[coord].values.tolist())
        lines.append(f"  {coord}: {values}")
    if "missing_tasks" in ds.attrs:
        lines.append(f"  MISSING tasks (NaN cells): {ds.attrs['missing_tasks']}")
    diverged = int((ds["diverged_epoch"] > 0).sum()) if "diverged_epoch" in ds else 0
    if diverged:
        lines.append(f"  {diverged} student(s) diverged (non-finite loss) and were frozen")
    table = summarize(ds)
    lines.append("")
    header = (
        f"{'training':<12} {'h_T':>4} {'width':>6} {'seeds':>5} {'dimension':>14} "
        f"{'MSE(all)':>10} {'MSE(h_T)':>10} {'MSE(h_T/2)':>11} {'x(h_T)':>8} {'x(h_T/2)':>9}"
    )
    lines.append(header)
    lines.append("-" * len(header))
    for (training, h_t, width), row in _rows(table):
        lines.append(
            f"{training:<12} {h_t:>4} {width:>6} {int(row.seeds):>5} "
            f"{_pm(row.dimension_mean, row.dimension_std, '.1f'):>14} "
            f"{float(row.mse_all_mean):>10.4g} {float(row.mse_at_hT_mean):>10.4g} "
            f"{float(row.mse_at_half_mean):>11.4g} {float(row.ratio_hT):>8.3g} "
            f"{float(row.ratio_half):>9.3g}"
        )
    if "acc_all_mean" in table:
        lines.append("")
        lines.append(f"{'test accuracy':<24} {'all':>8} {'h_T':>8} {'h_T/2':>8}")
        for (training, h_t, width), row in _rows(table):
            lines.append(
                f"{training:<12} {h_t:>4} {width:>6} {float(row.acc_all_mean):>8.3f} "
                f"{float(row.acc_at_hT_mean):>8.3f} {float(row.acc_at_half_mean):>8.3f}"
            )
    lines.append("")
    lines.append(
        "dimension: effective dimension, mean ± std over seeds; MSE at retained = all, "
        "h_T, h_T/2 (mean over seeds); x(n) = MSE(n)/MSE(all), mean over seeds"
    )
    return "\n".join(lines)


def _rows(table: xr.Dataset) -> Iterator[tuple[tuple[str, int, int], xr.Dataset]]:
    """``((training, h_T, width), row)`` of every cell of the table where students ran."""
    for training in table.training.values:
        for h_t in table.teacher_width.values:
            for width in table.width.values:
                row = table.sel({"training": training, "teacher_width": h_t, "width": width})
                if int(row.seeds) > 0:
                    yield (str(training), int(h_t), int(width)), row


def _pm(mean: xr.DataArray, std: xr.DataArray, fmt: str) -> str:
    m, s = float(mean), float(std)
    if np.isnan(s):
        return f"{m:{fmt}}"
    return f"{m:{fmt}} ± {s:{fmt}}"

"""``phasetrans overlaps DATA.nc``: add the threshold-free overlaps to an existing dataset.

Computes the variables of :data:`phasetrans.analysis.overlaps.OVERLAP_VARIABLES`
from the ``weights`` and ``teacher`` groups (:func:`~phasetrans.analysis.overlaps.add_overlaps`)
and writes the dataset back, or to ``--out``, atomically: the new file is
written under a temporary name in the destination's folder and renamed, so the
original is never half-written; Ctrl-C waits for the write to end.
"""

from __future__ import annotations

import argparse
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from phasetrans.cli.options import add_data_argument, open_data

if TYPE_CHECKING:
    import xarray as xr


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "overlaps",
        help="add the student-teacher overlaps (r_n, specialisation, subspace) to a dataset",
        description=(
            "Compute per student the cosine overlaps R with the teacher's nodes, r_n (plain "
            "and output-weighted), the specialisation s = mean r_n - r_sym and the principal "
            "angles between the student's and the teacher's first-layer spans, from the "
            "dataset's weights and teacher groups, and write them into the dataset "
            "atomically. Variables already present are kept unless --overwrite."
        ),
    )
    add_data_argument(p)
    p.add_argument(
        "--out",
        default=None,
        metavar="FILE",
        help="write the dataset with the overlaps here (default: back to DATA)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="recompute overlap variables the dataset already has",
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from phasetrans.analysis.overlaps.dataset import add_overlaps
    from phasetrans.analysis.overlaps.schema import OVERLAP_VARIABLES

    ds = open_data(args.data)
    present = [n for n in OVERLAP_VARIABLES if n in ds.data_vars]
    result = add_overlaps(ds, overwrite=args.overwrite)
    added = [n for n in OVERLAP_VARIABLES if args.overwrite or n not in present]
    out = Path(args.out) if args.out else Path(args.data)
    if not added and out.resolve() == Path(args.data).resolve():
        print(
            f"{args.data} already has every overlap variable; nothing written "
            "(--overwrite recomputes them)"
        )
        return 0
    write_with_overlaps(result, out)
    kept = [n for n in present if n not in added]
    print(
        f"wrote {out}: {'added' if added else 'no new variables'} "
        + ", ".join(added)
        + (f"; kept {', '.join(kept)}" if kept else "")
    )
    return 0


def write_with_overlaps(ds: xr.Dataset, path: Path) -> Path:
    """Write a study dataset with its overlap variables, atomically.

    :func:`phasetrans.store.write_dataset` writes the groups of the store's
    schema; overlap variables it does not (yet) write are appended to the root
    group of the temporary file before the rename.
    """
    import xarray as xr

    from phasetrans.analysis.overlaps.schema import OVERLAP_VARIABLES
    from phasetrans.store import write_dataset

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with _interrupts_deferred():
            write_dataset(ds, tmp)
            with xr.open_dataset(tmp, engine="netcdf4") as root:
                written = set(map(str, root.data_vars))
            extra = [n for n in OVERLAP_VARIABLES if n in ds.data_vars and n not in written]
            if extra:
                part = ds[extra]
                part.attrs = {}
                encoding = {v: {"zlib": True, "complevel": 4} for v in extra if part[v].ndim >= 2}
                part.to_netcdf(tmp, mode="a", engine="netcdf4", encoding=encoding)
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) in the main thread until the block ends, then deliver it."""
    if not hasattr(signal, "pthread_sigmask") or (
        threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)

"""The reports shipped in ``docs/``: which dataset each comes from, regeneration, staleness.

A shipped report is stale when the content hash of its dataset
(:func:`~phasetrans.report.provenance.content_hash`) or the report generator
(:data:`~phasetrans.report.provenance.GENERATOR`) differs from the stamp in
its page.  ``phasetrans report --shipped`` (run from the repository root)
regenerates every shipped report whose dataset is present, without the host
name, with the default bootstrap and seed; :func:`regenerate` is its
implementation, given the function that opens a study file (the store's
``open_study``: the report layer does not read files).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import xarray as xr

from phasetrans.analysis.defaults import BOOTSTRAP, SEED
from phasetrans.report.html import STAMP_META
from phasetrans.report.provenance import GENERATOR, content_hash

__all__ = ["SHIPPED", "Shipped", "page_stamp", "regenerate", "staleness"]


@dataclass(frozen=True)
class Shipped:
    """A report shipped in the repository.

    Attributes
    ----------
    folder : str
        Folder of its ``report.html``, relative to the repository root.
    dataset : str
        The study file it is made from, relative to the repository root.
    study : str
        The study that computes the dataset (``phasetrans run <study>``).
    """

    folder: str
    dataset: str
    study: str

    @property
    def page(self) -> str:
        """The page, relative to the repository root."""
        return f"{self.folder}/report.html"


#: Every shipped report.
SHIPPED = (
    Shipped("docs/quick", "data/sample_quick.nc", "studies/quick.toml"),
    Shipped("docs/teachers", "data/teachers.nc", "studies/teachers.toml"),
)

_META = re.compile(rf'<meta name="{STAMP_META}" content="([^"]*)">')


def page_stamp(page: str | Path) -> dict[str, str] | None:
    """The stamp a report page carries (``dataset_hash``, ``generator``), or None."""
    found = _META.search(Path(page).read_text(encoding="utf-8"))
    return json.loads(html.unescape(found.group(1))) if found else None


def staleness(page: str | Path, ds: xr.Dataset | None) -> str | None:
    """Why a report page is stale, or None when it is current.

    Parameters
    ----------
    page : str or pathlib.Path
        The report page.
    ds : xarray.Dataset or None
        Its dataset, opened as the report opened it; None when it is not at
        hand (then only the generator is compared).
    """
    stamp = page_stamp(page)
    if stamp is None:
        return f"{page} carries no stamp: it predates {GENERATOR}"
    if stamp.get("generator") != GENERATOR:
        return f"{page} was made by {stamp.get('generator')}, not {GENERATOR}"
    if ds is not None and stamp.get("dataset_hash") != content_hash(ds):
        return f"{page} was made from other data (dataset hash {stamp.get('dataset_hash')})"
    return None


def regenerate(
    open_study: Callable[[Path], xr.Dataset],
    root: str | Path = ".",
    *,
    bootstrap: int = BOOTSTRAP,
    seed: int = SEED,
    progress: Callable[[str], None] | None = None,
) -> list[str]:
    """Rewrite every shipped report whose dataset is present; one line per report.

    Parameters
    ----------
    open_study : callable
        Opens a study file (``phasetrans.open_study``).
    root : str or pathlib.Path
        The repository root.
    bootstrap, seed : int
        As for :func:`~phasetrans.report.build.write_report` (the defaults).
    progress : callable, optional
        Told each step.

    Returns
    -------
    list of str
        ``"wrote docs/quick/report.html (...)"`` or ``"skipped ...: <why>"``.
    """
    from phasetrans.report.build import write_report

    root = Path(root)
    done = []
    for shipped in SHIPPED:
        dataset = root / shipped.dataset
        if not dataset.exists():
            done.append(
                f"skipped {shipped.page}: {shipped.dataset} is not here (compute it with "
                f"phasetrans run {shipped.study})"
            )
            continue
        if progress is not None:
            progress(f"{shipped.page} from {shipped.dataset}")
        ds = open_study(dataset)
        write_report(
            ds, root / shipped.folder, bootstrap=bootstrap, seed=seed, host=False,
            progress=progress,
        )  # fmt: skip
        done.append(f"wrote {shipped.page} (dataset hash {content_hash(ds)})")
    return done

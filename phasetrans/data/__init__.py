"""The sample study that ships with the package: ``phasetrans.open_sample()``.

``sample_quick.nc`` is the dataset of ``studies/quick.toml`` (h_T = 8,
student widths 16 to 128, 4 seeds, spectral and direct training; 300 kB),
installed with the package so that examples and notebooks find it from any
working directory.

Examples
--------
>>> import phasetrans
>>> ds = phasetrans.open_sample()  # doctest: +SKIP
>>> phasetrans.sample_path()  # doctest: +SKIP
PosixPath('.../phasetrans/data/sample_quick.nc')
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from phasetrans.errors import DataError

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["SAMPLES", "open_sample", "sample_path"]

#: The sample studies shipped, by name: their file in this package.
SAMPLES = {"quick": "sample_quick.nc"}


def sample_path(name: str = "quick") -> Path:
    """The path of a shipped sample study.

    Parameters
    ----------
    name : str
        A key of :data:`SAMPLES` (``"quick"``).

    Returns
    -------
    pathlib.Path
        Its netCDF file inside the installed package.

    Raises
    ------
    DataError
        For an unknown name, or a file missing from the installation.
    """
    if name not in SAMPLES:
        raise DataError(
            f"sample {name!r} is not shipped; allowed: {list(SAMPLES)}", field="name", value=name
        )
    path = Path(str(resources.files(__name__).joinpath(SAMPLES[name])))
    if not path.is_file():
        raise DataError(
            f"the sample study {path} is missing from this installation; reinstall phasetrans",
            field="name",
            value=name,
        )
    return path


def open_sample(name: str = "quick", *, load: bool = True) -> xr.Dataset:
    """Open a shipped sample study, as :func:`phasetrans.open_study` does.

    Parameters
    ----------
    name : str
        A key of :data:`SAMPLES`.
    load : bool
        Read it into memory (default; it is small), closing the file.

    Returns
    -------
    xarray.Dataset
        The root group merged with the weights and the teacher.
    """
    from phasetrans.store import open_study

    ds = open_study(sample_path(name))
    return ds.load() if load else ds

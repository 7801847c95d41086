"""Which cells of a :func:`~phasetrans.analysis.stationarity.stationarity` result did not converge.

The report's sections name the cells their claims rest on; this module turns
a selection of a stationarity result into those names (``"input_dim = 40,
alpha = 1.25"``) per order parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

__all__ = ["Unconverged", "unconverged_cells"]

#: Cells named in a sentence; the rest are counted.
SHOWN_CELLS = 6


@dataclass(frozen=True)
class Unconverged:
    """The unconverged cells of one order parameter.

    Attributes
    ----------
    variable : str
        The order parameter.
    cells : list of str
        ``"dim = value, ..."`` of every unconverged cell (a finite change
        beyond the rule of the stationarity result).
    n_tested : int
        Cells with a finite change.
    """

    variable: str
    cells: list[str]
    n_tested: int

    def text(self, shown: int = SHOWN_CELLS) -> str:
        """``"<variable> at <cell> and <cell> and N more cells"``."""
        more = f" and {len(self.cells) - shown} more cells" if len(self.cells) > shown else ""
        return f"{self.variable} at " + " and ".join(self.cells[:shown]) + more


def unconverged_cells(result: xr.Dataset) -> list[Unconverged]:
    """Per order parameter of a stationarity result (or a selection of its cells).

    Parameters
    ----------
    result : xarray.Dataset
        :func:`~phasetrans.analysis.stationarity.stationarity`'s result,
        possibly selected to the cells a claim uses.

    Returns
    -------
    list of Unconverged
        One entry per order parameter with at least one unconverged cell.
    """
    out = []
    for name in result.attrs["variables"]:
        change = result[f"{name}_change"]
        bad = change.notnull() & ~result[f"{name}_converged"]
        cells = [
            ", ".join(
                f"{d} = {bad[d].values[i].item()}" for d, i in zip(bad.dims, index, strict=True)
            )
            or "the one cell"
            for index in np.argwhere(bad.values)
        ]
        if cells:
            out.append(Unconverged(str(name), cells, int(change.notnull().sum())))
    return out

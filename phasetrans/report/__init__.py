"""One study → one self-contained HTML page: provenance, the paper's claims, the figures.

Modules: :mod:`~phasetrans.report.claims` (the claims and their verdicts),
:mod:`~phasetrans.report.records` (claims, tables and sections as records),
:mod:`~phasetrans.report.build` (claims and figures from a dataset; the page),
:mod:`~phasetrans.report.transition` (the transition section of a study swept
in a control and a size), :mod:`~phasetrans.report.stationarity` (the
unconverged cells under a claim), :mod:`~phasetrans.report.html` (the page).

The report only composes public functions: :func:`phasetrans.summary.summarize`
(the ``ds.pt.summary()`` table), :func:`phasetrans.collapse`,
:func:`phasetrans.compare_models`, :func:`phasetrans.compare_topology`,
:func:`phasetrans.analysis.topology.match_student`,
:func:`phasetrans.analysis.transition.transition`,
:func:`phasetrans.analysis.stationarity.stationarity`,
:mod:`phasetrans.analysis.observables` and :mod:`phasetrans.plots`.  Every
section is guarded: an analysis that fails on this study shows as a labelled
"not available: <reason>" entry instead of stopping the report.

Examples
--------
>>> import phasetrans
>>> from phasetrans.report import write_report
>>> ds = phasetrans.open_sample()  # the shipped sample study  # doctest: +SKIP
>>> write_report(ds, "out/quick")  # doctest: +SKIP
PosixPath('out/quick/report.html')
"""

from __future__ import annotations

from phasetrans.report.build import build_report, write_report
from phasetrans.report.claims import STUDY_DIMS
from phasetrans.report.html import Report
from phasetrans.report.records import Claim, Section, Table

__all__ = ["STUDY_DIMS", "Claim", "Report", "Section", "Table", "build_report", "write_report"]

"""One study → one self-contained HTML page: provenance, the paper's claims, the figures.

The page reads like a paper's appendix: a summary (what was studied, found,
how sure), the Alerts, the headline table, the claims with their verdicts,
the parameter tables of every fit and collapse, the numbered figures with
captions, and the provenance.  A claim resting on a fit or a collapse holds
only when the model is adequate (:mod:`~phasetrans.report.adequacy`), and
its verdict cell shows the goodness of fit.

Modules: :mod:`~phasetrans.report.claims` (the claims and their verdicts),
:mod:`~phasetrans.report.models` (the collapse and the fit, judged by their
adequacy), :mod:`~phasetrans.report.adequacy` (χ² p-values and S against
their thresholds), :mod:`~phasetrans.report.parameters` (parameter tables),
:mod:`~phasetrans.report.overview` (summary paragraph, headline table),
:mod:`~phasetrans.report.figures` (titled and captioned figures),
:mod:`~phasetrans.report.provenance` (versions, commit, content hash),
:mod:`~phasetrans.report.records` (claims, tables, plots and sections as
records), :mod:`~phasetrans.report.build` (all of it from a dataset),
:mod:`~phasetrans.report.transition` (the transition section of a study swept
in a control and a size), :mod:`~phasetrans.report.stationarity` (the
unconverged cells under a claim), :mod:`~phasetrans.report.html` (the page),
:mod:`~phasetrans.report.shipped` (the reports shipped in ``docs/``, their
regeneration and staleness).

The report only composes public functions: :func:`phasetrans.summary.summarize`
(the ``ds.pt.summary()`` table), :func:`phasetrans.collapse`,
:func:`phasetrans.compare_models`, :func:`phasetrans.compare_topology`,
:func:`phasetrans.analysis.topology.match_student`,
:func:`phasetrans.analysis.transition.transition`,
:func:`phasetrans.analysis.stationarity.stationarity`,
:mod:`phasetrans.analysis.observables` and :mod:`phasetrans.plots`.  Every
section is guarded: an analysis that fails on this study shows as a labelled
"not available: <reason in words>" entry, listed in the Alerts, instead of
stopping the report; no exception text reaches the page.

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
from phasetrans.report.records import Claim, Plot, Section, Table

__all__ = [
    "STUDY_DIMS",
    "Claim",
    "Plot",
    "Report",
    "Section",
    "Table",
    "build_report",
    "write_report",
]

"""The threshold scan compares only collapses that determined alpha_c."""

from __future__ import annotations

import math

from phasetrans.analysis.transition.systematics import SystematicRow, threshold_verdict

BASE = SystematicRow("baseline", "baseline", 2.0, 1.0, (1.9, 2.1))


def _scan(values, determined=None):
    taus = (0.7, 0.8, 0.9, 0.95, 0.99)
    determined = determined or [True] * len(values)
    return [
        SystematicRow(f"tau = {t:g}", "threshold", v, 1.0, threshold=t, determined=d)
        for t, v, d in zip(taus[: len(values)], values, determined, strict=True)
    ]


def test_a_failed_collapse_is_not_a_move_of_alpha_c():
    # flat in tau, but the collapse at tau = 0.99 failed and put alpha_c at -4.32
    values = [2.0, 1.98, 1.96, 1.94, -4.32]
    rows = _scan(values, [True, True, True, True, False])
    verdict = threshold_verdict([BASE, *rows], BASE, 1.0)
    assert verdict.startswith("alpha_c does not move with the threshold beyond its interval")
    assert "to 1.94 at tau = 0.95" in verdict
    assert verdict.endswith(
        "; tau = 0.99 left out: the collapse failed or did not determine its exponents"
    )
    # counted, the failed row alone made a monotonic fall of range 6.3: an "artefact"
    counted = threshold_verdict([BASE, *_scan(values)], BASE, 1.0)
    assert counted.startswith("THRESHOLD ARTEFACT") and "to -4.32 at tau = 0.99" in counted
    moving = _scan([1.5, 1.8, 2.1, 2.4, 9.0], [True, True, True, True, False])
    assert threshold_verdict([BASE, *moving], BASE, 1.0).startswith("THRESHOLD ARTEFACT")
    assert "from 1.5 at tau = 0.7 to 2.4 at tau = 0.95" in threshold_verdict(moving, BASE, 1.0)


def test_too_few_determined_collapses_say_so():
    rows = _scan([2.0, math.nan, 3.0], [True, False, False])
    verdict = threshold_verdict(rows, BASE, 1.0)
    assert verdict == (
        "no threshold scan: fewer than 2 determined collapses; tau = 0.8, 0.9 left out: "
        "the collapse failed or did not determine its exponents"
    )
    assert threshold_verdict([BASE], BASE, 1.0) is None

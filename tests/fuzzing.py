"""The hypothesis settings of the fuzz tests, in one place.

``PHASETRANS_FUZZ_EXAMPLES`` sets the examples per run for a longer hunt, and
``PHASETRANS_FUZZ_RANDOM=1`` draws new examples (by default the order is fixed,
so CI sees the same examples every run).
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings


def fuzz_settings(examples: int, seconds: float) -> settings:
    """Settings for ``examples`` examples (unless the environment says otherwise),
    each allowed ``seconds``."""
    return settings(
        max_examples=int(os.environ.get("PHASETRANS_FUZZ_EXAMPLES", str(examples))),
        deadline=timedelta(seconds=seconds),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=os.environ.get("PHASETRANS_FUZZ_RANDOM") != "1",
    )

"""Budgets and bookkeeping shared by every fuzz target (tests/fuzz/).

Each target declares how many cases it runs under the CI profile; the profile
named by ``HYPOTHESIS_PROFILE`` scales that number (``ci`` 1x, ``dev`` 0.1x so
that a developer's full run stays quick, ``fuzz-long`` 20x for a local soak).
Every failed case records the kind of error it ended in (the exception class
and the field it named), and the session prints the counts per target, so a
CI log shows which error kinds the fuzzers hit.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict

from hypothesis import HealthCheck, settings

#: Case-count multiplier per hypothesis profile.
_SCALE = {"ci": 1.0, "dev": 0.1, "fuzz-long": 20.0}

#: target name -> Counter of "ErrorClass(field)" (or "ok") outcomes.
OUTCOMES: defaultdict[str, Counter[str]] = defaultdict(Counter)


def fuzz_settings(ci_examples: int) -> settings:
    """Return hypothesis settings running ``ci_examples`` cases under the CI profile."""
    profile = os.environ.get("HYPOTHESIS_PROFILE", "dev")
    n = max(10, int(ci_examples * _SCALE.get(profile, 0.1)))
    return settings(max_examples=n, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


def record(target: str, outcome: str) -> None:
    """Count one case's outcome (``"ok"`` or ``"InputError(field)"``) for ``target``."""
    OUTCOMES[target][outcome] += 1

"""`report_ms`: the manager's report timed section by section, as `frontdesk report` computes it.

The default scope (the last 4 weeks, the actor's site) through the report
service's own `build`, which times each section it computes
(reports.SECTIONS); `total` is the whole call, with the escalation run and
the transaction around the sections. One warm-up, then the median of a few
runs, so a figure is neither the cold cache's nor one lucky run's.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

REPORT_RUNS = 3


def measure_report(actor: Any, runs: int = REPORT_RUNS) -> tuple[dict[str, float], int]:
    """The median ms per section and in total, and how many incidents the scope holds."""
    from frontdesk.services import reports

    scope = reports.parse_scope(actor)
    reports.build(actor, scope)
    samples: dict[str, list[float]] = {name: [] for name in (*reports.SECTIONS, "total")}
    incidents = 0
    for _ in range(runs):
        timings: dict[str, float] = {}
        started = time.perf_counter()
        incidents = reports.build(actor, scope, timings).incidents
        samples["total"].append((time.perf_counter() - started) * 1000)
        for name, ms in timings.items():
            samples[name].append(ms)
    return {name: round(statistics.median(values), 1) for name, values in samples.items()}, incidents

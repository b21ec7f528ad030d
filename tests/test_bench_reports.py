"""`frontdesk bench --incidents N`: that many incidents, closed episodes with causes and outcomes, report_ms per section."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from frontdesk.bench.run import run_bench
from frontdesk.cli import main
from frontdesk.services.reports import SECTIONS
from frontdesk.store.migrate import open_store
from frontdesk.store.models import Episode, Incident


def test_bench_incidents_and_report_figures(tmp_path: Path) -> None:
    """N incidents (plus the depositions the bench times), and one report timing per JSON section and in all."""
    url, target = f"sqlite:///{tmp_path / 'bench.db'}", tmp_path / "bench.json"
    quick = {"searches": 40, "depositions": 3, "queue_repeats": 2, "queue_open": 50, "pin_verifies": 1}
    out = io.StringIO()
    assert run_bench(600, url, str(target), False, 5, False, **quick, incidents=400, report_runs=2, out=out) == 0

    figures = json.loads(target.read_text())
    report = figures["report_ms"]
    assert set(report) == {*SECTIONS, "total"}
    assert all(isinstance(ms, float) and ms >= 0 for ms in report.values())
    assert report["total"] >= max(ms for name, ms in report.items() if name != "total")
    assert figures["report_detail"]["incidents"] > 0 and figures["report_detail"]["runs"] == 2
    assert "report, last 4 weeks" in out.getvalue()

    store = open_store(url)
    try:
        with store.read() as session:
            logged = session.scalar(select(func.count()).select_from(Incident).where(Incident.logged_terminal == "bench"))
            assert logged == 400 + 3 + 3, "the store's 400, and the timed depositions with their 3 warm-ups"
            closed = session.execute(
                select(Episode.root_cause, Episode.outcome).where(Episode.status == "closed")).all()
            assert closed and all(cause and outcome for cause, outcome in closed)
            assert {outcome for _, outcome in closed} == {"recovered", "not_recovered", "unknown"}
            assert "unknown" in {cause for cause, _ in closed}
    finally:
        store.dispose()


def test_bench_refuses_more_incidents_than_customers(capsys: pytest.CaptureFixture[str]) -> None:
    """--incidents is checked before anything is built, and named in the one line that says so."""
    assert main(["bench", "--customers", "100", "--incidents", "101", "--no-screens"]) == 2
    assert "incidents" in capsys.readouterr().err

"""`frontdesk bench --terminals`: many terminals on one PostgreSQL store (issue 19 item 3), small.

Six terminals over two sites, each with its own pool and change feed, in two processes, acting every
0.3 s for a few seconds: nothing fails, no terminal re-queries for another site's change, none holds
more than 2 connections, and every figure the JSON promises is there.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from frontdesk.bench.terminals import run_terminals
from frontdesk.cli import main


def test_many_terminals_stay_within_budget_and_never_wake_for_other_sites(pg_store: Any, tmp_path: Path) -> None:
    url = pg_store.url.render_as_string(hide_password=False)
    pg_store.dispose()
    out = io.StringIO()
    path = tmp_path / "out.json"
    run_terminals(200, url, str(path), False, 7, terminals=6, sites=2, think_s=0.3, duration_s=4.0, out=out)
    figures = json.loads(path.read_text(encoding="utf-8"))["terminals"]
    assert figures["errors"] == 0, figures["error_kinds"]
    assert figures["queries_per_change"]["other_sites"] == 0
    assert figures["changes_heard"]["other_sites"] > 0  # they did hear the other site: and asked nothing
    assert figures["queries_per_change"]["same_site"] > 0  # and their own site's changes did wake them
    assert 1 <= figures["connections_per_terminal"] <= 2
    for key in ("change_to_notice_ms", "search_ms", "write_ms"):
        assert set(figures[key]) >= {"p50", "p95"}, key
    assert figures["change_to_notice_ms"]["n"] > 0


def test_terminals_need_postgresql(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--terminals", "6", "--sites", "2", "--db", sqlite_url]) == 2
    assert main(["bench", "--terminals", "6", "--sites", "2"]) == 2  # the default store is SQLite too
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == ["frontdesk: --terminals needs a PostgreSQL store: give --db postgresql://…"] * 2

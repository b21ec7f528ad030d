"""`frontdesk report` on the demo store: CSV with its header, JSON with one key per section, refusals in one line."""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import date, timedelta
from pathlib import Path

from tests.test_cli import frontdesk, one_line_error

SECTIONS = ["period", "incidents", "trend", "by_category", "by_hour", "by_category_hour", "by_weekday",
            "by_product", "root_causes", "remedies", "follow_through", "promises", "recovery", "people",
            "repeat_customers"]


def test_report_on_the_demo_store_as_csv_json_and_text(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert frontdesk("demo", "--db", url, timeout=300).returncode == 0  # half a minute idle, minutes under load

    since = (date.today() - timedelta(days=300)).isoformat()  # the demo's repeat customers are months apart
    as_csv = frontdesk("report", "--db", url, "--format", "csv", "--from", since)
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert rows[0] == ["section", "key", "label", "value"]
    assert all(len(row) == 4 for row in rows)
    figures = {(row[0], row[1]): row[3] for row in rows[1:]}
    assert int(figures[("incidents", "total")]) > 0
    assert ("follow_through", "on_time_share") in figures and ("recovery", "came_back_30d|n") in figures
    assert any(section == "by_category_hour" and key.count("|") == 1 for section, key in figures)
    assert any(section == "repeat_customers" and key.endswith("|incidents_per_visit") for section, key in figures)

    as_json = frontdesk("report", "--db", url, "--format", "json", "--all-sites", "--from", since)
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert list(report) == SECTIONS
    assert report["incidents"]["total"] == int(figures[("incidents", "total")])  # one site: the same figures
    assert report["period"]["all_sites"] is True
    assert {"staff_id", "name", "follow_ups_owned", "follow_ups_on_time", "promises_made", "promises_kept",
            "handoffs_checked", "recoveries"} <= set(report["people"][0])
    assert all(repeat["incidents"] >= 2 for repeat in report["repeat_customers"]) and report["repeat_customers"]

    target = tmp_path / "report.txt"
    written = frontdesk("report", "--db", url, "--category", "food", "-o", str(target))
    assert written.returncode == 0 and written.stdout == "", written.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "category food" in target.read_text().splitlines()[0]


def test_bad_flags_are_one_line_and_exit_2(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert frontdesk("setup", "--db", url, "--site", "Bistro", "--tz", "Europe/Berlin", "--region", "DE",
                     "--currency", "EUR", "--staff", "Maria", "--pin", "2468").returncode == 0
    assert "from: give a date as YYYY-MM-DD" in one_line_error(frontdesk("report", "--db", url, "--from", "1.12.2026"))
    assert "site: no site called 'Nowhere'" in one_line_error(frontdesk("report", "--db", url, "--site", "Nowhere"))
    assert "category" in one_line_error(frontdesk("report", "--db", url, "--category", "weather"))
    assert "--format" in one_line_error(frontdesk("report", "--db", url, "--format", "xml"))

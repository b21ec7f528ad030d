"""The manager's report (issue 16): every figure on a small store, worked out by hand below.

The rows are written straight into the tables (customers through the
service): the instants, statuses and escalation levels have to be exact, and
reaching them through the services would take weeks of pinned clock.

Bistro Berlin is on CEST (UTC+2) in October 2026; the clock stands at
2026-11-20 18:30 UTC (today is 20 Nov, local). The report covers 1–21 Oct.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select

from frontdesk.errors import InvalidInput, NotAllowed
from frontdesk.services import reports
from frontdesk.services.context import Actor
from frontdesk.store.models import AuditEvent, Episode, FollowUp, Incident, Visit
from tests.services._support import utc

PERIOD: dict[str, Any] = {"first_day": "2026-10-01", "last_day": "2026-10-21"}


def _incident(session: Any, site_id: int, at: datetime, local: tuple[date, int, int], **fields: Any) -> int:
    local_date, hour, weekday = local
    row = Incident(site_id=site_id, occurred_at=at, local_date=local_date, local_hour=hour, local_weekday=weekday,
                   logged_at=at, logged_by_id=fields["ally_id"], logged_terminal="stand", description="-", **fields)
    session.add(row)
    session.flush()
    return row.id


def _visit(session: Any, site_id: int, customer_id: int, at: datetime) -> int:
    row = Visit(site_id=site_id, customer_id=customer_id, checked_in_at=at)
    session.add(row)
    session.flush()
    return row.id


def _follow_up(session: Any, incident_id: int, site_id: int, owner_id: int, due: datetime, *,
               kind: str = "check_in", status: str = "open", completed: datetime | None = None,
               escalation: int = 0) -> None:
    session.add(FollowUp(incident_id=incident_id, site_id=site_id, owner_id=owner_id, kind=kind, channel="call",
                         due_at=due, status=status, completed_at=completed, escalation=escalation,
                         escalated_at=due if escalation else None, created_at=due, updated_at=due))


@pytest.fixture
def history(desk: Actor, staff: dict[str, int], new_customer: Callable[..., int]) -> dict[str, int]:
    """Four incidents in the period and one before it, their visits, episodes and follow-ups."""
    people = {name: new_customer(name) for name in ("Ana Adler", "Ben Bauer", "Cleo Cramer", "Dan Dorn", "Eve Ernst")}
    tom, lena, maria = staff["Tom"], staff["Lena"], staff["Maria"]
    ana, ben = people["Ana Adler"], people["Ben Bauer"]
    site = desk.site_id
    with desk.store.begin() as session:
        first_visit = _visit(session, site, ana, utc(2026, 10, 2, 16, 0))
        _visit(session, site, ana, utc(2026, 10, 20, 10, 0))  # 18 days after I1: came back within 30
        _visit(session, site, ben, utc(2026, 10, 20, 18, 0))
        cleo, dan, eve = people["Cleo Cramer"], people["Dan Dorn"], people["Eve Ernst"]
        _visit(session, site, cleo, utc(2026, 10, 5, 12, 0))
        _visit(session, site, cleo, utc(2026, 11, 10, 12, 0))  # 36 days later: not within 30
        _visit(session, site, dan, utc(2026, 10, 12, 12, 0))
        _visit(session, site, dan, utc(2026, 10, 13, 12, 0))  # within 30
        _visit(session, site, eve, utc(2026, 10, 21, 20, 0))  # 22:00 local on the last day: too recent for 30
        # I1 Fri 2 Oct 19:10 local, Tom, food, 14.00 EUR, promise kept; closed: process, recovered
        i1 = _incident(session, site, utc(2026, 10, 2, 17, 10), (date(2026, 10, 2), 19, 4), ally_id=tom,
                       customer_id=ana, visit_id=first_visit, category="food", severity="minor", remedy_cost=1400,
                       remedy_kind="comped", promise_text="call", promise_status="kept")
        # I2 Fri 9 Oct 12:05, Lena, food, 6.00 EUR, promise broken; closed: process, not recovered
        i2 = _incident(session, site, utc(2026, 10, 9, 10, 5), (date(2026, 10, 9), 12, 4), ally_id=lena,
                       customer_id=ana, category="food", severity="major", remedy_cost=600, remedy_kind="comped",
                       promise_text="fix", promise_status="broken")
        # I3 Tue 20 Oct 20:30, Tom, wait, promise pending; still open
        i3 = _incident(session, site, utc(2026, 10, 20, 18, 30), (date(2026, 10, 20), 20, 1), ally_id=tom,
                       customer_id=ben, category="wait", severity="moderate", promise_text="call",
                       promise_status="pending")
        # I4 Thu 15 Oct 13:00, Lena, an unknown guest; closed: unknown, unknown
        i4 = _incident(session, site, utc(2026, 10, 15, 11, 0), (date(2026, 10, 15), 13, 3), ally_id=lena,
                       category="service", severity="minor")
        # before the period: counts nowhere
        i0 = _incident(session, site, utc(2026, 9, 20, 10, 0), (date(2026, 9, 20), 12, 6), ally_id=tom,
                       customer_id=ana, category="food", severity="minor", promise_text="x", promise_status="kept")
        for incident, status, cause, outcome in ((i1, "closed", "process", "recovered"),
                                                 (i2, "closed", "process", "not_recovered"),
                                                 (i3, "open", None, None), (i4, "closed", "unknown", "unknown"),
                                                 (i0, "closed", "training", "recovered")):
            session.add(Episode(incident_id=incident, status=status, opened_at=utc(2026, 10, 1), root_cause=cause,
                                outcome=outcome))
        # F1 due 4 Oct 10:00 local, done 22:00 that day: on time (Tom)
        _follow_up(session, i1, site, tom, utc(2026, 10, 4, 8), status="done", completed=utc(2026, 10, 4, 20))
        # F2 hand-off check due 5 Oct, done 00:30 local on the 6th: late, escalated once (Tom)
        _follow_up(session, i1, site, tom, utc(2026, 10, 5, 8), kind="handoff_check", status="done",
                   completed=utc(2026, 10, 5, 22, 30), escalation=1)
        # F3 due 00:30 local 21 Oct (20 Oct in UTC), done 23:00 local 21 Oct: on time (Lena)
        _follow_up(session, i2, site, lena, utc(2026, 10, 20, 22, 30), kind="wrap_up", status="done",
                   completed=utc(2026, 10, 21, 21, 0))
        # F4 due 21 Oct, still open: overdue, escalated to the managers (Lena)
        _follow_up(session, i3, site, lena, utc(2026, 10, 21, 8), escalation=2)
        # F5 skipped: left out (Tom)
        _follow_up(session, i3, site, tom, utc(2026, 10, 21, 8), status="skipped")
        # F6 due 22 Oct: after the period (Tom)
        _follow_up(session, i1, site, tom, utc(2026, 10, 22, 8), status="done", completed=utc(2026, 10, 22, 9))
        # F7 due 00:30 local 1 Oct (30 Sep in UTC), done 23:30 local 16 Oct: late (Maria)
        _follow_up(session, i4, site, maria, utc(2026, 9, 30, 22, 30), status="done",
                   completed=utc(2026, 10, 16, 21, 30))
    return {"tom": tom, "lena": lena, "maria": maria, "ana": ana}


def test_every_figure_matches_the_hand_count(desk: Actor, history: dict[str, int]) -> None:
    figures = reports.as_json(reports.build(desk, reports.parse_scope(desk, **PERIOD)))

    assert list(figures) == ["period", "incidents", "trend", "by_category", "by_hour", "by_category_hour",
                             "by_weekday", "by_product", "root_causes", "remedies", "follow_through", "promises",
                             "recovery", "people", "repeat_customers"]
    assert figures["period"] == {"first_day": "2026-10-01", "last_day": "2026-10-21", "site": "Bistro Berlin",
                                 "all_sites": False, "category": None}
    assert figures["incidents"] == {"total": 4, "minor": 2, "moderate": 1, "major": 1, "critical": 0}
    assert [(w["key"], w["count"]) for w in figures["trend"]] == [
        ("2026-10-01", 1), ("2026-10-08", 1), ("2026-10-15", 2)]
    assert [(c["key"], c["count"]) for c in figures["by_category"]] == [("food", 2), ("service", 1), ("wait", 1)]
    assert {c["key"]: c["count"] for c in figures["by_hour"] if c["count"]} == {"12": 1, "13": 1, "19": 1, "20": 1}
    assert [(c["key"], c["count"]) for c in figures["by_category_hour"]] == [
        ("food|12", 1), ("food|19", 1), ("service|13", 1), ("wait|20", 1)]
    assert {c["label"]: c["count"] for c in figures["by_weekday"] if c["count"]} == {"Fri": 2, "Thu": 1, "Tue": 1}
    assert [(c["key"], c["label"], c["count"]) for c in figures["root_causes"]] == [
        ("process", "Process", 2), ("unknown", "Unknown", 1)]
    assert figures["remedies"] == [
        {"category": "food", "label": "Food and drink", "currency": "EUR", "incidents": 2, "total": 2000}]

    through = figures["follow_through"]
    # due in the period: F1 F2 F3 F4 F7; on time F1 F3; late F2 F7; overdue F4; escalated F2 F4
    assert (through["due"], through["on_time"], through["late"], through["overdue"], through["escalated"]) == (
        5, 2, 2, 1, 2)
    assert through["on_time_share"] == 0.4
    # first contact: I1 on 4 Oct (2 days), I2 on 21 Oct (12), I4 on 16 Oct (1); I3 none -> median 2
    assert (through["median_days_to_first_contact"], through["first_contacts"]) == (2.0, 3)
    assert {a["key"]: a["count"] for a in through["episodes_open"]} == {"0-6": 0, "7-13": 0, "14-29": 0, "30+": 1}
    assert figures["promises"] == {"made": 3, "kept": 1, "broken": 1, "pending": 1}

    recovery = figures["recovery"]
    assert (recovery["recovered"], recovery["not_recovered"], recovery["unknown"]) == (1, 1, 1)
    # Ana (back on 20 Oct) and Ben (not back) are 30 days old; nobody is 90 days old yet
    assert recovery["came_back_30d"] == {"count": 1, "n": 2, "share": 0.5}
    assert recovery["came_back_90d"] == {"count": 0, "n": 0, "share": None}
    # baseline: Cleo (back after 36 days) and Dan (back the next day); Eve is too recent
    assert recovery["baseline_came_back_30d"] == {"count": 1, "n": 2, "share": 0.5}
    assert recovery["baseline_came_back_90d"]["n"] == 0
    # by category, from each customer's first incident of it: Ana's food (back), Ben's wait (not back)
    assert recovery["by_category"] == [
        {"key": "food", "label": "Food and drink", "came_back_30d": {"count": 1, "n": 1, "share": 1.0},
         "came_back_90d": {"count": 0, "n": 0, "share": None}},
        {"key": "wait", "label": "Wait or delay", "came_back_30d": {"count": 0, "n": 1, "share": 0.0},
         "came_back_90d": {"count": 0, "n": 0, "share": None}},
    ]

    assert figures["people"] == [
        {"staff_id": history["lena"], "name": "Lena", "follow_ups_owned": 2, "follow_ups_on_time": 1,
         "promises_made": 1, "promises_kept": 0, "handoffs_checked": 0, "recoveries": 1},
        {"staff_id": history["maria"], "name": "Maria", "follow_ups_owned": 1, "follow_ups_on_time": 0,
         "promises_made": 0, "promises_kept": 0, "handoffs_checked": 0, "recoveries": 0},
        {"staff_id": history["tom"], "name": "Tom", "follow_ups_owned": 2, "follow_ups_on_time": 1,
         "promises_made": 2, "promises_kept": 1, "handoffs_checked": 1, "recoveries": 1},
    ]
    # Ana: I1 and I2 in the period, I0 before it; two visits; 14.00 + 6.00 EUR given. Ben had one incident.
    assert figures["repeat_customers"] == [
        {"customer_id": history["ana"], "name": "Ana Adler", "customer_since": "2026-11-20", "tenure_days": 0,
         "visits": 2, "incidents": 2, "incidents_ever": 3, "incidents_per_visit": 1.5,
         "remedy_totals": {"EUR": 2000}}]


def test_one_category_narrows_incidents_and_follow_ups(desk: Actor, history: dict[str, int]) -> None:
    figures = reports.as_json(reports.build(desk, reports.parse_scope(desk, **PERIOD, category="food")))
    assert figures["incidents"]["total"] == 2 and figures["period"]["category"] == "food"
    assert (figures["follow_through"]["due"], figures["follow_through"]["on_time"]) == (3, 2)  # F1 F2 F3
    assert figures["promises"] == {"made": 2, "kept": 1, "broken": 1, "pending": 0}


def test_all_sites_and_the_default_period(desk: Actor, history: dict[str, int]) -> None:
    everywhere = reports.parse_scope(desk, **PERIOD, all_sites=True)
    assert (everywhere.site_id, everywhere.site_name) == (None, None)
    assert reports.build(desk, everywhere).incidents == 4
    default = reports.parse_scope(desk)
    assert (default.first_day, default.last_day) == (date(2026, 10, 24), date(2026, 11, 20))  # 4 weeks to today


@pytest.mark.parametrize(("typed", "field"), [
    ({"first_day": "2026-10-32"}, "from"),
    ({"first_day": "2026-10-21", "last_day": "2026-10-01"}, "to"),
    ({"first_day": "2024-01-01", "last_day": "2026-01-01"}, "from"),
    ({"site": "Nowhere"}, "site"),
    ({"site": "Bistro Berlin", "all_sites": True}, "site"),
    ({"category": "weather"}, "category"),
])
def test_bad_scopes_are_refused_naming_the_flag(desk: Actor, typed: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        reports.parse_scope(desk, **typed)
    assert list(refused.value.errors) == [field]


def test_only_a_manager_reads_it(desk: Actor, staff: dict[str, int]) -> None:
    with pytest.raises(NotAllowed, match="manager"):
        reports.build(desk.as_staff(staff["Lena"]), reports.parse_scope(desk, **PERIOD))


def test_saving_the_csv_is_a_managers_export_audited_once_written(
    desk: Actor, history: dict[str, int], staff: dict[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F5's `s`: the command's CSV in an owner-only file named by site, category and days, audited as
    `report_export`; a lead is refused, and a full disk leaves no file and no audit event."""
    import errno
    import io
    import os
    import stat

    from frontdesk.errors import FrontdeskError
    from frontdesk.services import audit

    folder = tmp_path / "exports"
    folder.mkdir()
    maria = desk.as_staff(staff["Maria"])
    report = reports.build(maria, reports.parse_scope(desk, **PERIOD, category="food"))

    def exported() -> int:
        with desk.store.read() as session:
            return session.scalar(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.action == "report_export")) or 0

    with pytest.raises(NotAllowed, match="manager"):
        reports.save_csv(desk.as_staff(staff["Lena"]), report, folder)
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left")))
    with pytest.raises(FrontdeskError, match="is full: nothing was written"):
        reports.save_csv(maria, report, folder)
    assert list(folder.iterdir()) == [] and exported() == 0
    monkeypatch.undo()

    path = reports.save_csv(maria, report, folder)
    assert path == folder / "frontdesk-report-bistro-berlin-food-2026-10-01-to-2026-10-21.csv"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    expected = io.StringIO(newline="")
    reports.write_report(report, expected, "csv")
    assert path.read_bytes() == expected.getvalue().encode("utf-8")
    assert exported() == 1 and "report_export" in audit.ACTIONS


@pytest.fixture
def fetched_rows(desk: Actor) -> Iterator[list[int]]:
    """Rows the store hands back to Python, counted by wrapping each statement's cursor."""
    counted: list[int] = []

    class Counting:
        def __init__(self, cursor: Any) -> None:
            self._cursor = cursor

        def __getattr__(self, name: str) -> Any:
            return getattr(self._cursor, name)

        def __iter__(self) -> Any:
            for row in self._cursor:
                counted.append(1)
                yield row

        def fetchone(self) -> Any:
            row = self._cursor.fetchone()
            counted.extend([1] if row is not None else [])
            return row

        def fetchmany(self, size: int | None = None) -> Any:
            rows = self._cursor.fetchmany() if size is None else self._cursor.fetchmany(size)
            counted.extend([1] * len(rows))
            return rows

        def fetchall(self) -> Any:
            rows = self._cursor.fetchall()
            counted.extend([1] * len(rows))
            return rows

    engine = desk.store.engine

    def wrap(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if context is not None and context.cursor is cursor:
            context.cursor = Counting(cursor)

    event.listen(engine, "after_cursor_execute", wrap)
    yield counted
    event.remove(engine, "after_cursor_execute", wrap)


def test_ten_thousand_follow_ups_fetch_at_most_2000_rows(desk: Actor, history: dict[str, int],
                                                         fetched_rows: list[int]) -> None:
    with desk.store.begin() as session:
        incident = session.query(Incident.id).filter(Incident.local_date == date(2026, 10, 9)).scalar()
        session.execute(insert(FollowUp), [
            {"incident_id": incident, "site_id": desk.site_id, "owner_id": history["tom"], "kind": "check_in",
             "channel": "call", "due_at": utc(2026, 10, 1 + number % 21, 9), "status": "done",
             "completed_at": utc(2026, 10, 1 + number % 21, 9 + number % 2 * 14), "escalation": 0,
             "created_at": utc(2026, 10, 1), "updated_at": utc(2026, 10, 1)}
            for number in range(10_000)
        ])
    fetched_rows.clear()
    result = reports.build(desk, reports.parse_scope(desk, **PERIOD))
    assert result.follow_ups_due == 10_005
    assert result.follow_ups_on_time == 2 + 5_000  # every other one done at 23:00 UTC: the next local day
    assert 0 < len(fetched_rows) <= 2_000, len(fetched_rows)

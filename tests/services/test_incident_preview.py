"""The incident screen's preview service, on SQLite and PostgreSQL: what saving the half-typed
form would create, so the screen can show (and let the person edit) the flag and the plan.

The clock is pinned to Friday 20 Nov 2026, 19:30 in Berlin; due instants are
written out by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from frontdesk.services import incidents, setup


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def plan_of(preview: Any) -> list[tuple[str, str, datetime, str]]:
    return [(step.kind, step.channel, step.due_at, step.owner_name) for step in preview.plan]


def test_nothing_to_preview_before_a_severity_and_category(desk):
    assert incidents.preview_log(desk, {"category": "food", "description": "Soup"}) is None
    assert incidents.preview_log(desk, {"severity": "major", "category": ""}) is None


def test_preview_is_the_playbook_with_checks_and_the_suggested_flag(desk):
    tom = {info.name: info.id for info in setup.list_staff(desk.store)}["Tom"]
    preview = incidents.preview_log(desk, {
        "category": "food", "severity": "major", "occurred_at": "19:10", "description": "Soup arrived cold",
        "remedy_kind": "comped", "remedy_cost": "12.50", "promise_text": "refund the soup",
        "promise_due_at": "tomorrow 12:00", "promise_likelihood": "likely", "ally_id": str(tom),
        "handoff_to": "kitchen", "handoff_expected_at": "21:00",
    })
    assert preview is not None and preview.flag_by_default
    assert plan_of(preview) == [
        ("handoff_check", "in_person", utc(2026, 11, 20, 20), "Tom"),  # at "fixed by", 21:00 Berlin
        ("check_in", "call", utc(2026, 11, 21, 9), "Tom"),  # Sat 10:00
        ("promise_check", "call", utc(2026, 11, 21, 11), "Tom"),  # Sat 12:00, when it was promised
        ("wrap_up", "call", utc(2026, 11, 22, 10), "Tom"),  # Sun 11:00
        ("wrap_up", "note", utc(2026, 11, 27, 9), "Tom"),
        ("check_in", "call", utc(2026, 12, 4, 10), "Tom"),
    ]
    assert preview.headline == "Food and drink follow-up · 20 Nov"
    assert preview.message == ("Soup arrived cold\nRemedy: comped (12.50 EUR)\n"
                               "Promised: refund the soup by Sat 21 Nov 12:00")
    assert "manager will stop by" in (preview.greeting or "")


def test_preview_matches_what_logging_then_creates(desk):
    typed = {"category": "billing", "severity": "moderate", "occurred_at": "20m ago", "description": "Charged twice",
             "promise_text": "refund", "promise_due_at": "mon 12:00", "promise_likelihood": "uncertain"}
    preview = incidents.preview_log(desk, typed)
    result = incidents.log_incident(desk, incidents.parse_incident(desk, typed))
    assert [(s.kind, s.channel, s.due_at, s.owner_id) for s in preview.plan] == [
        (s.kind, s.channel, s.due_at, s.owner_id) for s in result.follow_ups]


def test_a_half_typed_field_is_left_out_with_the_fields_it_goes_with(desk):
    """A promise without its due date yet: the plan has no promise check, the rest still shows."""
    preview = incidents.preview_log(desk, {
        "category": "food", "severity": "minor", "occurred_at": "teatime", "description": "",
        "promise_text": "a call", "promise_due_at": "tomorr", "remedy_cost": "twelve",
    })
    assert preview is not None and not preview.flag_by_default
    assert [step.kind for step in preview.plan] == ["check_in", "wrap_up"]
    assert preview.plan[0].due_at == utc(2026, 11, 21, 9)  # the unreadable time is taken as now
    assert "Promised" not in preview.message and "Remedy" not in preview.message


def test_a_skipped_local_hour_in_the_preview_is_resolved_as_on_saving(desk):
    """29 Mar 2026, 02:30 does not exist in Berlin (clocks go forward): taken as 03:30, as when saved."""
    typed = {"category": "wait", "severity": "minor", "occurred_at": "2026-03-29 02:30", "description": "late"}
    parsed = incidents.parse_incident(desk, typed)
    assert parsed.occurred_at == utc(2026, 3, 29, 1, 30)
    assert "clocks went forward" in parsed.time_notes["occurred_at"]
    preview = incidents.preview_log(desk, typed)
    assert preview.headline.endswith("29 Mar")
    assert preview.plan[0].due_at == utc(2026, 3, 30, 8)  # Mon 30 Mar 10:00 CEST


def test_a_remedy_above_the_limit_previews_the_approval_follow_up_it_adds_if_pending(desk, as_staff, staff):
    """Issue 15: what saving creates includes the leads' approval follow-up when the remedy may wait pending."""
    typed = {"severity": "minor", "category": "food", "remedy_kind": "voucher", "remedy_cost": "45.00", "plan": []}
    preview = incidents.preview_log(as_staff("Tom"), typed)  # 45.00 is above a staff member's 20.00
    assert preview is not None and preview.approval_step is not None
    step = preview.approval_step
    assert (step.kind, step.channel, step.owner_id, step.owner_name, step.due_at) == (
        "remedy_approval", "in_person", staff["Lena"], "Lena", desk.now())
    assert "remedy_approval" not in [planned.kind for planned in preview.plan], "not part of the editable plan"

    assert incidents.preview_log(as_staff("Tom"), {**typed, "remedy_cost": "20.00"}).approval_step is None
    assert incidents.preview_log(as_staff("Lena"), typed).approval_step is None  # within a lead's 100.00
    assert incidents.preview_log(desk, {**typed, "remedy_cost": "900.00"}).approval_step is None  # a manager

"""Logging a deposition: the playbook's follow-ups, the checks, quick logs, and times.

Due instants are written out by hand (local wall time, then UTC) rather than
computed with the code under test, so a wrong offset or a timedelta across a
daylight-saving change fails here.
"""

from __future__ import annotations

from datetime import date

import pytest
from _support import follow_ups_of, step, utc
from sqlalchemy import DateTime, text

from frontdesk.errors import Conflict
from frontdesk.services import incidents
from frontdesk.services.customers import customer_card

PLAYBOOK = {
    # severity/category: (kind, channel, due) in due order, for an incident on Fri 20 Nov 19:00 Berlin.
    ("minor", "food"): [
        ("check_in", "call", utc(2026, 11, 21, 9)),  # Sat 10:00 CET
        ("wrap_up", "note", utc(2026, 11, 27, 9)),  # Fri 27 10:00
    ],
    ("moderate", "food"): [
        ("check_in", "call", utc(2026, 11, 21, 9)),
        ("wrap_up", "call", utc(2026, 11, 22, 10)),  # Sun 11:00
        ("wrap_up", "note", utc(2026, 11, 27, 9)),
    ],
    ("moderate", "billing"): [
        ("check_in", "call", utc(2026, 11, 21, 9)),
        ("wrap_up", "email", utc(2026, 11, 22, 10)),
        ("wrap_up", "note", utc(2026, 11, 27, 9)),
    ],
    ("major", "food"): [
        ("check_in", "call", utc(2026, 11, 21, 9)),
        ("wrap_up", "call", utc(2026, 11, 22, 10)),
        ("wrap_up", "note", utc(2026, 11, 27, 9)),
        ("check_in", "call", utc(2026, 12, 4, 10)),  # +14 days, 11:00
    ],
    ("critical", "safety"): [
        ("check_in", "call", utc(2026, 11, 20, 20)),  # the same evening, 21:00
        ("check_in", "call", utc(2026, 11, 21, 9)),
        ("wrap_up", "call", utc(2026, 11, 22, 10)),
        ("wrap_up", "note", utc(2026, 11, 27, 9)),
        ("check_in", "call", utc(2026, 12, 20, 10)),  # +30 days, 11:00
    ],
}


def test_every_playbook_step_is_due_at_its_local_hour(desk, staff, log):
    """Each severity's plan (and billing's own), owned by the original ally, at local hours in Berlin."""
    created, previews = {}, {}
    for severity, category in PLAYBOOK:
        result = log(severity=severity, category=category, occurred_at="19:00", ally_id=staff["Tom"])
        rows = follow_ups_of(desk, result.incident_id)
        created[(severity, category)] = [(row.kind, row.channel, row.due_at) for row in rows]
        assert {(row.owner_id, row.status, row.attempts) for row in rows} == {(staff["Tom"], "open", 0)}
        previews[(severity, category)] = [(p.kind, p.channel, p.due_at) for p in result.follow_ups]
        assert {p.owner_name for p in result.follow_ups} == {"Tom"}

    assert created == PLAYBOOK
    assert previews == PLAYBOOK, "what the screen is told matches what was stored"


def test_same_day_step_already_past_is_due_at_the_incident(desk, clock, log):
    """A critical incident at 21:30 is past the 21:00 same-evening call: due at once, not yesterday."""
    clock.set(utc(2026, 11, 20, 21, 0))  # 22:00 in Berlin
    result = log(severity="critical", category="safety", occurred_at="21:30")

    first = follow_ups_of(desk, result.incident_id)[0]
    assert first.due_at == utc(2026, 11, 20, 20, 30)


def test_playbook_days_are_calendar_days_across_clocks_going_back(desk, clock, log):
    """Sat 24 Oct 19:00 CEST; clocks go back on Sun 25 Oct: "+1 day at 10:00" is 10:00 CET = 09:00 UTC."""
    clock.set(utc(2026, 10, 24, 17, 30))
    result = log(severity="moderate", occurred_at="19:00")

    assert [row.due_at for row in follow_ups_of(desk, result.incident_id)] == [
        utc(2026, 10, 25, 9),  # Sun 10:00 CET, after the change
        utc(2026, 10, 26, 10),  # Mon 11:00 CET
        utc(2026, 10, 31, 9),  # Sat 10:00 CET
    ]
    detail = incidents.incident_detail(desk, result.incident_id)
    assert detail.occurred_at == utc(2026, 10, 24, 17)
    assert (detail.local_date, detail.local_hour, detail.local_weekday) == (date(2026, 10, 24), 19, 5)


def test_playbook_days_before_the_change_use_summer_time(desk, clock, log):
    """The day before: Fri 23 Oct 19:00; Sat 10:00 is still CEST = 08:00 UTC."""
    clock.set(utc(2026, 10, 23, 17, 30))
    result = log(severity="minor", occurred_at="19:00")

    assert [row.due_at for row in follow_ups_of(desk, result.incident_id)] == [
        utc(2026, 10, 24, 8),  # Sat 10:00 CEST
        utc(2026, 10, 30, 9),  # Fri 10:00 CET, a week on, across the change
    ]


def test_playbook_days_across_clocks_going_forward(desk, clock, log):
    """Sat 28 Mar 19:00 CET; clocks go forward on Sun 29 Mar: Sun 10:00 is CEST = 08:00 UTC."""
    clock.set(utc(2026, 3, 28, 18, 30))
    result = log(severity="minor", occurred_at="19:00")

    assert [row.due_at for row in follow_ups_of(desk, result.incident_id)] == [
        utc(2026, 3, 29, 8),
        utc(2026, 4, 4, 8),
    ]


ODD_LOCAL_TIMES = [
    # zone, typed, the UTC instant by DESIGN.md's rule, local date and hour stored, what the note says
    ("Europe/Berlin", "2026-10-25 02:30", utc(2026, 10, 25, 0, 30), date(2026, 10, 25), 2, "happened twice"),
    ("Europe/Berlin", "2026-03-29 02:30", utc(2026, 3, 29, 1, 30), date(2026, 3, 29), 3, "does not exist"),
    ("America/New_York", "2026-11-01 01:30", utc(2026, 11, 1, 5, 30), date(2026, 11, 1), 1, "happened twice"),
    ("America/New_York", "2026-03-08 02:30", utc(2026, 3, 8, 7, 30), date(2026, 3, 8), 3, "does not exist"),
    ("Australia/Sydney", "2026-04-05 02:30", utc(2026, 4, 4, 15, 30), date(2026, 4, 5), 2, "happened twice"),
    ("Australia/Sydney", "2026-10-04 02:30", utc(2026, 10, 3, 16, 30), date(2026, 10, 4), 3, "does not exist"),
]


def test_ambiguous_and_nonexistent_local_times(desk, add_site, log):
    """Clocks going back: the first occurrence; going forward: moved on by the gap, and the note says so.

    The stored value is read back without the UTC type too: the same naive UTC instant on both backends.
    """
    sites = {zone: add_site(f"Site in {zone}", zone) for zone in {row[0] for row in ODD_LOCAL_TIMES}}
    seen, expected = [], []
    for zone, typed, instant, local_date, local_hour, note in ODD_LOCAL_TIMES:
        result = log(actor=sites[zone], occurred_at=typed)
        detail = incidents.incident_detail(desk, result.incident_id)
        with desk.store.read() as session:
            stored = session.execute(
                text("SELECT occurred_at FROM incidents WHERE id = :id").columns(occurred_at=DateTime),
                {"id": result.incident_id},
            ).scalar_one()
        seen.append((zone, typed, detail.occurred_at, stored, detail.local_date, detail.local_hour,
                     note in result.time_notes.get("occurred_at", "")))
        expected.append((zone, typed, instant, instant.replace(tzinfo=None), local_date, local_hour, True))

    assert seen == expected


def test_handoff_check_goes_to_the_original_ally(desk, staff, log):
    """The fix is handed to Lena (and the kitchen); Tom took the complaint, so Tom checks back."""
    result = log(
        severity="moderate", occurred_at="19:00", ally_id=staff["Tom"], handoff_to="kitchen",
        handoff_staff_id=staff["Lena"], handoff_expected_at="21:00",
    )

    checks = [row for row in follow_ups_of(desk, result.incident_id) if row.kind == "handoff_check"]
    assert len(checks) == 1
    assert checks[0].owner_id == staff["Tom"]
    assert checks[0].due_at == utc(2026, 11, 20, 20)  # the expected-fixed-by time, 21:00 Berlin
    assert checks[0].channel == "in_person"
    assert staff["Lena"] not in {row.owner_id for row in follow_ups_of(desk, result.incident_id)}
    detail = incidents.incident_detail(desk, result.incident_id)
    assert (detail.handoff_to, detail.handoff_staff_id, detail.handoff_status) == ("kitchen", staff["Lena"], "pending")


def test_handoff_without_expected_time_is_checked_next_morning(desk, staff, log):
    result = log(occurred_at="19:00", handoff_to="IT")

    checks = [row for row in follow_ups_of(desk, result.incident_id) if row.kind == "handoff_check"]
    assert [(row.owner_id, row.due_at) for row in checks] == [(staff["Maria"], utc(2026, 11, 21, 9))]


def test_handoff_added_by_amendment_gets_its_check(desk, staff, log):
    result = log(occurred_at="19:00", ally_id=staff["Tom"])
    version = incidents.incident_detail(desk, result.incident_id).version

    incidents.amend_incident(desk, result.incident_id, version, incidents.parse_amend(
        desk, {"handoff_to": "billing", "handoff_expected_at": "2026-11-23 09:00"}))

    checks = [row for row in follow_ups_of(desk, result.incident_id) if row.kind == "handoff_check"]
    assert [(row.owner_id, row.due_at) for row in checks] == [(staff["Tom"], utc(2026, 11, 23, 8))]


def test_promise_check_at_the_promise_due_time(desk, staff, log):
    result = log(
        severity="moderate", occurred_at="19:00", ally_id=staff["Tom"],
        promise_text="The manager calls with the refund", promise_due_at="2026-11-23 12:00",
        promise_likelihood="likely",
    )

    checks = [row for row in follow_ups_of(desk, result.incident_id) if row.kind == "promise_check"]
    assert [(row.owner_id, row.channel, row.due_at) for row in checks] == [
        (staff["Tom"], "call", utc(2026, 11, 23, 11))  # Mon 12:00 Berlin
    ]
    detail = incidents.incident_detail(desk, result.incident_id)
    assert (detail.promise_status, detail.promise_likelihood) == ("pending", "likely")


def test_settling_the_promise_closes_its_check(desk, log):
    result = log(promise_text="A new booking by Monday", promise_due_at="2026-11-23 12:00",
                 promise_likelihood="uncertain")
    version = incidents.incident_detail(desk, result.incident_id).version

    detail = incidents.amend_incident(desk, result.incident_id, version,
                                      incidents.parse_amend(desk, {"promise_status": "broken"}))

    assert detail.promise_status == "broken"
    check = next(row for row in follow_ups_of(desk, result.incident_id) if row.kind == "promise_check")
    assert check.status == "done"
    assert {row.status for row in follow_ups_of(desk, result.incident_id) if row.kind != "promise_check"} == {"open"}


def test_quick_log_asks_its_logger_to_finish_within_four_hours(desk, staff, new_customer):
    """Maria logs it for Tom (the ally): the playbook is Tom's, finishing the deposition is Maria's."""
    customer_id = new_customer("Ana García")
    data = incidents.parse_quick_log(desk, {
        "customer_id": customer_id, "category": "wait", "severity": "moderate",
        "description": "Waited 40 minutes for the main course", "ally_id": staff["Tom"],
    })
    result = incidents.quick_log(desk, data)

    rows = follow_ups_of(desk, result.incident_id)
    finish = [row for row in rows if row.kind == "incomplete_deposition"]
    assert [(row.owner_id, row.due_at, row.status) for row in finish] == [
        (staff["Maria"], utc(2026, 11, 20, 22, 30), "open")  # 18:30 UTC + 4h
    ]
    assert {row.owner_id for row in rows if row.kind != "incomplete_deposition"} == {staff["Tom"]}
    assert result.flag_id is not None and result.alert_id is not None, "moderate: flagged and alerted at once"
    detail = incidents.incident_detail(desk, result.incident_id)
    assert detail.complete is False
    assert detail.occurred_at == utc(2026, 11, 20, 18, 30), "no time given: now"


def test_finishing_a_quick_log_closes_its_follow_up(desk, staff):
    result = incidents.quick_log(desk, incidents.parse_quick_log(desk, {
        "category": "food", "severity": "minor", "description": "Wrong wine", "ally_id": staff["Tom"]}))
    version = incidents.incident_detail(desk, result.incident_id).version

    detail = incidents.amend_incident(desk, result.incident_id, version, incidents.parse_amend(desk, {
        "complete": True, "reaction": "Laughed it off", "remedy_kind": "replaced"}))

    assert detail.complete is True
    assert detail.version > version
    finish = next(row for row in follow_ups_of(desk, result.incident_id) if row.kind == "incomplete_deposition")
    assert (finish.status, finish.completed_by_id) == ("done", staff["Maria"])
    others = [row for row in follow_ups_of(desk, result.incident_id) if row.kind != "incomplete_deposition"]
    assert others and all(row.status == "open" for row in others)


def test_logging_a_serious_incident_flags_and_alerts(desk, log, new_customer):
    customer_id = new_customer("Ana García")
    result = log(customer_id=customer_id, severity="major", occurred_at="19:00", remedy_kind="comped",
                 remedy_cost="38.00")

    card = customer_card(desk, customer_id)
    assert [flag.id for flag in card.active_flags] == [result.flag_id]
    flag = card.active_flags[0]
    assert (flag.level, flag.incident_id) == ("priority", result.incident_id)
    assert "Soup arrived cold" in flag.message and "38.00 EUR" in flag.message
    assert "Ana" not in flag.headline, "the headline is for screens guests can see"
    assert flag.greeting and "Friday" in flag.greeting
    assert result.alert_id is not None


def test_minor_incident_neither_flags_nor_alerts_unless_asked(desk, log, new_customer):
    customer_id = new_customer("Ana García")
    plain = log(customer_id=customer_id)
    asked = log(customer_id=customer_id, raise_flag=True)

    assert (plain.flag_id, plain.alert_id) == (None, None)
    assert asked.flag_id is not None and asked.alert_id is None


def test_unknown_guest_gets_the_flag_once_attached(desk, log, new_customer):
    result = log(severity="moderate", guest_description="Tall man, table 12")
    assert result.flag_id is None
    customer_id = new_customer("Ana García")
    version = incidents.incident_detail(desk, result.incident_id).version

    incidents.amend_incident(desk, result.incident_id, version,
                             incidents.parse_amend(desk, {"customer_id": customer_id}))

    card = customer_card(desk, customer_id)
    assert [flag.incident_id for flag in card.active_flags] == [result.incident_id]
    assert {row.customer_id for row in follow_ups_of(desk, result.incident_id)} == {customer_id}


def test_amend_with_a_stale_version_changes_nothing(desk, as_staff, log):
    result = log()
    version = incidents.incident_detail(desk, result.incident_id).version
    incidents.amend_incident(as_staff("Lena"), result.incident_id, version,
                             incidents.parse_amend(desk, {"product": "Tomato soup"}))

    with pytest.raises(Conflict, match=r"changed by Lena at 19:30 \(stand\) meanwhile"):
        incidents.amend_incident(desk, result.incident_id, version,
                                 incidents.parse_amend(desk, {"product": "Onion soup"}))
    assert incidents.incident_detail(desk, result.incident_id).product == "Tomato soup"


def test_preview_matches_what_logging_creates(desk, staff, log):
    data = incidents.parse_incident(desk, {
        "category": "food", "severity": "major", "description": "Hair in the salad", "occurred_at": "19:00",
        "promise_text": "Call back", "promise_due_at": "2026-11-22 12:00", "promise_likelihood": "likely",
    })
    preview = incidents.preview_plan(desk, data)
    result = incidents.log_incident(desk, data)

    assert preview == result.follow_ups
    assert [p.kind for p in preview] == ["check_in", "wrap_up", "promise_check", "wrap_up", "check_in"]


def test_edited_plan_replaces_the_playbook(desk, staff, log):
    """The incident screen may edit the plan before saving: what it submits is what is stored."""
    due = utc(2026, 11, 24, 14)
    result = log(severity="major", plan=[step("check_in", due, staff["Lena"], channel="text")])

    rows = follow_ups_of(desk, result.incident_id)
    assert [(row.kind, row.channel, row.owner_id, row.due_at) for row in rows] == [
        ("check_in", "text", staff["Lena"], due)
    ]


def test_moving_the_promise_moves_its_open_check(desk, staff, log):
    result = log(ally_id=staff["Tom"], promise_text="A call from the chef", promise_due_at="2026-11-23 12:00",
                 promise_likelihood="uncertain")
    version = incidents.incident_detail(desk, result.incident_id).version

    incidents.amend_incident(desk, result.incident_id, version,
                             incidents.parse_amend(desk, {"promise_due_at": "2026-11-25 18:00"}))

    checks = [row for row in follow_ups_of(desk, result.incident_id) if row.kind == "promise_check"]
    assert [(row.status, row.owner_id, row.due_at) for row in checks] == [
        ("open", staff["Tom"], utc(2026, 11, 25, 17))], "moved, not doubled"

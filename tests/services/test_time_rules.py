"""Time rules as the README promises them (issue 13, item 13), on SQLite and PostgreSQL.

Berlin's clocks go forward on Sun 28 Mar 2027 at 02:00 (02:30 does not
exist) and back on Sun 31 Oct 2027 at 03:00 (02:30 happens twice). A
playbook step planned for 02:30 carries the note wherever it is shown, a
retry goes back to 02:30 the next day, and a hand-off check with no expected
time is never born overdue.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from frontdesk import timing
from frontdesk.clock import FixedClock
from frontdesk.paths import bundled
from frontdesk.schemas.inputs import OutcomeInput
from frontdesk.schemas.reads import DueItem
from frontdesk.services import followups, incidents, playbooks
from frontdesk.services.context import Actor
from frontdesk.widgets.plan_preview import step_line

BERLIN = ZoneInfo("Europe/Berlin")


def at(desk: Actor, instant: datetime) -> Actor:
    return Actor(desk.store, FixedClock(instant), desk.site_id, desk.terminal, desk.staff_id)


def half_past_two_playbook(desk: Actor, tmp_path: Path) -> None:
    """The minor playbook's first step (a check-in the next day) at 02:30 instead of 10:00."""
    text = bundled("playbooks.toml")
    old = 'offset_days = 1\n  at_hour = 10\n  words = "Thank them'
    assert old in text
    path = tmp_path / "playbooks.toml"
    path.write_text(text.replace(old, 'offset_days = 1\n  at_hour = 2\n  at_minute = 30\n  words = "Thank them'),
                    encoding="utf-8")
    playbooks.load_playbook_file(desk.store, path)


def first_check_in(actor: Actor, incident_id: int) -> DueItem:
    queue = followups.due_queue(actor, window="all", scope="everyone")
    return next(item for item in queue.items if item.incident_id == incident_id and item.kind == "check_in")


def test_a_step_planned_into_the_gap_says_so_and_its_retry_goes_back_to_half_past_two(desk: Actor,
                                                                                       tmp_path: Path) -> None:
    half_past_two_playbook(desk, tmp_path)
    saturday = at(desk, datetime(2027, 3, 27, 19, 0, tzinfo=UTC))  # 20:00 in Berlin, the night before
    data = {"category": "food", "severity": "minor", "description": "Soup arrived cold", "occurred_at": "19:40"}
    preview = incidents.preview_plan(saturday, incidents.parse_incident(saturday, data))
    note = "02:30 does not exist on 28 Mar (clocks went forward): due 03:30"
    assert [timing.due_note(step.due_at, step.local_time, BERLIN) for step in preview][0] == note
    assert note in step_line(preview[0], BERLIN).plain
    incident_id = incidents.log_incident(saturday, incidents.parse_incident(saturday, data)).incident_id

    item = first_check_in(saturday, incident_id)
    assert timing.local(item.due_at, BERLIN).time() == time(3, 30) and item.local_time == time(2, 30)
    assert timing.due_words(item.due_at, item.local_time, saturday.now(), BERLIN) == f"tomorrow 03:30 ({note})"

    sunday = at(desk, datetime(2027, 3, 28, 9, 0, tzinfo=UTC))
    result = followups.complete(sunday, item.id, item.version, OutcomeInput.parse({"outcome": "no_answer"}))
    assert timing.local(result.due_at, BERLIN) == datetime(2027, 3, 29, 2, 30, tzinfo=BERLIN)
    monday = at(desk, datetime(2027, 3, 29, 9, 0, tzinfo=UTC))
    again = first_check_in(monday, incident_id)
    assert timing.due_note(again.due_at, again.local_time, BERLIN) is None
    result = followups.complete(monday, again.id, again.version, OutcomeInput.parse({"outcome": "left_message"}))
    assert timing.local(result.due_at, BERLIN) == datetime(2027, 3, 30, 2, 30, tzinfo=BERLIN)


def test_a_step_planned_into_the_fold_says_which_half_past_two(desk: Actor, tmp_path: Path) -> None:
    half_past_two_playbook(desk, tmp_path)
    saturday = at(desk, datetime(2027, 10, 30, 18, 0, tzinfo=UTC))
    data = {"category": "food", "severity": "minor", "description": "Soup arrived cold", "occurred_at": "19:40"}
    incident_id = incidents.log_incident(saturday, incidents.parse_incident(saturday, data)).incident_id
    item = first_check_in(saturday, incident_id)
    assert timing.due_note(item.due_at, item.local_time, BERLIN) == (
        "02:30 happens twice on 31 Oct (clocks went back): due the first time")
    assert item.due_at == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_a_retry_of_an_ordinary_time_keeps_its_time(desk: Actor) -> None:
    """Items without a planned time (made before it was kept, or typed) keep their own local time."""
    due = datetime(2027, 3, 27, 19, 15, tzinfo=UTC)  # 20:15 in Berlin
    again, meant = timing.retry_at(due, None, due, BERLIN)
    assert (timing.local(again, BERLIN).hour, timing.local(again, BERLIN).minute, meant) == (20, 15, time(20, 15))
    moved = datetime(2027, 3, 28, 8, 0, tzinfo=UTC)  # rescheduled by hand since: the old 02:30 no longer applies
    assert timing.intended_time(moved, time(2, 30), BERLIN) == time(10, 0)
    assert timing.due_note(moved, time(2, 30), BERLIN) is None


def test_a_hand_off_check_without_an_expected_time_is_never_born_overdue(desk: Actor) -> None:
    """An incident from three days ago, written down now, handed to the kitchen with no time: checked tomorrow."""
    data = {"category": "food", "severity": "minor", "description": "Soup arrived cold",
            "occurred_at": "2026-11-17 19:40", "handoff_to": "kitchen"}
    result = incidents.log_incident(desk, incidents.parse_incident(desk, data))
    checks = [item for item in incidents.incident_detail(desk, result.incident_id).follow_ups
              if item.kind == "handoff_check"]
    assert len(checks) == 1 and checks[0].due_at > desk.now()
    assert timing.local(checks[0].due_at, BERLIN) == datetime(2026, 11, 21, 10, 0, tzinfo=BERLIN)
    amended = incidents.log_incident(desk, incidents.parse_incident(desk, {**data, "handoff_to": None}))
    incidents.amend_incident(desk, amended.incident_id, incidents.incident_detail(desk, amended.incident_id).version,
                             incidents.parse_amend(desk, {"handoff_to": "billing"}))
    later = [item for item in incidents.incident_detail(desk, amended.incident_id).follow_ups
             if item.kind == "handoff_check"]
    assert len(later) == 1 and later[0].due_at > desk.now()

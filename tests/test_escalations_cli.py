"""`frontdesk escalations`: what is escalated, as text for a wall screen and JSON for a mail (issue 15 item 1).

The command runs with the real clock; the follow-ups here were due in
November 2026 and earlier, so by any real day after that they stand
escalated to the managers (3 local days) — one of them only to the leads,
its threshold moved out of reach by the site's setting.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from frontdesk.services import incidents, settings
from frontdesk.services.context import Actor
from tests.test_cli import frontdesk, one_line_error

KEYS = ["follow_up_id", "incident_id", "site", "escalation", "escalated_at", "due_at", "overdue_since", "kind",
        "channel", "owner", "attempts", "customer", "about"]


def test_escalations_as_json_and_as_text(desk: Actor, store_url: str) -> None:
    incidents.log_incident(desk, incidents.parse_incident(desk, {
        "category": "food", "severity": "minor", "description": "Soup arrived cold", "plan": [
            {"kind": "check_in", "channel": "call", "due_at": datetime(2026, 11, 16, 9, tzinfo=UTC),
             "owner_id": desk.staff_id}]}))
    url = desk.store.url.render_as_string(hide_password=False)
    listed = frontdesk("escalations", "--format", "json", "--db", url)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [list(row) for row in rows] == [KEYS]
    assert (rows[0]["escalation"], rows[0]["escalated_at"], rows[0]["site"], rows[0]["owner"]) == (
        2, "2026-11-19T09:00:00+00:00", "Bistro Berlin", "Maria")
    assert rows[0]["about"] == "food · minor · Soup arrived cold"

    settings.set_setting(desk, "escalate_manager_after_days", "99999")  # levels only rise: a new one stays at 1
    incidents.log_incident(desk, incidents.parse_incident(desk, {
        "category": "wait", "severity": "minor", "description": "Long wait", "plan": [
            {"kind": "wrap_up", "channel": "note", "due_at": datetime(2026, 11, 17, 9, tzinfo=UTC),
             "owner_id": desk.staff_id}]}))
    text = frontdesk("escalations", "--db", url)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines() == [
        "!! Bistro Berlin · follow-up 1 · check-in by call · owner Maria · due Mon 16 Nov 10:00 · to the managers "
        "since Thu 19 Nov 10:00",
        "!  Bistro Berlin · follow-up 2 · wrap-up by note · owner Maria · due Tue 17 Nov 10:00 · to the leads "
        "since Wed 18 Nov 10:00",
    ]
    assert "Soup" not in text.stdout, "the text form names no guest and no story: a wall screen"
    assert "--format" in one_line_error(frontdesk("escalations", "--format", "csv", "--db", url))

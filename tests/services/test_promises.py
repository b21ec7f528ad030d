"""Promises honoured at the next visit (issue 15 item 2), on SQLite and PostgreSQL.

The card and the flag say a promise is open and when it is due; what was
promised, by whom and when travel with the card for F6. Checking the guest
in marks it kept in the same call, and its promise check is done, as when the promise is marked kept on the incident.
"""

from __future__ import annotations

import pytest
from _support import follow_ups_of, utc
from sqlalchemy import func, select

from frontdesk.errors import Conflict
from frontdesk.services import customers, incidents
from frontdesk.store.models import AuditEvent, Incident, Visit


@pytest.fixture
def promised(desk, new_customer, log):
    """Ana, flagged after a major incident on Friday 18:00 with a dessert promised by Saturday 22:00."""
    ana = new_customer()
    result = log(customer_id=ana, occurred_at="18:00", severity="major", promise_text="Dessert on the house",
                 promise_due_at="sat 22:00", promise_likelihood="likely")
    return ana, result.incident_id


def test_the_card_and_the_flag_carry_the_promise(desk, clock, staff, promised):
    """Past its due time and not kept, the promise is overdue, and its promise check stays in the queue."""
    ana, incident_id = promised
    card = customers.customer_card(desk, ana)
    [promise] = card.open_promises
    assert (promise.text, promise.made_by, promise.made_at, promise.due_at) == (
        "Dessert on the house", "Maria", utc(2026, 11, 20, 17), utc(2026, 11, 21, 21))
    [flag] = card.active_flags
    assert (flag.promise_open, flag.promise_due_at) == (True, utc(2026, 11, 21, 21))
    assert not promise.overdue(clock.now())
    clock.set(utc(2026, 11, 21, 21, 1))
    assert customers.customer_card(desk, ana).open_promises[0].overdue(clock.now())
    assert [row.status for row in follow_ups_of(desk, incident_id) if row.kind == "promise_check"] == ["open"]


def test_check_in_marks_the_promise_kept_in_the_same_call(desk, clock, as_staff, promised):
    ana, incident_id = promised
    clock.set(utc(2026, 11, 21, 18))
    visit_id = customers.check_in(as_staff("Hana"), ana, [incident_id])  # a host at the door
    with desk.store.read() as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        assert (incident.promise_status, incident.promise_settled_at) == ("kept", utc(2026, 11, 21, 18))
        assert session.get(Visit, visit_id) is not None
        assert session.scalars(select(AuditEvent.action).where(
            AuditEvent.record_type == "incident", AuditEvent.record_id == incident_id).order_by(AuditEvent.id)
        ).all()[-1] == "amend"
    assert [row.status for row in follow_ups_of(desk, incident_id) if row.kind == "promise_check"] == ["done"]
    card = customers.customer_card(desk, ana)
    assert card.open_promises == () and not card.active_flags[0].promise_open


def test_a_promise_settled_meanwhile_refuses_the_check_in_and_writes_nothing(desk, clock, promised):
    ana, incident_id = promised
    detail = incidents.incident_detail(desk, incident_id)
    incidents.amend_incident(desk, incident_id, detail.version, incidents.parse_amend(desk, {"promise_status": "broken"}))
    with pytest.raises(Conflict, match="already marked broken"):
        customers.check_in(desk, ana, [incident_id])
    with desk.store.read() as session:
        assert session.scalar(select(func.count()).select_from(Visit).where(Visit.customer_id == ana)) == 0

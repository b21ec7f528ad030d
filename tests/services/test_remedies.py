"""Comp authority (issue 15 item 3): a remedy above the signed-in person's limit is approved by a lead's or
manager's PIN at save, or saved pending approval with a follow-up for a lead; never silently allowed or refused."""

from __future__ import annotations

import pytest
from _support import follow_ups_of
from sqlalchemy import select

from frontdesk.errors import ApprovalNeeded, NotAllowed
from frontdesk.services import incidents, settings
from frontdesk.services.remedies import RemedyApproval
from frontdesk.store.models import AuditEvent, Incident, Staff
from tests.conftest import DESK_PINS

VOUCHER = {"remedy_kind": "voucher", "remedy_cost": "45.00"}
"""45.00 EUR: above a staff member's 20.00, within a lead's 100.00."""


def count(desk, model) -> int:
    with desk.store.read() as session:
        return len(session.scalars(select(model)).all())


def stored(desk, incident_id: int) -> Incident:
    with desk.store.read() as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        return incident


def test_the_default_limits_are_in_the_site_currency(desk):
    got = {(info.name, info.value) for info in settings.list_settings(desk) if info.name.startswith("remedy_limit_")}
    assert got == {("remedy_limit_host", 0), ("remedy_limit_staff", 2000), ("remedy_limit_lead", 10000),
                   ("remedy_limit_manager", None)}


def test_within_the_limit_nothing_is_asked(as_staff, log, desk):
    result = log(as_staff("Tom"), remedy_kind="voucher", remedy_cost="20.00")
    row = stored(desk, result.incident_id)
    assert (row.remedy_cost, row.remedy_approval, row.remedy_approved_by_id) == (2000, None, None)


def test_above_the_limit_without_an_answer_is_refused_and_nothing_is_written(as_staff, log, desk, staff):
    before = count(desk, Incident)
    with pytest.raises(ApprovalNeeded) as asked:
        log(as_staff("Tom"), **VOUCHER)
    assert "45.00 EUR is above your limit as a staff (20.00 EUR)" in str(asked.value)
    assert asked.value.approvers == ((staff["Lena"], "Lena"), (staff["Maria"], "Maria")), "leads first"
    assert count(desk, Incident) == before

    with pytest.raises(ApprovalNeeded):
        log(as_staff("Hana"), remedy_kind="refund", remedy_cost="0.50")  # a host's limit is 0
    log(desk, remedy_kind="refund", remedy_cost="900.00")  # a manager has none


def test_a_leads_pin_approves_it_in_the_same_save(as_staff, log, desk, staff):
    tom = as_staff("Tom")
    result = incidents.log_incident(tom, incidents.parse_incident(tom, {
        "category": "food", "severity": "minor", "description": "Soup arrived cold", **VOUCHER}),
        approval=RemedyApproval(staff["Lena"], DESK_PINS["Lena"]))

    row = stored(desk, result.incident_id)
    assert (row.remedy_cost, row.remedy_approval, row.remedy_approved_by_id) == (4500, "approved", staff["Lena"])
    with desk.store.read() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "remedy_approved")).one()
    assert (event.staff_id, event.record_type, event.record_id) == (staff["Lena"], "incident", result.incident_id)


def test_a_wrong_pin_saves_nothing_and_counts_towards_a_lockout(as_staff, desk, staff):
    tom = as_staff("Tom")
    data = incidents.parse_incident(tom, {"category": "food", "severity": "minor", "description": "Cold", **VOUCHER})
    before = count(desk, Incident)
    with pytest.raises(NotAllowed, match="That PIN is not right"):
        incidents.log_incident(tom, data, approval=RemedyApproval(staff["Lena"], "0000"))
    assert count(desk, Incident) == before
    with desk.store.read() as session:
        lena = session.get(Staff, staff["Lena"])
        assert lena is not None and lena.failed_pins == 1

    with pytest.raises(NotAllowed, match="needs a lead or manager"):  # Hana may not approve, whatever her PIN
        incidents.log_incident(tom, data, approval=RemedyApproval(staff["Hana"], DESK_PINS["Hana"]))
    assert count(desk, Incident) == before


def test_a_lead_cannot_approve_above_their_own_limit(as_staff, desk, staff):
    tom = as_staff("Tom")
    data = incidents.parse_incident(tom, {"category": "food", "severity": "minor", "description": "Cold",
                                          "remedy_kind": "refund", "remedy_cost": "150.00"})
    with pytest.raises(ApprovalNeeded) as asked:
        incidents.log_incident(tom, data)
    assert asked.value.approvers == ((staff["Maria"], "Maria"),)
    with pytest.raises(NotAllowed, match="above Lena's limit too"):
        incidents.log_incident(tom, data, approval=RemedyApproval(staff["Lena"], DESK_PINS["Lena"]))
    result = incidents.log_incident(tom, data, approval=RemedyApproval(staff["Maria"], DESK_PINS["Maria"]))
    assert stored(desk, result.incident_id).remedy_approved_by_id == staff["Maria"]


def test_with_no_approver_at_hand_it_saves_pending_with_a_follow_up_for_a_lead(as_staff, desk, staff):
    tom = as_staff("Tom")
    data = incidents.parse_incident(tom, {"category": "food", "severity": "minor", "description": "Cold",
                                          **VOUCHER, "plan": []})
    result = incidents.log_incident(tom, data, approval=RemedyApproval(pending=True))

    row = stored(desk, result.incident_id)
    assert (row.remedy_cost, row.remedy_approval, row.remedy_approved_by_id) == (4500, "pending", None)
    (approval,) = follow_ups_of(desk, result.incident_id)
    assert (approval.kind, approval.owner_id, approval.status, approval.due_at) == (
        "remedy_approval", staff["Lena"], "open", desk.now())
    assert [step.kind for step in result.follow_ups] == ["remedy_approval"]


def test_a_quick_log_is_never_held_up(as_staff, desk):
    hana = as_staff("Hana")
    result = incidents.quick_log(hana, incidents.parse_quick_log(hana, {
        "category": "food", "severity": "major", "description": "Glass in the salad"}))
    assert stored(desk, result.incident_id).remedy_approval is None


def test_done_on_the_approval_follow_up_approves_the_pending_remedy(as_staff, desk, staff):
    from frontdesk.services import followups

    tom = as_staff("Tom")
    data = incidents.parse_incident(tom, {"category": "food", "severity": "minor", "description": "Cold",
                                          "remedy_kind": "refund", "remedy_cost": "150.00", "plan": []})
    result = incidents.log_incident(tom, data, approval=RemedyApproval(pending=True))
    (approval,) = follow_ups_of(desk, result.incident_id)
    assert approval.owner_id == staff["Lena"], "it goes to the site's lead"

    with pytest.raises(NotAllowed, match="above your own limit too"):  # 150.00 is above Lena's 100.00
        followups.complete(as_staff("Lena"), approval.id, None, {"note": "ok by me"})
    assert stored(desk, result.incident_id).remedy_approval == "pending"

    followups.complete(desk, approval.id, None, {"note": "Approved: a fair refund"})  # Maria, the manager
    row = stored(desk, result.incident_id)
    assert (row.remedy_approval, row.remedy_approved_by_id) == ("approved", staff["Maria"])
    assert follow_ups_of(desk, result.incident_id)[0].status == "done"


def amend_cost(actor, incident_id: int, cost: str, approval: RemedyApproval | None = None):
    version = incidents.incident_detail(actor, incident_id).version
    return incidents.amend_incident(actor, incident_id, version, incidents.parse_amend(actor, {"remedy_cost": cost}),
                                    approval=approval)


@pytest.fixture
def within(as_staff):
    """Tom's incident with a 15.00 voucher, within his 20.00: nothing asked, no follow-up."""
    tom = as_staff("Tom")
    result = incidents.log_incident(tom, incidents.parse_incident(tom, {
        "category": "food", "severity": "minor", "description": "Cold", "remedy_kind": "voucher",
        "remedy_cost": "15.00", "plan": []}))
    return tom, result.incident_id


def test_raising_a_remedy_above_the_limit_by_an_amendment_is_asked_and_nothing_is_written(desk, within, staff):
    tom, incident_id = within
    with pytest.raises(ApprovalNeeded) as asked:
        amend_cost(tom, incident_id, "45.00")
    assert "45.00 EUR is above your limit as a staff (20.00 EUR)" in str(asked.value)
    assert asked.value.approvers == ((staff["Lena"], "Lena"), (staff["Maria"], "Maria"))
    row = stored(desk, incident_id)
    assert (row.remedy_cost, row.remedy_approval, row.version) == (1500, None, 1)
    amend_cost(tom, incident_id, "18.00")  # raised, but within the limit: nothing asked
    assert (stored(desk, incident_id).remedy_cost, stored(desk, incident_id).remedy_approval) == (1800, None)


def test_an_amendment_raising_the_remedy_is_approved_by_a_pin(desk, within, staff):
    tom, incident_id = within
    with pytest.raises(NotAllowed, match="That PIN is not right"):
        amend_cost(tom, incident_id, "45.00", RemedyApproval(staff["Lena"], "0000"))
    assert stored(desk, incident_id).remedy_cost == 1500

    amend_cost(tom, incident_id, "45.00", RemedyApproval(staff["Lena"], DESK_PINS["Lena"]))
    row = stored(desk, incident_id)
    assert (row.remedy_cost, row.remedy_approval, row.remedy_approved_by_id) == (4500, "approved", staff["Lena"])
    with desk.store.read() as session:
        events = session.execute(select(AuditEvent.action, AuditEvent.staff_id).where(
            AuditEvent.record_type == "incident", AuditEvent.record_id == incident_id).order_by(AuditEvent.id)).all()
    assert [tuple(event) for event in events][-2:] == [("remedy_approved", staff["Lena"]), ("amend", staff["Tom"])]
    assert follow_ups_of(desk, incident_id) == []
    with pytest.raises(NotAllowed, match="above Lena's limit too"):
        amend_cost(tom, incident_id, "150.00", RemedyApproval(staff["Lena"], DESK_PINS["Lena"]))


def test_an_amendment_raising_the_remedy_can_wait_pending_with_one_approval_follow_up(desk, within, staff, as_staff):
    from frontdesk.services import followups

    tom, incident_id = within
    amend_cost(tom, incident_id, "45.00", RemedyApproval(pending=True))
    row = stored(desk, incident_id)
    assert (row.remedy_cost, row.remedy_approval, row.remedy_approved_by_id) == (4500, "pending", None)
    (approval,) = follow_ups_of(desk, incident_id)
    assert (approval.kind, approval.owner_id, approval.status) == ("remedy_approval", staff["Lena"], "open")

    amend_cost(tom, incident_id, "60.00", RemedyApproval(pending=True))  # raised again: still the one follow-up
    assert [(row.kind, row.status) for row in follow_ups_of(desk, incident_id)] == [("remedy_approval", "open")]

    amend_cost(tom, incident_id, "70.00", RemedyApproval(staff["Maria"], DESK_PINS["Maria"]))
    row = stored(desk, incident_id)
    assert (row.remedy_cost, row.remedy_approval, row.remedy_approved_by_id) == (7000, "approved", staff["Maria"])
    assert [(row.kind, row.status) for row in follow_ups_of(desk, incident_id)] == [("remedy_approval", "done")]
    assert followups.due_queue(as_staff("Lena")).total == 0


def test_a_lead_amending_within_their_own_limit_is_not_asked(desk, within, as_staff):
    _, incident_id = within
    amend_cost(as_staff("Lena"), incident_id, "90.00")  # a lead may amend any incident; 90.00 is within 100.00
    assert (stored(desk, incident_id).remedy_cost, stored(desk, incident_id).remedy_approval) == (9000, None)

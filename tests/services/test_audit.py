"""Audit events: every write says who, what, which record and which fields; never personal data."""

from __future__ import annotations

from _support import follow_ups_of, step, utc
from sqlalchemy import select

from frontdesk.schemas.inputs import OutcomeInput, RescheduleInput, SkipInput
from frontdesk.services import customers, episodes, flags, followups, incidents
from frontdesk.store.models import AuditEvent

NAME = "Zoë Quintana-Okafor"
PHONE = "030 98765432"
PHONE_E164 = "+493098765432"
EMAIL = "zoe.quintana@example.org"
ADDRESS = "Lindenstraße 7\n10969 Berlin"
NOTES = "Prefers the corner table"
NEW_PHONE_E164 = "+4917612345678"


def audit_rows(desk) -> list[AuditEvent]:
    with desk.store.read() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def events(desk, after: int) -> list[tuple[str, str, int, str | None]]:
    return [(row.action, row.record_type, row.record_id, row.fields) for row in audit_rows(desk) if row.id > after]


def last_id(desk) -> int:
    rows = audit_rows(desk)
    return rows[-1].id if rows else 0


def test_every_write_is_audited_without_personal_data(desk, clock, staff, as_staff):
    lena = as_staff("Lena")
    start = mark = last_id(desk)

    customer_id = customers.create_customer(desk, customers.parse_customer(desk, {
        "name": NAME, "phone": PHONE, "email": EMAIL, "postal_address": ADDRESS, "notes": NOTES,
        "consent_call": True}))
    assert events(desk, mark) == [("create", "customer", customer_id, ",".join(sorted(customers.EDITABLE)))]

    mark = last_id(desk)
    card = customers.customer_card(desk, customer_id)
    customers.edit_customer(desk, customer_id, card.version, customers.parse_customer(desk, {
        "name": NAME, "phone": "0176 12345678", "email": EMAIL, "postal_address": ADDRESS,
        "notes": NOTES + ", by the window", "consent_call": True}))
    assert events(desk, mark) == [("edit", "customer", customer_id, "notes,phone")]

    mark = last_id(desk)
    visit_id = customers.check_in(desk, customer_id)
    assert events(desk, mark) == [("check_in", "visit", visit_id, "checked_in_at")]

    mark = last_id(desk)
    result = incidents.log_incident(desk, incidents.parse_incident(desk, {
        "customer_id": customer_id, "category": "food", "severity": "moderate", "occurred_at": "19:00",
        "description": f"{NAME} found a hair in the soup; call {PHONE}", "remedy_kind": "comped",
        "remedy_cost": "9.50", "ally_id": staff["Tom"],
        "plan": [step("check_in", utc(2026, 11, 21, 9), staff["Tom"]),
                 step("wrap_up", utc(2026, 11, 22, 10), staff["Tom"]),
                 step("wrap_up", utc(2026, 11, 27, 9), staff["Tom"], channel="note")],
    }))
    rows = follow_ups_of(desk, result.incident_id)
    logged = events(desk, mark)
    assert logged[0][:3] == ("create", "incident", result.incident_id)
    assert {"description", "remedy_cost", "customer_id", "ally_id"} <= set(logged[0][3].split(","))
    assert ("create", "flag", result.flag_id, "greeting,headline,level,message") in logged
    assert ("create", "alert", result.alert_id, "headline") in logged
    assert [event[2] for event in logged if event[1] == "follow_up"] == [row.id for row in rows]

    mark = last_id(desk)
    version = incidents.incident_detail(desk, result.incident_id).version
    incidents.amend_incident(desk, result.incident_id, version, incidents.parse_amend(desk, {
        "product": "Lentil soup", "root_cause": "Kitchen hair nets missing", "severity": "moderate"}))
    assert events(desk, mark) == [("amend", "incident", result.incident_id, "product,root_cause")]

    first, second, note = rows
    mark = last_id(desk)
    followups.complete(lena, first.id, None, OutcomeInput.parse({"outcome": "no_answer"}))
    followups.complete(lena, first.id, None, OutcomeInput.parse({"outcome": "reached_satisfied"}))
    followups.reschedule(desk, second.id, None, RescheduleInput.parse({"due_at": "mon 12:00"},
                                                                      **incidents.context(desk)))
    followups.reassign(desk, second.id, None, staff["Lena"])
    followups.skip(desk, note.id, None, SkipInput.parse({"reason": "No postal address"}))
    followups.complete(lena, second.id, None, OutcomeInput.parse({"outcome": "reached_satisfied"}))
    assert events(desk, mark) == [
        ("attempt", "follow_up", first.id, "attempts,due_at,outcome"),
        ("complete", "follow_up", first.id, "attempts,completed_at,completed_by_id,outcome,status"),
        ("reschedule", "follow_up", second.id, "due_at"),
        ("reassign", "follow_up", second.id, "escalation,escalation_clock_at,owner_id"),  # a reassignment restarts the clock
        ("skip", "follow_up", note.id, "skip_reason,status"),
        ("complete", "follow_up", second.id, "attempts,completed_at,completed_by_id,outcome,status"),
    ]

    mark = last_id(desk)
    flags.acknowledge_flag(as_staff("Hana"), result.flag_id)
    flags.clear_flag(lena, result.flag_id)
    assert events(desk, mark) == [
        ("acknowledge", "flag", result.flag_id, "acknowledged_at"),
        ("clear", "flag", result.flag_id, "active,cleared_at,cleared_by_id"),
    ]

    mark = last_id(desk)
    info = episodes.close_episode(desk, result.incident_id, root_cause="unknown")
    closed = events(desk, mark)
    assert [event[:2] for event in closed] == [("close", "episode")]
    assert info.status == "closed"

    mark = last_id(desk)
    episodes.reopen_episode(desk, result.incident_id)
    reopened = events(desk, mark)
    assert [event[:2] for event in reopened] == [("reopen", "episode"), ("create", "follow_up")]
    assert reopened[0][2] == closed[0][2]

    mark = last_id(desk)
    customers.check_out(desk, visit_id, "left")
    assert events(desk, mark) == [("check_out", "visit", visit_id, "checked_out_at,departure")]

    everything = audit_rows(desk)
    for row in (row for row in everything if row.id > start):
        assert row.staff_id is not None and row.terminal == "stand" and row.site_id == desk.site_id
        assert row.at == utc(2026, 11, 20, 18, 30)
    who = {(row.action, row.record_type): row.staff_id for row in everything}
    assert who[("clear", "flag")] == staff["Lena"]
    assert who[("acknowledge", "flag")] == staff["Hana"]

    personal = [NAME, "Zoë", "Quintana", "Okafor", PHONE, PHONE_E164, PHONE_E164[1:], "98765432",
                NEW_PHONE_E164, "12345678", EMAIL, "example.org", "Lindenstraße", NOTES, "corner table"]
    columns = [column.name for column in AuditEvent.__table__.columns]
    for row in everything:
        for column in columns:
            value = str(getattr(row, column))
            for secret in personal:
                assert secret.casefold() not in value.casefold(), f"audit {row.id}.{column} holds {secret!r}"

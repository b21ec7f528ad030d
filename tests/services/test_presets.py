"""Presets by kind of business (issue 15 item 6): `frontdesk setup --kind` seeds categories (and which are
sensitive), root causes and playbooks; the clinic's grievance follows CMS guidance on 42 CFR 482.13."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from frontdesk.schemas.inputs import SiteInput, StaffInput
from frontdesk.services import playbooks, setup
from frontdesk.store.models import Category


def set_up(store, clock, kind: str) -> None:
    setup.setup_store(store, clock,
                      SiteInput.parse({"name": "Mitte", "time_zone": "America/Chicago", "phone_region": "US",
                                       "currency": "USD"}),
                      StaffInput.parse({"name": "Maria", "role": "manager", "pin": "2468"}), "stand", kind)


def sensitive(store) -> set[str]:
    with store.read() as session:
        return set(session.scalars(select(Category.key).where(Category.sensitive.is_(True), Category.active.is_(True))))


def test_the_restaurant_is_the_default(store, clock):
    set_up(store, clock, "restaurant")
    keys = [key for key, _ in playbooks.categories(store)]
    assert {"wait", "food", "billing", "safety"} <= set(keys)
    assert sensitive(store) == {"safety"}
    assert "unknown" in dict(playbooks.root_causes(store))


def test_the_hotel_preset(store, clock):
    set_up(store, clock, "hotel")
    keys = [key for key, _ in playbooks.categories(store)]
    assert {"arrival", "room", "housekeeping", "noise", "maintenance"} <= set(keys)
    assert sensitive(store) == {"safety", "health"}
    assert {"overbooking", "unknown"} <= set(dict(playbooks.root_causes(store)))
    lines = playbooks.describe_playbooks(store)
    assert "critical/*: Critical: the duty manager in person" in lines


def test_the_clinic_preset_has_a_grievance_playbook(store, clock):
    set_up(store, clock, "clinic")
    keys = [key for key, _ in playbooks.categories(store)]
    assert {"appointment", "records", "care", "grievance"} <= set(keys)
    assert sensitive(store) == {"records", "care", "safety", "grievance"}
    assert {"clinical", "unknown"} <= set(dict(playbooks.root_causes(store)))
    lines = playbooks.describe_playbooks(store)
    for severity in ("minor", "moderate", "major", "critical"):
        at = lines.index(f"{severity}/grievance: Grievance ({severity}): acknowledge in 1 day, written response in 7")
        assert lines[at + 1:at + 3] == ["  +1d 10:00  check_in by note", "  +7d 10:00  wrap_up by note"]


def test_an_unknown_kind_is_refused(store, clock):
    with pytest.raises(playbooks.PlaybookFileError, match="no preset for 'spa'"):
        set_up(store, clock, "spa")
    assert setup.is_empty(store)


@pytest.fixture
def grievance(store, clock):
    """A clinic, and a grievance logged there: its acknowledgement and its written response follow-ups."""
    from frontdesk.services import incidents
    from frontdesk.services.context import Actor
    from frontdesk.store.models import FollowUp

    set_up(store, clock, "clinic")
    site = setup.list_sites(store)[0]
    maria = setup.list_staff(store)[0]
    desk = Actor(store, clock, site.id, "stand", maria.id)
    result = incidents.log_incident(desk, incidents.parse_incident(desk, {
        "category": "grievance", "severity": "moderate", "description": "Waited three hours, nobody explained"}))
    with store.read() as session:
        rows = session.scalars(select(FollowUp).where(FollowUp.incident_id == result.incident_id)
                               .order_by(FollowUp.due_at)).all()
    assert [(row.kind, row.channel) for row in rows] == [("check_in", "note"), ("wrap_up", "note")]
    return desk, rows[1].id


def test_the_written_response_needs_a_resolution_or_an_interim_notice(grievance):
    from frontdesk.errors import InvalidInput, NotAllowed
    from frontdesk.services import followups

    desk, response = grievance
    with pytest.raises(NotAllowed, match="resolution"):
        followups.complete(desk, response, None, {"outcome": "reached_satisfied"})
    with pytest.raises(InvalidInput) as refused:
        followups.respond_to_grievance(desk, response, None, {"kind": "resolution", "contact_person": "Dr Okafor"})
    assert set(refused.value.errors) == {"steps_taken", "results", "completed_on"}
    with pytest.raises(InvalidInput) as refused:
        followups.respond_to_grievance(desk, response, None, {"kind": "interim"})
    assert set(refused.value.errors) == {"new_due_at"}
    with pytest.raises(InvalidInput) as refused:  # an unreadable date and the missing parts, all at once
        followups.respond_to_grievance(desk, response, None, {"kind": "resolution", "completed_on": "someday",
                                                              "results": "  "})
    assert refused.value.errors == {"completed_on": "not a date: try today, yesterday, mon or 2026-11-20",
                                    "contact_person": "name the contact person",
                                    "steps_taken": "say what steps were taken",
                                    "results": "say what the results were"}
    with pytest.raises(InvalidInput) as refused:
        followups.respond_to_grievance(desk, response, None, {
            "kind": "resolution", "contact_person": "Dr Okafor", "steps_taken": "Called", "results": "Apologised",
            "completed_on": "2026-12-09"})
    assert refused.value.errors == {"completed_on": "that day is still ahead; on which day was it done?"}
    assert followups.follow_up_detail(desk, response).status == "open"


def test_an_interim_notice_sets_a_new_due_date_and_a_resolution_completes_it(grievance):
    from frontdesk.services import followups
    from frontdesk.store.models import FollowUp

    desk, response = grievance
    moved = followups.respond_to_grievance(desk, response, None, {"kind": "interim", "new_due_at": "2026-12-10 20:00"})
    assert (moved.status, moved.episode.status) == ("open", "open")
    with desk.store.read() as session:
        row = session.get(FollowUp, response)
        assert row is not None and row.status == "open"
        assert (row.due_at.month, row.due_at.day, row.due_at.hour) == (12, 11, 2)  # 20:00 in Chicago
        assert row.note == "Interim letter sent: the written response will come by 2026-12-10."
    answered = followups.respond_to_grievance(desk, response, None, {
        "kind": "resolution", "contact_person": "Dr Okafor", "steps_taken": "Reviewed the triage rota",
        "results": "A second nurse at triage on Mondays", "completed_on": "2026-11-19"})
    assert answered.status == "done"
    assert answered.episode.blockers, "the acknowledgement is still open"
    with desk.store.read() as session:
        row = session.get(FollowUp, response)
        assert row is not None and row.status == "done" and row.note is not None
        assert "Contact person: Dr Okafor" in row.note and "Completed on 2026-11-19" in row.note

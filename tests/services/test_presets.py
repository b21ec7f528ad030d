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

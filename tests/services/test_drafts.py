"""Drafts and the saves that end them: a log, a quick log or an amendment drops the draft it came from
in its own transaction, and a refused save leaves the draft where it was.

A save and the drop of its draft in two transactions once offered a saved
incident back as a draft after a kill between them: here both commit or
neither does.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from frontdesk.errors import Conflict, InvalidInput
from frontdesk.services import drafts, incidents
from frontdesk.services.drafts import DraftKey, draft_key

DEPOSITION = {"category": "food", "severity": "minor", "description": "Soup arrived cold"}


def typed(desk: Any, terminal: str = "stand", words: str = "Soup arriv") -> DraftKey:
    """A draft of the incident form at `terminal`, as the draft keeper writes it."""
    actor = replace(desk, terminal=terminal)
    drafts.save_draft(actor, "incident", {"values": {"description": words}})
    return draft_key(actor, "incident")


def draft_at(desk: Any, terminal: str = "stand") -> dict[str, Any] | None:
    kept = drafts.load_draft(replace(desk, terminal=terminal), "incident")
    return kept[0] if kept else None


def test_logging_drops_its_draft_and_no_other(desk):
    key = typed(desk)
    typed(desk, terminal="bar", words="Wine corked")
    incidents.log_incident(desk, incidents.parse_incident(desk, DEPOSITION), draft=key)
    assert draft_at(desk) is None
    assert draft_at(desk, "bar") == {"values": {"description": "Wine corked"}}


def test_a_refused_log_keeps_its_draft(desk):
    key = typed(desk)
    data = incidents.parse_incident(desk, {**DEPOSITION, "customer_id": 999})  # no such customer
    with pytest.raises(InvalidInput):
        incidents.log_incident(desk, data, draft=key)
    assert draft_at(desk) == {"values": {"description": "Soup arriv"}}
    assert incidents.todays_incidents(desk) == []


def test_a_quick_log_drops_its_draft(desk):
    key = typed(desk)
    incidents.quick_log(desk, incidents.parse_quick_log(desk, DEPOSITION), draft=key)
    assert draft_at(desk) is None


def test_an_amendment_drops_its_draft_and_a_conflict_keeps_it(desk, as_staff):
    incident_id = incidents.log_incident(desk, incidents.parse_incident(desk, DEPOSITION)).incident_id
    version = incidents.incident_detail(desk, incident_id).version
    lena = as_staff("Lena")
    incidents.amend_incident(lena, incident_id, version, incidents.parse_amend(lena, {"reaction": "calm"}))
    key = typed(desk)
    with pytest.raises(Conflict):
        incidents.amend_incident(desk, incident_id, version, incidents.parse_amend(desk, {"reaction": "upset"}),
                                 draft=key)
    assert draft_at(desk) is not None
    incidents.amend_incident(desk, incident_id, version + 1, incidents.parse_amend(desk, {"reaction": "upset"}),
                             draft=key)
    assert draft_at(desk) is None
    assert incidents.incident_detail(desk, incident_id).reaction == "upset"


def test_a_served_tab_takes_its_own_persons_draft_from_another_tab(desk, as_staff):
    """A reloaded browser tab is a new terminal: the person's draft from their old tab moves to it, once;
    another person's draft and a named terminal's draft stay where they are."""
    lena = as_staff("Lena")
    typed(desk, terminal="web-aaaaaa", words="Soup arriv")
    typed(lena, terminal="web-bbbbbb", words="Lena's own")
    typed(desk, terminal="stand", words="Kiosk draft")
    new_tab = replace(desk, terminal="web-cccccc")
    assert drafts.load_draft(new_tab, "incident") is None  # not asked for: this terminal's own only
    taken = drafts.load_draft(new_tab, "incident", from_any_tab=True)
    assert taken is not None and taken[0] == {"values": {"description": "Soup arriv"}}
    assert draft_at(desk, "web-cccccc") == {"values": {"description": "Soup arriv"}}
    assert draft_at(desk, "web-aaaaaa") is None
    assert drafts.load_draft(replace(as_staff("Hana"), terminal="web-dddddd"), "incident", from_any_tab=True) is None
    assert draft_at(lena, "web-bbbbbb") == {"values": {"description": "Lena's own"}}
    assert draft_at(desk, "stand") == {"values": {"description": "Kiosk draft"}}


def test_each_person_has_their_own_draft_at_a_terminal(desk, as_staff):
    """Tom signing in after Maria keeps her draft beside his; saving his drops his only."""
    tom = as_staff("Tom")
    mine = typed(desk)
    his = typed(tom, words="Wine corked")
    assert mine != his
    assert draft_at(desk) == {"values": {"description": "Soup arriv"}}
    assert draft_at(tom) == {"values": {"description": "Wine corked"}}
    incidents.log_incident(tom, incidents.parse_incident(tom, DEPOSITION), draft=his)
    assert draft_at(tom) is None
    assert draft_at(desk) == {"values": {"description": "Soup arriv"}}

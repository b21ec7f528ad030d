"""Closing the loop (issue 15 items 4-5): a root cause from the store's list and an outcome at close."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from _support import follow_ups_of, step, utc
from sqlalchemy import select

from frontdesk.errors import InvalidInput
from frontdesk.schemas.inputs import OutcomeInput, SkipInput
from frontdesk.schemas.playbooks import PlaybookFileError
from frontdesk.services import episodes, followups, playbooks
from frontdesk.store.models import AuditEvent, Episode

SUGGESTED = ["staffing", "training", "process", "communication", "supplier", "equipment", "facility", "policy",
             "customer_expectation", "unknown"]


@pytest.fixture
def closable(desk, staff, log):
    """A minor incident whose one check-in is done (reached, satisfied): nothing keeps it open."""
    result = log(ally_id=staff["Tom"], plan=[step("check_in", utc(2026, 11, 21, 9), staff["Tom"])])
    row = follow_ups_of(desk, result.incident_id)[0]
    followups.complete(desk, row.id, None, OutcomeInput.parse({"outcome": "reached_satisfied"}))
    return result.incident_id


def stored_episode(desk, incident_id: int) -> Episode:
    with desk.store.read() as session:
        return session.scalars(select(Episode).where(Episode.incident_id == incident_id)).one()


def test_the_suggested_root_causes_are_seeded(desk):
    assert [key for key, _ in playbooks.root_causes(desk.store)] == SUGGESTED
    assert dict(playbooks.root_causes(desk.store))["customer_expectation"] == "Customer expectation"


def test_a_close_without_a_root_cause_is_refused_and_changes_nothing(desk, closable):
    for missing in (None, ""):
        with pytest.raises(InvalidInput) as refused:
            episodes.close_episode(desk, closable, root_cause=missing, outcome="recovered")
        assert "root_cause" in refused.value.errors
    with pytest.raises(InvalidInput, match="'weather' is not on the list"):
        episodes.close_episode(desk, closable, root_cause="weather")
    with pytest.raises(InvalidInput) as refused:
        episodes.close_episode(desk, closable, root_cause="training", outcome="happy")
    assert "outcome" in refused.value.errors

    row = stored_episode(desk, closable)
    assert (row.status, row.root_cause, row.outcome) == ("open", None, None)


def test_the_root_cause_and_outcome_are_recorded_and_audited(desk, closable):
    info = episodes.close_episode(desk, closable, root_cause="training", outcome="not_recovered")

    assert (info.status, info.root_cause, info.outcome) == ("closed", "training", "not_recovered")
    row = stored_episode(desk, closable)
    assert (row.status, row.root_cause, row.outcome) == ("closed", "training", "not_recovered")
    with desk.store.read() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "close")).one()
    assert "root_cause" in (event.fields or "") and "outcome" in (event.fields or "")


def test_unknown_is_allowed(desk, closable):
    info = episodes.close_episode(desk, closable, root_cause="unknown", outcome="unknown")
    assert (info.root_cause, info.outcome) == ("unknown", "unknown")


@pytest.mark.parametrize(("last", "proposed"), [
    ("reached_satisfied", "recovered"), ("reached_unhappy", "not_recovered"), (None, "unknown")])
def test_the_outcome_is_proposed_from_the_last_follow_up(desk, staff, log, clock, last, proposed):
    result = log(ally_id=staff["Tom"], plan=[step("check_in", utc(2026, 11, 21, 9), staff["Tom"])])
    first = follow_ups_of(desk, result.incident_id)[0]
    if last is None:
        followups.skip(desk, first.id, None, SkipInput.parse({"reason": "no number"}))
    else:
        followups.complete(desk, first.id, None, OutcomeInput.parse({"outcome": last}))
        if last == "reached_unhappy":  # it made a new check-in tomorrow: unanswered, then skipped
            again = next(row for row in follow_ups_of(desk, result.incident_id) if row.status == "open")
            clock.advance(timedelta(minutes=5))
            followups.skip(desk, again.id, None, SkipInput.parse({"reason": "they asked not to"}))

    info = episodes.episode_info(desk, result.incident_id)
    assert info.proposed_outcome == proposed
    assert [key for key, _ in info.root_causes] == SUGGESTED

    closed = episodes.close_episode(desk, result.incident_id, root_cause="process")
    assert closed.outcome == proposed, "without an outcome given, the proposed one is recorded"


def test_reopening_clears_them_for_the_next_close(desk, closable):
    episodes.close_episode(desk, closable, root_cause="training", outcome="recovered")
    info = episodes.reopen_episode(desk, closable)
    assert (info.status, info.root_cause, info.outcome) == ("open", None, None)


ROOT_CAUSES = """
[[root_cause]]
key = "kitchen"
label = "Kitchen"

[[root_cause]]
key = "unknown"
label = "Nobody knows"
"""


def plans_file(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "plans.toml"
    path.write_text(extra + "\n" + (Path(__file__).parents[2] / "data" / "playbooks.toml").read_text("utf-8"),
                    encoding="utf-8")
    return path


def test_a_manager_replaces_the_list_through_the_playbooks_file(desk, closable, tmp_path):
    episodes.close_episode(desk, closable, root_cause="training")

    spec = playbooks.load_playbook_file(desk.store, plans_file(tmp_path, ROOT_CAUSES))

    assert spec.root_cause is not None and len(spec.root_cause) == 2
    assert playbooks.root_causes(desk.store) == (("kitchen", "Kitchen"), ("unknown", "Nobody knows"))
    assert stored_episode(desk, closable).root_cause == "training", "a dropped key stays on closed episodes"


def test_a_file_without_root_causes_keeps_the_list(desk, tmp_path):
    playbooks.load_playbook_file(desk.store, plans_file(tmp_path, ""))
    assert [key for key, _ in playbooks.root_causes(desk.store)] == SUGGESTED


@pytest.mark.parametrize(("text", "problem"), [
    (ROOT_CAUSES.replace('"unknown"', '"mystery"'), "must include 'unknown'"),
    (ROOT_CAUSES.replace('"kitchen"', '"unknown"'), "a root cause key appears twice"),
    (ROOT_CAUSES.replace('"kitchen"', '"Kitchen Staff"'), "root cause 1, key: lower-case letters"),
    (ROOT_CAUSES.replace('label = "Kitchen"\n', ''), "root cause 1, label"),
])
def test_a_bad_root_cause_list_is_refused_whole(desk, tmp_path, text, problem):
    with pytest.raises(PlaybookFileError, match=problem):
        playbooks.load_playbook_file(desk.store, plans_file(tmp_path, text))
    assert [key for key, _ in playbooks.root_causes(desk.store)] == SUGGESTED


def test_the_deposition_records_what_the_customer_asked_for(desk, log):
    from frontdesk.services import incidents

    result = log(remedy_sought="  Wanted the soup taken off the bill  ")
    detail = incidents.incident_detail(desk, result.incident_id)
    assert detail.remedy_sought == "Wanted the soup taken off the bill"

    incidents.amend_incident(desk, result.incident_id, detail.version,
                             incidents.parse_amend(desk, {"remedy_sought": "A free dessert"}))
    assert incidents.incident_detail(desk, result.incident_id).remedy_sought == "A free dessert"
    assert log().incident_id and incidents.incident_detail(desk, log().incident_id).remedy_sought is None, "optional"


def test_a_later_incident_within_30_days_marks_the_closed_episode_a_repeat(desk, staff, log, new_customer, clock):
    from frontdesk.services import incidents
    from frontdesk.services.customers import customer_card

    ana = new_customer("Ana García")
    first = log(customer_id=ana, ally_id=staff["Tom"], plan=[])
    episodes.close_episode(desk, first.incident_id, root_cause="supplier", outcome="recovered")
    assert incidents.incident_detail(desk, first.incident_id).repeat_incident_id is None

    clock.advance(timedelta(days=29))
    later = log(customer_id=ana, occurred_at="19:00", plan=[])

    detail = incidents.incident_detail(desk, first.incident_id)
    assert (detail.episode_outcome, detail.episode_root_cause, detail.repeat_incident_id) == (
        "recovered", "Supplier", later.incident_id)
    card = customer_card(desk, ana)
    assert {brief.id: brief.repeat for brief in card.incidents} == {first.incident_id: True, later.incident_id: False}
    entry = next(entry for entry in card.timeline if entry.record_id == first.incident_id and entry.kind == "incident")
    assert entry.detail == "repeat: another incident within 30 days of closing"
    assert entry.story is not None and "closed, recovered (root cause: supplier)" in entry.story


def test_an_incident_more_than_30_days_after_the_close_is_no_repeat(desk, staff, log, new_customer, clock):
    from frontdesk.services import incidents

    ana = new_customer("Ana García")
    first = log(customer_id=ana, plan=[])
    episodes.close_episode(desk, first.incident_id, root_cause="unknown")
    clock.advance(timedelta(days=31))
    log(customer_id=ana, occurred_at="19:00", plan=[])
    log(occurred_at="19:00", plan=[])  # someone else's (an unknown guest)

    assert incidents.incident_detail(desk, first.incident_id).repeat_incident_id is None


def test_only_an_incident_after_the_close_makes_a_repeat(desk, log, new_customer, clock):
    """An incident while the episode was still open is on the card when it closes: no repeat. One in the 30 days
    after the close is (the 30th day's end included)."""
    from frontdesk.services import incidents
    from frontdesk.services.customers import customer_card

    ana = new_customer("Ana García")
    first = log(customer_id=ana, plan=[])
    clock.advance(timedelta(days=2))
    log(customer_id=ana, plan=[])  # while the first episode is open
    clock.advance(timedelta(hours=1))
    episodes.close_episode(desk, first.incident_id, root_cause="unknown")
    assert incidents.incident_detail(desk, first.incident_id).repeat_incident_id is None
    assert not next(brief for brief in customer_card(desk, ana).incidents if brief.id == first.incident_id).repeat

    clock.advance(timedelta(days=30))  # exactly 30 days after the close
    edge = log(customer_id=ana, occurred_at="now", plan=[])
    assert incidents.incident_detail(desk, first.incident_id).repeat_incident_id == edge.incident_id
    assert next(brief for brief in customer_card(desk, ana).incidents if brief.id == first.incident_id).repeat


def test_the_repeat_window_is_the_30_days_after_the_close():
    from frontdesk.store.queries import repeat_of

    closed = utc(2026, 11, 20, 18)
    assert repeat_of(closed, [(1, closed - timedelta(minutes=1)), (2, closed)]) is None
    assert repeat_of(closed, [(3, closed + timedelta(days=30, seconds=1)), (4, closed + timedelta(days=30))]) == 4
    assert repeat_of(None, [(5, closed + timedelta(days=1))]) is None

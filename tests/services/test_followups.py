"""Working follow-ups: outcomes and their rules, rescheduling, reassigning, skipping."""

from __future__ import annotations

import pytest
from _support import follow_ups_of, step, utc
from sqlalchemy import func, select

from frontdesk.errors import Conflict, InvalidInput, NotFound
from frontdesk.schemas.inputs import (
    FollowUpInput,
    OutcomeInput,
    RescheduleInput,
    SkipInput,
)
from frontdesk.services import episodes, followups, incidents
from frontdesk.store.models import Episode, FollowUpAttempt


@pytest.fixture
def one_call(desk, staff, log):
    """An incident (Tom the ally) with a single open check-in call due Sat 21 Nov 10:00 Berlin."""
    result = log(occurred_at="19:00", ally_id=staff["Tom"], plan=[step("check_in", utc(2026, 11, 21, 9), staff["Tom"])])
    return result.incident_id, follow_ups_of(desk, result.incident_id)[0].id


def outcome(value: str | None, note: str | None = None) -> OutcomeInput:
    return OutcomeInput.parse({"outcome": value, "note": note})


def version_of(actor, follow_up_id: int) -> int:
    return followups.follow_up_detail(actor, follow_up_id).item.version


def test_reached_satisfied_completes_it(desk, as_staff, staff, one_call):
    incident_id, follow_up_id = one_call
    lena = as_staff("Lena")

    result = followups.complete(lena, follow_up_id, version_of(desk, follow_up_id),
                                outcome("reached_satisfied", "Happy, booked again"))

    assert (result.status, result.outcome, result.attempts, result.new_follow_up_id) == (
        "done", "reached_satisfied", 1, None)
    detail = followups.follow_up_detail(desk, follow_up_id)
    assert (detail.status, detail.completed_by, detail.completed_at) == ("done", "Lena", utc(2026, 11, 20, 18, 30))
    assert detail.note == "Happy, booked again"
    assert [(a.by, a.outcome) for a in detail.attempts] == [("Lena", "reached_satisfied")]
    assert followups.due_queue(desk).total == 0


def test_still_unhappy_keeps_the_episode_open_and_books_a_new_check_in(desk, as_staff, staff, one_call):
    """Lena made the call; the new check-in is for Tom, the original ally, tomorrow at 10:00 local."""
    incident_id, follow_up_id = one_call

    result = followups.complete(as_staff("Lena"), follow_up_id, None, outcome("reached_unhappy", "Still angry"))

    assert (result.status, result.episode.status, result.episode.can_close) == ("done", "open", False)
    assert result.new_follow_up_due_at == utc(2026, 11, 21, 9)
    rows = {row.id: row for row in follow_ups_of(desk, incident_id)}
    new = rows[result.new_follow_up_id]
    assert (new.kind, new.channel, new.owner_id, new.status) == ("check_in", "call", staff["Tom"], "open")
    assert episodes.episode_info(desk, incident_id).status == "open"


def test_still_unhappy_reopens_a_closed_episode(desk, staff, one_call):
    """A close racing an added follow-up can leave an open item in a closed episode; "still unhappy" reopens it."""
    incident_id, follow_up_id = one_call
    with desk.store.begin() as session:
        # The state such a race leaves behind: the episode closed while the call is still open.
        episode = session.scalars(select(Episode).where(Episode.incident_id == incident_id)).one()
        episode.status, episode.closed_at, episode.closed_by_id = "closed", utc(2026, 11, 20, 18), staff["Lena"]

    result = followups.complete(desk, follow_up_id, None, outcome("reached_unhappy"))

    assert result.episode.status == "open"
    info = episodes.episode_info(desk, incident_id)
    assert (info.status, info.open_follow_ups) == ("open", 1)
    with desk.store.read() as session:
        episode = session.scalars(select(Episode).where(Episode.incident_id == incident_id)).one()
        assert (episode.reopened_count, episode.closed_at) == (1, None)


def test_no_answer_three_times_marks_it_for_the_lead(desk, clock, staff, log):
    """Each try moves it to the next local day at the same local hour, across the clocks going back."""
    clock.set(utc(2026, 10, 24, 8, 5))  # Sat 24 Oct 10:05 CEST
    result = log(occurred_at="09:00", plan=[step("check_in", utc(2026, 10, 24, 8), staff["Tom"])])
    follow_up_id = follow_ups_of(desk, result.incident_id)[0].id

    first = followups.complete(desk, follow_up_id, None, outcome("no_answer"))
    assert (first.status, first.attempts, first.escalation) == ("open", 1, 0)
    assert first.due_at == utc(2026, 10, 25, 9)  # Sun 10:00 CET

    clock.set(utc(2026, 10, 25, 9, 5))
    second = followups.complete(desk, follow_up_id, None, outcome("left_message", "Voicemail"))
    assert (second.status, second.attempts, second.escalation, second.due_at) == (
        "open", 2, 0, utc(2026, 10, 26, 9))

    clock.set(utc(2026, 10, 26, 9, 5))
    third = followups.complete(desk, follow_up_id, None, outcome("no_answer"))
    assert (third.status, third.attempts, third.escalation, third.due_at) == ("open", 3, 1, utc(2026, 10, 27, 9))

    detail = followups.follow_up_detail(desk, follow_up_id)
    assert [a.outcome for a in detail.attempts] == ["no_answer", "left_message", "no_answer"]
    assert (detail.item.escalation, detail.item.escalated_at, detail.status) == (1, utc(2026, 10, 26, 9, 5), "open")
    assert [item.id for item in followups.due_queue(desk).items if item.escalation] == [follow_up_id]


def test_outcome_is_required_for_a_call_but_not_for_a_note(desk, staff, log):
    result = log(plan=[step("check_in", utc(2026, 11, 21, 9), staff["Tom"]),
                       step("wrap_up", utc(2026, 11, 27, 9), staff["Tom"], channel="note")])
    call, note = follow_ups_of(desk, result.incident_id)

    with pytest.raises(InvalidInput) as refused:
        followups.complete(desk, call.id, None, outcome(None))
    assert refused.value.errors == {"outcome": "say how it went"}
    assert follow_ups_of(desk, result.incident_id)[0].status == "open"

    written = followups.complete(desk, note.id, None, outcome(None, "Posted by hand"))
    assert (written.status, written.attempts) == ("done", 0)


def test_reschedule_to_a_typed_time(desk, one_call):
    _, follow_up_id = one_call
    context = incidents.context(desk)

    due = followups.reschedule(desk, follow_up_id, version_of(desk, follow_up_id),
                               RescheduleInput.parse({"due_at": "mon 14:00"}, **context)).due_at

    assert due == utc(2026, 11, 23, 13)
    assert followups.follow_up_detail(desk, follow_up_id).item.due_at == due


def test_reschedule_by_days_keeps_the_local_time(desk, one_call):
    _, follow_up_id = one_call

    due = followups.reschedule_by_days(desk, follow_up_id, None, 7).due_at

    assert due == utc(2026, 11, 28, 9)  # Sat 28 Nov, still 10:00 in Berlin


def test_reschedule_refuses_the_past(desk):
    context = incidents.context(desk)
    with pytest.raises(InvalidInput) as refused:
        RescheduleInput.parse({"due_at": "2026-11-19 10:00"}, **context)
    assert refused.value.errors == {"due_at": "that is already past; when will it be done?"}


def test_reassign_moves_the_owner_but_not_the_ally(desk, staff, one_call):
    incident_id, follow_up_id = one_call

    followups.reassign(desk, follow_up_id, None, staff["Hana"])

    assert followups.follow_up_detail(desk, follow_up_id).item.owner_name == "Hana"
    assert incidents.incident_detail(desk, incident_id).ally_name == "Tom"
    with pytest.raises(InvalidInput) as refused:
        followups.reassign(desk, follow_up_id, None, 9999)
    assert refused.value.errors == {"owner_id": "not an active staff member"}


def test_skip_records_why(desk, one_call):
    _, follow_up_id = one_call

    followups.skip(desk, follow_up_id, None, SkipInput.parse({"reason": "Asked not to be called"}))

    detail = followups.follow_up_detail(desk, follow_up_id)
    assert (detail.status, detail.skip_reason, detail.completed_by) == ("skipped", "Asked not to be called", "Maria")
    with pytest.raises(InvalidInput) as refused:
        SkipInput.parse({"reason": "  "})
    assert refused.value.errors == {"reason": "required"}
    with pytest.raises(Conflict, match="already skipped by Maria at 19:30"):
        followups.complete(desk, follow_up_id, None, outcome("reached_satisfied"))


def test_acting_on_a_missing_follow_up(desk):
    with pytest.raises(NotFound):
        followups.complete(desk, 4242, None, outcome("reached_satisfied"))


def test_a_hand_added_follow_up_reopens_a_closed_episode(desk, staff, one_call):
    incident_id, follow_up_id = one_call
    followups.complete(desk, follow_up_id, None, outcome("reached_satisfied"))
    episodes.close_episode(desk, incident_id, root_cause="unknown")
    context = incidents.context(desk)

    new_id = followups.add_follow_up(desk, incident_id, FollowUpInput.parse(
        {"due_at": "tomorrow 15:00", "owner_id": staff["Lena"], "channel": "text"}, **context))

    detail = followups.follow_up_detail(desk, new_id)
    assert (detail.item.owner_name, detail.item.channel, detail.item.due_at) == ("Lena", "text", utc(2026, 11, 21, 14))
    assert episodes.episode_info(desk, incident_id).status == "open"


def test_attempts_are_counted_once_per_try(desk, one_call):
    _, follow_up_id = one_call
    followups.complete(desk, follow_up_id, None, outcome("no_answer"))
    with desk.store.read() as session:
        count = session.scalar(select(func.count()).select_from(FollowUpAttempt)
                               .where(FollowUpAttempt.follow_up_id == follow_up_id))
    assert count == 1

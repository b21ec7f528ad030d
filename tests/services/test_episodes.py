"""Episodes: closed only when nothing is open and the promise is settled; reopened with a next step."""

from __future__ import annotations

import pytest
from _support import follow_ups_of, step, utc

from frontdesk.errors import Conflict, NotAllowed
from frontdesk.schemas.inputs import OutcomeInput, SkipInput
from frontdesk.services import episodes, followups, incidents
from frontdesk.services.customers import customer_card

DONE = OutcomeInput.parse({"outcome": "reached_satisfied"})


@pytest.fixture
def promised(desk, staff, log, new_customer):
    """A moderate incident for Ana: flagged, one check-in call, and a pending promise with its check."""
    customer_id = new_customer("Ana García")
    result = log(
        customer_id=customer_id, severity="moderate", occurred_at="19:00", ally_id=staff["Tom"],
        promise_text="A table by the window next time", promise_due_at="2026-11-27 18:00",
        promise_likelihood="likely",
        plan=[step("check_in", utc(2026, 11, 21, 9), staff["Tom"])],
    )
    return customer_id, result


def do_all(actor, incident_id: int) -> None:
    for row in follow_ups_of(actor, incident_id):
        if row.status == "open":
            followups.complete(actor, row.id, None, DONE)


def test_closing_is_refused_while_a_follow_up_is_open(desk, promised):
    _, result = promised

    with pytest.raises(NotAllowed, match="1 follow-up is still open"):
        episodes.close_episode(desk, result.incident_id, root_cause="unknown", settle_promise="kept")

    info = episodes.episode_info(desk, result.incident_id)
    assert (info.status, info.can_close, info.open_follow_ups) == ("open", False, 1)
    assert info.blockers == ("1 follow-up is still open", "the promise is not yet marked kept or broken")
    assert incidents.incident_detail(desk, result.incident_id).promise_status == "pending"


def test_closing_is_refused_while_the_promise_is_unsettled(desk, promised):
    _, result = promised
    do_all(desk, result.incident_id)

    with pytest.raises(NotAllowed, match="kept or broken"):
        episodes.close_episode(desk, result.incident_id, root_cause="unknown")

    assert episodes.episode_info(desk, result.incident_id).status == "open"


def test_closing_settles_the_promise_and_clears_the_flag(desk, promised):
    customer_id, result = promised
    do_all(desk, result.incident_id)

    info = episodes.close_episode(desk, result.incident_id, root_cause="unknown", settle_promise="kept", clear_flag=True)

    assert (info.status, info.promise_status, info.flag_active) == ("closed", "kept", False)
    detail = incidents.incident_detail(desk, result.incident_id)
    assert (detail.episode_status, detail.promise_status) == ("closed", "kept")
    assert customer_card(desk, customer_id).active_flags == ()
    assert customer_card(desk, customer_id).open_promises == ()


def test_closing_without_clearing_keeps_the_flag(desk, promised):
    customer_id, result = promised
    do_all(desk, result.incident_id)

    info = episodes.close_episode(desk, result.incident_id, root_cause="unknown", settle_promise="broken")

    assert (info.status, info.flag_active) == ("closed", True)
    assert [flag.id for flag in customer_card(desk, customer_id).active_flags] == [result.flag_id]


def test_closing_twice_says_who_closed_it(desk, as_staff, promised):
    _, result = promised
    do_all(desk, result.incident_id)
    episodes.close_episode(as_staff("Lena"), result.incident_id, root_cause="unknown", settle_promise="kept")

    with pytest.raises(Conflict, match=r"already closed by Lena at Fri 20 Nov 19:30"):
        episodes.close_episode(desk, result.incident_id, root_cause="unknown")


def test_reopening_gives_the_ally_a_check_in(desk, staff, promised):
    _, result = promised
    do_all(desk, result.incident_id)
    episodes.close_episode(desk, result.incident_id, root_cause="unknown", settle_promise="kept")

    info = episodes.reopen_episode(desk, result.incident_id)

    assert (info.status, info.open_follow_ups) == ("open", 1)
    new = [row for row in follow_ups_of(desk, result.incident_id) if row.status == "open"]
    assert [(row.kind, row.owner_id, row.due_at) for row in new] == [
        ("check_in", staff["Tom"], utc(2026, 11, 21, 9))
    ]
    with pytest.raises(NotAllowed, match="already open"):
        episodes.reopen_episode(desk, result.incident_id)


def test_episode_without_a_promise_closes_when_its_follow_ups_are_done(desk, staff, log):
    result = log(plan=[step("check_in", utc(2026, 11, 21, 9), staff["Tom"])])
    follow_up_id = follow_ups_of(desk, result.incident_id)[0].id
    followups.skip(desk, follow_up_id, None, SkipInput.parse({"reason": "Guest left no number"}))

    info = episodes.close_episode(desk, result.incident_id, root_cause="unknown")

    assert info.status == "closed" and info.promise_status is None


def test_a_promise_added_to_a_closed_episode_reopens_it(desk, staff, log):
    """A check that appears on a closed episode would sit in the queue of an episode that reads "closed"."""
    result = log(ally_id=staff["Tom"], plan=[step("check_in", utc(2026, 11, 21, 9), staff["Tom"])])
    do_all(desk, result.incident_id)
    episodes.close_episode(desk, result.incident_id, root_cause="unknown")
    version = incidents.incident_detail(desk, result.incident_id).version

    incidents.amend_incident(desk, result.incident_id, version, incidents.parse_amend(desk, {
        "promise_text": "The manager calls back", "promise_due_at": "mon 12:00", "promise_likelihood": "likely"}))

    info = episodes.episode_info(desk, result.incident_id)
    assert (info.status, info.open_follow_ups) == ("open", 1)
    check = next(row for row in follow_ups_of(desk, result.incident_id) if row.status == "open")
    assert (check.kind, check.owner_id, check.due_at) == ("promise_check", staff["Tom"], utc(2026, 11, 23, 11))


def test_closing_and_adding_a_follow_up_at_once_never_leave_a_closed_episode_with_work_open(desk, promised):
    """Close and add-follow-up race from two connections: the episode row is locked, so either the
    close sees the new follow-up (and refuses) or the add reopens the closed episode."""
    import threading
    from datetime import UTC, datetime, timedelta

    from frontdesk.errors import NotAllowed as Refused
    from frontdesk.schemas.inputs import FollowUpInput

    _, result = promised
    do_all(desk, result.incident_id)
    incidents.amend_incident(desk, result.incident_id, incidents.incident_detail(desk, result.incident_id).version,
                             incidents.parse_amend(desk, {"promise_status": "kept"}))
    due = datetime(2026, 11, 25, 9, tzinfo=UTC)
    for round_ in range(8):
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def close() -> None:
            barrier.wait()
            try:
                episodes.close_episode(desk, result.incident_id, root_cause="unknown")
            except (Refused, Conflict):
                pass
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        def add() -> None:
            barrier.wait()
            try:
                followups.add_follow_up(desk, result.incident_id,
                                        FollowUpInput.parse({"due_at": due + timedelta(days=round_)},
                                                            now=desk.now()))
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=close), threading.Thread(target=add)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        info = episodes.episode_info(desk, result.incident_id)
        assert not (info.status == "closed" and info.open_follow_ups), f"round {round_}: closed with work open"
        do_all(desk, result.incident_id)

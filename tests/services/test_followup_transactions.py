"""One user action, one service call, one transaction: a follow-up's completion (or skip) and the
answer to "can the episode close now?" are read in the transaction that made the change.

Before, the done dialog completed the follow-up and then asked `episode_info` in a second
transaction: another terminal could add or finish work in between, and the dialog offered to close
an episode the completion had not left closable (or failed to offer one it had).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _support import follow_ups_of, step, utc
from sqlalchemy import event
from sqlalchemy.orm import Session

from frontdesk.schemas.inputs import FollowUpInput
from frontdesk.services import episodes, followups, incidents


@pytest.fixture
def transactions() -> Iterator[list[tuple[str, bool]]]:
    """Every session transaction begun and committed meanwhile, in order: ("begin"|"commit", is a write)."""
    seen: list[tuple[str, bool]] = []

    def began(session: Session, *_: Any) -> None:
        seen.append(("begin", bool(session.info.get("write"))))

    def committed(session: Session) -> None:
        seen.append(("commit", bool(session.info.get("write"))))

    event.listen(Session, "after_begin", began)
    event.listen(Session, "after_commit", committed)
    yield seen
    event.remove(Session, "after_begin", began)
    event.remove(Session, "after_commit", committed)


@pytest.fixture
def last_call(desk, staff, log):
    """An incident with one open check-in call: completing it leaves nothing open."""
    result = log(occurred_at="19:00", ally_id=staff["Tom"], plan=[step("check_in", utc(2026, 11, 21, 9), staff["Tom"])])
    return result.incident_id, follow_ups_of(desk, result.incident_id)[0].id


def test_a_completion_says_whether_the_episode_may_close_from_its_own_transaction(desk, last_call, transactions):
    incident_id, follow_up_id = last_call

    result = followups.complete(desk, follow_up_id, None, {"outcome": "reached_satisfied", "note": ""})

    writes = [what for what, write in transactions if write]
    assert writes == ["begin", "commit"]
    last_write = max(index for index, (_, write) in enumerate(transactions) if write)
    assert transactions[last_write + 1:] == [], "nothing is read after the write commits"
    assert (result.status, result.episode.can_close, result.episode.blockers) == ("done", True, ())
    assert result.episode == episodes.episode_info(desk, incident_id)


def test_the_answer_is_what_the_completion_left_even_if_another_terminal_adds_work_at_once(desk, last_call):
    """Another terminal adds a follow-up the instant the completion commits: the completion's answer
    still describes the episode as the completion left it (a second read would have said otherwise),
    and closing then is refused by the close itself, not by a stale answer."""
    incident_id, follow_up_id = last_call
    added: list[int] = []

    def another_terminal_adds_work(session: Session) -> None:
        if session.info.get("write") and not added:
            added.append(-1)  # before adding: its own commit comes back here
            added[0] = followups.add_follow_up(desk, incident_id, FollowUpInput.parse(
                {"due_at": utc(2026, 11, 23, 9)}, **incidents.context(desk)))

    event.listen(Session, "after_commit", another_terminal_adds_work)
    try:
        result = followups.complete(desk, follow_up_id, None, {"outcome": "reached_satisfied"})
    finally:
        event.remove(Session, "after_commit", another_terminal_adds_work)

    assert added and added[0] > 0
    assert (result.episode.can_close, result.episode.open_follow_ups) == (True, 0)
    now = episodes.episode_info(desk, incident_id)
    assert (now.can_close, now.open_follow_ups) == (False, 1)


def test_a_skip_says_what_stays_open(desk, staff, log, transactions):
    result = log(occurred_at="19:00", plan=[step("check_in", utc(2026, 11, 21, 9), staff["Tom"]),
                                            step("wrap_up", utc(2026, 11, 27, 9), staff["Tom"])])
    first, _ = follow_ups_of(desk, result.incident_id)
    transactions.clear()

    episode = followups.skip(desk, first.id, None, {"reason": "They asked not to be called"})

    assert [what for what, write in transactions if write] == ["begin", "commit"]
    assert (episode.can_close, episode.blockers) == (False, ("1 follow-up is still open",))

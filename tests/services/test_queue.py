"""The due queue: overdue / due today / upcoming in the site's zone, filters, counts and paging.

The clock stands just after local midnight, so the UTC date and the local
date differ: a split by UTC dates would put items in the wrong bucket.
"""

from __future__ import annotations

import pytest
from _support import follow_ups_of, step, utc

from frontdesk.schemas.inputs import OutcomeInput
from frontdesk.services import followups

NOW = utc(2026, 11, 20, 23, 30)
"""Saturday 21 Nov, 00:30 in Berlin; still Friday 20 Nov in UTC."""

# name: (due, owner, channel, expected bucket)
ITEMS = {
    "h": (utc(2026, 11, 19, 20, 0), "Tom", "call", "overdue"),  # Thu 21:00, more than a day late
    "a": (utc(2026, 11, 20, 22, 45), "Maria", "call", "overdue"),  # Fri 23:45
    "b": (utc(2026, 11, 20, 23, 15), "Lena", "text", "overdue"),  # Sat 00:15: today's date, but past
    "c": (utc(2026, 11, 21, 9, 0), "Maria", "note", "today"),  # Sat 10:00 (UTC: tomorrow)
    "d": (utc(2026, 11, 21, 22, 30), "Tom", "call", "today"),  # Sat 23:30, the last of the local day
    "e": (utc(2026, 11, 21, 23, 30), "Maria", "email", "upcoming"),  # Sun 00:30 (UTC: still Sat 21)
    "f": (utc(2026, 11, 27, 22, 59), "Lena", "call", "upcoming"),  # Fri 27 23:59: last minute of the week
    "g": (utc(2026, 11, 27, 23, 0), "Maria", "call", "upcoming"),  # Sat 28 00:00: next week
}
IN_DUE_ORDER = ["h", "a", "b", "c", "d", "e", "f", "g"]


@pytest.fixture
def queue(desk, clock, staff, log):
    """The eight items above on one incident, logged on Thursday; returns follow-up ids by name."""
    clock.set(utc(2026, 11, 19, 12))
    result = log(occurred_at="12:00", plan=[step("check_in", due, staff[owner], channel)
                                            for due, owner, channel, _ in ITEMS.values()])
    clock.set(NOW)
    name_of = {due: name for name, (due, *_) in ITEMS.items()}
    return {name_of[row.due_at]: row.id for row in follow_ups_of(desk, result.incident_id)}


def names(page, ids) -> list[str]:
    by_id = {value: key for key, value in ids.items()}
    return [by_id[item.id] for item in page.items]


def test_split_and_counts_in_the_sites_zone(desk, queue):
    page = followups.due_queue(desk)

    assert names(page, queue) == IN_DUE_ORDER
    assert {item.id: item.bucket for item in page.items} == {queue[key]: ITEMS[key][3] for key in ITEMS}
    assert (page.counts.overdue, page.counts.today, page.counts.week) == (3, 2, 7)
    assert page.total == 8
    assert [item.id for item in page.items if item.escalation] == [queue["h"]], "overdue by a local day and more"
    assert page.counts.escalated == 1
    assert {item.owner_name for item in page.items} == {"Maria", "Lena", "Tom"}


def test_mine_shows_only_my_items_with_my_counts(desk, as_staff, queue):
    mine = followups.due_queue(desk, scope="mine")
    toms = followups.due_queue(as_staff("Tom"), scope="mine")

    assert names(mine, queue) == ["a", "c", "e", "g"]
    assert (mine.counts.overdue, mine.counts.today, mine.counts.week, mine.total) == (1, 1, 3, 4)
    assert names(toms, queue) == ["h", "d"]


WINDOWS = {
    "overdue": ["h", "a", "b"],
    "today": ["h", "a", "b", "c", "d"],
    "week": ["h", "a", "b", "c", "d", "e", "f"],
    "all": IN_DUE_ORDER,
}


def test_window_filter(desk, queue):
    pages = {window: followups.due_queue(desk, window=window) for window in WINDOWS}

    assert {window: names(page, queue) for window, page in pages.items()} == WINDOWS
    assert {window: page.total for window, page in pages.items()} == {w: len(v) for w, v in WINDOWS.items()}
    assert {(page.counts.overdue, page.counts.today, page.counts.week) for page in pages.values()} == {(3, 2, 7)}, \
        "counts ignore the window"


def test_channel_filter(desk, queue):
    page = followups.due_queue(desk, channel="call")

    assert names(page, queue) == ["h", "a", "d", "f", "g"]
    assert (page.counts.overdue, page.counts.today, page.counts.week, page.total) == (2, 1, 4, 5)


def test_paging_fetches_one_page_and_counts_all(desk, queue):
    pages = [followups.due_queue(desk, offset=offset, limit=3) for offset in (0, 3, 6)]

    assert [names(page, queue) for page in pages] == [["h", "a", "b"], ["c", "d", "e"], ["f", "g"]]
    assert [len(page.items) for page in pages] == [3, 3, 2]
    assert {page.total for page in pages} == {8}
    today = followups.due_queue(desk, window="today", offset=2, limit=2)
    assert (names(today, queue), today.total) == (["b", "c"], 5)


def test_done_and_skipped_items_leave_the_queue(desk, queue):
    followups.complete(desk, queue["a"], None, OutcomeInput.parse({"outcome": "reached_satisfied"}))

    page = followups.due_queue(desk)

    assert queue["a"] not in {item.id for item in page.items}
    assert (page.counts.overdue, page.total) == (2, 7)


def test_other_sites_only_when_asked(desk, clock, staff, add_site, log, queue):
    clock.set(utc(2026, 11, 19, 12))
    boston = add_site("Bistro Boston", "America/New_York")
    log(actor=boston, occurred_at="06:00", plan=[step("check_in", utc(2026, 11, 21, 15), staff["Lena"])])
    clock.set(NOW)

    here = followups.due_queue(desk)
    everywhere = followups.due_queue(desk, all_sites=True)
    there = followups.due_queue(boston)

    assert here.total == 8
    assert everywhere.total == 9
    assert {item.site_id for item in everywhere.items} == {desk.site_id, boston.site_id}
    assert [item.due_at for item in there.items] == [utc(2026, 11, 21, 15)]


def test_split_west_of_utc(desk, clock, staff, add_site, log):
    """New York, Friday 22:30 EST = Saturday 03:30 UTC: 23:30 is today, 00:30 is tomorrow."""
    site = add_site("Diner", "America/New_York")
    clock.set(utc(2026, 11, 21, 1))
    log(actor=site, occurred_at="19:00", plan=[
        step("check_in", utc(2026, 11, 21, 4, 30), staff["Tom"]),  # Fri 23:30 EST
        step("check_in", utc(2026, 11, 21, 5, 30), staff["Tom"]),  # Sat 00:30 EST
    ])
    clock.set(utc(2026, 11, 21, 3, 30))

    page = followups.due_queue(site)

    assert [item.bucket for item in page.items] == ["today", "upcoming"]
    assert (page.counts.overdue, page.counts.today, page.counts.week) == (0, 1, 2)

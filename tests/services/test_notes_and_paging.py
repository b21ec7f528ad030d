"""Handwritten notes saved to a file, and the due queue paged (on SQLite and PostgreSQL).

`save_notes` writes today's handwritten notes (names and postal addresses:
personal data) to a file only its owner can read; a place it cannot write is
refused in words on the field "path". The queue pages with `due_queue`'s
offset and limit: a page never holds more than asked, and pages meet.
"""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from frontdesk.errors import InvalidInput
from frontdesk.services import customers, followups, incidents, setup
from frontdesk.services.context import Actor


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def log_with_plan(desk: Actor, customer_id: int | None, steps: list[tuple[str, datetime]], **fields: Any) -> int:
    """An incident whose follow-ups are exactly `steps` (channel, due), owned by Tom."""
    tom = next(person.id for person in setup.list_staff(desk.store) if person.name == "Tom")
    data = {"customer_id": customer_id, "category": "food", "severity": "minor", "description": "Soup arrived cold",
            "plan": [{"kind": "wrap_up", "channel": channel, "due_at": due, "owner_id": tom, "words": "Thank them"}
                     for channel, due in steps], **fields}
    return incidents.log_incident(desk, incidents.parse_incident(desk, data)).incident_id


@pytest.fixture
def noted(desk: Actor) -> Actor:
    """Two notes due today (one for a guest with an address, one for a guest without) and one tomorrow."""
    ana = customers.create_customer(desk, customers.parse_customer(desk, {
        "name": "Ana García", "postal_address": "Hauptstraße 1\n10115 Berlin", "consent_post": True}))
    ben = customers.create_customer(desk, customers.parse_customer(desk, {"name": "Ben [/] Ode"}))
    log_with_plan(desk, ana, [("note", utc(2026, 11, 20, 20))])
    log_with_plan(desk, ben, [("note", utc(2026, 11, 20, 21)), ("call", utc(2026, 11, 20, 21))])
    log_with_plan(desk, ana, [("note", utc(2026, 11, 21, 9))])
    return desk


def test_save_notes_writes_todays_notes_readable_by_the_owner_only(noted: Actor, tmp_path: Path) -> None:
    path, count = followups.save_notes(noted, tmp_path / "notes.txt")

    assert (path, count) == (tmp_path / "notes.txt", 2)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert text.startswith("Notes to write — Bistro Berlin — Friday 20 November 2026\n")
    assert "1. Ana García\n   Hauptstraße 1\n   10115 Berlin\n" in text
    assert "2. Ben [/] Ode\n   (no postal address on file)\n   ! no consent to post on file" in text
    assert "3." not in text  # tomorrow's note is not today's


def test_save_notes_replaces_an_older_file_and_makes_it_private(noted: Actor, tmp_path: Path) -> None:
    old = tmp_path / "notes.txt"
    old.write_text("yesterday's notes, a much longer text than today's " * 100, encoding="utf-8")
    old.chmod(0o644)

    followups.save_notes(noted, old)

    assert "yesterday" not in old.read_text(encoding="utf-8")
    assert stat.S_IMODE(old.stat().st_mode) == 0o600


def test_a_relative_name_goes_under_the_home_folder(noted: Actor) -> None:
    path, _ = followups.save_notes(noted, Path("frontdesk-notes.txt"))

    assert path == Path(os.environ["HOME"]) / "frontdesk-notes.txt"
    assert path.exists()


@pytest.mark.parametrize("where", ["missing/notes.txt", "."])
def test_a_place_that_cannot_be_written_is_refused_on_the_path_field(
        noted: Actor, tmp_path: Path, where: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        followups.save_notes(noted, tmp_path / where)

    assert list(refused.value.errors) == ["path"]
    assert refused.value.errors["path"].startswith("cannot write there: ")
    assert not (tmp_path / "missing").exists()


def test_with_no_notes_due_the_file_says_so(desk: Actor, tmp_path: Path) -> None:
    path, count = followups.save_notes(desk, tmp_path / "notes.txt")

    assert count == 0
    assert "No handwritten notes are due today." in path.read_text(encoding="utf-8")


def test_due_queue_pages_meet_and_never_hold_more_than_asked(desk: Actor) -> None:
    """What the queue screen relies on: one page per screen, and the next page starts where it ended."""
    log_with_plan(desk, None, [("call", utc(2026, 11, 21, 8, minute)) for minute in range(11)])

    pages = [followups.due_queue(desk, offset=offset, limit=4) for offset in (0, 4, 8)]

    assert [len(page.items) for page in pages] == [4, 4, 3]
    assert all(page.total == 11 for page in pages)
    due = [item.due_at for page in pages for item in page.items]
    assert due == sorted(due) and len(set(due)) == 11
    assert followups.due_queue(desk, offset=11, limit=4).items == ()

"""Playbooks from a file: a good file replaces every plan; a bad one names file, entry, problem and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from _support import follow_ups_of, utc

from frontdesk.schemas.playbooks import PlaybookFileError
from frontdesk.services import playbooks

PLANS = """
[[check]]
kind = "promise_check"
channel = "email"
offset_days = 1
at_hour = 9

[[playbook]]
severity = "minor"
name = "Minor: one early call"
  [[playbook.step]]
  kind = "check_in"
  channel = "text"
  offset_days = 1
  at_hour = 2
  at_minute = 30

[[playbook]]
severity = "moderate"
name = "Moderate"
  [[playbook.step]]
  kind = "check_in"
  channel = "call"
  offset_days = 1

[[playbook]]
severity = "major"
name = "Major"
  [[playbook.step]]
  kind = "check_in"
  channel = "call"
  offset_days = 0
  at_hour = 22

[[playbook]]
severity = "critical"
name = "Critical"
  [[playbook.step]]
  kind = "wrap_up"
  channel = "in_person"
  offset_days = 3
  at_hour = 18
"""

CATEGORIES = """
[[category]]
key = "food"
label = "Kitchen"

[[category]]
key = "noise"
label = "Noise"
"""


def write(tmp_path: Path, text: str, name: str = "plans.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_replaces_the_plans(desk, clock, tmp_path, log):
    spec = playbooks.load_playbook_file(desk.store, write(tmp_path, PLANS))

    assert [plan.name for plan in spec.playbook][:1] == ["Minor: one early call"]
    lines = playbooks.describe_playbooks(desk.store)
    assert "minor/*: Minor: one early call" in lines
    assert "  +1d 02:30  check_in by text" in lines
    assert "  +1d 10:00  check_in by call" in lines, "at_hour defaults to 10:00"
    assert not any("billing" in line for line in lines), "the old billing plan is gone"

    # Sat 28 Mar 2026 19:00 CET; Sun 02:30 does not exist (clocks go forward): 03:30 CEST.
    clock.set(utc(2026, 3, 28, 18, 30))
    result = log(occurred_at="19:00", promise_text="A call back", promise_due_at="2026-03-30 12:00",
                 promise_likelihood="likely")

    rows = follow_ups_of(desk, result.incident_id)
    assert [(row.kind, row.channel, row.due_at) for row in rows] == [
        ("check_in", "text", utc(2026, 3, 29, 1, 30)),
        ("promise_check", "email", utc(2026, 3, 31, 7)),  # a day after the promise, 09:00 CEST
    ]


def test_a_file_with_categories_replaces_them(desk, tmp_path):
    before = dict(playbooks.categories(desk.store))

    playbooks.load_playbook_file(desk.store, write(tmp_path, CATEGORIES + PLANS))

    assert playbooks.categories(desk.store) == [("food", "Kitchen"), ("noise", "Noise")]
    assert "wait" in before, "keys no longer listed are kept (old incidents use them) but inactive"


def unchanged(desk):
    return playbooks.describe_playbooks(desk.store), playbooks.categories(desk.store)


BAD_FILES = {
    "not TOML": ("[[playbook]\nseverity =", "not valid TOML"),
    "hour out of range": (PLANS.replace("at_hour = 22", "at_hour = 25"), "playbook 3, step 1, at_hour: must be at most 23"),
    "unknown kind": (PLANS.replace('kind = "wrap_up"', 'kind = "thank_you"'),
                     "playbook 4, step 1, kind: choose one of: check_in or wrap_up"),
    "unknown field": (PLANS.replace("offset_days = 3", "offset_days = 3\n  offset_hours = 2"),
                      "playbook 4, step 1, offset_hours: is not a field here"),
    "no steps": (PLANS.replace('name = "Major"\n', 'name = "Major"\nstep = []\n', 1).replace(
        '  [[playbook.step]]\n  kind = "check_in"\n  channel = "call"\n  offset_days = 0\n  at_hour = 22\n', ''),
        "playbook 3, step: needs at least one entry"),
    "missing severity": (PLANS.split("[[playbook]]\nseverity = \"critical\"")[0],
                         "no plan for any category at severity critical"),
    "second plan": (PLANS + '[[playbook]]\nseverity = "minor"\nname = "Again"\n  [[playbook.step]]\n'
                            '  kind = "check_in"\n  channel = "call"\n  offset_days = 1\n',
                    "playbook 5: a second plan for minor/any category"),
    "bad category key": (CATEGORIES.replace('"noise"', '"Loud Noise"') + PLANS,
                         "category 2, key: lower-case letters, digits and _ only"),
    "unknown category": (PLANS + '[[playbook]]\nseverity = "major"\ncategory = "weather"\nname = "Rain"\n'
                                 '  [[playbook.step]]\n  kind = "check_in"\n  channel = "call"\n  offset_days = 1\n',
                         "playbook 5: category 'weather' is not known"),
    "category dropped by the same file": (
        CATEGORIES + PLANS + '[[playbook]]\nseverity = "major"\ncategory = "wait"\nname = "Waits"\n'
                             '  [[playbook.step]]\n  kind = "check_in"\n  channel = "call"\n  offset_days = 1\n',
        "playbook 5: category 'wait' is not known (known: food, noise)"),
}


def test_bad_files_name_file_entry_and_problem_and_change_nothing(desk, tmp_path):
    """Each bad file is refused whole; the categories a refused file listed are not applied either."""
    before = unchanged(desk)
    messages = {}
    for case, (text, _) in BAD_FILES.items():
        path = write(tmp_path, text, name=f"{case.replace(' ', '_')}.toml")
        with pytest.raises(PlaybookFileError) as refused:
            playbooks.load_playbook_file(desk.store, path)
        message = str(refused.value)
        assert message.startswith(f"{path}: "), message
        messages[case] = message

    assert {case: expected in messages[case] for case, (_, expected) in BAD_FILES.items()} == {
        case: True for case in BAD_FILES}, messages
    assert unchanged(desk) == before


def test_a_missing_or_unreadable_file(desk, tmp_path):
    before = unchanged(desk)
    missing = tmp_path / "nope.toml"
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00bad")

    with pytest.raises(PlaybookFileError, match=r"nope\.toml: cannot read it \(No such file or directory\)"):
        playbooks.load_playbook_file(desk.store, missing)
    with pytest.raises(PlaybookFileError, match=r"binary\.toml: not a UTF-8 text file"):
        playbooks.load_playbook_file(desk.store, binary)
    assert unchanged(desk) == before


def test_the_bundled_defaults_are_seeded(desk):
    lines = playbooks.describe_playbooks(desk.store)
    keys = [key for key, _ in playbooks.categories(desk.store)]

    assert {"wait", "food", "billing", "safety"} <= set(keys)
    for severity in ("minor", "moderate", "major", "critical"):
        assert any(line.startswith(f"{severity}/*: ") for line in lines), severity
    assert "moderate/billing: Moderate billing: confirm the money in writing" in lines
    assert "  +7d 10:00  wrap_up by note" in lines, "a thank-you note a week later"

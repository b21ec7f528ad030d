"""Bad input is refused with one clear line, never an apology, and text on screen is inert.

Issue 13, items 1 and 12: control characters are refused by every field that
reaches the screen and made visible by `literal()`; zones, currencies, PINs,
names, playbook files, numbers and dates out of range are refused before they
can reach arithmetic or the store. No store is needed except for the CLI.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from frontdesk import timing
from frontdesk.config import load_settings
from frontdesk.errors import ConfigError, InvalidInput
from frontdesk.paths import bundled
from frontdesk.schemas.inputs import CustomerInput, IncidentInput, SiteInput, StaffInput
from frontdesk.schemas.playbooks import PlaybookFileError, parse_categories, parse_playbook_file
from frontdesk.widgets.safe import joined, literal, visible
from tests.conftest import PINNED_NOW
from tests.test_cli import frontdesk, one_line_error

BERLIN = ZoneInfo("Europe/Berlin")
CONTEXT: dict[str, Any] = {"now": PINNED_NOW, "tz": BERLIN, "region": "DE", "currency": "EUR"}
SITE = {"name": "Bistro", "time_zone": "Europe/Berlin", "phone_region": "DE", "currency": "EUR"}
DEPOSITION = {"category": "food", "severity": "minor", "description": "Soup arrived cold"}


def refused(model: Any, data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as refusal:
        model.parse(data, **CONTEXT)
    return refusal.value.errors


# -- item 1: control characters ------------------------------------------------------------


def test_visible_shows_every_control_character_harmlessly() -> None:
    assert visible("Eve\x1b]52;c;SGk=\x07 x") == "Eve^[]52;c;SGk=^G x"
    assert visible("a\x00b\x7fc\x9b2J") == "a^@b^?c\ufffd2J"
    assert visible("\u202eevil\u202c \u2066x\u2069") == "\ufffdevil\ufffd \ufffdx\ufffd"
    assert visible("line one\n\tline two") == "line one\n\tline two"
    assert visible("Zoë 李小龍 \u200d\U0001f469") == "Zoë 李小龍 \u200d\U0001f469"
    assert visible("\ud800") == "\ufffd"
    assert literal("\x1b[2J").plain == "^[[2J"
    assert joined(literal("\x1b"), "\x1b]0;t\x07").plain == "^[  ^[]0;t^G"


@pytest.mark.parametrize("control", ["\x1b", "\x1b[2J", "\x07", "\x00", "\x9b", "\x85", "\n", "\u2028"])
def test_one_line_fields_refuse_control_characters(control: str) -> None:
    assert set(refused(CustomerInput, {"name": f"Eve{control}Q"})) == {"name"}
    assert set(refused(CustomerInput, {"name": "Eve", "email": f"eve{control}@example.com"})) == {"email"}
    assert set(refused(CustomerInput, {"name": "Eve", "phone": f"030{control}5550100"})) == {"phone"}
    assert set(refused(SiteInput, {**SITE, "name": f"Bistro{control}"})) == {"name"}
    assert set(refused(StaffInput, {"name": f"Tom{control}"})) == {"name"}
    assert set(refused(IncidentInput, {**DEPOSITION, "product": f"Soup{control}"})) == {"product"}


def test_multi_line_fields_keep_newline_and_tab_and_refuse_the_rest() -> None:
    kept = CustomerInput.parse({"name": "Eve", "notes": "one\n\ttwo", "postal_address": "a\r\nb"}, **CONTEXT)
    assert (kept.notes, kept.postal_address) == ("one\n\ttwo", "a\nb")
    assert set(refused(CustomerInput, {"name": "Eve", "notes": "one\x1b[2J"})) == {"notes"}
    assert set(refused(IncidentInput, {**DEPOSITION, "description": "cold\x1b]0;x\x07"})) == {"description"}


def test_playbook_words_names_and_categories_refuse_control_characters() -> None:
    text = bundled("playbooks.toml")
    for bad in (text.replace('name = "Minor: a friendly check"', 'name = "Minor\\u001b[2J"'),
                text.replace('severity = "minor"', 'severity = "minor"\ncategory = "food\\u001b"', 1),
                text.replace('words = "Thank them', 'words = "\\u001b]52;c;eA==\\u0007 Thank them', 1)):
        with pytest.raises(PlaybookFileError, match="control character|lower-case letters"):
            parse_playbook_file(bad, "playbooks.toml")
    with pytest.raises(PlaybookFileError, match="control character"):
        parse_categories('[[category]]\nkey = "food"\nlabel = "Food\\u001b[2J"\n', "categories.toml")


@pytest.mark.parametrize("name", ["bar\x1b]0;x\x07", "   ", "\u200b", "x" * 65])
def test_a_terminal_name_that_could_not_be_shown_is_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="terminal name"):
        load_settings({"terminal": name}, path=tmp_path / "none.toml")


def test_a_terminal_name_from_the_config_file_is_checked(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('terminal = "bar\\u001b[2J"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="control character"):
        load_settings(path=config)
    assert load_settings({"terminal": " bar "}, path=config).terminal == "bar"


# -- item 12: one clear line for bad input -------------------------------------------------------


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory", "Europe", "America", "right/UTC",
                                  "Europe/", "../etc", "Mars/Olympus"])
def test_only_real_iana_zones(zone: str) -> None:
    assert refused(SiteInput, {**SITE, "time_zone": zone})["time_zone"].startswith("unknown time zone")


def test_real_zones_are_taken() -> None:
    for zone in ("Europe/Berlin", "America/Argentina/Buenos_Aires", "UTC", "Asia/Kolkata"):
        assert SiteInput.parse({**SITE, "time_zone": zone}).time_zone == zone
    with pytest.raises(timing.TimeInputError):
        timing.zone("Europe")  # a folder: a refusal, not an IsADirectoryError


@pytest.mark.parametrize("currency", ["ZZZ", "XXX", "XTS", "EURO", "E", "€", "12A"])
def test_only_iso_4217_currencies(currency: str) -> None:
    assert refused(SiteInput, {**SITE, "currency": currency}) == {
        "currency": "an ISO 4217 currency code such as USD, EUR, GBP"}


def test_iso_currencies_are_taken() -> None:
    assert [SiteInput.parse({**SITE, "currency": code}).currency for code in ("eur", "JPY", "CHF", "XOF")] == [
        "EUR", "JPY", "CHF", "XOF"]


@pytest.mark.parametrize("pin", ["１２３４", "١٢٣٤", "12 34", "123", "123456789", "12a4"])
def test_pins_are_ascii_digits(pin: str) -> None:
    assert set(refused(StaffInput, {"name": "Tom", "pin": pin})) == {"pin"}
    assert StaffInput.parse({"name": "Tom", "pin": "0193"}).pin == "0193"


@pytest.mark.parametrize("name", ["\u200b", "\u200b\u200c\u2060", "\u3164", "\u2800", "\u0301", "\u00ad ", "\ufeff"])
def test_names_need_a_visible_character(name: str) -> None:
    assert "letter or digit" in refused(CustomerInput, {"name": name})["name"]
    assert "letter or digit" in refused(StaffInput, {"name": name})["name"]
    assert "letter or digit" in refused(SiteInput, {**SITE, "name": name})["name"]


def playbook_with(old: str, new: str) -> str:
    text = bundled("playbooks.toml")
    assert old in text
    return text.replace(old, new, 1)


BAD_PLAYBOOKS = {
    "bool as days": (playbook_with("offset_days = 1\n", "offset_days = true\n"), "offset_days: must be a whole number"),
    "float as days": (playbook_with("offset_days = 1\n", "offset_days = 1.0\n"), "offset_days: must be a whole number"),
    "bool as hour": (playbook_with("at_hour = 10\n", "at_hour = false\n"), "at_hour: must be a whole number"),
    "huge days": (playbook_with("offset_days = 1\n", "offset_days = 100000000000000000\n"), "at most 365"),
    "nested arrays": ("a = " + "[" * 50 + "]" * 50, "nested more than 6 levels"),
    "deeply nested arrays": ("a = " + "[" * 100_000 + "]" * 100_000, "nested more than 6 levels"),
    "nested tables": ("a = " + "{b = " * 2000 + "1" + "}" * 2000, "nested more than 6 levels"),
    "huge": ("# " + "x" * 300_000, "larger than 256 KiB"),
}


@pytest.mark.parametrize("case", sorted(BAD_PLAYBOOKS))
def test_bad_playbook_files_are_one_line(case: str) -> None:
    text, expected = BAD_PLAYBOOKS[case]
    with pytest.raises(PlaybookFileError, match=expected) as refusal:
        parse_playbook_file(text, "playbooks.toml")
    assert "\n" not in str(refusal.value)


def test_a_playbook_has_at_most_twenty_steps() -> None:
    step = '\n  [[playbook.step]]\n  kind = "check_in"\n  channel = "call"\n  offset_days = 1\n'
    text = playbook_with('name = "Minor: a friendly check"\n', 'name = "Minor: a friendly check"\n' + step * 21)
    with pytest.raises(PlaybookFileError, match=r"playbook 1, step: at most 20 entries \(this has 23\)"):
        parse_playbook_file(text, "playbooks.toml")


@pytest.mark.parametrize("cost", [10**30, 2**63, "1e999999999", "1E+20", "99999999999999999999.99",
                                  "1" * 40, "1e-999999999"])
def test_money_out_of_range_is_refused_before_any_arithmetic(cost: object) -> None:
    errors = refused(IncidentInput, {**DEPOSITION, "remedy_kind": "refund", "remedy_cost": cost})
    assert set(errors) == {"remedy_cost"}
    assert errors["remedy_cost"] in ("too large", "must be an amount like 12.50", "at most 2 decimal places")


def test_money_at_the_limit_is_taken() -> None:
    """MINOR_MAX (2^63 - 1, the 64-bit money column) is the limit; store tests save it on both backends."""
    data = {**DEPOSITION, "remedy_kind": "refund"}
    assert IncidentInput.parse({**data, "remedy_cost": 2**63 - 1}, **CONTEXT).remedy_cost == 2**63 - 1
    assert IncidentInput.parse({**data, "remedy_cost": "92233720368547758.07"}, **CONTEXT).remedy_cost == 2**63 - 1
    assert set(refused(IncidentInput, {**data, "remedy_cost": "92233720368547758.08"})) == {"remedy_cost"}


@pytest.mark.parametrize("record", [2**63, 2**63 - 1, 2**31, -1, True, 1.5, "12x", "9" * 30])
def test_ids_out_of_range_are_refused(record: object) -> None:
    assert set(refused(IncidentInput, {**DEPOSITION, "customer_id": record})) == {"customer_id"}
    assert set(refused(IncidentInput, {**DEPOSITION, "handoff_to": "kitchen", "handoff_staff_id": record})) == {
        "handoff_staff_id"}


@pytest.mark.parametrize("due", ["9999-12-31", "9999-12-31 23:59", "+99999999w", "+1000w", "31.12.9999",
                                 datetime(9999, 12, 31, tzinfo=BERLIN)])
def test_dates_that_plans_would_carry_past_year_9999_are_refused(due: object) -> None:
    data = {**DEPOSITION, "promise_text": "A free dessert", "promise_likelihood": "likely"}
    assert set(refused(IncidentInput, {**data, "promise_due_at": due})) == {"promise_due_at"}
    assert set(refused(IncidentInput, {**data, "handoff_to": "kitchen", "handoff_expected_at": due,
                                       "promise_due_at": "+3d"})) == {"handoff_expected_at"}


def test_huge_typed_numbers_in_times_are_refused() -> None:
    for text in ("+" + "9" * 5000 + "d", "9" * 5000 + "d ago", "+1 week"):
        try:
            timing.parse_due(text, datetime(9999, 12, 28, tzinfo=BERLIN), BERLIN)
        except timing.TimeInputError:
            pass


def test_the_command_line_says_each_in_one_line(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'bad.db'}"
    base = ["setup", "--db", store, "--site", "Bistro", "--region", "DE", "--staff", "Maria"]
    assert "time zone 'Europe'" in one_line_error(frontdesk(*base, "--tz", "Europe", "--currency", "EUR"))
    assert "ISO 4217" in one_line_error(frontdesk(*base, "--tz", "Europe/Berlin", "--currency", "ZZZ"))
    assert "digits" in one_line_error(frontdesk(*base, "--tz", "UTC", "--currency", "EUR", "--pin", "１２３４"))
    assert "control character" in one_line_error(frontdesk("--terminal", "bar\x1b[2J", "staff", "list",
                                                           "--db", store))
    assert frontdesk(*base, "--tz", "Europe/Berlin", "--currency", "EUR").returncode == 0
    bad = tmp_path / "playbooks.toml"
    bad.write_text(playbook_with("offset_days = 1\n", "offset_days = true\n"), encoding="utf-8")
    assert "offset_days" in one_line_error(frontdesk("playbooks", "load", str(bad), "--db", store))
    huge = tmp_path / "huge.toml"
    with huge.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: the size is checked before reading
    assert "larger than" in one_line_error(frontdesk("playbooks", "load", str(huge), "--db", store))


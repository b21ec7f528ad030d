"""Input rules: each refusal is keyed by the field and says what is wrong in plain words.

Pure schema checks get the site's context (region, currency, zone, now) as a
dict and need no store; the round trips through the store run on both backends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from _support import utc

from frontdesk.errors import InvalidInput
from frontdesk.schemas.inputs import (
    CustomerInput,
    IncidentAmend,
    IncidentInput,
    QuickLogInput,
    StaffInput,
)
from frontdesk.services import customers, incidents
from frontdesk.services.search import find_customers

BERLIN = {"region": "DE", "currency": "EUR", "tz": ZoneInfo("Europe/Berlin"), "now": utc(2026, 11, 20, 18, 30)}
INCIDENT = {"category": "food", "severity": "minor", "description": "Soup arrived cold"}
CONTROL = "has a control character (such as Esc or a line break); retype it"


def refused(model: type, data: dict[str, Any], **context: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        model.parse(data, **(context or BERLIN))
    return caught.value.errors


def customer(**fields: Any) -> CustomerInput:
    return CustomerInput.parse({"name": "Ana", **fields}, **BERLIN)


def incident(**fields: Any) -> IncidentInput:
    return IncidentInput.parse({**INCIDENT, **fields}, **BERLIN)


class TestNames:
    def test_trimmed(self):
        assert customer(name="  Ana García  ").name == "Ana García"

    @pytest.mark.parametrize("blank", ["", "   "])
    def test_empty_refused(self, blank):
        assert refused(CustomerInput, {"name": blank}) == {"name": "required"}

    def test_missing_refused(self):
        assert refused(CustomerInput, {}) == {"name": "required"}

    def test_at_most_120_characters(self):
        assert customer(name="x" * 120).name == "x" * 120
        assert refused(CustomerInput, {"name": "x" * 121}) == {"name": "at most 120 characters (this has 121)"}

    @pytest.mark.parametrize("name", ["Ana\x1b[31m", "Ana\nGarcía", "Ana\x00", "Ana\x07", "Ana\x9b2J"])
    def test_control_characters_refused(self, name):
        """An ESC (or any control character) in a name would reach every terminal that shows it."""
        assert refused(CustomerInput, {"name": name}) == {"name": CONTROL}

    def test_staff_names_follow_the_same_rule(self):
        assert refused(StaffInput, {"name": "Tom\x1b", "role": "staff"}) == {"name": CONTROL}
        assert refused(StaffInput, {"name": "Tom", "role": "boss"}) == {
            "role": "choose one of: host, staff, lead or manager"}


class TestFreeText:
    def test_newlines_and_tabs_allowed(self):
        assert customer(notes="Table 4\tby the window\r\nNo nuts").notes == "Table 4\tby the window\nNo nuts"
        assert incident(description="Soup cold\n\tand late").description == "Soup cold\n\tand late"

    def test_at_most_4000_characters(self):
        assert len(incident(description="y" * 4000).description) == 4000
        assert refused(IncidentInput, {**INCIDENT, "description": "y" * 4001}) == {
            "description": "at most 4000 characters (this has 4001)"}
        assert refused(CustomerInput, {"name": "Ana", "notes": "n" * 4001}) == {
            "notes": "at most 4000 characters (this has 4001)"}

    @pytest.mark.parametrize("text", ["Cold\x1b[2J", "Cold\x00", "Cold\x08\x08"])
    def test_other_control_characters_refused(self, text):
        assert refused(IncidentInput, {**INCIDENT, "description": text}) == {
            "description": "has a control character (such as Esc); retype it"}

    def test_required_text(self):
        assert refused(IncidentInput, {**INCIDENT, "description": " \n "}) == {"description": "required"}

    def test_one_line_labels(self):
        assert refused(IncidentInput, {**INCIDENT, "product": "p" * 121}) == {
            "product": "at most 120 characters (this has 121)"}
        assert refused(IncidentInput, {**INCIDENT, "location": "Table\n4"}) == {"location": CONTROL}

    def test_markup_looking_text_is_valid_as_typed(self):
        assert customer(name="Smith [/]").name == "Smith [/]"
        assert incident(description="[bold]x").description == "[bold]x"


class TestPhones:
    @pytest.mark.parametrize(("typed", "region", "stored"), [
        ("030 1234567", "DE", "+49301234567"),
        ("+49 (30) 123-4567", "DE", "+49301234567"),
        ("0049 30 1234567", "DE", "+49301234567"),
        ("(555) 123-4567", "US", "+15551234567"),
        ("+44 20 7946 0018", "US", "+442079460018"),
        ("020 7946 0018", "GB", "+442079460018"),
    ])
    def test_parsed_with_the_sites_region_and_stored_e164(self, typed, region, stored):
        assert CustomerInput.parse({"name": "Ana", "phone": typed}, region=region).phone == stored

    def test_blank_is_no_phone(self):
        assert customer(phone="  ").phone is None

    @pytest.mark.parametrize(("typed", "region", "message"), [
        ("abc", "DE", "not a phone number (e.g. 212 555 0123, or +44 20 7946 0018 for abroad)"),
        ("12", "US", "not a possible phone number in US"),
        ("+1 212 555 0123 4567", "DE", "not a possible phone number in US"),
        ("+44 20", "DE", "not a possible phone number in GB"),
        ("555 1234", "US", "needs the area code too (this is only a local number)"),
        ("12", "DE", "needs the area code too (this is only a local number)"),
        ("030\x1b1234567", "DE", "has a control character; retype it"),
    ])
    def test_refused(self, typed, region, message):
        assert refused(CustomerInput, {"name": "Ana", "phone": typed}, region=region) == {"phone": message}


class TestEmails:
    def test_lower_cased_and_trimmed(self):
        assert customer(email="  Ana.Garcia@Example.COM ").email == "ana.garcia@example.com"

    @pytest.mark.parametrize("typed", ["ana@", "ana example.com", "ana@example", "@example.com", "a@b@c.de",
                                       "ana@exa\x1bmple.com", "a" * 250 + "@x.de"])
    def test_shape_checked(self, typed):
        assert refused(CustomerInput, {"name": "Ana", "email": typed}) == {
            "email": "not an email address (e.g. ana@example.com)"}


class TestMoney:
    @pytest.mark.parametrize(("typed", "minor"), [("12.50", 1250), ("12,50", 1250), ("€ 7", 700), (" 0.05 ", 5),
                                                   (1250, 1250), ("", 0)])
    def test_amounts_to_minor_units(self, typed, minor):
        assert incident(remedy_kind="refund", remedy_cost=typed).remedy_cost == minor

    @pytest.mark.parametrize(("typed", "message"), [
        ("abc", "must be an amount like 12.50"),
        ("-3", "cannot be negative"),
        ("1.234", "at most 2 decimal places"),
        ("NaN", "must be an amount like 12.50"),
        (True, "must be an amount like 12.50"),
    ])
    def test_refused(self, typed, message):
        assert refused(IncidentInput, {**INCIDENT, "remedy_kind": "refund", "remedy_cost": typed}) == {
            "remedy_cost": message}

    def test_currency_without_minor_units(self):
        data = {**INCIDENT, "remedy_kind": "voucher", "remedy_cost": "1500"}
        assert IncidentInput.parse(data, **{**BERLIN, "currency": "JPY"}).remedy_cost == 1500
        assert refused(IncidentInput, {**data, "remedy_cost": "15.5"}, **{**BERLIN, "currency": "JPY"}) == {
            "remedy_cost": "at most 0 decimal places"}

    @pytest.mark.parametrize("kind", ["none", "apology", None])
    def test_cost_needs_a_remedy_that_costs(self, kind):
        data = {**INCIDENT, "remedy_cost": "5.00"} | ({"remedy_kind": kind} if kind else {})
        assert refused(IncidentInput, data) == {"remedy_kind": "say what the remedy was (refund, voucher, …)"}


class TestPromises:
    def test_promise_needs_due_and_likelihood(self):
        assert refused(IncidentInput, {**INCIDENT, "promise_text": "A call from the chef"}) == {
            "promise_due_at": "say by when it was promised",
            "promise_likelihood": "say how likely it honestly is",
        }
        assert refused(IncidentInput, {**INCIDENT, "promise_text": "A call", "promise_due_at": "tomorrow"}) == {
            "promise_likelihood": "say how likely it honestly is"}

    def test_due_and_likelihood_need_a_promise(self):
        assert refused(IncidentInput, {**INCIDENT, "promise_due_at": "tomorrow", "promise_likelihood": "likely"}) == {
            "promise_text": "say what was promised"}

    @pytest.mark.parametrize("typed", ["2026-11-19 12:00", "yesterday 18:00", "19.11.2026"])
    def test_promise_due_in_the_past(self, typed):
        data = {**INCIDENT, "promise_text": "A call", "promise_due_at": typed, "promise_likelihood": "likely"}
        assert refused(IncidentInput, data) == {"promise_due_at": "that is already past; when will it be done?"}

    def test_promise_due_as_an_instant_in_the_past(self):
        data = {**INCIDENT, "promise_text": "A call", "promise_due_at": utc(2026, 11, 20, 18), "promise_likelihood": "likely"}
        assert refused(IncidentInput, data) == {"promise_due_at": "that is already past; when will it be done?"}

    def test_promise_typed_times(self):
        data = {**INCIDENT, "promise_text": "A call", "promise_likelihood": "unlikely"}
        assert incident(**data, promise_due_at="tomorrow").promise_due_at == utc(2026, 11, 21, 16)  # 17:00
        assert incident(**data, promise_due_at="+3d").promise_due_at == utc(2026, 11, 23, 16)
        assert incident(**data, promise_due_at="fri 12:00").promise_due_at == utc(2026, 11, 27, 11)
        assert refused(IncidentInput, {**data, "promise_due_at": "soonish"}) == {
            "promise_due_at": "not a date: try tomorrow 12:00, fri, +3d or 2026-11-28 17:00"}
        assert refused(IncidentInput, {**data, "promise_likelihood": "certain", "promise_due_at": "tomorrow"}) == {
            "promise_likelihood": "choose one of: likely, uncertain or unlikely"}


class TestTimes:
    @pytest.mark.parametrize("typed", ["banana", "25:00", "32.13.2026 19:00", "yesterday at sevenish"])
    def test_unparseable_time(self, typed):
        assert refused(IncidentInput, {**INCIDENT, "occurred_at": typed}) == {
            "occurred_at": "not a time: try 19:40, 20m ago, yesterday 19:40 or 2026-11-20 19:40"}

    def test_future_occurrence(self):
        assert refused(IncidentInput, {**INCIDENT, "occurred_at": "2026-11-21 12:00"}) == {
            "occurred_at": "that is in the future; when did it happen?"}

    @pytest.mark.parametrize(("typed", "instant"), [
        ("now", utc(2026, 11, 20, 18, 30)),
        ("20m ago", utc(2026, 11, 20, 18, 10)),
        ("19:40", utc(2026, 11, 19, 18, 40)),  # still ahead today: yesterday's
        ("19:10", utc(2026, 11, 20, 18, 10)),
        ("yesterday 19:40", utc(2026, 11, 19, 18, 40)),
        ("2026-11-20 12:00", utc(2026, 11, 20, 11)),
        ("20.11.2026", utc(2026, 11, 20, 11)),  # a date alone: noon
    ])
    def test_typed_occurrences(self, typed, instant):
        assert incident(occurred_at=typed).occurred_at == instant

    def test_naive_instant_refused(self):
        assert refused(IncidentInput, {**INCIDENT, "occurred_at": datetime(2026, 11, 20, 18)}) == {
            "occurred_at": "needs a time zone"}


class TestChoicesAndShape:
    def test_several_errors_at_once(self):
        assert refused(IncidentInput, {"category": "food", "severity": "huge", "description": ""}) == {
            "severity": "choose one of: minor, moderate, major or critical",
            "description": "required",
        }

    def test_unknown_field(self):
        assert refused(CustomerInput, {"name": "Ana", "nickname": "Annie"}) == {"nickname": "is not a field here"}

    def test_quick_log_rules(self):
        assert refused(QuickLogInput, {"category": "", "severity": "minor", "description": "x"}) == {
            "category": "required"}

    def test_amend_rules(self):
        assert refused(IncidentAmend, {"description": ""}) == {"description": "required"}
        assert refused(IncidentAmend, {"promise_status": "maybe"}) == {
            "promise_status": "choose one of: pending, kept or broken"}


def test_amend_cross_field_rules_apply_to_the_whole_deposition(desk, log):
    result = log()
    version = incidents.incident_detail(desk, result.incident_id).version

    with pytest.raises(InvalidInput) as caught:
        incidents.amend_incident(desk, result.incident_id, version, incidents.parse_amend(
            desk, {"remedy_cost": "12.00"}))
    assert caught.value.errors == {"remedy_kind": "say what the remedy was (refund, voucher, …)"}
    with pytest.raises(InvalidInput) as caught:
        incidents.amend_incident(desk, result.incident_id, version, incidents.parse_amend(
            desk, {"promise_status": "kept"}))
    assert caught.value.errors == {"promise_status": "there is no promise to settle"}
    assert incidents.incident_detail(desk, result.incident_id).version == version


def test_references_are_checked_against_the_store(desk, log):
    with pytest.raises(InvalidInput) as caught:
        log(category="weather")
    assert caught.value.errors == {"category": "not one of this store's categories"}
    with pytest.raises(InvalidInput) as caught:
        log(customer_id=999)
    assert caught.value.errors == {"customer_id": "that customer is not on file"}
    with pytest.raises(InvalidInput) as caught:
        log(ally_id=999)
    assert caught.value.errors == {"ally_id": "not an active staff member"}


def test_site_region_and_currency_come_from_the_terminals_site(desk, add_site):
    boston = add_site("Bistro Boston", "America/New_York", region="US", currency="USD")

    assert customers.parse_customer(desk, {"name": "A", "phone": "030 1234567"}).phone == "+49301234567"
    assert customers.parse_customer(boston, {"name": "A", "phone": "(617) 555-0100"}).phone == "+16175550100"
    data = {**INCIDENT, "occurred_at": "13:00", "remedy_kind": "refund", "remedy_cost": "12.50"}
    assert incidents.parse_incident(boston, data).occurred_at == utc(2026, 11, 20, 18)  # 13:00 EST
    assert incidents.parse_incident(desk, data).occurred_at == utc(2026, 11, 20, 12)  # 13:00 CET


def test_markup_looking_text_round_trips_through_the_store(desk, log, new_customer):
    """Stored exactly as typed; screens show it literally, so nothing is escaped or stripped here."""
    name, notes = "Smith [/]", "[bold]x\n[link=https://example.com]y[/link] \\[escaped]"
    customer_id = new_customer(name, notes=notes, postal_address="[red]Hauptstr. 1[/red]")
    description = "[red]cold[/red] soup, [/] and [b"
    result = log(customer_id=customer_id, severity="moderate", description=description, product="[i]Soup")

    card = customers.customer_card(desk, customer_id)
    assert (card.name, card.notes, card.postal_address) == (name, notes, "[red]Hauptstr. 1[/red]")
    detail = incidents.incident_detail(desk, result.incident_id)
    assert (detail.description, detail.product, detail.customer_name) == (description, "[i]Soup", name)
    assert detail.flag is not None and detail.flag.message.startswith(description)
    assert [hit.name for hit in find_customers(desk.store, "smith")] == [name]

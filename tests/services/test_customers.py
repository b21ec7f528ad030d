"""Customers and visits: duplicates offered instead of created, check in and out, the card, in house.

(The same person twice, races and merges: tests/services/test_identity.py.)"""

from __future__ import annotations

import pytest
from _support import utc

from frontdesk.errors import Conflict
from frontdesk.schemas.inputs import FollowUpInput
from frontdesk.services import customers, flags, followups
from frontdesk.services.customers import DuplicateCustomer


def details(actor, **fields):
    return customers.parse_customer(actor, {"name": "Ana García", **fields})


def test_duplicates_by_phone_or_email_are_offered_not_created(desk, new_customer):
    ana = new_customer("Ana García", phone="030 1234567", email="ana@example.com")

    for typed in ({"phone": "+49 30 123-4567"}, {"phone": "0049301234567"}, {"email": "ANA@example.com "}):
        with pytest.raises(DuplicateCustomer) as offered:
            customers.create_customer(desk, details(desk, name="A. García", **typed))
        assert [hit.customer_id for hit in offered.value.matches] == [ana]
        assert "Ana García" in str(offered.value)

    assert [hit.customer_id for hit in customers.find_duplicates(desk, details(desk, phone="030 1234567"))] == [ana]
    assert customers.find_duplicates(desk, details(desk, phone="030 7654321")) == []
    twin = customers.create_customer(desk, details(desk, name="Ben García", phone="030 1234567"), allow_duplicate=True)
    assert twin != ana


def test_edit_refuses_another_customers_phone_and_a_stale_version(desk, new_customer):
    ana = new_customer("Ana García", phone="030 1234567")
    ben = new_customer("Ben Ode", phone="030 7654321")
    version = customers.customer_card(desk, ben).version

    with pytest.raises(DuplicateCustomer):
        customers.edit_customer(desk, ben, version, details(desk, name="Ben Ode", phone="030 1234567"))

    new_version = customers.edit_customer(desk, ben, version, details(
        desk, name="Ben Ode", phone="030 7654321", consent_text=True, postal_address="Hauptstr. 1\n10115 Berlin"))
    card = customers.customer_card(desk, ben)
    assert (card.version, card.consent_text, card.postal_address) == (new_version, True, "Hauptstr. 1\n10115 Berlin")
    assert new_version == version + 1
    with pytest.raises(Conflict, match=r"changed by Maria at 19:30 \(stand\) meanwhile"):
        customers.edit_customer(desk, ben, version, details(desk, name="Benjamin Ode"))
    assert customers.customer_card(desk, ben).name == "Ben Ode"
    assert customers.customer_card(desk, ana).phone == "+49301234567"


def test_check_in_and_out(desk, clock, new_customer):
    ana = new_customer()
    visit_id = customers.check_in(desk, ana)

    with pytest.raises(Conflict, match="already checked in at 19:30"):
        customers.check_in(desk, ana)
    assert customers.customer_card(desk, ana).in_house_visit_id == visit_id

    clock.set(utc(2026, 11, 20, 20, 45))
    customers.check_out(desk, visit_id, "left")

    card = customers.customer_card(desk, ana)
    assert card.in_house_visit_id is None
    assert [(v.id, v.checked_out_at, v.departure) for v in card.visits] == [
        (visit_id, utc(2026, 11, 20, 20, 45), "left")]
    with pytest.raises(Conflict, match="already left at 21:45 by Maria"):
        customers.check_out(desk, visit_id)


def test_customer_card(desk, clock, staff, as_staff, add_site, new_customer, log):
    """Ten months of history: tenure, visits, incidents per visit, remedies, flags, promises, timeline."""
    clock.set(utc(2026, 1, 10, 12))
    ana = new_customer("Ana García", phone="030 1234567")

    clock.set(utc(2026, 6, 1, 17))  # 19:00 CEST
    june = customers.check_in(desk, ana)
    soup = log(customer_id=ana, occurred_at="19:00", remedy_kind="comped", remedy_cost="12.50")
    clock.set(utc(2026, 6, 1, 19))
    customers.check_out(desk, june)

    clock.set(utc(2026, 11, 13, 18))  # Fri 13 Nov 19:00 CET
    november = customers.check_in(desk, ana)
    wait = log(customer_id=ana, severity="moderate", category="wait", occurred_at="19:00",
               remedy_kind="refund", remedy_cost="20.00")
    clock.set(utc(2026, 11, 13, 18, 5))
    hair = log(customer_id=ana, severity="major", occurred_at="19:00", remedy_kind="voucher", remedy_cost="30",
               promise_text="A table by the window", promise_due_at="2026-11-27 18:00", promise_likelihood="likely")
    clock.set(utc(2026, 11, 13, 21))
    customers.check_out(desk, november, "out")

    boston = add_site("Bistro Boston", "America/New_York", currency="USD")
    clock.set(utc(2026, 11, 16, 23))  # Mon 18:00 in Boston
    abroad = customers.check_in(boston, ana)
    clock.set(utc(2026, 11, 16, 23, 45))
    log(actor=boston, customer_id=ana, occurred_at="18:30", remedy_kind="discount", remedy_cost="5")
    customers.check_out(boston, abroad)

    clock.set(utc(2026, 11, 20, 18, 30))
    tonight = customers.check_in(desk, ana)
    flags.acknowledge_flag(as_staff("Hana"), hair.flag_id)
    flags.acknowledge_flag(desk, hair.flag_id)

    card = customers.customer_card(desk, ana)

    assert card.customer_since == utc(2026, 1, 10, 12)
    assert (card.visit_count, card.incident_count) == (4, 4)
    assert card.incidents_per_visit == 1.0
    assert card.last_visit_at == utc(2026, 11, 20, 18, 30)
    assert card.in_house_visit_id == tonight
    assert {visit.id: visit.incidents for visit in card.visits} == {june: 1, november: 2, abroad: 1, tonight: 0}
    assert card.remedy_totals == {"EUR": 1250 + 2000 + 3000, "USD": 500}
    assert [flag.incident_id for flag in card.active_flags] == [hair.incident_id, wait.incident_id], "newest first"
    assert [(ack.staff_name, ack.terminal) for ack in card.active_flags[0].acknowledgements] == [
        ("Hana", "stand"), ("Maria", "stand")]
    assert card.active_flags[1].acknowledgements == ()
    assert [(p.incident_id, p.text, p.status, p.due_at) for p in card.open_promises] == [
        (hair.incident_id, "A table by the window", "pending", utc(2026, 11, 27, 17))]
    assert {i.id: (i.remedy_kind, i.remedy_cost, i.currency) for i in card.incidents}[soup.incident_id] == (
        "comped", 1250, "EUR")
    assert [i.occurred_at for i in card.incidents] == sorted((i.occurred_at for i in card.incidents), reverse=True)
    assert {i.episode_status for i in card.incidents} == {"open"}

    times = [entry.at for entry in card.timeline]
    assert times == sorted(times, reverse=True), "the timeline reads newest first"
    kinds = {(entry.kind, entry.record_id) for entry in card.timeline}
    assert {("visit", june), ("visit", november), ("visit", abroad), ("visit", tonight)} <= kinds
    assert {("incident", soup.incident_id), ("incident", hair.incident_id)} <= kinds
    assert len([entry for entry in card.timeline if entry.kind == "follow_up"]) == len(card.follow_ups)
    soup_line = next(e for e in card.timeline if (e.kind, e.record_id) == ("incident", soup.incident_id))
    assert soup_line.story is not None and "Soup arrived cold" not in soup_line.detail  # the story: F6
    assert "Soup arrived cold" in soup_line.story and "comped 12.50 EUR" in soup_line.story
    visit_back = followups.add_follow_up(desk, soup.incident_id, FollowUpInput.parse(
        {"kind": "check_in", "channel": "in_person", "due_at": "2026-11-21 19:00"}, now=desk.now()))
    titles = {e.record_id: e.title for e in customers.customer_card(desk, ana).timeline if e.kind == "follow_up"}
    assert titles[visit_back] == "Follow-up · check-in in person", "a channel reads as words: not 'by in person'"
    assert "Follow-up · check-in by call" in titles.values()

    elsewhere = customers.customer_card(boston, ana)
    assert [flag.id for flag in elsewhere.active_flags] == [flag.id for flag in card.active_flags], \
        "flags show at every site of the store"
    assert elsewhere.in_house_visit_id is None, "in house here, not there"


def test_in_house_lists_flagged_guests_and_todays_incidents_only(desk, clock, new_customer, log):
    flagged, today, plain, gone, yesterday = (
        new_customer(name) for name in ("Flora Flag", "Tina Today", "Paul Plain", "Gina Gone", "Yuri Yesterday"))
    log(customer_id=flagged, severity="moderate", occurred_at="2026-11-01 20:00")
    log(customer_id=yesterday, occurred_at="yesterday 21:00")
    log(customer_id=gone, severity="moderate", occurred_at="2026-11-01 20:00")
    clock.set(utc(2026, 11, 20, 17))
    visits = {customer_id: customers.check_in(desk, customer_id)
              for customer_id in (flagged, today, plain, gone, yesterday)}
    customers.check_out(desk, visits[gone])
    clock.set(utc(2026, 11, 20, 18, 30))
    log(customer_id=today, occurred_at="19:15", description="Wrong wine")

    guests = customers.in_house(desk)

    assert [(g.name, g.visit_id) for g in guests] == [("Flora Flag", visits[flagged]), ("Tina Today", visits[today])]
    assert (guests[0].flag_level, guests[0].incident_today) == ("care", None)
    assert (guests[1].flag_level, guests[1].incident_today) == (None, "Food and drink")


def test_in_house_is_per_site(desk, add_site, new_customer, log):
    boston = add_site("Bistro Boston", "America/New_York")
    ana = new_customer()
    log(customer_id=ana, severity="moderate")
    customers.check_in(boston, ana)

    assert customers.in_house(desk) == []
    assert [g.customer_id for g in customers.in_house(boston)] == [ana]


def test_incidents_link_to_the_visit_they_happened_in(desk, clock, new_customer, log):
    ana = new_customer()
    clock.set(utc(2026, 11, 20, 17))
    visit_id = customers.check_in(desk, ana)
    clock.set(utc(2026, 11, 20, 18, 30))

    during = log(customer_id=ana, occurred_at="19:00")
    before = log(customer_id=ana, occurred_at="17:30")

    card = customers.customer_card(desk, ana)
    assert {v.id: v.incidents for v in card.visits} == {visit_id: 1}
    assert {i.id for i in card.incidents} == {during.incident_id, before.incident_id}


def test_in_house_today_is_the_sites_local_day(desk, clock, new_customer, log):
    """Just after midnight in Berlin (still yesterday in UTC): 00:15 is today, 23:50 was yesterday."""
    late, early = new_customer("Lars Late"), new_customer("Erin Early")
    clock.set(utc(2026, 11, 20, 21))
    customers.check_in(desk, late)
    customers.check_in(desk, early)
    clock.set(utc(2026, 11, 20, 23, 30))  # Sat 21 Nov 00:30 in Berlin
    log(customer_id=late, occurred_at="yesterday 23:50")
    log(customer_id=early, occurred_at="00:15")

    assert [guest.name for guest in customers.in_house(desk)] == ["Erin Early"]

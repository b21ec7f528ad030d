"""Flags (acknowledged every time, cleared by a lead) and the site's alerts."""

from __future__ import annotations

import pytest
from _support import utc

from frontdesk.errors import Conflict, NotAllowed
from frontdesk.schemas.inputs import FlagInput
from frontdesk.services import alerts, flags
from frontdesk.services.context import Actor
from frontdesk.services.customers import customer_card


@pytest.fixture
def flagged(desk, log, new_customer):
    customer_id = new_customer("Ana García")
    result = log(customer_id=customer_id, severity="moderate", occurred_at="19:00")
    assert result.flag_id is not None
    return customer_id, result


def test_every_acknowledgement_is_recorded_and_the_flag_stays(desk, clock, as_staff, flagged):
    customer_id, result = flagged
    flags.acknowledge_flag(as_staff("Hana"), result.flag_id)
    clock.set(utc(2026, 11, 20, 19, 0))
    bar = Actor(desk.store, clock, desk.site_id, "bar", desk.staff_id).as_staff(as_staff("Tom").staff_id)
    flags.acknowledge_flag(bar, result.flag_id)
    flags.acknowledge_flag(as_staff("Hana"), result.flag_id)

    (flag,) = customer_card(desk, customer_id).active_flags
    assert flag.active
    assert [(ack.staff_name, ack.terminal, ack.at, ack.site_name) for ack in flag.acknowledgements] == [
        ("Hana", "stand", utc(2026, 11, 20, 18, 30), "Bistro Berlin"),
        ("Tom", "bar", utc(2026, 11, 20, 19, 0), "Bistro Berlin"),
        ("Hana", "stand", utc(2026, 11, 20, 19, 0), "Bistro Berlin"),
    ]


@pytest.mark.parametrize("who", ["Hana", "Tom"])
def test_host_and_staff_may_not_clear(as_staff, desk, flagged, who):
    customer_id, result = flagged

    with pytest.raises(NotAllowed, match="needs a lead or manager"):
        flags.clear_flag(as_staff(who), result.flag_id)

    assert [flag.id for flag in customer_card(desk, customer_id).active_flags] == [result.flag_id]


def test_a_lead_clears_and_a_second_clear_says_by_whom(desk, as_staff, flagged):
    customer_id, result = flagged

    flags.clear_flag(as_staff("Lena"), result.flag_id)

    assert customer_card(desk, customer_id).active_flags == ()
    with pytest.raises(Conflict) as refused:
        flags.clear_flag(desk, result.flag_id)
    assert str(refused.value) == "already cleared by Lena at Fri 20 Nov 19:30"


def test_a_flag_raised_by_hand(desk, new_customer):
    customer_id = new_customer("Ana García")

    flag_id = flags.raise_flag(desk, customer_id, FlagInput.parse(
        {"headline": "Allergy: nuts", "message": "Severe nut allergy", "greeting": "Remind the kitchen"}),
        level="priority")

    (flag,) = customer_card(desk, customer_id).active_flags
    assert (flag.id, flag.level, flag.headline, flag.incident_id, flag.created_by) == (
        flag_id, "priority", "Allergy: nuts", None, "Maria")


def test_alerts_reach_the_other_terminals_until_acknowledged(desk, clock, as_staff, flagged):
    _, result = flagged
    bar = Actor(desk.store, clock, desk.site_id, "bar", as_staff("Tom").staff_id)

    assert alerts.active_alerts(desk) == [], "the logging terminal does not alert itself"
    (alert,) = alerts.active_alerts(bar)
    assert (alert.id, alert.incident_id, alert.severity, alert.customer_name) == (
        result.alert_id, result.incident_id, "moderate", "Ana García")
    assert "Ana" not in alert.headline

    alerts.acknowledge_alert(bar, alert.id)

    assert alerts.active_alerts(bar) == []
    with pytest.raises(Conflict, match="already acknowledged by Tom at 19:30"):
        alerts.acknowledge_alert(desk, alert.id)

"""Services the host stand added: acknowledging every flag on a card at once (both backends)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from frontdesk.errors import NotFound
from frontdesk.schemas.inputs import FlagInput
from frontdesk.services import customers, flags
from frontdesk.services.context import Actor
from frontdesk.store.models import FlagAcknowledgement


def _customer_with_two_flags(desk: Actor) -> tuple[int, list[int]]:
    customer_id = customers.create_customer(desk, customers.parse_customer(desk, {"name": "Ana García"}))
    flag_ids = [
        flags.raise_flag(desk, customer_id, FlagInput.parse({"headline": headline, "message": "story"}), level)
        for headline, level in (("Wait follow-up", "care"), ("Allergy care", "priority"))
    ]
    return customer_id, flag_ids


def _acknowledgements(desk: Actor) -> int:
    with desk.store.read() as session:
        return session.scalar(select(func.count()).select_from(FlagAcknowledgement)) or 0


def test_acknowledging_a_card_records_each_flag_once_and_the_flags_stay(desk: Actor) -> None:
    customer_id, flag_ids = _customer_with_two_flags(desk)
    flags.acknowledge_flags(desk, flag_ids)
    card = customers.customer_card(desk, customer_id)
    assert {flag.id for flag in card.active_flags} == set(flag_ids)
    for flag in card.active_flags:
        (ack,) = flag.acknowledgements
        assert (ack.staff_name, ack.terminal, ack.at) == ("Maria", "stand", desk.now())


def test_acknowledging_is_all_or_nothing(desk: Actor) -> None:
    _, flag_ids = _customer_with_two_flags(desk)
    with pytest.raises(NotFound):
        flags.acknowledge_flags(desk, [*flag_ids, 999_999])
    assert _acknowledgements(desk) == 0


def test_one_flag_is_acknowledged_as_before(desk: Actor) -> None:
    _, flag_ids = _customer_with_two_flags(desk)
    flags.acknowledge_flag(desk, flag_ids[0])
    flags.acknowledge_flag(desk, flag_ids[0])
    assert _acknowledgements(desk) == 2

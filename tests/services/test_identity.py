"""One customer per identity, without fusing different people (issue 13, item 4), on SQLite and PostgreSQL.

The same phone or email and the same name (case, accents, spacing folded) is
one customer, also when two terminals add them at the same instant; the same
phone or email under another name is a warning that may be overridden; the
upgrade that brings identities reports the twins already on file; and
`merge_customers` moves a twin's whole history to the customer kept.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select, text

from frontdesk.errors import NotAllowed, NotFound
from frontdesk.schemas.inputs import FlagInput
from frontdesk.services import customers, flags, search
from frontdesk.services.context import Actor
from frontdesk.services.customers import DuplicateCustomer, SameCustomer
from frontdesk.store.models import AuditEvent, Customer, CustomerIdentity, FollowUp, Visit


def details(actor: Actor, name: str = "Ana García", **fields: Any) -> Any:
    return customers.parse_customer(actor, {"name": name, **fields})


def customer_count(desk: Actor) -> int:
    with desk.store.read() as session:
        return session.scalar(select(func.count()).select_from(Customer)) or 0


def test_the_same_person_is_never_added_twice(desk: Actor, new_customer: Callable[..., int]) -> None:
    ana = new_customer("Ana García", phone="030 1234567", email="ana@example.com")
    for name, contact in (("ana  GARCIA", {"phone": "+49 30 1234567"}), ("Ána García ", {"email": "ANA@example.com"}),
                          ("ANA GARCÍA", {"phone": "0049301234567", "email": "other@example.com"})):
        for anyway in (False, True):
            with pytest.raises(SameCustomer) as told:
                customers.create_customer(desk, details(desk, name, **contact), allow_duplicate=anyway)
            assert [hit.customer_id for hit in told.value.matches] == [ana]
            assert str(told.value) == "Ana García is on file already with this phone or email; open them instead"
    assert customer_count(desk) == 1


def test_another_name_with_the_same_phone_is_a_warning_that_may_be_overridden(
        desk: Actor, new_customer: Callable[..., int]) -> None:
    ana = new_customer("Ana García", phone="030 1234567")
    with pytest.raises(DuplicateCustomer) as warned:
        customers.create_customer(desk, details(desk, "Ben García", phone="030 1234567"))
    assert not isinstance(warned.value, SameCustomer) and not warned.value.same_person
    assert [hit.customer_id for hit in warned.value.matches] == [ana]
    ben = customers.create_customer(desk, details(desk, "Ben García", phone="030 1234567"), allow_duplicate=True)
    assert ben != ana
    with pytest.raises(SameCustomer) as told:  # Ben is on file now: a second Ben with that phone is Ben
        customers.create_customer(desk, details(desk, "ben garcia", phone="030 1234567"), allow_duplicate=True)
    assert [hit.customer_id for hit in told.value.matches] == [ben]
    assert customers.create_customer(desk, details(desk, "Ana García")) not in (ana, ben)  # no phone: no identity


def test_an_edit_cannot_make_a_customer_someone_else_on_file(desk: Actor, new_customer: Callable[..., int]) -> None:
    ana = new_customer("Ana García", phone="030 1234567")
    other = new_customer("Ana G.", phone="030 7654321")
    version = customers.customer_card(desk, other).version
    with pytest.raises(SameCustomer):
        customers.edit_customer(desk, other, version, details(desk, "Ana Garcia", phone="030 1234567"),
                                allow_duplicate=True)
    with pytest.raises(DuplicateCustomer):
        customers.edit_customer(desk, other, version, details(desk, "Ana G.", phone="030 1234567"))
    version = customers.edit_customer(desk, other, version, details(desk, "Ana G.", phone="030 1234567"),
                                      allow_duplicate=True)
    customers.edit_customer(desk, other, version, details(desk, "Ana Gomez", phone="030 1234567"))  # a rename only
    assert customers.customer_card(desk, ana).name == "Ana García"
    with desk.store.read() as session:
        assert session.scalar(select(func.count()).select_from(CustomerIdentity)) == 2


def _lock_waiters(desk: Actor) -> int:
    with desk.store.read() as session:
        return session.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")) or 0


def test_two_terminals_adding_the_same_person_at_once_make_one_customer(
        desk: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first terminal is held inside its transaction, after its insert; the second adds the same person
    meanwhile (on PostgreSQL it gets past the duplicate check and waits on the unique key), then the first
    commits: the second is told who is on file, and the store holds one customer."""
    inside, release = threading.Event(), threading.Event()
    claim = customers._claim_identity

    def held(session: Any, customer: Any) -> None:
        claim(session, customer)
        if threading.current_thread().name == "first":
            inside.set()
            assert release.wait(60)

    monkeypatch.setattr(customers, "_claim_identity", held)
    outcome: dict[str, Any] = {}

    def terminal(name: str, typed: str) -> None:
        try:
            outcome[name] = customers.create_customer(desk, details(desk, typed, phone="030 1234567"))
        except Exception as exc:  # noqa: BLE001 - the test looks at what each terminal was told
            outcome[name] = exc

    first = threading.Thread(target=terminal, args=("first", "Ana García"), name="first")
    first.start()
    assert inside.wait(60)
    second = threading.Thread(target=terminal, args=("second", "ana garcia"), name="second")
    second.start()
    if not desk.store.is_sqlite:  # the second is really inside its own transaction, waiting on the key
        deadline = threading.Event()
        for _ in range(600):
            if _lock_waiters(desk):
                break
            deadline.wait(0.05)
        assert _lock_waiters(desk), "the second terminal never waited on the first"
    release.set()
    first.join(60)
    second.join(60)
    assert isinstance(outcome["first"], int), outcome
    assert isinstance(outcome["second"], SameCustomer), outcome
    assert [hit.customer_id for hit in outcome["second"].matches] == [outcome["first"]]
    assert customer_count(desk) == 1


def test_merge_moves_all_history_to_the_customer_kept(desk: Actor, new_customer: Callable[..., int],
                                                      log: Callable[..., Any]) -> None:
    keep = new_customer("Ana García", phone="030 1234567")
    other = new_customer("Ana Garcia-Lopez", email="ana@example.com", notes="Likes the window")
    customers.check_in(desk, other)
    result = log(customer_id=other, severity="major")
    flags.raise_flag(desk, other, FlagInput.parse({"headline": "Regular", "message": "Corner table"}))

    merged = customers.merge_customers(desk, keep, other)
    assert merged.moved == {"visits": 1, "incidents": 1, "flags": 2, "follow_ups": len(
        customers.customer_card(desk, keep).follow_ups)} and merged.moved["follow_ups"] > 0
    card = customers.customer_card(desk, keep)
    assert (card.name, card.phone, card.email, card.notes) == ("Ana García", "+49301234567", "ana@example.com",
                                                                "Likes the window")
    assert [incident.id for incident in card.incidents] == [result.incident_id]
    assert len(card.active_flags) == 2 and card.in_house_visit_id is not None
    with pytest.raises(NotFound):
        customers.customer_card(desk, other)
    with desk.store.read() as session:
        assert session.scalar(select(func.count()).where(FollowUp.customer_id == other)) == 0
        assert session.scalar(select(func.count()).where(Visit.customer_id == keep)) == 1
        events = sorted(session.execute(select(AuditEvent.record_id, AuditEvent.action, AuditEvent.fields)
                                        .where(AuditEvent.action == "merge")).all())
    assert events == sorted([(keep, "merge", f"email,from:{other},notes"), (other, "merge", f"into:{keep}")])
    assert [hit.customer_id for hit in search.find_customers(desk.store, "ana@example")] == [keep]
    with pytest.raises(SameCustomer):  # the twin's email, with the kept name, is the kept customer now
        customers.create_customer(desk, details(desk, "Ana García", email="ana@example.com"))


def test_merge_refuses_what_it_cannot_do(desk: Actor, new_customer: Callable[..., int],
                                         as_staff: Callable[[str], Actor]) -> None:
    ana = new_customer("Ana García", phone="030 1234567")
    ben = new_customer("Ben Ode", phone="030 7654321")
    with pytest.raises(NotAllowed, match="themselves"):
        customers.merge_customers(desk, ana, ana)
    with pytest.raises(NotFound):
        customers.merge_customers(desk, ana, 999999)
    with pytest.raises(NotAllowed, match="manager"):
        customers.merge_customers(as_staff("Lena"), ana, ben)
    assert customer_count(desk) == 2


def test_duplicate_groups_list_twins_first(desk: Actor, new_customer: Callable[..., int]) -> None:
    ana = new_customer("Ana García", phone="030 1234567")
    ben = customers.create_customer(desk, details(desk, "Ben García", phone="030 1234567"), allow_duplicate=True)
    with desk.store.begin() as session:  # twins from before identities were kept: no keys of their own
        twin = Customer(name="ANA garcia", phone="+49301234567", customer_since=desk.now(), created_at=desk.now())
        carla = Customer(name="Carla", email="carla@example.com", customer_since=desk.now(), created_at=desk.now())
        session.add_all([twin, carla])
        session.flush()
        twin_id, carla_id = twin.id, carla.id
    (group,) = customers.duplicate_groups(desk)
    assert (group.contact, group.same_person) == ("phone", True)
    assert [hit.customer_id for hit in group.customers] == [ana, ben, twin_id]
    with pytest.raises(SameCustomer) as told:  # no key on file for Carla: found by comparing her directly
        customers.create_customer(desk, details(desk, "carla", email="Carla@example.com"), allow_duplicate=True)
    assert [hit.customer_id for hit in told.value.matches] == [carla_id]


def test_the_upgrade_reports_twins_on_file_and_does_not_fail(store_url: str, caplog: pytest.LogCaptureFixture,
                                                             request: pytest.FixtureRequest) -> None:
    """A store at 0002 holding the same person twice upgrades; the earlier keeps the identity, the log says so."""
    from alembic import command
    from sqlalchemy import insert

    from frontdesk.store.db import Store
    from frontdesk.store.migrate import alembic_config, open_store
    from tests.conftest import PINNED_NOW, drop_pg_schema, new_pg_schema

    if store_url.startswith("sqlite"):
        url = store_url.replace("store.db", "old.db")
    else:
        schema, url = new_pg_schema()
        request.addfinalizer(lambda: drop_pg_schema(schema))
    old = Store(url)
    with old.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0002")
        connection.execute(insert(Customer.__table__), [
            {"name": name, "phone": phone, "email": None, "customer_since": PINNED_NOW,
             "created_at": PINNED_NOW, "consent_call": False, "consent_text": False,
             "consent_email": False, "consent_post": False, "version": 1}
            for name, phone in (("Ana García", "+49301234567"), ("ana garcia", "+49301234567"),
                                ("Ben García", "+49301234567"), ("Ana García", None))])
    old.dispose()
    with caplog.at_level(logging.WARNING, logger="frontdesk.migrations"):
        store = open_store(url, upgrade=True)  # what `frontdesk db upgrade` does (SQLite also on open)
    try:
        with store.read() as session:
            keys = session.execute(select(CustomerIdentity.customer_id)).scalars().all()
        assert sorted(keys) == [1, 3]
        assert "1 customers are on file twice" in caplog.text and "(1 and 2)" in caplog.text
    finally:
        store.dispose()

"""Signing in with a PIN: hashing, the PIN rules, wrong PINs, lockouts (start, double, cap, expire, lift)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from frontdesk.errors import InvalidInput, NotAllowed
from frontdesk.schemas.inputs import StaffInput
from frontdesk.services import pins, settings, setup
from frontdesk.services.context import Actor
from frontdesk.store.models import AuditEvent, Staff

PINS = {"Maria": "2468", "Lena": "1357", "Tom": "2580", "Hana": "3690"}


@pytest.fixture
def terminal(desk: Actor) -> Actor:
    """The stand with no one signed in: whom sign_in is asked for."""
    return desk.as_staff(None)


def audit_rows(desk: Actor) -> list[tuple[str, int | None, str, int]]:
    with desk.store.read() as session:
        return [(row.action, row.staff_id, row.record_type, row.record_id)
                for row in session.scalars(select(AuditEvent).where(AuditEvent.record_type == "staff",
                                                                    AuditEvent.action != "create")
                                           .order_by(AuditEvent.id))]


def stored_hash(desk: Actor, staff_id: int) -> str | None:
    with desk.store.read() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        return staff.pin_hash


def test_hash_carries_its_parameters_and_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pins, "CURRENT", pins.Scrypt(n=2**15, r=8, p=3))
    hashed = pins.hash_pin("2580")
    scheme, n, r, p, salt, digest = hashed.split("$")
    assert (scheme, n, r, p, len(salt), len(digest)) == ("scrypt", "32768", "8", "3", 32, 128)
    assert pins.pin_matches("2580", hashed) and not pins.pin_matches("2581", hashed)
    assert not pins.needs_rehash(hashed)
    assert pins.hash_pin("2580") != hashed  # salted


@pytest.mark.parametrize(("pin", "says"), [
    ("1234", "run of digits"), ("4321", "run of digits"), ("7890", "run of digits"), ("5555", "one digit repeated"),
    ("123", "4 to 12 digits"), ("1357913579135", "4 to 12 digits"), ("١٣٥٧", "digits 0–9 only"),
    ("13 57", "digits 0–9 only"), ("", "4 to 12 digits"),
])
def test_pin_rules_refuse_with_a_reason(desk: Actor, staff: dict[str, int], pin: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        pins.set_pin(desk, staff["Tom"], pin)
    with pytest.raises(InvalidInput, match=says):
        StaffInput.parse({"name": "Pia", "pin": pin or "x"}) if pin else pins.checked_pin(pin)


def test_sign_in_and_a_wrong_pin(desk: Actor, terminal: Actor, staff: dict[str, int]) -> None:
    assert pins.sign_in(terminal, staff["Tom"], "2580").name == "Tom"
    with pytest.raises(NotAllowed, match=r"not right \(4 more before a lockout\)"):
        pins.sign_in(terminal, staff["Tom"], "2589")
    assert audit_rows(desk) == [("sign_in", staff["Tom"], "staff", staff["Tom"]),
                                ("sign_in_refused", None, "staff", staff["Tom"])]


def test_an_old_hash_verifies_and_is_rehashed(desk: Actor, terminal: Actor, staff: dict[str, int]) -> None:
    salt = secrets.token_bytes(16)
    old = f"scrypt${salt.hex()}${hashlib.scrypt(b'4826', salt=salt, n=2**14, r=8, p=1).hex()}"
    with desk.store.begin() as session:
        row = session.get(Staff, staff["Lena"])
        assert row is not None
        row.pin_hash = old
    assert pins.needs_rehash(old)

    pins.sign_in(terminal, staff["Lena"], "4826")

    new = stored_hash(desk, staff["Lena"])
    assert new is not None and new != old and new.count("$") == 5 and not pins.needs_rehash(new)
    assert pins.pin_matches("4826", new)
    pins.sign_in(terminal, staff["Lena"], "4826")  # and still opens


def fail(terminal: Actor, staff_id: int, times: int) -> NotAllowed:
    error = NotAllowed("")
    for _ in range(times):
        with pytest.raises(NotAllowed) as caught:
            pins.sign_in(terminal, staff_id, "9999")
        error = caught.value
    return error


def test_lockout_starts_doubles_caps_and_expires(desk: Actor, terminal: Actor, staff: dict[str, int],
                                                  clock: object) -> None:
    tom = staff["Tom"]
    assert "locked out until 19:35" in str(fail(terminal, tom, 5))  # 18:30 UTC is 19:30 in Berlin
    with pytest.raises(pins.LockedOut, match="locked out after 5 wrong PINs, until 19:35"):
        pins.sign_in(terminal, tom, PINS["Tom"])  # the right PIN is refused too
    lasted = []
    for _ in range(6):
        until = pins.lockout_of(terminal, tom)
        assert until is not None
        lasted.append(until - desk.now())
        clock.advance(until - desk.now())  # type: ignore[attr-defined]
        assert pins.lockout_of(terminal, tom) is None  # expired on the pinned clock
        fail(terminal, tom, 5)
    assert [int(span.total_seconds() // 60) for span in lasted] == [5, 10, 20, 40, 60, 60]
    actions = [action for action, *_ in audit_rows(desk)]
    assert actions.count("locked_out") == 7 and actions.count("sign_in_refused") == 35


def test_leads_see_lockouts_and_a_manager_lifts_one(desk: Actor, terminal: Actor, staff: dict[str, int]) -> None:
    fail(terminal, staff["Tom"], 5)
    assert [lockout.name for lockout in pins.locked_out(desk.as_staff(staff["Lena"]))] == ["Tom"]
    with pytest.raises(NotAllowed, match="needs a manager; Lena is a lead"):
        pins.lift_lockout(desk.as_staff(staff["Lena"]), staff["Tom"])

    pins.lift_lockout(desk, staff["Tom"])

    assert pins.sign_in(terminal, staff["Tom"], PINS["Tom"]).name == "Tom"
    assert ("lockout_lifted", desk.staff_id, "staff", staff["Tom"]) in audit_rows(desk)


def test_without_a_pin(desk: Actor, terminal: Actor, staff: dict[str, int]) -> None:
    for name, role in (("Mo", "manager"), ("Pia", "staff")):
        setup.add_staff(desk.store, desk.clock, StaffInput.parse({"name": name, "role": role}), "stand")
    ids = {info.name: info.id for info in setup.list_staff(desk.store)}
    with pytest.raises(pins.PinNeeded, match="a manager sets one"):
        pins.sign_in(terminal, ids["Pia"], "")
    with pytest.raises(pins.PinNeeded, match="choose one now") as asked:
        pins.sign_in(terminal, ids["Mo"], "")
    assert asked.value.may_choose
    with pytest.raises(InvalidInput, match="run of digits"):
        pins.sign_in(terminal, ids["Mo"], "", new_pin="1234")
    assert pins.sign_in(terminal, ids["Mo"], "", new_pin="8024").name == "Mo"
    assert pins.sign_in(terminal, ids["Mo"], "8024").name == "Mo"  # now it is their PIN

    settings.set_setting(desk, "require_pin", "false")
    assert pins.sign_in(terminal, ids["Pia"], "").name == "Pia"  # the name alone, as the store allows
    with pytest.raises(NotAllowed, match="not right"):
        pins.sign_in(terminal, staff["Tom"], "")  # a PIN, once set, is still asked


def test_leaving_a_kiosk_takes_a_managers_pin(desk: Actor, terminal: Actor, staff: dict[str, int]) -> None:
    """A host's own PIN is refused before it is checked (nothing written); a manager's wrong PIN counts towards
    their lockout as at sign-in; the right one is audited `quit`, as the manager."""
    with pytest.raises(NotAllowed, match="needs a manager; Hana is a host"):
        pins.leave_kiosk(terminal, staff["Hana"], PINS["Hana"])
    assert audit_rows(desk) == []
    with pytest.raises(NotAllowed, match=r"not right \(4 more before a lockout\)"):
        pins.leave_kiosk(terminal, staff["Maria"], PINS["Hana"])
    assert pins.leave_kiosk(terminal, staff["Maria"], PINS["Maria"]).name == "Maria"
    assert audit_rows(desk) == [("sign_in_refused", None, "staff", staff["Maria"]),
                                ("quit", staff["Maria"], "staff", staff["Maria"])]


def test_a_served_terminal_asks_a_pin_even_when_the_store_does_not(desk: Actor, terminal: Actor,
                                                                    staff: dict[str, int]) -> None:
    """Served to a browser (`pin_always`), a person without a PIN cannot sign in by name alone, and the
    idle lock cannot be switched off, whatever require_pin says."""
    setup.add_staff(desk.store, desk.clock, StaffInput.parse({"name": "Pia", "role": "staff"}), "stand")
    pia = next(info.id for info in setup.list_staff(desk.store) if info.name == "Pia")
    settings.set_setting(desk, "require_pin", "false")
    assert pins.sign_in(terminal, pia, "").name == "Pia"  # at a named terminal, the store allows it
    served = replace(terminal, pin_always=True)
    with pytest.raises(pins.PinNeeded, match="a manager sets one"):
        pins.sign_in(served, pia, "")
    with pytest.raises(NotAllowed, match="require_pin is off"):
        settings.check_lock_after(served, 0)
    settings.check_lock_after(terminal, 0)  # allowed where the store allows it

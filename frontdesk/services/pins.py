"""PINs: how they are hashed, which are refused, and signing in with one.

A PIN is short, so what protects it is the cost of each guess (scrypt at
N=2¹⁵, r=8, p=3, one of OWASP's equivalent sets) and the lockout after five
wrong ones in a row. The parameters are stored with each hash
(`scrypt$N$r$p$salt$hash`), so a hash made with older parameters keeps
verifying and is replaced at the next sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk import timing
from frontdesk.errors import Conflict, InvalidInput, NotAllowed, NotFound
from frontdesk.schemas.inputs import pin_problem
from frontdesk.schemas.reads import StaffInfo
from frontdesk.services import audit
from frontdesk.services.authority import require
from frontdesk.services.context import Actor
from frontdesk.store.models import AuditEvent, Staff
from frontdesk.store.queries import for_change


@dataclass(frozen=True)
class Scrypt:
    n: int
    r: int
    p: int


CURRENT = Scrypt(n=2**15, r=8, p=3)
"""What new hashes use (about 190 ms to check here: a guess costs the same)."""
OLD = Scrypt(n=2**14, r=8, p=1)
"""The parameters of hashes written before they were stored with the hash (`scrypt$salt$hash`)."""

TRIES = 5
"""Wrong PINs in a row before a name is locked out."""
FIRST_LOCKOUT = timedelta(minutes=5)
LONGEST_LOCKOUT = timedelta(hours=1)


def _digest(pin: str, salt: bytes, params: Scrypt) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=params.n, r=params.r, p=params.p,
                          maxmem=128 * params.n * params.r * (params.p + 2) + 1024 * 1024)


def hash_pin(pin: str, params: Scrypt | None = None) -> str:
    params = params or CURRENT
    salt = secrets.token_bytes(16)
    return f"scrypt${params.n}${params.r}${params.p}${salt.hex()}${_digest(pin, salt, params).hex()}"


def _parse(stored: str) -> tuple[Scrypt, bytes, str] | None:
    parts = stored.split("$")
    try:
        if len(parts) == 3 and parts[0] == "scrypt":
            return OLD, bytes.fromhex(parts[1]), parts[2]
        if len(parts) == 6 and parts[0] == "scrypt":
            return Scrypt(int(parts[1]), int(parts[2]), int(parts[3])), bytes.fromhex(parts[4]), parts[5]
    except ValueError:
        return None
    return None


def pin_matches(pin: str, stored: str) -> bool:
    parsed = _parse(stored)
    if parsed is None:
        return False
    params, salt, digest = parsed
    return hmac.compare_digest(_digest(pin, salt, params).hex(), digest)


def needs_rehash(stored: str) -> bool:
    parsed = _parse(stored)
    return parsed is None or parsed[0] != CURRENT


def checked_pin(pin: str, field: str = "pin") -> str:
    """The PIN, or InvalidInput naming what is wrong with it."""
    if (problem := pin_problem(pin)) is not None:
        raise InvalidInput.one(field, problem)
    return pin


# -- signing in ------------------------------------------------------------------


class LockedOut(NotAllowed):
    """Too many wrong PINs: the name is refused until `until`."""

    def __init__(self, name: str, until: datetime, local: str) -> None:
        super().__init__(f"{name} is locked out after {TRIES} wrong PINs, until {local}; a manager may lift it")
        self.until = until


class PinNeeded(NotAllowed):
    """This person has no PIN yet; a manager chooses their own at first sign-in (`may_choose`), others ask one."""

    def __init__(self, message: str, *, may_choose: bool) -> None:
        super().__init__(message)
        self.may_choose = may_choose


def _staff(session: Session, staff_id: int) -> Staff:
    staff = for_change(session, Staff, staff_id)
    if staff is None or not staff.active:
        raise NotFound("that staff member is no longer active")
    return staff


def _until_text(session: Session, actor: Actor, until: datetime) -> str:
    return f"{timing.local(until, actor.zone(session)):%H:%M}"


def _locked_until(staff: Staff, now: datetime) -> datetime | None:
    until = staff.locked_until
    return until if until is not None and until > now else None


def _first_sign_in_today(session: Session, actor: Actor, staff_id: int) -> bool:
    """No sign-in of this person yet this local day (a lead's terminal then opens on the queue)."""
    tz = actor.zone(session)
    day_start = timing.at_local(timing.local(actor.now(), tz).date(), time(0), tz)
    return session.scalar(
        select(AuditEvent.id).where(AuditEvent.record_type == "staff", AuditEvent.record_id == staff_id,
                                    AuditEvent.action == "sign_in", AuditEvent.at >= day_start).limit(1)
    ) is None


def sign_in(actor: Actor, staff_id: int, pin: str, *, new_pin: str | None = None) -> StaffInfo:
    """Check `pin` for this person and return them; wrong PINs count towards a lockout.

    The slow hash is computed outside the write transaction (it would hold
    SQLite's write lock for its ~190 ms); the attempt, the count, the lockout
    and the audit event are then written together, if the PIN did not change
    meanwhile. A manager with no PIN yet (after an upgrade) signs in by
    choosing one (`new_pin`); with `require_pin` off, a person with no PIN
    signs in by name alone, except at a terminal that always asks one
    (`Actor.pin_always`: served to a browser).
    """
    return _by_pin(actor, staff_id, pin, new_pin, action="sign_in")


def leave_kiosk(actor: Actor, staff_id: int, pin: str) -> StaffInfo:
    """Kiosk mode: a manager's PIN lets the terminal quit or suspend. Audited `quit`, as that manager.

    The PIN is checked as at sign-in (wrong ones count towards the manager's
    lockout); someone whose role may not leave the kiosk is refused before
    their PIN is looked at, and nothing is written.
    """
    return _by_pin(actor, staff_id, pin, None, action="quit", permission="leave_kiosk")


def _by_pin(actor: Actor, staff_id: int, pin: str, new_pin: str | None, *, action: str,
            permission: str | None = None) -> StaffInfo:
    """The PIN check behind `sign_in` and `leave_kiosk`; `action` is audited when it matches."""
    from frontdesk.services.settings import store_setting
    from frontdesk.services.setup import staff_info

    signed = actor.as_staff(staff_id)
    with actor.store.read() as session:
        staff = _staff(session, staff_id)
        if permission is not None:
            require(session, signed, permission)
        stored, role = staff.pin_hash, staff.role
        pin_required = actor.pin_always or bool(store_setting(session, "require_pin"))
        if (until := _locked_until(staff, actor.now())) is not None:
            raise LockedOut(staff.name, until, _until_text(session, actor, until))
        if stored is None and pin_required and (role != "manager" or permission is not None):
            raise PinNeeded(f"{staff.name} has no PIN yet: a manager sets one (frontdesk staff set-pin)",
                            may_choose=False)
        if stored is None and pin_required and new_pin is None:
            raise PinNeeded(f"{staff.name} has no PIN yet: choose one now (4 to 12 digits)", may_choose=True)
    matched = stored is None or pin_matches(pin, stored)
    fresh = None
    if stored is None and pin_required and new_pin is not None:
        fresh = hash_pin(checked_pin(new_pin))
    elif stored is not None and matched and needs_rehash(stored):
        fresh = hash_pin(pin)
    with actor.store.begin() as session:
        staff = _staff(session, staff_id)
        if staff.pin_hash != stored:
            raise Conflict(f"{staff.name}'s PIN was changed meanwhile; type the new one")
        if matched:
            staff.failed_pins, staff.lockouts = 0, 0
            if fresh is not None:
                staff.pin_hash = fresh
            first = action == "sign_in" and _first_sign_in_today(session, actor, staff.id)
            audit.record(session, signed, action, "staff", staff.id, ("pin_hash",) if fresh else ())
            return staff_info(staff).model_copy(update={"first_sign_in_today": first})
        left = _count_wrong_pin(session, actor, staff)
    raise NotAllowed(f"That PIN is not right{left}.")


def _count_wrong_pin(session: Session, actor: Actor, staff: Staff) -> str:
    """Count a wrong PIN towards a lockout (audited); the rest of the refusal's sentence."""
    refused = actor.as_staff(None)
    staff.failed_pins += 1
    audit.record(session, refused, "sign_in_refused", "staff", staff.id)
    if staff.failed_pins >= TRIES:
        lasts = min(FIRST_LOCKOUT * 2**staff.lockouts, LONGEST_LOCKOUT)
        until = actor.now() + lasts
        staff.locked_until, staff.failed_pins, staff.lockouts = until, 0, staff.lockouts + 1
        audit.record(session, refused, "locked_out", "staff", staff.id, ("locked_until",))
        return f"; {staff.name} is locked out until {_until_text(session, actor, until)}"
    return f" ({TRIES - staff.failed_pins} more before a lockout)"


def verify_approver(actor: Actor, staff_id: int, pin: str) -> None:
    """Check a lead's or manager's PIN for approving a remedy at someone else's save (issue 15).

    Someone whose role may not approve is refused before their PIN is looked
    at; a wrong PIN counts towards their lockout, as at sign-in; a right one
    writes nothing here (the save records the approval). The slow hash runs
    outside any write transaction.
    """
    with actor.store.read() as session:
        staff = _staff(session, staff_id)
        require(session, actor.as_staff(staff_id), "approve_remedy")
        if (until := _locked_until(staff, actor.now())) is not None:
            raise LockedOut(staff.name, until, _until_text(session, actor, until))
        stored = staff.pin_hash
        if stored is None:
            raise NotAllowed(f"{staff.name} has no PIN yet: a manager sets one (frontdesk staff set-pin)")
    if pin_matches(pin, stored):
        return
    with actor.store.begin() as session:
        left = _count_wrong_pin(session, actor, _staff(session, staff_id))
    raise NotAllowed(f"That PIN is not right{left}.")


def set_pin(actor: Actor, staff_id: int, pin: str) -> None:
    """A manager (or the shell) sets someone's PIN; it also ends their lockout."""
    checked_pin(pin)
    with actor.store.begin() as session:
        require(session, actor, "manage_staff")
        staff = _staff(session, staff_id)
        staff.pin_hash, staff.failed_pins, staff.locked_until = hash_pin(pin), 0, None
        audit.record(session, actor, "edit", "staff", staff.id, ("pin_hash",))


def lift_lockout(actor: Actor, staff_id: int) -> None:
    with actor.store.begin() as session:
        require(session, actor, "lift_lockout")
        staff = _staff(session, staff_id)
        if _locked_until(staff, actor.now()) is None:
            raise NotFound(f"{staff.name} is not locked out")
        staff.locked_until, staff.failed_pins = None, 0
        audit.record(session, actor, "lockout_lifted", "staff", staff.id, ("locked_until",))


@dataclass(frozen=True)
class Lockout:
    staff_id: int
    name: str
    until: datetime
    until_local: str
    """The end as the site's wall clock shows it (HH:MM)."""


def locked_out(actor: Actor) -> list[Lockout]:
    """Names refused right now (leads and managers see them)."""
    with actor.store.read() as session:
        require(session, actor, "see_lockouts")
        rows = session.scalars(select(Staff).where(Staff.active.is_(True), Staff.locked_until > actor.now())
                               .order_by(Staff.name))
        return [Lockout(row.id, row.name, row.locked_until, _until_text(session, actor, row.locked_until))
                for row in rows if row.locked_until is not None]


def lockout_of(actor: Actor, staff_id: int) -> datetime | None:
    """Until when this name is refused, for the sign-in screen (None: not locked out)."""
    with actor.store.read() as session:
        staff = session.get(Staff, staff_id)
        return None if staff is None else _locked_until(staff, actor.now())


def record_lock(actor: Actor, action: str) -> None:
    """The terminal locked (F9, idle) or unlocked by the same person: audited `lock` / `unlock`."""
    with actor.store.begin() as session:
        if actor.staff_id is not None:
            audit.record(session, actor, action, "staff", actor.staff_id)

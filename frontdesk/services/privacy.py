"""Privacy requests (issue 14): one customer's data out, erased for good, legal holds, retention.

An erasure removes a customer's personal data and every free text in their
records in one transaction, and keeps what reports count: categories, dates,
severities, costs and outcomes. It is logged by id only, in the store
(`erasures`) and in an owner-only file beside it, so that a restored backup
has it applied again (`reapply`). On SQLite, `secure_delete` zeroes what the
erasure frees and a checkpoint moves it out of the WAL: the erased values
survive nowhere in the store's file.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, Update, and_, case, delete, exists, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from frontdesk.errors import Conflict, FrontdeskError, InvalidInput, NotAllowed, NotFound
from frontdesk.paths import data_dir, private_dir
from frontdesk.schemas.base import Input, RequiredLine
from frontdesk.services import audit, authority, settings
from frontdesk.services.context import Actor
from frontdesk.services.export import rows
from frontdesk.store.db import Store
from frontdesk.store.models import (
    Alert,
    AuditEvent,
    Base,
    Customer,
    CustomerIdentity,
    Draft,
    Episode,
    Erasure,
    Flag,
    FlagAcknowledgement,
    FollowUp,
    FollowUpAttempt,
    Incident,
    LegalHold,
    SearchToken,
    Visit,
)
from frontdesk.store.queries import for_change

ERASED_NAME = "(erased)"
"""What an erased customer's card shows in place of the name."""
ERASED = "erased"
"""The skip reason of the follow-ups an erasure closes."""

ERASED_TEXTS: dict[type[Base], tuple[str, ...]] = {
    Incident: ("description", "reaction", "location", "guest_description", "handoff_to", "root_cause",
               "promise_text", "remedy_sought"),
    Flag: ("headline", "message", "greeting"),
    Alert: ("headline",),
    FollowUp: ("words", "note", "skip_reason", "reschedule_reason"),
    FollowUpAttempt: ("note",),
}
"""Free texts an erasure empties: a text becomes "" (so "a promise was made" still counts), an absent one stays absent."""
ERASED_LABELS: dict[type[Base], tuple[str, ...]] = {Incident: ("product",)}
"""Texts an erasure removes outright: a product named by the guest says who they are."""


class HoldInput(Input):
    """Why a customer's records must be kept (a claim, a clinic record): shown when erase refuses."""

    reason: RequiredLine


@dataclass(frozen=True)
class ErasePreview:
    """What an erasure is about to touch: enough to confirm it, and to refuse it early."""

    customer_id: int
    name: str
    hold_reason: str | None
    erased_at: datetime | None
    incidents: int
    open_follow_ups: int
    active_flags: int


@dataclass(frozen=True)
class ErasureResult:
    customer_id: int
    skipped_follow_ups: int
    cleared_flags: int
    deleted_drafts: int
    backups: tuple[Path, ...]
    """SQLite backups beside the store that still hold the customer."""
    checkpointed: bool
    """False when another connection kept the WAL from being emptied (the next checkpoint does it)."""


@dataclass(frozen=True)
class PurgeResult:
    inactive_for_days: int | None
    """None: neither --inactive-for nor the store's `retention_days` was set, and nothing was purged."""
    erased: int
    held: int
    """Customers due for purging but under legal hold, kept."""
    dry_run: bool
    checkpointed: bool = True


@dataclass(frozen=True)
class ReapplyResult:
    entries: int
    """Erasures read from the store's log and the file."""
    erased_again: int
    """Customers the restored store still held, erased again."""


# --- one customer's records -----------------------------------------------------------------


def _ids(column: InstrumentedAttribute[int], *where: ColumnElement[bool]) -> Select[int]:
    return select(column).where(*where)


def customer_scopes(customer_id: int) -> dict[str, tuple[type[Base], ColumnElement[bool]]]:
    """Every table's rows that refer to one customer, keyed as the whole-store export names them."""
    incidents = _ids(Incident.id, Incident.customer_id == customer_id)
    visits = _ids(Visit.id, Visit.customer_id == customer_id)
    episodes = _ids(Episode.id, Episode.incident_id.in_(incidents))
    flags = _ids(Flag.id, or_(Flag.customer_id == customer_id, Flag.incident_id.in_(incidents)))
    follow_ups = _ids(FollowUp.id, or_(FollowUp.customer_id == customer_id, FollowUp.incident_id.in_(incidents)))
    alerts = _ids(Alert.id, Alert.incident_id.in_(incidents))
    about = or_(
        and_(AuditEvent.record_type == "customer", AuditEvent.record_id == customer_id),
        *(and_(AuditEvent.record_type == kind, AuditEvent.record_id.in_(ids)) for kind, ids in (
            ("visit", visits), ("incident", incidents), ("episode", episodes), ("flag", flags),
            ("follow_up", follow_ups), ("alert", alerts),
        )),
    )
    return {
        "customers": (Customer, Customer.id == customer_id),
        "visits": (Visit, Visit.id.in_(visits)),
        "incidents": (Incident, Incident.id.in_(incidents)),
        "episodes": (Episode, Episode.id.in_(episodes)),
        "flags": (Flag, Flag.id.in_(flags)),
        "flag_acknowledgements": (FlagAcknowledgement, FlagAcknowledgement.flag_id.in_(flags)),
        "alerts": (Alert, Alert.id.in_(alerts)),
        "follow_ups": (FollowUp, FollowUp.id.in_(follow_ups)),
        "follow_up_attempts": (FollowUpAttempt, FollowUpAttempt.follow_up_id.in_(follow_ups)),
        "legal_holds": (LegalHold, LegalHold.customer_id == customer_id),
        "erasures": (Erasure, Erasure.customer_id == customer_id),
        "audit_events": (AuditEvent, about),
    }


def require_manager(session: Session, actor: Actor) -> None:
    """Privacy requests are a manager's; a shell command acts with the store's authority."""
    authority.require(session, actor, "privacy")


def _customer(session: Session, customer_id: int) -> Customer:
    customer = for_change(session, Customer, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id} is not on file")
    return customer


def export_customer(actor: Actor, customer_id: int) -> dict[str, list[dict[str, Any]]]:
    """Everything the store holds about one customer (GDPR Art. 15), keyed like the whole-store export.

    Audited as `customer_export`. Rows may name staff and, in an incident's
    words, other guests: the business checks the answer before sending it.
    """
    with actor.store.begin() as session:
        require_manager(session, actor)
        _customer(session, customer_id)
        found = {name: list(rows(session, model, where)) for name, (model, where) in customer_scopes(customer_id).items()}
        audit.record(session, actor, "customer_export", "customer", customer_id)
        return found


def export_text(found: Mapping[str, list[dict[str, Any]]]) -> str:
    """The export as labelled plain text, to send to the guest: one block per record."""
    lines: list[str] = []
    for name, records in found.items():
        title = name.replace("_", " ").capitalize()
        lines += [f"{title} ({len(records)})", "=" * (len(title) + len(str(len(records))) + 3)]
        for record in records:
            for key, value in record.items():
                shown = "" if value is None else ("yes" if value is True else "no" if value is False else str(value))
                lines.append(f"{key.replace('_', ' ')}: {shown}")
            lines.append("")
        if not records:
            lines.append("(none)")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# --- legal hold -----------------------------------------------------------------------------


def hold(actor: Actor, customer_id: int, reason: str) -> None:
    """Keep a customer's records for a legal claim (GDPR Art. 17(3)(e)): erase and purge refuse them."""
    data = HoldInput.parse({"reason": reason})
    with actor.store.begin() as session:
        require_manager(session, actor)
        _refuse_erased(session, _customer(session, customer_id))
        row = session.get(LegalHold, customer_id) or LegalHold(customer_id=customer_id)
        row.reason, row.held_at, row.held_by_id = data.reason, actor.now(), actor.staff_id
        session.add(row)
        audit.record(session, actor, "hold", "customer", customer_id, ("reason",))


def unhold(actor: Actor, customer_id: int) -> None:
    """Lift a legal hold; a customer who was not held is refused, so a typo in the id shows."""
    with actor.store.begin() as session:
        require_manager(session, actor)
        _customer(session, customer_id)
        row = session.get(LegalHold, customer_id)
        if row is None:
            raise NotAllowed(f"customer {customer_id} is not under legal hold")
        session.delete(row)
        audit.record(session, actor, "unhold", "customer", customer_id)


# --- erasure --------------------------------------------------------------------------------


def _erased_at(session: Session, customer_id: int) -> datetime | None:
    return session.scalar(select(func.min(Erasure.erased_at)).where(Erasure.customer_id == customer_id))


def _refuse_erased(session: Session, customer: Customer) -> None:
    if (when := _erased_at(session, customer.id)) is not None:
        raise Conflict(f"customer {customer.id} was already erased on {when:%Y-%m-%d}")


def _refuse_held(session: Session, customer_id: int) -> None:
    held = session.get(LegalHold, customer_id)
    if held is not None:
        raise NotAllowed(f"customer {customer_id} is under legal hold ({held.reason}): their records are kept "
                         "for a legal claim (GDPR Art. 17(3)(e)); `frontdesk customers unhold` lifts it")


def erase_preview(actor: Actor, customer_id: int) -> ErasePreview:
    """The customer an erasure would touch, and why it may be refused: what the confirmation shows."""
    with actor.store.read() as session:
        require_manager(session, actor)
        customer = _customer(session, customer_id)
        held = session.get(LegalHold, customer_id)
        incidents = _ids(Incident.id, Incident.customer_id == customer_id)
        return ErasePreview(
            customer_id=customer_id,
            name=customer.name,
            hold_reason=held.reason if held else None,
            erased_at=_erased_at(session, customer_id),
            incidents=session.scalar(select(func.count()).select_from(incidents.subquery())) or 0,
            open_follow_ups=_count(session, FollowUp, _open_follow_ups(customer_id, incidents)),
            active_flags=_count(session, Flag, and_(Flag.customer_id == customer_id, Flag.active.is_(True))),
        )


def _count(session: Session, model: type[Base], where: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).select_from(model).where(where)) or 0


def _open_follow_ups(customer_id: int, incidents: Select[int]) -> ColumnElement[bool]:
    return and_(FollowUp.status == "open",
                or_(FollowUp.customer_id == customer_id, FollowUp.incident_id.in_(incidents)))


def erase(actor: Actor, customer_id: int) -> ErasureResult:
    """Erase a customer for good (GDPR Art. 17), in one transaction; refused under legal hold.

    Open follow-ups are skipped as `erased`, active flags cleared, drafts
    about them deleted. Audited as `erase` (ids only) and logged in the store
    and in the file beside it.
    """
    with actor.store.begin() as session:
        require_manager(session, actor)
        _secure_delete(session, actor.store)
        customer = _customer(session, customer_id)
        _refuse_erased(session, customer)
        _refuse_held(session, customer_id)
        skipped, cleared, drafts = _scrub(session, actor, customer)
        _log_erasure(session, actor, customer_id, "request")
    checkpointed = checkpoint(actor.store)
    return ErasureResult(customer_id, skipped, cleared, drafts, backups_holding(actor.store, customer_id), checkpointed)


def _secure_delete(session: Session, store: Store) -> None:
    """On SQLite, zero what this transaction frees, so no erased value stays in a free page or cell."""
    if store.is_sqlite:
        session.connection().exec_driver_sql("PRAGMA secure_delete=ON")


def checkpoint(store: Store) -> bool:
    """Copy the WAL into the store's file and empty it (SQLite); False if a reader kept part of it."""
    if not store.is_sqlite:
        return True
    with store.connect() as connection:
        connection.exec_driver_sql("PRAGMA secure_delete=ON")
        busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar()
    return not busy


def _emptied(column: InstrumentedAttribute[str | None]) -> ColumnElement[str | None]:
    """"" where there was text, NULL where there was none: what was said is gone, that something was is kept."""
    return case((column.is_(None), None), else_="")


def _blank(model: type[Base], where: ColumnElement[bool]) -> Update:
    """One UPDATE emptying `model`'s free texts where `where` holds; a versioned row's version moves on,
    so a terminal holding the old text cannot save it back."""
    values: dict[str, Any] = {name: _emptied(getattr(model, name)) for name in ERASED_TEXTS.get(model, ())}
    values |= {name: None for name in ERASED_LABELS.get(model, ())}
    if "version" in model.__table__.columns:
        values["version"] = getattr(model, "version") + 1
    return update(model).where(where).values(**values)


def _scrub(session: Session, actor: Actor, customer: Customer) -> tuple[int, int, int]:
    """Remove one customer's personal data and free texts; returns (follow-ups skipped, flags cleared, drafts deleted)."""
    customer_id, now = customer.id, actor.now()
    incidents = _ids(Incident.id, Incident.customer_id == customer_id)
    follow_ups = _ids(FollowUp.id, or_(FollowUp.customer_id == customer_id, FollowUp.incident_id.in_(incidents)))
    flags = or_(Flag.customer_id == customer_id, Flag.incident_id.in_(incidents))
    open_follow_ups = _open_follow_ups(customer_id, incidents)
    skipped = _count(session, FollowUp, open_follow_ups)
    cleared = _count(session, Flag, and_(flags, Flag.active.is_(True)))

    customer.name, customer.phone, customer.email = ERASED_NAME, None, None
    customer.postal_address, customer.notes = None, None
    session.flush()
    session.execute(delete(SearchToken).where(SearchToken.customer_id == customer_id))
    session.execute(delete(CustomerIdentity).where(CustomerIdentity.customer_id == customer_id))
    session.execute(update(Flag).where(flags, Flag.active.is_(True)).values(
        active=False, cleared_at=now, cleared_by_id=actor.staff_id, version=Flag.version + 1))
    session.execute(update(Alert).where(Alert.incident_id.in_(incidents), Alert.acknowledged_at.is_(None)).values(
        acknowledged_at=now, acknowledged_by_id=actor.staff_id, acknowledged_terminal=actor.terminal,
        version=Alert.version + 1))
    session.execute(_blank(Incident, Incident.customer_id == customer_id))
    session.execute(_blank(Flag, flags))
    session.execute(_blank(Alert, Alert.incident_id.in_(incidents)))
    session.execute(_blank(FollowUpAttempt, FollowUpAttempt.follow_up_id.in_(follow_ups)))
    session.execute(_blank(FollowUp, FollowUp.id.in_(follow_ups)))
    session.execute(update(FollowUp).where(open_follow_ups).values(
        status="skipped", skip_reason=ERASED, completed_at=now, completed_by_id=actor.staff_id, updated_at=now,
        updated_by_id=actor.staff_id, version=FollowUp.version + 1))
    drafts = _drafts_about(session, customer_id, set(session.scalars(incidents)))
    if drafts:
        session.execute(delete(Draft).where(Draft.id.in_(drafts)))
    session.expire_all()
    return skipped, cleared, len(drafts)


def _drafts_about(session: Session, customer_id: int, incident_ids: set[int]) -> list[int]:
    """Drafts naming the customer or amending one of their incidents (drafts are few: one per form and terminal)."""
    found = []
    for draft_id, payload in session.execute(select(Draft.id, Draft.payload)):
        try:
            data = json.loads(payload)
        except ValueError:
            continue
        if any((key == "customer_id" and value == customer_id) or (key == "incident_id" and value in incident_ids)
               for key, value in _pairs(data)):
            found.append(draft_id)
    return found


def _pairs(data: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield str(key), value
            yield from _pairs(value)
    elif isinstance(data, list):
        for item in data:
            yield from _pairs(item)


def _log_erasure(session: Session, actor: Actor, customer_id: int, reason: str) -> None:
    """The store's erasure log row, the audit event and the line in the file beside the store.

    The file is written before the commit: if it cannot be, nothing is erased
    (an erasure a restore could not re-apply would not be one).
    """
    row = Erasure(customer_id=customer_id, erased_at=actor.now(), erased_by_id=actor.staff_id,
                  terminal=actor.terminal, reason=reason)
    session.add(row)
    audit.record(session, actor, "erase", "customer", customer_id,
                 ("name", "phone", "email", "postal_address", "notes", "free_texts"))
    append_log(erasure_log_path(actor.store), [row])


# --- the erasure log file -------------------------------------------------------------------


def erasure_log_path(store: Store) -> Path:
    """The owner-only file beside a SQLite store; for PostgreSQL, one per database in the user data folder."""
    if store.path is not None:
        return store.path.with_name(store.path.name + ".erasures")
    url = store.url
    name = "-".join(str(part) for part in (url.host or "local", url.port or 5432, url.database or "") if part)
    return private_dir(data_dir()) / f"erasures-{name}.jsonl"


def append_log(path: Path, erasures: Iterable[Erasure]) -> None:
    """Append erasures as JSON lines (ids, time, reason: nothing personal), flushed to disk."""
    lines = "".join(json.dumps({"customer_id": row.customer_id, "erased_at": row.erased_at.isoformat(),
                                "erased_by_id": row.erased_by_id, "terminal": row.terminal,
                                "reason": row.reason}) + "\n" for row in erasures)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, lines.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise FrontdeskError(f"cannot write the erasure log {path}: {exc.strerror or exc}; nothing was erased") from None


def read_log(path: Path) -> list[dict[str, Any]]:
    """The erasure log file's entries; a missing file is an empty log, a damaged line is refused."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise FrontdeskError(f"cannot read the erasure log {path}: {exc.strerror or exc}") from None
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            int(entry["customer_id"])
        except (ValueError, KeyError, TypeError):
            raise InvalidInput.one("log", f"{path} line {number} is not an erasure log entry") from None
        entries.append(entry)
    return entries


def backups_holding(store: Store, customer_id: int) -> tuple[Path, ...]:
    """SQLite backups beside the store in which the customer is still on file, unerased."""
    if store.path is None:
        return ()
    found = []
    for backup in sorted(store.path.parent.glob(f"{store.path.name}.backup-*")):
        try:
            with sqlite3.connect(f"{backup.as_uri()}?mode=ro", uri=True) as connection:
                row = connection.execute("SELECT name FROM customers WHERE id = ?", (customer_id,)).fetchone()
        except sqlite3.Error:
            continue
        if row is not None and row[0] != ERASED_NAME:
            found.append(backup)
    return tuple(found)


# --- retention ------------------------------------------------------------------------------


def retention_days(session: Session) -> int | None:
    """The store setting `retention_days` (None: unset, and nothing is purged)."""
    days = settings.store_setting(session, "retention_days")
    assert days is None or isinstance(days, int)
    return days


def purge(actor: Actor, inactive_for_days: int | None = None, *, dry_run: bool = False) -> PurgeResult:
    """Erase, by erase's rules and in one transaction, customers with no visit or incident in that long.

    The default is the store's `retention_days`; held customers are kept and
    counted. Audited as `purge` with the counts (a dry run writes nothing).
    """
    if inactive_for_days is not None and inactive_for_days < 1:
        raise InvalidInput.one("inactive_for", "--inactive-for is a whole number of days, 1 or more")
    with actor.store.begin() as session:
        require_manager(session, actor)
        days = inactive_for_days if inactive_for_days is not None else retention_days(session)
        if days is None:
            return PurgeResult(None, 0, 0, dry_run)
        due = list(session.scalars(_inactive_since(actor.now() - timedelta(days=days))))
        held = set(session.scalars(select(LegalHold.customer_id).where(LegalHold.customer_id.in_(due)))) if due else set()
        if dry_run:
            return PurgeResult(days, len(due) - len(held), len(held), True)
        _secure_delete(session, actor.store)
        erased = []
        for customer_id in due:
            if customer_id not in held:
                _scrub(session, actor, _customer(session, customer_id))
                erased.append(Erasure(customer_id=customer_id, erased_at=actor.now(), erased_by_id=actor.staff_id,
                                      terminal=actor.terminal, reason="retention"))
                audit.record(session, actor, "erase", "customer", customer_id, ("retention",))
        session.add_all(erased)
        audit.record(session, actor, "purge", "store", 0,
                     (f"inactive_for:{days}", f"erased:{len(erased)}", f"held:{len(held)}"))
        if erased:
            append_log(erasure_log_path(actor.store), erased)
    return PurgeResult(days, len(erased), len(held), False, checkpoint(actor.store) if erased else True)


def _inactive_since(cutoff: datetime) -> Select[int]:
    """Customers on file before `cutoff`, not erased, with no visit or incident since."""
    return select(Customer.id).where(
        Customer.customer_since < cutoff,
        or_(Customer.last_visit_at.is_(None), Customer.last_visit_at < cutoff),
        ~exists().where(Visit.customer_id == Customer.id, Visit.checked_in_at >= cutoff),
        ~exists().where(Incident.customer_id == Customer.id, Incident.occurred_at >= cutoff),
        ~exists().where(Erasure.customer_id == Customer.id),
    ).order_by(Customer.id)


# --- after a restore ------------------------------------------------------------------------


def reapply(actor: Actor, log_file: Path | None = None) -> ReapplyResult:
    """Erase again everyone the store's log or the log file names (after a restore), in one transaction.

    Audited as `reapply`.
    """
    if log_file is not None and not log_file.is_file():
        raise InvalidInput.one("log", f"there is no erasure log at {log_file}")
    entries = read_log(log_file or erasure_log_path(actor.store))
    with actor.store.begin() as session:
        require_manager(session, actor)
        logged = set(session.scalars(select(Erasure.customer_id)))
        again = reapply_in(session, actor, entries)
        named = len(logged | {int(entry["customer_id"]) for entry in entries})
        audit.record(session, actor, "reapply", "store", 0, (f"entries:{named}", f"erased:{again}"))
    checkpoint(actor.store)
    return ReapplyResult(named, again)


def reapply_in(session: Session, actor: Actor, entries: Iterable[Mapping[str, Any]]) -> int:
    """Inside the caller's transaction: erase again whom `entries` or the store's own log name; how many were.

    Legal holds do not stop it: the erasure was made when the customer was
    not held. Entries the store's log lacks are added to it.
    """
    _secure_delete(session, actor.store)
    logged = set(session.scalars(select(Erasure.customer_id)))
    named = {int(entry["customer_id"]): entry for entry in entries}
    again = 0
    for customer_id in sorted(logged | set(named)):
        customer = session.get(Customer, customer_id)
        if customer is None:
            continue
        if customer.name != ERASED_NAME or customer.phone or customer.email:
            _scrub(session, actor, _customer(session, customer_id))
            again += 1
        if customer_id not in logged:
            entry = named[customer_id]
            session.add(Erasure(customer_id=customer_id, erased_at=datetime.fromisoformat(str(entry["erased_at"])),
                                erased_by_id=None, terminal=str(entry.get("terminal", ""))[:64],
                                reason=str(entry.get("reason", "request"))[:16]))
    return again

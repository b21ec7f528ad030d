"""The store's tables, one class per noun of DESIGN.md's vocabulary.

Kinds and statuses are plain strings (a new value needs no migration on
PostgreSQL); money is integer minor units in 64-bit columns; instants are
UTC. Rows that two terminals may change at once carry a `version` column
that SQLAlchemy checks on every UPDATE (`version_id_col`), so a lost race
raises instead of overwriting.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime, stored naive-UTC the same way on every backend.

    SQLite has no time zones and PostgreSQL's timestamptz answers in the
    session zone; storing naive UTC keeps comparisons and sorting identical.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


# Search tokens compare bytewise on PostgreSQL too, so a prefix range scan
# uses the index whatever the database's collation.
TokenString = String(80).with_variant(String(80, collation="C"), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    phone_region: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failed_pins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Wrong PINs in a row since the last sign-in or lockout."""
    lockouts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Lockouts since the last sign-in: each lasts twice the one before, up to an hour."""
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StoreSetting(Base):
    """A store-wide setting (`require_pin`, `retention_days`), as text; services/settings.py types it."""

    __tablename__ = "store_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str | None] = mapped_column(String(200))


class SiteSetting(Base):
    """A per-site setting (escalation thresholds, remedy limits)."""

    __tablename__ = "site_settings"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str | None] = mapped_column(String(200))


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    consent_call: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_text: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_email: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_post: Mapped[bool] = mapped_column(Boolean, default=False)
    postal_address: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    customer_since: Mapped[datetime] = mapped_column(UTCDateTime)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    last_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    imported_visits: Mapped[int] = mapped_column(Integer, server_default="0")
    """Visits a guest list brought in (`customers import`): counted, but with no visit rows behind them."""

    __mapper_args__ = {"version_id_col": version}


class SearchToken(Base):
    """One searchable word of a customer: a folded name word, phone digits, an email.

    Kept in step with the customer by the services; a prefix range scan on
    (token) finds customers at a million rows without reading the table.
    """

    __tablename__ = "search_tokens"

    token: Mapped[str] = mapped_column(TokenString, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (
        # Covers "does this customer also have a token in this range?" (the
        # second word of a query) without reading the table.
        Index("ix_search_tokens_customer_id_token", "customer_id", "token"),
    )


class CustomerIdentity(Base):
    """Who a customer is: one key per phone or email, with the folded name (frontdesk.text.identity_keys).

    The key is unique, so two terminals putting the same person on file at
    the same instant make one customer on SQLite and PostgreSQL alike: the
    second insert fails and that terminal is offered the first's customer.
    """

    __tablename__ = "customer_identities"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)


class Visit(Base):
    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_out_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    departure: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_visits_customer_id_checked_in_at", "customer_id", "checked_in_at"),
        Index("ix_visits_site_id_checked_out_at", "site_id", "checked_out_at"),
        Index("ix_visits_site_id_checked_in_at_customer_id", "site_id", "checked_in_at", "customer_id"),
    )


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Its wording never shows where a guest may read the screen (allergy, safety, injury, health)."""


class RootCause(Base):
    """Why an episode happened, chosen from a list when it closes (a manager keeps the list)."""

    __tablename__ = "root_causes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Playbook(Base):
    """The follow-up plan for incidents of one severity (and maybe one category)."""

    __tablename__ = "playbooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    severity: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))

    steps: Mapped[list[PlaybookStep]] = relationship(
        back_populates="playbook", order_by="PlaybookStep.position", cascade="all, delete-orphan"
    )
    __table_args__ = (UniqueConstraint("severity", "category"),)


class PlaybookStep(Base):
    __tablename__ = "playbook_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    playbook_id: Mapped[int] = mapped_column(ForeignKey("playbooks.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    offset_days: Mapped[int] = mapped_column(Integer)
    at_hour: Mapped[int | None] = mapped_column(Integer)
    """Local hour the step is due; None means the anchor's own local time."""
    at_minute: Mapped[int] = mapped_column(Integer, default=0)
    words: Mapped[str | None] = mapped_column(Text)

    playbook: Mapped[Playbook] = relationship(back_populates="steps")


class Incident(Base):
    """The deposition: what went wrong, what was done and promised, who owns it."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    guest_description: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[date] = mapped_column(Date)
    local_hour: Mapped[int] = mapped_column(Integer)
    local_weekday: Mapped[int] = mapped_column(Integer)
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    logged_terminal: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(40))
    product: Mapped[str | None] = mapped_column(String(120))
    location: Mapped[str | None] = mapped_column(String(120))
    severity: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    reaction: Mapped[str | None] = mapped_column(Text)
    remedy_kind: Mapped[str | None] = mapped_column(String(24))
    remedy_cost: Mapped[int] = mapped_column(BigInteger, default=0)
    """Minor units; 64-bit on every backend (`frontdesk.money.MINOR_MAX`)."""
    promise_text: Mapped[str | None] = mapped_column(Text)
    promise_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promise_likelihood: Mapped[str | None] = mapped_column(String(16))
    promise_status: Mapped[str | None] = mapped_column(String(16))
    promise_settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ally_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    handoff_to: Mapped[str | None] = mapped_column(String(120))
    handoff_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    handoff_expected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handoff_status: Mapped[str | None] = mapped_column(String(16))
    root_cause: Mapped[str | None] = mapped_column(Text)
    """A free-text note; the episode's `root_cause` is the key chosen from the list."""
    remedy_sought: Mapped[str | None] = mapped_column(Text)
    """What the customer asked for, in their words."""
    remedy_approval: Mapped[str | None] = mapped_column(String(16))
    """None: within the logger's limit; "approved" (by `remedy_approved_by_id`) or "pending" a lead's approval."""
    remedy_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    complete: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_incidents_site_id_occurred_at", "site_id", "occurred_at"),
        Index("ix_incidents_site_id_local_date", "site_id", "local_date"),
    )


class Episode(Base):
    """An incident with its flag and follow-ups, open until followed through."""

    __tablename__ = "episodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    root_cause: Mapped[str | None] = mapped_column(ForeignKey("root_causes.key"))
    """The key chosen at close; None for an open episode (or one closed before issue 15)."""
    outcome: Mapped[str | None] = mapped_column(String(16))
    """recovered, not_recovered or unknown, chosen at close."""
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Flag(Base):
    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    headline: Mapped[str] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(Text)
    greeting: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    acknowledgements: Mapped[list[FlagAcknowledgement]] = relationship(
        back_populates="flag", order_by="FlagAcknowledgement.acknowledged_at"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_flags_customer_id_active", "customer_id", "active"),)


class FlagAcknowledgement(Base):
    __tablename__ = "flag_acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flags.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    terminal: Mapped[str] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime)

    flag: Mapped[Flag] = relationship(back_populates="acknowledgements")


def _first_due(context: DefaultExecutionContext) -> datetime:
    """A new follow-up's escalation clock starts at its due time (Core inserts included)."""
    due: datetime = context.get_current_parameters()["due_at"]  # type: ignore[no-untyped-call]
    return due


class FollowUp(Base):
    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_time: Mapped[time | None] = mapped_column(Time)
    """The local time of day it was planned for (a playbook's 02:30): a clock change may have moved due_at
    past it (03:30); retries go back to it and screens say so (timing.due_note)."""
    owner_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    outcome: Mapped[str | None] = mapped_column(String(24))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    escalation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """0, or 1 when it rose to the site's leads, 2 to its managers (services/escalation.py)."""
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When it rose to its level: the threshold's instant, or the third unanswered attempt."""
    escalation_clock_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_first_due)
    """Where the escalation clock counts from: the first due time. Only a lead's or manager's reschedule
    with a reason, or a reassignment, moves it; the owner's attempts and reschedules move due_at only."""
    reschedule_reason: Mapped[str | None] = mapped_column(Text)
    """Why a lead or manager moved it (a reschedule with a reason restarts the escalation clock)."""
    words: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    skip_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # escalation and its clock: the queue's counts read only this index (migration 0012).
        Index("ix_follow_ups_site_id_status_due_at", "site_id", "status", "due_at", "escalation", "escalation_clock_at"),
        # escalate_due's candidates, per level: the few near a threshold, not every open one (migration 0014).
        Index("ix_follow_ups_site_id_status_escalation", "site_id", "status", "escalation", "escalation_clock_at"),
        Index("ix_follow_ups_owner_id_status_due_at", "owner_id", "status", "due_at"),
        Index("ix_follow_ups_status_due_at", "status", "due_at"),
    )


class FollowUpAttempt(Base):
    """One try at a follow-up (a call that was not answered, a message left, …)."""

    __tablename__ = "follow_up_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_ups.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    outcome: Mapped[str] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    headline: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_terminal: Mapped[str] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    acknowledged_terminal: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_alerts_site_id_acknowledged_at", "site_id", "acknowledged_at"),)


class AuditEvent(Base):
    """Who did what to which record: ids and field names only, never personal data."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    terminal: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int] = mapped_column(Integer)
    fields: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_audit_events_record_type_record_id", "record_type", "record_id"),)


class Draft(Base):
    """Unsaved form content of one person at one terminal, saved as it is typed."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    terminal: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("terminal", "kind", "staff_id"),)


class Erasure(Base):
    """One customer erased for good (issue 14): who, when, by whom; never what was erased.

    Copied to an owner-only log file beside the store, so a restored backup
    from before the erasure has it applied again.
    """

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer, index=True)
    """No foreign key: the log outlives the store it came from (a restore re-applies it)."""
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime)
    erased_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    """None for a shell command, which acts with the store's authority."""
    terminal: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))
    """`request` (the guest asked) or `retention` (purged after `retention_days`)."""


class LegalHold(Base):
    """A customer whose records must be kept for a legal claim: erase and purge refuse them."""

    __tablename__ = "legal_holds"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

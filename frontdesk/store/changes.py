"""What a write changed, as its notification says it: the site, and the kinds of record (tables).

On PostgreSQL every write transaction sends one NOTIFY at its commit, with a
payload such as `site=3;tables=alerts,follow_ups`: the tables are collected
from what the session flushed and the DML it ran, the site from the actor
(the audit event every write records) and the rows it wrote. A terminal then
re-queries only when a change concerns its site and what its screen shows
(`Interest`); a customer's flags and history concern every site that shows
them, since the group shares them. SQLite's feed has no payload: a change
there is `EVERYTHING`, as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

TABLES = "frontdesk_changed_tables"
SITES = "frontdesk_changed_sites"
"""session.info keys: what this write transaction has changed so far."""
WRITE = "write"
"""session.info key set by `Store.begin`: only write transactions collect (reads never notify)."""
SITELESS_HOMES = frozenset({"customers"})
"""Tables whose site_id is not where the change happened (a customer's home site)."""

CUSTOMER_HISTORY = frozenset({
    "customers", "flags", "flag_acknowledgements", "visits", "incidents", "episodes", "follow_ups",
    "follow_up_attempts", "legal_holds", "search_tokens",
})
"""A customer's flags and history: shared across the group, so a screen showing a customer cares
wherever they changed."""
STORE_WIDE = frozenset({"sites", "store_settings", "categories", "playbooks", "playbook_steps"})
"""Tables with no site: a change to them concerns every site."""


@dataclass(frozen=True)
class Change:
    """One commit elsewhere: where (None: every site, or unknown) and which tables (empty: unknown)."""

    site_id: int | None = None
    tables: frozenset[str] = frozenset()

    @property
    def unknown(self) -> bool:
        return not self.tables

    def payload(self) -> str:
        return f"site={'' if self.site_id is None else self.site_id};tables={','.join(sorted(self.tables))}"

    @classmethod
    def parse(cls, payload: str) -> Change:
        """A notification's payload; anything unreadable (an older frontdesk's '', an upgrade's 'schema') is
        `EVERYTHING`, so a terminal re-queries rather than missing a change."""
        parts = dict(part.partition("=")[::2] for part in payload.split(";"))
        if set(parts) != {"site", "tables"}:
            return EVERYTHING
        site = parts["site"]
        if site and not site.isdigit():
            return EVERYTHING
        tables = frozenset(name for name in parts["tables"].split(",") if name)
        return cls(int(site) if site else None, tables)


EVERYTHING = Change()
"""A change of unknown extent: SQLite's feed, a reconnection (what was missed is unknown), an old writer."""


@dataclass(frozen=True)
class Interest:
    """What a screen shows: tables it shows for its own site, and tables it shows whatever the site."""

    site_tables: frozenset[str] = frozenset()
    any_site_tables: frozenset[str] = frozenset()

    @classmethod
    def of(cls, site_tables: Iterable[str] = (), any_site_tables: Iterable[str] = ()) -> Interest:
        return cls(frozenset(site_tables), frozenset(any_site_tables) | STORE_WIDE)

    def __or__(self, other: Interest) -> Interest:
        return Interest(self.site_tables | other.site_tables, self.any_site_tables | other.any_site_tables)

    def concerns(self, change: Change, site_id: int | None) -> bool:
        """Whether a terminal at `site_id` showing this must re-query after `change`."""
        if change.unknown:
            return True
        if change.tables & self.any_site_tables:
            return True
        here = change.site_id is None or site_id is None or change.site_id == site_id
        return here and bool(change.tables & self.site_tables)


EVERY_TABLE = frozenset({
    "sites", "staff", "store_settings", "site_settings", "customers", "search_tokens", "customer_identities",
    "visits", "categories", "playbooks", "playbook_steps", "incidents", "episodes", "flags",
    "flag_acknowledgements", "follow_ups", "follow_up_attempts", "alerts", "audit_events", "drafts", "erasures",
    "legal_holds",
})
ALL_HERE = Interest.of(EVERY_TABLE)
"""A screen that shows a bit of everything at its site (reports, the audit trail)."""
ALL_ANYWHERE = Interest.of(EVERY_TABLE, EVERY_TABLE)


def merge(changes: Iterable[Change]) -> tuple[Change, ...]:
    """Changes with the same site joined into one (a burst of notices); any unknown one makes all unknown."""
    by_site: dict[int | None, frozenset[str]] = {}
    for change in changes:
        if change.unknown:
            return (EVERYTHING,)
        by_site[change.site_id] = by_site.get(change.site_id, frozenset()) | change.tables
    return tuple(Change(site, tables) for site, tables in by_site.items())


def concerned(interest: Interest, changes: Iterable[Change], site_id: int | None) -> bool:
    return any(interest.concerns(change, site_id) for change in changes)


# -- collecting what a write transaction changed -------------------------------------------------


def note(session: Session, *, site_id: int | None = None, tables: Iterable[str] = ()) -> None:
    """Record that this write changed `tables` on behalf of a terminal at `site_id` (the audit trail
    calls it for every event; the flush finds the rest)."""
    if not session.info.get(WRITE):
        return
    session.info.setdefault(TABLES, set()).update(tables)
    session.info.setdefault(SITES, set()).add(site_id)


def collected(session: Session) -> Change | None:
    """What this write changed (None: nothing), to be said in its notification."""
    tables: set[str] = session.info.get(TABLES, set())
    if not tables:
        return None
    sites: set[int | None] = session.info.get(SITES, set())
    site = next(iter(sites)) if len(sites) == 1 else None
    return Change(site, frozenset(tables))


def forget(session: Session) -> None:
    session.info.pop(TABLES, None)
    session.info.pop(SITES, None)


def _site_of(row: object) -> int | None:
    value = getattr(row, "site_id", None)
    return value if isinstance(value, int) else None


@event.listens_for(Session, "after_flush")
def _collect_flushed(session: Session, _flush: UOWTransaction) -> None:
    if not session.info.get(WRITE):
        return
    tables: set[str] = session.info.setdefault(TABLES, set())
    sites: set[int | None] = session.info.setdefault(SITES, set())
    for row in (*session.new, *session.dirty, *session.deleted):
        if row in session.dirty and not session.is_modified(row):
            continue
        table = inspect(row).mapper.local_table
        name = getattr(table, "name", None)
        if name is None:
            continue
        tables.add(name)
        if name not in SITELESS_HOMES and (site := _site_of(row)) is not None:
            sites.add(site)


@event.listens_for(Session, "do_orm_execute")
def _collect_statement(state: ORMExecuteState) -> None:
    session = state.session
    if not session.info.get(WRITE) or not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name is None:
        return
    session.info.setdefault(TABLES, set()).add(name)
    if name in SITELESS_HOMES:
        return
    parameters: Any = state.parameters
    rows = parameters if isinstance(parameters, list) else [parameters] if isinstance(parameters, dict) else []
    sites: set[int | None] = session.info.setdefault(SITES, set())
    for row in rows:
        if isinstance(row, dict) and isinstance(row.get("site_id"), int):
            sites.add(row["site_id"])


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    forget(session)

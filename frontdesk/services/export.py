"""`frontdesk export`: the whole store as JSON, the product's data-portability format.

Top-level keys are table names; each holds a list of objects with every
column. Times are ISO 8601 in UTC, dates ISO dates, money integer minor
units. PIN hashes and unsaved drafts are left out. Rows are streamed, so a
large store never sits in memory whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, TextIO

from sqlalchemy import select

from frontdesk.store.db import Store
from frontdesk.store.models import (
    Alert,
    AuditEvent,
    Base,
    Category,
    Customer,
    Episode,
    Flag,
    FlagAcknowledgement,
    FollowUp,
    FollowUpAttempt,
    Incident,
    Playbook,
    PlaybookStep,
    Site,
    Staff,
    Visit,
)

SECTIONS: tuple[tuple[str, type[Base]], ...] = (
    ("sites", Site),
    ("staff", Staff),
    ("customers", Customer),
    ("visits", Visit),
    ("incidents", Incident),
    ("episodes", Episode),
    ("flags", Flag),
    ("flag_acknowledgements", FlagAcknowledgement),
    ("alerts", Alert),
    ("follow_ups", FollowUp),
    ("follow_up_attempts", FollowUpAttempt),
    ("categories", Category),
    ("playbooks", Playbook),
    ("playbook_steps", PlaybookStep),
    ("audit_events", AuditEvent),
)
LEFT_OUT = {"pin_hash"}


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def rows(store: Store, model: type[Base]) -> Iterator[dict[str, Any]]:
    columns = [column for column in model.__table__.columns if column.key not in LEFT_OUT]
    with store.read() as session:
        statement = select(model).order_by(*model.__table__.primary_key.columns)
        for row in session.scalars(statement.execution_options(yield_per=2000)):
            yield {column.key: _value(getattr(row, column.key)) for column in columns}
            session.expunge(row)


def write_export(store: Store, out: TextIO) -> None:
    """Write the store as one JSON object, table by table."""
    out.write("{")
    for number, (name, model) in enumerate(SECTIONS):
        out.write(("," if number else "") + f"\n{json.dumps(name)}: [")
        for index, row in enumerate(rows(store, model)):
            out.write(("," if index else "") + "\n  " + json.dumps(row, ensure_ascii=False))
        out.write("\n]")
    out.write("\n}\n")

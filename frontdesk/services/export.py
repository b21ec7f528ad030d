"""`frontdesk export`: the whole store as JSON, the product's data-portability format.

Top-level keys are table names; each holds a list of objects with every
column. Times are ISO 8601 in UTC, dates ISO dates, money integer minor
units. PIN hashes and unsaved drafts are left out. Rows are streamed, so a
large store never sits in memory whole, and all of them come from one
snapshot (one REPEATABLE READ transaction on PostgreSQL, one read
transaction on SQLite): a write committed meanwhile is either wholly in the
export or wholly out, so no row refers to one that is missing. A file is
written beside its target and renamed over it only when complete.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TextIO, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from frontdesk.errors import FrontdeskError
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
    if isinstance(value, date | time):  # a follow-up's planned local time is a time of day ("02:30:00")
        return value.isoformat()
    return value


def rows(session: Session, model: type[Base]) -> Iterator[dict[str, Any]]:
    table = cast(Table, model.__table__)  # a declarative model's table (typed as any FromClause)
    columns = [column for column in table.columns if column.key not in LEFT_OUT]
    statement = select(model).order_by(*table.primary_key.columns)
    for row in session.scalars(statement.execution_options(yield_per=2000)):
        yield {column.key: _value(getattr(row, column.key)) for column in columns}
        session.expunge(row)


def write_export(store: Store, out: TextIO) -> None:
    """Write the store as one JSON object, table by table, from one snapshot."""
    with store.read(bulk=True) as session:
        out.write("{")
        for number, (name, model) in enumerate(SECTIONS):
            out.write(("," if number else "") + f"\n{json.dumps(name)}: [")
            for index, row in enumerate(rows(session, model)):
                out.write(("," if index else "") + "\n  " + json.dumps(row, ensure_ascii=False))
            out.write("\n]")
        out.write("\n}\n")


def export_to_file(store: Store, target: Path) -> None:
    """Write the export to `target` (owner-only), or leave whatever was there untouched."""
    write_atomically(target, lambda out: write_export(store, out))


SPREADSHEET_FORMULA = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may read as a formula at the start of a cell."""


def spreadsheet_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text: a leading = + - @, tab or CR gets a leading '."""
    if isinstance(value, str) and value.startswith(SPREADSHEET_FORMULA):
        return "'" + value
    return value


def write_atomically(target: Path, write: Callable[[TextIO], None]) -> None:
    """Write a file owner-only, or leave whatever was at `target` untouched.

    The text goes to a hidden temporary file (mode 0600) in the same folder,
    which is flushed to disk and then renamed over the target in one step.
    """
    if not target.parent.is_dir():
        raise FrontdeskError(f"cannot write {target}: folder {target.parent} does not exist")
    try:
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    except OSError as exc:
        raise _write_failed(target, exc) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _write_failed(target, exc) from None
        raise


def _write_failed(target: Path, exc: OSError) -> FrontdeskError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return FrontdeskError(f"the disk holding {target} is full: nothing was written")
    return FrontdeskError(f"cannot write {target}: {exc.strerror or exc}; nothing was written")

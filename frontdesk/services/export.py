"""`frontdesk export`: the whole store as JSON, the product's data-portability format, or as CSV files.

Top-level keys are table names; each holds a list of objects with every
column. The CSV form is a new owner-only folder with one file per table and
the same columns, every cell spreadsheet-safe (`frontdesk.csvsafe`). Times are ISO 8601 in UTC, dates ISO dates, money integer minor
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
from typing import Any, TextIO

from sqlalchemy import ColumnElement, inspect, select
from sqlalchemy.orm import Session

from frontdesk.csvsafe import SafeWriter
from frontdesk.errors import FrontdeskError
from frontdesk.store.db import Store
from frontdesk.store.models import (
    Alert,
    AuditEvent,
    Base,
    Category,
    Customer,
    Episode,
    Erasure,
    Flag,
    FlagAcknowledgement,
    FollowUp,
    FollowUpAttempt,
    Incident,
    LegalHold,
    Playbook,
    PlaybookStep,
    RootCause,
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
    ("root_causes", RootCause),
    ("playbooks", Playbook),
    ("playbook_steps", PlaybookStep),
    ("audit_events", AuditEvent),
    ("legal_holds", LegalHold),
    ("erasures", Erasure),
)
LEFT_OUT = {"pin_hash"}


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | time):  # a follow-up's planned local time is a time of day ("02:30:00")
        return value.isoformat()
    return value


def columns_of(model: type[Base]) -> list[str]:
    """The exported columns of a table, in the table's order."""
    return [column.key for column in model.__table__.columns if column.key not in LEFT_OUT]


def rows(session: Session, model: type[Base], *where: ColumnElement[bool]) -> Iterator[dict[str, Any]]:
    """A table's rows (those matching `where`, if given) as exported, streamed in primary-key order."""
    columns = columns_of(model)
    statement = select(model).where(*where).order_by(*inspect(model).primary_key)
    for row in session.scalars(statement.execution_options(yield_per=2000)):
        yield {column: _value(getattr(row, column)) for column in columns}
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


def write_atomically(target: Path, write: Callable[[TextIO], object]) -> None:
    """Write a file (owner-only) whole or not at all.

    The text goes to a hidden temporary file in the same folder, which is
    flushed to disk and then renamed over the target in one step.
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


def export_csv(store: Store, target: Path) -> list[Path]:
    """Write the store as a new owner-only folder of CSV files, one per table (0600), from one snapshot.

    The folder is built under a hidden name beside the target and renamed
    into place when complete, so a failed export leaves no half folder.
    """
    if target.exists():
        raise FrontdeskError(f"{target} already exists: give a new folder name for the CSV export")
    if not target.parent.is_dir():
        raise FrontdeskError(f"cannot write {target}: folder {target.parent} does not exist")
    try:
        building = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial"))
    except OSError as exc:
        raise _write_failed(target, exc) from None
    try:
        os.chmod(building, 0o700)
        written = []
        with store.read(bulk=True) as session:
            for name, model in SECTIONS:
                path = building / f"{name}.csv"
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                    writer = SafeWriter(out)
                    columns = columns_of(model)
                    writer.writerow(columns)
                    writer.writerows([row[column] for column in columns] for row in rows(session, model))
                    out.flush()
                    os.fsync(out.fileno())
                written.append(target / path.name)
        os.rename(building, target)
        return written
    except BaseException as exc:
        for leftover in building.glob("*"):
            leftover.unlink(missing_ok=True)
        building.rmdir()
        if isinstance(exc, OSError):
            raise _write_failed(target, exc) from None
        raise


def _write_failed(target: Path, exc: OSError) -> FrontdeskError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return FrontdeskError(f"the disk holding {target} is full: nothing was written")
    return FrontdeskError(f"cannot write {target}: {exc.strerror or exc}; nothing was written")

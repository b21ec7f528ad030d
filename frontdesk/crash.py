"""Crash reports that keep personal data out: type and stack frames only.

An exception's message and a frame's local variables may hold a customer's
name, phone or email, so neither is written. A short reference ties the
apology on screen to the log entry.
"""

from __future__ import annotations

import os
import secrets
import traceback
from datetime import UTC, datetime
from pathlib import Path

from frontdesk import __version__
from frontdesk.paths import log_dir, private_dir

LOG_NAME = "crash.log"


def apology(reference: str) -> str:
    return (
        "Sorry, frontdesk hit an unexpected problem and had to stop.\n"
        "Everything saved before this moment is safe.\n"
        f"Please tell your manager the reference {reference}."
    )


def sanitized(error: BaseException) -> list[str]:
    """The exception's type and the frames it passed through, without messages or values."""
    lines = []
    for frame in traceback.extract_tb(error.__traceback__):
        lines.append(f"  {Path(frame.filename).name}:{frame.lineno} in {frame.name}")
    cause = error.__cause__ or error.__context__
    chain = f" (from {type(cause).__module__}.{type(cause).__qualname__})" if cause else ""
    return [f"{type(error).__module__}.{type(error).__qualname__}{chain}", *lines]


def record(error: BaseException, where: str = "app") -> str:
    """Append a sanitized entry to the crash log; return its reference (e.g. FD-3F9A2C)."""
    reference = f"FD-{secrets.token_hex(3).upper()}"
    entry = [f"[{datetime.now(UTC).isoformat()}] {reference} frontdesk {__version__} in {where}", *sanitized(error)]
    try:
        folder = private_dir(log_dir())
        path = folder / LOG_NAME
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write("\n".join(entry) + "\n")
    except OSError:
        pass  # A crash log that cannot be written must not hide the apology.
    return reference

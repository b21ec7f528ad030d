"""Spreadsheet-safe CSV: every CSV the product writes goes through here.

A spreadsheet reads a cell starting with `=`, `+`, `-` or `@` as a formula
(a guest's name "=HYPERLINK(…)" would run when a manager opens the file),
and a leading tab or carriage return hides one. Such a cell gets a leading
`'`, which spreadsheets show as text and do not evaluate (OWASP's advice on
CSV injection). Only the standard library: a base module any layer may use.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """One cell as inert text: None is empty, booleans are true/false, text with a risky start gets a `'`.

    Numbers are written as numbers: a negative amount is not a formula.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(RISKY_STARTS) else text


class SafeWriter:
    """`csv.writer` whose every cell has gone through `safe_cell`."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out, lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)

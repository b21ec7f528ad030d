"""How the first-run setup looks (issue 15 item 6 added "Kind of business"), at 80×24 and 120×40.

Each docstring says what the picture must show. The time zone is prefilled from TZ, pinned here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui import make_app, settle, type_text

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.mark.parametrize("size", SIZES)
def test_setup_with_the_kind_of_business(snap_compare: Any, tmp_path: Path, clock: Any, size: tuple[int, int],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """"Set up this store" over an empty store, every field on one row each with nothing to scroll: "Trattoria
    Lumen" typed as the site name, the time zone Europe/Berlin prefilled, phone region and currency empty with
    their hints, "Kind of business" a row of choices with "[restaurant]" chosen and focused (its caption
    reversed) beside hotel and clinic, then the first manager's name and the two PINs with their hints; the keys
    line "Tab: next field · Ctrl+S: save · Esc: back" in the dialog and the dialog's own footer (Save, Back,
    next option) at the bottom of the terminal."""
    monkeypatch.setenv("TZ", "Europe/Berlin")

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("s")
        await type_text(pilot, "Trattoria Lumen")
        await pilot.press("tab", "tab", "tab", "tab")
        await settle(pilot)

    app = make_app(f"sqlite:///{tmp_path / 'new.db'}", clock, staff=None)
    assert snap_compare(app, terminal_size=size, run_before=run_before)

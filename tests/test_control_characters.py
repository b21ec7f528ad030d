"""Escape sequences in stored text never reach the terminal: the real program on a pseudo-terminal.

A customer's name, a flag's headline and story, an alert, a staff member's
name, a terminal's name and the site's name are written straight into the
store with OSC 52 (write the clipboard), OSC 0 (set the window title) and
CSI 2J (clear the screen) in them, as a store written by an older version
or by hand could hold. The installed `frontdesk` then visits every screen
that shows them, and every byte it writes to the terminal is searched: none
of the three sequences may be there, and their visible forms ("^[]0;…") are.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update

from frontdesk.clock import SystemClock
from frontdesk.services import customers, incidents
from frontdesk.store.models import Alert, Customer, Flag, FlagAcknowledgement, Incident, Site, Staff
from tests.test_incident_draft import F3, Terminal

OSC_52 = "\x1b]52;c;SEFDS0VE\x07"
OSC_0 = "\x1b]0;PWNED\x07"
CSI_2J = "\x1b[2J"
FORBIDDEN = (b"\x1b]52;c;SEFDS0VE", b"\x1b]0;PWNED", b"Q\x1b[2J")
"""The three sequences as they would be written (the clear screen right after the letter before it)."""
F2, F4, F5, F6, F9, F12 = "\x1bOQ", "\x1bOS", "\x1b[15~", "\x1b[17~", "\x1b[20~", "\x1b[24~"
ESC = "\x1b"


TOUR: tuple[tuple[tuple[str, ...], tuple[str, ...], str | None], ...] = (
    ((), ("In house with a flag or incident", "Alert^[]52;c;SEFDS0VE^Gx^[]0;PWNED^GQ^[[2JZ"), "greet, in-house list, alert bar"),
    (("E", "v", "e"), ("1 found",), None),
    (("\r",), ("Notes^[]52",), "card"),
    ((F6,), ("Story^[]52",), "flag story"),
    ((F12,), ("Edit Eve^[]52",), "customer form"),
    ((ESC, F4), ("Soup^[]52", "Menu^[]52"), "follow-up queue and detail"),
    (("i",), ("On file",), "incident amend form"),
    ((ESC, F3), ("Who and when",), None),
    (("E", "v", "e"), ("Eve^[]52",), "incident form, customer picker"),
    ((F5,), ("Reports", "Menu^[]52", "Bistro^[]52"), "reports: top products, the title"),
    ((F9, ESC), ("Tom^[]52",), "sign-in (locked, back to the names)"),
)
"""Keys to press, what must then show (stored text made visible), and the screen that showed it."""


def hostile(word: str) -> str:
    return f"{word}{OSC_52}x{OSC_0}Q{CSI_2J}Z"


def seed(desk: Any) -> None:
    """A guest in house with a serious incident logged at the bar (flag, alert, overdue follow-up), then
    hostile text written over every name and headline, bypassing validation."""
    now = desk.now()
    guest = customers.create_customer(desk, customers.parse_customer(desk, {"name": "Eve Guest",
                                                                            "phone": "+49 30 5550100"}))
    customers.check_in(desk, guest)
    bar = replace(desk, terminal="bar")
    incidents.log_incident(bar, incidents.parse_incident(bar, {
        "customer_id": guest, "occurred_at": "20m ago", "category": "food", "severity": "major",
        "description": "Soup arrived cold", "raise_flag": True,
        "flag": {"headline": "Cold soup", "message": "Apologise first", "greeting": "Manager greets"},
        "plan": [{"kind": "check_in", "channel": "call", "owner_id": desk.staff_id,
                  "due_at": now + timedelta(minutes=30)}],
    }))
    with desk.store.begin() as session:
        session.execute(update(Customer).values(name=hostile("Eve"), notes=hostile("Notes")))
        session.execute(update(Flag).values(headline=hostile("Flag"), message=hostile("Story")))
        session.execute(update(Alert).values(headline=hostile("Alert"), created_terminal=hostile("Bar")))
        session.execute(update(Incident).values(description=hostile("Soup"), product=hostile("Menu")))
        session.execute(update(Staff).where(Staff.name == "Tom").values(name=hostile("Tom")))
        session.execute(update(Site).values(name=hostile("Bistro")))
        session.execute(update(FlagAcknowledgement).values(terminal=hostile("Stand")))


def test_stored_escape_sequences_never_reach_the_terminal(sqlite_desk: Any, show: Any) -> None:
    desk = replace(sqlite_desk, clock=SystemClock())
    seed(desk)
    url = desk.store.url.render_as_string(hide_password=False)
    command = [str(Path(sys.executable).with_name("frontdesk")), "--db", url, "--staff", "Maria",
               "--terminal", "stand"]
    terminal = Terminal(command, size=(120, 40))
    visited = []
    try:
        terminal.sign_in("2468")
        for keys, shown, screen in TOUR:
            terminal.keys(*keys)
            for words in shown:
                terminal.wait_for(words, timeout=60)
            if screen:
                visited.append(screen)
        terminal.keys(ESC)
    finally:
        terminal.end()
    raw = bytes(terminal.raw)
    found = [sequence for sequence in FORBIDDEN if sequence in raw]
    show(f"stored escape sequences (OSC 52, OSC 0, CSI 2J) on {len(visited)} screens of the real program: "
         f"{len(found)} reached the terminal in {len(raw):,} bytes written")
    assert found == [], found

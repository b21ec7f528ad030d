"""A kill loses at most the last moment of typing (a draft is kept 0.3 s after the last change, and on
leaving a field): the real program on a pseudo-terminal,
SIGKILLed halfway through an incident, offers it back on the next start at that terminal.

The program is the installed `frontdesk` command, with a fixed window size and
TERM=xterm-256color; keys are written to the pty as a terminal would send them.
What was typed is checked in the store, then on the screen of the second start,
then by saving the resumed incident. And the other way round: a process killed right
after `log_incident` committed leaves no draft of that incident to offer.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from frontdesk.services import drafts
from frontdesk.store.models import Incident

F3 = "\x1bOR"
TAB = "\t"
RIGHT = "\x1b[C"
CTRL_S = "\x13"
CTRL_Q = "\x11"
CSI = re.compile(r"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>NOMc78])")


class Terminal:
    """The program on a pty: keys in, everything it draws collected (escape sequences stripped)."""

    def __init__(self, command: list[str], size: tuple[int, int] = (80, 24)) -> None:
        self.master, slave = pty.openpty()
        columns, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)}
        self.process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env,
                                        start_new_session=True, close_fds=True)
        os.close(slave)
        self.raw = bytearray()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.raw.extend(chunk)

    @property
    def text(self) -> str:
        return CSI.sub("", self.raw.decode("utf-8", "replace"))

    def wait_for(self, words: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while words not in self.text:
            assert self.process.poll() is None, f"the program ended:\n{self.text[-2000:]}"
            assert time.monotonic() < deadline, f"{words!r} never shown:\n{self.text[-2000:]}"
            time.sleep(0.1)

    def keys(self, *keys: str, pause: float = 0.15) -> None:
        for key in keys:
            os.write(self.master, key.encode())
            # A lone Esc byte is a key only once nothing follows it for a moment: sent sooner, the next key's
            # bytes (F4 is Esc O S) arrive with it and the pair reads as neither (seen on a loaded machine).
            time.sleep(max(pause, 1.0) if key == "\x1b" else pause)

    def type(self, text: str) -> None:
        self.keys(*text, pause=0.05)

    def sign_in(self, pin: str, signed_in: str = "Maria · Bistro") -> None:
        """The person named by --staff types their PIN on the sign-in screen; wait until the mode bar
        names them (drawn after the PIN is typed: the greet screen shows behind the sign-in before it)."""
        self.wait_for("Sign in: who is at this terminal?", timeout=60)
        self.type(pin)
        before = len(self.text)
        self.keys("\r")
        deadline = time.monotonic() + 60
        while signed_in not in self.text[before:]:
            assert time.monotonic() < deadline, f"never signed in:\n{self.text[-2000:]}"
            time.sleep(0.05)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        os.close(self.master)

    def end(self) -> None:
        if self.process.poll() is None:
            self.keys(CTRL_Q)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        os.close(self.master)


def wait_for_draft(desk: Any, check: Any, timeout: float = 15.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        draft = drafts.load_draft(desk, "incident")
        if draft is not None and check(draft[0]):
            return draft[0]
        assert time.monotonic() < deadline, f"no draft with what was typed: {draft}"
        time.sleep(0.2)


def test_sigkill_halfway_through_an_incident_loses_nothing_but_the_last_second(sqlite_desk: Any) -> None:
    desk = replace(sqlite_desk, terminal="t1")
    url = desk.store.url.render_as_string(hide_password=False)
    command = [str(Path(sys.executable).with_name("frontdesk")), "--db", url, "--staff", "Maria", "--terminal", "t1"]

    first = Terminal(command)
    try:
        first.sign_in("2468")
        first.wait_for("F3 Incident")
        first.wait_for("Maria · Bistro Berlin")
        first.keys(F3)
        first.wait_for("Who and when")
        first.type("Mr Braun, table 4")
        first.keys(TAB, TAB, RIGHT, RIGHT, TAB, RIGHT, RIGHT, RIGHT, TAB, TAB, TAB)  # food, major, to the story
        # Leaving a field keeps the draft at once: category and severity kept means the Tabs have landed.
        wait_for_draft(desk, lambda p: (p["values"]["category"], p["values"]["severity"]) == ("food", "major"))
        first.type("Soup arrived cold")
        payload = wait_for_draft(desk, lambda p: p["values"]["description"] == "Soup arrived cold")
    finally:
        first.kill()
    assert payload["values"]["guest"] == "Mr Braun, table 4"
    assert (payload["values"]["category"], payload["values"]["severity"]) == ("food", "major")

    second = Terminal(command)
    try:
        second.sign_in("2468")
        second.wait_for("An incident was not saved")
        second.wait_for("Mr Braun, table 4")
        second.wait_for("Soup arrived cold")
        second.keys("\r")  # Enter: resume
        second.wait_for("Who and when")  # the form, filled from the draft
        second.keys(CTRL_S)
        second.wait_for("Incident #1 logged")
    finally:
        second.end()
    with desk.store.read() as session:
        incident = session.scalars(select(Incident)).one()
        assert (incident.guest_description, incident.description) == ("Mr Braun, table 4", "Soup arrived cold")
        assert (incident.category, incident.severity, incident.logged_terminal) == ("food", "major", "t1")
    assert drafts.load_draft(desk, "incident") is None


KILLED_AFTER_LOGGING = """
import sys
from datetime import datetime

from frontdesk.clock import FixedClock
from frontdesk.services import drafts, incidents
from frontdesk.services.context import Actor
from frontdesk.store.migrate import open_store

url, site_id, staff_id, now = sys.argv[1:]
desk = Actor(open_store(url), FixedClock(datetime.fromisoformat(now)), int(site_id), "t1", int(staff_id))
drafts.save_draft(desk, "incident", {"values": {"guest": "Mr Braun", "description": "Soup arrived cold"}})
data = incidents.parse_incident(desk, {"guest_description": "Mr Braun", "category": "food", "severity": "major",
                                       "description": "Soup arrived cold"})
result = incidents.log_incident(desk, data, draft=drafts.draft_key(desk, "incident"))
print("committed", result.incident_id, flush=True)
sys.stdin.read()  # killed here, right after the commit
"""


def log_and_get_killed(desk: Any, url: str) -> None:
    """A child process at terminal t1 logs from its draft and is SIGKILLed as soon as the log has committed."""
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_AFTER_LOGGING, url, str(desk.site_id), str(desk.staff_id),
         desk.clock.now().isoformat()],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        said = child.stdout.readline()  # the child says so once log_incident has returned (EOF if it died)
        assert said.startswith("committed"), child.stderr.read() if child.poll() is not None else said
    finally:
        child.kill()
        child.wait(10)
    assert child.returncode == -signal.SIGKILL


async def test_killed_right_after_log_incident_commits_no_draft_of_it_is_offered(sqlite_desk: Any) -> None:
    """A terminal process keeps a draft as the screen does, logs the incident from it, and is SIGKILLed the
    moment the log has committed. The next start at that terminal offers nothing: the log dropped the draft
    in its own transaction, so there is no moment between the two for a kill to land in."""
    from tests.ui import make_app, ready, screen_text, settle

    desk = replace(sqlite_desk, terminal="t1")
    url = desk.store.url.render_as_string(hide_password=False)
    log_and_get_killed(desk, url)
    with desk.store.read() as session:
        assert [row.guest_description for row in session.scalars(select(Incident))] == ["Mr Braun"]

    app = make_app(url, desk.clock, terminal="t1")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await settle(pilot)  # the look for a draft has finished
        assert "An incident was not saved" not in screen_text(app)
        assert app.current_mode == "greet"
    assert drafts.load_draft(desk, "incident") is None

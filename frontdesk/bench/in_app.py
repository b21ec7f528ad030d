"""App-level benchmark figures: startup, keystroke to render, main-thread stalls, queue open, lock and unlock.

`frontdesk bench` calls `app_figures()`. Startup is measured from outside, on
a pseudo-terminal, alternating three starts with a bare Textual app (Header,
Input, a 20-row list, Footer):

- `frontdesk`: started as a kiosk starts (no `--staff`), process start to the
  first frame (the greet screen's search box). Nothing touches the store
  before that frame, as before sign-in existed, so this figure compares
  across versions.
- `sign_in`: the same start, on to the sign-in screen drawn over it (the store
  opened and the staff listed by a worker): the first screen a person can use.
- `with_staff`: `--staff NAME` to the first frame, which now includes checking
  the name against the store (an unknown name exits before anything is drawn).

The other figures come from a child process that runs the app headless on
the benchmark store, so the peak RSS reported is the app's own.

    python -m frontdesk.bench.in_app bare           # the bare app, for comparison
    python -m frontdesk.bench.in_app app --db URL --staff NAME --site NAME --pin DIGITS
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from statistics import median
from typing import Any, TextIO

STARTUP_RUNS = 5
LOCKS = 20
"""F9 then the PIN, this many times: the lock and unlock figures."""
FRAME_TIMEOUT_S = 30.0
FRONTDESK_MARKER = b"name or phone number"
"""Part of the greet screen's search placeholder: on the very first frame."""
SIGN_IN_MARKER = b"is at this terminal?"
"""Part of the sign-in's title (and of the staff picker's before it): the first screen a person can use."""
BARE_MARKER = b"guests by name"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return round(ordered[index], 2)


# -- startup, from outside -------------------------------------------------------


def time_to_first_frame(command: list[str], marker: bytes, env: dict[str, str]) -> float:
    """Milliseconds from starting `command` on an 80×24 pty to `marker` on its screen."""
    return time_to_screens(command, [marker], env)[0]


def time_to_screens(command: list[str], markers: list[bytes], env: dict[str, str]) -> list[float]:
    """Milliseconds from starting `command` on an 80×24 pty to each of `markers` on its screen, in turn."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    started = time.monotonic()
    process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True,
                               start_new_session=True)
    os.close(slave)
    seen = b""
    elapsed: list[float] = []
    try:
        while len(elapsed) < len(markers) and time.monotonic() - started < FRAME_TIMEOUT_S:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                seen = (seen + chunk)[-65536:]
                while len(elapsed) < len(markers) and markers[len(elapsed)] in seen:
                    marker = markers[len(elapsed)]
                    elapsed.append((time.monotonic() - started) * 1000)
                    seen = seen[seen.index(marker) + len(marker):]  # the next marker must come after it
            elif process.poll() is not None:
                break
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
        os.close(master)
    if len(elapsed) < len(markers):
        raise RuntimeError(f"no {markers[len(elapsed)]!r} from {command[2:4]} within {FRAME_TIMEOUT_S:.0f} s")
    return elapsed


def measure_startup(store_url: str, site: str, staff: str, runs: int = STARTUP_RUNS) -> dict[str, float]:
    """Medians of `runs` alternating starts: frontdesk as a kiosk starts, the bare Textual app, frontdesk --staff.

    The first two alternate as they always have; `frontdesk` (to the first
    frame) and `ratio` keep their meaning across versions because nothing
    before that frame depends on the store. See the module's docstring.
    """
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    kiosk = [sys.executable, "-m", "frontdesk", "--db", store_url, "--site", site, "--terminal", "bench"]
    named = [*kiosk, "--staff", staff]
    bare = [sys.executable, "-m", "frontdesk.bench.in_app", "bare"]
    first: list[float] = []
    sign_in: list[float] = []
    with_staff: list[float] = []
    theirs: list[float] = []
    for _ in range(runs):
        frame, usable = time_to_screens(kiosk, [FRONTDESK_MARKER, SIGN_IN_MARKER], env)
        first.append(frame)
        sign_in.append(usable)
        theirs.append(time_to_first_frame(bare, BARE_MARKER, env))
        with_staff.append(time_to_first_frame(named, FRONTDESK_MARKER, env))
    return {
        "frontdesk": round(median(first), 1),
        "bare_textual": round(median(theirs), 1),
        "ratio": round(median(first) / median(theirs), 3),
        "sign_in": round(median(sign_in), 1),
        "with_staff": round(median(with_staff), 1),
        "runs": runs,
    }


# -- the bare app ------------------------------------------------------------------


def bare_app_class() -> type[Any]:
    """A bare Textual app of the same shape as the greet screen's first frame: Header, Input, a 20-row list, Footer."""
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Input, OptionList

    class BareApp(App[None]):
        BINDINGS = [("ctrl+q", "quit", "Quit")]

        def compose(self) -> ComposeResult:
            yield Header()
            yield Input(placeholder="Search guests by name or phone")
            yield OptionList(*[f"Guest number {number}" for number in range(20)])
            yield Footer()

    return BareApp


def run_bare() -> None:
    """The bare app on the terminal, for the startup comparison."""
    bare_app_class()().run()


# -- inside the app, headless ------------------------------------------------------


class LoopWatch:
    """Records how late the event loop wakes a 1 ms sleeper: the main thread's stalls."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.running = True

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while self.running:
            before = loop.time()
            await asyncio.sleep(0.001)
            self.gaps.append((loop.time() - before - 0.001) * 1000)


def _send_key(app: Any, key: str) -> None:
    """Deliver one key as the terminal driver does (posted to the app), without waiting for it."""
    from textual import events

    app.post_message(events.Key(key, key if len(key) == 1 else None))


async def _wait(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("the screen never showed the answer")
        await asyncio.sleep(0.0005)


class Painted:
    """When answers reach the screen, seen through Textual's public message hook (`run_test`).

    A search answer (the greet screen's `SearchDone`) counts as drawn once
    the screen has refreshed after handling it; a queue page when the due
    table says it is painted (`PageShown`). The lock counts as painted once
    the sign-in screen has refreshed after it is shown (its `ScreenResume`),
    and the unlock once the screen behind it has; the PIN check is seen
    starting (its worker's `StateChanged`) and answering (`SignInScreen.Answer`).
    No product widget carries a hook.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.answers: dict[str, float] = {}
        self.pages: list[float] = []
        self.lock: dict[str, float] = {}
        """This round's marks: `locked` (painted), `check` and `answer` (the PIN check), `restored` (painted)."""

    def __call__(self, message: Any) -> None:
        from textual import events
        from textual.worker import Worker, WorkerState

        from frontdesk.screens.greet import GreetScreen
        from frontdesk.screens.sign_in import SignInScreen
        from frontdesk.widgets.due_table import DueTable

        if isinstance(message, GreetScreen.SearchDone) and message.text not in self.answers:
            text = message.text
            self.app.screen.call_after_refresh(lambda: self.answers.setdefault(text, time.perf_counter()))
        elif isinstance(message, DueTable.PageShown) and message.count:
            self.pages.append(time.perf_counter())
        elif isinstance(message, events.ScreenResume):
            mark = "locked" if isinstance(self.app.screen, SignInScreen) else "restored" if "answer" in self.lock else None
            if mark is not None:
                self.app.screen.call_after_refresh(lambda: self.lock.setdefault(mark, time.perf_counter()))
        elif (isinstance(message, Worker.StateChanged) and message.worker.group == "pin"
              and message.state is WorkerState.RUNNING):
            self.lock.setdefault("check", time.perf_counter())
        elif isinstance(message, SignInScreen.Answer):
            self.lock.setdefault("answer", time.perf_counter())


async def _type_words(app: Any, pilot: Any, words: list[str], drawn: dict[str, float],
                      watch: LoopWatch) -> list[float]:
    """Type `words` letter by letter at 20 keys a second, each after Ctrl+U; per key, ms to its answer drawn.

    `drawn` is filled by the app's message hook with when each text's answer
    reached the screen; `watch` records the event loop's stalls meanwhile.
    """
    watcher = asyncio.create_task(watch.run())
    latencies: list[float] = []
    for word in words:
        await pilot.press("ctrl+u")
        drawn.clear()
        typed = ""
        for character in word:
            typed += character
            pressed = time.perf_counter()
            _send_key(app, character)
            await _wait(lambda: typed in drawn)  # awaited here, so the closure sees this `typed`
            latencies.append((drawn[typed] - pressed) * 1000)
            await asyncio.sleep(0.05)  # a fast typist: 20 keys a second
    watch.running = False
    await watcher
    return latencies


def _spread(latencies: list[float]) -> dict[str, Any]:
    return {"p50": _percentile(latencies, 0.50), "p95": _percentile(latencies, 0.95), "n": len(latencies)}


class Echoes:
    """When a key typed into the bare app reaches its screen: the refresh after its Input's `Changed`.

    The framework's floor for a keystroke on a screen of the greet screen's
    shape: the key echoed into the Input, the 20-row list shown beside it.
    Seen the way `Painted` sees our answers, through the public message hook.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.answers: dict[str, float] = {}

    def __call__(self, message: Any) -> None:
        from textual.widgets import Input

        if isinstance(message, Input.Changed) and message.value not in self.answers:
            text = message.value
            self.app.screen.call_after_refresh(lambda: self.answers.setdefault(text, time.perf_counter()))


async def _bare_keystrokes(words: list[str]) -> list[float]:
    """Keystroke to render in the bare app, typed and timed exactly as in ours (same size, pace, loop watch)."""
    app = bare_app_class()()
    echoes = Echoes(app)
    async with app.run_test(size=(120, 40), message_hook=echoes) as pilot:
        await pilot.pause(0.5)
        return await _type_words(app, pilot, words, echoes.answers, LoopWatch())


async def _inside_app(store_url: str, site: str, staff: str, words: list[str], pin: str,
                      locks: int = LOCKS) -> dict[str, Any]:
    from frontdesk.app import FrontdeskApp
    from frontdesk.bench.run import peak_rss_mb, reset_peak_rss
    from frontdesk.config import Settings

    app = FrontdeskApp(Settings(database_url=store_url, staff=staff, site=site, terminal="bench"),
                       watch_store=False, pin=pin)
    painted = Painted(app)
    drawn = painted.answers
    figures: dict[str, Any] = {}
    async with app.run_test(size=(120, 40), message_hook=painted) as pilot:
        await _wait(lambda: app.desk is not None, timeout=60)
        await pilot.pause(0.5)
        # Started, the store open, signed in: the PIN's scrypt holds 32 MB while it checks. The desk's own peak
        # (typing, the queue: the work measured before sign-in existed) counts from here; the whole run's below.
        figures["sign_in_peak_rss_mb"] = signed_in = peak_rss_mb()
        desk_alone = reset_peak_rss()
        watch = LoopWatch()
        latencies = await _type_words(app, pilot, words, drawn, watch)
        figures["keystroke_to_render_ms"] = _spread(latencies)
        figures["main_thread_stall_ms"] = {
            "p99": _percentile(watch.gaps, 0.99), "max": round(max(watch.gaps, default=0.0), 2),
            "samples": len(watch.gaps),
        }
        figures["queue_open_ms"] = await _queue_open(app, painted)
        if desk_alone:
            figures["desk_peak_rss_mb"] = peak_rss_mb()
        figures.update(await _lock_and_unlock(app, painted, pin, locks))
    figures["peak_rss_mb"] = max(signed_in, peak_rss_mb())
    return figures


async def _queue_open(app: Any, painted: Painted) -> dict[str, Any]:
    """F4 pressed to the queue's first page painted."""
    painted.pages.clear()
    started = time.perf_counter()
    _send_key(app, "f4")
    await _wait(lambda: bool(painted.pages), timeout=30)
    elapsed = (painted.pages[0] - started) * 1000
    return {"ms": round(elapsed, 1), "open_follow_ups": _open_follow_ups(app)}


async def _lock_and_unlock(app: Any, painted: Painted, pin: str, rounds: int) -> dict[str, Any]:
    """F9 to the lock screen painted; the PIN's Enter to the screen behind it painted again, less the PIN check
    (from its worker starting to its answer arriving), which `pin_verify_ms` reports on its own."""
    from textual.widgets import Input

    locks: list[float] = []
    unlocks: list[float] = []
    checks: list[float] = []
    marks = painted.lock
    for _ in range(rounds):
        marks.clear()
        pressed = time.perf_counter()
        _send_key(app, "f9")
        await _wait(lambda: "locked" in marks)
        locks.append((marks["locked"] - pressed) * 1000)
        field = app.screen.query_one("#staff-pin", Input)
        for digit in pin:
            _send_key(app, digit)
        await _wait(lambda: field.value == pin)
        await asyncio.sleep(0.05)
        pressed = time.perf_counter()
        _send_key(app, "enter")
        await _wait(lambda: "restored" in marks, timeout=30)
        check = marks["answer"] - marks["check"]
        unlocks.append((marks["restored"] - pressed - check) * 1000)
        checks.append(check * 1000)
        await asyncio.sleep(0.2)
    return {
        "lock_ms": {"p50": _percentile(locks, 0.50), "p95": _percentile(locks, 0.95), "n": len(locks)},
        "unlock_ms": {"p50": _percentile(unlocks, 0.50), "p95": _percentile(unlocks, 0.95), "n": len(unlocks),
                      "pin_check_in_app_p50": _percentile(checks, 0.50)},
    }


def _open_follow_ups(app: Any) -> int:
    from frontdesk.services.followups import due_queue

    return due_queue(app.desk, limit=1).total


def app_main(args: argparse.Namespace) -> None:
    words = json.loads(args.words) if args.words else ["gar", "mar", "jo", "smi", "ann", "li"]
    figures = asyncio.run(_inside_app(args.db, args.site, args.staff, words, args.pin, args.locks))
    print(json.dumps(figures))


def _child(arguments: list[str], what: str) -> Any:
    """Run `python -m frontdesk.bench.in_app ARGUMENTS` and read the JSON on its last line."""
    result = subprocess.run([sys.executable, "-m", "frontdesk.bench.in_app", *arguments],
                            capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(f"the {what} measurement failed: {result.stderr.strip().splitlines()[-1:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure_inside_app(store_url: str, site: str, staff: str, words: list[str], pin: str,
                       locks: int = LOCKS) -> dict[str, Any]:
    """Run the headless measurements in a child process (its peak RSS is the app's)."""
    figures: dict[str, Any] = _child(["app", "--db", store_url, "--site", site, "--staff", staff, "--pin", pin,
                                      "--words", json.dumps(words), "--locks", str(locks)], "app")
    return figures


def measure_bare_keystrokes(words: list[str]) -> list[float]:
    """Keystroke to render in the bare Textual app, in a child process of its own: each key's ms."""
    latencies: list[float] = _child(["bare-keys", "--words", json.dumps(words)], "bare app's keystroke")
    return latencies


def against_bare(ours: dict[str, Any], bare: list[float]) -> dict[str, Any]:
    """Our keystroke figure with the bare app's beside it and our p95 as a multiple of its p95."""
    theirs = _spread(bare)
    return {**ours, "bare_textual": theirs, "ratio_p95": round(ours["p95"] / theirs["p95"], 3)}


def app_figures(store_url: str, *, site: str, staff: str, words: list[str], pin: str, out: TextIO,
                startup_runs: int = STARTUP_RUNS, locks: int = LOCKS) -> dict[str, Any]:
    """Startup on a pty, then the headless figures, keystrokes also in a bare Textual app (before and after ours).

    `startup_runs` and `locks` exist so a test can run it quickly.
    """
    out.write(f"Measuring startup ({startup_runs} alternating runs: frontdesk as a kiosk starts, a bare Textual app, "
              "frontdesk --staff)…\n")
    out.flush()
    figures: dict[str, Any] = {"startup_ms": measure_startup(store_url, site, staff, startup_runs)}
    out.write("Measuring keystroke to render in a bare Textual app, then keystroke to render, main-thread stalls, "
              "queue open, lock and unlock in the app, then the bare app again…\n")
    out.flush()
    bare = measure_bare_keystrokes(words)
    figures.update(measure_inside_app(store_url, site, staff, words, pin, locks))
    bare += measure_bare_keystrokes(words)
    figures["keystroke_to_render_ms"] = against_bare(figures["keystroke_to_render_ms"], bare)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m frontdesk.bench.in_app")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("bare")
    commands.add_parser("bare-keys").add_argument("--words", required=True)
    app = commands.add_parser("app")
    app.add_argument("--db", required=True)
    app.add_argument("--site", required=True)
    app.add_argument("--staff", required=True)
    app.add_argument("--words")
    app.add_argument("--pin", required=True)
    app.add_argument("--locks", type=int, default=LOCKS)
    args = parser.parse_args(argv)
    if args.command == "bare":
        run_bare()
    elif args.command == "bare-keys":
        print(json.dumps(asyncio.run(_bare_keystrokes(json.loads(args.words)))))
    else:
        app_main(args)


if __name__ == "__main__":
    main()

"""Where a keystroke's time goes in the app, beside the bare Textual app's echo (issue 19 item 4).

    .venv/bin/python docs/profiles/keystroke.py STORE_URL SITE STAFF PIN

Types the same words as `frontdesk bench` would (a fixed list here) into the
app headless at 120x40, 20 keys a second, and splits each key's time with
marks from Textual's public message hook: the key to the Input's `Changed`
(the echo handled), `Changed` to the greet screen's `SearchDone` (the worker
started, the search run, its answer posted back), and `SearchDone` to the
screen's refresh after it. Then the bare app, typed the same way.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time

from textual.widgets import Input

from frontdesk.app import FrontdeskApp
from frontdesk.bench import in_app
from frontdesk.config import Settings
from frontdesk.screens.greet import GreetScreen

WORDS = ["gar", "mar", "jo", "smi", "ann", "li", "garcia", "romano", "silva", "ken"]


async def measure(url: str, site: str, staff: str, pin: str) -> list[tuple[float, float, float, float]]:
    app = FrontdeskApp(Settings(database_url=url, staff=staff, site=site, terminal="bench"), watch_store=False, pin=pin)
    painted = in_app.Painted(app)
    marks: dict[tuple[str, str], float] = {}

    def hook(message: object) -> None:
        painted(message)
        now = time.perf_counter()
        if isinstance(message, Input.Changed):
            marks.setdefault(("changed", message.value), now)
        elif isinstance(message, GreetScreen.SearchDone):
            marks.setdefault(("done", message.text), now)

    parts = []
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await in_app._wait(lambda: app.desk is not None, timeout=60)
        await pilot.pause(0.5)
        for word in WORDS:
            await pilot.press("ctrl+u")
            painted.answers.clear()
            marks.clear()
            typed = ""
            for character in word:
                typed += character
                pressed = time.perf_counter()
                in_app._send_key(app, character)
                await in_app._wait(lambda: typed in painted.answers)
                changed, done, drawn = marks[("changed", typed)], marks[("done", typed)], painted.answers[typed]
                parts.append((changed - pressed, done - changed, drawn - done, drawn - pressed))
                await asyncio.sleep(0.05)
    return parts


def main() -> None:
    url, site, staff, pin = sys.argv[1:5]
    parts = asyncio.run(measure(url, site, staff, pin))
    bare = json.loads(subprocess.run([sys.executable, "-m", "frontdesk.bench.in_app", "bare-keys", "--words",
                                      json.dumps(WORDS)], capture_output=True, text=True, check=True).stdout)
    names = ["key to Input.Changed", "Changed to SearchDone (worker, search, back)", "SearchDone to painted",
             "frontdesk: key to painted"]
    for index, name in enumerate(names):
        values = sorted(part[index] * 1000 for part in parts)
        print(f"{name:<46} p50 {values[len(values) // 2]:6.1f}  p95 {values[int(.95 * len(values)) - 1]:6.1f}  "
              f"mean {statistics.mean(values):6.1f} ms")
    values = sorted(bare)
    print(f"{'bare Textual: key to painted':<46} p50 {values[len(values) // 2]:6.1f}  "
          f"p95 {values[int(.95 * len(values)) - 1]:6.1f}  mean {statistics.mean(values):6.1f} ms")


if __name__ == "__main__":
    main()

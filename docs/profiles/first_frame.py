"""CPU to the first frame, frontdesk against the bare Textual app, by where the time goes (issue 19 item 5).

    .venv/bin/python docs/profiles/first_frame.py STORE_URL SITE [RUNS]

Each run is a fresh process per app (alternating), profiled with cProfile on
the process CPU clock from the first import to Textual's `Ready` (the first
frame; the store opens after it). Own time is put in categories; time in
builtins and the standard library goes to whoever called it. Prints the
medians as a Markdown table: the difference column sums to the gap.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

CHILD = r'''
import asyncio, collections, cProfile, json, pstats, sys, time
which, url, site = sys.argv[1:4]
profile = cProfile.Profile(time.process_time)
profile.enable()
from textual import events
if which == "bare":
    from frontdesk.bench.in_app import bare_app_class
    app = bare_app_class()()
else:
    from frontdesk.cli import _settings, build_parser
    from frontdesk.app import FrontdeskApp
    app = FrontdeskApp(_settings(build_parser().parse_args(["--db", url, "--site", site, "--terminal", "bench"])))
    app.on_ready = lambda: None  # the store opens after the first frame
ready = []
def hook(message):
    if isinstance(message, events.Ready) and not ready:
        profile.disable()
        ready.append(1)
async def main():
    async with app.run_test(size=(80, 24), message_hook=hook):
        while not ready:
            await asyncio.sleep(0.001)
asyncio.run(main())
stats = pstats.Stats(profile)
LAYOUT = ("/textual/_compositor", "/textual/_arrange", "/textual/layouts/", "/textual/_layout", "/textual/geometry",
          "/textual/_resolve", "/textual/box_model", "/textual/_box_model")
RENDER = ("/rich/", "/textual/strip", "/textual/_segment", "/textual/render", "/textual/content", "/textual/visual",
          "/textual/color", "/textual/_border", "/textual/filter")
def category(key):
    path, _, name = key
    if name == "<module>" or "frozen importlib" in path or "_bootstrap" in path:
        return "imports (module code and loading)"
    if "/frontdesk/" in path:
        return "frontdesk code"
    if "/textual/css/" in path or "/textual/_styles_cache" in path:
        return "Textual CSS (parse, match, apply)"
    if any(part in path for part in LAYOUT):
        return "Textual layout"
    if any(part in path for part in RENDER):
        return "render (Rich, strips, content)"
    if "/textual/" in path:
        return "Textual other (messages, DOM, widgets)"
    return "neutral"
totals = collections.Counter()
def spread(key, amount, depth=0):
    own = category(key)
    callers = stats.stats[key][4]
    weight = sum(value[2] for value in callers.values())
    if own != "neutral" or depth > 6 or weight <= 0:
        totals["standard library, builtins (uncalled)" if own == "neutral" else own] += amount
        return
    for caller, value in callers.items():
        share = amount * value[2] / weight
        if caller in stats.stats:
            spread(caller, share, depth + 1)
        else:
            totals["standard library, builtins (uncalled)"] += share
for key, row in stats.stats.items():
    spread(key, row[2])
print(json.dumps({"which": which, "total": stats.total_tt, **totals}))
'''


def main() -> None:
    url, site = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    rows = []
    for _ in range(runs):
        for which in ("bare", "frontdesk"):
            done = subprocess.run([sys.executable, "-c", CHILD, which, url, site], capture_output=True, text=True,
                                  check=True)
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    keys = sorted({key for row in rows for key in row} - {"which", "total"}) + ["total"]
    median = {which: {key: statistics.median(row.get(key, 0.0) for row in rows if row["which"] == which)
                      for key in keys} for which in ("bare", "frontdesk")}
    gap = median["frontdesk"]["total"] - median["bare"]["total"]
    print("| where (own CPU, profiled) | bare Textual ms | frontdesk ms | difference ms | share of the difference |")
    print("|---|---|---|---|---|")
    for key in keys:
        difference = median["frontdesk"][key] - median["bare"][key]
        print(f"| {key} | {median['bare'][key] * 1000:.0f} | {median['frontdesk'][key] * 1000:.0f} | "
              f"{difference * 1000:+.0f} | {100 * difference / gap:.0f}% |")


if __name__ == "__main__":
    main()

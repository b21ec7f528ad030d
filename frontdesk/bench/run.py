"""`frontdesk bench`: build a synthetic restaurant group and time what a guest waits for.

It measures at the service layer, the way the screens call it: finding a
customer as the host types (`search_ms`, over queries drawn from the store's
own names, phones and emails, a quarter of them one or two characters
long), saving a full deposition with its flag and follow-up plan on a store
that syncs every commit (`log_incident_ms`), and the first page of the due
queue with exactly 10,000 open follow-ups at the site (`queue_page_ms`).
The app-level figures (startup, keystroke to render, main-thread stall,
queue open) belong to the screens and are added through `app_figures`.

The JSON keys are a contract that later figures extend:
{"customers": N, "search_ms": {"p50", "p95", "n"}, "log_incident_ms": {"p50", "p95"},
"queue_page_ms": {"p50", "p95", "open_follow_ups"}, "backend", "build_s", "peak_rss_mb", …}.
"""

from __future__ import annotations

import json
import math
import os
import platform
import random
import re
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from frontdesk import __version__
from frontdesk.bench.in_app import LOCKS, STARTUP_RUNS
from frontdesk.bench.report_figures import REPORT_RUNS, measure_report

SEARCHES = 240
"""Queries timed; at least a fifth of them are one or two characters long."""
SHORT_SHARE = 0.25
DEPOSITIONS = 200
QUEUE_REPEATS = 50
QUEUE_OPEN = 10_000
"""Open follow-ups at the measured site when its queue is timed."""
WARM_UP = 10
TERMINAL = "bench"
PIN_VERIFIES = 10
"""Sign-ins timed with the real scrypt parameters (about 190 ms each)."""
BENCH_PIN = "2580"
"""The measured lead's PIN: the synthetic staff have none until the bench gives them this one."""


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the value that `share` of the samples do not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(samples: list[float]) -> dict[str, float]:
    return {"p50": round(percentile(samples, 0.50), 3), "p95": round(percentile(samples, 0.95), 3)}


class Samples:
    """Wall-clock times (what a person waits) and the measuring thread's CPU times, in ms.

    On a shared machine the wall figure includes waiting for a core; the CPU
    figure does not (nor, for a deposition, waiting for the disk), so the
    two together say how much of a figure is the product and how much the
    machine.
    """

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    @contextmanager
    def timing(self) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.thread_time()
        yield
        self.wall.append((time.perf_counter() - wall) * 1000)
        self.cpu.append((time.thread_time() - cpu) * 1000)


def peak_rss_mb() -> float:
    """This process's own peak resident memory so far.

    Linux's VmHWM first: `ru_maxrss` of a process started by another one
    reports the starter's peak when that was higher (exec carries it over),
    so the app measured in a child would show the bench's 400 MB build.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def reset_peak_rss() -> bool:
    """Count this process's peak resident memory again from what it holds now (Linux's clear_refs); False where
    that is not possible, and the peak then still counts from the start."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def app_figures(store_url: str, *, site: str, staff: str, words: list[str], out: TextIO,
                startup_runs: int = STARTUP_RUNS, locks: int = LOCKS) -> dict[str, Any]:
    """The app-level figures, measured on the bench store while it exists (see frontdesk.bench.in_app)."""
    from frontdesk.bench.in_app import app_figures as measure

    return measure(store_url, site=site, staff=staff, words=words, pin=BENCH_PIN, out=out,
                   startup_runs=startup_runs, locks=locks)


def typed_words(queries: list[str], count: int = 12) -> list[str]:
    """Name-like queries a host types letter by letter, for keystroke-to-render."""
    words = [query for query in queries if query.isalpha() and 3 <= len(query) <= 8]
    return words[:count]


class Progress:
    """Says what the build is doing and how far it is, about every tenth of a stage."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.started = time.perf_counter()
        self.stage = ""
        self.shown = -1

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage.startswith("index "):
            self.say(f"building {stage} ({done + 1} of {total})")
            return
        tenth = 10 * done // total if total else 10
        if stage != self.stage or tenth > self.shown:
            self.stage, self.shown = stage, tenth
            self.say(f"{stage}: {done:,} of {total:,} ({100 * done // total if total else 100}%)")

    def say(self, text: str) -> None:
        print(f"  {time.perf_counter() - self.started:7.1f} s  {text}", file=self.out, flush=True)


@contextmanager
def _bench_store(database_url: str | None, force: bool) -> Iterator[Any]:
    """The store to fill: a temporary SQLite file (removed afterwards) or the given URL, if empty."""
    from frontdesk.errors import NotAllowed
    from frontdesk.services import setup
    from frontdesk.store.migrate import open_store

    folder = Path(tempfile.mkdtemp(prefix="frontdesk-bench-")) if database_url is None else None
    try:
        store = open_store(database_url or f"sqlite:///{folder}/bench.db")
        try:
            if not setup.is_empty(store) and not force:
                raise NotAllowed(f"{store.display_url} already has data; the bench fills an empty store "
                                 "(use --force to add its synthetic sites anyway)")
            yield store
        finally:
            store.dispose()
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def search_queries(store: Any, rng: random.Random, count: int) -> list[str]:
    """What hosts type: names, surname prefixes, phone digits however written, emails; a quarter 1–2 characters."""
    from sqlalchemy import func, select

    from frontdesk.services.search import phone_digits
    from frontdesk.text import fold
    from frontdesk.store.models import Customer

    with store.read(bulk=True) as session:
        low, high = session.execute(select(func.min(Customer.id), func.max(Customer.id))).one()
        wanted = {rng.randint(low, high) for _ in range(count * 2)}
        people = session.execute(
            select(Customer.name, Customer.phone, Customer.email).where(Customer.id.in_(sorted(wanted)))
            .order_by(Customer.id)
        ).all()
    rng.shuffle(people)
    short = max(math.ceil(count * SHORT_SHARE), math.ceil(count / 5))
    queries = []
    for number, (name, phone, email) in enumerate(people[:count]):
        words = name.split()
        if number < short:
            national = [min(phone_digits(phone), key=len)] if phone else []
            queries.append(rng.choice(words + national)[: rng.choice((1, 2))])
            continue
        style = rng.randrange(6)
        if style == 0:
            queries.append(words[0])
        elif style == 1:
            queries.append(fold(words[-1])[: rng.randint(3, 5)])
        elif style == 2:
            queries.append(f"{words[0]} {words[-1][: rng.randint(1, 4)]}")
        elif style == 3 and phone:
            queries.append(_typed_phone(phone, rng))
        elif style == 4 and email:
            queries.append(email[: rng.randint(4, len(email))])
        else:
            queries.append(fold(words[0])[:3] + " " + fold(words[-1])[:3])
    rng.shuffle(queries)
    return queries


def _typed_phone(e164: str, rng: random.Random) -> str:
    """A phone's first digits as a host types them: "+44 79 12", "0044 7912", "212 55"."""
    import phonenumbers

    number = phonenumbers.parse(e164)
    national = phonenumbers.national_significant_number(number)
    code = str(number.country_code)
    cut = rng.randint(3, len(national))
    style = rng.randrange(3)
    if style == 0:
        return f"+{code} {national[:cut]}"
    if style == 1:
        return f"00{code} {national[:cut]}"
    return re.sub(r"(\d{3})(?=\d)", r"\1 ", national[:cut])


def measure_search(store: Any, queries: list[str]) -> tuple[Samples, int]:
    """Each query once, after a short warm-up; returns the times and how many found nobody."""
    from frontdesk.services.search import find_customers

    for query in queries[:WARM_UP]:
        find_customers(store, query)
    samples, misses = Samples(), 0
    for query in queries:
        with samples.timing():
            hits = find_customers(store, query)
        misses += not hits
    return samples, misses


def measure_queue(actor: Any, repeats: int) -> tuple[Samples, int]:
    """The first page of the everyone/all queue, as the F4 screen opens it."""
    from frontdesk.services.followups import due_queue

    total = 0
    for _ in range(3):
        total = due_queue(actor).total
    samples = Samples()
    for _ in range(repeats):
        with samples.timing():
            due_queue(actor)
    return samples, total


def measure_log_incident(actor: Any, customer_ids: list[int], count: int, rng: random.Random) -> Samples:
    """Full depositions, each with a flag, the playbook's plan, a remedy, and often a promise and a hand-off."""
    from frontdesk.services import incidents
    from frontdesk.demo.data import demo_data

    stories = demo_data().stories
    samples, warm_up = Samples(), Samples()
    for number in range(count + 3):
        story = rng.choice(stories)
        now = actor.now()
        raw: dict[str, Any] = {
            "customer_id": rng.choice(customer_ids),
            "occurred_at": now - timedelta(minutes=rng.randint(5, 60)),
            "category": story.category,
            "severity": rng.choice([s for s in story.severities if s != "minor"] or ["moderate"]),
            "description": story.description,
            "reaction": story.reaction,
            "product": story.product,
            "location": "Table 12",
            "remedy_kind": story.remedy,
            "remedy_cost": story.cost * 100 if story.remedy not in (None, "none", "apology") else 0,
            "raise_flag": True,
            "flag": {"headline": f"{story.category} follow-up", "message": story.description,
                     "greeting": "Acknowledge what happened first; the manager will stop by."},
        }
        if story.promise:
            raw.update(promise_text=story.promise, promise_likelihood="likely", promise_due_at=now + timedelta(days=2))
        if story.handoff:
            raw.update(handoff_to=story.handoff, handoff_expected_at=now + timedelta(days=1))
        data = incidents.parse_incident(actor, raw)
        with (samples if number >= 3 else warm_up).timing():
            result = incidents.log_incident(actor, data)
        if result.flag_id is None or not result.follow_ups:
            raise RuntimeError("a bench deposition came back without its flag or plan; the figure would flatter")
    return samples


def measure_pin_verify(actor: Any, repeats: int) -> Samples:
    """The sign-in service checking the actor's PIN (the slow hash and its one write): what unlock_ms leaves out."""
    from frontdesk.services import pins

    samples = Samples()
    terminal = actor.as_staff(None)
    for _ in range(repeats):
        with samples.timing():
            pins.sign_in(terminal, actor.staff_id, BENCH_PIN)
    return samples


def _synchronous(store: Any) -> str:
    """What the app's own connections run with (the figure promises FULL on SQLite)."""
    if not store.is_sqlite:
        return "n/a"
    with store.engine.connect() as connection:
        level = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    return {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(level, str(level))


def run_bench(
    customers: int,
    database_url: str | None,
    json_path: str | None,
    force: bool,
    seed: int,
    screens: bool,
    *,
    searches: int = SEARCHES,
    depositions: int = DEPOSITIONS,
    queue_repeats: int = QUEUE_REPEATS,
    queue_open: int = QUEUE_OPEN,
    pin_verifies: int = PIN_VERIFIES,
    incidents: int | None = None,
    report_runs: int = REPORT_RUNS,
    startup_runs: int = STARTUP_RUNS,
    locks: int = LOCKS,
    out: TextIO | None = None,
) -> int:
    """Build, measure, print a table, and write the JSON; returns the exit status.

    The keyword-only counts exist so tests can run a small bench quickly.
    """
    from frontdesk.clock import FixedClock, SystemClock
    from frontdesk.errors import InvalidInput
    from frontdesk.services import pins, setup
    from frontdesk.services.context import Actor
    from frontdesk.bench import synth

    out = out or sys.stdout
    if customers < 100:
        raise InvalidInput.one("customers", "at least 100 (the figures mean little below that)")
    if incidents is not None and not 1 <= incidents <= customers:
        raise InvalidInput.one("incidents", f"between 1 and the number of customers ({customers:,})")
    rng = random.Random(seed)
    figures: dict[str, Any] = {"customers": customers}
    with _bench_store(database_url, force) as store:
        backend = "sqlite" if store.is_sqlite else "postgresql"
        where = store.display_url
        print(f"Building a synthetic store of {customers:,} customers ({backend}, seed {seed}) "
              f"in {store.display_url}", file=out, flush=True)
        started = time.perf_counter()
        progress = Progress(out)
        now = datetime.now(UTC)
        sites = synth.set_up_group(store, FixedClock(now - timedelta(days=synth.HISTORY_DAYS + 2)), seed)
        counts = synth.build(store, sites, customers=customers, now=now, seed=seed, progress=progress,
                             incidents=incidents)
        progress.say(f"setting exactly {queue_open:,} open follow-ups at {sites[0].name}")
        open_follow_ups = synth.set_open_follow_ups(store, sites[0].id, queue_open, now=now, seed=seed)
        build_s = time.perf_counter() - started
        progress.say(f"built in {build_s:.1f} s; measuring")
        site = sites[0]
        lead = next(s for s in setup.list_staff(store, site_id=site.id) if s.role == "lead" and s.site_id == site.id)
        actor = Actor(store, SystemClock(), site.id, TERMINAL, lead.id)
        pins.set_pin(Actor(store, SystemClock(), site.id, TERMINAL, store_authority=True), lead.id, BENCH_PIN)

        load_before = _load()
        queries = search_queries(store, rng, searches)
        search_samples, misses = measure_search(store, queries)
        queue_samples, queue_total = measure_queue(actor, queue_repeats)
        with store.read(bulk=True) as session:
            from sqlalchemy import select

            from frontdesk.store.models import Customer

            customer_ids = list(session.scalars(select(Customer.id).where(Customer.site_id == site.id).limit(5000)))
        # Logged by the site's manager: remedies have no limit for a manager, so no deposition waits for an
        # approval (a lead's limit, 100.00, is below some of the demo stories' remedies) and the work timed is
        # the deposition alone, as before remedy limits existed.
        manager = next(s for s in setup.list_staff(store, site_id=site.id) if s.role == "manager" and s.site_id == site.id)
        log_samples = measure_log_incident(actor.as_staff(manager.id), customer_ids, depositions, rng)
        pin_samples = measure_pin_verify(actor, pin_verifies)
        report_ms, report_incidents = measure_report(actor.as_staff(manager.id), report_runs)
        figures.update({
            "backend": backend,
            "build_s": round(build_s, 1),
            "search_ms": {**summary(search_samples.wall), "n": len(search_samples.wall)},
            "log_incident_ms": summary(log_samples.wall),
            "queue_page_ms": {**summary(queue_samples.wall), "open_follow_ups": open_follow_ups},
            "pin_verify_ms": {**summary(pin_samples.wall), "n": len(pin_samples.wall)},
            "report_ms": report_ms,
            "report_detail": {"scope": "last 4 weeks, first site", "incidents": report_incidents,
                              "runs": report_runs},
        })
        figures.update({
            "peak_rss_mb": peak_rss_mb(),
            "bench_peak_rss_mb": peak_rss_mb(),
            "store": {
                "visits": counts.visits, "search_tokens": counts.search_tokens, "incidents": counts.incidents,
                "follow_ups": counts.follow_ups, "active_flags": counts.active_flags, "in_house": counts.in_house,
                "sites": len(sites),
            },
            "search_detail": {
                "short_queries": sum(len(query.strip()) <= 2 for query in queries),
                "no_hits": misses,
                "queue_total_seen": queue_total,
            },
            "cpu_ms": {"search": summary(search_samples.cpu), "log_incident": summary(log_samples.cpu),
                       "queue_page": summary(queue_samples.cpu)},
            "repeats": {"log_incident": len(log_samples.wall), "queue_page": len(queue_samples.wall)},
            "synchronous": _synchronous(store),
            "seed": seed,
            "screens": screens,
            "frontdesk": __version__,
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "machine": f"{platform.machine()}, {_cpus()} cores",
            "load_average": {"before": load_before, "after": _load()},
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        })
        if screens:
            # The depositions above added follow-ups: the queue figure needs exactly QUEUE_OPEN again.
            synth.set_open_follow_ups(store, sites[0].id, queue_open, now=now, seed=seed)
            # The app's own figures; its peak RSS (the app process's) replaces the bench's.
            figures.update(app_figures(store.url.render_as_string(hide_password=False),
                                       site=site.name, staff=lead.name, words=typed_words(queries), out=out,
                                       startup_runs=startup_runs, locks=locks))
    _print_table(figures, out, screens)
    if database_url:
        print(f"The synthetic store stays in {where}.", file=out)
    if json_path:
        write_figures(figures, json_path, out)
    return 0


def write_figures(figures: dict[str, Any], json_path: str, out: TextIO) -> None:
    """The figures as JSON at `json_path` (its folder made if need be), and where they went."""
    path = Path(json_path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"Figures written to {path}", file=out)


def _load() -> float | None:
    """The machine's one-minute load average: other work on the cores shows in every figure."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


GOALS: dict[str, tuple[str, float, str]] = {
    "search_ms": ("p95", 1.0, "search, p95 ≤ 1 ms"),
    "log_incident_ms": ("p95", 20.0, "log incident, p95 ≤ 20 ms"),
    "queue_page_ms": ("p95", 50.0, "first queue page ≤ 50 ms"),
}


def _print_report(figures: dict[str, Any], out: TextIO) -> None:
    """The report's sections on two lines, slowest first (goal ≤ 1 s each, ≤ 3 s in all)."""
    report = figures["report_ms"]
    sections = sorted(((ms, name) for name, ms in report.items() if name != "total"), reverse=True)
    met = "met" if report["total"] <= 3000 and sections[0][0] <= 1000 else "missed"
    print(f"  report, last 4 weeks ({figures['report_detail']['incidents']:,} incidents): {report['total']:.0f} ms "
          f"in all (goal ≤ 3 s, each section ≤ 1 s: {met}); slowest sections:", file=out)
    print("    " + ", ".join(f"{name} {ms:.0f}" for ms, name in sections[:5]) + " ms", file=out)


def _print_table(figures: dict[str, Any], out: TextIO, screens: bool) -> None:
    rows: list[tuple[str, str, str, str, str]] = []
    for key, (field, goal, label) in GOALS.items():
        figure = figures[key]
        cpu = figures["cpu_ms"][key.removesuffix("_ms")]
        met = "met" if figure[field] <= goal else "missed"
        rows.append((label, f"{figure['p50']:.3f}", f"{figure['p95']:.3f}", f"{cpu['p95']:.3f}", met))
    print(file=out)
    print(f"frontdesk bench · {figures['customers']:,} customers · {figures['backend']} "
          f"(synchronous {figures['synchronous']}) · built in {figures['build_s']:.1f} s", file=out)
    print(f"  {'figure':<30} {'p50 ms':>9} {'p95 ms':>9} {'CPU p95':>9}  goal", file=out)
    for label, p50, p95, cpu, met in rows:
        print(f"  {label:<30} {p50:>9} {p95:>9} {cpu:>9}  {met}", file=out)
    print(f"  search over {figures['search_ms']['n']} queries ({figures['search_detail']['short_queries']} of "
          f"1–2 characters); queue with {figures['queue_page_ms']['open_follow_ups']:,} open follow-ups", file=out)
    verify = figures["pin_verify_ms"]
    print(f"  PIN verify (the sign-in service: its scrypt hash and one write) p50 {verify['p50']:.1f} / p95 "
          f"{verify['p95']:.1f} ms over {verify['n']} (no goal: each guess costs the same)", file=out)
    print(f"  peak RSS of the bench process: {figures['bench_peak_rss_mb']:.0f} MB; machine load while measuring: "
          f"{figures['load_average']['before']} → {figures['load_average']['after']} on {_cpus()} cores", file=out)
    _print_report(figures, out)
    if screens and "startup_ms" in figures:
        startup = figures["startup_ms"]
        keys, stall, queue = figures["keystroke_to_render_ms"], figures["main_thread_stall_ms"], figures.get("queue_open_ms")
        print(f"  app: startup {startup['frontdesk']:.0f} ms vs bare Textual {startup['bare_textual']:.0f} ms "
              f"(ratio {startup['ratio']:.2f}, goal ≤ 1.25); sign-in screen at {startup['sign_in']:.0f} ms; "
              f"first frame with --staff {startup['with_staff']:.0f} ms", file=out)
        print(f"  app: keystroke to render p50 {keys['p50']:.1f} / p95 {keys['p95']:.1f} ms (goal ≤ 50); "
              f"main-thread stall p99 {stall['p99']:.1f} / max {stall['max']:.1f} ms (goal p99 ≤ 16.7)", file=out)
        if "bare_textual" in keys:
            bare = keys["bare_textual"]
            print(f"  app: keystroke to render in a bare Textual app p50 {bare['p50']:.1f} / p95 {bare['p95']:.1f} ms; "
                  f"ours is {keys['ratio_p95']:.2f}× its p95 (goal ≤ 1.2)", file=out)
        if "lock_ms" in figures:
            lock, unlock = figures["lock_ms"], figures["unlock_ms"]
            print(f"  app: lock p50 {lock['p50']:.1f} / p95 {lock['p95']:.1f} ms, unlock p50 {unlock['p50']:.1f} / "
                  f"p95 {unlock['p95']:.1f} ms, PIN check excluded (goal p95 ≤ 100 each)", file=out)
        if queue:
            print(f"  app: queue open {queue['ms']:.0f} ms with {queue['open_follow_ups']:,} open (goal ≤ 200); "
                  f"peak RSS of the app {figures['peak_rss_mb']:.0f} MB (goal ≤ 250)", file=out)
        if "desk_peak_rss_mb" in figures:
            print(f"  app: peak RSS at the desk's work alone (typing, queue open) {figures['desk_peak_rss_mb']:.0f} MB; "
                  f"signed in with a PIN {figures['sign_in_peak_rss_mb']:.0f} MB (scrypt holds 32 MB while it checks)",
                  file=out)

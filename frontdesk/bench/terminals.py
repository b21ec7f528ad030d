"""`frontdesk bench --terminals N --sites S`: many terminals on one PostgreSQL store at once (issue 19).

It builds the synthetic group (`--customers`, spread over `--sites` sites),
then runs N simulated terminals spread over a few processes, a thread each.
Every terminal has what the app has: its own engine and pool (`pool_size`
1, connections named `frontdesk/<terminal>`) and its own change feed. It
acts once every `--think-s` seconds (jittered ±50%), calling the real
services in the mix of `MIX`, and between actions it stands idle on the
greet screen: on every notice its feed hears, it re-queries the in-house
list and the alerts only if the notice concerns its site and what that
screen shows, exactly as the app decides (`store.changes`).

Figures, under the JSON key `terminals`: `change_to_notice_ms` (a write's
commit to the feed waking at each other terminal of the same site),
`search_ms`, `write_ms`, `connections_per_terminal` (the most seen in
`pg_stat_activity` for one terminal's application_name, sampled twice a
second), `queries_per_change` (statements a terminal ran for a change at its
own site and at other sites, mean per terminal) and `errors`.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import queue
import random
import secrets
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

MIX: tuple[tuple[str, int], ...] = (
    ("search", 50),
    ("check_in", 20),
    ("incident", 10),
    ("follow_up", 10),
    ("acknowledge", 10),
)
"""Each action's share, in percent: what a host stand and a shift lead do in a dinner service."""
SEVERITIES = (("minor", 45), ("moderate", 35), ("major", 15), ("critical", 5))
"""Major and critical incidents raise an alert at every terminal of the site."""
IN_HOUSE_KEPT = 4
"""A terminal checks its oldest guest out once it has checked in more than this (the in-house list stays short)."""
DURATION_S = 60.0
GRACE_S = 2.0
"""After the last action the feeds listen this long more, so a late write is still heard."""
SAMPLE_S = 0.5
PROCESSES_MAX = 4
QUERIES = 400
CUSTOMER_SAMPLE = 5_000
IDLE_SCREEN = (("visits", "incidents", "flags", "customers", "alerts", "staff"), ())
"""What an idle terminal shows: the greet screen's in-house list, and the alert bar (its site's)."""


def needs_postgres(database_url: str | None) -> str | None:
    """Why `--terminals` cannot run on this store (one line), or None."""
    from frontdesk.store.db import parse_url

    if database_url is None or parse_url(database_url).get_backend_name() != "postgresql":
        return "--terminals needs a PostgreSQL store: give --db postgresql://…"
    return None


def process_count(terminals: int) -> int:
    return max(1, min(PROCESSES_MAX, terminals, max(2, math.ceil(terminals / 10))))


@dataclass(frozen=True)
class TerminalPlan:
    name: str
    site_id: int
    staff_id: int
    seed: int


@dataclass(frozen=True)
class ProcessPlan:
    url: str
    terminals: tuple[TerminalPlan, ...]
    queries: tuple[str, ...]
    customer_ids: tuple[int, ...]
    think_s: float
    duration_s: float


@dataclass
class TerminalResult:
    name: str
    site_id: int
    writes: list[float] = field(default_factory=list)
    """Wall-clock instants just before each write's COMMIT."""
    wakes: list[tuple[float, tuple[int | None, ...]]] = field(default_factory=list)
    """When the feed woke, and the sites its notice named (None: every site or unknown)."""
    search_ms: list[float] = field(default_factory=list)
    search_cpu_ms: list[float] = field(default_factory=list)
    """The searching thread's own CPU time: the rest of search_ms is the server, and waiting for a core."""
    write_ms: list[float] = field(default_factory=list)
    changes: Counter[str] = field(default_factory=Counter)
    queries: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)


# -- one terminal ---------------------------------------------------------------------------------


class Terminal:
    """One simulated terminal: its store (engine, pool, feed) and what it did."""

    def __init__(self, plan: TerminalPlan, process: ProcessPlan) -> None:
        from sqlalchemy import event

        from frontdesk.clock import SystemClock
        from frontdesk.services.context import Actor
        from frontdesk.store.changes import Interest
        from frontdesk.store.db import Store

        self.plan = plan
        self.process = process
        self.rng = random.Random(plan.seed)
        self.store = Store(process.url, create=False, terminal=plan.name, pool_size=1)
        self.actor = Actor(self.store, SystemClock(), plan.site_id, plan.name, plan.staff_id)
        self.result = TerminalResult(plan.name, plan.site_id)
        self.interest = Interest.of(*IDLE_SCREEN)
        self.notices: queue.Queue[tuple[float, tuple[Any, ...]]] = queue.Queue()
        self.stop_feed = threading.Event()
        self.statements = 0
        self.writing = False
        self.commit_at = 0.0
        self.in_house: list[int] = []
        event.listen(self.store.engine, "before_cursor_execute", self._counted)
        event.listen(self.store.engine, "commit", self._committing)
        self.feed = threading.Thread(target=self._follow, name=f"feed {plan.name}", daemon=True)

    def _counted(self, *_: Any) -> None:
        self.statements += 1

    def _committing(self, *_: Any) -> None:
        if self.writing:
            self.commit_at = time.time()

    def _follow(self) -> None:
        from frontdesk.store.feed import follow

        def lost(live: bool) -> None:
            if not live:
                self.result.errors["feed lost"] += 1

        follow(self.store, self.stop_feed, lambda changes: self.notices.put((time.time(), changes)), lost)

    def run(self, start_at: float) -> None:
        stop_at = start_at + self.process.duration_s
        next_action = start_at + self.rng.uniform(0, self.process.think_s)
        while True:
            now = time.time()
            if now >= stop_at + GRACE_S:
                break
            wait = (next_action if next_action < stop_at else stop_at + GRACE_S) - now
            try:
                heard_at, changes = self.notices.get(timeout=max(0.0, wait))
            except queue.Empty:
                if next_action < stop_at and time.time() >= next_action:
                    self.act()
                    next_action += self.process.think_s * self.rng.uniform(0.5, 1.5)
                continue
            self.noticed(heard_at, changes)
        self.stop_feed.set()

    def noticed(self, heard_at: float, changes: tuple[Any, ...]) -> None:
        """The feed woke: re-query the idle screen if the change concerns it, counting the statements."""
        from frontdesk.services.alerts import active_alerts
        from frontdesk.services.customers import in_house
        from frontdesk.store.changes import concerned

        site = self.plan.site_id
        self.result.wakes.append((heard_at, tuple(None if change.unknown else change.site_id for change in changes)))
        kinds = {"same_site" if change.unknown or change.site_id in (None, site) else "other_sites" for change in changes}
        for kind in kinds:
            self.result.changes[kind] += 1
        if not concerned(self.interest, changes, site):
            return
        before = self.statements
        try:
            in_house(self.actor)
            active_alerts(self.actor)
        except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
            self.failed("refresh", exc)
        spent = self.statements - before
        self.result.queries["same_site" if "same_site" in kinds else "other_sites"] += spent

    def act(self) -> None:
        from frontdesk.errors import Conflict, InvalidInput, NotFound

        action = self.rng.choices([name for name, _ in MIX], [share for _, share in MIX])[0]
        try:
            done = getattr(self, f"do_{action}")()
        except (Conflict, InvalidInput, NotFound) as exc:  # another terminal got there first: the product working
            self.result.refused[f"{action}: {type(exc).__name__}"] += 1
            done = action
        except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
            self.failed(action, exc)
            return
        self.result.actions[done] += 1

    def failed(self, doing: str, exc: BaseException) -> None:
        self.result.errors[f"{doing}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"] += 1
        if os.environ.get("FRONTDESK_BENCH_TRACEBACKS"):
            traceback.print_exception(exc)

    def timed_write(self, call: Any, *args: Any) -> Any:
        self.writing = True
        started = time.perf_counter()
        try:
            answer = call(*args)
        finally:
            self.writing = False
        self.result.write_ms.append((time.perf_counter() - started) * 1000)
        self.result.writes.append(self.commit_at)
        return answer

    def do_search(self) -> str:
        from frontdesk.services.search import find_customers

        started, cpu = time.perf_counter(), time.thread_time()
        find_customers(self.store, self.rng.choice(self.process.queries))
        self.result.search_ms.append((time.perf_counter() - started) * 1000)
        self.result.search_cpu_ms.append((time.thread_time() - cpu) * 1000)
        return "search"

    def do_check_in(self) -> str:
        from frontdesk.services import customers

        if len(self.in_house) > IN_HOUSE_KEPT:
            self.timed_write(customers.check_out, self.actor, self.in_house.pop(0))
            return "check_out"
        self.in_house.append(self.timed_write(customers.check_in, self.actor, self.rng.choice(self.process.customer_ids)))
        return "check_in"

    def do_incident(self) -> str:
        from frontdesk.demo.data import demo_data
        from frontdesk.services import incidents

        story = self.rng.choice(demo_data().stories)
        severity = self.rng.choices([name for name, _ in SEVERITIES], [share for _, share in SEVERITIES])[0]
        data = incidents.parse_incident(self.actor, {
            "customer_id": self.rng.choice(self.process.customer_ids),
            "occurred_at": self.actor.now() - timedelta(minutes=self.rng.randint(5, 60)),
            "category": story.category, "severity": severity, "description": story.description,
            "reaction": story.reaction, "location": "Table 12",
        })
        self.timed_write(incidents.log_incident, self.actor, data)
        return "incident"

    def do_follow_up(self) -> str:
        from frontdesk.services import followups

        due = followups.due_queue(self.actor, limit=20).items
        if not due:
            return self.do_search()
        item = self.rng.choice(due)
        self.timed_write(followups.complete, self.actor, item.id, item.version, {"outcome": "reached_satisfied"})
        return "follow_up"

    def do_acknowledge(self) -> str:
        from frontdesk.services.alerts import acknowledge_alert, active_alerts

        alerts = active_alerts(self.actor)
        if not alerts:
            return self.do_search()
        self.timed_write(acknowledge_alert, self.actor, self.rng.choice(alerts).id)
        return "acknowledge"


def _process_main(plan: ProcessPlan, ready: Any, go: Any, start_at: Any, results: Any) -> None:
    """One process's terminals: open their stores and feeds, say ready, act from the common start, report."""
    try:
        terminals = [Terminal(terminal, plan) for terminal in plan.terminals]
        for terminal in terminals:
            terminal.feed.start()
            terminal.store.engine.connect().close()  # the pool's one connection, as an app opens it
    except Exception:  # noqa: BLE001 - the parent reports it
        results.put(("failed", traceback.format_exc()))
        ready.put(0)
        return
    time.sleep(0.5)  # let the feeds LISTEN before anyone writes
    ready.put(len(terminals))
    go.wait()
    threads = [threading.Thread(target=terminal.run, args=(start_at.value,)) for terminal in terminals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for terminal in terminals:
        terminal.feed.join(5)
        terminal.store.dispose()
    results.put(("done", [terminal.result for terminal in terminals]))


# -- the run --------------------------------------------------------------------------------------


class ConnectionSampler:
    """Polls pg_stat_activity for this run's terminals: the most connections one terminal held."""

    def __init__(self, store: Any, prefix: str) -> None:
        import psycopg

        self.connection = psycopg.connect(autocommit=True, **store.feed_connect_args())
        self.prefix = prefix
        self.most = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self.stop.wait(SAMPLE_S):
            rows = self.connection.execute(
                "SELECT application_name, count(*) FROM pg_stat_activity WHERE application_name LIKE %s "
                "GROUP BY application_name", (f"frontdesk/{self.prefix}%",)).fetchall()
            self.most = max([self.most, *(int(count) for _, count in rows)])

    def __enter__(self) -> ConnectionSampler:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(5)
        self.connection.close()


def add_sites(store: Any, clock: Any, sites: list[Any], wanted: int) -> list[Any]:
    """The synthetic group's sites, and more (with a lead and a host each) until there are `wanted`."""
    from frontdesk.bench.synth import TERMINAL
    from frontdesk.demo.restaurant import unique_site_name
    from frontdesk.schemas.inputs import SiteInput, StaffInput
    from frontdesk.services import setup

    sites = list(sites)
    while len(sites) < wanted:
        number = len(sites) + 1
        site = setup.add_site(store, clock, SiteInput.parse({
            "name": unique_site_name(store, f"Lumen {number}"), "time_zone": "America/New_York",
            "phone_region": "US", "currency": "USD"}), TERMINAL)
        for role in ("lead", "host"):
            setup.add_staff(store, clock, StaffInput.parse({"name": f"{role.title()} {number}", "role": role}),
                            TERMINAL, site_id=site.id)
        sites.append(site)
    return sites[:wanted]


def plan_terminals(store: Any, sites: list[Any], terminals: int, prefix: str, seed: int) -> list[TerminalPlan]:
    """Terminals dealt round the sites, each signed in as one of its site's leads."""
    from frontdesk.services import setup

    leads = {site.id: [staff.id for staff in setup.list_staff(store, site_id=site.id) if staff.role == "lead"]
             for site in sites}
    return [TerminalPlan(f"{prefix}{number:03d}", sites[number % len(sites)].id,
                         leads[sites[number % len(sites)].id][number // len(sites) % len(leads[sites[number % len(sites)].id])],
                         seed * 1000 + number)
            for number in range(terminals)]


def notice_latencies(results: list[TerminalResult]) -> tuple[list[float], int]:
    """For each write, the delay until each other terminal of its site woke for it; and how many never did."""
    import bisect

    by_site: dict[int, list[TerminalResult]] = {}
    for result in results:
        by_site.setdefault(result.site_id, []).append(result)
    latencies, missed = [], 0
    for writer in results:
        for committed in writer.writes:
            for other in by_site[writer.site_id]:
                if other is writer:
                    continue
                wakes = [at for at, sites in other.wakes if writer.site_id in sites or None in sites]
                index = bisect.bisect_left(wakes, committed)
                if index == len(wakes):
                    missed += 1
                else:
                    latencies.append((wakes[index] - committed) * 1000)
    return latencies, missed


def mean_per_terminal(results: list[TerminalResult], kind: str) -> float:
    shares = [result.queries[kind] / result.changes[kind] for result in results if result.changes[kind]]
    return round(sum(shares) / len(shares), 3) if shares else 0.0


def figures_of(results: list[TerminalResult], connections: int, sites: int) -> dict[str, Any]:
    from frontdesk.bench.run import summary

    latencies, missed = notice_latencies(results)
    searches = [ms for result in results for ms in result.search_ms]
    writes = [ms for result in results for ms in result.write_ms]
    errors: Counter[str] = Counter()
    for result in results:
        errors.update(result.errors)
    if missed:
        errors["a write never noticed by a terminal of its site"] += missed
    return {
        "terminals": len(results),
        "sites": sites,
        "change_to_notice_ms": {**summary(latencies), "n": len(latencies)} if latencies else None,
        "search_ms": {**summary(searches), "n": len(searches)} if searches else None,
        "write_ms": {**summary(writes), "n": len(writes)} if writes else None,
        "search_cpu_ms": summary([ms for result in results for ms in result.search_cpu_ms]) if searches else None,
        "connections_per_terminal": connections,
        "queries_per_change": {"same_site": mean_per_terminal(results, "same_site"),
                               "other_sites": mean_per_terminal(results, "other_sites")},
        "errors": sum(errors.values()),
        "error_kinds": dict(errors.most_common(10)),
        "actions": dict(sum((result.actions for result in results), Counter())),
        "refused": dict(sum((result.refused for result in results), Counter())),
        "changes_heard": {kind: sum(result.changes[kind] for result in results) for kind in ("same_site", "other_sites")},
    }


def run_terminals(
    customers: int,
    database_url: str | None,
    json_path: str | None,
    force: bool,
    seed: int,
    *,
    terminals: int,
    sites: int,
    think_s: float = 10.0,
    duration_s: float = DURATION_S,
    processes: int | None = None,
    out: TextIO,
) -> dict[str, Any]:
    """Build the group, run the terminals, print and write the figures; returns them."""
    from frontdesk.bench import synth
    from frontdesk.bench.run import Progress, _bench_store, _cpus, _load, search_queries
    from frontdesk.clock import FixedClock

    rng = random.Random(seed)
    prefix = f"bench-{secrets.token_hex(2)}-"
    with _bench_store(database_url, force) as store:
        print(f"Building a synthetic group of {customers:,} customers over {sites} sites in {store.display_url}",
              file=out, flush=True)
        started = time.perf_counter()
        now = datetime.now(UTC)
        clock = FixedClock(now - timedelta(days=synth.HISTORY_DAYS + 2))
        group = synth.set_up_group(store, clock, seed)
        synth.build(store, group, customers=customers, now=now, seed=seed, progress=Progress(out))
        group = add_sites(store, clock, group, sites)
        plans = plan_terminals(store, group, terminals, prefix, seed)
        queries = tuple(search_queries(store, rng, QUERIES))
        from sqlalchemy import select

        from frontdesk.store.models import Customer

        with store.read(bulk=True) as session:
            customer_ids = tuple(session.scalars(select(Customer.id).order_by(Customer.id).limit(CUSTOMER_SAMPLE)))
        build_s = time.perf_counter() - started
        url = store.url.render_as_string(hide_password=False)
        figures_where = store.display_url
        count = processes or process_count(terminals)
        print(f"  built in {build_s:.1f} s; {terminals} terminals in {count} processes, one action each every "
              f"{think_s:g} s for {duration_s:g} s", file=out, flush=True)
        context = multiprocessing.get_context("spawn")
        ready, results, go = context.Queue(), context.Queue(), context.Event()
        start_at = context.Value("d", 0.0)
        workers = [context.Process(target=_process_main, daemon=True, args=(
            ProcessPlan(url, tuple(plans[number::count]), queries, customer_ids, think_s, duration_s),
            ready, go, start_at, results)) for number in range(count)]
        for worker in workers:
            worker.start()
        load_before = _load()
        gathered: list[TerminalResult] = []
        with ConnectionSampler(store, prefix) as sampler:
            for _ in workers:
                try:
                    ready.get(timeout=120)
                except queue.Empty:
                    pass
            start_at.value = time.time() + 0.2
            go.set()
            for _ in workers:
                status, payload = results.get(timeout=duration_s + GRACE_S + 120)
                if status == "failed":
                    raise RuntimeError(f"a bench process failed:\n{payload}")
                gathered.extend(payload)
        for worker in workers:
            worker.join(10)
        figures: dict[str, Any] = {
            "customers": customers,
            "backend": "postgresql",
            "build_s": round(build_s, 1),
            "terminals": {**figures_of(gathered, sampler.most, sites), "think_s": think_s, "duration_s": duration_s,
                          "processes": count},
            "machine": f"{os.uname().machine}, {_cpus()} cores",
            "load_average": {"before": load_before, "after": _load()},
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seed": seed,
        }
    print_terminals(figures["terminals"], out)
    print(f"The synthetic store stays in {figures_where}.", file=out)
    if json_path:
        from frontdesk.bench.run import write_figures

        write_figures(figures, json_path, out)
    return figures


GOALS: tuple[tuple[str, Callable[[dict[str, Any]], float | None], float], ...] = (
    ("change-to-notice p95 ≤ 1000 ms", lambda t: (t["change_to_notice_ms"] or {}).get("p95"), 1000.0),
    ("search p95 ≤ 10 ms", lambda t: (t["search_ms"] or {}).get("p95"), 10.0),
    ("errors 0", lambda t: t["errors"], 0),
    ("connections per terminal ≤ 2", lambda t: t["connections_per_terminal"], 2),
    ("queries for other sites' changes 0", lambda t: t["queries_per_change"]["other_sites"], 0),
)


def print_terminals(figures: dict[str, Any], out: TextIO) -> None:
    print(f"\n{figures['terminals']} terminals over {figures['sites']} sites", file=out)
    for label, read, goal in GOALS:
        value = read(figures)
        met = "met" if value is not None and value <= goal else "missed"
        print(f"  {label:<40} {value!s:>10}  {met}", file=out)
    if figures["write_ms"]:
        print(f"  write p50/p95 ms {figures['write_ms']['p50']}/{figures['write_ms']['p95']}; "
              f"same-site queries per change {figures['queries_per_change']['same_site']}", file=out)
    for kind, times in figures["error_kinds"].items():
        print(f"  error ×{times}: {kind}", file=out)

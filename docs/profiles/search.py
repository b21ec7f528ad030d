"""Where a search's time goes on a bench store (issue 19 item 5).

    .venv/bin/python docs/profiles/search.py sqlite:///b1m.db [ROUNDS]

Uses the bench's own 240 queries (seed 7). Prints, per query and taken as
in the bench (each once per round, after the bench's warm-up of 10):
- the search's wall and CPU p50/p95 (`find_customers`, as the bench times it);
- the same statements run straight on a sqlite3 connection: the SQLite share;
- a cProfile (CPU clock) of all rounds, own time put in categories.
"""

from __future__ import annotations

import cProfile
import collections
import math
import pstats
import random
import sqlite3
import sys
import time

from frontdesk.bench.run import WARM_UP, search_queries
from frontdesk.services import search
from frontdesk.store.migrate import open_store


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def category(key: tuple[str, int, str]) -> str:
    path, _, name = key
    if "sqlite3.Cursor" in name or "sqlite3.Connection" in name:
        return "SQLite: the statement (sqlite3 execute and fetch)"
    if "/sqlalchemy/" in path:
        return "SQLAlchemy: pool checkout, Core connection, execute, result"
    if "/frontdesk/services/search.py" in path and name in ("_hits", "<listcomp>", "_instant_reader"):
        return "frontdesk: hits as read models"
    if "/frontdesk/store/models.py" in path:
        return "frontdesk: hits as read models"
    if "/frontdesk/" in path:
        return "frontdesk: query to prefixes and parameters, the call"
    return "neutral"


def main() -> None:
    url = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    store = open_store(url)
    queries = search_queries(store, random.Random(7), 240)
    for query in queries[:WARM_UP]:
        search.find_customers(store, query)
    wall: list[float] = []
    cpu: list[float] = []
    profile = cProfile.Profile(time.thread_time)
    for _ in range(rounds):
        for query in queries:
            started, used = time.perf_counter(), time.thread_time()
            search.find_customers(store, query)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - used) * 1000)
    for _ in range(rounds):
        profile.enable()
        for query in queries:
            search.find_customers(store, query)
        profile.disable()
    dialect = store.engine.dialect
    statements = []
    for query in queries:
        statement, parameters = search.search_parameters(search.query_prefixes(query), search.SCREEN_ROWS)
        compiled = statement.compile(dialect=dialect)
        statements.append((str(compiled), tuple(parameters[name] for name in compiled.positiontup or ())))
    path = store.path
    store.dispose()
    connection = sqlite3.connect(str(path), isolation_level=None)
    for sql, arguments in statements[:WARM_UP]:
        connection.execute(sql, arguments).fetchall()
    sql_cpu: list[float] = []
    for _ in range(rounds):
        for sql, arguments in statements:
            used = time.thread_time()
            connection.execute(sql, arguments).fetchall()
            sql_cpu.append((time.thread_time() - used) * 1000)
    print(f"{len(queries)} queries x {rounds} rounds")
    for label, values in (("search wall", wall), ("search CPU", cpu), ("its statement alone, CPU", sql_cpu)):
        print(f"  {label:<26} p50 {percentile(values, .5):.3f}  p95 {percentile(values, .95):.3f}  "
              f"mean {sum(values) / len(values):.3f} ms")
    stats = pstats.Stats(profile)
    totals: collections.Counter[str] = collections.Counter()

    def spread(key: tuple[str, int, str], amount: float, depth: int = 0) -> None:
        own = category(key)
        callers = stats.stats[key][4]  # type: ignore[attr-defined]
        weight = sum(value[2] for value in callers.values())
        if own != "neutral" or depth > 6 or weight <= 0:
            totals["other" if own == "neutral" else own] += amount
            return
        for caller, value in callers.items():
            if caller in stats.stats:  # type: ignore[attr-defined]
                spread(caller, amount * value[2] / weight, depth + 1)
            else:
                totals["other"] += amount * value[2] / weight

    for key, row in stats.stats.items():  # type: ignore[attr-defined]
        spread(key, row[2])
    searches = len(queries) * rounds
    whole = sum(totals.values())
    print("  cProfile (CPU clock; its own overhead inflates the Python parts), per search:")
    for name, amount in totals.most_common():
        print(f"    {name:<62} {amount / searches * 1000:.3f} ms  {100 * amount / whole:.0f}%")


if __name__ == "__main__":
    main()

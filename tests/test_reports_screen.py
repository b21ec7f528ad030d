"""Reports (F5) on the demo restaurant with the clock pinned: the period, scope and category chosen by keys,
the figures shown equal to the service's, and how the screen looks at 80×24 and 120×40."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from frontdesk.clock import FixedClock
from frontdesk.schemas.reads import ReportView
from frontdesk.services import reports
from frontdesk.services.context import Actor
from frontdesk.store.migrate import open_store
from tests.conftest import PINNED_NOW
from tests.templates import built_once, copied
from tests.ui import make_app, ready, screen_text, settle, type_text, until

MANAGER, MANAGER_PIN = "Giulia Romano", "1906"
"""The demo's manager (data/demo.toml): reports are a manager's."""


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The demo restaurant built once, on the pinned clock (about 30 s), shared by xdist workers behind a lock."""
    from frontdesk.demo.restaurant import build_demo

    def build(path: Path) -> None:
        store = open_store(f"sqlite:///{path}")
        try:
            build_demo(store, FixedClock(PINNED_NOW), terminal="stand")
        finally:
            store.dispose()

    return built_once(tmp_path_factory, worker_id, "reports-demo", build)


@pytest.fixture
def demo_url(demo_template: Path, tmp_path: Path) -> str:
    return copied(demo_template, tmp_path)


@pytest.fixture
def counted(demo_url: str, clock: FixedClock) -> Iterator[Any]:
    """What the service counts on the same store, for a period and scope (acting with the store's authority)."""
    store = open_store(demo_url)

    def count(**choice: Any) -> ReportView:
        return reports.view(Actor(store, clock, 1, "cli:test", store_authority=True), **choice)

    yield count
    store.dispose()


def manager_app(url: str, clock: FixedClock) -> Any:
    return make_app(url, clock, staff=MANAGER, pin=MANAGER_PIN)


def title(app: Any) -> str:
    lines = screen_text(app).splitlines()
    return next((line.strip() for line in lines if " · Trattoria Lumen · " in line or " · all sites · " in line),
                "")


async def open_reports(pilot: Any) -> None:
    await ready(pilot)
    await pilot.press("f5")
    await until(pilot, lambda: "Incidents " in screen_text(pilot.app))


def shown(app: Any) -> dict[str, str]:
    """The summary's incidents line, the trend's counts and the weekday bars' counts, as shown."""
    lines = screen_text(app).splitlines()
    incidents = next(line.strip() for line in lines if line.strip().startswith("Incidents ")
                     and "per week" not in line and "by category" not in line)
    start = next(index for index, line in enumerate(lines) if "Incidents per week" in line)
    split = lines[start].index("By weekday")
    trend = next(line[:split].split() for line in lines[start + 1:] if line[:split].strip()
                 and line[:split].strip().replace(" ", "").isdigit())
    weekdays = {part[0]: part[1] for line in lines[start:] if (part := line[split:].split())[:1]
                and part[0] in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
    return {"incidents": incidents, "trend": " ".join(trend), "weekdays": str(weekdays)}


def expected(view: ReportView) -> dict[str, str]:
    report = view.report
    severities = " · ".join(f"{count.label} {count.count}" for count in report.by_severity)
    return {"incidents": f"Incidents {report.incidents}  {severities}",
            "trend": " ".join(str(week.count) for week in report.trend),
            "weekdays": str({count.label: str(count.count) for count in report.by_weekday})}


async def test_the_period_changes_by_keys_and_the_figures_with_it(demo_url: str, clock: FixedClock,
                                                                  counted: Any) -> None:
    """p steps from the last 4 weeks (the default) to this quarter, then this week, and 4 goes back; each time
    the title says so and the incidents, the weekly trend and the weekdays shown are the service's for it."""
    app = manager_app(demo_url, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_reports(pilot)
        assert title(app) == "Last 4 weeks · 24 Oct – 20 Nov 2026 · Trattoria Lumen · every category"
        four_weeks = expected(counted(period="4w"))
        assert shown(app) == four_weeks

        await pilot.press("p")
        await until(pilot, lambda: title(app).startswith("This quarter"))
        assert title(app) == "This quarter · 01 Oct – 20 Nov 2026 · Trattoria Lumen · every category"
        quarter = expected(counted(period="quarter"))
        assert shown(app) == quarter != four_weeks
        assert len(quarter["trend"].split()) == 8 > len(four_weeks["trend"].split())

        await pilot.press("p")
        await until(pilot, lambda: title(app).startswith("This week"))
        assert title(app) == "This week · 16 Nov – 20 Nov 2026 · Trattoria Lumen · every category"
        assert shown(app) == expected(counted(period="week")) != four_weeks

        await pilot.press("4")
        await until(pilot, lambda: title(app).startswith("Last 4 weeks"))
        assert shown(app) == four_weeks


async def test_typed_dates_count_that_range_and_bad_ones_are_said_under_them(demo_url: str, clock: FixedClock,
                                                                            counted: Any) -> None:
    """d shows From and To filled with the days shown; a date that is no date, or a last day before the first,
    is said in one line under them (the report shown stays); good dates count that range, in the title."""
    app = manager_app(demo_url, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_reports(pilot)
        before = shown(app)
        await pilot.press("d")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "report-from"
        assert app.focused.value == "2026-10-24"

        await pilot.press("end", "ctrl+u")
        await type_text(pilot, "2026-13-01")
        await pilot.press("enter")
        await until(pilot, lambda: "⚠ From:" in screen_text(app))
        assert "⚠ From: give a date as YYYY-MM-DD, e.g. 2026-11-20 (not '2026-13-01')" in screen_text(app)
        assert app.focused is not None and app.focused.id == "report-from"
        assert title(app).startswith("Last 4 weeks") and shown(app) == before

        await pilot.press("end", "ctrl+u")
        await type_text(pilot, "2026-11-08")
        await pilot.press("tab", "end", "ctrl+u")
        await type_text(pilot, "2026-11-01")
        await pilot.press("enter")
        await until(pilot, lambda: "⚠ To:" in screen_text(app))
        assert "⚠ To: the last day (2026-11-01) is before the first (2026-11-08)" in screen_text(app)
        assert app.focused is not None and app.focused.id == "report-to"

        await pilot.press("end", "ctrl+u")
        await type_text(pilot, "2026-11-14")
        await pilot.press("enter")
        await until(pilot, lambda: title(app).startswith("08 Nov – 14 Nov 2026"))
        assert "⚠ To" not in screen_text(app) and "Enter: count" not in screen_text(app), "the fields close"
        assert app.focused is not None and app.focused.id == "report"
        assert shown(app) == expected(counted(period="custom", first_day="2026-11-08", last_day="2026-11-14"))

        await pilot.press("d")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert "Enter: count" not in screen_text(app) and app.focused is not None and app.focused.id == "report"


async def test_scope_and_category_by_keys(demo_url: str, clock: FixedClock, counted: Any) -> None:
    """a covers every site (the title says "all sites"), c narrows to the first category and then the next;
    the figures are the service's for that scope."""
    app = manager_app(demo_url, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_reports(pilot)
        await pilot.press("a")
        await until(pilot, lambda: "all sites" in title(app))
        assert shown(app) == expected(counted(all_sites=True))

        await pilot.press("a", "c")
        await until(pilot, lambda: title(app).endswith("Wait or delay"))
        assert "Trattoria Lumen" in title(app)
        narrowed = expected(counted(category="wait"))
        assert shown(app) == narrowed
        assert narrowed["incidents"] != expected(counted())["incidents"]

        await pilot.press("c")
        await until(pilot, lambda: title(app).endswith("Food and drink"))
        assert shown(app) == expected(counted(category="food"))


async def test_s_saves_the_report_shown_as_the_commands_csv(demo_url: str, clock: FixedClock, counted: Any,
                                                            tmp_path: Path, monkeypatch: Any) -> None:
    """w chooses this week, s saves it: an owner-only file in the export folder named by the site and days,
    the CSV `frontdesk report --format csv` writes (the same header and rows), its period that week; a notice
    says where; the export is audited. A folder that cannot be written is one sentence, the app goes on."""
    import csv
    import io
    import stat

    from sqlalchemy import select
    from textual.notifications import Notify

    from frontdesk import paths
    from frontdesk.store.models import AuditEvent

    seen: list[Any] = []
    monkeypatch.setattr(paths, "export_dir", lambda: tmp_path)
    app = manager_app(demo_url, clock)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await open_reports(pilot)
        await pilot.press("w")
        await until(pilot, lambda: title(app).startswith("This week"))
        await pilot.press("s")
        saved = tmp_path / "frontdesk-report-trattoria-lumen-2026-11-16-to-2026-11-20.csv"

        def notes() -> list[str]:
            return [message.notification.message for message in seen if isinstance(message, Notify)]

        await until(pilot, lambda: any(str(saved) in note for note in notes()))
        assert f"Saved the report as CSV to {saved} (owner-only)." in notes()

        monkeypatch.setattr(paths, "export_dir", lambda: tmp_path / "gone")
        await pilot.press("s")
        await until(pilot, lambda: any("does not exist" in note for note in notes()))
        gone = tmp_path / "gone"
        assert notes()[-1] == f"Cannot write {gone / saved.name}: folder {gone} does not exist"
        assert app.screen.id != "apology" and "Incidents " in screen_text(app)

    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert rows[0] == ["section", "key", "label", "value"]
    period = {key: value for section, key, _, value in rows[1:] if section == "period"}
    assert period == {"first_day": "2026-11-16", "last_day": "2026-11-20", "site": "Trattoria Lumen",
                      "all_sites": "false", "category": ""}
    command = io.StringIO(newline="")
    reports.write_report(counted(period="week").report, command, "csv")
    assert saved.read_bytes() == command.getvalue().encode("utf-8")
    store = open_store(demo_url)
    try:
        with store.read() as session:
            actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.action == "report_export")))
    finally:
        store.dispose()
    assert actions == ["report_export"], "once: the folder that does not exist wrote nothing and audited nothing"


@pytest.mark.parametrize("size", [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")])
def test_reports_snapshot(snap_compare: Any, demo_url: str, clock: FixedClock, size: tuple[int, int]) -> None:
    """The demo restaurant's last 4 weeks, for its manager: the title (period, days, site, every category), the
    incidents by severity and the remedies, the weekly trend as a Sparkline with each week's count under it
    beside the weekday bars, and the category × hour heat table (2-hour blocks at 80 columns, hours at 120),
    each cell a shade and its count. Nothing wraps; only a long category label ends in "…"."""
    app = manager_app(demo_url, clock)

    async def run_before(pilot: Any) -> None:
        await open_reports(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")])
def test_reports_snapshot_scrolled_to_the_end(snap_compare: Any, demo_url: str, clock: FixedClock,
                                             size: tuple[int, int]) -> None:
    """The same report scrolled to its end: follow-through (on time with its n, first contact's median with its
    n, overdue and escalated, open episodes by age, promises), remedies by category in dollars, recovery beside
    its baseline (each rate with its n), people sorted by name with loops closed and no speed figure, and the
    repeat customer with tenure, visits and remedies. Nothing wraps."""
    app = manager_app(demo_url, clock)

    async def run_before(pilot: Any) -> None:
        await open_reports(pilot)
        await pilot.press("end")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def test_customer_text_shows_as_typed(sqlite_desk: Actor, clock: FixedClock) -> None:
    """A repeat customer's name and a product that look like markup show literally, as typed."""
    from frontdesk.services import customers, incidents

    ben = customers.create_customer(sqlite_desk, customers.parse_customer(sqlite_desk, {"name": "Ben [/] [b]x"}))
    for when in ("yesterday 19:10", "19:20"):
        incidents.log_incident(sqlite_desk, incidents.parse_incident(sqlite_desk, {
            "customer_id": ben, "occurred_at": when, "category": "food", "severity": "minor",
            "product": "[red]Soup[/]", "description": "cold"}))
    app = make_app(sqlite_desk.store.url.render_as_string(hide_password=False), clock)
    async with app.run_test(size=(80, 70)) as pilot:
        await open_reports(pilot)
        lines = screen_text(app).splitlines()
        assert any(line.strip().startswith("Ben [/] [b]x") and "2 (2)" in line for line in lines)
        assert any(line.strip().startswith("[red]Soup[/] 2 █") for line in lines)

"""The app shell by keys: modes, help, dialogs, first run, staff, the change feed, crashes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import event
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Label, OptionList

from frontdesk.config import Settings, load_settings
from frontdesk.messages import StoreChanged
from frontdesk.screens.dialogs import ConfirmDialog
from frontdesk.store import feed
from frontdesk.widgets.safe import literal
from tests.ui import make_app, ready, screen_text, settle, type_text, until

HOSTILE_NAMES = ["Smith [/]", "[@click=app.quit]x[/]", "[bold]x[/bold]"]


def url_of(desk: object) -> str:
    return desk.store.url.render_as_string(hide_password=False)  # type: ignore[attr-defined]


class LiteralApp(App[None]):
    """Customer text in each kind of widget that shows it."""

    def compose(self) -> ComposeResult:
        for index, name in enumerate(HOSTILE_NAMES):
            yield Label(literal(name), id=f"label-{index}")
        yield DataTable(id="table")
        yield OptionList(*[literal(name) for name in HOSTILE_NAMES], id="options")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("name")
        for name in HOSTILE_NAMES:
            table.add_row(literal(name))


async def test_hostile_names_pass_through_the_safe_text_helper_literally() -> None:
    app = LiteralApp()
    async with app.run_test(size=(80, 24)) as pilot:
        for index, name in enumerate(HOSTILE_NAMES):
            assert str(app.query_one(f"#label-{index}", Label).render()) == name
        table = app.query_one(DataTable)
        assert [str(table.get_cell_at((row, 0))) for row in range(3)] == HOSTILE_NAMES
        options = app.query_one(OptionList)
        assert [str(options.get_option_at_index(i).prompt) for i in range(3)] == HOSTILE_NAMES
        await pilot.press("tab", "enter", "tab", "down", "enter")
        await pilot.pause()
        text = screen_text(app)
        for name in HOSTILE_NAMES:
            assert text.count(name) == 3, name  # label, cell, option: each exactly as typed
        assert app.is_running  # the [@click=app.quit] text did nothing


async def test_notifications_are_literal(sqlite_desk: object, clock: object) -> None:
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ready(pilot)
        for name in HOSTILE_NAMES:
            app.notify(name)
        await until(pilot, lambda: all(name in screen_text(app) for name in HOSTILE_NAMES))
        text = screen_text(app)
        for name in HOSTILE_NAMES:
            assert name in text
        assert app.is_running


async def test_function_keys_reach_every_screen_and_help(sqlite_desk: object, clock: object) -> None:
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        for key, mode in (("f3", "incident"), ("f4", "followups"), ("f5", "reports"), ("f2", "greet")):
            await pilot.press(key)
            await settle(pilot)
            assert app.current_mode == mode
        await pilot.press("f1")
        assert app.screen.query("KeysHelp")
        await pilot.press("f1")
        assert not app.screen.query("KeysHelp")
        assert "Maria · Bistro Berlin" in screen_text(app)


async def test_global_keys_do_nothing_while_a_dialog_is_open(sqlite_desk: object, clock: object) -> None:
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        answers: list[bool | None] = []
        app.push_screen(ConfirmDialog("Discard?"), answers.append)
        await pilot.pause()
        await pilot.press("f4", "f3", "f5", "f1", "f9", "ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert app.current_mode == "greet"
        assert not app.screen.query("KeysHelp")
        await pilot.press("escape")
        assert answers == [False]
        await pilot.press("f4")
        assert app.current_mode == "followups"


async def test_ctrl_q_quits(sqlite_desk: object, clock: object) -> None:
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_palette_offers_product_commands_not_screenshot(sqlite_desk: object, clock: object) -> None:
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Log incident (F3)" in titles and "Follow-ups (F4)" in titles
        assert not any("screenshot" in title.lower() for title in titles)


async def test_first_run_setup_with_errors_next_to_fields(tmp_path: Path, clock: object) -> None:
    """An empty store offers the demo or setup; setup shows errors by its fields and keeps input."""
    from frontdesk.services import setup
    from frontdesk.store.migrate import open_store

    url = f"sqlite:///{tmp_path / 'new.db'}"
    app = make_app(url, clock, staff=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "FirstRunScreen"
        await pilot.press("s")
        await type_text(pilot, "Bistro Mitte")
        await pilot.press("tab", "ctrl+u")
        await type_text(pilot, "Mars/Olympus")
        await pilot.press("tab")
        await type_text(pilot, "DE")
        await pilot.press("tab")
        await type_text(pilot, "EURO")
        await pilot.press("tab", "c")  # the kind of business: restaurant unless chosen; its first letter chooses
        await pilot.press("tab")
        await type_text(pilot, "Maria")
        await pilot.press("tab")
        await type_text(pilot, "1234")
        await pilot.press("tab")
        await type_text(pilot, "1234")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "too easy to guess" in str(app.screen.query_one("#pin-error", Label).render())
        assert "unknown time zone" in str(app.screen.query_one("#time_zone-error", Label).render())
        assert "ISO 4217" in str(app.screen.query_one("#currency-error", Label).render())
        assert app.screen.focused is not None and app.screen.focused.id == "time_zone"
        assert app.screen.query_one("#name").value == "Bistro Mitte"  # nothing typed is lost
        await pilot.press("ctrl+u")
        await type_text(pilot, "Europe/Berlin")
        await pilot.press("tab", "tab", "ctrl+u")
        await type_text(pilot, "EUR")
        await pilot.press("tab", "tab", "tab", "ctrl+u")
        await type_text(pilot, "2580")
        await pilot.press("tab", "ctrl+u")
        await type_text(pilot, "2580")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "SignInScreen"
        await pilot.press("enter")
        await type_text(pilot, "2580")
        await pilot.press("enter")
        await settle(pilot)
        assert app.desk is not None and app.staff is not None and app.staff.name == "Maria"
    store = open_store(url)
    sites = setup.list_sites(store)
    assert [(site.name, site.time_zone, site.currency) for site in sites] == [("Bistro Mitte", "Europe/Berlin", "EUR")]
    assert [staff.role for staff in setup.list_staff(store)] == ["manager"]
    from frontdesk.services import playbooks

    assert "grievance" in dict(playbooks.categories(store)), "the clinic preset (issue 15 item 6)"
    store.dispose()


async def test_sign_in_asks_for_the_pin(sqlite_desk: object, clock: object) -> None:
    from frontdesk.schemas.inputs import StaffInput
    from frontdesk.services import setup

    setup.add_staff(sqlite_desk.store, clock, StaffInput.parse({"name": "Pia", "role": "lead", "pin": "4826"}),  # type: ignore[attr-defined]
                    "stand")
    app = make_app(url_of(sqlite_desk), clock, staff=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "SignInScreen"
        await type_text(pilot, "pi")
        await pilot.press("enter")
        await type_text(pilot, "1111")
        await pilot.press("enter")
        await settle(pilot)
        assert "not right" in screen_text(app)
        assert app.desk is None
        await type_text(pilot, "4826")
        await pilot.press("enter")
        await settle(pilot)
        assert app.staff is not None and app.staff.name == "Pia"
        assert app.desk is not None and app.desk.staff_id == app.staff.id


async def test_unreachable_store_is_one_clear_line_on_screen(clock: object) -> None:
    app = make_app("postgresql://nobody@127.0.0.1:1/none", clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "StoreProblemScreen"
        assert app.store_problem is not None and "cannot reach" in app.store_problem
        await pilot.press("f4")
        assert app.current_mode == "greet"


def test_first_frame_needs_no_sqlalchemy_or_pydantic() -> None:
    """Importing the app and every screen and widget module loads neither (they load after the first paint)."""
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys
        import frontdesk.app, frontdesk.screens, frontdesk.widgets
        for package in (frontdesk.screens, frontdesk.widgets):
            for module in pkgutil.iter_modules(package.__path__):
                importlib.import_module(f"{package.__name__}.{module.name}")
        heavy = sorted(name for name in sys.modules if name.split(".")[0] in ("sqlalchemy", "pydantic", "alembic"))
        print(",".join(heavy))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


async def test_an_idle_app_runs_no_queries_and_refreshes_once_after_another_process_commits(
    sqlite_desk: object, clock: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The change feed polls PRAGMA data_version on its own connection; screens re-query only on change."""
    polls: list[tuple[object, ...]] = []
    poll = feed.SQLiteFeed.wait

    def counted(self: feed.SQLiteFeed, timeout: float = feed.POLL_SECONDS) -> tuple[object, ...]:
        changed = poll(self, timeout)
        polls.append(changed)
        return changed

    monkeypatch.setattr(feed.SQLiteFeed, "wait", counted)
    app = make_app(url_of(sqlite_desk), clock, watch_store=True)
    seen: list[object] = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await ready(pilot)
        await until(pilot, lambda: len(polls) >= 1)  # the first poll has settled
        statements: list[str] = []
        assert app.store is not None
        event.listen(app.store.engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *args: statements.append(statement))
        idle_from = len(polls)
        await until(pilot, lambda: len(polls) >= idle_from + 3)  # three polls of an idle store
        assert statements == [], "an idle app must not query"
        assert not [message for message in seen if isinstance(message, StoreChanged)]
        writer = textwrap.dedent(
            f"""
            from frontdesk.clock import SystemClock
            from frontdesk.services import customers
            from frontdesk.services.context import Actor
            from frontdesk.store.migrate import open_store
            store = open_store({url_of(sqlite_desk)!r})
            actor = Actor(store, SystemClock(), 1, "bar", 2)
            customers.create_customer(actor, customers.parse_customer(actor, {{"name": "Walk-in"}}))
            """
        )
        subprocess.run([sys.executable, "-c", writer], check=True, timeout=60)
        deadline = asyncio.get_running_loop().time() + 5
        while not [m for m in seen if isinstance(m, StoreChanged)] and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)
        await settle(pilot)
        changes = [message for message in seen if isinstance(message, StoreChanged) and message._sender is app]
        assert len(changes) == 1, "one commit elsewhere, one refresh"
        assert statements, "the refresh re-queried"


async def test_an_unexpected_error_shows_an_apology_not_a_traceback(
    sqlite_desk: object, clock: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in a worker: a plain apology with a reference; the log has no customer data."""
    import os

    from frontdesk.services import alerts

    def broken(actor: object) -> list[object]:
        raise RuntimeError("Zoë Canary +49301234567")

    monkeypatch.setattr(alerts, "active_alerts", broken)
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert type(app.screen).__name__ == "ApologyScreen"
        text = screen_text(app)
        assert "Sorry, something went wrong" in text and "FD-" in text and "Canary" not in text
        await pilot.press("enter")
        assert type(app.screen).__name__ == "GreetScreen"
    log = (Path(os.environ["FRONTDESK_LOG_DIR"]) / "crash.log").read_text()
    assert "RuntimeError" in log and "Canary" not in log and "4930" not in log


def test_settings_file_then_environment_then_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('database_url = "sqlite:///file.db"\nstaff = "Maria"\nterminal = "bar"\n'
                      '[keymap]\ngreet = "f2,ctrl+g"\n')
    monkeypatch.setenv("FRONTDESK_STAFF", "Lena")
    settings = load_settings({"database_url": "sqlite:///flag.db", "staff": None}, path=config)
    assert settings == Settings(database_url="sqlite:///flag.db", staff="Lena", terminal="bar",
                                keymap={"greet": "f2,ctrl+g"})


def test_a_bad_config_file_names_itself(tmp_path: Path) -> None:
    from frontdesk.errors import ConfigError

    config = tmp_path / "config.toml"
    config.write_text("stafff = 'typo'\n")
    with pytest.raises(ConfigError, match="config.toml: unknown setting 'stafff'"):
        load_settings(path=config)


async def test_first_run_demo_shows_its_progress_then_asks_who_is_here(tmp_path: Path, clock: object) -> None:
    """An empty store, [d]: a progress bar while the demo restaurant is built, then the staff picker."""
    from textual.widgets import ProgressBar

    from frontdesk.services import setup
    from frontdesk.store.migrate import open_store

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    app = make_app(url, clock, staff=None)
    seen: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        deadline = asyncio.get_running_loop().time() + 120
        while type(app.screen).__name__ != "SignInScreen":
            if type(app.screen).__name__ == "BuildingDemo":
                seen.append(app.screen.query_one(ProgressBar).percentage or 0.0)
            assert asyncio.get_running_loop().time() < deadline, "the demo never finished"
            await asyncio.sleep(0.2)
    assert any(0 < done < 1 for done in seen), "the progress bar moved"
    store = open_store(url)
    assert [site.name for site in setup.list_sites(store)] == ["Trattoria Lumen"]
    store.dispose()

"""Layout at 80×24 and 120×40 (issue 17 items 10, 11, 12): what a newcomer saw cut, wrapped or hidden."""

from __future__ import annotations

from typing import Any

from frontdesk.clock import FixedClock
from frontdesk.services import incidents
from frontdesk.services.context import Actor
from frontdesk.widgets.alert_bar import AlertBar
from tests.test_greet import url_of
from tests.ui import at_the_stand, make_app, screen_text, type_text, until

LONG_TERMINAL = "terrace-bar-by-the-garden-door-2"


def row_of(app: Any, widget: Any) -> str:
    return screen_text(app).splitlines()[widget.region.y]


async def test_the_alert_bar_keeps_f7_on_its_one_line_whatever_the_terminal_name(
        sqlite_desk: Actor, clock: FixedClock) -> None:
    elsewhere = Actor(sqlite_desk.store, clock, sqlite_desk.site_id, LONG_TERMINAL, sqlite_desk.staff_id)
    incidents.log_incident(elsewhere, incidents.parse_incident(elsewhere, {
        "category": "food", "severity": "major", "description": "Glass in the salad", "guest_description": "table 9"}))
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_the_stand(pilot)
        bar = app.screen.query_one(AlertBar)
        await until(pilot, lambda: bar.region.height > 0)
        assert bar.region.height == 1
        assert row_of(app, bar).rstrip().endswith("F7: acknowledge")
        assert "…" in row_of(app, bar), "the terminal's name is cut, not the key"


async def test_the_footer_under_the_welcome_and_the_staff_picker_shows_their_keys(
        sqlite_desk: Actor, clock: FixedClock, tmp_path: Any) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'new.db'}", clock, staff=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "FirstRunScreen"
                    and "Demo" in screen_text(app)[-80:])  # the footer catches up a frame later
        footer = screen_text(app).splitlines()[-1]
        assert "d Demo restaurant" in footer and "Open" not in footer
    app = make_app(url_of(sqlite_desk), clock, staff=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "SignInScreen"
                    and "Sign in" in screen_text(app)[-80:])
        footer = screen_text(app).splitlines()[-1]
        assert "⏎ Sign in" in footer and "Open" not in footer


async def test_the_palette_icon_is_plain_under_ansi_dark_and_on_a_linux_console(
        sqlite_desk: Actor, clock: FixedClock, monkeypatch: Any) -> None:
    from textual.command import CommandPalette, SearchIcon

    for term, theme in (("xterm-256color", "ansi-dark"), ("linux", None)):
        monkeypatch.setenv("TERM", term)
        app = make_app(url_of(sqlite_desk), clock, theme=theme)
        async with app.run_test(size=(80, 24)) as pilot:
            await at_the_stand(pilot)
            await pilot.press("ctrl+p")
            await until(pilot, lambda app=app: isinstance(app.screen, CommandPalette))
            assert "🔎" not in screen_text(app)
            assert app.screen.query_one(SearchIcon).icon == ">"


async def test_at_120_columns_in_house_headlines_and_the_handed_off_hint_are_whole(
        sqlite_desk: Actor, clock: FixedClock) -> None:
    from frontdesk.services import customers

    guest = customers.create_customer(sqlite_desk, customers.parse_customer(sqlite_desk, {"name": "Olga Brandt"}))
    incidents.log_incident(sqlite_desk, incidents.parse_incident(sqlite_desk, {
        "customer_id": guest, "category": "facilities", "severity": "moderate", "description": "Cold room",
        "occurred_at": "yesterday 19:00"}))
    customers.check_in(sqlite_desk, guest)
    headline = "Facilities and comfort follow-up · 19 Nov"
    assert [each.flag_headline for each in customers.in_house(sqlite_desk)] == [headline]
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await at_the_stand(pilot)
        assert headline in screen_text(app)
        await pilot.press("f3")
        await until(pilot, lambda: "Handed off to" in screen_text(app))
        assert "who or which department, if anyone" in screen_text(app)


async def test_unfocused_fields_of_the_new_customer_form_show_on_a_16_colour_console(
        sqlite_desk: Actor, clock: FixedClock) -> None:
    from rich.color import ColorSystem
    from textual.widgets import Input

    from frontdesk.screens.customer_form import CustomerForm

    def on_console(color: Any) -> int | None:
        return color.rich_color.downgrade(ColorSystem.STANDARD).number

    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_the_stand(pilot)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, CustomerForm))
        fields = [field for field in app.screen.query(Input) if not field.has_focus and field.display]
        assert fields
        dialog = app.screen.query_one("#customer-form")
        for field in fields:
            assert on_console(field.background_colors[1]) != on_console(dialog.background_colors[1]), field.id


async def test_what_the_demo_built_is_said_after_the_staff_picker_not_over_it(
        tmp_path: Any, clock: FixedClock, monkeypatch: Any) -> None:
    """The build itself is replaced by a quick one (the real demo takes many seconds): a site and staff."""
    from frontdesk.demo import restaurant as demo
    from tests.conftest import DESK_PINS, set_up_desk

    def quick_demo(store: Any, clock: Any, *, progress: Any, **_: Any) -> str:
        set_up_desk(store, clock)
        progress(1.0)
        return "Demo restaurant built: 4 staff"

    monkeypatch.setattr(demo, "build_demo", quick_demo)
    app = make_app(f"sqlite:///{tmp_path / 'new.db'}", clock, staff=None)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "FirstRunScreen")
        await pilot.press("d")
        await until(pilot, lambda: type(app.screen).__name__ == "SignInScreen")
        assert "Demo restaurant built" not in screen_text(app), "no toast over the picker's border"
        await type_text(pilot, "maria")
        await pilot.press("enter")
        assert "Demo restaurant built" not in screen_text(app), "no toast over the PIN either"
        await type_text(pilot, DESK_PINS["Maria"])
        await pilot.press("enter")
        await until(pilot, lambda: app.desk is not None)
        await until(pilot, lambda: "Demo restaurant built" in screen_text(app))

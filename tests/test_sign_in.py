"""The sign-in screen: a name, then that person's PIN; wrong PINs, lockouts, a manager's first PIN; F9."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

from frontdesk.clock import FixedClock
from frontdesk.schemas.inputs import StaffInput
from frontdesk.services import pins, setup
from frontdesk.services.context import Actor
from tests.test_greet import url_of
from tests.ui import make_app, ready, screen_text, settle, type_text, until

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


def on_sign_in(app: Any) -> bool:
    return type(app.screen).__name__ == "SignInScreen"


async def test_a_named_person_types_their_pin(sqlite_desk: Actor, clock: FixedClock) -> None:
    """--staff Tom opens the PIN field for Tom; a wrong PIN says how many tries are left, the right one signs in."""
    app = make_app(url_of(sqlite_desk), clock, staff="Tom", pin="")  # "": nobody types it for them
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: on_sign_in(app))
        assert "Tom" in screen_text(app) and app.desk is None
        await type_text(pilot, "1111")
        await pilot.press("enter")
        await until(pilot, lambda: "not right" in screen_text(app))
        assert "4 more before a lockout" in screen_text(app) and app.desk is None
        await type_text(pilot, "2580")
        await pilot.press("enter")
        await ready(pilot)
        assert app.staff is not None and app.staff.name == "Tom" and not on_sign_in(app)


async def test_a_lockout_says_until_when(sqlite_desk: Actor, clock: FixedClock) -> None:
    tom = setup.find_staff(sqlite_desk.store, "Tom").id
    for _ in range(pins.TRIES):
        with pytest.raises(pins.NotAllowed):
            pins.sign_in(sqlite_desk.as_staff(None), tom, "0000")
    app = make_app(url_of(sqlite_desk), clock, staff="Tom", pin="")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: on_sign_in(app))
        await type_text(pilot, "2580")
        await pilot.press("enter")
        await until(pilot, lambda: "locked out" in screen_text(app))
        assert "until 19:35" in screen_text(app) and app.desk is None


async def test_f9_signs_someone_else_in(sqlite_desk: Actor, clock: FixedClock) -> None:
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("f9")
        await until(pilot, lambda: on_sign_in(app))
        await pilot.press("escape")  # from Maria's PIN back to the names
        await type_text(pilot, "len")
        await pilot.press("enter")
        await type_text(pilot, "1357")
        await pilot.press("enter")
        await until(pilot, lambda: app.staff is not None and app.staff.name == "Lena")
        assert app.desk is not None and app.desk.staff_id == app.staff.id


async def test_a_manager_without_a_pin_chooses_one(sqlite_desk: Actor, clock: FixedClock) -> None:
    setup.add_staff(sqlite_desk.store, clock, StaffInput.parse({"name": "Mo", "role": "manager"}), "stand")
    app = make_app(url_of(sqlite_desk), clock, staff="Mo")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "choose one now" in screen_text(app))
        for first, second in (("1234", "1234"), ("8024", "8042")):
            await type_text(pilot, first)
            await pilot.press("enter")
            await type_text(pilot, second)
            await pilot.press("enter")
            await settle(pilot)
        assert "differ" in screen_text(app)
        await type_text(pilot, "8024")
        await pilot.press("enter")
        await type_text(pilot, "8024")
        await pilot.press("enter")
        await ready(pilot)
        assert app.staff is not None and app.staff.name == "Mo" and app.staff.has_pin


async def test_someone_without_a_pin_is_sent_to_a_manager(sqlite_desk: Actor, clock: FixedClock) -> None:
    setup.add_staff(sqlite_desk.store, clock, StaffInput.parse({"name": "Pia", "role": "staff"}), "stand")
    app = make_app(url_of(sqlite_desk), clock, staff="Pia")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "a manager sets one" in screen_text(app))
        assert app.desk is None


async def _name_chosen(pilot: Any) -> None:
    await until(pilot, lambda: on_sign_in(pilot.app))
    await type_text(pilot, "to")
    await settle(pilot)


async def _wrong_pin(pilot: Any) -> None:
    await _name_chosen(pilot)
    await pilot.press("enter")
    await type_text(pilot, "9999")
    await pilot.press("enter")
    await until(pilot, lambda: "not right" in screen_text(pilot.app))


@SIZES
def test_snapshot_names(snap_compare: Any, sqlite_desk: Actor, clock: FixedClock, size: tuple[int, int]) -> None:
    """Sign in: who is at this terminal? "to" typed narrows the four names to Tom · Staff, highlighted."""
    app = make_app(url_of(sqlite_desk), clock, staff=None)
    assert snap_compare(app, terminal_size=size, run_before=_name_chosen)


@SIZES
def test_snapshot_wrong_pin(snap_compare: Any, sqlite_desk: Actor, clock: FixedClock, size: tuple[int, int]) -> None:
    """Tom chosen (the list steps aside), the PIN field empty again, the PIN pad under it (1–5 ⌫, 6–0 OK) and
    "That PIN is not right (4 more before a lockout)." under the pad."""
    app = make_app(url_of(sqlite_desk), clock, staff=None)
    assert snap_compare(app, terminal_size=size, run_before=_wrong_pin)


async def test_never_locking_needs_require_pin_off(sqlite_desk: Actor, clock: FixedClock) -> None:
    from frontdesk.services import settings

    app = make_app(url_of(sqlite_desk), clock, lock_after_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.store_problem is not None)
        assert "require_pin is off" in (app.store_problem or "") and app.desk is None
    settings.set_setting(sqlite_desk, "require_pin", "false")
    app = make_app(url_of(sqlite_desk), clock, lock_after_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)


async def test_a_manager_lifts_a_lockout_from_the_palette(sqlite_desk: Actor, clock: FixedClock) -> None:
    from textual.command import CommandPalette

    tom = setup.find_staff(sqlite_desk.store, "Tom").id
    for _ in range(pins.TRIES):
        with pytest.raises(pins.NotAllowed):
            pins.sign_in(sqlite_desk.as_staff(None), tom, "0000")
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await until(pilot, lambda: bool(app.lockouts))
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await type_text(pilot, "lift lockout")
        await until(pilot, lambda: "Lift lockout: Tom" in screen_text(app))
        assert "until 19:35" in screen_text(app)
        await pilot.press("enter")
        await until(pilot, lambda: pins.lockout_of(sqlite_desk, tom) is None and not app.lockouts)


async def test_f9_locks_covers_everything_and_the_same_pin_resumes(sqlite_desk: Actor, clock: FixedClock) -> None:
    """Locked: no guest name, phone, headline or typed text shows, F2–F5, F7 and Ctrl+P do nothing; Maria's PIN
    brings back the half-typed search; lock and unlock are audited."""
    from tests.test_greet import greet_scene

    greet_scene(sqlite_desk)
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await type_text(pilot, "garc")
        await until(pilot, lambda: "García" in screen_text(app))
        await pilot.press("f9")
        await until(pilot, lambda: on_sign_in(app) and "Locked" in screen_text(app))
        shown = screen_text(app)
        for secret in ("García", "garc", "Anton", "follow-up", "+49", "In house"):
            assert secret not in shown, secret
        for key in ("f2", "f3", "f4", "f5", "f7", "ctrl+p"):
            await pilot.press(key)
            await settle(pilot)
            assert on_sign_in(app) and app.current_mode == "greet", key
        await type_text(pilot, "2468")  # Maria's name is already chosen: her PIN resumes
        await pilot.press("enter")
        await until(pilot, lambda: not on_sign_in(app) and "García" in screen_text(app))
        assert app.screen.query_one("#search").value == "garc"
    from sqlalchemy import select

    from frontdesk.store.models import AuditEvent

    with sqlite_desk.store.read() as session:
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.in_(("lock", "unlock")))))
    assert actions == ["lock", "unlock"]


async def test_idle_locks(sqlite_desk: Actor, clock: FixedClock) -> None:
    app = make_app(url_of(sqlite_desk), clock, lock_after_seconds=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await until(pilot, lambda: on_sign_in(app) and "Locked" in screen_text(app), timeout=15)


async def _locked(pilot: Any) -> None:
    await ready(pilot)
    await type_text(pilot, "garc")
    await until(pilot, lambda: "García" in screen_text(pilot.app))
    await pilot.press("f9")
    await until(pilot, lambda: on_sign_in(pilot.app) and "Locked" in screen_text(pilot.app))


@SIZES
def test_snapshot_locked(snap_compare: Any, sqlite_desk: Actor, clock: FixedClock, size: tuple[int, int]) -> None:
    """Locked over a search for "garc" and the in-house list: only "Locked. Sign in: who is at this terminal?",
    "Maria  manager" over an empty PIN field and the PIN pad, and "⏎ Sign in  esc Back" show, on an opaque background; no guest,
    headline or typed text."""
    from tests.test_greet import greet_scene

    greet_scene(sqlite_desk)
    app = make_app(url_of(sqlite_desk), clock)
    assert snap_compare(app, terminal_size=size, run_before=_locked)


async def test_the_sign_in_shown_again_at_a_lock_is_as_new(sqlite_desk: Actor, clock: FixedClock) -> None:
    """The app keeps its one sign-in screen and shows it again at each lock (building one took most of a lock's
    time): nothing the last showing typed or said is left (the name typed, the wrong-PIN message, the PIN), the
    person signed in is the one chosen, and Esc shows every name again."""
    app = make_app(url_of(sqlite_desk), clock, staff=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: on_sign_in(app) and "Lena" in screen_text(app))
        first = app.screen
        await type_text(pilot, "len")
        await pilot.press("enter")
        await type_text(pilot, "9999")
        await pilot.press("enter")
        await until(pilot, lambda: "not right" in screen_text(app))
        await type_text(pilot, "1357")
        await pilot.press("enter")
        await until(pilot, lambda: app.staff is not None and not on_sign_in(app))
        for _ in range(2):
            await pilot.press("f9")
            await until(pilot, lambda: on_sign_in(app) and "Locked" in screen_text(app))
            assert app.screen is first
            shown = screen_text(app)
            assert "Lena" in shown and "Maria" not in shown and "not right" not in shown
            assert app.screen.query_one("#staff-pin", Input).value == ""
            await type_text(pilot, "1357")
            await pilot.press("enter")
            await until(pilot, lambda: not on_sign_in(app))
        await pilot.press("f9")
        await until(pilot, lambda: on_sign_in(app) and "Locked" in screen_text(app))
        await pilot.press("escape")
        await until(pilot, lambda: all(name in screen_text(app) for name in ("Maria", "Lena", "Tom", "Hana")))
        assert app.screen.query_one("#staff-filter", Input).value == ""


def draft_of(desk: Actor, name: str) -> dict[str, Any] | None:
    """What the store keeps as `name`'s unsaved incident at the stand."""
    from frontdesk.services import drafts

    kept = drafts.load_draft(desk.as_staff(setup.find_staff(desk.store, name).id), "incident")
    return kept[0]["values"] if kept else None


async def _switch(pilot: Any, name: str, pin: str) -> None:
    """F9, then Esc from the last person's PIN to the names, and `name` with their PIN."""
    await pilot.press("f9")
    await until(pilot, lambda: on_sign_in(pilot.app))
    await pilot.press("escape")
    await type_text(pilot, name.lower()[:3])
    await pilot.press("enter")
    await type_text(pilot, pin)
    await pilot.press("enter")
    await until(pilot, lambda: pilot.app.staff is not None and pilot.app.staff.name == name and not on_sign_in(pilot.app))


async def test_another_person_signing_in_keeps_the_first_persons_draft(sqlite_desk: Actor, clock: FixedClock) -> None:
    """Maria has José's card open and half an incident typed; F9, and Tom signs in: her incident is her draft in
    the store, and Tom sees nothing of hers (search box, card, form). Tom half-types one too; back as Maria, hers is
    offered and resumes, and Tom's stays his."""
    from tests.test_greet import greet_scene, search_and_open, shown_card_id

    greet_scene(sqlite_desk)
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await search_and_open(pilot, "jose")
        assert shown_card_id(app) is not None
        await pilot.press("f3")
        await settle(pilot)
        await type_text(pilot, "Mr Braun")
        await pilot.press("tab", "tab", "right", "right", "tab", "right", "right", "right", "tab", "tab", "tab")
        await type_text(pilot, "Soup arrived cold")
        await _switch(pilot, "Tom", "2580")
        assert draft_of(sqlite_desk, "Maria") is not None
        assert (draft_of(sqlite_desk, "Maria") or {}).get("description") == "Soup arrived cold"
        assert draft_of(sqlite_desk, "Tom") is None
        assert app.current_mode == "greet" and shown_card_id(app) is None
        assert app.screen.query_one("#search").value == ""
        assert "Recent guests" in screen_text(app)  # the greet screen as it starts, no card
        for secret in ("jose", "Mr Braun", "Soup", "An incident was not saved"):
            assert secret not in screen_text(app), secret
        await pilot.press("f3")
        await settle(pilot)
        form = app.screen.form.read()
        assert (form.customer.guest, form.description, form.category) == ("", "", None)
        for secret in ("Mr Braun", "Soup"):
            assert secret not in screen_text(app), secret
        await type_text(pilot, "Ms Lee")
        await _switch(pilot, "Maria", "2468")
        assert (draft_of(sqlite_desk, "Tom") or {}).get("guest") == "Ms Lee"
        await until(pilot, lambda: "An incident was not saved" in screen_text(app))
        assert "Mr Braun" in screen_text(app) and "Ms Lee" not in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen.form.read()
        assert (form.customer.guest, form.description) == ("Mr Braun", "Soup arrived cold")
    assert (draft_of(sqlite_desk, "Maria") or {}).get("description") == "Soup arrived cold"
    assert (draft_of(sqlite_desk, "Tom") or {}).get("guest") == "Ms Lee"


async def test_sign_in_by_taps_only(sqlite_desk: Actor, clock: FixedClock) -> None:
    """No keyboard: a tapped name opens its PIN field, the pad's keys type, erase and sign in; after a tap
    the PIN field has the focus again, so a keyboard still works."""
    app = make_app(url_of(sqlite_desk), clock, staff=None, served=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: on_sign_in(app) and "Lena" in screen_text(app))
        options = app.screen.query_one("#staff-list")
        lena = next(index for index in range(options.option_count)
                    if "Lena" in str(options.get_option_at_index(index).prompt))
        await pilot.click(options, offset=(3, 1 + lena))
        await until(pilot, lambda: not app.screen.query_one("#pin-pad").has_class("-hidden"))
        for key in ("1", "3", "9", "erase", "5", "7"):
            await pilot.click(f"#pin-{key}")
        pin = app.screen.query_one("#staff-pin")
        assert pin.value == "1357" and pin.has_focus
        await pilot.click("#pin-ok")
        await until(pilot, lambda: app.staff is not None and app.staff.name == "Lena")
        assert app.desk is not None and app.desk.pin_always and app.desk.terminal == app.settings.terminal


async def test_a_pin_and_enter_read_at_once_sign_in(sqlite_desk: Actor, clock: FixedClock) -> None:
    """Enter is a priority key, read before the digits typed ahead of it reach the PIN field: a fast "2580 Enter"
    on a busy terminal checked a partial PIN (seen in tmux) and counted towards a lockout. It now waits for them."""
    from tests.test_incident_typing import read_at_once

    app = make_app(url_of(sqlite_desk), clock, staff="Tom", pin="")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: on_sign_in(app) and "Tom" in screen_text(app))
        await read_at_once(pilot, *"2580", "enter")
        await ready(pilot)
        assert app.staff is not None and app.staff.name == "Tom" and not on_sign_in(app)


async def test_a_name_and_enter_read_at_once_choose_that_name(sqlite_desk: Actor, clock: FixedClock) -> None:
    """A name typed and chosen with Enter faster than the list narrows ("len Enter" read before the name field
    has handled a key) chooses the person typed, not whoever headed the list before it narrowed."""
    from tests.test_incident_typing import read_at_once

    app = make_app(url_of(sqlite_desk), clock, staff=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: on_sign_in(app) and "Lena" in screen_text(app))
        await read_at_once(pilot, *"len", "enter")
        await until(pilot, lambda: getattr(app.screen, "chosen", None) is not None)
        assert getattr(app.screen, "chosen").name == "Lena"
        await read_at_once(pilot, *"1357", "enter")
        await until(pilot, lambda: app.staff is not None)
        assert app.staff is not None and app.staff.name == "Lena" and not on_sign_in(app)


async def test_footers_let_go_of_the_keys_they_drop(sqlite_desk: Actor, clock: FixedClock) -> None:
    """A footer's recompose kept its old keys alive (Textual forgets a key's binding to the footer's `compact` only
    when that changes, and it never does): every lock and focus change grew the heap for good, and Python's full
    collections with it. After locks and unlocks, no key that left a footer is still alive."""
    import gc

    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        for _ in range(3):
            await pilot.press("f9")
            await until(pilot, lambda: on_sign_in(app) and "Locked" in screen_text(app))
            await type_text(pilot, "2468")
            await pilot.press("enter")
            await until(pilot, lambda: not on_sign_in(app))
            await settle(pilot)
        gc.collect()
        dropped = [key for key in gc.get_objects() if type(key).__name__ == "FooterKey" and not key.is_attached]
        assert dropped == []

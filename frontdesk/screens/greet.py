"""The host stand (F2): find the arriving guest and see their flag before saying hello.

The search box keeps the focus: every keystroke runs the search in a worker,
the newest keystroke wins, and Enter opens the highlighted guest only once
the rows answer what is typed now (never a row from an older query). The
card replaces the results; typing again starts the next search. Card actions
use F-keys and Ctrl keys, because the search box takes printable keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Input, Label
from textual.worker import get_current_worker

from frontdesk import timing
from frontdesk.messages import LogIncidentFor
from frontdesk.screens.base import DeskScreen
from frontdesk.screens.dialogs import ConfirmDialog
from frontdesk.widgets.customer_card import CustomerCardView, plural
from frontdesk.widgets.in_house import InHouseList
from frontdesk.widgets.safe import joined, literal
from frontdesk.widgets.search_results import SearchResults

if TYPE_CHECKING:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from frontdesk.schemas.reads import CustomerCard, FlagInfo, InHouseGuest, PromiseInfo, SearchHit
    from frontdesk.services.context import Actor
    from frontdesk.services.search import Searcher
    from frontdesk.store.changes import Interest

CARD_ACTIONS = frozenset(
    {"toggle_story", "check_in", "check_out", "left", "acknowledge", "clear_flag", "log_incident", "edit"}
)
"""Actions on the open card; hidden from the Footer while the results show."""
FLAG_ACTIONS = frozenset({"acknowledge", "clear_flag"})
CARD_BUTTONS = (("toggle_story", "F6 Story"), ("check_in", "F8 Check in"), ("check_out", "F8 Check out"),
                ("acknowledge", "F10 Ack"))
"""Buttons above the card for a tablet: each runs its key's action (and is refused where the key is)."""
SWAPPED = frozenset({"check_in", "check_out"})
"""Buttons that share a key: only the one that applies shows (the others are greyed out when refused)."""
WIDE = 110
"""From this width the in-house list is a column beside the results."""


class GreetScreen(DeskScreen):
    MODE = "greet"
    BINDING_GROUP_TITLE = "Greet"
    CSS_PATH = "greet.tcss"
    AUTO_FOCUS = "#search"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]
    BINDINGS = [
        Binding("enter", "open", "Open", priority=True, tooltip="Open the highlighted guest's card"),
        Binding("escape", "close_card", "Back", show=False, tooltip="Close the card and go back to the results"),
        Binding("escape", "clear_search", "Clear", tooltip="Clear the search box"),
        Binding("up", "move(-1)", "Up", show=False, tooltip="Highlight the guest above (or scroll the card)"),
        Binding("down", "move(1)", "Down", show=False, tooltip="Highlight the guest below (or scroll the card)"),
        Binding("pageup", "page(-1)", "Page up", show=False, tooltip="Scroll a page up"),
        Binding("pagedown", "page(1)", "Page down", show=False, tooltip="Scroll a page down"),
        Binding("f6", "toggle_story", "Story", show=False, tooltip="Show or hide what happened and how to greet"),
        Binding("f8", "check_in", "Check in", tooltip="Start a visit: the guest is in the house"),
        Binding("f8", "check_out", "Check out", tooltip="End the visit: the guest checked out"),
        Binding("ctrl+l", "left", "Left", tooltip="End the visit: the guest left without checking out"),
        Binding("f10", "acknowledge", "Ack", tooltip="Record that you have read the flag (it stays)"),
        Binding("ctrl+r", "clear_flag", "Clear", tooltip="Remove the flag (a shift lead or manager)"),
        Binding("f11", "log_incident", "Incident", tooltip="Log an incident for this guest"),
        Binding("f12", "edit", "Edit", tooltip="Edit contact details, consent, address and notes"),
        Binding("ctrl+n", "new_customer", "New", tooltip="Add a new customer"),
    ]

    card: reactive[CustomerCard | None] = reactive(None, bindings=True, init=False)
    """The card on screen (None: the results show)."""
    story: reactive[bool] = reactive(False, init=False)
    """Whether the flags' story is shown; a new card always starts with the headline only."""

    class SearchDone(Message):
        def __init__(self, text: str, hits: list[SearchHit], shortened: bool = False) -> None:
            super().__init__()
            self.text = text
            self.hits = hits
            self.shortened = shortened

    class CardLoaded(Message):
        def __init__(self, card: CustomerCard) -> None:
            super().__init__()
            self.card = card

    class StoryAllowed(Message):
        """Opening this customer's story is on record (`view_story`): it may show now."""

        def __init__(self, customer_id: int) -> None:
            super().__init__()
            self.customer_id = customer_id

    class InHouseLoaded(Message):
        def __init__(self, guests: list[InHouseGuest]) -> None:
            super().__init__()
            self.guests = guests

    class Written(Message):
        """A write finished: what to tell the host, and whether it was refused."""

        def __init__(self, note: str, refused: bool = False) -> None:
            super().__init__()
            self.note = note
            self.refused = refused

    def __init__(self) -> None:
        super().__init__()
        self._wanted: int | None = None
        """The customer whose card was asked for last (a late answer for another is dropped)."""
        self._open_when: str | None = None
        """Enter was pressed before the rows for this text arrived: open the top row then."""
        self._searcher: Searcher | None = None
        """The search box's searches: a keystroke cancels the one still running in the database."""
        self.back_to: str | None = None
        """The mode that opened the card (the queue's o): Esc goes back there, to the row it was on."""

    def compose_body(self) -> ComposeResult:
        with Vertical(id="greet-body"):
            with Vertical(id="greet-main"):
                yield Input(placeholder="Type a name or phone number", id="search")
                yield Label("", id="results-title")
                yield SearchResults(id="results")
                with Horizontal(id="card-actions"):
                    for action, caption in CARD_BUTTONS:
                        yield Button(caption, id=f"card-{action.replace('_', '-')}", name=action, compact=True,
                                     tooltip=next(binding.tooltip for binding in self.BINDINGS
                                                  if isinstance(binding, Binding) and binding.action == action))
                yield CustomerCardView(id="card")
            yield InHouseList(id="in-house")

    @property
    def search_box(self) -> Input:
        return self.query_one("#search", Input)

    @property
    def results(self) -> SearchResults:
        return self.query_one(SearchResults)

    def _zone(self) -> ZoneInfo:
        site = self.app.site
        assert site is not None, "the screen shows guests only once the desk is found"
        return timing.zone(site.time_zone)

    def _now(self) -> datetime:
        return self.app.clock.now()

    # -- showing the screen ------------------------------------------------

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.search_box.focus()

    def on_screen_suspend(self) -> None:
        """Another screen (a mode, a dialog, the lock) takes over: the story closes, as a guest may look."""
        self.close_story()

    def shows(self) -> Interest:
        """The in-house list shows this site's visits, incidents and flags; a card or search results show
        customers, whose flags and history are the group's: those matter wherever they changed."""
        from frontdesk.store.changes import CUSTOMER_HISTORY, Interest

        showing_customers = self.card is not None or bool(self.search_box.value)
        return Interest.of(("visits", "incidents", "flags", "customers"),
                           CUSTOMER_HISTORY if showing_customers else ())

    def refresh_data(self) -> None:
        self.load_in_house()
        self.run_search(self.search_box.value)
        if self.card is not None:
            self.open_card(self.card.id)

    def show_customer(self, customer_id: int, back_to: str | None = None) -> None:
        """Open a customer's card, asked for by another screen: an older search is cleared, not left above it."""
        self.back_to = back_to
        if self.search_box.value:
            with self.prevent(Input.Changed):  # a search changed would close the card being opened
                self.search_box.value = ""
            self.run_search("")
        self.search_box.focus()
        self.open_card(customer_id)

    def mode_key_again(self) -> None:
        """F2 on the host stand: whatever is open, back to an empty search box for the next guest."""
        self.back_to = None
        self._wanted = None
        self.card = None
        self.action_clear_search()

    # -- searching -----------------------------------------------------------

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        """A keystroke starts a new search and closes the card: the next guest is arriving."""
        self._open_when = None
        self._wanted = None
        self.back_to = None
        self.card = None
        self.run_search(event.value)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_search(self, text: str) -> None:
        from frontdesk.services import customers, search

        desk = self.desk
        if desk is None:
            return
        if not text.strip():
            hits, shortened = customers.recent_customers(desk), False
        else:
            self._searcher = self._searcher or search.Searcher()
            if (result := self._searcher.find(desk.store, text)) is None:
                return  # a newer keystroke cancelled it
            hits, shortened = list(result.hits), result.shortened
        if not get_current_worker().is_cancelled:
            self.post_message(self.SearchDone(text, hits, shortened))

    def on_greet_screen_search_done(self, event: SearchDone) -> None:
        if event.text != self.search_box.value:
            return  # an older keystroke's answer
        keep = self.results.highlighted_hit if self.results.answered_text == event.text else None
        self.results.show(event.text, event.hits, self._zone(), self._now(),
                          keep=keep.customer_id if keep else None)
        # One line, always: no layout pass needed (a keystroke's budget is small).
        self.query_one("#results-title", Label).update(results_title(event.text, len(event.hits), event.shortened),
                                                       layout=False)
        if self._open_when == event.text:
            self._open_when = None
            self.action_open()

    def action_move(self, step: int) -> None:
        if self.card is not None:
            self.query_one(CustomerCardView).scroll_relative(y=step, animate=False)
        else:
            self.results.move(step)

    def action_page(self, step: int) -> None:
        if self.card is not None:
            card_view = self.query_one(CustomerCardView)
            card_view.scroll_relative(y=step * max(1, card_view.size.height - 1), animate=False)
        else:
            self.results.move(step * max(1, self.results.size.height - 1))

    def action_open(self) -> None:
        text = self.search_box.value
        if self.results.answered_text != text:
            self._open_when = text  # the rows on screen answer an older query
            return
        if (hit := self.results.highlighted_hit) is not None:
            self.open_card(hit.customer_id)

    def action_clear_search(self) -> None:
        self.search_box.value = ""
        self.search_box.focus()

    # -- the card --------------------------------------------------------------

    def open_card(self, customer_id: int) -> None:
        self._wanted = customer_id
        self.load_card(customer_id)

    @work(thread=True, exclusive=True, group="card", exit_on_error=False)
    def load_card(self, customer_id: int) -> None:
        from frontdesk.services.customers import customer_card

        if self.desk is not None:
            self.post_message(self.CardLoaded(customer_card(self.desk, customer_id)))

    def on_greet_screen_card_loaded(self, event: CardLoaded) -> None:
        if event.card.id != self._wanted:
            return  # the host has moved on
        if self.card is None or self.card.id != event.card.id:
            self.story = False
            self.search_box.select_all()  # typing the next guest's name replaces this one's
            self.query_one(CustomerCardView).scroll_home(animate=False)
        self.card = event.card

    def watch_card(self, card: CustomerCard | None) -> None:
        self.set_class(card is not None, "-card")
        if card is not None:
            self.query_one(CustomerCardView).show(card, story=self.story, tz=self._zone(), now=self._now())
        for button in self.query("#card-actions Button").results(Button):
            allowed = card is not None and bool(self.check_action(button.name or "", ()))
            if button.name in SWAPPED:
                button.display = allowed
            else:
                button.disabled = not allowed

    @on(SearchResults.Tapped)
    def row_tapped(self, event: SearchResults.Tapped) -> None:
        """A tapped row opens that guest, as Enter opens the highlighted one."""
        self.search_box.focus()
        self.open_card(event.hit.customer_id)

    @on(Button.Pressed, "#card-actions Button")
    async def card_button(self, event: Button.Pressed) -> None:
        """A card button runs its key's action (refused where the key is); the search box keeps the focus,
        so typing the next guest's name still works after a tap."""
        event.stop()
        await self.app.run_action(event.button.name or "", self)
        self.search_box.focus()

    def watch_story(self, story: bool) -> None:
        if self.card is not None:
            self.query_one(CustomerCardView).show_story(self.card, story=story, tz=self._zone(), now=self._now())

    def action_close_card(self) -> None:
        """Esc: back to the results, or to the screen that opened the card."""
        back_to, self.back_to = self.back_to, None
        self._wanted = None
        self.close_story()
        self.card = None
        self.search_box.focus()
        if back_to is not None:
            self.app.switch_mode(back_to)

    def close_story(self) -> None:
        """Hide what happened, leaving the neutral card: when the card closes, the screen changes or the
        terminal locks."""
        self.story = False

    def action_toggle_story(self) -> None:
        card = self.card
        if self.story or card is None:
            self.close_story()
        elif any(incident.sensitive for incident in card.incidents):
            self.record_story_view(card.id)
        else:
            self.story = True

    @work(thread=True, exclusive=True, group="story", exit_on_error=False)
    def record_story_view(self, customer_id: int) -> None:
        """A sensitive story shows only once its viewing is on record."""
        from frontdesk.services.flags import view_story

        if self.desk is not None:
            view_story(self.desk, customer_id)
            self.post_message(self.StoryAllowed(customer_id))

    def on_greet_screen_story_allowed(self, event: StoryAllowed) -> None:
        if self.card is not None and self.card.id == event.customer_id and self.is_current:
            self.story = True

    def action_check_in(self) -> None:
        assert self.card is not None
        if self.card.open_promises:
            self.offer_to_keep_promises(self.card)
        else:
            self.write(check_in, self.card)

    @work(exclusive=True, group="confirm", exit_on_error=False)
    async def offer_to_keep_promises(self, card: CustomerCard) -> None:
        """A guest with an open promise: checking in offers to mark it kept there and then (one service call)."""
        from frontdesk.screens.dialogs import KeepPromiseDialog

        tz, now = self._zone(), self._now()
        promises = [promise_words(promise, self.story, tz, now) for promise in card.open_promises]
        answer = await self.app.push_screen_wait(KeepPromiseDialog(card.name, promises))
        if answer is not None:
            self.write(check_in, card, answer)

    def action_check_out(self) -> None:
        assert self.card is not None
        self.write(check_out, self.card, "out")

    def action_left(self) -> None:
        assert self.card is not None
        self.write(check_out, self.card, "left")

    def action_acknowledge(self) -> None:
        assert self.card is not None
        self.write(acknowledge, self.card)

    def action_clear_flag(self) -> None:
        assert self.card is not None
        self.confirm_clear(self.card.active_flags[0])

    @work(exclusive=True, group="confirm", exit_on_error=False)
    async def confirm_clear(self, flag: FlagInfo) -> None:
        """Refuse a host at once; ask a lead to confirm, naming the flag."""
        from frontdesk.services.authority import allows, refusal

        staff = self.app.staff
        if staff is None or not allows(staff.role, "clear_flag"):
            self.notify(f"{refusal('clear_flag')} F10 records that you have read it.", severity="warning", timeout=8)
            return
        question = f"Clear the flag “{flag.headline}”?"
        detail = "It stops showing at every terminal. Its acknowledgements and the incident stay on file."
        if await self.app.push_screen_wait(ConfirmDialog(question, detail, yes="Clear it", no="Keep it")):
            self.write(clear_flag, flag)

    def action_log_incident(self) -> None:
        assert self.card is not None
        self.post_message(LogIncidentFor(self.card.id))

    def action_edit(self) -> None:
        from frontdesk.screens.customer_form import (
            CustomerForm,  # a heavy form: loaded when first used
        )

        assert self.card is not None and self.desk is not None
        self.app.push_screen(CustomerForm(self.desk, card=self.card), self.form_closed)

    def action_new_customer(self) -> None:
        from frontdesk.screens.customer_form import CustomerForm

        if self.desk is None:
            return
        self.app.push_screen(CustomerForm(self.desk, typed=self.search_box.value), self.form_closed)

    def form_closed(self, customer_id: int | None) -> None:
        self.search_box.focus()
        if customer_id is not None:
            self.run_search(self.search_box.value)
            self.open_card(customer_id)

    # -- writes ------------------------------------------------------------

    @work(thread=True, group="write", exit_on_error=False)
    def write(self, job: Callable[..., str], *args: Any) -> None:
        """Run one write; a refusal (already checked in, not a lead) is told, and the card re-read."""
        from frontdesk.errors import FrontdeskError

        assert self.desk is not None
        try:
            note = job(self.desk, *args)
        except FrontdeskError as exc:
            self.post_message(self.Written(str(exc).capitalize(), refused=True))
        else:
            self.post_message(self.Written(note))

    def on_greet_screen_written(self, event: Written) -> None:
        self.notify(event.note, severity="warning" if event.refused else "information",
                    timeout=8 if event.refused else 4)
        self.refresh_data()

    @work(thread=True, exclusive=True, group="in-house", exit_on_error=False)
    def load_in_house(self) -> None:
        from frontdesk.services.customers import in_house

        if self.desk is not None:
            self.post_message(self.InHouseLoaded(in_house(self.desk)))

    def on_greet_screen_in_house_loaded(self, event: InHouseLoaded) -> None:
        self.query_one(InHouseList).show(event.guests, self._zone())

    # -- keys ------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        card = self.card
        if action == "open":
            return card is None
        if action == "close_card":
            return card is not None
        if action == "clear_search":
            return card is None  # also with nothing typed: the Footer stays still while typing
        if action in CARD_ACTIONS and card is None:
            return False
        if action == "new_customer":
            return card is None  # typing (or Esc) leaves the card; the 80-column Footer needs the room
        if card is not None:
            if action == "toggle_story":
                return bool(card.active_flags or card.incidents or card.open_promises)
            if action == "check_in":
                return card.in_house_visit_id is None
            if action == "check_out":
                return card.in_house_visit_id is not None
            if action == "left":
                return card.in_house_visit_id is not None
            if action in FLAG_ACTIONS:
                return bool(card.active_flags)
        return True

    def get_screen_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("New customer (Ctrl+N)", "Add a new customer", self.action_new_customer)
        if self.card is not None:
            yield SystemCommand("Log an incident for this guest (F11)", "Opens F3 with the guest attached",
                                self.action_log_incident)
            yield SystemCommand("Edit this customer (F12)", "Contact details, consent, address, notes",
                                self.action_edit)
            from frontdesk.services.authority import allows

            if self.app.staff is not None and allows(self.app.staff.role, "privacy"):
                from frontdesk.screens.privacy_dialogs import privacy_commands

                yield from privacy_commands(self.card, self.write, self.app.push_screen)


def results_title(text: str, count: int, shortened: bool = False) -> Text:
    """What the rows are: recent guests, matches, or nobody (with the way to add them); and whether only
    the start of a long query was searched."""
    if not text.strip():
        return literal("Recent guests · type a name or phone" if count else "Type a name or phone number")
    if shortened:
        return literal(f"{count} found for the first 8 words (100 characters) · the rest was ignored")
    if not count:
        return joined("No one on file matches", literal(f"“{text.strip()}”"), "· Ctrl+N adds them", separator=" ")
    return literal(f"{count} found · ↑↓ choose · Enter open" if count > 1 else "1 found · Enter open")


# Write jobs: run in the screen's write worker, each one service call and the sentence for the host.


def check_in(desk: Actor, card: CustomerCard, keep_promises: bool = False) -> str:
    from frontdesk.services.customers import check_in

    kept = [promise.incident_id for promise in card.open_promises] if keep_promises else []
    check_in(desk, card.id, kept)
    if kept:
        return f"{card.name} checked in; {plural(len(kept), 'promise')} marked kept."
    return f"{card.name} checked in."


def promise_words(promise: PromiseInfo, story: bool, tz: ZoneInfo, now: datetime) -> str:
    """A promise in the check-in dialog: its words only with the story open (F6), and when it is due."""
    words = f"“{promise.text}”" if story else "a promise"
    if promise.due_at is None:
        return words
    return f"{words}, due {timing.describe_due(promise.due_at, now, tz)}"


def check_out(desk: Actor, card: CustomerCard, departure: str) -> str:
    from frontdesk.services.customers import check_out

    assert card.in_house_visit_id is not None
    check_out(desk, card.in_house_visit_id, departure)
    return f"{card.name} checked out." if departure == "out" else f"{card.name} left; the visit is closed."


def acknowledge(desk: Actor, card: CustomerCard) -> str:
    from frontdesk.services.flags import acknowledge_flags

    acknowledge_flags(desk, [flag.id for flag in card.active_flags])
    return "Flag read: recorded. It stays on the card until a shift lead clears it."


def clear_flag(desk: Actor, flag: FlagInfo) -> str:
    from frontdesk.services.flags import clear_flag

    clear_flag(desk, flag.id)
    return f"Flag cleared: {flag.headline}"

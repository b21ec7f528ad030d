"""The customer card: flags first, then tenure, the facts of past trouble, promises and history.

History before remedy: incidents per visit and the total value of remedies
given tell a loyal regular with a real problem from a frequent complainer by
facts, never by a label. Everything the customer typed is shown literally.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from frontdesk import timing
from frontdesk.money import format_money
from frontdesk.schemas.vocab import label
from frontdesk.widgets.flag_banner import FlagBanner
from frontdesk.widgets.safe import label_grid, literal
from frontdesk.widgets.search_results import masked_phone, when

if TYPE_CHECKING:
    from frontdesk.schemas.reads import CustomerCard

CONSENT_CHANNELS = (("consent_call", "call"), ("consent_text", "text"), ("consent_email", "email"),
                    ("consent_post", "post"))


class CustomerCardView(VerticalScroll, can_focus=False):
    """One customer's card; the screen scrolls it (focus stays in the search box)."""

    DEFAULT_CSS = """
    CustomerCardView {
        height: 1fr;
        padding: 0 1;
    }
    CustomerCardView > Static {
        height: auto;
    }
    CustomerCardView > .card-heading {
        text-style: bold;
        margin-top: 1;
    }
    CustomerCardView > .card-muted {
        color: $text-muted;
    }
    """

    def compose(self) -> ComposeResult:
        yield FlagBanner(id="card-flags")
        yield Static(id="card-name")
        yield Static(id="card-facts")
        yield Static("Open promises", classes="card-heading", id="card-promises-title")
        yield Static(id="card-promises")
        yield Static("History", classes="card-heading")
        yield Static(id="card-plans")
        yield Static(id="card-history")

    def show(self, card: CustomerCard, *, story: bool, tz: ZoneInfo, now: datetime) -> None:
        self.query_one(FlagBanner).show(card.active_flags, story=story, tz=tz, now=now)
        self.query_one("#card-name", Static).update(literal(card.name, style="bold"))
        self.query_one("#card-facts", Static).update(facts(card, tz, now))
        plans = planned(card, tz, now)
        self.query_one("#card-plans", Static).update(plans)
        self.query_one("#card-plans").display = bool(plans.plain)
        self.show_story(card, story=story, tz=tz, now=now)

    def show_story(self, card: CustomerCard, *, story: bool, tz: ZoneInfo, now: datetime) -> None:
        """The parts with story text (banner, promises, history) follow F6; the rest stays."""
        self.query_one(FlagBanner).show(card.active_flags, story=story, tz=tz, now=now)
        promises = promise_lines(card, tz, now, story=story)
        self.query_one("#card-promises-title").display = bool(promises.plain)
        self.query_one("#card-promises").display = bool(promises.plain)
        self.query_one("#card-promises", Static).update(promises)
        self.query_one("#card-history", Static).update(history(card, tz, now, story=story))


def facts(card: CustomerCard, tz: ZoneInfo, now: datetime) -> Text:
    """Where the guest is, how to reach them, tenure, and the facts of past trouble."""
    text = Text(end="")
    in_house = next((visit for visit in card.visits if visit.id == card.in_house_visit_id), None)
    if in_house is not None:
        text.append(f"In house since {timing.local(in_house.checked_in_at, tz):%H:%M}", style="bold")
    else:
        text.append("Not in house")
    contact = [masked_phone(card.phone) and f"☎ {masked_phone(card.phone)}", card.email and "✉ email on file"]
    consent = [word for field, word in CONSENT_CHANNELS if getattr(card, field)]
    contact.append(f"may contact by {', '.join(consent)}" if consent else "no contact consent")
    text.append("\n" + " · ".join(part for part in contact if part))
    tenure = f"Customer since {timing.local(card.customer_since, tz):%d %b %Y}"
    tenure += f" · {card.visit_count} visit{'s' if card.visit_count != 1 else ''}"
    if card.last_visit_at is not None:
        tenure += f" · last visit {when(card.last_visit_at, tz, now)}"
    text.append("\n" + tenure)
    if card.incident_count:
        trouble = f"{card.incident_count} incident{'s' if card.incident_count != 1 else ''} in {card.visit_count} visit"
        trouble += "s" if card.visit_count != 1 else ""
        remedies = " + ".join(format_money(total, currency) for currency, total in sorted(card.remedy_totals.items()))
        trouble += f" · remedies given {remedies}" if remedies else " · no remedy given"
    else:
        trouble = f"No incidents in {card.visit_count} visit{'s' if card.visit_count != 1 else ''}"
    text.append("\n" + trouble)
    if card.notes:
        text.append("\nNotes: ", style="bold")
        text.append(literal(card.notes))
    return text


def promise_lines(card: CustomerCard, tz: ZoneInfo, now: datetime, *, story: bool = False) -> Text:
    """Open promises with when they are due ("tomorrow 17:00"), or "overdue" once past and not kept; what
    was promised, by whom and when only with the story (F6), as a guest may read the screen."""
    text = Text(end="")
    for index, promise in enumerate(card.open_promises):
        if index:
            text.append("\n")
        text.append("• ")
        text.append(literal(promise.text) if story else Text("A promise", style="italic"))
        if story and promise.made_at is not None:
            text.append(" · promised by ")
            text.append(literal(promise.made_by))
            text.append(f", {when(promise.made_at, tz, now)}")
        if promise.overdue(now):
            assert promise.due_at is not None
            text.append(" · overdue", style="bold reverse")
            text.append(f" since {when(promise.due_at, tz, now)}", style="bold")
        elif promise.due_at is not None:
            text.append(f" · due {timing.describe_due(promise.due_at, now, tz)}", style="bold")
        if promise.likelihood:
            text.append(f" · {label(promise.likelihood)}")
    return text


def planned(card: CustomerCard, tz: ZoneInfo, now: datetime) -> Text:
    """Every open follow-up in one line, the overdue ones first: it must agree with the history below,
    where an overdue one shows as open (issue 17: "1 planned" sat above two overdue)."""
    due = sorted(item.due_at for item in card.follow_ups if item.status == "open")
    overdue = [at for at in due if at <= now]
    ahead = due[len(overdue):]
    text = Text(style="italic", end="")
    if overdue:
        text.append(f"{plural(len(overdue), 'follow-up')} overdue since {when(overdue[0], tz, now)}", style="bold")
    if ahead:
        text.append(" · " if overdue else "")
        text.append(f"{len(ahead)} planned" if overdue else f"{plural(len(ahead), 'follow-up')} planned")
        text.append(f", next {timing.describe_due(ahead[0], now, tz)}")
    return text


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def history(card: CustomerCard, tz: ZoneInfo, now: datetime, *, story: bool = False) -> RenderableType:
    """Visits, incidents, follow-ups with outcome: newest first; what happened and the remedy only with
    the story (F6)."""
    past = [entry for entry in card.timeline if entry.at <= now]
    if not past:
        return Text("No visits yet.", end="")
    grid = label_grid()
    if not story and not card.active_flags and any(entry.story for entry in past):
        grid.add_row("", Text("F6: what happened", style="italic"))
    for entry in past:
        grid.add_row(when(entry.at, tz, now), literal(entry.title, style="bold" if entry.kind == "incident" else ""))
        if entry.detail:
            grid.add_row("", literal(entry.detail, style="dim"))
        if story and entry.story:
            grid.add_row("", literal(entry.story, style="dim"))
    return grid

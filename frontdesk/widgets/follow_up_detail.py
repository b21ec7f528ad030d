"""The selected follow-up in full: the story, the promise, the tries, how to reach them.

`detail_text` builds the panel's content; the screen calls it in the worker
that loaded the detail (it formats money, which needs the schemas), so the
UI thread only swaps it in. Customer text goes through `literal()`; a channel
without the customer's consent is said in words, not only in colour.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from frontdesk.money import format_money
from frontdesk.schemas.vocab import how, label
from frontdesk.timing import due_words, local
from frontdesk.widgets.safe import joined, label_grid, literal

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from frontdesk.schemas.reads import DueItem, FollowUpDetail

NO_CONSENT = "no consent"


def _when(instant: datetime | None, tz: ZoneInfo) -> str:
    return f"{local(instant, tz):%a %d %b %H:%M}" if instant else ""


def _contact(detail: FollowUpDetail) -> Text:
    """Each way to reach the customer, with their consent said in words."""

    def way(channel: str, value: str | None) -> Text:
        consent = detail.consent.get(channel, False)
        line = Text(f"{label(channel)}: ", end="")
        line.append("yes" if consent else NO_CONSENT, style="" if consent else "bold reverse")
        return line

    from frontdesk.schemas.base import (
        readable_phone,  # here: pydantic is loaded by now, not at startup
    )

    lines = []
    if detail.phone:
        lines.append(joined(literal(readable_phone(detail.phone)), way("call", detail.phone), way("text", detail.phone),
                            separator=" · "))
    if detail.email:
        lines.append(joined(literal(detail.email), way("email", detail.email), separator=" · "))
    if detail.postal_address:
        lines.append(joined(literal(", ".join(detail.postal_address.splitlines())), way("note", None),
                            separator=" · "))
    if not lines:
        return Text("no phone, email or address on file", style="italic")
    return Text("\n", end="").join(lines)


def escalation_words(item: DueItem, tz: ZoneInfo) -> str:
    """"!! Escalated to the managers on Mon 23 Nov 10:00.": the level, and since when."""
    mark = "!" * item.escalation
    to = "the managers" if item.escalation >= 2 else "the leads"
    since = f" on {_when(item.escalated_at, tz)}" if item.escalated_at else ""
    return f"{mark} Escalated to {to}{since}."


def detail_text(detail: FollowUpDetail, now: datetime, tz: ZoneInfo) -> RenderableType:
    """The panel's content for one follow-up."""
    item, incident = detail.item, detail.incident
    heading = joined(
        literal(item.customer_name) if item.customer_name else Text("unknown guest", style="italic"),
        f"{label(item.kind)} {how(item.channel)}",
        joined("owner", literal(item.owner_name), separator=" "),
        due_words(item.due_at, item.local_time, now, tz),
        f"{item.attempts} tr{'y' if item.attempts == 1 else 'ies'}",
        separator=" · ",
    )
    heading.stylize("bold")
    heading.end = "\n"
    warnings = []
    if item.escalation:
        warnings.append(Text(escalation_words(item, tz), style="bold"))
    if item.channel in detail.consent and not detail.consent[item.channel]:
        warnings.append(Text(f"! No consent to {label(item.channel)} on file: ask first, or use another way.",
                             style="bold"))
    grid = label_grid(gap=1, label_style="bold")

    where = [incident.category, label(incident.severity), incident.product, incident.location]
    grid.add_row("Incident", Text("\n", end="").join([
        joined(_when(incident.occurred_at, tz), *(literal(part) for part in where if part),
               joined("ally", literal(incident.ally_name), separator=" "), separator=" · "),
        literal(incident.description),
    ]))
    if incident.reaction:
        grid.add_row("Reaction", literal(incident.reaction))
    if incident.remedy_kind and incident.remedy_kind != "none":
        cost = f" · {format_money(incident.remedy_cost, incident.currency)}" if incident.remedy_cost else ""
        grid.add_row("Remedy", Text(label(incident.remedy_kind) + cost))
    if incident.handoff_to or incident.handoff_staff_id:
        grid.add_row("Hand-off", joined(literal(incident.handoff_to or "staff"),
                                        f"expected {_when(incident.handoff_expected_at, tz) or 'soon'}",
                                        label(incident.handoff_status), separator=" · "))
    if incident.promise_text:
        grid.add_row("Promise", joined(
            literal(incident.promise_text),
            f"by {_when(incident.promise_due_at, tz)}" if incident.promise_due_at else "no date",
            f"{label(incident.promise_likelihood) or 'likelihood not said'}",
            label(incident.promise_status),
            separator=" · ",
        ))
    if detail.attempts:
        grid.add_row("Tries", Text("\n", end="").join(
            joined(_when(attempt.at, tz), literal(attempt.by), label(attempt.outcome),
                   *([literal(attempt.note)] if attempt.note else []), separator=" · ")
            for attempt in detail.attempts
        ))
    else:
        grid.add_row("Tries", Text("none yet"))
    grid.add_row("Contact", _contact(detail))
    if detail.reschedule_reason:
        grid.add_row("Moved", literal(detail.reschedule_reason))
    grid.add_row("Say", literal(detail.words) if detail.words else Text("no suggested words", style="italic"))
    keys = Text(("o customer card · " if item.customer_id else "") + "i open the incident to amend it",
                style="italic")
    return Group(heading, *warnings, grid, keys)


class FollowUpDetailPanel(VerticalScroll):
    """A scrollable panel (Tab into it, then arrows) showing `detail_text`."""

    DEFAULT_CSS = """
    FollowUpDetailPanel > Static {
        width: 100%;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(Text("Select a follow-up to see its story."), id="detail-body")

    def show(self, content: RenderableType) -> None:
        self.query_one("#detail-body", Static).update(content)
        self.scroll_home(animate=False)

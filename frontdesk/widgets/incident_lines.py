"""An incident in words: what a save created, what is on file, and an unsaved draft.

Customer text goes through `literal()`; times are shown in the site's zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.text import Text

from frontdesk import timing
from frontdesk.schemas.vocab import label
from frontdesk.widgets.deposition import IncidentDraft, caption
from frontdesk.widgets.plan_preview import step_line
from frontdesk.widgets.safe import joined, literal

if TYPE_CHECKING:
    from frontdesk.schemas.reads import IncidentDetail, LogResult


def created_lines(result: LogResult, customer_name: str | None, headline: str | None, tz: ZoneInfo) -> list[Text]:
    """What a log created: the flag, the alert, each follow-up, what was assumed about times."""
    lines = []
    if result.flag_id is not None:
        flag = Text("⚑ Flag raised for ", end="")
        flag.append(literal(customer_name or "the customer"))
        if headline:
            flag.append(": ")
            flag.append(literal(headline))
        lines.append(flag)
    elif customer_name is None:
        lines.append(Text("No flag: unknown guest (attach a customer later, from F8 Today, to flag them)."))
    else:
        lines.append(Text("No flag on the customer's file."))
    if result.alert_id is not None:
        lines.append(Text("⚠ Alert sent to the other terminals of this site, until someone acknowledges it."))
    else:
        lines.append(Text("No alert (only moderate and worse alert the site)."))
    count = len(result.follow_ups)
    lines.append(Text(f"{count} follow-up{'' if count == 1 else 's'}:" if count else "No follow-ups."))
    for step in result.follow_ups:
        lines.append(Text("  ", end="") + step_line(step, tz))
    for name, note in result.time_notes.items():
        lines.append(Text(f"{caption(name)}: {note}"))
    finish = next((step for step in result.follow_ups if step.kind == "incomplete_deposition"), None)
    if finish is not None:  # a quick log
        lines.insert(0, Text(f"Finish the deposition by {timing.local(finish.due_at, tz):%H:%M}: it is in your "
                             "follow-ups and under F8 Today.", style="bold"))
    return lines


def amended_lines(detail: IncidentDetail, changed: Sequence[str], tz: ZoneInfo) -> list[Text]:
    """What an amendment changed (by caption), and the incident as it now stands."""
    captions = list(dict.fromkeys(caption(name) for name in changed if name != "complete"))
    lines = [Text("Changed: " + ", ".join(captions) + "." if captions else "Marked complete.")]
    if "complete" in changed:
        lines.append(Text("The deposition is complete; its reminder to finish it is done."))
    lines.append(Text("Recorded in the audit log under your name."))
    lines.append(on_file(detail, tz))
    return lines


def amend_title(detail: IncidentDetail, tz: ZoneInfo) -> Text:
    """Which incident is being amended, logged when and by whom; "✎ to finish" for a quick log."""
    logged = timing.local(detail.logged_at, tz)
    title = literal(f"Amending incident #{detail.id} · logged {logged:%a %d %b %H:%M} by {detail.logged_by}")
    if not detail.complete:
        title.append(" · ✎ to finish")
    return title


def on_file(detail: IncidentDetail, tz: ZoneInfo) -> Text:
    """The incident's flag and follow-ups as they stand, beside the amendment."""
    lines = Text(end="")
    flag = detail.flag
    if flag is None:
        lines.append("No flag." if detail.customer_id else "No flag: attach a customer to flag them.")
    else:
        lines.append(f"⚑ {label(flag.level)} flag{'' if flag.active else ' (cleared)'}: ", style="bold")
        lines.append(literal(flag.headline))
    lines.append(f"\nEpisode {label(detail.episode_status)}")
    if detail.episode_outcome:
        lines.append(f" · {label(detail.episode_outcome)}")
    if detail.episode_root_cause:
        lines.append(" · root cause ")
        lines.append(literal(detail.episode_root_cause.lower()))
    if detail.repeat_incident_id is not None:
        lines.append(f" · repeat: incident #{detail.repeat_incident_id} within 30 days", style="bold")
    lines.append(f" · promise {label(detail.promise_status) or 'none'}")
    lines.append(f" · hand-off {label(detail.handoff_status) or 'none'}\n\nFollow-ups:")
    for item in detail.follow_ups:
        wall = timing.local(item.due_at, tz)
        lines.append(f"\n{wall:%a %d %b %H:%M}  {label(item.kind)} · {label(item.channel)} · ")
        lines.append(literal(item.owner))
        lines.append(f" · {label(item.status)}", style="bold" if item.status == "open" else "")
    if not detail.follow_ups:
        lines.append("\nnone")
    return lines


def draft_summary(draft: IncidentDraft, saved_at: datetime, tz: ZoneInfo) -> Text:
    """Who typed it and when it was last kept, who it was about, and its first line."""
    what = draft.values.description.strip().splitlines()
    return joined(
        Text(f"Typed at this terminal by {draft.staff or 'someone'}, last kept "
             f"{timing.local(saved_at, tz):%a %d %b %H:%M}:"),
        literal(draft.values.customer.name or draft.values.customer.guest or "unknown guest"),
        literal(what[0] if what else "(nothing written yet about what went wrong)"),
        separator="\n",
    )

"""The product's words: every kind and status, and how each reads on screen.

Stored as these strings (not native enums), shown through LABELS.
"""

from __future__ import annotations

from typing import Literal, get_args

Severity = Literal["minor", "moderate", "major", "critical"]
Role = Literal["host", "staff", "lead", "manager"]
FollowUpKind = Literal["check_in", "handoff_check", "wrap_up", "promise_check", "incomplete_deposition",
                       "remedy_approval"]
Channel = Literal["call", "text", "email", "note", "in_person"]
FollowUpStatus = Literal["open", "done", "skipped"]
Outcome = Literal["reached_satisfied", "reached_unhappy", "no_answer", "left_message"]
EpisodeStatus = Literal["open", "closed"]
EpisodeOutcome = Literal["recovered", "not_recovered", "unknown"]
Likelihood = Literal["likely", "uncertain", "unlikely"]
PromiseStatus = Literal["pending", "kept", "broken"]
HandoffStatus = Literal["pending", "fixed", "not_fixed"]
FlagLevel = Literal["info", "care", "priority"]
RemedyKind = Literal["none", "apology", "replaced", "comped", "discount", "refund", "voucher", "other"]
Departure = Literal["out", "left"]

SEVERITIES: tuple[Severity, ...] = get_args(Severity)
ROLES: tuple[Role, ...] = get_args(Role)
FOLLOW_UP_KINDS: tuple[FollowUpKind, ...] = get_args(FollowUpKind)
CHANNELS: tuple[Channel, ...] = get_args(Channel)
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
EPISODE_OUTCOMES: tuple[EpisodeOutcome, ...] = get_args(EpisodeOutcome)
PROPOSED_OUTCOME: dict[str, EpisodeOutcome] = {"reached_satisfied": "recovered", "reached_unhappy": "not_recovered"}
"""An episode's outcome proposed at close from its last follow-up's outcome (anything else: unknown)."""
LIKELIHOODS: tuple[Likelihood, ...] = get_args(Likelihood)
FLAG_LEVELS: tuple[FlagLevel, ...] = get_args(FlagLevel)
REMEDY_KINDS: tuple[RemedyKind, ...] = get_args(RemedyKind)
HANDOFF_STATUSES: tuple[HandoffStatus, ...] = get_args(HandoffStatus)

SERIOUS: frozenset[str] = frozenset({"moderate", "major", "critical"})
"""Severities that flag the customer and alert the site by default."""

RETRY_OUTCOMES: frozenset[str] = frozenset({"no_answer", "left_message"})
LEAD_ATTENTION_ATTEMPTS = 3
"""After this many unanswered attempts a follow-up is marked for the lead."""

FLAG_LEVEL_FOR: dict[str, FlagLevel] = {
    "minor": "info",
    "moderate": "care",
    "major": "priority",
    "critical": "priority",
}

LABELS: dict[str, str] = {
    "minor": "minor",
    "moderate": "moderate",
    "major": "major",
    "critical": "critical",
    "host": "host",
    "staff": "staff",
    "lead": "shift lead",
    "manager": "manager",
    "check_in": "check-in",
    "handoff_check": "hand-off check",
    "wrap_up": "wrap-up",
    "promise_check": "promise check",
    "incomplete_deposition": "finish deposition",
    "remedy_approval": "approve remedy",
    "call": "call",
    "text": "text",
    "email": "email",
    "note": "note",
    "in_person": "in person",
    "open": "open",
    "done": "done",
    "skipped": "skipped",
    "closed": "closed",
    "reached_satisfied": "reached – satisfied",
    "reached_unhappy": "reached – still unhappy",
    "no_answer": "no answer",
    "left_message": "left a message",
    "likely": "likely",
    "uncertain": "uncertain",
    "unlikely": "unlikely",
    "pending": "pending",
    "kept": "kept",
    "broken": "broken",
    "fixed": "fixed",
    "not_fixed": "not fixed",
    "info": "info",
    "care": "care",
    "priority": "priority",
    "none": "none",
    "apology": "apology",
    "replaced": "replaced",
    "comped": "comped",
    "discount": "discount",
    "refund": "refund",
    "voucher": "voucher",
    "other": "other",
    "recovered": "recovered",
    "not_recovered": "not recovered",
    "unknown": "unknown",
    "out": "checked out",
    "left": "left",
}


def label(value: str | None) -> str:
    """The on-screen word for a stored kind or status."""
    if value is None:
        return ""
    return LABELS.get(value, value.replace("_", " "))


def how(channel: str) -> str:
    """How a follow-up is done, in words: "by call", "by email" … or "in person"."""
    return label(channel) if channel == "in_person" else f"by {label(channel)}"

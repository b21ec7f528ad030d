"""Remedy limits (issue 15 item 3): how much each role may give away, and what happens above it.

A remedy above the signed-in person's limit (site settings `remedy_limit_<role>`,
in the site currency's minor units) is approved at save by a lead's or
manager's PIN, recorded as `remedy_approved_by_id` and audited
`remedy_approved` under the approver's name; or, with no approver at hand,
the incident saves with the remedy `pending` and an approval follow-up goes
to the site's leads. Without either answer the save is refused with
`ApprovalNeeded`, so the screen asks: nothing is silently allowed or refused.
A quick log records no remedy, so it is never held up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from frontdesk.errors import ApprovalNeeded, NotAllowed
from frontdesk.money import format_money
from frontdesk.schemas.inputs import PlannedStep
from frontdesk.services.authority import RANK, allows
from frontdesk.services.context import Actor
from frontdesk.services.settings import site_setting
from frontdesk.store.models import Site, Staff


@dataclass(frozen=True)
class RemedyApproval:
    """The answer to `ApprovalNeeded`: who approves with which PIN, or leave the remedy pending."""

    approver_id: int | None = None
    pin: str = ""
    pending: bool = False


def limit_of(session: Session, site_id: int, role: str) -> int | None:
    """A role's remedy limit at a site, in minor units (None: no limit)."""
    value = site_setting(session, site_id, f"remedy_limit_{role}")
    return None if value is None else int(value)


def approvers(session: Session, site_id: int, cost: int, besides: int | None) -> tuple[tuple[int, str], ...]:
    """Active leads and managers of the site whose own limit covers `cost`, leads first, then by name."""
    rows = session.scalars(
        select(Staff).where(Staff.active.is_(True), or_(Staff.site_id == site_id, Staff.site_id.is_(None)))
    )
    able = [staff for staff in rows if staff.id != besides and allows(staff.role, "approve_remedy")
            and _covers(limit_of(session, site_id, staff.role), cost)]
    able.sort(key=lambda staff: (RANK[staff.role], staff.name.lower()))
    return tuple((staff.id, staff.name) for staff in able)


def _covers(limit: int | None, cost: int) -> bool:
    return limit is None or cost <= limit


def decide(session: Session, actor: Actor, staff: Staff | None, cost: int,
           approval: RemedyApproval | None) -> tuple[str | None, int | None]:
    """(remedy_approval, remedy_approved_by_id) for a remedy costing `cost` logged by `staff`.

    Within the limit (or from the shell): (None, None). Above it: the answer
    given, or ApprovalNeeded. The approver's PIN was checked before the
    transaction (pins.verify_approver); here their role and limit are.
    """
    if staff is None:
        return None, None
    limit = limit_of(session, actor.site_id, staff.role)
    if _covers(limit, cost):
        return None, None
    if approval is None:
        currency = _currency(session, actor.site_id)
        raise ApprovalNeeded(
            f"{format_money(cost, currency)} is above your limit as a {staff.role} "
            f"({format_money(limit or 0, currency)}): a lead's or manager's PIN approves it, "
            "or it saves pending approval",
            approvers(session, actor.site_id, cost, staff.id),
        )
    if approval.pending:
        return "pending", None
    approver = session.get(Staff, approval.approver_id or 0)
    if approver is None or not approver.active or not allows(approver.role, "approve_remedy"):
        raise NotAllowed("Approving a remedy needs a lead or manager.")
    if not _covers(limit_of(session, actor.site_id, approver.role), cost):
        raise NotAllowed(f"This remedy is above {approver.name}'s limit too: a manager's PIN approves it.")
    return "approved", approver.id


def approval_needed(actor: Actor, cost: int) -> ApprovalNeeded | None:
    """What saving a remedy of `cost` by this person would ask (None: nothing), without saving: for a caller that
    cannot retry after a refusal (the demo builds inside one transaction)."""
    with actor.store.read() as session:
        staff = None if actor.store_authority or actor.staff_id is None else session.get(Staff, actor.staff_id)
        try:
            decide(session, actor, staff, cost, None)
        except ApprovalNeeded as needed:
            return needed
    return None


def _currency(session: Session, site_id: int) -> str:
    site = session.get(Site, site_id)
    return site.currency if site else ""


def approval_step(session: Session, site_id: int, cost: int, logger_id: int, now: datetime) -> PlannedStep:
    """The follow-up that asks the site's leads to approve a pending remedy: the first lead (by name), due now; a
    lead whose own limit is lower takes it to a manager."""
    able = approvers(session, site_id, 0, None)
    owner = able[0][0] if able else logger_id
    return PlannedStep.model_construct(
        kind="remedy_approval", channel="in_person", due_at=now, owner_id=owner, local_time=None,
        words="A remedy above the logger's limit waits for approval: approve it with the guest's story in mind, "
              "or talk to whoever gave it.",
    )

"""Who may do what: the one table every service checks, and the UI mirrors.

Roles are ranked host < staff < lead < manager; each permission names the
lowest role that has it. A refusal is `NotAllowed` with a sentence naming the
role needed, raised before anything is written. Commands run from a shell act
with the store's own authority (whoever can open the store could change it
directly) and pass every check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from frontdesk.errors import NotAllowed

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from frontdesk.services.context import Actor
    from frontdesk.store.models import Staff

RANK = {"host": 0, "staff": 1, "lead": 2, "manager": 3}

PERMISSIONS: dict[str, tuple[str, str]] = {
    # permission: (lowest role, what it is, for the refusal's sentence)
    "look_up": ("host", "looking up guests"),
    "check_in_out": ("host", "checking guests in and out"),
    "acknowledge": ("host", "acknowledging flags and alerts"),
    "edit_customers": ("host", "creating and editing customers"),
    "log_incident": ("host", "logging incidents"),
    "amend_own_incident": ("host", "finishing or amending an incident you logged"),
    "work_own_follow_ups": ("host", "working your own follow-ups"),
    "work_queue": ("lead", "working the whole queue (reassign, reschedule, skip, close episodes)"),
    "see_lockouts": ("lead", "seeing who is locked out"),
    "clear_flag": ("lead", "clearing a flag"),
    "amend_any_incident": ("lead", "amending someone else's incident"),
    "approve_remedy": ("lead", "approving a remedy"),
    "reports": ("manager", "reading reports"),
    "audit_trail": ("manager", "the audit trail"),
    "manage_staff": ("manager", "managing staff and PINs"),
    "settings": ("manager", "changing settings"),
    "playbooks": ("manager", "changing playbooks, categories and root causes"),
    "export": ("manager", "exporting the store"),
    "privacy": ("manager", "handling privacy requests (merge, export, erase)"),
    "lift_lockout": ("manager", "lifting a lockout"),
    "leave_kiosk": ("manager", "quitting or suspending a terminal in kiosk mode"),
}
"""The role table: README's "Roles" section shows the same."""


def needed(permission: str) -> str:
    return PERMISSIONS[permission][0]


def allows(role: str | None, permission: str) -> bool:
    """Whether a role has a permission: what the UI asks before offering a key."""
    return role is not None and RANK[role] >= RANK[needed(permission)]


def who_may(permission: str) -> str:
    """"a lead or manager": the roles that have a permission, for keys and refusals."""
    roles = [role for role in RANK if allows(role, permission)]
    return "a " + " or ".join(roles) if len(roles) < 3 else "anyone signed in"


def refusal(permission: str) -> str:
    what = PERMISSIONS[permission][1]
    return f"{what[0].upper()}{what[1:]} needs {who_may(permission)}."


def require(session: Session, actor: Actor, permission: str) -> Staff | None:
    """The staff member acting, if their role has `permission` (None for the shell's store authority)."""
    if actor.store_authority:
        return None
    staff = actor.staff(session)
    if not allows(staff.role, permission):
        raise NotAllowed(f"{refusal(permission)[:-1]}; {staff.name} is a {staff.role}.")
    return staff


def require_staff(session: Session, actor: Actor, permission: str) -> Staff:
    """As `require`, for effects that are someone's own (an incident they log): the shell has no one to act as."""
    staff = require(session, actor, permission)
    if staff is None:
        raise NotAllowed("sign in at a terminal to do this: it is done as a staff member")
    return staff

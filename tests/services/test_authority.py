"""The role table, walked for every role on both backends: allowed works, refused raises NotAllowed
naming the role needed, and a refusal writes nothing (the whole store reads the same after it)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from _support import follow_ups_of, step

from frontdesk.errors import NotAllowed
from frontdesk.schemas.inputs import OutcomeInput, SkipInput, StaffInput
from frontdesk.services import (
    alerts,
    authority,
    customers,
    episodes,
    flags,
    followups,
    incidents,
    pins,
    reports,
    settings,
    setup,
)
from frontdesk.services.context import Actor
from frontdesk.services.export import write_export
from tests.conftest import DESK_PINS

ROLES = {"host": "Hana", "staff": "Tom", "lead": "Lena", "manager": "Maria"}
NOT_WALKED = {
    "look_up": "reads any signed-in person may do: not checked on each keystroke's read",
    "approve_remedy": "remedy approval arrives with the closing-the-loop issue",
    "audit_trail": "the audit trail command and screen arrive with issue 12 item 6",
    "playbooks": "playbooks are loaded from a shell only, with the store's authority",
    "export": "the export runs from a shell only, with the store's authority",
}
DONE = OutcomeInput.parse({"outcome": "reached_satisfied"})


class Scene:
    """What each attempt acts on, made by the manager (or by the person acting, for their own things)."""

    def __init__(self, desk: Actor, staff: dict[str, int], actor: Actor) -> None:
        self.desk, self.staff, self.actor = desk, staff, actor

    def customer(self, name: str = "Ana García") -> int:
        return customers.create_customer(self.desk, customers.parse_customer(self.desk, {"name": name}),
                                         allow_duplicate=True)

    def alert(self) -> int:
        """An alert logged at the bar by Olga, which the stand sees."""
        self.incident(by=replace(self.desk, terminal="bar", staff_id=self.staff["Olga"]))
        return alerts.active_alerts(self.actor)[0].id

    def incident(self, by: Actor | None = None, owner: str = "Olga", **fields: Any) -> int:
        by = by or self.desk.as_staff(self.staff["Olga"])
        data = {"category": "food", "severity": "major", "description": "Soup arrived cold",
                "customer_id": self.customer(), "occurred_at": "19:00", "raise_flag": True,
                "flag": {"headline": "Cold soup", "message": "Apologise", "greeting": "Greet warmly"},
                "plan": [step("check_in", by.now() + timedelta(days=1), self.staff[owner])], **fields}
        return incidents.log_incident(by, incidents.parse_incident(by, data)).incident_id

    def flag_of(self, incident_id: int) -> int:
        from sqlalchemy import select

        from frontdesk.store.models import Flag

        with self.desk.store.read() as session:  # the flag the incident raised (no read service gives its id)
            return session.scalars(select(Flag.id).where(Flag.incident_id == incident_id)).one()

    def follow_up(self, owner: str) -> int:
        return follow_ups_of(self.desk, self.incident(owner=owner))[0].id

    def amend(self, incident_id: int) -> None:
        version = incidents.incident_detail(self.desk, incident_id).version
        incidents.amend_incident(self.actor, incident_id, version,
                                 incidents.parse_amend(self.actor, {"reaction": "Calm"}))

    def locked_olga(self) -> int:
        for _ in range(pins.TRIES):
            with pytest.raises(NotAllowed):
                pins.sign_in(self.desk, self.staff["Olga"], "0000")
        return self.staff["Olga"]

    def closable(self, owner: str = "Olga") -> int:
        incident_id = self.incident(owner=owner)
        for row in follow_ups_of(self.desk, incident_id):
            followups.complete(self.desk, row.id, None, DONE)
        return incident_id


Attempt = Callable[[Scene], Callable[[], object]]
"""Given the scene, prepare what is acted on and return the one call that needs the permission."""

WALK: list[tuple[str, Attempt]] = [
    ("check_in_out", lambda s: (lambda c: lambda: customers.check_in(s.actor, c))(s.customer())),
    ("acknowledge", lambda s: (lambda f: lambda: flags.acknowledge_flags(s.actor, [f]))(s.flag_of(s.incident()))),
    ("acknowledge", lambda s: (lambda a: lambda: alerts.acknowledge_alert(s.actor, a))(s.alert())),
    ("edit_customers", lambda s: lambda: customers.create_customer(
        s.actor, customers.parse_customer(s.actor, {"name": "Bo Berg"}))),
    ("log_incident", lambda s: lambda: s.incident(by=s.actor)),
    ("amend_own_incident", lambda s: (lambda i: lambda: s.amend(i))(s.incident(by=s.actor))),
    ("work_own_follow_ups", lambda s: (lambda f: lambda: followups.complete(s.actor, f, None, DONE))(
        s.follow_up(owner=s.actor_name))),
    ("work_queue", lambda s: (lambda f: lambda: followups.complete(s.actor, f, None, DONE))(s.follow_up("Olga"))),
    ("work_queue", lambda s: (lambda f: lambda: followups.reassign(
        s.actor, f, None, next(id for name, id in s.staff.items() if name != s.actor_name)))(
        s.follow_up(owner=s.actor_name))),
    ("work_queue", lambda s: (lambda f: lambda: followups.skip(
        s.actor, f, None, SkipInput.parse({"reason": "Guest asked not to be called"})))(s.follow_up(s.actor_name))),
    ("work_queue", lambda s: (lambda i: lambda: episodes.close_episode(s.actor, i, root_cause="unknown"))(s.closable())),
    ("clear_flag", lambda s: (lambda f: lambda: flags.clear_flag(s.actor, f))(s.flag_of(s.incident()))),
    ("clear_flag", lambda s: (lambda i: lambda: episodes.close_episode(s.actor, i, root_cause="unknown", clear_flag=True))(s.closable())),
    ("amend_any_incident", lambda s: (lambda i: lambda: s.amend(i))(s.incident())),
    ("reports", lambda s: lambda: reports.report(s.actor)),
    ("manage_staff", lambda s: lambda: pins.set_pin(s.actor, s.staff["Olga"], "8642")),
    ("settings", lambda s: lambda: settings.set_setting(s.actor, "retention_days", "30")),
    ("settings", lambda s: lambda: settings.set_setting(s.actor, "remedy_limit_host", "2000")),
    ("privacy", lambda s: (lambda a, b: lambda: customers.merge_customers(s.actor, a, b))(
        s.customer("Cy Dahl"), s.customer("Cy Dahl"))),
    ("see_lockouts", lambda s: lambda: pins.locked_out(s.actor)),
    ("lift_lockout", lambda s: (lambda o: lambda: pins.lift_lockout(s.actor, o))(s.locked_olga())),
    ("leave_kiosk", lambda s: lambda: pins.leave_kiosk(s.actor.as_staff(None), s.actor.staff_id, DESK_PINS[s.actor_name])),
]


def fingerprint(desk: Actor) -> str:
    out = io.StringIO()
    write_export(desk.store, out)
    return out.getvalue()


def test_the_walk_covers_the_table() -> None:
    walked = {permission for permission, _ in WALK}
    assert walked | set(NOT_WALKED) == set(authority.PERMISSIONS)
    assert not walked & set(NOT_WALKED)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_permission_for_a_role(desk: Actor, role: str) -> None:
    setup.add_staff(desk.store, desk.clock, StaffInput.parse({"name": "Olga", "role": "staff", "pin": "9753"}),
                    "stand", site_id=desk.site_id)
    staff = {info.name: info.id for info in setup.list_staff(desk.store)}
    name = ROLES[role]
    scene = Scene(desk, staff, desk.as_staff(staff[name]))
    scene.actor_name = name  # type: ignore[attr-defined]
    for permission, attempt in WALK:
        act = attempt(scene)
        if authority.allows(role, permission):
            act()
            continue
        before = fingerprint(desk)
        with pytest.raises(NotAllowed, match=f"needs {authority.who_may(permission)}; {name} is a {role}"):
            act()
        assert fingerprint(desk) == before, f"{permission} refused for a {role} wrote something"


def test_the_shell_has_the_store_authority(desk: Actor) -> None:
    shell = Actor(desk.store, desk.clock, desk.site_id, "cli:maria", store_authority=True)
    settings.set_setting(shell, "require_pin", "false")
    with desk.store.read() as session:
        assert settings.store_setting(session, "require_pin") is False
    audit = [event for event in _audit(desk) if event["action"] == "setting_change"]
    assert audit == [{"action": "setting_change", "staff_id": None, "terminal": "cli:maria",
                      "record_type": "store", "fields": "require_pin"}]
    with pytest.raises(NotAllowed, match="sign in at a terminal"):
        customers.check_in(shell, customers.create_customer(shell, customers.parse_customer(shell, {"name": "Di"})))


def _audit(desk: Actor) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from frontdesk.store.models import AuditEvent

    with desk.store.read() as session:
        return [{"action": e.action, "staff_id": e.staff_id, "terminal": e.terminal, "record_type": e.record_type,
                 "fields": e.fields} for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]

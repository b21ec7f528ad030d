"""Alerts: a serious incident told at once to every other terminal of its site.

An alert stays until someone acknowledges it; the terminal that logged the
incident does not alert itself.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from frontdesk import timing
from frontdesk.errors import Conflict, NotFound
from frontdesk.schemas.reads import AlertInfo
from frontdesk.services import audit
from frontdesk.services.authority import require
from frontdesk.services.context import Actor
from frontdesk.store.models import Alert, Customer, Incident
from frontdesk.store.queries import for_change, staff_names


def active_alerts(actor: Actor) -> list[AlertInfo]:
    """Unacknowledged alerts for this terminal's site from other terminals, newest first."""
    with actor.store.read() as session:
        rows = session.execute(
            select(Alert, Incident.severity, Customer.name)
            .join(Incident, Incident.id == Alert.incident_id)
            .outerjoin(Customer, Customer.id == Incident.customer_id)
            .where(
                Alert.site_id == actor.site_id,
                Alert.acknowledged_at.is_(None),
                Alert.created_terminal != actor.terminal,
            )
            .order_by(Alert.created_at.desc())
        ).all()
        return [
            AlertInfo(
                id=alert.id,
                incident_id=alert.incident_id,
                site_id=alert.site_id,
                headline=alert.headline,
                severity=severity,
                created_at=alert.created_at,
                created_terminal=alert.created_terminal,
                customer_name=name,
                version=alert.version,
            )
            for alert, severity, name in rows
        ]


def acknowledge_alert(actor: Actor, alert_id: int) -> None:
    """Acknowledge an alert for the whole site; one acknowledged already is refused, naming who did it and when."""
    try:
        with actor.store.begin() as session:
            require(session, actor, "acknowledge")
            alert = for_change(session, Alert, alert_id)
            if alert is None:
                raise NotFound(f"alert {alert_id} does not exist")
            if alert.acknowledged_at is not None:
                raise _already(session, actor, alert)
            alert.acknowledged_at = actor.now()
            alert.acknowledged_by_id = actor.staff_id
            alert.acknowledged_terminal = actor.terminal
            session.flush()
            audit.record(session, actor, "acknowledge", "alert", alert.id, ("acknowledged_at",))
    except StaleDataError:
        with actor.store.read() as session:
            alert = session.get(Alert, alert_id)
            assert alert is not None
            raise _already(session, actor, alert) from None


def _already(session: Session, actor: Actor, alert: Alert) -> Conflict:
    """Who acknowledged the alert, and when: "already acknowledged by Lena at 19:42 (bar)"."""
    if alert.acknowledged_at is None:
        return Conflict(f"this alert was changed {audit.changed_meanwhile(session, actor, 'alert', alert.id)}")
    names = staff_names(session)
    when = timing.local(alert.acknowledged_at, actor.zone(session))
    return Conflict(f"already acknowledged by {names.get(alert.acknowledged_by_id or 0, 'someone')} at {when:%H:%M}"
                    f" ({alert.acknowledged_terminal or 'another terminal'})")

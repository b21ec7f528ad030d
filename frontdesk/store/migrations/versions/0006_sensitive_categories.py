"""Sensitive categories: `categories.sensitive`, and their default headlines made neutral.

Guests can read the stand's screen. A category marked sensitive (allergy,
safety, injury and health by default) never shows its wording there: its
default flag headline and alert text become "Care follow-up · DATE". Flags
and alerts that still carry the old default ("Safety, allergy or injury
follow-up · 12 Nov") are rewritten; a headline someone typed is left alone.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import re

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

SENSITIVE = ("allergy", "safety", "injury", "health")
"""As frontdesk.schemas.playbooks.SENSITIVE_CATEGORIES was when this was written."""
NEUTRAL = "Care follow-up · "
DEFAULT_DATE = re.compile(r"\d{2} [A-Z][a-z]{2}")
"""The date a default headline ends with ("12 Nov")."""


def upgrade() -> None:
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sensitive', sa.Boolean(), server_default=sa.false(), nullable=False))

    connection = op.get_bind()
    categories = sa.table('categories', sa.column('key'), sa.column('label'), sa.column('sensitive'))
    keys = ", ".join(f"'{key}'" for key in SENSITIVE)  # literal: a plain statement, replayable as recorded
    op.execute(f"UPDATE categories SET sensitive = true WHERE key IN ({keys})")
    labels = dict(connection.execute(
        sa.select(categories.c.key, categories.c.label).where(categories.c.sensitive.is_(True))).all())
    incidents = sa.table('incidents', sa.column('id'), sa.column('category'))
    for name in ('flags', 'alerts'):
        _neutral_defaults(connection, sa.table(name, sa.column('id'), sa.column('incident_id'),
                                               sa.column('headline')), incidents, labels)


def _neutral_defaults(connection: sa.Connection, table: sa.TableClause, incidents: sa.TableClause,
                      labels: dict[str, str]) -> None:
    """Rewrite the headlines that are still the default of a sensitive category."""
    if not labels:
        return
    rows = connection.execute(
        sa.select(table.c.id, table.c.headline, incidents.c.category)
        .join(incidents, incidents.c.id == table.c.incident_id)
        .where(incidents.c.category.in_(list(labels)))
    ).all()
    changes = []
    for row_id, headline, category in rows:
        for prefix in (f"{labels[category]} follow-up · ", f"{category} follow-up · "):
            rest = headline[len(prefix):] if headline.startswith(prefix) else None
            if rest is not None and DEFAULT_DATE.fullmatch(rest):
                changes.append({"row_id": row_id, "neutral": NEUTRAL + rest})
                break
    if changes:
        connection.execute(
            table.update().where(table.c.id == sa.bindparam("row_id")).values(headline=sa.bindparam("neutral")),
            changes,
        )


def downgrade() -> None:
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_column('sensitive')

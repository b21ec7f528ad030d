"""The queue's index covers the escalation level and its clock.

The due queue counts escalated items in the same pass as overdue, today and
this week; with `escalation` outside `ix_follow_ups_site_id_status_due_at`
that pass read every open follow-up's row (22 ms at 10,000 open, from
0.5 ms when the index covered it). `escalate_due` reads the level and its
clock of every open follow-up at each site, so both columns join the index
and neither query touches the table.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

OLD = ("site_id", "status", "due_at")
NEW = ("site_id", "status", "due_at", "escalation", "escalation_clock_at")


def upgrade() -> None:
    op.drop_index("ix_follow_ups_site_id_status_due_at", table_name="follow_ups")
    op.create_index("ix_follow_ups_site_id_status_due_at", "follow_ups", list(NEW))


def downgrade() -> None:
    op.drop_index("ix_follow_ups_site_id_status_due_at", table_name="follow_ups")
    op.create_index("ix_follow_ups_site_id_status_due_at", "follow_ups", list(OLD))

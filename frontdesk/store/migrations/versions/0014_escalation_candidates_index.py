"""An index for escalate_due's candidates: (site, status, level, clock).

The queue raises what is due before every load. Its candidates, open
follow-ups at level 0 or 1 whose clock started before a cut, were found by
reading the queue's index whole (every open follow-up of the site, 10,000 in
the bench: 0.8 ms of SQLite alone per load); with the level before the clock
SQLite and PostgreSQL seek to the few near a threshold (0.04 ms).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

COLUMNS = ["site_id", "status", "escalation", "escalation_clock_at"]


def upgrade() -> None:
    op.create_index("ix_follow_ups_site_id_status_escalation", "follow_ups", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_follow_ups_site_id_status_escalation", table_name="follow_ups")

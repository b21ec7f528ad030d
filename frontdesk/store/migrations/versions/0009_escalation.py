"""Escalation of overdue follow-ups (issue 15 item 1): `needs_lead` becomes `escalation`.

`escalation` is 0 (not escalated), 1 (to the site's leads) or 2 (to its
managers); `escalated_at` is when it rose to that level. The escalation
clock counts from `escalation_clock_at`, the first due time, which only a
lead's or manager's reschedule with a reason (`reschedule_reason`) or a
reassignment moves: an owner's attempts and reschedules move `due_at` only.
A follow-up marked `needs_lead` becomes escalation 1 (its `escalated_at`
unknown, so its last change stands in for it).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

def upgrade() -> None:
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalation', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalation_clock_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reschedule_reason', sa.Text(), nullable=True))
    # Plain SQL with no parameters, like the rest of the migration (a script replays as it is).
    op.execute("UPDATE follow_ups SET escalation_clock_at = due_at")
    op.execute("UPDATE follow_ups SET escalation = 1, escalated_at = updated_at WHERE needs_lead")
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.alter_column('escalation_clock_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.drop_column('needs_lead')


def downgrade() -> None:
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_lead', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE follow_ups SET needs_lead = true WHERE escalation > 0")
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_column('reschedule_reason')
        batch_op.drop_column('escalation_clock_at')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('escalation')

"""Drafts per person: one draft of each form per terminal and staff member (issue 12 item 4).

When another person signs in after a lock, the first person's half-typed
incident stays theirs, offered back at their next sign-in, while the
newcomer's own typing is kept beside it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_constraint('uq_drafts_terminal_kind', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_drafts_terminal_kind_staff_id'),
                                          ['terminal', 'kind', 'staff_id'])


def downgrade() -> None:
    # Several people's drafts of one form at one terminal cannot share the old key: the newest stays.
    op.execute("DELETE FROM drafts WHERE id NOT IN (SELECT MAX(id) FROM drafts GROUP BY terminal, kind)")
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_constraint('uq_drafts_terminal_kind_staff_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_drafts_terminal_kind'), ['terminal', 'kind'])

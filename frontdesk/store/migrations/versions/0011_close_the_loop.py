"""Closing the loop (issue 15 items 3-5): root causes, an episode's outcome, remedy sought and approval.

`root_causes` is the list a manager keeps (`[[root_cause]]` in the playbooks
file); an episode closes with one of its keys and an outcome (recovered,
not_recovered or unknown). Episodes closed before this have neither: they
were closed without being asked. An incident records what the customer asked
for (`remedy_sought`), and a remedy above the logger's limit either names
who approved it (`remedy_approved_by_id`, `remedy_approval` "approved") or
waits for a lead (`remedy_approval` "pending").

A store upgraded to this gets the suggested list at once, so closing an
episode is never blocked by an empty list.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

SUGGESTED = (
    ("staffing", "Staffing"),
    ("training", "Training"),
    ("process", "Process"),
    ("communication", "Communication"),
    ("supplier", "Supplier"),
    ("equipment", "Equipment"),
    ("facility", "Facility"),
    ("policy", "Policy"),
    ("customer_expectation", "Customer expectation"),
    ("unknown", "Unknown"),
)
"""As data/root_causes.toml was when this was written."""


def upgrade() -> None:
    op.create_table(
        'root_causes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('label', sa.String(length=120), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_root_causes')),
        sa.UniqueConstraint('key', name=op.f('uq_root_causes_key')),
    )
    rows = ", ".join(f"('{key}', '{label}', {position}, true)" for position, (key, label) in enumerate(SUGGESTED))
    op.execute(f"INSERT INTO root_causes (key, label, position, active) VALUES {rows}")  # literal: replayable
    with op.batch_alter_table('episodes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('root_cause', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=16), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_episodes_root_cause_root_causes'), 'root_causes',
                                    ['root_cause'], ['key'])
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remedy_sought', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('remedy_approval', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('remedy_approved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_incidents_remedy_approved_by_id_staff'), 'staff',
                                    ['remedy_approved_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_incidents_remedy_approved_by_id_staff'), type_='foreignkey')
        batch_op.drop_column('remedy_approved_by_id')
        batch_op.drop_column('remedy_approval')
        batch_op.drop_column('remedy_sought')
    with op.batch_alter_table('episodes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_episodes_root_cause_root_causes'), type_='foreignkey')
        batch_op.drop_column('outcome')
        batch_op.drop_column('root_cause')
    op.drop_table('root_causes')

"""Privacy: the erasure log and legal holds (issue 14).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'erasures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('erased_at', sa.DateTime(), nullable=False),
        sa.Column('erased_by_id', sa.Integer(), nullable=True),
        sa.Column('terminal', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['erased_by_id'], ['staff.id'], name=op.f('fk_erasures_erased_by_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_erasures')),
    )
    with op.batch_alter_table('erasures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erasures_customer_id'), ['customer_id'], unique=False)
    op.create_table(
        'legal_holds',
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('held_at', sa.DateTime(), nullable=False),
        sa.Column('held_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_legal_holds_customer_id_customers'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['held_by_id'], ['staff.id'], name=op.f('fk_legal_holds_held_by_id_staff')),
        sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_legal_holds')),
    )


def downgrade() -> None:
    op.drop_table('legal_holds')
    with op.batch_alter_table('erasures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_erasures_customer_id'))
    op.drop_table('erasures')

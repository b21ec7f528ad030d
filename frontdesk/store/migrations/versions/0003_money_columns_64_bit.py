"""Money columns are 64-bit: `incidents.remedy_cost` becomes BIGINT.

On PostgreSQL an INTEGER holds at most 21,474,836.47 in cents, so a large
refund crashed the save. The column is altered in place (PostgreSQL rewrites
the table, keeping every row). SQLite stores any integer in up to 8 bytes
already; its table is rebuilt only so the declared type matches the model.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.alter_column('remedy_cost', existing_type=sa.Integer(), type_=sa.BigInteger(),
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.alter_column('remedy_cost', existing_type=sa.BigInteger(), type_=sa.Integer(),
                              existing_nullable=False)

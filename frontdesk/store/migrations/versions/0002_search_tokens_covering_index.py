"""Search tokens: index (customer_id, token) instead of (customer_id).

The second word of a query asks whether a candidate also has a token in a
range; with the token in the index that needs no table read. Only indexes
change, so SQLite keeps the table (no copy).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('search_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_tokens_customer_id'))
        batch_op.create_index('ix_search_tokens_customer_id_token', ['customer_id', 'token'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('search_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_search_tokens_customer_id_token')
        batch_op.create_index(batch_op.f('ix_search_tokens_customer_id'), ['customer_id'], unique=False)


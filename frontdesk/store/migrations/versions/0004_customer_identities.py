"""Customer identities: one unique key per phone or email with the folded name; a follow-up's planned local time.

Existing customers get their keys; where two already share one (made before
this rule, or by two terminals at once), the earliest keeps it and the others
are reported, not merged: `frontdesk customers duplicates` lists them and
`frontdesk customers merge KEEP OTHER` joins them. The upgrade never fails on them.

follow_ups.local_time keeps the local time a follow-up was planned for, so a
clock change that moved 02:30 to 03:30 is said on screen and undone by a retry.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

import logging

import sqlalchemy as sa
from alembic import op

from frontdesk.text import identity_keys

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BATCH = 5000
log = logging.getLogger("frontdesk.migrations")


def upgrade() -> None:
    identities = op.create_table(
        'customer_identities',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_customer_identities_customer_id_customers'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_customer_identities')),
    )
    with op.batch_alter_table('customer_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_identities_customer_id'), ['customer_id'], unique=False)

    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('local_time', sa.Time(), nullable=True))

    connection = op.get_bind()
    customers = sa.table('customers', sa.column('id'), sa.column('name'), sa.column('phone'), sa.column('email'))
    seen: dict[str, int] = {}
    twins: list[tuple[int, int]] = []
    rows: list[dict[str, object]] = []
    result = connection.execute(
        sa.select(customers.c.id, customers.c.name, customers.c.phone, customers.c.email)
        .where(sa.or_(customers.c.phone.is_not(None), customers.c.email.is_not(None)))
        .order_by(customers.c.id)
    )
    for customer_id, name, phone, email in result:
        for key in sorted(identity_keys(name or "", phone, email)):
            if key in seen:
                if (seen[key], customer_id) not in twins:
                    twins.append((seen[key], customer_id))
                continue
            seen[key] = customer_id
            rows.append({"key": key, "customer_id": customer_id})
        if len(rows) >= BATCH:
            connection.execute(identities.insert(), rows)
            rows = []
    if rows:
        connection.execute(identities.insert(), rows)
    if twins:
        pairs = ", ".join(f"{first} and {second}" for first, second in twins[:10])
        log.warning("%d customers are on file twice with the same name and phone or email (%s%s); "
                    "`frontdesk customers duplicates` lists them, `frontdesk customers merge KEEP OTHER` joins them",
                    len(twins), pairs, ", …" if len(twins) > 10 else "")


def downgrade() -> None:
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_column('local_time')
    with op.batch_alter_table('customer_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_identities_customer_id'))
    op.drop_table('customer_identities')

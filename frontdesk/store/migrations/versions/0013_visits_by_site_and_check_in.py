"""Visits indexed by site and check-in time, for the report's baseline.

The report's "came back" baseline takes each visitor's first visit at a site
in the period; without this index SQLite read every visit the site ever had
(by `ix_visits_site_id_checked_out_at`) to find the period's, 3 million rows
at a million customers. The customer is in the index too, so the baseline
reads no visit's row.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_visits_site_id_checked_in_at_customer_id", "visits", ["site_id", "checked_in_at", "customer_id"])


def downgrade() -> None:
    op.drop_index("ix_visits_site_id_checked_in_at_customer_id", table_name="visits")

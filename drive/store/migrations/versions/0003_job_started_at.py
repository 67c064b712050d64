"""jobs.started_at: when the current attempt was claimed

Revision ID: 0003
Revises: 0002

Ingestion now runs as two jobs per file (``ingest``, then ``graph``); the time a file spent in the
pipeline is the sum of its jobs' run times, which needs each job's start as well as its finish.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("jobs", "started_at")

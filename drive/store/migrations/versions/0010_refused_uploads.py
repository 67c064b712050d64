"""refused_uploads: files the drive refused at upload (too big, refused type, bad name), kept per user so the
app's upload status list still shows them, with the reason, after a reload

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refused_uploads",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("owner_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_refused_uploads_owner_created", "refused_uploads", ["owner_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_refused_uploads_owner_created", table_name="refused_uploads")
    op.drop_table("refused_uploads")

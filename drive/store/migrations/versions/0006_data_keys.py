"""data_keys: each owner's blob data key, wrapped by the master key

Revision ID: 0006
Revises: 0005

Blobs are encrypted at rest with a per-owner key; the database keeps only the wrapped form and the id
of the master key that wrapped it (so a key rotation can re-wrap them all). A database shared by data
homes with different master keys (tests do that) keeps one key per scope and master.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_keys",
        sa.Column("scope", sa.Text, primary_key=True),
        sa.Column("master_id", sa.Text, primary_key=True),
        sa.Column("wrapped", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("data_keys")

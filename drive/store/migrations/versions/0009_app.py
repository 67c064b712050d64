"""chat_messages.feedback: a person's thumbs up (1) or down (-1) on an answer, kept with the message

Revision ID: 0009
Revises: 0007
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE chat_messages ADD COLUMN IF NOT EXISTS feedback SMALLINT")


def downgrade() -> None:
    op.execute("ALTER TABLE chat_messages DROP COLUMN IF EXISTS feedback")

"""items: document metadata (title, author, date, covered period) and the pages that could not be read

Revision ID: 0005
Revises: 0004

Extraction now reads what a document says about itself (its properties, first pages and file name)
and records PDF pages it could not read while keeping the rest searchable; both are shown with the file.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TEXT_COLUMNS = ("doc_title", "doc_author", "doc_date", "doc_period")


def upgrade() -> None:
    for name in _TEXT_COLUMNS:
        op.add_column("items", sa.Column(name, sa.Text(), nullable=True))
    op.add_column("items", sa.Column("unreadable_pages", postgresql.ARRAY(sa.Integer()), nullable=True))


def downgrade() -> None:
    op.drop_column("items", "unreadable_pages")
    for name in reversed(_TEXT_COLUMNS):
        op.drop_column("items", name)

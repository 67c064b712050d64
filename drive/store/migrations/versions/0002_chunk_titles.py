"""chunk titles: the file's name takes part in keyword and vector search

Revision ID: 0002
Revises: 0001

A passage often does not repeat what its file is about ("q3-report.pdf", "Marie Curie.txt").
Chunks now carry their file's title; the full-text vector weighs it above the body text.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TSV = "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', text), 'B')"


def upgrade() -> None:
    op.add_column("chunks", sa.Column("title", sa.Text(), nullable=False, server_default=""))
    # The title folded for matching names to files ("The Curse of the Jade Scorpion (film)" -> "curse of the
    # jade scorpion"); only the opening chunk of a file needs it.
    op.add_column("chunks", sa.Column("title_key", sa.Text(), nullable=True))
    op.create_index("chunks_title_key", "chunks", ["owner_id", "title_key"], postgresql_where=sa.text("idx = 0"))
    op.drop_index("chunks_tsv_gin", table_name="chunks")
    op.drop_column("chunks", "tsv")
    op.add_column("chunks", sa.Column("tsv", postgresql.TSVECTOR(), sa.Computed(TSV, persisted=True), nullable=False))
    op.create_index("chunks_tsv_gin", "chunks", ["tsv"], unique=False, postgresql_using="gin")


def downgrade() -> None:
    op.drop_index("chunks_tsv_gin", table_name="chunks")
    op.drop_column("chunks", "tsv")
    op.add_column(
        "chunks",
        sa.Column("tsv", postgresql.TSVECTOR(), sa.Computed("to_tsvector('english', text)", persisted=True),
                  nullable=False),
    )
    op.create_index("chunks_tsv_gin", "chunks", ["tsv"], unique=False, postgresql_using="gin")
    op.drop_index("chunks_title_key", table_name="chunks")
    op.drop_column("chunks", "title_key")
    op.drop_column("chunks", "title")

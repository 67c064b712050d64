"""Keyword search reads one owner's postings: a GIN index on (owner_id, tsv) through btree_gin.

With a GIN index on tsv alone, a question's OR-query first collected every owner's matching chunks (215k of a
million-chunk table in bench/scale.py) and only then kept the asking user's. Keyed by owner as well, the index
hands back that user's matches alone.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")  # trusted since PostgreSQL 13: a database owner may add it
    op.execute("CREATE INDEX IF NOT EXISTS chunks_owner_tsv_gin ON chunks USING gin (owner_id, tsv)")
    op.execute("DROP INDEX IF EXISTS chunks_tsv_gin")


def downgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS chunks_tsv_gin ON chunks USING gin (tsv)")
    op.execute("DROP INDEX IF EXISTS chunks_owner_tsv_gin")

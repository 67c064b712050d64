"""A file's repeated passage keeps one vector: later copies are stored without one (``embedding`` NULL).

Why: the HNSW index is shared by every user, and a file that repeats a passage thousands of times (a log, a
form's blank rows, a hostile file) added a vector per copy to it. bench/repeats.py: one file of 60,000 copies
beside 60,000 other vectors took the other users' recall@10 from 0.96 to 0.84 (as many distinct rows did about
the same, 0.87: it is the rows' number, not their identity, that pgvector felt at this size; other HNSW
engines report identical vectors as a sink, qdrant PR #10239). The copies stay searchable by keyword, and
vector search finds the first copy, the same passage of the same file.

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("chunks", "embedding", nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM chunks WHERE embedding IS NULL")
    op.alter_column("chunks", "embedding", nullable=False)

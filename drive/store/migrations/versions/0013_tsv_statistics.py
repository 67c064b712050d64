"""Word statistics deep enough to tell rare words apart: ``chunks.tsv`` sampled at statistics target 1000.

Keyword search lets the rarest of a question's words choose the candidates (rag/search/rare.py), reading word
frequencies from PostgreSQL's statistics. At the default target (100) they list about 1,000 words, down to about
1 % of chunks; every other word counted as rare, so a long question on a million-chunk drive still chose ~9,000
candidates to rank (1.4 s). At 1000 they list about 8,000 words, down to 0.04 %, and that question ranks a few
hundred. ANALYZE samples ten times as many rows (11 s at 1M chunks, in the background by autovacuum).

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE chunks ALTER COLUMN tsv SET STATISTICS 1000")


def downgrade() -> None:
    op.execute("ALTER TABLE chunks ALTER COLUMN tsv SET STATISTICS -1")

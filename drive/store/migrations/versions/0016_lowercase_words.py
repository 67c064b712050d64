"""Each file's words as it writes them in lowercase, for a drive-wide vote on one-word names.

Why: a one-word name that the drive's files also write as a common word ("the Agency" of one plan beside
"a federal agency" in others, "Government", "Analysis") names no particular thing; the graph page and the
suggestions demote it (``drive.store.graph.common_word_entities``). The column is computed by PostgreSQL from
the stored text: every word holding a capital or a digit removed, the rest as a tsvector without positions.
Only the first 200,000 characters are read: a tsvector must stay under 1 MB, whatever a hostile file holds,
and the words a file uses are in its first pages.

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(r"""ALTER TABLE item_texts ADD COLUMN lower_words tsvector GENERATED ALWAYS AS
                   (strip(to_tsvector('simple', regexp_replace(left(text, 200000),
                                                               '\m\w*[[:upper:][:digit:]_]\w*\M', ' ', 'g'))))
                   STORED""")
    op.execute("CREATE INDEX item_texts_owner_lower_words ON item_texts USING gin (owner_id, lower_words)")


def downgrade() -> None:
    op.execute("DROP INDEX item_texts_owner_lower_words")
    op.execute("ALTER TABLE item_texts DROP COLUMN lower_words")

"""Which mentions a file's own text typed (a brand and its models, a list of models), for the drive-wide type vote.

Why: an entity's type is a vote over its mentions' labels across the drive, and the small NER model's labels
are noisy. Where a file says what a name is ("the Dodge Challenger" beside "Challenger": a model of the brand
Dodge), the graph job relabels that file's mentions; the other files' mentions of the same name keep the
model's guess ("Challenger" an organisation), which outvoted the files that knew. A ruled mention now
weighs more in the vote (``drive.store.graph.RULED_VOTES``). Existing mentions are unruled until their file's
graph job runs again.

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE mentions ADD COLUMN ruled boolean NOT NULL DEFAULT false")


def downgrade() -> None:
    op.execute("ALTER TABLE mentions DROP COLUMN ruled")

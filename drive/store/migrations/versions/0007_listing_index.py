"""items_listing: keyset pagination of a folder (folders first, then by lower(name))

Revision ID: 0007
Revises: 0006

``ls --limit`` and the Files page read one page of a folder at a time; this index serves both the
page and the jump to the item a cursor names, so a page of a 100k-item folder costs what the first does.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS items_listing ON items "
               "(owner_id, parent_id, (kind <> 'folder'), lower(name), id)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS items_listing")

"""The graph page ranks entities without reading every mention and relation: per-entity counts on entities.

``mentions``, ``files`` (distinct files mentioning it) and ``degree`` (relation-evidence rows at either end)
are what ``drive.store.graph.entity_importance`` scores; ``refresh_entities`` keeps them with the name and
type whenever a file's graph changes. Counting them per page view instead took 2.6 s for a user with 100k
entities and 300k mentions and evidence rows (bench/results/scale-graph.md). Existing rows are filled here.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for column in ("mentions", "files", "degree"):
        op.add_column("entities", sa.Column(column, sa.Integer(), nullable=False, server_default="0"))
    # An entity's files without visiting each of its mentions' rows (the page lists them for the drawn ones).
    op.create_index("mentions_entity_item", "mentions", ["entity_id", "item_id"])
    op.execute("""UPDATE entities e SET mentions = m.n, files = m.f
                  FROM (SELECT entity_id, count(*) AS n, count(DISTINCT item_id) AS f FROM mentions
                        GROUP BY entity_id) m WHERE m.entity_id = e.id""")
    op.execute("""UPDATE entities e SET degree = d.n
                  FROM (SELECT id, count(*) AS n FROM (SELECT source_id AS id FROM relation_evidence
                                                       UNION ALL SELECT target_id FROM relation_evidence) ends
                        GROUP BY id) d WHERE d.id = e.id""")


def downgrade() -> None:
    op.drop_index("mentions_entity_item", table_name="mentions")
    for column in ("mentions", "files", "degree"):
        op.drop_column("entities", column)

"""An entity is one per name (owner, key), its type a vote over its mentions: mentions.label keeps each
mention's own NER label; entities of one key under several types merge into the oldest one.

Revision ID: 0011
Revises: 0009
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE mentions ADD COLUMN IF NOT EXISTS label VARCHAR(32)")
    op.execute("UPDATE mentions m SET label = e.type FROM entities e WHERE e.id = m.entity_id AND m.label IS NULL")
    op.execute("ALTER TABLE mentions ALTER COLUMN label SET NOT NULL")
    # Each entity -> the oldest entity of the same owner and key.
    op.execute("""CREATE TEMPORARY TABLE entity_merge ON COMMIT DROP AS
                  SELECT e.id AS old, k.keep FROM entities e
                  JOIN (SELECT owner_id, key, min(id) AS keep FROM entities GROUP BY owner_id, key
                        HAVING count(*) > 1) k ON k.owner_id = e.owner_id AND k.key = e.key
                  WHERE e.id <> k.keep""")
    op.execute("UPDATE mentions m SET entity_id = x.keep FROM entity_merge x WHERE m.entity_id = x.old")
    op.execute("UPDATE relation_evidence r SET source_id = x.keep FROM entity_merge x WHERE r.source_id = x.old")
    op.execute("UPDATE relation_evidence r SET target_id = x.keep FROM entity_merge x WHERE r.target_id = x.old")
    op.execute("DELETE FROM relation_evidence WHERE source_id = target_id")
    # Communities are recomputed from the graph; memberships of merged entities simply go.
    op.execute("DELETE FROM community_members cm USING entity_merge x WHERE cm.entity_id = x.old")
    op.execute("DELETE FROM entities e USING entity_merge x WHERE e.id = x.old")
    # The vote of drive.names.vote_type (ties by its TYPE_ORDER).
    op.execute("""UPDATE entities e SET type = v.label FROM (
                      SELECT DISTINCT ON (entity_id) entity_id, label FROM mentions
                      GROUP BY entity_id, label ORDER BY entity_id, count(*) DESC,
                      array_position(ARRAY['ORG', 'GPE', 'PRODUCT', 'WORK_OF_ART', 'EVENT', 'FAC', 'LOC', 'LAW',
                                           'NORP', 'PERSON']::varchar[], label), label) v
                  WHERE v.entity_id = e.id""")
    op.execute("ALTER TABLE entities DROP CONSTRAINT IF EXISTS entities_owner_id_type_key_key")
    op.execute("ALTER TABLE entities ADD CONSTRAINT entities_owner_id_key_key UNIQUE (owner_id, key)")


def downgrade() -> None:
    op.execute("ALTER TABLE entities DROP CONSTRAINT IF EXISTS entities_owner_id_key_key")
    op.execute("ALTER TABLE entities ADD CONSTRAINT entities_owner_id_type_key_key UNIQUE (owner_id, type, key)")
    op.execute("ALTER TABLE mentions DROP COLUMN IF EXISTS label")

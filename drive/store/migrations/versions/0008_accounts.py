"""accounts: one identity per person, sign-in throttling, browser sessions

Revision ID: 0008
Revises: 0007

- ``users.name_key``: the name folded (NFKC + casefold), unique, so "Alice", "ALICE" and "ａｌｉｃｅ" are one
  person. Existing names that fold together keep the oldest account; the later ones are disabled and their
  key made unique (``<key>#<id>``) so an administrator can see them (``python -m drive user list``).
- ``users.disabled_at``: ``python -m drive user disable``.
- ``auth_failures``: failed sign-ins per user name and per client, shared by every process.
- ``auth_sessions``: browser sessions and one-time sign-in codes, by the sha256 of their token.
- ``app_secrets``: the key that signs session cookies and download links (made on first use).
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _fold(name: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def upgrade() -> None:
    op.add_column("users", sa.Column("name_key", sa.Text(), nullable=True))
    op.add_column("users", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    seen: set[str] = set()
    for user_id, name in conn.execute(sa.text("SELECT id, name FROM users ORDER BY created_at, id")).all():
        key = _fold(name)
        if key in seen:
            conn.execute(sa.text("UPDATE users SET name_key = :k, disabled_at = now() WHERE id = :id"),
                         {"k": f"{key}#{user_id}", "id": user_id})
        else:
            seen.add(key)
            conn.execute(sa.text("UPDATE users SET name_key = :k WHERE id = :id"), {"k": key, "id": user_id})
    op.alter_column("users", "name_key", nullable=False)
    op.create_unique_constraint("users_name_key_key", "users", ["name_key"])

    op.create_table(
        "auth_failures",
        sa.Column("key", sa.Text(), primary_key=True),  # "name:<folded name>" or "client:<address>"
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.UUID(), primary_key=True),
        sa.Column("user_id", sa.UUID(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),  # "session" | "code"
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_auth_sessions_user_id", "auth_sessions", ["user_id"])
    op.create_table(
        "app_secrets",
        sa.Column("name", sa.Text(), primary_key=True),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("app_secrets")
    op.drop_index("ix_auth_sessions_user_id", table_name="auth_sessions")
    op.drop_table("auth_sessions")
    op.drop_table("auth_failures")
    op.drop_constraint("users_name_key_key", "users")
    op.drop_column("users", "disabled_at")
    op.drop_column("users", "name_key")

"""bulletin: notices and receipts

Revision ID: bulletin_0001
Revises:
Create Date: 2026-12-03

The plugin's own Alembic branch. Row-level security on its tables is armed
by the migration environment after every upgrade, as for core's tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "bulletin_0001"
down_revision = None
branch_labels = ("bulletin",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "bulletin_notices",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_bulletin_notices_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_bulletin_notices")),
    )
    op.create_table(
        "bulletin_receipts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "notice_id"],
            ["bulletin_notices.tenant_id", "bulletin_notices.id"],
            name=op.f("fk_bulletin_receipts_tenant_id_notice_id_bulletin_notices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_bulletin_receipts_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "notice_id", "user_id", name=op.f("pk_bulletin_receipts")
        ),
    )


def downgrade() -> None:
    op.drop_table("bulletin_receipts")
    op.drop_table("bulletin_notices")

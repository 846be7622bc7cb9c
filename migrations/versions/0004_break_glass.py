"""break-glass access grants

Revision ID: 0004_break_glass
Revises: 0003_audit_keys_sso
Create Date: 2026-12-03 20:01:47.026707
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_break_glass"
down_revision = "0003_audit_keys_sso"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "access_grants",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("requester_id", sa.Uuid(), nullable=False),
        sa.Column("requester_name", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "approved",
                "denied",
                "revoked",
                name="grantstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_access_grants_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_access_grants")),
    )


def downgrade() -> None:

    op.drop_table("access_grants")

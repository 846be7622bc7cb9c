"""outreach: sessions at schools and in hamlets

Revision ID: outreach_0001
Revises:
Create Date: 2026-12-04

The plugin's own Alembic branch. Row-level security on its table is armed
by the migration environment after every upgrade, as for core's tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "outreach_0001"
down_revision = None
branch_labels = ("outreach",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "outreach_sessions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "setting",
            sa.Enum("school", "hamlet", name="setting", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("school", sa.String(length=200), nullable=True),
        sa.Column("class_name", sa.String(length=60), nullable=True),
        sa.Column("hamlet_id", sa.Uuid(), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "held",
                "cancelled",
                name="sessionstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("speakers", sa.JSON(), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "hamlet_id"],
            ["hamlets.tenant_id", "hamlets.id"],
            name=op.f("fk_outreach_sessions_tenant_id_hamlet_id_hamlets"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_outreach_sessions_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_outreach_sessions")),
    )
    op.create_index(
        op.f("ix_outreach_sessions_tenant_id_planned_on"),
        "outreach_sessions",
        ["tenant_id", "planned_on"],
    )
    op.create_index(
        op.f("ix_outreach_sessions_tenant_id_held_on"),
        "outreach_sessions",
        ["tenant_id", "held_on"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_outreach_sessions_tenant_id_held_on"), table_name="outreach_sessions"
    )
    op.drop_index(
        op.f("ix_outreach_sessions_tenant_id_planned_on"),
        table_name="outreach_sessions",
    )
    op.drop_table("outreach_sessions")

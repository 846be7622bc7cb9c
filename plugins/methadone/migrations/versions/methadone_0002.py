"""methadone: imports of a point's CSV export, recorded by a job

Revision ID: methadone_0002
Revises: methadone_0001
Create Date: 2026-12-04

A page's import is checked when it is sent and recorded by a job, so that
the page can follow its progress; this table is where the job reports.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "methadone_0002"
down_revision = "methadone_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "methadone_imports",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("point_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "running",
                "done",
                "failed",
                name="importstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("recorded", sa.Integer(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "point_id"],
            ["methadone_points.tenant_id", "methadone_points.id"],
            name=op.f("fk_methadone_imports_tenant_id_point_id_methadone_points"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_methadone_imports_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_methadone_imports")),
    )
    op.create_index(
        op.f("ix_methadone_imports_tenant_id_point_id"),
        "methadone_imports",
        ["tenant_id", "point_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_methadone_imports_tenant_id_point_id"), table_name="methadone_imports"
    )
    op.drop_table("methadone_imports")

"""statistics: protected monthly figures, figure labels, report exports

Revision ID: 0010_statistics
Revises: 0009_commitments_support_files
Create Date: 2026-12-04 07:33:37.018647
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_statistics"
down_revision = "0009_commitments_support_files"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "figure_definitions",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("label_vi", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("stock", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_figure_definitions")),
    )
    op.create_table(
        "published_figures",
        sa.Column("commune_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("figure", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_published_figures_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "commune_id", "month", "figure", name=op.f("pk_published_figures")
        ),
    )
    with op.batch_alter_table("published_figures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_published_figures_month_commune_id"),
            ["month", "commune_id"],
            unique=False,
        )

    op.create_table(
        "region_exports",
        sa.Column("region_id", sa.Uuid(), nullable=False),
        sa.Column("host_commune_id", sa.Uuid(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("period_label", sa.String(length=40), nullable=False),
        sa.Column(
            "format",
            sa.Enum("xlsx", "pdf", name="exportformat", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "running",
                "done",
                "failed",
                name="exportstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=100), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_commune_id"],
            ["communes.id"],
            name=op.f("fk_region_exports_host_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_region_exports_region_id_regions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_exports")),
    )
    with op.batch_alter_table("region_exports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_region_exports_region_id_recorded_at"),
            ["region_id", "recorded_at"],
            unique=False,
        )

    op.create_table(
        "statistics_exports",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "audience",
            sa.Enum("commune", "region", name="audience", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("period_label", sa.String(length=40), nullable=False),
        sa.Column(
            "format",
            sa.Enum("xlsx", "pdf", name="exportformat", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "running",
                "done",
                "failed",
                name="exportstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=100), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_statistics_exports_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_statistics_exports")),
    )
    with op.batch_alter_table("statistics_exports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statistics_exports_tenant_id_recorded_at"),
            ["tenant_id", "recorded_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("statistics_exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statistics_exports_tenant_id_recorded_at"))

    op.drop_table("statistics_exports")
    with op.batch_alter_table("region_exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_exports_region_id_recorded_at"))

    op.drop_table("region_exports")
    with op.batch_alter_table("published_figures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_published_figures_month_commune_id"))

    op.drop_table("published_figures")
    op.drop_table("figure_definitions")

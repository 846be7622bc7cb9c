"""tally: marks

Revision ID: tally_0001
Revises:
Create Date: 2026-12-03

The plugin's own Alembic branch, found through its binhyen_migrations hook.
Row-level security on its table is armed by core's migration environment.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "tally_0001"
down_revision = None
branch_labels = ("tally",)
depends_on = "0002_jobs_plugins"


def upgrade() -> None:
    op.create_table(
        "tally_marks",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_tally_marks_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_tally_marks")),
    )


def downgrade() -> None:
    op.drop_table("tally_marks")

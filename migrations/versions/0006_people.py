"""people

Revision ID: 0006_people
Revises: 0005_totp_sealed
Create Date: 2026-12-03 20:35:00.833257
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_people"
down_revision = "0005_totp_sealed"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "persons",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("other_names", sa.String(length=200), nullable=True),
        sa.Column("name_search", sa.String(length=400), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column(
            "sex",
            sa.Enum("male", "female", name="sex", native_enum=False, length=8),
            nullable=True,
        ),
        sa.Column("hamlet_id", sa.Uuid(), nullable=True),
        sa.Column("national_id", sa.Text(), nullable=True),
        sa.Column("national_id_index", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("family_contacts", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "hamlet_id"],
            ["hamlets.tenant_id", "hamlets.id"],
            name=op.f("fk_persons_tenant_id_hamlet_id_hamlets"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_persons_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_persons")),
    )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_persons_tenant_id_name_search"),
            ["tenant_id", "name_search"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_persons_tenant_id_national_id_index"),
            ["tenant_id", "national_id_index"],
            unique=True,
        )


def downgrade() -> None:

    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_persons_tenant_id_national_id_index"))
        batch_op.drop_index(batch_op.f("ix_persons_tenant_id_name_search"))

    op.drop_table("persons")

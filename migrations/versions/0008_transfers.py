"""transfers between communes

The two halves of moving a file: the request kept by the commune the person
leaves, and the copy kept by the commune asked to receive them.

Revision ID: 0008_transfers
Revises: 0007_cases
Create Date: 2026-12-04 06:39:11.447597
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_transfers"
down_revision = "0007_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfers_in",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("from_commune_id", sa.Uuid(), nullable=False),
        sa.Column("from_commune_name", sa.String(length=120), nullable=False),
        sa.Column("source_person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "accepted",
                "refused",
                "cancelled",
                name="transferstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_name", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "person_id"],
            ["persons.tenant_id", "persons.id"],
            name=op.f("fk_transfers_in_tenant_id_person_id_persons"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_transfers_in_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_transfers_in")),
    )
    with op.batch_alter_table("transfers_in", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transfers_in_tenant_id_person_id"),
            ["tenant_id", "person_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_transfers_in_tenant_id_status"),
            ["tenant_id", "status"],
            unique=False,
        )

    op.create_table(
        "transfers_out",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("to_commune_id", sa.Uuid(), nullable=False),
        sa.Column("to_commune_name", sa.String(length=120), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "accepted",
                "refused",
                "cancelled",
                name="transferstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by_name", sa.String(length=200), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_name", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "person_id"],
            ["persons.tenant_id", "persons.id"],
            name=op.f("fk_transfers_out_tenant_id_person_id_persons"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_transfers_out_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_transfers_out")),
    )
    with op.batch_alter_table("transfers_out", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transfers_out_tenant_id_person_id"),
            ["tenant_id", "person_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_transfers_out_tenant_id_status"),
            ["tenant_id", "status"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("transfers_out", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfers_out_tenant_id_status"))
        batch_op.drop_index(batch_op.f("ix_transfers_out_tenant_id_person_id"))

    op.drop_table("transfers_out")
    with op.batch_alter_table("transfers_in", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfers_in_tenant_id_status"))
        batch_op.drop_index(batch_op.f("ix_transfers_in_tenant_id_person_id"))

    op.drop_table("transfers_in")

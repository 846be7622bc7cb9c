"""commitments, reviews, breaches and scans; stored files; reintegration support

Revision ID: 0009_commitments_support_files
Revises: 0008_transfers
Create Date: 2026-12-04 06:18:26.695369
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_commitments_support_files"
down_revision = "0008_transfers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_files_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_files")),
    )
    op.create_table(
        "commitments",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "signer_kind",
            sa.Enum(
                "person", "family", name="signerkind", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("signer_name", sa.Text(), nullable=True),
        sa.Column("signer_relation", sa.Text(), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "renewed",
                "ended",
                name="commitmentstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "person_id"],
            ["persons.tenant_id", "persons.id"],
            name=op.f("fk_commitments_tenant_id_person_id_persons"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_commitments_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_commitments")),
    )
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commitments_tenant_id_person_id"),
            ["tenant_id", "person_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_commitments_tenant_id_status_review_on"),
            ["tenant_id", "status", "review_on"],
            unique=False,
        )

    op.create_table(
        "support",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "work",
                "vocational_training",
                "loan",
                "health_insurance",
                "legal_aid",
                "counselling",
                "other",
                name="supportkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("what", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "planned",
                "in_progress",
                "done",
                "declined",
                name="supportoutcome",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "person_id"],
            ["persons.tenant_id", "persons.id"],
            name=op.f("fk_support_tenant_id_person_id_persons"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_support_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_support")),
    )
    with op.batch_alter_table("support", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_tenant_id_person_id"),
            ["tenant_id", "person_id"],
            unique=False,
        )

    op.create_table(
        "commitment_breaches",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("commitment_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "commitment_id"],
            ["commitments.tenant_id", "commitments.id"],
            name=op.f("fk_commitment_breaches_tenant_id_commitment_id_commitments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_commitment_breaches_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_commitment_breaches")),
    )
    with op.batch_alter_table("commitment_breaches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commitment_breaches_tenant_id_commitment_id"),
            ["tenant_id", "commitment_id"],
            unique=False,
        )

    op.create_table(
        "commitment_reviews",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("commitment_id", sa.Uuid(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "continued",
                "renewed",
                "ended",
                name="reviewoutcome",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "commitment_id"],
            ["commitments.tenant_id", "commitments.id"],
            name=op.f("fk_commitment_reviews_tenant_id_commitment_id_commitments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_commitment_reviews_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_commitment_reviews")),
    )
    with op.batch_alter_table("commitment_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commitment_reviews_tenant_id_commitment_id"),
            ["tenant_id", "commitment_id"],
            unique=False,
        )

    op.create_table(
        "commitment_scans",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("commitment_id", sa.Uuid(), nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "commitment_id"],
            ["commitments.tenant_id", "commitments.id"],
            name=op.f("fk_commitment_scans_tenant_id_commitment_id_commitments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "file_id"],
            ["files.tenant_id", "files.id"],
            name=op.f("fk_commitment_scans_tenant_id_file_id_files"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_commitment_scans_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "commitment_id", "file_id", name=op.f("pk_commitment_scans")
        ),
    )
    with op.batch_alter_table("commitment_scans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commitment_scans_tenant_id_file_id"),
            ["tenant_id", "file_id"],
            unique=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("commitment_scans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_scans_tenant_id_file_id"))

    op.drop_table("commitment_scans")
    with op.batch_alter_table("commitment_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_reviews_tenant_id_commitment_id"))

    op.drop_table("commitment_reviews")
    with op.batch_alter_table("commitment_breaches", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_commitment_breaches_tenant_id_commitment_id")
        )

    op.drop_table("commitment_breaches")
    with op.batch_alter_table("support", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_tenant_id_person_id"))

    op.drop_table("support")
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitments_tenant_id_status_review_on"))
        batch_op.drop_index(batch_op.f("ix_commitments_tenant_id_person_id"))

    op.drop_table("commitments")
    op.drop_table("files")

"""compulsory_rehab: dossiers and their documents

Revision ID: compulsory_rehab_0001
Revises:
Create Date: 2026-12-04

The plugin's own Alembic branch. Row-level security on its tables is armed
by the migration environment after every upgrade, as for core's tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "compulsory_rehab_0001"
down_revision = None
branch_labels = ("compulsory_rehab",)
depends_on = "0009_commitments_support_files"

DOSSIERS = "compulsory_rehab_dossiers"
DOCUMENTS = "compulsory_rehab_documents"


def _recorded() -> list[sa.Column]:
    return [
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        DOSSIERS,
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("ruleset", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "preparing",
                "submitted",
                "hearing",
                "decided",
                "refused",
                "admitted",
                "released",
                name="status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("referral_number", sa.String(length=64), nullable=True),
        sa.Column("referred_by", sa.String(length=200), nullable=True),
        sa.Column(
            "pending_manager",
            sa.Enum(
                "commune",
                "facility",
                name="pendingmanager",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("age_group", sa.String(length=8), nullable=True),
        sa.Column("hearing_on", sa.Date(), nullable=True),
        sa.Column("court", sa.String(length=200), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision_number", sa.String(length=64), nullable=True),
        sa.Column("term_months", sa.Integer(), nullable=True),
        sa.Column("facility", sa.String(length=200), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("admitted_on", sa.Date(), nullable=True),
        sa.Column("release_due_on", sa.Date(), nullable=True),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("certificate_number", sa.String(length=64), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("post_case_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_recorded(),
        sa.ForeignKeyConstraint(
            ["tenant_id", "person_id"],
            ["persons.tenant_id", "persons.id"],
            name=op.f("fk_compulsory_rehab_dossiers_tenant_id_person_id_persons"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "case_id"],
            ["cases.tenant_id", "cases.id"],
            name=op.f("fk_compulsory_rehab_dossiers_tenant_id_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "post_case_id"],
            ["cases.tenant_id", "cases.id"],
            name=op.f("fk_compulsory_rehab_dossiers_tenant_id_post_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_compulsory_rehab_dossiers_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_" + DOSSIERS)),
    )
    op.create_index(
        op.f("ix_compulsory_rehab_dossiers_tenant_id_person_id"),
        DOSSIERS,
        ["tenant_id", "person_id"],
    )
    op.create_index(
        op.f("ix_compulsory_rehab_dossiers_tenant_id_status"),
        DOSSIERS,
        ["tenant_id", "status"],
    )
    op.create_table(
        DOCUMENTS,
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("prepared_by", sa.String(length=200), nullable=False),
        sa.Column("prepared_on", sa.Date(), nullable=False),
        sa.Column("confirmed_by", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("file_id", sa.Uuid(), nullable=True),
        *_recorded(),
        sa.ForeignKeyConstraint(
            ["tenant_id", "dossier_id"],
            [f"{DOSSIERS}.tenant_id", f"{DOSSIERS}.id"],
            name=op.f(
                "fk_compulsory_rehab_documents_tenant_id_dossier_id_"
                "compulsory_rehab_dossiers"
            ),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "file_id"],
            ["files.tenant_id", "files.id"],
            name=op.f("fk_compulsory_rehab_documents_tenant_id_file_id_files"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_compulsory_rehab_documents_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_" + DOCUMENTS)),
    )
    op.create_index(
        op.f("ix_compulsory_rehab_documents_tenant_id_dossier_id"),
        DOCUMENTS,
        ["tenant_id", "dossier_id"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_compulsory_rehab_documents_tenant_id_dossier_id"),
        table_name=DOCUMENTS,
    )
    op.drop_table(DOCUMENTS)
    op.drop_index(
        op.f("ix_compulsory_rehab_dossiers_tenant_id_status"), table_name=DOSSIERS
    )
    op.drop_index(
        op.f("ix_compulsory_rehab_dossiers_tenant_id_person_id"), table_name=DOSSIERS
    )
    op.drop_table(DOSSIERS)

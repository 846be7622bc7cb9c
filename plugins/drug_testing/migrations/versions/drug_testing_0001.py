"""drug_testing: tests, referrals and disclosures

Revision ID: drug_testing_0001
Revises:
Create Date: 2026-12-04

The plugin's own Alembic branch. Row-level security on its tables is armed
by the migration environment after every upgrade, as for core's tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "drug_testing_0001"
down_revision = None
branch_labels = ("drug_testing",)
depends_on = "0009_commitments_support_files"


def upgrade() -> None:
    op.create_table(
        "drug_testing_disclosures",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("officer_id", sa.Uuid(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "person_id"],
            ["persons.tenant_id", "persons.id"],
            name=op.f("fk_drug_testing_disclosures_tenant_id_person_id_persons"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_drug_testing_disclosures_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "id", name=op.f("pk_drug_testing_disclosures")
        ),
    )
    op.create_index(
        op.f("ix_drug_testing_disclosures_tenant_id_person_id_officer_id"),
        "drug_testing_disclosures",
        ["tenant_id", "person_id", "officer_id"],
    )

    op.create_table(
        "drug_testing_tests",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column(
            "reason",
            sa.Enum(
                "scheduled",
                "random",
                "ad_hoc",
                name="reason",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "due", "done", "cancelled", name="status", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("tested_on", sa.Date(), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("sample_id", sa.Text(), nullable=True),
        sa.Column(
            "method",
            sa.Enum(
                "rapid_urine",
                "rapid_saliva",
                "lab_urine",
                "lab_blood",
                "hair",
                "other",
                name="method",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("panel", sa.Text(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "positive", "negative", name="outcome", native_enum=False, length=16
            ),
            nullable=True,
        ),
        sa.Column("sampled_by", sa.String(length=200), nullable=True),
        sa.Column("read_by", sa.String(length=200), nullable=True),
        sa.Column(
            "basis",
            sa.Enum("consent", "summons", name="basis", native_enum=False, length=16),
            nullable=True,
        ),
        sa.Column("summons_number", sa.String(length=60), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "case_id"],
            ["cases.tenant_id", "cases.id"],
            name=op.f("fk_drug_testing_tests_tenant_id_case_id_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "person_id"],
            ["persons.tenant_id", "persons.id"],
            name=op.f("fk_drug_testing_tests_tenant_id_person_id_persons"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_drug_testing_tests_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_drug_testing_tests")),
        sa.UniqueConstraint(
            "tenant_id",
            "case_id",
            "due_on",
            name=op.f("uq_drug_testing_tests_tenant_id_case_id_due_on"),
        ),
    )
    op.create_index(
        op.f("ix_drug_testing_tests_tenant_id_person_id_due_on"),
        "drug_testing_tests",
        ["tenant_id", "person_id", "due_on"],
    )
    op.create_index(
        op.f("ix_drug_testing_tests_tenant_id_status_due_on"),
        "drug_testing_tests",
        ["tenant_id", "status", "due_on"],
    )

    op.create_table(
        "drug_testing_referrals",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("test_id", sa.Uuid(), nullable=True),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("facility", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "referred",
                "determined",
                name="referralstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "determination",
            sa.Enum(
                "addicted",
                "not_addicted",
                "undetermined",
                name="determination",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("determined_on", sa.Date(), nullable=True),
        sa.Column("conclusion_number", sa.String(length=60), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "person_id"],
            ["persons.tenant_id", "persons.id"],
            name=op.f("fk_drug_testing_referrals_tenant_id_person_id_persons"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "test_id"],
            ["drug_testing_tests.tenant_id", "drug_testing_tests.id"],
            name=op.f("fk_drug_testing_referrals_tenant_id_test_id_drug_testing_tests"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_drug_testing_referrals_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "id", name=op.f("pk_drug_testing_referrals")
        ),
    )
    op.create_index(
        op.f("ix_drug_testing_referrals_tenant_id_person_id"),
        "drug_testing_referrals",
        ["tenant_id", "person_id"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_drug_testing_referrals_tenant_id_person_id"),
        table_name="drug_testing_referrals",
    )

    op.drop_table("drug_testing_referrals")
    op.drop_index(
        op.f("ix_drug_testing_tests_tenant_id_status_due_on"),
        table_name="drug_testing_tests",
    )
    op.drop_index(
        op.f("ix_drug_testing_tests_tenant_id_person_id_due_on"),
        table_name="drug_testing_tests",
    )

    op.drop_table("drug_testing_tests")
    op.drop_index(
        op.f("ix_drug_testing_disclosures_tenant_id_person_id_officer_id"),
        table_name="drug_testing_disclosures",
    )

    op.drop_table("drug_testing_disclosures")

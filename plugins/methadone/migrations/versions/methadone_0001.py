"""methadone: dispensing points, enrolments, doses, attendance and alerts

Revision ID: methadone_0001
Revises:
Create Date: 2026-12-04

The plugin's own Alembic branch. Row-level security on its tables is armed
by the migration environment after every upgrade, as for core's tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "methadone_0001"
down_revision = None
branch_labels = ("methadone",)
depends_on = "0009_commitments_support_files"


def upgrade() -> None:
    op.create_table(
        "methadone_points",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_methadone_points_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_methadone_points")),
        sa.UniqueConstraint(
            "tenant_id", "name", name=op.f("uq_methadone_points_tenant_id_name")
        ),
    )
    op.create_table(
        "methadone_enrolments",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("point_id", sa.Uuid(), nullable=False),
        sa.Column("patient_code", sa.Text(), nullable=False),
        sa.Column("patient_code_index", sa.String(length=64), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column(
            "phase",
            sa.Enum(
                "induction",
                "dose_adjustment",
                "maintenance",
                "taper",
                name="phase",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("dose_mg", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "dropped_out",
                "ended",
                name="enrolmentstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("reinduction_due", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "person_id"],
            ["persons.tenant_id", "persons.id"],
            name=op.f("fk_methadone_enrolments_tenant_id_person_id_persons"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "point_id"],
            ["methadone_points.tenant_id", "methadone_points.id"],
            name=op.f("fk_methadone_enrolments_tenant_id_point_id_methadone_points"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_methadone_enrolments_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "id", name=op.f("pk_methadone_enrolments")
        ),
    )
    op.create_index(
        op.f("ix_methadone_enrolments_tenant_id_person_id"),
        "methadone_enrolments",
        ["tenant_id", "person_id"],
    )
    op.create_index(
        op.f("ix_methadone_enrolments_tenant_id_point_id_patient_code_index"),
        "methadone_enrolments",
        ["tenant_id", "point_id", "patient_code_index"],
    )
    op.create_index(
        op.f("ix_methadone_enrolments_tenant_id_status"),
        "methadone_enrolments",
        ["tenant_id", "status"],
    )

    op.create_table(
        "methadone_alerts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("enrolment_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "missed_doses",
                "reinduction",
                "dropout",
                name="alertkind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("missed", sa.Integer(), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "enrolment_id"],
            ["methadone_enrolments.tenant_id", "methadone_enrolments.id"],
            name=op.f(
                "fk_methadone_alerts_tenant_id_enrolment_id_methadone_enrolments"
            ),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "person_id"],
            ["persons.tenant_id", "persons.id"],
            name=op.f("fk_methadone_alerts_tenant_id_person_id_persons"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_methadone_alerts_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_methadone_alerts")),
        sa.UniqueConstraint(
            "tenant_id",
            "enrolment_id",
            "kind",
            "since",
            name=op.f("uq_methadone_alerts_tenant_id_enrolment_id_kind_since"),
        ),
    )
    op.create_index(
        op.f("ix_methadone_alerts_tenant_id_person_id"),
        "methadone_alerts",
        ["tenant_id", "person_id"],
    )

    op.create_table(
        "methadone_attendance",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("enrolment_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "taken",
                "missed",
                "take_home",
                name="attended",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("dose_mg", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "enrolment_id"],
            ["methadone_enrolments.tenant_id", "methadone_enrolments.id"],
            name=op.f(
                "fk_methadone_attendance_tenant_id_enrolment_id_methadone_enrolments"
            ),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_methadone_attendance_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "enrolment_id", "day", name=op.f("pk_methadone_attendance")
        ),
    )
    op.create_table(
        "methadone_dose_changes",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("enrolment_id", sa.Uuid(), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column(
            "phase",
            sa.Enum(
                "induction",
                "dose_adjustment",
                "maintenance",
                "taper",
                name="phase",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("dose_mg", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "enrolment_id"],
            ["methadone_enrolments.tenant_id", "methadone_enrolments.id"],
            name=op.f(
                "fk_methadone_dose_changes_tenant_id_enrolment_id_methadone_enrolments"
            ),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_methadone_dose_changes_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "id", name=op.f("pk_methadone_dose_changes")
        ),
    )
    op.create_index(
        op.f("ix_methadone_dose_changes_tenant_id_enrolment_id_changed_on"),
        "methadone_dose_changes",
        ["tenant_id", "enrolment_id", "changed_on"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_methadone_dose_changes_tenant_id_enrolment_id_changed_on"),
        table_name="methadone_dose_changes",
    )

    op.drop_table("methadone_dose_changes")
    op.drop_table("methadone_attendance")
    op.drop_index(
        op.f("ix_methadone_alerts_tenant_id_person_id"), table_name="methadone_alerts"
    )

    op.drop_table("methadone_alerts")
    op.drop_index(
        op.f("ix_methadone_enrolments_tenant_id_status"),
        table_name="methadone_enrolments",
    )
    op.drop_index(
        op.f("ix_methadone_enrolments_tenant_id_point_id_patient_code_index"),
        table_name="methadone_enrolments",
    )
    op.drop_index(
        op.f("ix_methadone_enrolments_tenant_id_person_id"),
        table_name="methadone_enrolments",
    )

    op.drop_table("methadone_enrolments")
    op.drop_table("methadone_points")

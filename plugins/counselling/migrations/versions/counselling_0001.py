"""counselling: the log, channels, reminder contacts and their messages

Revision ID: counselling_0001
Revises:
Create Date: 2026-12-04

The plugin's own Alembic branch. Row-level security on its tables is armed
by the migration environment after every upgrade, as for core's tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "counselling_0001"
down_revision = None
branch_labels = ("counselling",)
depends_on = "0006_people"

KINDS = ("email", "sms", "zalo")


def _kind(name: str = "channelkind") -> sa.Enum:
    return sa.Enum(*KINDS, name=name, native_enum=False, length=16)


def _tenant(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"],
        ["communes.id"],
        name=op.f(f"fk_{table}_tenant_id_communes"),
        ondelete="RESTRICT",
    )


def _person(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", "person_id"],
        ["persons.tenant_id", "persons.id"],
        name=op.f(f"fk_{table}_tenant_id_person_id_persons"),
        ondelete="RESTRICT",
    )


def _recorded() -> list[sa.Column]:
    return [
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _times() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "counselling_entries",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "means",
            sa.Enum(
                "phone",
                "messaging",
                "in_person",
                name="means",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("caller", sa.Text(), nullable=True),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column(
            "topic",
            sa.Enum(
                "drug_use",
                "treatment",
                "relapse",
                "family",
                "legal",
                "other",
                name="topic",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("advice", sa.Text(), nullable=True),
        sa.Column("referral", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_recorded(),
        *_times(),
        _person("counselling_entries"),
        _tenant("counselling_entries"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_counselling_entries")),
    )
    op.create_index(
        op.f("ix_counselling_entries_tenant_id_occurred_at"),
        "counselling_entries",
        ["tenant_id", "occurred_at"],
    )
    op.create_table(
        "counselling_channels",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", _kind(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("host", sa.String(length=200), nullable=True),
        sa.Column("port", sa.Integer(), nullable=True),
        sa.Column("starttls", sa.Boolean(), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=True),
        sa.Column("sender", sa.String(length=200), nullable=True),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_times(),
        _tenant("counselling_channels"),
        sa.PrimaryKeyConstraint(
            "tenant_id", "kind", name=op.f("pk_counselling_channels")
        ),
    )
    op.create_table(
        "counselling_contacts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "relation",
            sa.Enum("self", "family", name="relation", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("channel", _kind(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("zalo_user_id", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_basis", sa.String(length=16), nullable=True),
        sa.Column("consent_recorded_by", sa.String(length=64), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_recorded(),
        *_times(),
        _person("counselling_contacts"),
        _tenant("counselling_contacts"),
        sa.PrimaryKeyConstraint(
            "tenant_id", "id", name=op.f("pk_counselling_contacts")
        ),
    )
    op.create_table(
        "counselling_messages",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "appointment",
                "commitment_review",
                "methadone",
                name="purpose",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("channel", _kind(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "retrying",
                "sent",
                "failed",
                "cancelled",
                name="delivery",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=64), nullable=True),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        *_recorded(),
        *_times(),
        sa.ForeignKeyConstraint(
            ["tenant_id", "contact_id"],
            ["counselling_contacts.tenant_id", "counselling_contacts.id"],
            name=op.f(
                "fk_counselling_messages_tenant_id_contact_id_counselling_contacts"
            ),
            ondelete="CASCADE",
        ),
        _tenant("counselling_messages"),
        sa.PrimaryKeyConstraint(
            "tenant_id", "id", name=op.f("pk_counselling_messages")
        ),
    )


def downgrade() -> None:
    op.drop_table("counselling_messages")
    op.drop_table("counselling_contacts")
    op.drop_table("counselling_channels")
    op.drop_index(
        op.f("ix_counselling_entries_tenant_id_occurred_at"),
        table_name="counselling_entries",
    )
    op.drop_table("counselling_entries")

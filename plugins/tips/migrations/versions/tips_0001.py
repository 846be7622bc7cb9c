"""tips: tips, sealed identities, dialogue, links, unseals, photos, retries

Revision ID: tips_0001
Revises:
Create Date: 2026-12-04

The plugin's own Alembic branch. Row-level security on its tables is armed
by the migration environment after every upgrade, as for core's tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "tips_0001"
down_revision = None
branch_labels = ("tips",)
depends_on = "0010_statistics"


def upgrade() -> None:
    op.create_table(
        "tips_submissions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("key_index", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_tips_submissions_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "key_index", name=op.f("pk_tips_submissions")
        ),
    )
    op.create_table(
        "tips_tips",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "use",
                "dealing",
                "place",
                "needs_help",
                name="category",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("hamlet_id", sa.Uuid(), nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("happened_on", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "identified",
            sa.Enum(
                "anonymous",
                "contact",
                "national_id",
                name="identified",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("code_index", sa.String(length=64), nullable=False),
        sa.Column("passphrase_hash", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "new",
                "verifying",
                "actionable",
                "not_actionable",
                "closed",
                name="status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "outcome",
            sa.Enum(
                "case_opened",
                "person_supported",
                "place_handled",
                "passed_on",
                "no_finding",
                "duplicate",
                "false",
                name="outcome",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column("valuable", sa.Boolean(), nullable=False),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "hamlet_id"],
            ["hamlets.tenant_id", "hamlets.id"],
            name=op.f("fk_tips_tips_tenant_id_hamlet_id_hamlets"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_tips_tips_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_tips_tips")),
        sa.UniqueConstraint(
            "tenant_id", "code_index", name=op.f("uq_tips_tips_tenant_id_code_index")
        ),
    )
    op.create_index(
        op.f("ix_tips_tips_tenant_id_status_created_at"),
        "tips_tips",
        ["tenant_id", "status", "created_at"],
    )
    op.create_table(
        "tips_hamlet_links",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("tip_id", sa.Uuid(), nullable=False),
        sa.Column("hamlet_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "hamlet_id"],
            ["hamlets.tenant_id", "hamlets.id"],
            name=op.f("fk_tips_hamlet_links_tenant_id_hamlet_id_hamlets"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "tip_id"],
            ["tips_tips.tenant_id", "tips_tips.id"],
            name=op.f("fk_tips_hamlet_links_tenant_id_tip_id_tips_tips"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_tips_hamlet_links_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "tip_id", "hamlet_id", name=op.f("pk_tips_hamlet_links")
        ),
    )
    op.create_table(
        "tips_identities",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("tip_id", sa.Uuid(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "tip_id"],
            ["tips_tips.tenant_id", "tips_tips.id"],
            name=op.f("fk_tips_identities_tenant_id_tip_id_tips_tips"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_tips_identities_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "tip_id", name=op.f("pk_tips_identities")),
    )
    op.create_table(
        "tips_messages",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tip_id", sa.Uuid(), nullable=False),
        sa.Column(
            "sender",
            sa.Enum("officer", "tipster", name="sender", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("author_name", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "tip_id"],
            ["tips_tips.tenant_id", "tips_tips.id"],
            name=op.f("fk_tips_messages_tenant_id_tip_id_tips_tips"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_tips_messages_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_tips_messages")),
    )
    op.create_index(
        op.f("ix_tips_messages_tenant_id_tip_id_created_at"),
        "tips_messages",
        ["tenant_id", "tip_id", "created_at"],
    )
    op.create_table(
        "tips_person_links",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("tip_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "person_id"],
            ["persons.tenant_id", "persons.id"],
            name=op.f("fk_tips_person_links_tenant_id_person_id_persons"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "tip_id"],
            ["tips_tips.tenant_id", "tips_tips.id"],
            name=op.f("fk_tips_person_links_tenant_id_tip_id_tips_tips"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_tips_person_links_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "tip_id", "person_id", name=op.f("pk_tips_person_links")
        ),
    )
    op.create_index(
        op.f("ix_tips_person_links_tenant_id_person_id"),
        "tips_person_links",
        ["tenant_id", "person_id"],
    )
    op.create_table(
        "tips_photos",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("tip_id", sa.Uuid(), nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "file_id"],
            ["files.tenant_id", "files.id"],
            name=op.f("fk_tips_photos_tenant_id_file_id_files"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "tip_id"],
            ["tips_tips.tenant_id", "tips_tips.id"],
            name=op.f("fk_tips_photos_tenant_id_tip_id_tips_tips"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_tips_photos_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "tip_id", "file_id", name=op.f("pk_tips_photos")
        ),
    )
    op.create_table(
        "tips_unseals",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tip_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "tip_id"],
            ["tips_tips.tenant_id", "tips_tips.id"],
            name=op.f("fk_tips_unseals_tenant_id_tip_id_tips_tips"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["communes.id"],
            name=op.f("fk_tips_unseals_tenant_id_communes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_tips_unseals")),
    )
    op.create_index(
        op.f("ix_tips_unseals_tenant_id_tip_id"),
        "tips_unseals",
        ["tenant_id", "tip_id"],
    )


def downgrade() -> None:
    for table in (
        "tips_unseals",
        "tips_photos",
        "tips_person_links",
        "tips_messages",
        "tips_identities",
        "tips_hamlet_links",
        "tips_tips",
        "tips_submissions",
    ):
        op.drop_table(table)

"""room for sealed TOTP secrets

Revision ID: 0005_totp_sealed
Revises: 0004_break_glass
Create Date: 2026-12-03 20:27:47.776208

Secrets written before this revision were in clear; no deployment had any
(the demo enrols no TOTP). Should one exist, re-enrol that account.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_totp_sealed"
down_revision = "0004_break_glass"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.VARCHAR(length=64),
            type_=sa.String(length=200),
            existing_nullable=True,
        )


def downgrade() -> None:

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.String(length=200),
            type_=sa.VARCHAR(length=64),
            existing_nullable=True,
        )

"""Alembic environment: runs revisions as the table owner, then arms row-level
security on every commune-owned table and grants the application role."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection

from core.crypto.fields import EncryptedBytes, EncryptedText
from core.db import UtcDateTime, make_engine
from core.models import metadata
from tenants.rls import protect_all

config = context.config


def _render_item(kind: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our column types as plain SQLAlchemy ones, so revisions never
    import application code that may later change or move."""
    if kind == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    if kind == "type" and isinstance(obj, EncryptedText):
        return "sa.Text()"  # ciphertext, as text
    if kind == "type" and isinstance(obj, EncryptedBytes):
        return "sa.LargeBinary()"  # ciphertext, raw
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
        protect_all(connection, metadata, config.attributes.get("app_role", ""))


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.attributes["url"])
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit(
        "Offline (--sql) migrations are not supported: row-level security is "
        "armed by inspecting the live schema. Run `binhyen db upgrade`."
    )
run_online()

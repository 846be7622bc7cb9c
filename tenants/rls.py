"""PostgreSQL row-level security for commune-owned tables.

Every table whose rows belong to a commune gets row-level security enabled
and forced, and one policy that compares ``tenant_id`` with the
transaction-local setting ``app.tenant_id``. The comparison stays a plain
equality with a stable expression so the planner can use the
``tenant_id``-leading indexes.

:func:`protect_all` runs at the end of every ``binhyen db upgrade`` over
every commune-owned table it finds, so a table added by core or by a plugin
cannot be forgotten. It also grants the application role its row access.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, MetaData, Table, text

logger = logging.getLogger(__name__)

POLICY_NAME = "tenant_isolation"
TENANT_EXPRESSION = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def tenant_tables(metadata: MetaData) -> list[Table]:
    """Tables whose primary key starts with ``tenant_id`` pointing at communes."""
    found = []
    for table in metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if not pk or pk[0].name != "tenant_id":
            continue
        if any(fk.column.table.name == "communes" for fk in pk[0].foreign_keys):
            found.append(table)
    return found


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def protect_table(connection: Connection, table_name: str) -> bool:
    """Enable, force and attach the tenant policy to one table.

    Idempotent; returns True when anything had to be changed.
    """
    changed = False
    table = _quote(connection, table_name)
    flags = connection.execute(
        text(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE oid = CAST(:name AS regclass)"
        ),
        {"name": table_name},
    ).one()
    if not flags.relrowsecurity:
        connection.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
        changed = True
    if not flags.relforcerowsecurity:
        connection.execute(text(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY"))
        changed = True

    exists = connection.execute(
        text(
            "SELECT 1 FROM pg_policies WHERE schemaname = current_schema() "
            "AND tablename = :name AND policyname = :policy"
        ),
        {"name": table_name, "policy": POLICY_NAME},
    ).first()
    if exists is None:
        connection.execute(
            text(
                f"CREATE POLICY {POLICY_NAME} ON {table} "
                f"USING (tenant_id = {TENANT_EXPRESSION}) "
                f"WITH CHECK (tenant_id = {TENANT_EXPRESSION})"
            )
        )
        changed = True
    return changed


def grant_app_role(connection: Connection, role: str, tables: list[Table]) -> None:
    """Give the application role row access, and nothing more, to ``tables``."""
    exists = connection.execute(
        text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
    ).first()
    if exists is None:
        logger.warning(
            "application role %s does not exist; create it as described in "
            "README.md (Databases and roles), then run `binhyen db upgrade` again",
            role,
        )
        return
    quoted_role = _quote(connection, role)
    connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted_role}"))
    for table in tables:
        name = _quote(connection, table.name)
        if table.info.get("append_only"):
            # Rows of an append-only table (the audit trail) are never
            # changed or removed by the application.
            connection.execute(text(f"GRANT SELECT, INSERT ON {name} TO {quoted_role}"))
            connection.execute(
                text(f"REVOKE UPDATE, DELETE ON {name} FROM {quoted_role}")
            )
        elif table.info.get("no_delete"):
            connection.execute(
                text(f"GRANT SELECT, INSERT, UPDATE ON {name} TO {quoted_role}")
            )
            connection.execute(text(f"REVOKE DELETE ON {name} FROM {quoted_role}"))
        else:
            connection.execute(
                text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO {quoted_role}")
            )


REFUSE_CHANGE = """
CREATE OR REPLACE FUNCTION binhyen_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'rows of % are append-only', TG_TABLE_NAME;
END $$ LANGUAGE plpgsql
"""


def seal_append_only(connection: Connection, table_name: str) -> None:
    """Refuse UPDATE and DELETE on a table, to every role, owner included."""
    connection.execute(text(REFUSE_CHANGE))
    trigger = f"{table_name}_append_only"
    exists = connection.execute(
        text("SELECT 1 FROM pg_trigger WHERE tgname = :name"), {"name": trigger}
    ).first()
    if exists is None:
        connection.execute(
            text(
                f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON "
                f"{_quote(connection, table_name)} FOR EACH ROW "
                "EXECUTE FUNCTION binhyen_refuse_change()"
            )
        )


def seal_append_only_sqlite(connection: Connection, table_name: str) -> None:
    for verb in ("UPDATE", "DELETE"):
        connection.execute(
            text(
                f"CREATE TRIGGER IF NOT EXISTS {table_name}_no_{verb.lower()} "
                f"BEFORE {verb} ON {_quote(connection, table_name)} BEGIN "
                f"SELECT RAISE(ABORT, 'rows of {table_name} are append-only'); END"
            )
        )


def protect_all(connection: Connection, metadata: MetaData, app_role: str) -> None:
    """Arm every commune-owned table and grant the application role its rows;
    make append-only tables refuse changes (on SQLite too, by triggers)."""
    if connection.dialect.name == "sqlite":
        present = set(
            connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table'")
            ).scalars()
        )
        for table in metadata.sorted_tables:
            if table.info.get("append_only") and table.name in present:
                seal_append_only_sqlite(connection, table.name)
        return
    if connection.dialect.name != "postgresql":
        return
    present = set(
        connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        ).scalars()
    )
    for table in tenant_tables(metadata):
        if table.name in present and protect_table(connection, table.name):
            logger.info("row-level security armed on %s", table.name)
    for table in metadata.sorted_tables:
        if table.info.get("append_only") and table.name in present:
            seal_append_only(connection, table.name)
    grant_app_role(
        connection, app_role, [t for t in metadata.sorted_tables if t.name in present]
    )

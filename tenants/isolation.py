"""Commune isolation in the ORM, and the hook that arms row-level security.

Three layers keep one commune's rows from another (DESIGN.md §3). This module
holds the first and feeds the second:

* :class:`TenantOwned` is the one line that makes a model commune-owned: it
  adds ``tenant_id`` as the first column of the primary key.
* A session bound to a commune (:func:`bind_tenant`) gets that commune added
  to every ORM select, update and delete, and stamped on every insert. A
  query on a commune-owned model in a session bound to none raises
  :class:`TenantContextError`: it fails closed.
* On PostgreSQL, each transaction of a bound session starts with
  ``set_config('app.tenant_id', ..., true)``, the setting the row-level
  policies compare against (see ``tenants.rls``).

There is no switch that lifts the filter. Work that spans communes walks
them one at a time with :func:`each_commune`, which logs why it does so.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from sqlalchemy import ForeignKey, event, select, text
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    with_loader_criteria,
)

from core.db import Database
from tenants.models import Commune, CommuneStatus

logger = logging.getLogger(__name__)

TENANT_KEY = "binhyen.tenant_id"
T = TypeVar("T")


class TenantContextError(RuntimeError):
    """A commune-owned row was touched without the right commune in context."""


class TenantOwned:
    """Mixin for every model that belongs to one commune.

    ``tenant_id`` leads the primary key; the model declares its own ``id``
    (or other key columns) after it. Unique constraints, indexes and foreign
    keys of the model must also lead with ``tenant_id``: the schema tests
    check every one.
    """

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communes.id", ondelete="RESTRICT"),
        primary_key=True,
        sort_order=-100,
    )


def is_tenant_owned(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, TenantOwned)


def current_tenant(session: Session) -> uuid.UUID | None:
    tenant: uuid.UUID | None = session.info.get(TENANT_KEY)
    return tenant


def bind_tenant(session: Session, tenant_id: uuid.UUID) -> None:
    """Scope ``session`` to one commune for the rest of its life.

    A session is bound once. Re-binding it to another commune would leave the
    first commune's rows in its identity map, where ``Session.get`` could hand
    them out without asking the database, so that is refused.
    """
    bound = current_tenant(session)
    if bound is not None and bound != tenant_id:
        raise TenantContextError(
            "this session already serves another commune; open a new session "
            "for each commune"
        )
    session.info[TENANT_KEY] = tenant_id
    if session.in_transaction():
        # The transaction began before the commune was known (for example to
        # look the commune up); arm row-level security for the rest of it.
        _set_database_tenant(session.connection(), tenant_id)


def _set_database_tenant(connection: Any, tenant_id: uuid.UUID | None) -> None:
    if connection.dialect.name != "postgresql":
        return
    connection.execute(
        text("SELECT set_config('app.tenant_id', :tenant, true)"),
        {"tenant": str(tenant_id) if tenant_id else ""},
    )


@event.listens_for(Session, "after_begin")
def _arm_row_security(session: Session, _tx: Any, connection: Any) -> None:
    # Transaction-local, so a pooled connection never carries a commune into
    # the next request; an unbound session sets it empty and sees nothing.
    _set_database_tenant(connection, current_tenant(session))


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete or state.is_insert):
        return
    if state.is_column_load or state.is_relationship_load:
        # Lazy and deferred loads inherit the criteria of the query that
        # loaded their parent.
        return

    tenant = current_tenant(state.session)
    touches_tenant_rows = any(
        is_tenant_owned(mapper.class_) for mapper in state.all_mappers
    )
    if tenant is None and touches_tenant_rows:
        raise TenantContextError(
            "a query on commune-owned data ran with no commune in context; "
            "bind the session with tenants.isolation.bind_tenant first"
        )
    if state.is_insert:
        return
    # Added to every statement, even one whose top-level entity is global,
    # so that joins into commune-owned tables are narrowed too. With no
    # commune bound the criterion compares against NULL and matches nothing.
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantOwned,
            lambda cls: cls.tenant_id == tenant,
            include_aliases=True,
        )
    )


@event.listens_for(Session, "before_flush")
def _stamp_tenant(session: Session, _ctx: Any, _instances: Any) -> None:
    tenant = current_tenant(session)
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantOwned):
            continue
        if tenant is None:
            raise TenantContextError(
                f"cannot write a {type(obj).__name__} with no commune in "
                "context; bind the session with bind_tenant first"
            )
        if obj.tenant_id is None:
            obj.tenant_id = tenant
        elif obj.tenant_id != tenant:
            raise TenantContextError(
                f"a {type(obj).__name__} of another commune cannot be written "
                "from this session"
            )


def each_commune(
    database: Database,
    reason: str,
    work: Callable[[Session, Commune], T],
    *,
    include_suspended: bool = False,
) -> Iterator[T]:
    """Run ``work`` once per commune, each in its own bound session.

    This is the only way to touch several communes' rows: one commune at a
    time, every layer of isolation still in force. ``reason`` is logged so
    each sweep can be traced; it must not contain personal data.
    """
    statuses = [CommuneStatus.ACTIVE]
    if include_suspended:
        statuses.append(CommuneStatus.SUSPENDED)
    with database.session() as session:
        communes = session.scalars(
            select(Commune).where(Commune.status.in_(statuses)).order_by(Commune.code)
        ).all()
    logger.info("cross-commune work over %d communes: %s", len(communes), reason)
    for commune in communes:
        with database.session() as session:
            bind_tenant(session, commune.id)
            yield work(session, commune)


def bound_commune(session: Session) -> Commune:
    """The commune ``session`` is bound to; raises if it is bound to none."""
    tenant = current_tenant(session)
    commune = session.get(Commune, tenant) if tenant is not None else None
    if commune is None:
        raise TenantContextError(
            "this work belongs to one commune: bind the session with bind_tenant"
        )
    return commune

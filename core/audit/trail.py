"""Writing to and verifying the audit chains.

Code records what happened with :func:`record` (or, for changes to
commune-owned rows, nothing at all: every insert, update and delete is
captured at flush). Events wait in the session and are chained in just
before it commits, in the same transaction as what they describe, so an
audited change and its audit entry commit or vanish together. The chain
head is locked (``SELECT ... FOR UPDATE``) only for that last moment.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm import attributes as orm_attributes

from core.audit.models import (
    AuditEvent,
    AuditHead,
    PlatformAuditEvent,
    PlatformAuditHead,
)
from core.db import Database, utcnow
from tenants.isolation import current_tenant, is_tenant_owned

logger = logging.getLogger(__name__)

PENDING_KEY = "binhyen.audit_pending"
# Set on a request whose caller's address must not be kept (see untraced).
UNTRACED_KEY = "binhyen_untraced"
GENESIS = "0" * 64
# Tables whose changes are not themselves audited: the trails; the job
# outbox, whose rows mirror work audited where it is asked for; and the
# bookkeeping of sessions and throttling, audited as sign-ins instead.
UNAUDITED = frozenset(
    {
        "audit_events",
        "audit_heads",
        "platform_audit_events",
        "platform_audit_head",
        "jobs",
        "browser_sessions",
        "throttle_counters",
    }
)
# Changes to only these columns are housekeeping, not worth a link each.
HOUSEKEEPING = frozenset(
    {"last_used_at", "last_sign_in_at", "totp_last_step", "updated_at", "version"}
)


@dataclass
class Pending:
    action: str
    object_type: str | None = None
    object_id: str | None = None
    fields: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    platform: bool = False
    commune_id: uuid.UUID | None = None


def _actor() -> tuple[uuid.UUID | None, str]:
    """Who is acting: the request's principal, the command line's operator
    (``g.audit_actor``), or the system (jobs, sweeps)."""
    if has_request_context():
        principal = g.get("principal")
        if principal is not None:
            return principal.user_id, principal.username
        if not g.get("audit_actor"):
            return None, "anonymous"
    if has_app_context() and g.get("audit_actor"):
        return None, str(g.audit_actor)
    # Outside requests and jobs: someone at the server's command line.
    return None, f"operator:{getpass.getuser()}"


def record(
    session: Session,
    action: str,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    fields: list[str] | None = None,
    details: dict[str, Any] | None = None,
    platform: bool = False,
    commune_id: uuid.UUID | None = None,
) -> None:
    """Note an event; it joins the chain when ``session`` commits.

    Events go to the chain of the session's commune, or to the platform
    chain when the session has none or ``platform`` is set. ``fields`` names
    what was read or changed; ``details`` must hold no personal data.
    """
    session.info.setdefault(PENDING_KEY, []).append(
        Pending(
            action,
            object_type,
            None if object_id is None else str(object_id),
            sorted(fields or []),
            dict(details or {}),
            platform,
            commune_id,
        )
    )


def untraced(view: Any) -> Any:
    """Mark a view whose caller must leave no trace: its audit entries keep
    no client address. For people who must be able to speak up without
    being found, such as a resident sending a tip. (The access log and the
    app's log lines never hold an address anyway.)"""

    @functools.wraps(view)
    def quiet(*args: Any, **kwargs: Any) -> Any:
        # On the request, not on g: work run after commit in the same
        # request (jobs, with no Redis) pushes an app context of its own.
        request.environ[UNTRACED_KEY] = True
        return view(*args, **kwargs)

    return quiet


def note_cross_commune(database: Database, reason: str) -> None:
    """Record, in the platform chain, work about to walk several communes."""
    with database.session() as session:
        record(session, "cross_commune", details={"reason": reason}, platform=True)
        session.commit()


def _capture_changes(session: Session) -> None:
    """Note every insert, update and delete of the flush that just ran:
    commune-owned rows in their commune's chain, global rows (regions,
    communes, accounts, roles, tokens) in the platform chain."""
    for kind, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            table = getattr(type(obj), "__tablename__", "")
            if table in UNAUDITED:
                continue
            state = inspect(obj)
            if kind == "update":
                changed = [
                    attr.key
                    for attr in state.mapper.column_attrs
                    if orm_attributes.get_history(obj, attr.key).has_changes()
                ]
                if set(changed) <= HOUSEKEEPING:
                    continue
            else:
                changed = [attr.key for attr in state.mapper.column_attrs]
            identity = list(state.mapper.primary_key_from_instance(obj))
            owned = is_tenant_owned(type(obj))
            key = identity[1:] if owned else identity
            record(
                session,
                f"{table}.{kind}",
                object_type=table,
                object_id="/".join(str(part) for part in key),
                fields=[f for f in changed if f not in ("tenant_id", "version")],
                platform=not owned,
                commune_id=None if owned else _commune_of(obj),
            )


def _commune_of(obj: Any) -> uuid.UUID | None:
    commune: uuid.UUID | None = getattr(obj, "commune_id", None)
    if commune is None and getattr(type(obj), "__tablename__", "") == "communes":
        commune = obj.id
    return commune


def _digest(prev_hash: str, body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _body(event: Any) -> dict[str, Any]:
    """The fields a link's hash covers, as stored (so verify can recompute)."""
    return {
        "seq": event.seq,
        "at": event.at.astimezone(UTC).isoformat(),
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "actor_name": event.actor_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "fields": list(event.fields or []),
        "source": event.source,
        "request_id": event.request_id,
        "details": event.details or {},
        # A commune link's hash covers its commune, so a chain cannot be
        # moved to another commune unnoticed.
        "commune_id": str(
            getattr(event, "commune_id", None)
            or getattr(event, "tenant_id", None)
            or ""
        )
        or None,
    }


def _append(session: Session, events: list[Pending]) -> None:
    tenant = current_tenant(session)
    commune_events = [e for e in events if tenant is not None and not e.platform]
    platform_events = [e for e in events if tenant is None or e.platform]
    actor_id, actor_name = _actor()
    source = (
        request.remote_addr
        if has_request_context() and not request.environ.get(UNTRACED_KEY)
        else None
    )
    request_id = g.get("request_id") if has_request_context() else None

    if commune_events:
        head = _lock_head(session, AuditHead, {})
        _link(
            session,
            head,
            AuditEvent,
            commune_events,
            actor_id,
            actor_name,
            source,
            request_id,
        )
    if platform_events:
        head = _lock_head(session, PlatformAuditHead, {"id": 1})
        _link(
            session,
            head,
            PlatformAuditEvent,
            platform_events,
            actor_id,
            actor_name,
            source,
            request_id,
        )


def _lock_head(session: Session, model: type, key: dict[str, Any]) -> Any:
    """The chain's head row, created if need be, locked until commit."""
    values = {"seq": 0, "hash": GENESIS, **key}
    tenant = current_tenant(session)
    if model is AuditHead:
        values["tenant_id"] = tenant
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # Concurrent first writers must not fork the chain: the head is made
    # with ON CONFLICT DO NOTHING, then everyone queues on its row lock.
    session.execute(insert(model).values(**values).on_conflict_do_nothing())
    # populate_existing: a head this session loaded earlier is stale by now;
    # the locked row, not the copy in the identity map, says where to link.
    return session.scalars(
        select(model).with_for_update().execution_options(populate_existing=True)
    ).one()


def _link(
    session: Session,
    head: Any,
    model: type,
    events: list[Pending],
    actor_id: uuid.UUID | None,
    actor_name: str,
    source: str | None,
    request_id: str | None,
) -> None:
    for pending in events:
        event = model(
            seq=head.seq + 1,
            at=utcnow(),
            actor_id=actor_id,
            actor_name=actor_name,
            action=pending.action,
            object_type=pending.object_type,
            object_id=pending.object_id,
            fields=pending.fields,
            source=source,
            request_id=request_id,
            details=pending.details,
            prev_hash=head.hash,
        )
        if model is PlatformAuditEvent:
            event.commune_id = pending.commune_id
        else:
            event.tenant_id = current_tenant(session)
        event.hash = _digest(head.hash, _body(event))
        session.add(event)
        head.seq, head.hash = event.seq, event.hash
    session.flush()


def before_commit(session: Session) -> None:
    """Chain in what the session did; called by the session event below."""
    if session.info.get("binhyen.audit_writing"):
        return
    session.info["binhyen.audit_writing"] = True
    try:
        session.flush()
        pending: list[Pending] = session.info.pop(PENDING_KEY, [])
        if pending:
            _append(session, pending)
    finally:
        session.info.pop("binhyen.audit_writing", None)


# -- verification -----------------------------------------------------------


@dataclass
class Break:
    """The first link of a chain that does not hold."""

    seq: int
    reason: str


def verify_rows(rows: Iterator[Any], head: Any | None) -> Break | None:
    """Walk one chain in order of ``seq``; None when every link holds."""
    expected_seq, prev = 1, GENESIS
    for row in rows:
        if row.seq != expected_seq:
            return Break(expected_seq, f"link {expected_seq} is missing")
        if row.prev_hash != prev:
            return Break(row.seq, "does not follow the link before it")
        if _digest(prev, _body(row)) != row.hash:
            return Break(row.seq, "its content was changed")
        prev, expected_seq = row.hash, expected_seq + 1
    last = expected_seq - 1
    if head is None:
        # Every write keeps the head, so links without one lost it to someone.
        if last == 0:
            return None
        return Break(last + 1, "the head is gone: links from here on may be too")
    if head.seq > last:
        return Break(
            last + 1, f"link {last + 1} is missing: the head says {head.seq} links"
        )
    if head.seq < last:
        return Break(head.seq + 1, f"lies beyond the head, which is at {head.seq}")
    if head.hash != prev:
        return Break(last, "does not match the head")
    return None


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _ctx: Any) -> None:
    _capture_changes(session)


@event.listens_for(Session, "before_commit")
def _chain(session: Session) -> None:
    before_commit(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous: Any) -> None:
    # What a rolled-back transaction noted never happened. (A savepoint's
    # rollback keeps its events: they cannot be told apart from the rest.)
    if not previous.nested:
        session.info.pop(PENDING_KEY, None)

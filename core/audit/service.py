"""Reading the trail: queries for admins, chain verification, head export."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.audit.models import (
    AuditEvent,
    AuditHead,
    PlatformAuditEvent,
    PlatformAuditHead,
)
from core.audit.trail import Break, note_cross_commune, verify_rows
from core.db import Database
from tenants.isolation import bind_tenant
from tenants.models import Commune

logger = logging.getLogger(__name__)


def query(
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[Any]:
    """Events of the bound commune, newest first, narrowed by any filter given."""
    statement = select(AuditEvent).order_by(AuditEvent.seq.desc())
    if object_type:
        statement = statement.where(AuditEvent.object_type == object_type)
    if object_id:
        statement = statement.where(AuditEvent.object_id == object_id)
    if actor:
        statement = statement.where(AuditEvent.actor_name == actor)
    if action:
        statement = statement.where(AuditEvent.action == action)
    if since:
        statement = statement.where(AuditEvent.at >= since)
    if until:
        statement = statement.where(AuditEvent.at < until)
    return statement


@dataclass
class ChainReport:
    chain: str  # a commune's slug, or "platform"
    events: int
    head_hash: str
    broken: Break | None


def verify_commune(session: Session, commune: Commune) -> ChainReport:
    """Walk one commune's chain; ``session`` is bound to it."""
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    head = session.scalars(select(AuditHead)).first()
    return ChainReport(
        commune.slug,
        len(rows),
        head.hash if head else "",
        verify_rows(iter(rows), head),
    )


def verify_platform(session: Session) -> ChainReport:
    rows = session.scalars(
        select(PlatformAuditEvent).order_by(PlatformAuditEvent.seq)
    ).all()
    head = session.scalars(select(PlatformAuditHead)).first()
    return ChainReport(
        "platform",
        len(rows),
        head.hash if head else "",
        verify_rows(iter(rows), head),
    )


def verify_all(database: Database, only: str | None = None) -> list[ChainReport]:
    """Every chain (or one commune's), one commune at a time."""
    reports = []
    note_cross_commune(database, "audit verification")
    with database.session() as session:
        communes = session.scalars(select(Commune).order_by(Commune.code)).all()
        if only is None:
            reports.append(verify_platform(session))
    for commune in communes:
        if only is not None and commune.slug != only:
            continue
        with database.session() as session:
            bind_tenant(session, commune.id)
            reports.append(verify_commune(session, commune))
    return reports


def heads(reports: list[ChainReport]) -> list[dict[str, Any]]:
    """The chain heads, to keep outside the database and compare later."""
    return [
        {"chain": r.chain, "events": r.events, "head": r.head_hash} for r in reports
    ]


def compare_heads(database: Database, kept: list[dict[str, Any]]) -> list[str]:
    """Chains that no longer contain the head exported earlier: rewritten since."""
    problems = []
    with database.session() as session:
        communes = {c.slug: c for c in session.scalars(select(Commune))}
    for old in kept:
        seq, expected = int(old["events"]), old["head"]
        if seq == 0:
            continue
        with database.session() as session:
            row: Any
            if old["chain"] == "platform":
                row = session.get(PlatformAuditEvent, seq)
            else:
                commune = communes.get(old["chain"])
                if commune is None:
                    problems.append(f"{old['chain']}: the commune is gone")
                    continue
                bind_tenant(session, commune.id)
                row = session.get(AuditEvent, (commune.id, seq))
            if row is None or row.hash != expected:
                problems.append(f"{old['chain']}: link {seq} is not the one exported")
    return problems

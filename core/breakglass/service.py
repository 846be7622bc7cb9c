"""The rules of break-glass access: ask with a reason, the chief decides,
access ends by itself, the commune is told, every step is audited."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.trail import record
from core.breakglass.models import AccessGrant, GrantStatus
from core.db import utcnow
from core.errors import Conflict, Forbidden, Invalid, NotFound, field_error
from core.identity.authn import Principal
from core.jobs.outbox import enqueue_job
from tenants.models import Commune

logger = logging.getLogger(__name__)

MAX_HOURS = 72
MIN_REASON = 20


def request_access(
    db: Session,
    principal: Principal,
    commune: Commune,
    *,
    subject_id: uuid.UUID,
    reason: str,
    hours: int,
    serves_here: bool,
) -> AccessGrant:
    """Ask for one file of ``commune`` (``db`` is bound to it)."""
    if serves_here:
        raise Invalid(
            "You serve in this commune: open the file with your own role.",
            errors=[field_error("subject_id", "Not needed here.")],
        )
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise Invalid(
            "Say why you need this file, in at least %(n)s characters; the "
            "commune chief decides on it.",
            errors=[field_error("reason", "Too short.")],
            values={"n": MIN_REASON},
        )
    if not 1 <= hours <= MAX_HOURS:
        raise Invalid(
            "Access lasts between 1 and %(most)s hours.",
            errors=[field_error("hours", "Out of range.")],
            values={"most": MAX_HOURS},
        )
    assert principal.user_id is not None
    grant = AccessGrant(
        requester_id=principal.user_id,
        requester_name=principal.username,
        subject_id=subject_id,
        reason=reason,
        hours=hours,
    )
    db.add(grant)
    db.flush()
    record(
        db,
        "break_glass.request",
        object_type="access_grant",
        object_id=grant.id,
        details={
            "subject_type": grant.subject_type,
            "subject": str(subject_id),
            "hours": hours,
        },
    )
    enqueue_job(db, "core.break_glass_notice", grant_id=grant.id)
    logger.info("break-glass request %s made", grant.id)
    return grant


def get(db: Session, grant_id: uuid.UUID) -> AccessGrant:
    grant = db.scalars(select(AccessGrant).where(AccessGrant.id == grant_id)).first()
    if grant is None:
        raise NotFound("No access request of this commune has that id.")
    return grant


def decide(
    db: Session, principal: Principal, grant: AccessGrant, approve: bool
) -> AccessGrant:
    """The chief approves (access starts now, for the hours asked) or denies."""
    if grant.status is not GrantStatus.REQUESTED:
        raise Conflict(f"This request was already {grant.status.value}.")
    if grant.requester_id == principal.user_id:
        raise Forbidden("Nobody decides on their own request.")
    now = utcnow()
    grant.status = GrantStatus.APPROVED if approve else GrantStatus.DENIED
    grant.decided_by, grant.decided_at = principal.user_id, now
    if approve:
        grant.expires_at = now + timedelta(hours=grant.hours)
    db.flush()
    record(
        db,
        f"break_glass.{grant.status.value}",
        object_type="access_grant",
        object_id=grant.id,
        details={
            "expires_at": grant.expires_at.isoformat() if grant.expires_at else None
        },
    )
    return grant


def revoke(db: Session, grant: AccessGrant) -> AccessGrant:
    if grant.status is not GrantStatus.APPROVED:
        raise Conflict("Only approved access can be revoked.")
    grant.status = GrantStatus.REVOKED
    grant.expires_at = min(grant.expires_at or utcnow(), utcnow())
    db.flush()
    record(db, "break_glass.revoked", object_type="access_grant", object_id=grant.id)
    return grant


def active_grant(
    db: Session, principal: Principal, subject_id: uuid.UUID
) -> AccessGrant | None:
    """The principal's live grant on ``subject_id`` in the bound commune, if any.

    Case files check this when someone without a role in the commune opens
    one; the read is then audited with the grant's id.
    """
    now = utcnow()
    for grant in db.scalars(
        select(AccessGrant).where(
            AccessGrant.requester_id == principal.user_id,
            AccessGrant.subject_id == subject_id,
            AccessGrant.status == GrantStatus.APPROVED,
        )
    ):
        if grant.is_active(now):
            return grant
    return None


def notify(db: Session, commune: Commune, grant_id: str) -> None:
    """Job: tell the commune's staff that someone asks for one of its files,
    through every notification channel its plugins offer."""
    from flask import current_app

    grant = db.scalars(
        select(AccessGrant).where(AccessGrant.id == uuid.UUID(grant_id))
    ).first()
    if grant is None or grant.status is not GrantStatus.REQUESTED:
        return
    host = current_app.extensions["binhyen.plugins"]
    host.call_enabled(
        db,
        "binhyen_notify",
        commune=commune,
        topic="break_glass.request",
        title="Yêu cầu truy cập khẩn cấp một hồ sơ",
        text=(
            "Một cán bộ ngoài xã đề nghị được xem một hồ sơ trong "
            f"{grant.hours} giờ. Trưởng Công an xã xem lý do và quyết định."
        ),
    )

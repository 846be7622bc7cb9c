"""Rules of moving a person's file between communes.

The commune the person leaves asks (:func:`request`); a job, ``offer``,
copies the file into the receiving commune as an incoming transfer; its
chief accepts or refuses (:func:`decide`); a job, ``reply``, takes the
answer back, and on acceptance the old file is marked moved, its cases
closed as moved and its officer released. Each commune's rows are written
only by a session bound to that commune, and every crossing is noted in the
platform's audit chain; the jobs are idempotent, so a crash or a retry
repeats nothing.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.audit.trail import note_cross_commune, record
from core.cases import rules
from core.cases.models import Case, CaseKind, CaseOutcome, CaseStatus, RehabSetting
from core.cases.service import close as close_case
from core.commitments.models import Commitment
from core.crypto.fields import blind_index
from core.db import get_database, local_today, utcnow
from core.errors import Conflict, Invalid, NotFound, field_error
from core.jobs.outbox import enqueue_job
from core.mentoring import service as mentoring
from core.mentoring.models import Assignment, Contact
from core.people import service as people
from core.people.models import Person, PersonStatus, TierChange, digits
from core.plugin_host.events import emit
from core.support.models import Support
from core.transfers.models import IncomingTransfer, OutgoingTransfer, TransferStatus
from core.worklist import service as worklist
from core.worklist.models import ItemStatus
from tenants.isolation import bind_tenant, bound_commune
from tenants.models import Commune, CommuneStatus

logger = logging.getLogger(__name__)

OFFER = "core.transfer_offer"
REPLY = "core.transfer_reply"
NOTICE = "core.transfer_notice"
MIN_REASON = 10
FILE_VERSION = 1

IDENTITY = (
    "full_name",
    "other_names",
    "date_of_birth",
    "sex",
    "national_id",
    "phone",
    "address",
    "family_contacts",
    "tier",
)
CASE_FIELDS = (
    "kind",
    "setting",
    "status",
    "ruleset",
    "start_on",
    "term_months",
    "planned_end_on",
    "end_on",
    "later",
    "age_group",
    "trigger_on",
    "decision_number",
    "decision_on",
    "decided_by",
    "outcome",
    "closed_on",
    "certificate_number",
)


@contextmanager
def _in_commune(commune_id: uuid.UUID, reason: str) -> Iterator[Session]:
    """A session bound to another commune, for a transfer's crossing only."""
    database = get_database(current_app)
    note_cross_commune(database, reason)
    with database.session() as session:
        bind_tenant(session, commune_id)
        yield session


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return getattr(value, "value", value)


def _row(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


def file_of(db: Session, person: Person) -> dict[str, Any]:
    """The person's file as it stands, to travel with a transfer. Officers'
    private notes, commitments' terms and support notes stay behind: they
    were written for this commune, and the new one makes its own."""
    cases = db.scalars(
        select(Case).where(Case.person_id == person.id).order_by(Case.start_on)
    )
    tiers = db.scalars(
        select(TierChange)
        .where(TierChange.person_id == person.id)
        .order_by(TierChange.decided_on)
    )
    officers = db.scalars(
        select(Assignment)
        .where(Assignment.person_id == person.id)
        .order_by(Assignment.started_on)
    )
    contacts = db.scalars(
        select(Contact)
        .where(Contact.person_id == person.id)
        .order_by(Contact.contacted_on)
    )
    commitments = db.scalars(
        select(Commitment)
        .where(Commitment.person_id == person.id)
        .order_by(Commitment.signed_on)
    )
    support = db.scalars(
        select(Support).where(Support.person_id == person.id).order_by(Support.start_on)
    )
    return {
        "version": FILE_VERSION,
        "as_of": local_today().isoformat(),
        "person": _row(person, IDENTITY),
        "cases": [_row(c, CASE_FIELDS) for c in cases],
        "tiers": [
            _row(t, ("from_tier", "to_tier", "decided_on", "decided_by_name", "reason"))
            for t in tiers
        ],
        "officers": [
            _row(a, ("officer_name", "started_on", "ended_on")) for a in officers
        ],
        "contacts": [
            _row(c, ("contacted_on", "channel", "officer_name", "residence_confirmed"))
            for c in contacts
        ],
        # When and how, not the terms or who signed for the family.
        "commitments": [
            _row(c, ("signed_on", "signer_kind", "review_on", "status"))
            for c in commitments
        ],
        "support": [
            _row(s, ("kind", "what", "provider", "start_on", "end_on", "outcome"))
            for s in support
        ],
    }


# -- the commune the person leaves ----------------------------------------------


def request(
    db: Session, person: Person, *, to_commune: str, reason: str, by_name: str
) -> OutgoingTransfer:
    """Ask ``to_commune`` (its address slug) to take over the person's file."""
    here = bound_commune(db)
    reason = reason.strip()
    if person.status is not PersonStatus.ACTIVE:
        raise Conflict("This file is no longer active here; it cannot be moved.")
    target = db.scalars(select(Commune).where(Commune.slug == to_commune)).first()
    if target is None or target.status is not CommuneStatus.ACTIVE:
        raise Invalid(
            "Name an active commune on the platform by its address, such as cao-phong.",
            errors=[field_error("to_commune", "No active commune by that address.")],
        )
    if target.id == here.id:
        raise Invalid(
            "The person already lives in this commune.",
            errors=[field_error("to_commune", "This commune.")],
        )
    if len(reason) < MIN_REASON:
        raise Invalid(
            "Say why, in at least %(n)s characters: where the person moved and "
            "how the commune learned of it.",
            errors=[field_error("reason", "Too short.")],
            values={"n": MIN_REASON},
        )
    pending = db.scalars(
        select(OutgoingTransfer.id).where(
            OutgoingTransfer.person_id == person.id,
            OutgoingTransfer.status == TransferStatus.REQUESTED,
        )
    ).first()
    if pending is not None:
        raise Conflict(
            "A transfer of this file is already waiting for an answer; cancel it "
            "first to send the file elsewhere.",
            existing=str(pending),
        )
    transfer = OutgoingTransfer(
        person_id=person.id,
        to_commune_id=target.id,
        to_commune_name=target.name,
        reason=reason,
        requested_by_name=by_name,
    )
    db.add(transfer)
    db.flush()
    enqueue_job(db, OFFER, transfer_id=transfer.id)
    _raise_move_report(db, person.id, transfer.id)
    logger.info("transfer %s requested", transfer.id)
    return transfer


def _raise_move_report(db: Session, person_id: uuid.UUID, transfer_id: Any) -> None:
    """Where the law in force asks the old commune to report a move within
    hours, put that report on the chief's desk, due today."""
    ruleset = rules.in_force(local_today())
    if ruleset.move_report_hours is None:
        return
    worklist.raise_item(
        db,
        key=f"move_report:{transfer_id}",
        kind="move_report",
        title_vi=f"Báo cáo việc chuyển nơi cư trú ({ruleset.move_report_hours} giờ)",
        title_en=f"Report the move ({ruleset.move_report_hours} hours)",
        due_on=local_today(),
        assignee=worklist.CHIEF_DESK,
        person_id=person_id,
        subject_id=transfer_id,
    )


def cancel(db: Session, transfer: OutgoingTransfer, by_name: str) -> None:
    if transfer.status is not TransferStatus.REQUESTED:
        raise Conflict(f"This transfer was already {transfer.status.value}.")
    transfer.status = TransferStatus.CANCELLED
    transfer.decided_at, transfer.decided_by_name = utcnow(), by_name
    db.flush()
    enqueue_job(db, OFFER, transfer_id=transfer.id)


def offer(db: Session, commune: Commune, transfer_id: str) -> None:
    """Job, in the commune the person leaves: hand the file over, or take
    back the offer of a cancelled transfer."""
    transfer = db.scalars(
        select(OutgoingTransfer).where(OutgoingTransfer.id == uuid.UUID(transfer_id))
    ).first()
    if transfer is None:
        return
    if transfer.status is TransferStatus.REQUESTED and transfer.delivered_at is None:
        person = db.scalars(select(Person).where(Person.id == transfer.person_id)).one()
        file = json.dumps(file_of(db, person), ensure_ascii=False)
        with _in_commune(transfer.to_commune_id, "transfer offer") as there:
            exists = there.scalars(
                select(IncomingTransfer.id).where(IncomingTransfer.id == transfer.id)
            ).first()
            if exists is None:
                there.add(
                    IncomingTransfer(
                        id=transfer.id,
                        from_commune_id=commune.id,
                        from_commune_name=commune.name,
                        source_person_id=transfer.person_id,
                        reason=str(transfer.reason),
                        file=file,
                    )
                )
                there.flush()
                enqueue_job(there, NOTICE, transfer_id=transfer.id)
            there.commit()
        transfer.delivered_at = utcnow()
    elif transfer.status is TransferStatus.CANCELLED and transfer.delivered_at:
        with _in_commune(transfer.to_commune_id, "transfer withdrawn") as there:
            offered = there.scalars(
                select(IncomingTransfer).where(IncomingTransfer.id == transfer.id)
            ).first()
            if offered is not None and offered.status is TransferStatus.REQUESTED:
                offered.status = TransferStatus.CANCELLED
                offered.decided_at = utcnow()
                offered.decided_by_name = transfer.decided_by_name
            there.commit()


# -- the commune asked to receive -----------------------------------------------


def notice(db: Session, commune: Commune, transfer_id: str) -> None:
    """Job: tell the receiving commune's staff a file waits for their chief."""
    offered = db.scalars(
        select(IncomingTransfer).where(IncomingTransfer.id == uuid.UUID(transfer_id))
    ).first()
    if offered is None or offered.status is not TransferStatus.REQUESTED:
        return
    current_app.extensions["binhyen.plugins"].call_enabled(
        db,
        "binhyen_notify",
        commune=commune,
        topic="transfer.request",
        title="Hồ sơ chuyển đến chờ tiếp nhận",
        text=(
            f"{offered.from_commune_name} chuyển đến một hồ sơ người trong diện "
            "quản lý. Trưởng Công an xã xem và quyết định tiếp nhận."
        ),
    )


def incoming(db: Session, status: str | None = None) -> Select[Any]:
    query = select(IncomingTransfer).order_by(IncomingTransfer.created_at.desc())
    if status:
        query = query.where(IncomingTransfer.status == TransferStatus(status))
    return query


def get_incoming(db: Session, transfer_id: uuid.UUID) -> IncomingTransfer:
    found = db.scalars(
        select(IncomingTransfer).where(IncomingTransfer.id == transfer_id)
    ).first()
    if found is None:
        raise NotFound("No transfer to this commune has that id.")
    return found


def get_outgoing(db: Session, transfer_id: uuid.UUID) -> OutgoingTransfer:
    found = db.scalars(
        select(OutgoingTransfer).where(OutgoingTransfer.id == transfer_id)
    ).first()
    if found is None:
        raise NotFound("No transfer from this commune has that id.")
    return found


def outgoing_of(db: Session, person_id: uuid.UUID) -> list[OutgoingTransfer]:
    return list(
        db.scalars(
            select(OutgoingTransfer)
            .where(OutgoingTransfer.person_id == person_id)
            .order_by(OutgoingTransfer.created_at.desc())
        )
    )


def decide(
    db: Session,
    offered: IncomingTransfer,
    *,
    accept: bool,
    hamlet_id: uuid.UUID | None,
    by_name: str,
) -> IncomingTransfer:
    """The chief accepts the file (a file opens here, open cases continue)
    or refuses it; the answer goes back by job."""
    if offered.status is not TransferStatus.REQUESTED:
        raise Conflict(f"This transfer was already {offered.status.value}.")
    if accept:
        person = _receive(db, offered, hamlet_id, by_name)
        offered.person_id = person.id
    offered.status = TransferStatus.ACCEPTED if accept else TransferStatus.REFUSED
    offered.decided_at, offered.decided_by_name = utcnow(), by_name
    db.flush()
    enqueue_job(db, REPLY, transfer_id=offered.id)
    if accept:
        assert offered.person_id is not None
        emit(db, "person_moved", offered.person_id, direction="in")
    return offered


def _receive(
    db: Session, offered: IncomingTransfer, hamlet_id: uuid.UUID | None, by_name: str
) -> Person:
    file = json.loads(offered.file)
    identity = {k: v for k, v in file["person"].items() if v is not None}
    tier = identity.pop("tier", None)
    number = identity.get("national_id")
    existing = None
    if number:
        existing = db.scalars(
            select(Person).where(
                Person.national_id_index == blind_index(db, number, digits)
            )
        ).first()
    if existing is not None:
        # The commune already keeps a file for this number: the history
        # joins it rather than opening a second one.
        person = existing
        person.status = PersonStatus.ACTIVE
    else:
        if identity.get("date_of_birth"):
            identity["date_of_birth"] = date.fromisoformat(identity["date_of_birth"])
        person = people.create(db, {**identity, "hamlet_id": hamlet_id})
    if tier is not None and person.tier is None:
        db.add(
            TierChange(
                person_id=person.id,
                from_tier=None,
                to_tier=tier,
                decided_on=local_today(),
                decided_by_name=by_name,
                reason=f"Chuyển đến từ {offered.from_commune_name}, tầng {tier}",
            )
        )
        person.tier = tier
    for case in file["cases"]:
        if case["status"] == CaseStatus.OPEN.value:
            db.add(_continued(person, case, offered.from_commune_name))
    db.flush()
    return person


def _continued(person: Person, case: dict[str, Any], origin: str) -> Case:
    """An open case of the old commune, continued here on the same decision
    and dates, so the period the law sets is neither restarted nor lost."""

    def day(name: str) -> date | None:
        return date.fromisoformat(case[name]) if case.get(name) else None

    start_on, decision_on = day("start_on"), day("decision_on")
    assert start_on is not None and decision_on is not None
    return Case(
        person_id=person.id,
        kind=CaseKind(case["kind"]),
        setting=RehabSetting(case["setting"]) if case.get("setting") else None,
        ruleset=case["ruleset"],
        start_on=start_on,
        term_months=case.get("term_months"),
        planned_end_on=day("planned_end_on"),
        end_on=day("end_on"),
        later=bool(case.get("later")),
        age_group=case.get("age_group"),
        trigger_on=day("trigger_on"),
        decision_number=case["decision_number"],
        decision_on=decision_on,
        decided_by=f"{case['decided_by']} ({origin})"[:200],
    )


def reply(db: Session, commune: Commune, transfer_id: str) -> None:
    """Job, in the receiving commune: take the chief's answer back; on
    acceptance close the old file's cases as moved and release its officer."""
    offered = db.scalars(
        select(IncomingTransfer).where(IncomingTransfer.id == uuid.UUID(transfer_id))
    ).first()
    if offered is None or offered.status is TransferStatus.REQUESTED:
        return
    with _in_commune(offered.from_commune_id, "transfer reply") as there:
        asked = there.scalars(
            select(OutgoingTransfer).where(OutgoingTransfer.id == offered.id)
        ).first()
        if asked is None or asked.status is offered.status:
            return
        if asked.status is TransferStatus.CANCELLED:
            logger.warning(
                "transfer %s was answered after it was cancelled; the answer "
                "stands, since the receiving commune acted on it",
                offered.id,
            )
        asked.status = offered.status
        asked.decided_at = offered.decided_at
        asked.decided_by_name = offered.decided_by_name
        if offered.status is TransferStatus.ACCEPTED:
            _moved_out(there, asked, commune)
        there.commit()


def _moved_out(db: Session, asked: OutgoingTransfer, to: Commune) -> None:
    person = db.scalars(select(Person).where(Person.id == asked.person_id)).one()
    person.status = PersonStatus.MOVED_OUT
    open_cases = db.scalars(
        select(Case).where(Case.person_id == person.id, Case.status == CaseStatus.OPEN)
    )
    for case in open_cases:
        close_case(
            db,
            case,
            {
                "outcome": CaseOutcome.MOVED,
                "closed_on": max(local_today(), case.start_on),
                "note": f"Chuyển đến {to.name}",
            },
            by_name=asked.decided_by_name or "",
        )
    mentoring.release(db, person.id, local_today())
    # What was due here is no longer this commune's work; the report of the
    # move itself still is.
    worklist.resolve(
        db,
        person_id=person.id,
        status=ItemStatus.DISMISSED,
        keep_kinds=["move_report"],
    )
    record(
        db,
        "person.moved",
        object_type="person",
        object_id=person.id,
        details={"to": str(to.id), "transfer": str(asked.id)},
    )
    emit(db, "person_moved", person.id, direction="out", to_commune=str(to.id))

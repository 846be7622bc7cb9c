"""Factories: build regions, communes, accounts, roles and commune-owned rows.

``TENANT_FACTORIES`` must name a factory for every commune-owned model and
``PATH_FACTORIES`` one for every object id that appears in a commune's URLs;
the isolation harness fails, naming what is missing, when one is not there.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access import service as access_service
from core.access.models import Membership, MembershipHamlet
from core.access.policy import permissions_in_commune, permissions_in_region
from core.audit import trail
from core.audit.models import AuditEvent, AuditHead
from core.breakglass.models import AccessGrant
from core.cases import service as case_service
from core.cases.models import Case, CaseExtension
from core.commitments import service as commitment_service
from core.commitments.models import (
    Commitment,
    CommitmentBreach,
    CommitmentReview,
    CommitmentScan,
)
from core.db import Database, local_today, stamp
from core.errors import NotFound
from core.files import service as file_service
from core.files.models import StoredFile
from core.hamlets import service as hamlet_service
from core.hamlets.models import Hamlet
from core.identity import authn
from core.identity import service as identity_service
from core.identity.models import User
from core.jobs.models import Job, JobStatus
from core.mentoring import service as mentoring_service
from core.mentoring.models import Assignment, Contact
from core.organisation import service as organisation_service
from core.organisation.models import HamletStaff, Team, TeamMember
from core.people import service as people_service
from core.people.models import Person, TierChange
from core.plugin_host.models import CommunePlugin
from core.statistics.models import Audience, CommuneExport, ExportFormat, ExportStatus
from core.support import service as support_service
from core.support.models import Support
from core.transfers.models import IncomingTransfer, OutgoingTransfer
from core.worklist import service as worklist_service
from core.worklist.models import WorkItem
from plugins.bulletin.models import Notice, Receipt
from plugins.compulsory_rehab import service as compulsory_rehab
from plugins.compulsory_rehab.models import Document as RehabDocument
from plugins.compulsory_rehab.models import Dossier
from plugins.counselling import service as counselling
from plugins.counselling.models import Channel as MessageChannel
from plugins.counselling.models import ChannelKind, Delivery, Purpose
from plugins.counselling.models import Contact as ReminderContact
from plugins.counselling.models import Entry as CounsellingEntry
from plugins.counselling.models import Message as Reminder
from plugins.drug_testing import service as drug_testing
from plugins.drug_testing.models import Disclosure, DrugTest, Referral
from plugins.methadone import service as methadone
from plugins.methadone.models import (
    Alert,
    AlertKind,
    Attendance,
    AttendanceImport,
    Attended,
    DispensingPoint,
    DoseChange,
    Enrolment,
)
from plugins.outreach import service as outreach
from plugins.outreach.models import OutreachSession
from plugins.tips import service as tips
from plugins.tips.models import (
    HamletLink,
    Message,
    PersonLink,
    SealedIdentity,
    Submission,
    Tip,
    TipPhoto,
    Unseal,
)
from tenants import divisions, onboarding
from tenants.isolation import bind_tenant
from tenants.models import Commune, Region, RegionKind

PASSWORD = "correct horse battery"
_counter = itertools.count(1)

# Real communes of Phú Thọ (25).
COMMUNE_CODES = ("05089", "05098", "05128", "05266")


def province(db: Session, code: str = "25") -> Region:
    try:
        return onboarding.get_region(db, code)
    except NotFound:
        return onboarding.create_region(db, kind=RegionKind.PROVINCE, code=code)


def commune(db: Session, code: str, region: Region | None = None) -> Commune:
    official = divisions.find_commune(code)
    assert official is not None
    region = region or province(db, official.province_code)
    return onboarding.create_commune(db, region=region, code=code)


def user(db: Session, username: str | None = None, **extra: Any) -> User:
    name = username or f"user{next(_counter)}"
    return identity_service.create_user(
        db, username=name, full_name=f"Cán bộ {name}", password=PASSWORD, **extra
    )


def grant(
    db: Session,
    account: User,
    role: str,
    *,
    commune: Commune | None = None,
    region: Region | None = None,
    hamlets: list[uuid.UUID] | None = None,
) -> Membership:
    operator = authn.operator("tests")
    if commune is not None:
        return access_service.grant_in_commune(
            db, operator, account, commune, role, hamlets or []
        )
    assert region is not None
    return access_service.grant_in_region(db, operator, account, region, role)


def hamlet(db: Session, name: str | None = None, **values: Any) -> Hamlet:
    values.setdefault("kind", "xom")
    return hamlet_service.create(
        db, {"name": name or f"Xóm {next(_counter)}", **values}
    )


def token(
    db: Session,
    account: User,
    *,
    commune: Commune | None = None,
    region: Region | None = None,
    permissions: set[str] | None = None,
) -> str:
    """A bearer token carrying every permission the account holds there."""
    principal = authn.Principal(user_id=account.id, username=account.username, via="t")
    holdable = (
        permissions_in_commune(db, principal, commune)
        if commune is not None
        else permissions_in_region(db, principal, region)  # type: ignore[arg-type]
    )
    _record, secret = identity_service.create_token(
        db,
        account,
        name="test",
        permissions=permissions or set(holdable),
        holdable=holdable,
        days=1,
        max_days=30,
        commune=commune,
        region=region,
    )
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@dataclass
class Staffed:
    """A commune with a chief who holds a token there."""

    commune: Commune
    chief: User
    token: str


def staffed_commune(
    database: Database, code: str, role: str = "commune_chief"
) -> Staffed:
    with database.session() as db:
        place = commune(db, code)
        chief = user(db)
        grant(db, chief, role, commune=place)
        secret = token(db, chief, commune=place)
        db.commit()
        return Staffed(place, chief, secret)


def region_admin(database: Database, code: str = "25") -> tuple[User, str]:
    """A new region admin of province ``code``, with a token in the region."""
    with database.session() as db:
        region = province(db, code)
        account = user(db)
        grant(db, account, "region_admin", region=region)
        secret = token(db, account, region=region)
        db.commit()
        return account, secret


def member(
    database: Database, staffed: Staffed, role: str, **grant_options: Any
) -> tuple[User, str]:
    """Another account holding ``role`` in the staffed commune, with a token."""
    with database.session() as db:
        account = user(db)
        grant(db, account, role, commune=staffed.commune, **grant_options)
        secret = token(db, account, commune=staffed.commune)
        db.commit()
        return account, secret


def mentor(
    database: Database, staffed: Staffed, person_id: uuid.UUID | str
) -> tuple[User, str]:
    """A new officer made responsible for the person (so they reach them),
    with a token."""
    account, secret = member(database, staffed, "officer")
    session = in_commune(database, staffed.commune)
    try:
        subject = people_service.get(session, uuid.UUID(str(person_id)))
        mentoring_service.assign(
            session, subject, account.id, started_on=None, reason=None, by_name="t"
        )
        session.commit()
    finally:
        session.close()
    return account, secret


def person_id_in(url: str) -> str:
    """The person's id in an address under /persons/<id>/."""
    return url.split("/persons/", 1)[1].split("/", 1)[0]


# -- what the isolation harness needs --------------------------------------


def _membership_hamlet(db: Session, place: Commune) -> MembershipHamlet:
    member = user(db)
    ham = hamlet(db)
    membership = grant(db, member, "hamlet_member", commune=place, hamlets=[ham.id])
    db.flush()
    found = db.get(MembershipHamlet, (place.id, membership.id, ham.id))
    assert found is not None
    return found


def plugin_on(db: Session, name: str = "bulletin") -> CommunePlugin:
    """Switch a plugin on in the session's commune, settings at their defaults."""
    row = CommunePlugin(name=name, enabled=True, settings={})
    db.add(row)
    db.flush()
    return row


# Plugins the isolation harness switches on in its communes, so that their
# routes answer another commune's member with 403, not 404.
HARNESS_PLUGINS = (
    "bulletin",
    "compulsory_rehab",
    "counselling",
    "drug_testing",
    "methadone",
    "outreach",
    "tips",
)


def _harness_plugins(db: Session) -> CommunePlugin:
    first, *_others = (plugin_on(db, name) for name in HARNESS_PLUGINS)
    return first


def job(db: Session, status: JobStatus = JobStatus.FAILED) -> Job:
    """An outbox row written directly, so nothing is dispatched."""
    row = Job(name="bulletin.announce", arguments={}, status=status)
    db.add(row)
    db.flush()
    return row


def notice(db: Session, title: str = "Họp giao ban thứ Hai") -> Notice:
    row = Notice(title=title, body="Tại trụ sở Công an xã.")
    db.add(row)
    db.flush()
    return row


def _receipt(db: Session, place: Commune) -> Receipt:
    row = Receipt(notice_id=notice(db).id, user_id=uuid.uuid4())
    db.add(row)
    db.flush()
    return row


def audit_link(db: Session, place: Commune) -> AuditEvent:
    """A link of the commune's audit chain, written the way the app writes one."""
    trail.record(db, "tests.mark", object_type="tests")
    trail.before_commit(db)
    return db.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()


def _audit_head(db: Session, place: Commune) -> AuditHead:
    audit_link(db, place)
    return db.scalars(select(AuditHead)).one()


def access_grant(db: Session, place: Commune) -> AccessGrant:
    """A break-glass request, written directly (no notice job is queued)."""
    row = AccessGrant(
        requester_id=uuid.uuid4(),
        requester_name="outsider",
        subject_id=uuid.uuid4(),
        reason="Cần đối chiếu hồ sơ chuyển đến",
        hours=4,
    )
    db.add(row)
    db.flush()
    return row


def person(db: Session, full_name: str = "Nguyễn Văn An", **values: Any) -> Person:
    """A person's file, written through the service (so sealed and indexed)."""
    return people_service.create(db, {"full_name": full_name, **values})


def officer(db: Session, place: Commune, role: str = "officer") -> User:
    """A staff account holding ``role`` (an officer) in ``place``."""
    account = user(db)
    grant(db, account, role, commune=place)
    return account


def case(
    db: Session,
    subject: Person | None = None,
    kind: str = "illegal_use_management",
    **values: Any,
) -> Case:
    """A case opened through the service, on a decision of 5 January 2026."""
    return case_service.open_case(
        db,
        subject or person(db, "Lò Văn Cường"),
        {
            "kind": kind,
            "decision_number": f"{next(_counter):02d}/QĐ-UBND",
            "decision_on": date(2026, 1, 5),
            "decided_by": "Chủ tịch UBND xã",
            **values,
        },
    )


def _extension(db: Session, place: Commune) -> CaseExtension:
    opened = case(db)
    return case_service.extend(
        db,
        opened,
        {
            "decision_number": "15/QĐ-UBND",
            "decision_on": date(2026, 12, 1),
            "decided_by": "Chủ tịch UBND xã",
            "new_end_on": date(2027, 4, 5),
            "reason": "Tái sử dụng trong thời gian quản lý",
        },
    )


def tier_change(
    db: Session, subject: Person | None = None, tier: int = 1
) -> TierChange:
    return people_service.change_tier(
        db,
        subject or person(db, "Hà Văn Dũng"),
        tier=tier,
        reason="Kết quả xét nghiệm dương tính",
        decided_on=date(2026, 1, 6),
        decided_by=authn.operator("tests"),
    )


def assignment(
    db: Session, place: Commune, subject: Person | None = None
) -> Assignment:
    return mentoring_service.assign(
        db,
        subject or person(db, "Đinh Văn Hải"),
        officer(db, place).id,
        started_on=date(2026, 1, 6),
        reason=None,
        by_name="tests",
    )


def contact(db: Session, subject: Person | None = None, **values: Any) -> Contact:
    return mentoring_service.record_contact(
        db,
        subject or person(db, "Bùi Văn Khánh"),
        {
            "contacted_on": date(2026, 2, 2),
            "channel": "visit",
            "note": "Gia đình hợp tác tốt",
            **values,
        },
        officer_id=None,
        officer_name="Cán bộ kèm cặp",
    )


def work_item(db: Session, subject: Person | None = None) -> WorkItem:
    made = worklist_service.raise_item(
        db,
        key=f"tests:{next(_counter)}",
        kind="contact_due",
        title_vi="Đến hạn gặp gỡ",
        title_en="Contact due",
        due_on=date(2026, 3, 1),
        assignee=worklist_service.CHIEF_DESK,
        person_id=(subject or person(db, "Xa Văn Lâm")).id,
    )
    assert made is not None
    return made


def team(db: Session) -> Team:
    return organisation_service.create_team(
        db,
        {
            "kind": "hamlet_team",
            "name": f"Tổ công tác {next(_counter)}",
            "hamlet_id": hamlet(db).id,
        },
    )


def team_member(db: Session) -> TeamMember:
    return organisation_service.add_member(
        db, team(db), {"full_name": "Bùi Thị Mai", "position": "Tổ trưởng"}
    )


def hamlet_staff(db: Session, place: Commune) -> HamletStaff:
    return organisation_service.serve_hamlet(db, hamlet(db), officer(db, place).id)


def outgoing_transfer(
    db: Session, transfer_id: uuid.UUID | None = None
) -> OutgoingTransfer:
    """A transfer asked of another commune, written directly (no job)."""
    row = OutgoingTransfer(
        id=transfer_id or uuid.uuid4(),
        person_id=person(db, "Lò Thị Hiền").id,
        to_commune_id=uuid.uuid4(),
        to_commune_name="Xã Khác",
        reason="Chuyển đến sống cùng chồng",
        requested_by_name="tests",
    )
    db.add(row)
    db.flush()
    return row


def incoming_transfer(
    db: Session, transfer_id: uuid.UUID | None = None
) -> IncomingTransfer:
    """A file offered by another commune, written directly (no job)."""
    row = IncomingTransfer(
        id=transfer_id or uuid.uuid4(),
        from_commune_id=uuid.uuid4(),
        from_commune_name="Xã Khác",
        source_person_id=uuid.uuid4(),
        reason="Chuyển đến sống cùng chồng",
        file='{"version": 1, "person": {"full_name": "Lò Thị Hiền"}, "cases": []}',
    )
    db.add(row)
    db.flush()
    return row


def _both_halves(db: Session, place: Commune) -> uuid.UUID:
    shared = uuid.uuid4()
    outgoing_transfer(db, shared)
    incoming_transfer(db, shared)
    return shared


# The smallest file every reader takes for a PDF.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def stored_file(
    db: Session, data: bytes = PDF_BYTES, content_type: str = "application/pdf"
) -> StoredFile:
    return file_service.store(
        db,
        data,
        declared_type=content_type,
        filename="cam-ket.pdf",
        by=authn.operator("tests"),
    )


def commitment(
    db: Session, person_id: uuid.UUID | None = None, **values: Any
) -> Commitment:
    """A commitment the person signed, through the service (so sealed)."""
    owner = people_service.get(db, person_id) if person_id else person(db)
    values = {
        "signer_kind": "person",
        "signed_on": date(2025, 3, 1),
        "review_on": date(2025, 9, 1),
        "terms": "Không sử dụng trái phép chất ma túy; trình diện hằng tháng.",
        **values,
    }
    return commitment_service.create(db, owner, values)


def _review(db: Session, place: Commune) -> CommitmentReview:
    return commitment_service.review(
        db,
        commitment(db),
        {
            "reviewed_on": date(2025, 9, 1),
            "outcome": "continued",
            "next_review_on": date(2026, 3, 1),
        },
        authn.operator("tests"),
    )


def _breach(db: Session, place: Commune) -> CommitmentBreach:
    return commitment_service.record_breach(
        db,
        commitment(db),
        {"occurred_on": date(2025, 5, 2), "description": "Không trình diện"},
        authn.operator("tests"),
    )


def scan(db: Session, of: Commitment | None = None) -> CommitmentScan:
    return commitment_service.attach_scan(db, of or commitment(db), stored_file(db))


def support(db: Session, person_id: uuid.UUID | None = None, **values: Any) -> Support:
    owner = people_service.get(db, person_id) if person_id else person(db)
    values = {
        "kind": "vocational_training",
        "what": "Lớp sửa xe máy 3 tháng",
        "provider": "Trung tâm GDNN-GDTX huyện",
        "start_on": date(2025, 4, 1),
        **values,
    }
    return support_service.create(db, owner, values)


# -- the health-team plugins --------------------------------------------------


def drug_test(
    db: Session, person_id: uuid.UUID | None = None, **values: Any
) -> DrugTest:
    """An ad-hoc test due today, through the plugin's service (so its work
    item is raised too)."""
    owner = people_service.get(db, person_id) if person_id else person(db)
    values = {"due_on": local_today(), **values}
    return drug_testing.schedule(db, owner, values, authn.operator("tests"))


def referral(db: Session) -> Referral:
    return drug_testing.refer(
        db,
        person(db, "Quách Văn Sơn"),
        {"referred_on": date(2026, 1, 5), "facility": "Trung tâm Y tế huyện"},
        authn.operator("tests"),
    )


def disclosure(db: Session, place: Commune) -> Disclosure:
    return drug_testing.disclose(
        db,
        person(db, "Bùi Văn Tiến"),
        {
            # Any member will do; making an account costs a password hash.
            "officer_id": min(access_service.staff_of(db, place), default=None)
            or officer(db, place).id,
            "until": date(2099, 1, 1),
            "reason": "Lập hồ sơ đưa vào cơ sở cai nghiện bắt buộc",
        },
        authn.operator("tests"),
        place,
    )


def dispensing_point(db: Session) -> DispensingPoint:
    return methadone.save_point(db, {"name": f"Cơ sở Methadone {next(_counter)}"})


def enrolment(
    db: Session, person_id: uuid.UUID | None = None, **values: Any
) -> Enrolment:
    """A person in treatment at a new dispensing point, through the service."""
    owner = people_service.get(db, person_id) if person_id else person(db)
    values = {
        "point_id": dispensing_point(db).id,
        "patient_code": f"CP-{next(_counter):04d}",
        "started_on": date(2026, 1, 5),
        "phase": "induction",
        "dose_mg": 30,
        **values,
    }
    return methadone.enrol(db, owner, values, authn.operator("tests"))


def _dose_change(db: Session, place: Commune) -> DoseChange:
    return methadone.change_dose(
        db,
        enrolment(db),
        {"changed_on": date(2026, 1, 20), "phase": "dose_adjustment", "dose_mg": 50},
        authn.operator("tests"),
    )


def _attendance(db: Session, place: Commune) -> Attendance:
    """A day of attendance, written directly (no rules job is queued)."""
    row = Attendance(
        enrolment_id=enrolment(db).id,
        day=date(2026, 1, 6),
        status=Attended.TAKEN,
        dose_mg=30,
        **stamp(authn.operator("tests")),
    )
    db.add(row)
    db.flush()
    return row


def _alert(db: Session, place: Commune) -> Alert:
    treated = enrolment(db)
    row = Alert(
        enrolment_id=treated.id,
        person_id=treated.person_id,
        kind=AlertKind.MISSED_DOSES,
        since=date(2026, 1, 6),
        missed=3,
        raised_on=date(2026, 1, 10),
    )
    db.add(row)
    db.flush()
    return row


def _attendance_import(db: Session, place: Commune) -> AttendanceImport:
    """An import waiting for its job, written directly (no job is queued)."""
    treated = enrolment(db)
    row = AttendanceImport(
        point_id=treated.point_id,
        lines=1,
        content=json.dumps([[str(treated.id), "2026-01-07", "taken", 30]]).encode(),
        **stamp(authn.operator("tests")),
    )
    db.add(row)
    db.flush()
    return row


# -- compulsory rehabilitation -------------------------------------------------


def dossier(db: Session, subject: Person | None = None) -> Dossier:
    """A dossier being prepared for an adult in tier 3, through the service."""
    owner = subject or person(db, "Đinh Văn Hải", date_of_birth=date(1990, 3, 4))
    tier_change(db, owner, tier=3)
    return compulsory_rehab.create(
        db, owner, {"opened_on": date(2026, 1, 5)}, authn.operator("tests")
    )


def rehab_document(
    db: Session, of: Dossier | None = None, kind: str = "statement"
) -> RehabDocument:
    """A document of a dossier, with its scan attached."""
    owner = of or dossier(db)
    document = compulsory_rehab.add_document(
        db,
        owner,
        {
            "kind": kind,
            "prepared_by": "Công an xã",
            "prepared_on": date(2026, 1, 6),
            "confirmed_by": "Trưởng Công an xã",
        },
        authn.operator("tests"),
    )
    compulsory_rehab.attach_scan(
        db,
        owner,
        document,
        (PDF_BYTES, "application/pdf", "ho-so.pdf"),
        authn.operator("tests"),
    )
    return document


# -- outreach and counselling ---------------------------------------------------


def outreach_session(db: Session) -> OutreachSession:
    """A session planned at a school, through the service."""
    values = {
        "setting": "school",
        "school": "Trường THCS Tây Phong",
        "place": "Hội trường",
        "topic": "Tác hại của ma túy",
        "planned_on": date(2026, 12, 10),
    }
    return outreach.create(db, values, authn.operator("tests"))


def counselling_entry(db: Session) -> CounsellingEntry:
    values = {
        "occurred_at": datetime(2026, 12, 3, 13, 15, tzinfo=UTC),
        "means": "phone",
        "topic": "family",
        "details": "Mẹ lo con trai dùng ma túy",
    }
    return counselling.create_entry(db, values, authn.operator("tests"))


def message_channel(db: Session) -> MessageChannel:
    """The commune's SMS channel, set up once."""
    found = counselling.get_channel(db, ChannelKind.SMS)
    values = {"url": "https://sms.example.vn/send", "secret": "token"}
    return found or counselling.save_channel(db, ChannelKind.SMS, None, values)


def _channel_kind(db: Session, place: Commune) -> str:
    """A channel only this commune sets up (e-mail in 05089, Zalo elsewhere):
    channels are named by kind, so the isolation harness needs a kind the
    other commune does not have."""
    if place.code == "05089":
        kind, values = ChannelKind.EMAIL, {"host": "mail.example.vn"}
        values["sender"] = "congan@example.vn"
    else:
        kind, values = ChannelKind.ZALO, {"url": "https://zalo.example.vn/send"}
    counselling.save_channel(db, kind, None, {**values, "secret": "token"})
    return kind.value


def reminder_contact(db: Session) -> ReminderContact:
    values = {
        "relation": "family",
        "name": "Bùi Thị Hoa",
        "channel": "sms",
        "phone": "0912 345 678",
    }
    return counselling.add_contact(db, person(db), values, authn.operator("tests"))


def reminder(db: Session) -> Reminder:
    """A reminder written directly, so nothing is sent."""
    row = Reminder(
        contact_id=reminder_contact(db).id,
        purpose=Purpose.APPOINTMENT,
        channel=ChannelKind.SMS,
        at=datetime(2026, 12, 10, 1, 30, tzinfo=UTC),
        place="Trạm Y tế xã",
        status=Delivery.SENT,
        attempts=1,
        recorded_by="tests",
    )
    db.add(row)
    db.flush()
    return row


def commune_export(
    db: Session, audience: Audience = Audience.COMMUNE, content: bytes = PDF_BYTES
) -> CommuneExport:
    """A finished report of the commune, written directly (no job)."""
    row = CommuneExport(
        period_start=date(2026, 11, 1),
        period_end=date(2026, 12, 1),
        period_label="2026-11",
        format=ExportFormat.PDF,
        audience=audience,
        status=ExportStatus.DONE,
        progress=100,
        content=content,
        size=len(content),
        recorded_by="tests",
    )
    db.add(row)
    db.flush()
    return row


# -- tips ------------------------------------------------------------------


def tip(db: Session, **values: Any) -> Tip:
    """A tip as a resident sends it, with contact details (so it has a sealed
    identity), through the service (which queues its announcement)."""
    values = {
        "category": "place",
        "description": "Nhóm thanh niên tụ tập sau nhà văn hóa",
        "contact": "0912 000 111",
        **values,
    }
    return tips.submit(db, values).tip


def _tip_identity(db: Session, place: Commune) -> SealedIdentity:
    found = db.get(SealedIdentity, (place.id, tip(db).id))
    assert found is not None
    return found


def _tip_message(db: Session, place: Commune) -> Message:
    return tips.ask(db, tip(db), "Bạn thấy bao nhiêu người?", authn.operator("t"))


def _tip_person(db: Session, place: Commune) -> PersonLink:
    return tips.link_person(db, tip(db), person(db), authn.operator("tests"))


def _tip_hamlet(db: Session, place: Commune) -> HamletLink:
    return tips.link_hamlet(db, tip(db), hamlet(db).id, authn.operator("tests"))


def _tip_unseal(db: Session, place: Commune) -> Unseal:
    subject = tip(db)
    tips.unseal(db, subject, "Cần mời làm nhân chứng", authn.operator("tests"))
    (found,) = tips.unseals(db)
    return found


def _tip_photo(db: Session, place: Commune) -> TipPhoto:
    row = TipPhoto(tip_id=tip(db).id, file_id=stored_file(db).id)
    db.add(row)
    db.flush()
    return row


def _tip_submission(db: Session, place: Commune) -> Submission:
    answer = {"receipt_code": "TEST"}
    key = f"key-{next(_counter)}"
    assert tips.remember(db, key, "fingerprint", answer)
    return db.scalars(select(Submission)).all()[-1]


# Per commune-owned model: build one row in the commune the session is bound to.
TENANT_FACTORIES: dict[type, Callable[[Session, Commune], Any]] = {
    Hamlet: lambda db, place: hamlet(db),
    MembershipHamlet: _membership_hamlet,
    CommunePlugin: lambda db, place: _harness_plugins(db),
    Job: lambda db, place: job(db),
    Notice: lambda db, place: notice(db),
    Receipt: _receipt,
    AuditEvent: audit_link,
    AuditHead: _audit_head,
    AccessGrant: access_grant,
    Person: lambda db, place: person(db),
    TierChange: lambda db, place: tier_change(db),
    Case: lambda db, place: case(db),
    CaseExtension: _extension,
    Assignment: assignment,
    Contact: lambda db, place: contact(db),
    WorkItem: lambda db, place: work_item(db),
    Team: lambda db, place: team(db),
    TeamMember: lambda db, place: team_member(db),
    HamletStaff: hamlet_staff,
    OutgoingTransfer: lambda db, place: outgoing_transfer(db),
    IncomingTransfer: lambda db, place: incoming_transfer(db),
    StoredFile: lambda db, place: stored_file(db),
    Commitment: lambda db, place: commitment(db),
    CommitmentReview: _review,
    CommitmentBreach: _breach,
    CommitmentScan: lambda db, place: scan(db),
    Support: lambda db, place: support(db),
    DrugTest: lambda db, place: drug_test(db),
    Referral: lambda db, place: referral(db),
    Disclosure: disclosure,
    DispensingPoint: lambda db, place: dispensing_point(db),
    Enrolment: lambda db, place: enrolment(db),
    DoseChange: _dose_change,
    Attendance: _attendance,
    Alert: _alert,
    AttendanceImport: _attendance_import,
    CommuneExport: lambda db, place: commune_export(db),
    OutreachSession: lambda db, place: outreach_session(db),
    CounsellingEntry: lambda db, place: counselling_entry(db),
    MessageChannel: lambda db, place: message_channel(db),
    ReminderContact: lambda db, place: reminder_contact(db),
    Reminder: lambda db, place: reminder(db),
    Tip: lambda db, place: tip(db),
    SealedIdentity: _tip_identity,
    Message: _tip_message,
    PersonLink: _tip_person,
    HamletLink: _tip_hamlet,
    Unseal: _tip_unseal,
    TipPhoto: _tip_photo,
    Submission: _tip_submission,
    Dossier: lambda db, place: dossier(db),
    RehabDocument: lambda db, place: rehab_document(db),
}

# Per argument in a commune URL: build one such object, return what goes in
# the URL (an id, or a name for plugins).
PATH_FACTORIES: dict[str, Callable[[Session, Commune], Any]] = {
    "hamlet_id": lambda db, place: hamlet(db).id,
    "membership_id": lambda db, place: grant(db, user(db), "viewer", commune=place).id,
    "job_id": lambda db, place: job(db).id,
    "notice_id": lambda db, place: notice(db).id,
    "plugin": lambda db, place: "bulletin",
    "grant_id": lambda db, place: access_grant(db, place).id,
    "person_id": lambda db, place: person(db, "Trần Văn Bình").id,
    "case_id": lambda db, place: case(db).id,
    "contact_id": lambda db, place: contact(db).id,
    "item_id": lambda db, place: work_item(db).id,
    "team_id": lambda db, place: team(db).id,
    "member_id": lambda db, place: team_member(db).id,
    "user_id": lambda db, place: officer(db, place).id,
    # One id for both halves, so incoming and outgoing routes each find theirs.
    "transfer_id": _both_halves,
    "commitment_id": lambda db, place: commitment(db).id,
    "file_id": lambda db, place: scan(db).file_id,
    "support_id": lambda db, place: support(db).id,
    "test_id": lambda db, place: drug_test(db).id,
    "referral_id": lambda db, place: referral(db).id,
    "disclosure_id": lambda db, place: disclosure(db, place).id,
    "point_id": lambda db, place: dispensing_point(db).id,
    "enrolment_id": lambda db, place: enrolment(db).id,
    "export_id": lambda db, place: commune_export(db).id,
    "session_id": lambda db, place: outreach_session(db).id,
    "entry_id": lambda db, place: counselling_entry(db).id,
    "kind": _channel_kind,
    "reminder_contact_id": lambda db, place: reminder_contact(db).id,
    "reminder_id": lambda db, place: reminder(db).id,
    "tip_id": lambda db, place: tip(db).id,
    "dossier_id": lambda db, place: dossier(db).id,
    # The document's own dossier is made too; the harness pairs them by URL.
    "document_id": lambda db, place: rehab_document(db).id,
}


def in_commune(database: Database, place: Commune) -> Session:
    """A new session bound to ``place``; the caller closes it."""
    session = database.sessions()
    bind_tenant(session, place.id)
    return session

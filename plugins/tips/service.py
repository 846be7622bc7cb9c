"""The rules of tips: intake, the receipt-code dialogue, triage, sealing and
unsealing the tipster's identity, retried submissions, and the jobs.

A tip is committed before the tipster gets an answer; the triage desk hears
of it through a job in the outbox, written in the same transaction, so an
accepted tip is never lost and never unannounced. A tip alone never orders a
drug test: the health team is asked to consider one only once the tip was
verified and found actionable.
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.toolkit import (
    CHIEF_DESK,
    HEALTH_DESK,
    PHOTOS,
    Actor,
    Assignee,
    Conflict,
    Hamlet,
    Metric,
    NotFound,
    Person,
    add_once,
    audit,
    blind_index,
    enqueue_job,
    local_today,
    open_apart,
    plugin_settings,
    raise_item,
    refuse,
    resolve,
    seal_apart,
    staff_of,
    stamp,
    store_file,
    tidy,
    utcnow,
)
from plugins.tips.models import (
    Category,
    HamletLink,
    Identified,
    Message,
    Outcome,
    PersonLink,
    SealedIdentity,
    Sender,
    Status,
    Submission,
    Tip,
    TipPhoto,
    Unseal,
)

logger = logging.getLogger(__name__)

NAME = "tips"
NOTIFY_JOB = "tips.notify"
PURGE_JOB = "tips.purge_submissions"
IDENTITY_PURPOSE = "tips:tipster-identity"
RECEIVED = "tip_received"
ANSWERED = "tip_answered"
UNSEALED = "tip_unsealed"
DRUG_TEST = "tip_drug_test_advised"
TITLES = {
    RECEIVED: ("Tin báo mới cần phân loại", "New tip to triage"),
    ANSWERED: ("Người báo tin đã trả lời", "The tipster answered"),
    UNSEALED: (
        "Danh tính người báo tin đã được mở",
        "A tipster's identity was unsealed",
    ),
    DRUG_TEST: (
        "Tin báo đã xác minh: xem xét xét nghiệm ma túy",
        "Verified tip: consider a drug test",
    ),
}
# Where triage may go from each status.
MOVES: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.VERIFYING}),
    Status.VERIFYING: frozenset({Status.ACTIONABLE, Status.NOT_ACTIONABLE}),
    Status.ACTIONABLE: frozenset({Status.VERIFYING, Status.CLOSED}),
    Status.NOT_ACTIONABLE: frozenset({Status.VERIFYING, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}
# Crockford's base32: no I, L, O or U, so a code read aloud is not misheard.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS = 5  # of four characters: 100 random bits
PASSPHRASE_GROUPS = 4  # 80 random bits
KEEP_SUBMISSIONS = timedelta(days=1)
MAX_PHOTOS = 3
# OWASP's minimum for argon2id: slow enough against a stolen dump, quick
# enough for a phone waiting on a weak network.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


@dataclass
class Tipster:
    """The author of a tip or an answer: a resident with no account."""

    user_id: uuid.UUID | None = None
    username: str = "tipster"


@dataclass
class Receipt:
    """What a tipster is given back: the code and, if the service chose it,
    the passphrase. Shown once; neither is stored in clear."""

    tip: Tip
    code: str
    passphrase: str | None

    def answer(self) -> dict[str, Any]:
        return {
            "receipt_code": self.code,
            "passphrase": self.passphrase,
            "status": self.tip.status.value,
            "received_at": self.tip.created_at.isoformat(),
        }


def settings(db: Session) -> dict[str, Any]:
    return plugin_settings(db, NAME)


# -- codes and passphrases ------------------------------------------------------


def _random_groups(groups: int) -> str:
    return "-".join(
        "".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(groups)
    )


def normal_code(code: str) -> str:
    """A receipt code as typed, in the form it is hashed in: upper case,
    no dashes or spaces, and the letters people confuse with digits read
    as those digits."""
    cleaned = code.upper().translate(str.maketrans("OIL", "011", " -"))
    return cleaned


def _code_index(db: Session, code: str) -> str:
    return blind_index(db, f"{NAME}:receipt:{normal_code(code)}")


# -- intake ---------------------------------------------------------------------


def check_hamlet(db: Session, hamlet_id: uuid.UUID | None, field: str) -> None:
    if hamlet_id is None:
        return
    if db.scalars(select(Hamlet.id).where(Hamlet.id == hamlet_id)).first() is None:
        raise refuse(field, "Unknown hamlet.", "Choose a hamlet of this commune.")


def hamlet_names(db: Session) -> list[str]:
    """The commune's hamlets, by name: what the public form offers. Names,
    not ids, so the public routes show nothing of the commune's records."""
    return sorted(db.scalars(select(Hamlet.name)))


def hamlet_named(db: Session, name: str | None) -> uuid.UUID | None:
    if not name:
        return None
    found = db.scalars(select(Hamlet.id).where(Hamlet.name == name)).first()
    if found is None:
        raise refuse("hamlet", "Unknown hamlet.", "Choose a hamlet of this commune.")
    return found


def submit(
    db: Session,
    values: Mapping[str, Any],
    *,
    national_identity: Mapping[str, str] | None = None,
    photos: Sequence[tuple[bytes, str | None]] = (),
) -> Receipt:
    """Take a tip in: the tip, its sealed identity if the tipster gave one,
    and the job that tells the triage desk. Flushes; the caller commits
    before answering."""
    cleaned = tidy(
        values, ("hamlet", "place", "description", "contact_name", "contact")
    )
    if not cleaned.get("description"):
        raise refuse(
            "description", "Empty.", "Say what happened: what, where and when."
        )
    hamlet_id = hamlet_named(db, cleaned.get("hamlet"))
    code = _random_groups(CODE_GROUPS)
    chosen = cleaned.get("passphrase") or None
    passphrase = chosen or _random_groups(PASSPHRASE_GROUPS).lower()

    identity: dict[str, Any] = {}
    if national_identity:
        identity["national_identity"] = dict(national_identity)
    if cleaned.get("contact_name"):
        identity["name"] = cleaned["contact_name"]
    if cleaned.get("contact"):
        identity["contact"] = cleaned["contact"]
    identified = (
        Identified.NATIONAL_ID
        if national_identity
        else Identified.CONTACT
        if identity
        else Identified.ANONYMOUS
    )
    tip = Tip(
        category=Category(cleaned["category"]),
        hamlet_id=hamlet_id,
        place=cleaned.get("place") or None,
        happened_on=cleaned.get("happened_on"),
        description=cleaned["description"],
        identified=identified,
        code_index=_code_index(db, code),
        passphrase_hash=_hasher.hash(passphrase),
    )
    db.add(tip)
    db.flush()
    if identity:
        sealed = seal_apart(db, IDENTITY_PURPOSE, json.dumps(identity))
        db.add(SealedIdentity(tip_id=tip.id, sealed=sealed))
    for data, declared in photos:
        add_photo(db, tip, data, declared)
    enqueue_job(db, NOTIFY_JOB, tip_id=tip.id, event=RECEIVED)
    db.flush()
    logger.info("tip %s received (%s)", tip.id, tip.category.value)
    return Receipt(tip, code, None if chosen else passphrase)


def add_photo(db: Session, tip: Tip, data: bytes, declared: str | None) -> TipPhoto:
    """Attach a photo to a tip: type and size checked, EXIF and the like
    (where and when it was taken, on which phone) removed, stored encrypted."""
    if len(photos_of(db, tip.id)) >= MAX_PHOTOS:
        raise refuse("photos", "Too many.", f"A tip takes at most {MAX_PHOTOS} photos.")
    stored = store_file(
        db,
        data,
        declared_type=declared,
        filename=None,
        by=Tipster(),
        allowed=PHOTOS,
        strip_metadata=True,
    )
    photo = TipPhoto(tip_id=tip.id, file_id=stored.id)
    db.add(photo)
    db.flush()
    return photo


# -- retried submissions ----------------------------------------------------------


def fingerprint(db: Session, body: Mapping[str, Any]) -> str:
    """A keyed hash of what was sent, to tell a retry from a different tip
    sent with the same key by mistake."""
    return blind_index(db, json.dumps(body, sort_keys=True, default=str))


def _key_index(db: Session, key: str) -> str:
    return blind_index(db, f"{NAME}:idempotency:{key}")


def replay(db: Session, key: str, printed: str) -> dict[str, Any] | None:
    """The answer already given to ``key``, or None if it is new."""
    found = db.scalars(
        select(Submission).where(Submission.key_index == _key_index(db, key))
    ).first()
    if found is None or found.created_at < utcnow() - KEEP_SUBMISSIONS:
        return None
    if found.fingerprint != printed:
        raise Conflict(
            "This Idempotency-Key was used for a different tip. Send a new tip "
            "with a new key.",
            slug="idempotency-key-reused",
        )
    answer: dict[str, Any] = json.loads(found.answer)
    return answer


def remember(db: Session, key: str, printed: str, answer: Mapping[str, Any]) -> bool:
    """Keep the answer for retries; False if a concurrent retry kept its own
    first (the caller then drops its tip and answers with that one)."""
    index = _key_index(db, key)
    db.execute(
        delete(Submission).where(
            Submission.key_index == index,
            Submission.created_at < utcnow() - KEEP_SUBMISSIONS,
        )
    )
    row = Submission(key_index=index, fingerprint=printed, answer=json.dumps(answer))
    if not add_once(db, row):
        logger.info("a retried tip was taken by a concurrent request")
        return False
    return True


def purge_submissions(db: Session, _commune: Any) -> None:
    """Job: forget retry answers older than a day (they hold receipts)."""
    db.execute(
        delete(Submission).where(Submission.created_at < utcnow() - KEEP_SUBMISSIONS)
    )


# -- the tipster's side of the dialogue ----------------------------------------


def find_by_receipt(db: Session, code: str, passphrase: str) -> Tip | None:
    """The tip of a receipt code and passphrase, or None if either is wrong."""
    tip = db.scalars(select(Tip).where(Tip.code_index == _code_index(db, code))).first()
    if tip is None:
        # Spend the time a real check would, so a wrong code and a wrong
        # passphrase cannot be told apart by how long the answer takes.
        _hasher.hash(passphrase)
        return None
    try:
        _hasher.verify(tip.passphrase_hash, passphrase)
    except (VerificationError, InvalidHashError):
        return None
    return tip


def messages_of(db: Session, tip_id: uuid.UUID) -> list[Message]:
    return list(
        db.scalars(
            select(Message)
            .where(Message.tip_id == tip_id)
            .order_by(Message.created_at, Message.id)
        )
    )


def answer(db: Session, tip: Tip, body: str) -> Message:
    """The tipster answers; the tip's officer (or the desk) is told by a job."""
    if tip.status is Status.CLOSED:
        raise Conflict(
            "This tip is closed; send a new tip if you have something new to say."
        )
    text = tidy({"body": body}, ("body",)).get("body")
    if not text:
        raise refuse("body", "Empty.", "Write your answer.")
    message = Message(tip_id=tip.id, sender=Sender.TIPSTER, body=text)
    db.add(message)
    db.flush()
    enqueue_job(db, NOTIFY_JOB, tip_id=tip.id, event=ANSWERED, message_id=message.id)
    return message


# -- triage ---------------------------------------------------------------------


def get(db: Session, tip_id: uuid.UUID) -> Tip:
    tip = db.scalars(select(Tip).where(Tip.id == tip_id)).first()
    if tip is None:
        raise NotFound("No tip of this commune has that id.")
    return tip


def _responded(tip: Tip) -> None:
    if tip.first_response_at is None:
        tip.first_response_at = utcnow()


def triage(
    db: Session, tip: Tip, values: Mapping[str, Any], by: Actor, commune: Any
) -> Tip:
    """Move a tip along, assign it, mark it valuable, record its outcome."""
    cleaned = tidy(values, ("outcome_note",))
    if "assignee_id" in cleaned:
        assignee = cleaned["assignee_id"]
        if assignee is not None and assignee not in staff_of(db, commune):
            raise refuse(
                "assignee_id",
                "Not staff here.",
                "Assign the tip to an account that holds a role in this commune.",
            )
        tip.assignee_id = assignee
    if "hamlet_id" in cleaned:
        check_hamlet(db, cleaned["hamlet_id"], "hamlet_id")
        tip.hamlet_id = cleaned["hamlet_id"]
    if "valuable" in cleaned:
        tip.valuable = cleaned["valuable"]
    if "outcome" in cleaned:
        tip.outcome = Outcome(cleaned["outcome"]) if cleaned["outcome"] else None
    if cleaned.get("outcome_note"):
        tip.outcome_note = cleaned["outcome_note"]
    if "status" in cleaned:
        _move(tip, Status(cleaned["status"]))
    _responded(tip)
    db.flush()
    if tip.status is not Status.NEW:
        resolve(db, subject_id=tip.id, kinds=[RECEIVED], by_name=by.username)
    return tip


def _move(tip: Tip, target: Status) -> None:
    if target is tip.status:
        return
    if target not in MOVES[tip.status]:
        allowed = ", ".join(sorted(s.value for s in MOVES[tip.status])) or "none"
        raise refuse(
            "status",
            "Not a next step.",
            f"A {tip.status.value} tip can move to: {allowed}.",
        )
    if target is Status.CLOSED and tip.outcome is None:
        raise refuse(
            "outcome", "Needed to close.", "Say how the tip ended to close it."
        )
    if target in (Status.ACTIONABLE, Status.NOT_ACTIONABLE):
        tip.verified_at = utcnow()
    if target is Status.CLOSED:
        tip.closed_at = utcnow()
    tip.status = target


def ask(db: Session, tip: Tip, body: str, by: Actor) -> Message:
    """An officer's question to the tipster, read with the receipt code."""
    if tip.status is Status.CLOSED:
        raise Conflict("This tip is closed; the tipster can no longer answer.")
    text = tidy({"body": body}, ("body",)).get("body")
    if not text:
        raise refuse("body", "Empty.", "Write the question.")
    message = Message(
        tip_id=tip.id,
        sender=Sender.OFFICER,
        body=text,
        author_id=by.user_id,
        author_name=by.username[:64],
    )
    db.add(message)
    _responded(tip)
    db.flush()
    return message


def link_person(db: Session, tip: Tip, person: Person, by: Actor) -> PersonLink:
    found = db.get(PersonLink, (tip.tenant_id, tip.id, person.id))
    if found is not None:
        return found
    link = PersonLink(tip_id=tip.id, person_id=person.id, **stamp(by))
    db.add(link)
    _responded(tip)
    db.flush()
    return link


def link_hamlet(db: Session, tip: Tip, hamlet_id: uuid.UUID, by: Actor) -> HamletLink:
    check_hamlet(db, hamlet_id, "hamlet_id")
    found = db.get(HamletLink, (tip.tenant_id, tip.id, hamlet_id))
    if found is not None:
        return found
    link = HamletLink(tip_id=tip.id, hamlet_id=hamlet_id, **stamp(by))
    db.add(link)
    db.flush()
    return link


def photos_of(db: Session, tip_id: uuid.UUID) -> list[uuid.UUID]:
    return list(db.scalars(select(TipPhoto.file_id).where(TipPhoto.tip_id == tip_id)))


def people_of(db: Session, tip_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        db.scalars(select(PersonLink.person_id).where(PersonLink.tip_id == tip_id))
    )


def hamlets_of(db: Session, tip_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        db.scalars(select(HamletLink.hamlet_id).where(HamletLink.tip_id == tip_id))
    )


def advise_drug_test(db: Session, tip: Tip, person: Person, by: Actor) -> None:
    """Ask the health desk to consider a drug test of a person the tip names.

    A tip alone never orders a test: it must first be verified and found
    actionable, and even then the health team decides (drug_testing's own
    rules); this only puts the question on their list.
    """
    if tip.status is not Status.ACTIONABLE:
        raise Conflict(
            "A tip alone never orders a drug test: verify it first and mark it "
            "actionable, then ask the health team.",
            slug="tip-not-verified",
        )
    if db.get(PersonLink, (tip.tenant_id, tip.id, person.id)) is None:
        raise NotFound("This tip is not linked to that person; link them first.")
    title_vi, title_en = TITLES[DRUG_TEST]
    raise_item(
        db,
        key=f"{DRUG_TEST}:{tip.id}:{person.id}",
        kind=DRUG_TEST,
        title_vi=title_vi,
        title_en=title_en,
        due_on=local_today(),
        assignee=HEALTH_DESK,
        person_id=person.id,
        subject_id=tip.id,
        origin=NAME,
    )
    logger.info("tip %s: health desk asked to consider a drug test", tip.id)


# -- sealed identity ---------------------------------------------------------------


def unseal(db: Session, tip: Tip, reason: str, by: Actor) -> dict[str, Any]:
    """Open the tipster's identity for the chief: the reason is kept, the
    read audited, and the other holders of tips:unseal see it on the
    chief's desk and in the register of unseals."""
    cleaned = tidy({"reason": reason}, ("reason",)).get("reason") or ""
    if len(cleaned) < 10:
        raise refuse(
            "reason",
            "Too short.",
            "Write why the tipster's identity must be opened (at least ten "
            "characters); the other holders of this right will read it.",
        )
    sealed = db.get(SealedIdentity, (tip.tenant_id, tip.id))
    if sealed is None:
        raise NotFound(
            "This tipster stayed anonymous: there is no identity to unseal.",
            slug="anonymous-tip",
        )
    record = Unseal(tip_id=tip.id, reason=cleaned, **stamp(by))
    db.add(record)
    db.flush()
    audit(
        db,
        "tips.unseal",
        object_type="tips_tips",
        object_id=tip.id,
        fields=["tipster_identity"],
        details={"unseal_id": str(record.id)},
    )
    title_vi, title_en = TITLES[UNSEALED]
    raise_item(
        db,
        key=f"{UNSEALED}:{record.id}",
        kind=UNSEALED,
        title_vi=title_vi,
        title_en=title_en,
        due_on=local_today(),
        assignee=CHIEF_DESK,
        subject_id=tip.id,
        origin=NAME,
    )
    logger.info("tip %s: tipster identity unsealed (%s)", tip.id, record.id)
    identity: dict[str, Any] = json.loads(
        open_apart(db, IDENTITY_PURPOSE, sealed.sealed)
    )
    return identity


def unseals(db: Session) -> list[Unseal]:
    return list(
        db.scalars(select(Unseal).order_by(Unseal.recorded_at.desc(), Unseal.id))
    )


# -- jobs ------------------------------------------------------------------------


def notify(
    db: Session,
    _commune: Any,
    tip_id: str,
    event: str,
    message_id: str | None = None,
) -> None:
    """Job: put a new tip, or a tipster's answer, on the triage desk's list
    (the assigned officer's, or the chief's desk). Idempotent by key."""
    tip = db.scalars(select(Tip).where(Tip.id == uuid.UUID(tip_id))).first()
    if tip is None:
        return
    if event == RECEIVED and tip.status is not Status.NEW:
        return  # already picked up before the job ran
    assignee = Assignee(officer_id=tip.assignee_id) if tip.assignee_id else CHIEF_DESK
    title_vi, title_en = TITLES[event]
    raise_item(
        db,
        key=f"{event}:{message_id or tip_id}",
        kind=event,
        title_vi=title_vi,
        title_en=title_en,
        due_on=local_today(),
        assignee=assignee,
        subject_id=tip.id,
        origin=NAME,
    )


# -- the dashboard ----------------------------------------------------------------

_CATEGORY_WORDS = {
    Category.USE: ("Tin báo về sử dụng ma túy", "Tips about drug use"),
    Category.DEALING: ("Tin báo về mua bán ma túy", "Tips about dealing"),
    Category.PLACE: ("Tin báo về điểm sử dụng", "Tips about places of use"),
    Category.NEEDS_HELP: (
        "Tin báo về người cần giúp đỡ",
        "Tips about someone who needs help",
    ),
}


def metrics(db: Session, start: date, end: date) -> list[Metric]:
    """Counts only, each additive across communes: tips by category and
    hamlet, how many were answered and the hours it took in all (an average
    is their quotient), and how many were verified and found valuable."""
    since = datetime.combine(start, time(), tzinfo=UTC)
    until = datetime.combine(end, time(), tzinfo=UTC)
    period = (Tip.created_at >= since, Tip.created_at < until)
    found: list[Metric] = []
    total = db.scalar(select(func.count(Tip.id)).where(*period)) or 0
    found.append(Metric("tips.received", "Tin báo nhận được", "Tips received", total))
    # The desk's queue at the end of the period: tips nobody has looked at.
    waiting = db.scalar(
        select(func.count(Tip.id)).where(
            Tip.status == Status.NEW, Tip.created_at < until
        )
    )
    found.append(
        Metric(
            "tips.awaiting",
            "Tin báo chờ xử lý",
            "Tips awaiting triage",
            waiting or 0,
            stock=True,
            link="tips_web.desk",
        )
    )
    by_category = dict(
        db.execute(
            select(Tip.category, func.count(Tip.id))
            .where(*period)
            .group_by(Tip.category)
        ).all()
    )
    for category, (label_vi, label_en) in _CATEGORY_WORDS.items():
        found.append(
            Metric(
                f"tips.{category.value}",
                label_vi,
                label_en,
                int(by_category.get(category, 0)),
            )
        )
    by_hamlet = db.execute(
        select(Tip.hamlet_id, Tip.category, func.count(Tip.id))
        .where(*period, Tip.hamlet_id.is_not(None))
        .group_by(Tip.hamlet_id, Tip.category)
    ).all()
    for hamlet_id, category, count in by_hamlet:
        label_vi, label_en = _CATEGORY_WORDS[category]
        found.append(
            Metric(
                f"tips.{category.value}",
                label_vi,
                label_en,
                int(count),
                hamlet_id=hamlet_id,
                concentration=category is Category.PLACE,
            )
        )
    answered: list[tuple[datetime, datetime]] = [
        (created, responded)
        for created, responded in db.execute(
            select(Tip.created_at, Tip.first_response_at).where(
                *period, Tip.first_response_at.is_not(None)
            )
        )
        if responded is not None
    ]
    hours = sum(
        int((responded - created).total_seconds() // 3600)
        for created, responded in answered
    )
    verified = db.scalar(
        select(func.count(Tip.id)).where(*period, Tip.verified_at.is_not(None))
    )
    valuable = db.scalar(select(func.count(Tip.id)).where(*period, Tip.valuable))
    found += [
        Metric("tips.responded", "Tin báo đã phản hồi", "Tips answered", len(answered)),
        Metric(
            "tips.response_hours",
            "Tổng số giờ đến phản hồi đầu tiên",
            "Hours to first response, summed",
            hours,
        ),
        Metric("tips.verified", "Tin báo đã xác minh", "Tips verified", verified or 0),
        Metric("tips.valuable", "Tin báo có giá trị", "Valuable tips", valuable or 0),
    ]
    return found

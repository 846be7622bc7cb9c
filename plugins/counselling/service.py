"""The rules of counselling: the log, contacts and their consent, the
commune's channels, and reminders delivered by a job through the outbox,
outside quiet hours, retried when a channel fails."""

from __future__ import annotations

import logging
import unicodedata
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from core.toolkit import (
    Actor,
    Conflict,
    Invalid,
    Metric,
    NotFound,
    Person,
    audit,
    bound_commune,
    enqueue_job,
    field_error,
    plugin_settings,
    reachable,
    stamp,
    tidy,
    utcnow,
)
from plugins.counselling.channels import SENDERS, ChannelError
from plugins.counselling.models import (
    Channel,
    ChannelKind,
    Contact,
    Delivery,
    Entry,
    Message,
)

logger = logging.getLogger(__name__)

NAME = "counselling"
DELIVER_JOB = "counselling.deliver"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
ENTRY_FIELDS = ("caller", "details", "advice", "referral")
CONTACT_FIELDS = ("name", "phone", "email", "zalo_user_id")
# Words in a reminder's place that would tell whoever reads it why it was
# sent; compared without accents or case, as people type both ways.
TELLING_WORDS = (
    "ma tuy",
    "nghien",
    "methadon",
    "heroin",
    "xet nghiem",
    "drug",
    "rehab",
    "addict",
)
# The address each channel needs on a contact.
ADDRESS = {
    ChannelKind.SMS: "phone",
    ChannelKind.ZALO: "zalo_user_id",
    ChannelKind.EMAIL: "email",
}


def settings(session: Session) -> dict[str, Any]:
    return plugin_settings(session, NAME)


# -- the log ------------------------------------------------------------------


def get_entry(session: Session, entry_id: uuid.UUID) -> Entry:
    entry = session.scalars(select(Entry).where(Entry.id == entry_id)).first()
    if entry is None:
        raise NotFound("No counselling entry of this commune has that id.")
    return entry


def entry_in_reach(session: Session, entry_id: uuid.UUID) -> Entry:
    """The entry, unless it is about a person the caller does not reach."""
    entry = get_entry(session, entry_id)
    if entry.person_id is not None:
        reachable(session, entry.person_id)
    return entry


def log_query(reach: ColumnElement[bool] | None) -> Select[Any]:
    """The log, newest first, narrowed by ``reach`` (the caller's reach of
    people, None for everyone): entries about a person out of reach stay
    hidden; those about nobody in particular are shown."""
    query = select(Entry).order_by(Entry.occurred_at.desc(), Entry.id)
    if reach is not None:
        query = query.where(
            or_(
                Entry.person_id.is_(None),
                Entry.person_id.in_(select(Person.id).where(reach)),
            )
        )
    return query


def note_entries_read(session: Session, entries: list[Entry]) -> None:
    """Audit that the caller saw the free text of these entries."""
    for entry in entries:
        audit(
            session,
            "counselling.read",
            object_type="counselling_entry",
            object_id=entry.id,
            fields=list(ENTRY_FIELDS),
        )


def _check_entry(entry: Entry) -> None:
    if entry.anonymous and entry.caller:
        raise Invalid(
            "An anonymous caller has no name; clear it, or untick anonymous.",
            errors=[field_error("caller", "Given for an anonymous caller.")],
        )


def create_entry(session: Session, values: dict[str, Any], by: Actor) -> Entry:
    entry = Entry(
        tenant_id=bound_commune(session).id,
        **tidy(values, ENTRY_FIELDS),
        **stamp(by),
    )
    _check_entry(entry)
    session.add(entry)
    session.flush()
    logger.info("counselling entry %s recorded", entry.id)
    return entry


def change_entry(session: Session, entry: Entry, values: dict[str, Any]) -> None:
    for key, value in tidy(values, ENTRY_FIELDS).items():
        setattr(entry, key, value)
    _check_entry(entry)
    session.flush()


# -- channels -----------------------------------------------------------------


def get_channel(session: Session, kind: ChannelKind) -> Channel | None:
    return session.scalars(select(Channel).where(Channel.kind == kind)).first()


def save_channel(
    session: Session, kind: ChannelKind, channel: Channel | None, values: dict[str, Any]
) -> Channel:
    """Create or replace the commune's settings of one channel. A secret left
    out keeps the stored one; ``null`` removes it."""
    values = tidy(values, ("url", "host", "username", "sender"))
    if channel is None:
        channel = Channel(tenant_id=bound_commune(session).id, kind=kind)
        session.add(channel)
    for key, value in values.items():
        setattr(channel, key, value)
    needs = ("url",) if kind is not ChannelKind.EMAIL else ("host", "sender")
    missing = [name for name in needs if not getattr(channel, name)]
    if channel.enabled and missing:
        raise Invalid(
            "Give the channel's address before switching it on.",
            errors=[field_error(name, "Missing.") for name in missing],
        )
    session.flush()
    logger.info("counselling channel %s saved", kind.value)
    return channel


# -- contacts and consent -----------------------------------------------------


def get_contact(session: Session, contact_id: uuid.UUID) -> Contact:
    contact = session.scalars(select(Contact).where(Contact.id == contact_id)).first()
    if contact is None:
        raise NotFound("No reminder contact of this commune has that id.")
    return contact


def contact_in_reach(session: Session, contact_id: uuid.UUID) -> Contact:
    """The contact, if the caller reaches the person it belongs to."""
    contact = get_contact(session, contact_id)
    reachable(session, contact.person_id)
    return contact


def _check_contact(contact: Contact) -> None:
    field = ADDRESS[contact.channel]
    if not getattr(contact, field):
        raise Invalid(
            "Give the address the chosen channel sends to.",
            errors=[field_error(field, "Missing for this channel.")],
        )


def add_contact(
    session: Session, person: Person, values: dict[str, Any], by: Actor
) -> Contact:
    contact = Contact(
        tenant_id=person.tenant_id,
        person_id=person.id,
        **tidy(values, CONTACT_FIELDS, required=("name",)),
        **stamp(by),
    )
    _check_contact(contact)
    session.add(contact)
    session.flush()
    logger.info("reminder contact %s added", contact.id)
    return contact


def change_contact(session: Session, contact: Contact, values: dict[str, Any]) -> None:
    for key, value in tidy(values, CONTACT_FIELDS, required=("name",)).items():
        setattr(contact, key, value)
    _check_contact(contact)
    session.flush()


def give_consent(session: Session, contact: Contact, basis: str, by: Actor) -> None:
    """Record that the contact agreed to reminders (again, after a withdrawal)."""
    contact.consented_at = utcnow()
    contact.consent_basis = basis
    contact.consent_recorded_by = by.username[:64]
    contact.withdrawn_at = None
    session.flush()
    logger.info("reminder contact %s consented", contact.id)


def withdraw_consent(session: Session, contact: Contact) -> None:
    """The contact wants no more reminders: nothing still queued goes out."""
    if contact.withdrawn_at is None:
        contact.withdrawn_at = utcnow()
    for message in session.scalars(
        select(Message).where(
            Message.contact_id == contact.id,
            Message.status.in_([Delivery.QUEUED, Delivery.RETRYING]),
        )
    ):
        message.status = Delivery.CANCELLED
    session.flush()
    logger.info("reminder contact %s withdrew consent", contact.id)


# -- reminders ----------------------------------------------------------------


def quiet_until(now: datetime, quiet_from: int, quiet_until: int) -> datetime | None:
    """When sending may resume, if ``now`` falls in the quiet hours (Vietnam
    time, ``quiet_from`` o'clock to ``quiet_until`` o'clock, possibly over
    midnight); None when it may go now. Equal hours mean no quiet hours."""
    local = now.astimezone(VIETNAM)
    hour = local.hour
    if quiet_from == quiet_until:
        return None
    if quiet_from < quiet_until:
        quiet = quiet_from <= hour < quiet_until
    else:
        quiet = hour >= quiet_from or hour < quiet_until
    if not quiet:
        return None
    day = local.date() if hour < quiet_until else local.date() + timedelta(days=1)
    return datetime.combine(day, time(quiet_until), tzinfo=VIETNAM)


def remind(
    session: Session,
    contact: Contact,
    values: dict[str, Any],
    by: Actor,
    now: datetime | None = None,
) -> Message:
    """Queue a reminder to ``contact``: refused without their consent or
    without a working channel; held back to the end of quiet hours."""
    if not contact.consenting:
        raise Conflict(
            "This contact has not agreed to reminders (or withdrew): record "
            "their consent first."
        )
    channel = get_channel(session, contact.channel)
    if channel is None or not channel.enabled:
        raise Conflict(
            "The commune has not set up this contact's channel: a chief sets "
            "it up under counselling channels."
        )
    values = tidy(values, ("place",), required=("place",))
    _check_place(values["place"])
    message = Message(
        tenant_id=contact.tenant_id,
        contact_id=contact.id,
        channel=contact.channel,
        status=Delivery.QUEUED,
        attempts=0,
        **values,
        **stamp(by),
    )
    session.add(message)
    session.flush()
    _queue(session, message, now or utcnow(), None)
    logger.info("reminder %s queued", message.id)
    return message


def _folded(text: str) -> str:
    """``text`` in lower case without its accents: "Cai nghiện" → "cai nghien"."""
    bare = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in bare if not unicodedata.combining(c))


def _check_place(place: str) -> None:
    """Refuse a place that names why the reminder is sent: a reminder says
    when and where only, and a family's phone is read by others."""
    folded = _folded(place)
    if any(word in folded for word in TELLING_WORDS):
        raise Invalid(
            "A reminder says only when and where: name the place by its "
            "address or building, not by the treatment or the reason.",
            errors=[field_error("place", "Names the reason for the reminder.")],
        )


def _queue(
    session: Session, message: Message, now: datetime, after: datetime | None
) -> None:
    """Enqueue the delivery job: at ``after``, or at the end of quiet hours
    if that moment (or now) falls in them."""
    config = settings(session)
    moment = after or now
    held = quiet_until(moment, config["quiet_from"], config["quiet_until"])
    run_after = held or after
    message.not_before = run_after
    enqueue_job(session, DELIVER_JOB, run_after=run_after, message_id=message.id)


def render(message: Message, contact: Contact, commune: Any) -> tuple[str, str]:
    """The subject and text of a reminder, in the contact's language: when
    and where, never why."""
    local = message.at.astimezone(VIETNAM)
    with force_locale(contact.language):
        subject = gettext("Reminder from %(commune)s", commune=commune.name)
        text = gettext(
            "Reminder: %(time)s on %(day)s at %(place)s. From %(commune)s.",
            time=local.strftime("%H:%M"),
            day=local.strftime("%d/%m/%Y"),
            place=message.place,
            commune=commune.name,
        )
    return subject, text


def deliver(session: Session, commune: Any, message_id: str) -> None:
    """Job: send one reminder. Idempotent: a message sent, failed or
    cancelled is left alone."""
    deliver_now(session, commune, uuid.UUID(message_id), utcnow())


def deliver_now(
    session: Session, commune: Any, message_id: uuid.UUID, now: datetime
) -> None:
    message = session.scalars(select(Message).where(Message.id == message_id)).first()
    if message is None or message.status not in (Delivery.QUEUED, Delivery.RETRYING):
        return
    contact = get_contact(session, message.contact_id)
    if not contact.consenting:
        message.status = Delivery.CANCELLED
        return
    config = settings(session)
    if quiet_until(now, config["quiet_from"], config["quiet_until"]) is not None:
        _queue(session, message, now, None)  # woke in quiet hours: wait again
        return

    channel = get_channel(session, message.channel)
    message.attempts += 1
    try:
        if channel is None or not channel.enabled:
            raise ChannelError("channel_off")
        subject, text = render(message, contact, commune)
        address = getattr(contact, ADDRESS[message.channel])
        SENDERS[message.channel](channel, address, subject, text)
    except ChannelError as failure:
        # Recorded, not raised: the attempt and its reason must survive, and
        # the next try is a job of its own after the commune's wait.
        message.last_error = failure.code
        if message.attempts >= config["max_attempts"]:
            message.status = Delivery.FAILED
            logger.warning("reminder %s failed for good (%s)", message.id, failure)
            return
        message.status = Delivery.RETRYING
        wait = config["retry_after_seconds"]
        _queue(session, message, now, now + timedelta(seconds=wait) if wait else None)
        logger.info("reminder %s to be tried again (%s)", message.id, failure)
        return
    message.status = Delivery.SENT
    message.sent_at = now
    message.last_error = None
    logger.info("reminder %s sent by %s", message.id, message.channel.value)


# -- figures ------------------------------------------------------------------


def metrics(session: Session, start: date, end: date) -> list[Metric]:
    since = datetime.combine(start, time(), tzinfo=VIETNAM)
    until = datetime.combine(end, time(), tzinfo=VIETNAM)
    entries = session.scalar(
        select(func.count(Entry.id)).where(
            Entry.occurred_at >= since, Entry.occurred_at < until
        )
    )
    sent = session.scalar(
        select(func.count(Message.id)).where(
            Message.status == Delivery.SENT,
            Message.sent_at >= since,
            Message.sent_at < until,
        )
    )
    return [
        Metric(
            "counselling.entries",
            "Lượt tư vấn",
            "Counselling contacts",
            entries or 0,
        ),
        Metric(
            "counselling.reminders_sent",
            "Tin nhắc lịch đã gửi",
            "Reminders sent",
            sent or 0,
        ),
    ]

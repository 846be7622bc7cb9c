"""The counselling pages: /c/<commune>/counselling/...

The hotline and counselling log (newest first, each entry shown audited as
read), the form that records an entry or corrects one, an entry's page; a person's
reminder contacts with their consent and the reminders asked for them; and
the commune's channels, whose secrets are written and never shown. Every
form goes through the API's schemas and services, so a page refuses exactly
what the API refuses, and reaches exactly the entries, people and contacts
the API would. Every page that names a person, or shows their contacts or
reminders, audits the read as the API does.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    NotFound,
    Refusal,
    attempt,
    caller_holds,
    check_version,
    choices,
    note_read,
    people_in_reach,
    people_to_choose,
    reachable,
    read_form,
    request_session,
    requires,
    signed_in,
    utcnow,
)
from plugins.counselling import service
from plugins.counselling.models import (
    ChannelKind,
    Contact,
    Entry,
    Means,
    Message,
    Purpose,
    Relation,
    Topic,
)
from plugins.counselling.schemas import (
    CounsellingEntrySchema,
    CounsellingReminderSchema,
    MessageChannelSchema,
    ReminderConsentSchema,
    ReminderContactSchema,
)

logger = logging.getLogger(__name__)

READ = "counselling:read"
WRITE = "counselling:write"
MANAGE = "counselling:manage"
PAGE_SIZE = 30
# The settings of a channel its form shows again; never its secret.
SHOWN = ("enabled", "url", "host", "port", "starttls", "username", "sender")
# How many reminders of one contact the person's page lists.
LAST_REMINDERS = 10
# What a page naming a person shows of their file.
NAMED = ("full_name",)
# What the person's page shows of each reminder: never its text or address.
REMINDER_SHOWN = (
    "purpose",
    "at",
    "status",
    "attempts",
    "last_error",
    "sent_at",
    "not_before",
)

bp = Blueprint(
    "counselling_web",
    __name__,
    url_prefix="/c/<commune>/counselling",
    template_folder="templates",
)


# -- the log ------------------------------------------------------------------


@bp.get("/")
@requires(READ)
def log() -> Any:
    """The log, newest first, a page at a time; every entry shown is
    audited as read, as through the API. The log's chooser of a person
    (``?person_id=``) leads to that person's reminders."""
    db = request_session()
    chosen = request.args.get("person_id")
    if chosen:
        person = _about(db, chosen)
        db.commit()
        return redirect(
            url_for(".person_reminders", commune=g.commune.slug, person_id=person.id)
        )
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = service.log_query(people_in_reach(db))
    found = list(db.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    entries = found[:PAGE_SIZE]
    service.note_entries_read(db, entries)
    people = people_to_choose(db)
    db.commit()
    return render_template(
        "counselling/log.html",
        entries=entries,
        page=page,
        more=len(found) > PAGE_SIZE,
        people=people,
    )


@bp.get("/entries/new")
@requires(WRITE)
def entry_form(refusal: Refusal | None = None, status: int = 200) -> Any:
    """The form that records a call, message or visit; ``?person=<id>``
    records one about a person the caller reaches."""
    db = request_session()
    asked = request.values.get("person_id") or request.args.get("person")
    person = _about(db, asked) if asked else None
    if person is not None:
        note_read(db, person, "file", NAMED)
    db.commit()
    return _entry_form_page(None, person, refusal, status)


def _entry_form_page(
    entry: Entry | None, person: Any, refusal: Refusal | None, status: int
) -> Any:
    """The entry form, empty for a new entry or filled from ``entry``; after
    a refusal, filled with what was sent."""
    if refusal is not None:
        sent: Any = request.form
    elif entry is not None:
        sent = _entry_values(entry)
    else:
        sent = {}
    return render_template(
        "counselling/entry_form.html",
        entry=entry,
        person=person,
        refusal=refusal,
        sent=sent,
        now=_local_now(),
        means_options=choices(Means),
        topic_options=choices(Topic),
    ), status


def _entry_values(entry: Entry) -> dict[str, Any]:
    """An entry as its form shows it: the moment in Vietnam's time."""
    return {
        "occurred_at": entry.occurred_at.astimezone(service.VIETNAM).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "means": entry.means.value,
        "anonymous": entry.anonymous,
        "caller": entry.caller,
        "topic": entry.topic.value,
        "details": entry.details,
        "advice": entry.advice,
        "referral": entry.referral,
    }


def _about(db: Any, raw: str) -> Any:
    """The person an entry is about, from the form or ``?person=``."""
    try:
        person_id = uuid.UUID(raw)
    except ValueError:
        raise NotFound("No person of this commune has that id.") from None
    return reachable(db, person_id)


def _local_now() -> str:
    """Now in Vietnam, as a ``datetime-local`` input shows it."""
    return utcnow().astimezone(service.VIETNAM).strftime("%Y-%m-%dT%H:%M")


@bp.post("/entries/new")
@requires(WRITE)
def record_entry() -> Any:
    """Record an entry, through the API's schema and service."""
    db = request_session()

    def record() -> Entry:
        values = read_form(CounsellingEntrySchema())
        if values.get("person_id") is not None:
            reachable(db, values["person_id"])
        entry = service.create_entry(db, values, signed_in())
        db.commit()
        return entry

    entry, refusal = attempt(record)
    if refusal is not None:
        return entry_form(refusal=refusal, status=refusal.status)
    assert entry is not None
    logger.info("counselling entry %s recorded from the page", entry.id)
    flash(_("The entry is recorded."))
    return redirect(url_for(".entry_page", commune=g.commune.slug, entry_id=entry.id))


@bp.get("/entries/<uuid:entry_id>")
@requires(READ)
def entry_page(entry_id: uuid.UUID) -> Any:
    """One entry; the read is audited."""
    db = request_session()
    entry = service.entry_in_reach(db, entry_id)
    person = reachable(db, entry.person_id) if entry.person_id else None
    service.note_entries_read(db, [entry])
    if person is not None:
        note_read(db, person, "file", NAMED)
    db.commit()
    return render_template(
        "counselling/entry.html",
        entry=entry,
        person=person,
        can_write=caller_holds(WRITE),
    )


@bp.get("/entries/<uuid:entry_id>/edit")
@requires(WRITE)
def edit_entry_form(
    entry_id: uuid.UUID, refusal: Refusal | None = None, status: int = 200
) -> Any:
    """The entry's form, to correct it; showing its text is a read."""
    db = request_session()
    entry = service.entry_in_reach(db, entry_id)
    person = reachable(db, entry.person_id) if entry.person_id else None
    service.note_entries_read(db, [entry])
    if person is not None:
        note_read(db, person, "file", NAMED)
    db.commit()
    return _entry_form_page(entry, person, refusal, status)


@bp.post("/entries/<uuid:entry_id>/edit")
@requires(WRITE)
def edit_entry(entry_id: uuid.UUID) -> Any:
    """Save the whole form over the entry, as the API's PATCH would with
    every field: the form shows them all, so one left empty is cleared."""
    db = request_session()

    def change() -> Entry:
        entry = service.entry_in_reach(db, entry_id)
        check_version(entry)
        values = read_form(CounsellingEntrySchema())
        if values.get("person_id") is not None:
            reachable(db, values["person_id"])
        service.change_entry(db, entry, values)
        db.commit()
        return entry

    entry, refusal = attempt(change)
    if refusal is not None:
        return edit_entry_form(entry_id, refusal=refusal, status=refusal.status)
    assert entry is not None
    logger.info("counselling entry %s corrected from the page", entry.id)
    flash(_("The entry is saved."))
    return redirect(url_for(".entry_page", commune=g.commune.slug, entry_id=entry.id))


# -- a person's contacts and reminders -----------------------------------------


@bp.get("/people/<uuid:person_id>")
@requires(READ)
def person_reminders(
    person_id: uuid.UUID,
    refusal: Refusal | None = None,
    status: int = 200,
    refused: str = "",
) -> Any:
    """Who may be sent reminders about the person, their consent, and the
    reminders asked for each; the reads are audited as the API's are.
    ``refused`` names the form a refusal belongs to, so that it is shown
    beside that form only."""
    db = request_session()
    person = reachable(db, person_id)
    contacts = list(
        db.scalars(
            select(Contact)
            .where(Contact.person_id == person.id)
            .order_by(Contact.created_at, Contact.id)
        )
    )
    reminders = {
        contact.id: list(
            db.scalars(
                select(Message)
                .where(Message.contact_id == contact.id)
                .order_by(Message.created_at.desc())
                .limit(LAST_REMINDERS)
            )
        )
        for contact in contacts
    }
    note_read(db, person, "file", NAMED)
    if contacts:
        note_read(db, person, "counselling_contacts", service.CONTACT_FIELDS)
    for contact in contacts:
        if reminders[contact.id]:
            note_read(
                db,
                person,
                "counselling_reminders",
                REMINDER_SHOWN,
                {"contact": str(contact.id)},
            )
    db.commit()
    return render_template(
        "counselling/person.html",
        person=person,
        contacts=contacts,
        reminders=reminders,
        refusal=refusal,
        refused=refused,
        sent=request.form if refusal else {},
        relation_options=choices(Relation),
        channel_options=choices(ChannelKind),
        purpose_options=choices(Purpose),
        now=_local_now(),
    ), status


def _back_to(person_id: uuid.UUID) -> Any:
    return redirect(
        url_for(".person_reminders", commune=g.commune.slug, person_id=person_id)
        + "#contacts"
    )


@bp.post("/people/<uuid:person_id>/contacts")
@requires(WRITE)
def add_contact(person_id: uuid.UUID) -> Any:
    """Add the person or one of their family as a contact; nothing is sent
    to them before their consent is recorded."""
    db = request_session()

    def add() -> Contact:
        person = reachable(db, person_id)
        values = read_form(ReminderContactSchema())
        contact = service.add_contact(db, person, values, signed_in())
        db.commit()
        return contact

    _contact, refusal = attempt(add)
    if refusal is not None:
        return person_reminders(
            person_id, refusal=refusal, status=refusal.status, refused="new"
        )
    flash(_("The contact is added. Record their consent before any reminder."))
    return _back_to(person_id)


def _on_contact(
    contact_id: uuid.UUID, form: str, work: Any, done: str, versioned: bool = True
) -> Any:
    """Run ``work(db, contact)`` on a contact the caller reaches (with the
    form's version checked unless told otherwise), then say ``done`` and go
    back to the person's contacts; a refusal is shown beside the form
    ``form`` of that contact."""
    db = request_session()
    contact = service.contact_in_reach(db, contact_id)
    person_id = contact.person_id

    def run() -> None:
        if versioned:
            check_version(contact)
        work(db, contact)
        db.commit()

    _done, refusal = attempt(run)
    if refusal is not None:
        return person_reminders(
            person_id,
            refusal=refusal,
            status=refusal.status,
            refused=f"{form}-{contact_id}",
        )
    flash(done)
    return _back_to(person_id)


@bp.post("/contacts/<uuid:contact_id>/consent")
@requires(WRITE)
def give_consent(contact_id: uuid.UUID) -> Any:
    """Record the contact's consent (written or verbal)."""

    def give(db: Any, contact: Contact) -> None:
        basis = read_form(ReminderConsentSchema())["basis"]
        service.give_consent(db, contact, basis, signed_in())

    return _on_contact(contact_id, "consent", give, _("The consent is recorded."))


@bp.post("/contacts/<uuid:contact_id>/withdraw")
@requires(WRITE)
def withdraw_consent(contact_id: uuid.UUID) -> Any:
    """The contact wants no more reminders; those still waiting are called
    off."""
    return _on_contact(
        contact_id,
        "withdraw",
        service.withdraw_consent,
        _("The consent is withdrawn; reminders still waiting are called off."),
    )


@bp.post("/contacts/<uuid:contact_id>/reminders")
@requires(WRITE)
def remind(contact_id: uuid.UUID) -> Any:
    """Ask for a reminder: when and where, never why; refused without the
    contact's consent. The reminder has no version to check: it is new."""

    def ask(db: Any, contact: Contact) -> None:
        values = read_form(CounsellingReminderSchema())
        message = service.remind(db, contact, values, signed_in())
        logger.info("reminder %s asked from the page", message.id)

    return _on_contact(
        contact_id,
        "remind",
        ask,
        _("The reminder is queued; its status shows below."),
        versioned=False,
    )


# -- channels -----------------------------------------------------------------


@bp.get("/channels")
@requires(MANAGE)
def channels(
    refusal: Refusal | None = None, status: int = 200, refused: str = ""
) -> Any:
    """The commune's channels; a secret is never shown, only whether one is
    stored."""
    db = request_session()
    found = {kind.value: service.get_channel(db, kind) for kind in ChannelKind}
    values = {kind: _shown(channel) for kind, channel in found.items()}
    if refusal is not None:
        values[refused] = {
            **{k: v for k, v in request.form.items() if k in SHOWN},
            "enabled": bool(request.form.get("enabled")),
            "starttls": bool(request.form.get("starttls")),
        }
    db.commit()
    return render_template(
        "counselling/channels.html",
        channels=found,
        values=values,
        refusal=refusal,
        refused=refused,
    ), status


def _shown(channel: Any) -> dict[str, Any]:
    """What the form shows of a channel: everything but its secret."""
    if channel is None:
        return {"enabled": True, "starttls": True}
    return {name: getattr(channel, name) for name in SHOWN}


@bp.post("/channels/<any(email, sms, zalo):kind>")
@requires(MANAGE)
def save_channel(kind: str) -> Any:
    """Set up one channel; a secret left empty keeps the stored one."""
    db = request_session()
    chosen = ChannelKind(kind)

    def save() -> None:
        channel = service.get_channel(db, chosen)
        if channel is not None:
            check_version(channel)
        service.save_channel(db, chosen, channel, read_form(MessageChannelSchema()))
        db.commit()

    _saved, refusal = attempt(save)
    if refusal is not None:
        return channels(refusal=refusal, status=refusal.status, refused=kind)
    logger.info("counselling channel %s saved from the page", kind)
    flash(_("The channel is saved."))
    return redirect(url_for(".channels", commune=g.commune.slug) + f"#{kind}")

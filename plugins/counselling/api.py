"""REST endpoints of counselling: /api/v1/c/<commune>/counselling/...

The log, the commune's channels, a person's reminder contacts with their
consent, and the reminders sent to them. Every read of what concerns a
person is audited: entries as ``counselling.read``, contacts and reminders
as reads of the person's file (``counselling_contacts``,
``counselling_reminders``) with the fields shown.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from core.toolkit import (
    IF_MATCH_PARAMETER,
    PAGINATION,
    NotFound,
    check_if_match,
    etag_headers,
    note_read,
    page_of,
    page_read,
    people_in_reach,
    reachable,
    request_session,
    requires,
    signed_in,
)
from plugins.counselling import service
from plugins.counselling.models import ChannelKind, Contact, Message
from plugins.counselling.schemas import (
    CounsellingEntryPatchSchema,
    CounsellingEntrySchema,
    CounsellingReminderSchema,
    MessageChannelSchema,
    ReminderConsentSchema,
    ReminderContactPatchSchema,
    ReminderContactSchema,
    ReminderDeliverySchema,
)

# What a reader sees of a reminder: never its text or the address it went to.
REMINDER_FIELDS = sorted(ReminderDeliverySchema().fields)

blp = Blueprint(
    "counselling_api",
    __name__,
    url_prefix="/api/v1/c/<commune>/counselling",
    description="The hotline and counselling log, and reminders with consent.",
)


def _kind(kind: str) -> ChannelKind:
    try:
        return ChannelKind(kind)
    except ValueError:
        raise NotFound("Channels are email, sms and zalo.") from None


# -- the log ------------------------------------------------------------------


@blp.route("/entries")
class Entries(MethodView):
    @requires("counselling:read")
    @blp.response(200, CounsellingEntrySchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, pagination_parameters: Any) -> Any:
        """The log, newest first; every entry shown is audited as read."""
        db = request_session()
        query = service.log_query(people_in_reach(db))
        entries = page_of(db, query, pagination_parameters)
        service.note_entries_read(db, entries)
        db.commit()
        return entries

    @requires("counselling:write")
    @blp.arguments(CounsellingEntrySchema)
    @blp.response(201, CounsellingEntrySchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Log a call, message or visit."""
        db = request_session()
        if values.get("person_id") is not None:
            reachable(db, values["person_id"])
        entry = service.create_entry(db, values, signed_in())
        db.commit()
        return entry, 201, etag_headers(entry)


@blp.route("/entries/<uuid:entry_id>")
class EntryById(MethodView):
    @requires("counselling:read")
    @blp.response(200, CounsellingEntrySchema)
    def get(self, entry_id: uuid.UUID) -> Any:
        """One entry; the read is audited."""
        db = request_session()
        entry = service.entry_in_reach(db, entry_id)
        service.note_entries_read(db, [entry])
        db.commit()
        return entry, 200, etag_headers(entry)

    @requires("counselling:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(CounsellingEntryPatchSchema)
    @blp.response(200, CounsellingEntrySchema)
    def patch(self, values: dict[str, Any], entry_id: uuid.UUID) -> Any:
        """Correct an entry. Needs If-Match."""
        db = request_session()
        entry = service.entry_in_reach(db, entry_id)
        check_if_match(entry)
        if values.get("person_id") is not None:
            reachable(db, values["person_id"])
        service.change_entry(db, entry, values)
        db.commit()
        return entry, 200, etag_headers(entry)


# -- channels -----------------------------------------------------------------


@blp.route("/channels")
class Channels(MethodView):
    @requires("counselling:manage")
    @blp.response(200, MessageChannelSchema(many=True))
    def get(self) -> Any:
        """The commune's channels, without their secrets."""
        db = request_session()
        return [
            found
            for kind in ChannelKind
            if (found := service.get_channel(db, kind)) is not None
        ]


@blp.route("/channels/<kind>")
class ChannelByKind(MethodView):
    @requires("counselling:manage")
    @blp.response(200, MessageChannelSchema)
    def get(self, kind: str) -> Any:
        """One channel, without its secret."""
        channel = service.get_channel(request_session(), _kind(kind))
        if channel is None:
            raise NotFound("This channel is not set up in this commune.")
        return channel, 200, etag_headers(channel)

    @requires("counselling:manage")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(MessageChannelSchema)
    @blp.response(200, MessageChannelSchema)
    def put(self, values: dict[str, Any], kind: str) -> Any:
        """Set up a channel (email, sms or zalo). Replacing one needs If-Match."""
        db = request_session()
        chosen = _kind(kind)
        channel = service.get_channel(db, chosen)
        if channel is not None:
            check_if_match(channel)
        channel = service.save_channel(db, chosen, channel, values)
        db.commit()
        return channel, 200, etag_headers(channel)


# -- contacts and consent -----------------------------------------------------


@blp.route("/persons/<uuid:person_id>/contacts")
class Contacts(MethodView):
    @requires("counselling:read")
    @blp.response(200, ReminderContactSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, person_id: uuid.UUID, pagination_parameters: Any) -> Any:
        """Who may be sent reminders about this person; the read is audited."""
        db = request_session()
        person = reachable(db, person_id)
        query = select(Contact).where(Contact.person_id == person.id)
        return page_read(
            db,
            person,
            query.order_by(Contact.created_at, Contact.id),
            pagination_parameters,
            "counselling_contacts",
            service.CONTACT_FIELDS,
        )

    @requires("counselling:write")
    @blp.arguments(ReminderContactSchema)
    @blp.response(201, ReminderContactSchema)
    def post(self, values: dict[str, Any], person_id: uuid.UUID) -> Any:
        """Add the person themself or one of their family as a contact; no
        reminder goes to them before their consent is recorded."""
        db = request_session()
        contact = service.add_contact(db, reachable(db, person_id), values, signed_in())
        db.commit()
        return contact, 201, etag_headers(contact)


@blp.route("/contacts/<uuid:reminder_contact_id>")
class ContactById(MethodView):
    @requires("counselling:read")
    @blp.response(200, ReminderContactSchema)
    def get(self, reminder_contact_id: uuid.UUID) -> Any:
        """One contact; the read is audited."""
        db = request_session()
        contact = service.contact_in_reach(db, reminder_contact_id)
        note_read(db, contact.person_id, "counselling_contacts", service.CONTACT_FIELDS)
        db.commit()
        return contact, 200, etag_headers(contact)

    @requires("counselling:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(ReminderContactPatchSchema)
    @blp.response(200, ReminderContactSchema)
    def patch(self, values: dict[str, Any], reminder_contact_id: uuid.UUID) -> Any:
        """Change a contact. Needs If-Match."""
        db = request_session()
        contact = service.contact_in_reach(db, reminder_contact_id)
        check_if_match(contact)
        service.change_contact(db, contact, values)
        db.commit()
        return contact, 200, etag_headers(contact)


@blp.route("/contacts/<uuid:reminder_contact_id>/consent")
class Consent(MethodView):
    @requires("counselling:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(ReminderConsentSchema)
    @blp.response(200, ReminderContactSchema)
    def put(self, values: dict[str, Any], reminder_contact_id: uuid.UUID) -> Any:
        """Record the contact's consent to reminders. Needs If-Match."""
        db = request_session()
        contact = service.contact_in_reach(db, reminder_contact_id)
        check_if_match(contact)
        service.give_consent(db, contact, values["basis"], signed_in())
        db.commit()
        return contact, 200, etag_headers(contact)

    @requires("counselling:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.response(200, ReminderContactSchema)
    def delete(self, reminder_contact_id: uuid.UUID) -> Any:
        """Withdraw consent: reminders still waiting are cancelled. Needs If-Match."""
        db = request_session()
        contact = service.contact_in_reach(db, reminder_contact_id)
        check_if_match(contact)
        service.withdraw_consent(db, contact)
        db.commit()
        return contact, 200, etag_headers(contact)


# -- reminders ----------------------------------------------------------------


@blp.route("/contacts/<uuid:reminder_contact_id>/reminders")
class Reminders(MethodView):
    @requires("counselling:read")
    @blp.response(200, ReminderDeliverySchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, reminder_contact_id: uuid.UUID, pagination_parameters: Any) -> Any:
        """The reminders sent or waiting for this contact, with their status;
        the read is audited."""
        db = request_session()
        contact = service.contact_in_reach(db, reminder_contact_id)
        query = select(Message).where(Message.contact_id == contact.id)
        return page_read(
            db,
            contact.person_id,
            query.order_by(Message.created_at.desc()),
            pagination_parameters,
            "counselling_reminders",
            REMINDER_FIELDS,
            {"contact": str(contact.id)},
        )

    @requires("counselling:write")
    @blp.arguments(CounsellingReminderSchema)
    @blp.response(202, ReminderDeliverySchema)
    def post(self, values: dict[str, Any], reminder_contact_id: uuid.UUID) -> Any:
        """Send a reminder (when and where only) through the contact's channel.
        Refused (409) without their consent."""
        db = request_session()
        contact = service.contact_in_reach(db, reminder_contact_id)
        message = service.remind(db, contact, values, signed_in())
        db.commit()
        return message, 202


@blp.route("/reminders/<uuid:reminder_id>")
class ReminderById(MethodView):
    @requires("counselling:read")
    @blp.response(200, ReminderDeliverySchema)
    def get(self, reminder_id: uuid.UUID) -> Any:
        """A reminder's delivery status; the read is audited."""
        db = request_session()
        message = db.scalars(select(Message).where(Message.id == reminder_id)).first()
        if message is None:
            raise NotFound("No reminder of this commune has that id.")
        contact = service.contact_in_reach(db, message.contact_id)
        note_read(
            db,
            contact.person_id,
            "counselling_reminders",
            REMINDER_FIELDS,
            {"contact": str(contact.id), "reminder": str(message.id)},
        )
        db.commit()
        return message

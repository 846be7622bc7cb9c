"""What the counselling API accepts and returns, and its per-commune
settings (quiet hours, retries). Channel secrets are accepted, never
returned."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from plugins.counselling.models import ChannelKind, Means, Purpose, Relation, Topic

HTTP_URL = validate.URL(schemes={"http", "https"}, require_tld=False)


class CounsellingSettings(ma.Schema):
    """A commune's settings for counselling and its reminders."""

    quiet_from = ma.fields.Integer(
        load_default=21,
        validate=validate.Range(min=0, max=23),
        metadata={"description": "Hour (Vietnam time) from which no reminder is sent."},
    )
    quiet_until = ma.fields.Integer(
        load_default=7,
        validate=validate.Range(min=0, max=23),
        metadata={"description": "Hour (Vietnam time) when sending resumes."},
    )
    max_attempts = ma.fields.Integer(
        load_default=5,
        validate=validate.Range(min=1, max=20),
        metadata={"description": "Tries of one reminder before it is failed."},
    )
    retry_after_seconds = ma.fields.Integer(
        load_default=300,
        validate=validate.Range(min=0, max=86400),
        metadata={"description": "Wait between two tries of one reminder."},
    )

    class Meta:
        unknown = ma.RAISE


class CounsellingEntrySchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    occurred_at = ma.fields.AwareDateTime(required=True)
    means = ma.fields.Enum(Means, by_value=True, required=True)
    anonymous = ma.fields.Boolean(load_default=True)
    caller = ma.fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=200)
    )
    person_id = ma.fields.UUID(allow_none=True, load_default=None)
    topic = ma.fields.Enum(Topic, by_value=True, required=True)
    details = ma.fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=5000)
    )
    advice = ma.fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=5000)
    )
    referral = ma.fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=1000)
    )
    recorded_by = ma.fields.String(dump_only=True)
    version = ma.fields.Integer(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class CounsellingEntryPatchSchema(CounsellingEntrySchema):
    occurred_at = ma.fields.AwareDateTime()
    means = ma.fields.Enum(Means, by_value=True)
    anonymous = ma.fields.Boolean()
    caller = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    person_id = ma.fields.UUID(allow_none=True)
    topic = ma.fields.Enum(Topic, by_value=True)
    details = ma.fields.String(allow_none=True, validate=validate.Length(max=5000))
    advice = ma.fields.String(allow_none=True, validate=validate.Length(max=5000))
    referral = ma.fields.String(allow_none=True, validate=validate.Length(max=1000))


class MessageChannelSchema(ma.Schema):
    kind = ma.fields.Enum(ChannelKind, by_value=True, dump_only=True)
    enabled = ma.fields.Boolean(load_default=True)
    url = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=[validate.Length(max=500), HTTP_URL],
        metadata={"description": "SMS gateway or Zalo API address"},
    )
    host = ma.fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=200)
    )
    port = ma.fields.Integer(
        allow_none=True, load_default=None, validate=validate.Range(min=1, max=65535)
    )
    starttls = ma.fields.Boolean(load_default=True)
    username = ma.fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=200)
    )
    sender = ma.fields.Email(allow_none=True, load_default=None)
    secret = ma.fields.String(
        load_only=True,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={
            "description": "API token or SMTP password; kept encrypted, never "
            "returned. Leave out to keep the one stored."
        },
    )
    secret_set = ma.fields.Method("has_secret", dump_only=True)
    version = ma.fields.Integer(dump_only=True)

    class Meta:
        unknown = ma.RAISE

    def has_secret(self, channel: object) -> bool:
        return bool(getattr(channel, "secret", None))


class ReminderContactSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    person_id = ma.fields.UUID(dump_only=True)
    relation = ma.fields.Enum(Relation, by_value=True, required=True)
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=120))
    channel = ma.fields.Enum(ChannelKind, by_value=True, required=True)
    phone = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Regexp(r"^\+?[0-9 .-]{8,20}$"),
    )
    email = ma.fields.Email(allow_none=True, load_default=None)
    zalo_user_id = ma.fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=64)
    )
    language = ma.fields.String(
        load_default="vi", validate=validate.OneOf(["vi", "en"])
    )
    consenting = ma.fields.Boolean(dump_only=True)
    consented_at = ma.fields.DateTime(dump_only=True)
    consent_basis = ma.fields.String(dump_only=True)
    withdrawn_at = ma.fields.DateTime(dump_only=True)
    version = ma.fields.Integer(dump_only=True)

    class Meta:
        unknown = ma.RAISE


class ReminderContactPatchSchema(ReminderContactSchema):
    relation = ma.fields.Enum(Relation, by_value=True)
    name = ma.fields.String(validate=validate.Length(min=1, max=120))
    channel = ma.fields.Enum(ChannelKind, by_value=True)
    phone = ma.fields.String(
        allow_none=True, validate=validate.Regexp(r"^\+?[0-9 .-]{8,20}$")
    )
    email = ma.fields.Email(allow_none=True)
    zalo_user_id = ma.fields.String(allow_none=True, validate=validate.Length(max=64))
    language = ma.fields.String(validate=validate.OneOf(["vi", "en"]))


class ReminderConsentSchema(ma.Schema):
    basis = ma.fields.String(
        required=True,
        validate=validate.OneOf(["written", "verbal"]),
        metadata={"description": "A signed form, or said to a member of staff"},
    )

    class Meta:
        unknown = ma.RAISE


class CounsellingReminderSchema(ma.Schema):
    purpose = ma.fields.Enum(
        Purpose,
        by_value=True,
        required=True,
        metadata={"description": "Kept for the record; never in the text sent"},
    )
    at = ma.fields.AwareDateTime(required=True)
    place = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))

    class Meta:
        unknown = ma.RAISE


class ReminderDeliverySchema(ma.Schema):
    """A reminder's delivery; neither its text nor the address is shown."""

    id = ma.fields.UUID()
    contact_id = ma.fields.UUID()
    purpose = ma.fields.Enum(Purpose, by_value=True)
    channel = ma.fields.Enum(ChannelKind, by_value=True)
    at = ma.fields.DateTime()
    status = ma.fields.String()
    attempts = ma.fields.Integer()
    last_error = ma.fields.String(allow_none=True)
    not_before = ma.fields.DateTime(allow_none=True)
    sent_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()

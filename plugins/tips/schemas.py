"""What the tip API accepts and returns, and the plugin's per-commune settings."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from plugins.tips.models import Category, Identified, Outcome, Sender, Status

TEXT_MAX = 5000
PASSPHRASE_MIN = 8


class Settings(ma.Schema):
    """A commune's settings for tips."""

    work_bits = ma.fields.Integer(
        load_default=16,
        validate=validate.Range(min=0, max=24),
        metadata={
            "description": "Difficulty of the API's proof of work: leading zero "
            "bits of SHA-256 a client must find (16 takes a phone a moment)."
        },
    )
    form_min_seconds = ma.fields.Integer(
        load_default=4,
        validate=validate.Range(min=0, max=600),
        metadata={
            "description": "A tip sent from the page sooner than this after the "
            "form was loaded is refused as automated."
        },
    )
    client_per_hour = ma.fields.Integer(
        load_default=5,
        validate=validate.Range(min=1, max=1000),
        metadata={"description": "Tips accepted from one client in an hour."},
    )
    commune_per_hour = ma.fields.Integer(
        load_default=60,
        validate=validate.Range(min=1, max=100000),
        metadata={"description": "Tips the commune accepts in an hour, in all."},
    )
    code_attempts = ma.fields.Integer(
        load_default=10,
        validate=validate.Range(min=1, max=1000),
        metadata={
            "description": "Wrong receipt codes or passphrases one client may "
            "try in a quarter of an hour (ten times as many for the commune)."
        },
    )

    class Meta:
        unknown = ma.RAISE


class _Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class TipInSchema(_Strict):
    """A tip as a resident sends it."""

    category = ma.fields.String(
        required=True, validate=validate.OneOf([c.value for c in Category])
    )
    hamlet = ma.fields.String(
        load_default=None,
        validate=validate.Length(max=200),
        metadata={"description": "The hamlet's name, as the commune writes it."},
    )
    place = ma.fields.String(load_default=None, validate=validate.Length(max=500))
    happened_on = ma.fields.Date(load_default=None)
    description = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=TEXT_MAX)
    )
    passphrase = ma.fields.String(
        load_default=None,
        validate=validate.Length(min=PASSPHRASE_MIN, max=200),
        metadata={"description": "Leave out to be given one."},
    )
    contact_name = ma.fields.String(
        load_default=None,
        validate=validate.Length(max=200),
        metadata={"description": "Sealed: only the chief can unseal it."},
    )
    contact = ma.fields.String(
        load_default=None,
        validate=validate.Length(max=200),
        metadata={"description": "A phone or address to reach you; sealed."},
    )
    challenge = ma.fields.String(required=True, validate=validate.Length(max=500))
    solution = ma.fields.String(required=True, validate=validate.Length(max=64))


class ChallengeSchema(ma.Schema):
    challenge = ma.fields.String()
    work_bits = ma.fields.Integer()
    expires_in = ma.fields.Integer()


class ReceiptSchema(ma.Schema):
    receipt_code = ma.fields.String()
    passphrase = ma.fields.String(
        allow_none=True,
        metadata={"description": "Given once, when the service chose it."},
    )
    status = ma.fields.String()
    received_at = ma.fields.String()


class ReceiptInSchema(_Strict):
    receipt_code = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=64)
    )
    passphrase = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=200)
    )


class AnswerInSchema(ReceiptInSchema):
    body = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=TEXT_MAX)
    )


class MessageSchema(ma.Schema):
    id = ma.fields.UUID()
    sender = ma.fields.Enum(Sender, by_value=True)
    body = ma.fields.String()
    created_at = ma.fields.DateTime()


class ThreadSchema(ma.Schema):
    """What a tipster sees with their receipt: the status and the dialogue."""

    status = ma.fields.Enum(Status, by_value=True)
    received_at = ma.fields.DateTime(attribute="created_at")
    messages = ma.fields.List(ma.fields.Nested(MessageSchema))


class TipSummarySchema(ma.Schema):
    """A tip in the desk's list: what triage needs to choose one, and no free
    text (no description, place or outcome note), which is read one tip at a
    time with the read audited."""

    id = ma.fields.UUID()
    category = ma.fields.Enum(Category, by_value=True)
    status = ma.fields.Enum(Status, by_value=True)
    hamlet_id = ma.fields.UUID(allow_none=True)
    valuable = ma.fields.Boolean()
    assignee_id = ma.fields.UUID(allow_none=True)
    created_at = ma.fields.DateTime()
    first_response_at = ma.fields.DateTime(allow_none=True)
    version = ma.fields.Integer()


class TipSchema(TipSummarySchema):
    """A tip on the triage desk. Nothing here identifies the tipster."""

    place = ma.fields.String(allow_none=True)
    happened_on = ma.fields.Date(allow_none=True)
    description = ma.fields.String()
    identified = ma.fields.Enum(Identified, by_value=True)
    outcome = ma.fields.Enum(Outcome, by_value=True, allow_none=True)
    outcome_note = ma.fields.String(allow_none=True)
    verified_at = ma.fields.DateTime(allow_none=True)
    closed_at = ma.fields.DateTime(allow_none=True)


class TipDetailSchema(TipSchema):
    messages = ma.fields.List(ma.fields.Nested(MessageSchema))
    person_ids = ma.fields.List(ma.fields.UUID())
    hamlet_ids = ma.fields.List(ma.fields.UUID())


class TipQuerySchema(_Strict):
    status = ma.fields.String(validate=validate.OneOf([s.value for s in Status]))


class TriageSchema(_Strict):
    status = ma.fields.String(validate=validate.OneOf([s.value for s in Status]))
    outcome = ma.fields.String(
        allow_none=True, validate=validate.OneOf([o.value for o in Outcome])
    )
    outcome_note = ma.fields.String(validate=validate.Length(max=TEXT_MAX))
    assignee_id = ma.fields.UUID(allow_none=True)
    hamlet_id = ma.fields.UUID(allow_none=True)
    valuable = ma.fields.Boolean()


class QuestionSchema(_Strict):
    body = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=TEXT_MAX)
    )


class PersonLinkSchema(_Strict):
    person_id = ma.fields.UUID(required=True)


class HamletLinkSchema(_Strict):
    hamlet_id = ma.fields.UUID(required=True)


class UnsealInSchema(_Strict):
    reason = ma.fields.String(required=True, validate=validate.Length(max=2000))


class IdentitySchema(ma.Schema):
    """The opened identity: only what the tipster gave or the sign-in proved."""

    national_identity = ma.fields.Dict(keys=ma.fields.String())
    name = ma.fields.String()
    contact = ma.fields.String()


class UnsealSchema(ma.Schema):
    id = ma.fields.UUID()
    tip_id = ma.fields.UUID()
    reason = ma.fields.String()
    recorded_by = ma.fields.String()
    recorded_at = ma.fields.DateTime()

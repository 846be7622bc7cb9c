"""REST endpoints of tips: /api/v1/c/<commune>/tips/...

``/public/...`` is for residents, with no account: a challenge, the intake,
and the receipt-code dialogue. These routes keep no trace of the caller
(no address in the audit trail, none in logs or jobs), take no CSRF token
since they ignore any browser session, and are rate-limited instead. The
rest is the triage desk, for staff.

The desk's list of tips (``GET /tips``) carries no free text: no
description, place or outcome note, only what triage needs to choose a tip
(``TipSummarySchema``). The text is read one tip at a time
(``GET /tips/<id>``), and each such read is audited.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from core.toolkit import (
    IF_MATCH_PARAMETER,
    PAGINATION,
    FileUploadSchema,
    Invalid,
    NotFound,
    accepts_upload,
    audit,
    check_if_match,
    csrf_exempt,
    etag_headers,
    field_error,
    from_upload,
    page_of,
    public,
    reachable,
    request_session,
    requires,
    signed_in,
    untraced,
)
from plugins.tips import guard, service
from plugins.tips.models import Tip
from plugins.tips.schemas import (
    AnswerInSchema,
    ChallengeSchema,
    HamletLinkSchema,
    IdentitySchema,
    MessageSchema,
    PersonLinkSchema,
    QuestionSchema,
    ReceiptInSchema,
    ReceiptSchema,
    ThreadSchema,
    TipDetailSchema,
    TipInSchema,
    TipQuerySchema,
    TipSchema,
    TipSummarySchema,
    TriageSchema,
    UnsealInSchema,
    UnsealSchema,
)

logger = logging.getLogger(__name__)

READ = "tips:read"
TRIAGE = "tips:triage"
UNSEAL = "tips:unseal"
IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique string per tip (a UUID): a retry with the same "
    "key and body gets the first answer instead of filing the tip twice.",
    "schema": {"type": "string", "maxLength": 200},
}
DETAIL_FIELDS = sorted(TipDetailSchema().fields)

blp = Blueprint(
    "tips_api",
    __name__,
    url_prefix="/api/v1/c/<commune>/tips",
    description="Tips from residents: public intake and receipt-code follow-up, "
    "and the triage desk (the tips plugin).",
)


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 1 <= len(key) <= 200:
        raise Invalid(
            "An Idempotency-Key is 1 to 200 characters; use a UUID.",
            errors=[field_error("Idempotency-Key", "Bad length.", "headers")],
        )
    return key


def take_tip(
    values: dict[str, Any],
    check_challenge: Any,
    national_identity: dict[str, str] | None = None,
    photos: Sequence[tuple[bytes, str | None]] = (),
) -> tuple[dict[str, Any], bool]:
    """Intake shared by the API and the page: a replayed answer for a retry,
    else the challenge, the rate limits, the tip, committed before the
    answer. Returns the answer and whether it is a replay."""
    db = request_session()
    commune_id = g.commune.id
    key = _idempotency_key()
    printed = service.fingerprint(db, values) if key else ""
    if key:
        replayed = service.replay(db, key, printed)
        if replayed is not None:
            return replayed, True
    settings = service.settings(db)
    check_challenge(settings)
    guard.check_submission_rate(commune_id, settings)
    fields = {k: v for k, v in values.items() if k not in ("challenge", "solution")}
    receipt = service.submit(
        db, fields, national_identity=national_identity, photos=photos
    )
    answer = receipt.answer()
    if key and not service.remember(db, key, printed, answer):
        db.rollback()
        replayed = service.replay(db, key, printed)
        assert replayed is not None  # the concurrent request's answer
        return replayed, True
    db.commit()
    guard.count_submission(commune_id, settings)
    return answer, False


# -- public ----------------------------------------------------------------


@blp.route("/public/challenge")
class Challenge(MethodView):
    @public("residents send tips without an account")
    @untraced
    @blp.response(200, ChallengeSchema)
    def get(self) -> Any:
        """A proof-of-work challenge to solve before sending a tip."""
        settings = service.settings(request_session())
        return {
            "challenge": guard.issue(g.commune.id, guard.WORK),
            "work_bits": settings["work_bits"],
            "expires_in": guard.CHALLENGE_SECONDS,
        }


@blp.route("/public/tips")
class Intake(MethodView):
    decorators = [csrf_exempt]

    @public("residents send tips without an account")
    @untraced
    @blp.doc(parameters=[IDEMPOTENCY_HEADER])
    @blp.arguments(TipInSchema)
    @blp.response(201, ReceiptSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Send a tip. Solve a challenge first (GET .../public/challenge): find
        ``solution`` such that SHA-256 of ``<challenge>:<solution>`` starts
        with ``work_bits`` zero bits. Keep the receipt code and passphrase to
        follow the tip up."""

        def solved(settings: dict[str, Any]) -> None:
            guard.check(
                g.commune.id,
                guard.WORK,
                values["challenge"],
                solution=values["solution"],
                bits=settings["work_bits"],
            )

        answer, replayed = take_tip(values, solved)
        headers = {"Idempotent-Replayed": "true"} if replayed else {}
        return answer, 201, headers


def find_thread(code: str, passphrase: str) -> Tip:
    db = request_session()
    settings = service.settings(db)
    guard.check_guessing(g.commune.id, settings)
    tip = service.find_by_receipt(db, code, passphrase)
    if tip is None:
        guard.count_wrong_guess(g.commune.id, settings)
        raise NotFound(
            "No tip matches this receipt code and passphrase. Check both on "
            "your receipt; after several wrong tries you must wait.",
            slug="no-such-receipt",
        )
    return tip


def thread_of(tip: Tip) -> dict[str, Any]:
    return {
        "status": tip.status,
        "created_at": tip.created_at,
        "messages": service.messages_of(request_session(), tip.id),
    }


@blp.route("/public/receipt")
class ReceiptThread(MethodView):
    decorators = [csrf_exempt]

    @public("a tipster follows their tip up with the receipt code, anonymously")
    @untraced
    @blp.arguments(ReceiptInSchema)
    @blp.response(200, ThreadSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """The tip's status and the officers' questions, with your answers.
        (POST, so that the code and passphrase never travel in an address.)"""
        return thread_of(find_thread(values["receipt_code"], values["passphrase"]))


@blp.route("/public/receipt/answers")
class ReceiptAnswers(MethodView):
    decorators = [csrf_exempt]

    @public("a tipster answers the officers' questions, anonymously")
    @untraced
    @blp.arguments(AnswerInSchema)
    @blp.response(201, MessageSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Answer the officers' questions about your tip."""
        tip = find_thread(values["receipt_code"], values["passphrase"])
        db = request_session()
        message = service.answer(db, tip, values["body"])
        db.commit()
        return message, 201


@blp.route("/public/receipt/photos")
class ReceiptPhotos(MethodView):
    decorators = [csrf_exempt]

    @public("a tipster adds photos to their tip, anonymously")
    @untraced
    @accepts_upload
    @blp.arguments(ReceiptInSchema, location="form")
    @blp.arguments(FileUploadSchema, location="files")
    @blp.response(201)
    def post(self, values: dict[str, Any], upload: dict[str, Any]) -> None:
        """Add a photo (JPEG or PNG, at most three a tip) as multipart/form-data:
        ``receipt_code``, ``passphrase`` and the part ``file``. Where and when
        it was taken, and on which phone, are removed; it is stored encrypted."""
        tip = find_thread(values["receipt_code"], values["passphrase"])
        data, declared, _name = from_upload(upload)
        db = request_session()
        service.add_photo(db, tip, data, declared)
        db.commit()


# -- the triage desk -------------------------------------------------------


def _detail(tip: Tip) -> dict[str, Any]:
    db = request_session()
    shown = {name: getattr(tip, name) for name in TipSchema().fields}
    return {
        **shown,
        "messages": service.messages_of(db, tip.id),
        "person_ids": service.people_of(db, tip.id),
        "hamlet_ids": service.hamlets_of(db, tip.id),
    }


def read_tip(tip_id: uuid.UUID) -> Tip:
    """The tip, its reading audited (tips are case material)."""
    db = request_session()
    tip = service.get(db, tip_id)
    audit(
        db,
        "tips.read",
        object_type="tips_tips",
        object_id=tip.id,
        fields=DETAIL_FIELDS,
    )
    db.commit()
    return tip


@blp.route("/tips")
class Tips(MethodView):
    @requires(READ)
    @blp.arguments(TipQuerySchema, location="query")
    @blp.response(200, TipSummarySchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Tips, newest first; filter by status. Without their text: read a
        tip's description, place and outcome note on its own."""
        query = select(Tip).order_by(Tip.created_at.desc(), Tip.id)
        if args.get("status"):
            query = query.where(Tip.status == args["status"])
        return page_of(request_session(), query, pagination_parameters)


@blp.route("/tips/<uuid:tip_id>")
class TipById(MethodView):
    @requires(READ)
    @blp.response(200, TipDetailSchema)
    def get(self, tip_id: uuid.UUID) -> Any:
        """One tip, with the dialogue and its links."""
        tip = read_tip(tip_id)
        return _detail(tip), 200, etag_headers(tip)

    @requires(TRIAGE)
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(TriageSchema)
    @blp.response(200, TipDetailSchema)
    def patch(self, values: dict[str, Any], tip_id: uuid.UUID) -> Any:
        """Triage: status, outcome, assignee, hamlet, valuable. Needs If-Match."""
        db = request_session()
        tip = service.get(db, tip_id)
        check_if_match(tip)
        service.triage(db, tip, values, signed_in(), g.commune)
        db.commit()
        return _detail(tip), 200, etag_headers(tip)


@blp.route("/tips/<uuid:tip_id>/questions")
class Questions(MethodView):
    @requires(TRIAGE)
    @blp.arguments(QuestionSchema)
    @blp.response(201, MessageSchema)
    def post(self, values: dict[str, Any], tip_id: uuid.UUID) -> Any:
        """Ask the tipster a question; they read it with their receipt code."""
        db = request_session()
        message = service.ask(db, service.get(db, tip_id), values["body"], signed_in())
        db.commit()
        return message, 201


@blp.route("/tips/<uuid:tip_id>/people")
class People(MethodView):
    @requires(TRIAGE)
    @blp.arguments(PersonLinkSchema)
    @blp.response(201, PersonLinkSchema)
    def post(self, values: dict[str, Any], tip_id: uuid.UUID) -> Any:
        """Link a person the tip is about (one you reach)."""
        db = request_session()
        tip = service.get(db, tip_id)
        link = service.link_person(
            db, tip, reachable(db, values["person_id"]), signed_in()
        )
        db.commit()
        return link, 201


@blp.route("/tips/<uuid:tip_id>/people/<uuid:person_id>/drug-test")
class DrugTestAdvice(MethodView):
    @requires(TRIAGE)
    @blp.response(202)
    def post(self, tip_id: uuid.UUID, person_id: uuid.UUID) -> None:
        """Ask the health desk to consider a drug test of a linked person.
        Refused (409) unless the tip was verified and found actionable: a tip
        alone never orders a test."""
        db = request_session()
        tip = service.get(db, tip_id)
        service.advise_drug_test(db, tip, reachable(db, person_id), signed_in())
        db.commit()


@blp.route("/tips/<uuid:tip_id>/hamlets")
class Hamlets(MethodView):
    @requires(TRIAGE)
    @blp.arguments(HamletLinkSchema)
    @blp.response(201, HamletLinkSchema)
    def post(self, values: dict[str, Any], tip_id: uuid.UUID) -> Any:
        """Link a further hamlet the tip concerns."""
        db = request_session()
        tip = service.get(db, tip_id)
        link = service.link_hamlet(db, tip, values["hamlet_id"], signed_in())
        db.commit()
        return link, 201


@blp.route("/tips/<uuid:tip_id>/unseal")
class UnsealTip(MethodView):
    @requires(UNSEAL)
    @blp.arguments(UnsealInSchema)
    @blp.response(200, IdentitySchema)
    def post(self, values: dict[str, Any], tip_id: uuid.UUID) -> Any:
        """Open the tipster's identity, with a written reason. Audited, and
        shown to every holder of tips:unseal."""
        db = request_session()
        tip = service.get(db, tip_id)
        identity = service.unseal(db, tip, values["reason"], signed_in())
        db.commit()
        return identity


@blp.route("/unseals")
class Unseals(MethodView):
    @requires(UNSEAL)
    @blp.response(200, UnsealSchema(many=True))
    def get(self) -> Any:
        """Every unsealing of a tipster's identity: who, when, why."""
        return service.unseals(request_session())

"""REST endpoints for moving a file between communes.

The commune the person leaves asks at
``POST /api/v1/c/<commune>/persons/<id>/transfers``; the receiving commune
sees the offer at ``/api/v1/c/<commune>/transfers/incoming/`` and its chief
decides. Reading a transferred file is a read of the person's file, audited
like one.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from core.access.policy import caller_holds, requires, signed_in
from core.api.conditional import IF_MATCH_PARAMETER, check_if_match, etag_headers
from core.api.pagination import PAGINATION, page_of
from core.db import request_session
from core.errors import Forbidden
from core.hamlets import service as hamlets
from core.identity.service import display_name
from core.people.reach import note_read, reachable
from core.transfers import service
from core.transfers.models import IncomingTransfer
from core.transfers.schemas import (
    TRANSFER_FIELDS,
    DecisionSchema,
    IncomingDetailSchema,
    IncomingQuerySchema,
    IncomingSchema,
    OutgoingSchema,
    TransferRequestSchema,
)

blp = Blueprint(
    "transfers",
    __name__,
    url_prefix="/api/v1/c/<commune>",
    description="Moving a person's file to another commune on the platform.",
)


@blp.route("/persons/<uuid:person_id>/transfers")
class PersonTransfers(MethodView):
    @requires("transfers:read")
    @blp.response(200, OutgoingSchema(many=True))
    def get(self, person_id: uuid.UUID) -> Any:
        """Transfers of this person's file to other communes, newest first.
        The read is audited: a transfer's reason says where the person went."""
        db = request_session()
        person = reachable(db, person_id)
        found = service.outgoing_of(db, person.id)
        note_read(db, person, "transfers", TRANSFER_FIELDS)
        db.commit()
        return found

    @requires("transfers:write")
    @blp.arguments(TransferRequestSchema)
    @blp.response(201, OutgoingSchema)
    def post(self, values: dict[str, Any], person_id: uuid.UUID) -> Any:
        """Ask another commune to take over the file of a person who moved
        there; its chief decides."""
        db = request_session()
        person = reachable(db, person_id)
        transfer = service.request(
            db,
            person,
            to_commune=values["to_commune"],
            reason=values["reason"],
            by_name=display_name(db, signed_in()),
        )
        db.commit()
        return transfer, 201, etag_headers(transfer)


@blp.route("/transfers/outgoing/<uuid:transfer_id>/cancel")
class CancelTransfer(MethodView):
    @requires("transfers:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.response(200, OutgoingSchema)
    def post(self, transfer_id: uuid.UUID) -> Any:
        """Withdraw a transfer still waiting for an answer. Needs If-Match."""
        db = request_session()
        transfer = service.get_outgoing(db, transfer_id)
        reachable(db, transfer.person_id)
        check_if_match(transfer)
        service.cancel(db, transfer, display_name(db, signed_in()))
        db.commit()
        return transfer, 200, etag_headers(transfer)


@blp.route("/transfers/incoming/")
class IncomingTransfers(MethodView):
    @requires("transfers:approve")
    @blp.arguments(IncomingQuerySchema, location="query")
    @blp.response(200, IncomingSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Files other communes offer this one, newest first."""
        db = request_session()
        query = service.incoming(db, args.get("status"))
        return page_of(db, query, pagination_parameters)


def _readable(transfer_id: uuid.UUID) -> IncomingTransfer:
    """An offer waits for the chief; once accepted it is the history of a
    person here, for whoever reaches them."""
    db = request_session()
    offered = service.get_incoming(db, transfer_id)
    if offered.person_id is not None and caller_holds("transfers:read"):
        reachable(db, offered.person_id)
    elif not caller_holds("transfers:approve"):
        raise Forbidden(
            "An offered file is read by the chief, who decides on it; once "
            "accepted it joins the person's file here."
        )
    return offered


@blp.route("/transfers/incoming/<uuid:transfer_id>")
class IncomingById(MethodView):
    @requires("transfers:read")
    @blp.response(200, IncomingDetailSchema)
    def get(self, transfer_id: uuid.UUID) -> Any:
        """One transferred file as it was sent. The read is audited."""
        db = request_session()
        offered = _readable(transfer_id)
        note_read(
            db,
            offered.person_id or offered.source_person_id,
            "transfer",
            ["file", "reason"],
            {"transfer": str(offered.id)},
        )
        db.commit()
        return offered, 200, etag_headers(offered)


@blp.route("/transfers/incoming/<uuid:transfer_id>/decision")
class Decide(MethodView):
    @requires("transfers:approve")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(DecisionSchema)
    @blp.response(200, IncomingSchema)
    def post(self, values: dict[str, Any], transfer_id: uuid.UUID) -> Any:
        """Accept the file (it opens here; open cases continue on their
        dates) or refuse it. Needs If-Match."""
        db = request_session()
        offered = service.get_incoming(db, transfer_id)
        check_if_match(offered)
        hamlet_id = values.get("hamlet_id")
        if hamlet_id is not None:
            hamlets.get(db, hamlet_id)
        service.decide(
            db,
            offered,
            accept=values["accept"],
            hamlet_id=hamlet_id,
            by_name=display_name(db, signed_in()),
        )
        db.commit()
        return offered, 200, etag_headers(offered)

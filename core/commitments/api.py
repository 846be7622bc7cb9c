"""REST endpoints for commitments:
/api/v1/c/<commune>/persons/<person_id>/commitments/...

Each route reaches the person first (core.people.reach), so a person out of
the caller's reach, or of another commune, is not found. Every read is
audited as a read of the person's file, naming the fields shown.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import Select
from sqlalchemy.orm import Session

from core.access.policy import requires, signed_in
from core.api.conditional import IF_MATCH_PARAMETER, check_if_match, etag_headers
from core.api.pagination import PAGINATION
from core.api.uploads import accepts_upload
from core.commitments import service
from core.commitments.models import Commitment
from core.commitments.schemas import (
    CommitmentBreachSchema,
    CommitmentPatchSchema,
    CommitmentQuerySchema,
    CommitmentReviewSchema,
    CommitmentSchema,
)
from core.db import Actor, request_session
from core.files.api import (
    DOWNLOAD_RESPONSE,
    FileUploadSchema,
    StoredFileSchema,
    download,
    from_upload,
)
from core.people.reach import note_read, page_read, reachable

blp = Blueprint(
    "commitments",
    __name__,
    url_prefix="/api/v1/c/<commune>/persons/<uuid:person_id>/commitments",
    description="Commitments (bản cam kết) a person or their family signed.",
)

COMMITMENT_FIELDS = frozenset(CommitmentSchema().fields)
REVIEW_FIELDS = frozenset(CommitmentReviewSchema().fields)
BREACH_FIELDS = frozenset(CommitmentBreachSchema().fields)
SCAN_FIELDS = frozenset(StoredFileSchema().fields)


def _commitment(person_id: uuid.UUID, commitment_id: uuid.UUID) -> Commitment:
    db = request_session()
    return service.get(db, reachable(db, person_id), commitment_id)


def _about(commitment: Commitment) -> dict[str, str]:
    return {"commitment": str(commitment.id)}


def _page_of(
    person_id: uuid.UUID,
    commitment_id: uuid.UUID,
    list_of: Callable[[Commitment], Select[Any]],
    pagination: Any,
    part: str,
    fields: frozenset[str],
) -> list[Any]:
    """A page of what a commitment holds (reviews, breaches, scans), read."""
    commitment = _commitment(person_id, commitment_id)
    return page_read(
        request_session(),
        commitment.person_id,
        list_of(commitment),
        pagination,
        part,
        fields,
        _about(commitment),
    )


def _add(
    person_id: uuid.UUID,
    commitment_id: uuid.UUID,
    add: Callable[[Session, Commitment, Any, Actor], Any],
    values: Any,
) -> Any:
    """Add a review, a breach or a scan to a commitment, by the caller."""
    db = request_session()
    added = add(db, _commitment(person_id, commitment_id), values, signed_in())
    db.commit()
    return added, 201


@blp.route("/")
class Commitments(MethodView):
    @requires("commitments:read")
    @blp.arguments(CommitmentQuerySchema, location="query")
    @blp.response(200, CommitmentSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(
        self, args: dict[str, Any], person_id: uuid.UUID, pagination_parameters: Any
    ) -> Any:
        """The person's commitments, the latest signed first."""
        db = request_session()
        person = reachable(db, person_id)
        return page_read(
            db,
            person,
            service.list_query(person, **args),
            pagination_parameters,
            "commitments",
            COMMITMENT_FIELDS,
        )

    @requires("commitments:write")
    @blp.arguments(CommitmentSchema)
    @blp.response(201, CommitmentSchema)
    def post(self, values: dict[str, Any], person_id: uuid.UUID) -> Any:
        """Record a signed commitment; a family signer needs a name and relation."""
        db = request_session()
        commitment = service.create(db, reachable(db, person_id), values)
        db.commit()
        return commitment, 201, etag_headers(commitment)


@blp.route("/<uuid:commitment_id>")
class CommitmentById(MethodView):
    @requires("commitments:read")
    @blp.response(200, CommitmentSchema)
    def get(self, person_id: uuid.UUID, commitment_id: uuid.UUID) -> Any:
        """Read one commitment; the ETag header is what If-Match wants back."""
        db = request_session()
        commitment = _commitment(person_id, commitment_id)
        note_read(db, person_id, "commitment", COMMITMENT_FIELDS, _about(commitment))
        db.commit()
        return commitment, 200, etag_headers(commitment)

    @requires("commitments:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(CommitmentPatchSchema)
    @blp.response(200, CommitmentSchema)
    def patch(
        self, values: dict[str, Any], person_id: uuid.UUID, commitment_id: uuid.UUID
    ) -> Any:
        """Correct a commitment. Needs If-Match. Reviews change its status."""
        db = request_session()
        commitment = _commitment(person_id, commitment_id)
        check_if_match(commitment)
        service.update(db, commitment, values)
        db.commit()
        return commitment, 200, etag_headers(commitment)


@blp.route("/<uuid:commitment_id>/reviews")
class Reviews(MethodView):
    @requires("commitments:read")
    @blp.response(200, CommitmentReviewSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(
        self,
        person_id: uuid.UUID,
        commitment_id: uuid.UUID,
        pagination_parameters: Any,
    ) -> Any:
        """The commitment's reviews, the latest first."""
        return _page_of(
            person_id,
            commitment_id,
            service.reviews_query,
            pagination_parameters,
            "commitment_reviews",
            REVIEW_FIELDS,
        )

    @requires("commitments:write")
    @blp.arguments(CommitmentReviewSchema)
    @blp.response(201, CommitmentReviewSchema)
    def post(
        self, values: dict[str, Any], person_id: uuid.UUID, commitment_id: uuid.UUID
    ) -> Any:
        """Review an active commitment: it continues (to its next review
        date), is renewed by a new one, or ends."""
        return _add(person_id, commitment_id, service.review, values)


@blp.route("/<uuid:commitment_id>/breaches")
class Breaches(MethodView):
    @requires("commitments:read")
    @blp.response(200, CommitmentBreachSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(
        self,
        person_id: uuid.UUID,
        commitment_id: uuid.UUID,
        pagination_parameters: Any,
    ) -> Any:
        """Breaches of the commitment, the latest first."""
        return _page_of(
            person_id,
            commitment_id,
            service.breaches_query,
            pagination_parameters,
            "commitment_breaches",
            BREACH_FIELDS,
        )

    @requires("commitments:write")
    @blp.arguments(CommitmentBreachSchema)
    @blp.response(201, CommitmentBreachSchema)
    def post(
        self, values: dict[str, Any], person_id: uuid.UUID, commitment_id: uuid.UUID
    ) -> Any:
        """Record a breach of the commitment."""
        return _add(person_id, commitment_id, service.record_breach, values)


@blp.route("/<uuid:commitment_id>/scans")
class Scans(MethodView):
    @requires("commitments:read")
    @blp.response(200, StoredFileSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(
        self,
        person_id: uuid.UUID,
        commitment_id: uuid.UUID,
        pagination_parameters: Any,
    ) -> Any:
        """Scans of the signed paper, oldest first (without their content)."""
        return _page_of(
            person_id,
            commitment_id,
            service.scans_query,
            pagination_parameters,
            "commitment_scans",
            SCAN_FIELDS,
        )

    @requires("commitments:write")
    @accepts_upload
    @blp.arguments(FileUploadSchema, location="files")
    @blp.response(201, StoredFileSchema)
    def post(
        self, upload: dict[str, Any], person_id: uuid.UUID, commitment_id: uuid.UUID
    ) -> Any:
        """Attach a scan (PDF, JPEG or PNG, up to BINHYEN_MAX_UPLOAD_BYTES) as
        multipart/form-data in the part ``file``. It is stored encrypted."""
        return _add(person_id, commitment_id, service.add_scan, from_upload(upload))


@blp.route("/<uuid:commitment_id>/scans/<uuid:file_id>")
class ScanById(MethodView):
    @requires("commitments:read")
    @blp.doc(responses={"200": DOWNLOAD_RESPONSE})
    def get(
        self, person_id: uuid.UUID, commitment_id: uuid.UUID, file_id: uuid.UUID
    ) -> Response:
        """Download a scan, decrypted. The download is audited."""
        db = request_session()
        commitment = _commitment(person_id, commitment_id)
        stored = service.get_scan(db, commitment, file_id)
        note_read(
            db,
            person_id,
            "commitment_scan",
            ["content"],
            {**_about(commitment), "file": str(stored.id)},
        )
        response = download(stored, "cam-ket")
        db.commit()
        return response

    @requires("commitments:write")
    @blp.response(204)
    def delete(
        self, person_id: uuid.UUID, commitment_id: uuid.UUID, file_id: uuid.UUID
    ) -> None:
        """Remove a scan attached by mistake."""
        db = request_session()
        commitment = _commitment(person_id, commitment_id)
        service.remove_scan(db, commitment, service.get_scan(db, commitment, file_id))
        db.commit()

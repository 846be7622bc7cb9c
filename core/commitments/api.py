"""REST endpoints for commitments:
/api/v1/c/<commune>/persons/<person_id>/commitments/...

Each route reaches the person first (core.people.reach), so a person out of
the caller's reach, or of another commune, is not found. Every read is
audited as a read of the person's file, naming the fields shown.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from core.access.policy import requires, signed_in
from core.api.conditional import IF_MATCH_PARAMETER, check_if_match, etag_headers
from core.api.pagination import PAGINATION, page_of
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
from core.db import request_session
from core.files import service as files
from core.files.api import (
    DOWNLOAD_RESPONSE,
    FileUploadSchema,
    StoredFileSchema,
    download,
    from_upload,
)
from core.people.reach import note_read, reachable

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


def _noted(commitment: Commitment, part: str, fields: frozenset[str]) -> None:
    db = request_session()
    note_read(
        db, commitment.person_id, part, fields, {"commitment": str(commitment.id)}
    )
    db.commit()


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
        found = page_of(db, service.list_query(person, **args), pagination_parameters)
        note_read(db, person, "commitments", COMMITMENT_FIELDS)
        db.commit()
        return found

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
        commitment = _commitment(person_id, commitment_id)
        _noted(commitment, "commitment", COMMITMENT_FIELDS)
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
        commitment = _commitment(person_id, commitment_id)
        found = page_of(
            request_session(), service.reviews_query(commitment), pagination_parameters
        )
        _noted(commitment, "commitment_reviews", REVIEW_FIELDS)
        return found

    @requires("commitments:write")
    @blp.arguments(CommitmentReviewSchema)
    @blp.response(201, CommitmentReviewSchema)
    def post(
        self, values: dict[str, Any], person_id: uuid.UUID, commitment_id: uuid.UUID
    ) -> Any:
        """Review an active commitment: it continues (to its next review
        date), is renewed by a new one, or ends."""
        db = request_session()
        commitment = _commitment(person_id, commitment_id)
        done = service.review(db, commitment, values, signed_in())
        db.commit()
        return done, 201


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
        commitment = _commitment(person_id, commitment_id)
        found = page_of(
            request_session(), service.breaches_query(commitment), pagination_parameters
        )
        _noted(commitment, "commitment_breaches", BREACH_FIELDS)
        return found

    @requires("commitments:write")
    @blp.arguments(CommitmentBreachSchema)
    @blp.response(201, CommitmentBreachSchema)
    def post(
        self, values: dict[str, Any], person_id: uuid.UUID, commitment_id: uuid.UUID
    ) -> Any:
        """Record a breach of the commitment."""
        db = request_session()
        commitment = _commitment(person_id, commitment_id)
        breach = service.record_breach(db, commitment, values, signed_in())
        db.commit()
        return breach, 201


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
        commitment = _commitment(person_id, commitment_id)
        found = page_of(
            request_session(), service.scans_query(commitment), pagination_parameters
        )
        _noted(commitment, "commitment_scans", SCAN_FIELDS)
        return found

    @requires("commitments:write")
    @accepts_upload
    @blp.arguments(FileUploadSchema, location="files")
    @blp.response(201, StoredFileSchema)
    def post(
        self, upload: dict[str, Any], person_id: uuid.UUID, commitment_id: uuid.UUID
    ) -> Any:
        """Attach a scan (PDF, JPEG or PNG, up to BINHYEN_MAX_UPLOAD_BYTES) as
        multipart/form-data in the part ``file``. It is stored encrypted."""
        db = request_session()
        commitment = _commitment(person_id, commitment_id)
        data, declared, name = from_upload(upload)
        stored = files.store(
            db, data, declared_type=declared, filename=name, by=signed_in()
        )
        service.attach_scan(db, commitment, stored)
        db.commit()
        return stored, 201


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
            commitment.person_id,
            "commitment_scan",
            ["content"],
            {"commitment": str(commitment.id), "file": str(stored.id)},
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

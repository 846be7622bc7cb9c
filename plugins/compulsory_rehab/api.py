"""REST endpoints of compulsory rehabilitation:
/api/v1/c/<commune>/compulsory-rehab/persons/<id>/dossiers to list and start
a person's dossiers, /api/v1/c/<commune>/compulsory-rehab/dossiers/<id>/...
for one dossier, its documents and scans, its steps and its printable
summary.

Every route reaches the dossier's person first (404 otherwise), every read
is audited with the fields shown, and every step needs If-Match.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Response, g
from flask.views import MethodView
from flask_smorest import Blueprint

from core.toolkit import (
    DOWNLOAD_RESPONSE,
    IF_MATCH_PARAMETER,
    PAGINATION,
    FileUploadSchema,
    StoredFileSchema,
    accepts_upload,
    check_if_match,
    download,
    etag_headers,
    from_upload,
    note_read,
    page_read,
    reachable,
    request_session,
    requires,
    signed_in,
    tidy,
)
from plugins.compulsory_rehab import service, steps, summary
from plugins.compulsory_rehab.models import Dossier
from plugins.compulsory_rehab.schemas import (
    RehabDocumentSchema,
    RehabDossierSchema,
)

logger = logging.getLogger(__name__)

READ = service.READ
WRITE = service.WRITE
DOSSIER_FIELDS = sorted(RehabDossierSchema().fields)
DOCUMENT_FIELDS = sorted(RehabDocumentSchema().fields)
TEXT = steps.TEXT

blp = Blueprint(
    "compulsory_rehab_api",
    __name__,
    url_prefix="/api/v1/c/<commune>/compulsory-rehab",
    description="Dossiers for compulsory rehabilitation, from preparation to "
    "release and post-rehab management.",
)


def _shown(dossier: Dossier) -> Dossier:
    """The dossier with what it lacks and its deadlines, for the schema."""
    db = request_session()
    dossier.missing = service.missing(db, dossier)  # type: ignore[attr-defined]
    dossier.deadlines = service.deadlines(dossier)  # type: ignore[attr-defined]
    return dossier


def _about(dossier: Dossier) -> dict[str, str]:
    return {"dossier": str(dossier.id)}


@blp.route("/persons/<uuid:person_id>/dossiers")
class Dossiers(MethodView):
    @requires(READ)
    @blp.response(200, RehabDossierSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, person_id: uuid.UUID, pagination_parameters: Any) -> Any:
        """The person's dossiers, the latest first."""
        db = request_session()
        person = reachable(db, person_id)
        found = page_read(
            db,
            person,
            service.dossiers_of(person.id),
            pagination_parameters,
            "compulsory_rehab_dossiers",
            DOSSIER_FIELDS,
        )
        return [_shown(dossier) for dossier in found]

    @requires(WRITE)
    @blp.arguments(RehabDossierSchema)
    @blp.response(201, RehabDossierSchema)
    def post(self, values: dict[str, Any], person_id: uuid.UUID) -> Any:
        """Start a dossier for a tier-3 person, under the ruleset in force."""
        db = request_session()
        person = reachable(db, person_id)
        dossier = service.create(db, person, tidy(values, TEXT), signed_in())
        _shown(dossier)
        db.commit()
        return dossier, 201, etag_headers(dossier)


def _dossier(dossier_id: uuid.UUID) -> Dossier:
    return service.get(request_session(), dossier_id)


@blp.route("/dossiers/<uuid:dossier_id>")
class DossierById(MethodView):
    @requires(READ)
    @blp.response(200, RehabDossierSchema)
    def get(self, dossier_id: uuid.UUID) -> Any:
        """One dossier, with the documents it still lacks and the deadline
        of each step; the ETag is what If-Match wants back."""
        db = request_session()
        dossier = _shown(_dossier(dossier_id))
        note_read(
            db,
            dossier.person_id,
            "compulsory_rehab_dossier",
            DOSSIER_FIELDS,
            _about(dossier),
        )
        db.commit()
        return dossier, 200, etag_headers(dossier)


@blp.route("/dossiers/<uuid:dossier_id>/documents")
class Documents(MethodView):
    @requires(READ)
    @blp.response(200, RehabDocumentSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, dossier_id: uuid.UUID, pagination_parameters: Any) -> Any:
        """The dossier's documents, in the order they were prepared."""
        dossier = _dossier(dossier_id)
        return page_read(
            request_session(),
            dossier.person_id,
            service.documents_of(dossier),
            pagination_parameters,
            "compulsory_rehab_documents",
            DOCUMENT_FIELDS,
            _about(dossier),
        )

    @requires(WRITE)
    @blp.arguments(RehabDocumentSchema)
    @blp.response(201, RehabDocumentSchema)
    def post(self, values: dict[str, Any], dossier_id: uuid.UUID) -> Any:
        """Record a document of the dossier: its kind, who prepared it and
        when (and who confirmed it, where the ruleset asks). Attach its scan
        with PUT .../documents/<id>/scan."""
        db = request_session()
        document = service.add_document(
            db, _dossier(dossier_id), tidy(values, TEXT), signed_in()
        )
        db.commit()
        return document, 201


@blp.route("/dossiers/<uuid:dossier_id>/documents/<uuid:document_id>/scan")
class Scan(MethodView):
    @requires(READ)
    @blp.doc(responses={"200": DOWNLOAD_RESPONSE})
    def get(self, dossier_id: uuid.UUID, document_id: uuid.UUID) -> Response:
        """Download the document's scan, decrypted. The download is audited."""
        db = request_session()
        dossier = _dossier(dossier_id)
        stored = service.scan_of(db, service.get_document(db, dossier, document_id))
        note_read(
            db,
            dossier.person_id,
            "compulsory_rehab_scan",
            ["content"],
            {**_about(dossier), "document": str(document_id)},
        )
        response = download(stored, "ho-so-cai-nghien")
        db.commit()
        return response

    @requires(WRITE)
    @accepts_upload
    @blp.arguments(FileUploadSchema, location="files")
    @blp.response(201, StoredFileSchema)
    def put(
        self, upload: dict[str, Any], dossier_id: uuid.UUID, document_id: uuid.UUID
    ) -> Any:
        """Attach the document's scan (PDF, JPEG or PNG, up to
        BINHYEN_MAX_UPLOAD_BYTES) as multipart/form-data in the part
        ``file``; it is stored encrypted and replaces an earlier scan."""
        db = request_session()
        dossier = _dossier(dossier_id)
        document = service.get_document(db, dossier, document_id)
        stored = service.attach_scan(
            db, dossier, document, from_upload(upload), signed_in()
        )
        db.commit()
        return stored, 201


@blp.route("/dossiers/<uuid:dossier_id>/summary")
class Summary(MethodView):
    @requires(READ)
    @blp.doc(responses={"200": DOWNLOAD_RESPONSE})
    def get(self, dossier_id: uuid.UUID) -> Response:
        """The dossier's summary as a PDF to print and sign. Audited."""
        db = request_session()
        dossier = _dossier(dossier_id)
        person = reachable(db, dossier.person_id)
        documents = list(db.scalars(service.documents_of(dossier)))
        content = summary.render(dossier, person, documents, g.commune)
        note_read(
            db,
            person,
            "compulsory_rehab_summary",
            ["full_name", "date_of_birth", *DOSSIER_FIELDS],
            _about(dossier),
        )
        db.commit()
        response = Response(content, mimetype="application/pdf")
        response.headers["Content-Disposition"] = (
            'attachment; filename="tom-tat-ho-so.pdf"'
        )
        response.headers["Cache-Control"] = "no-store"
        return response


def _step_route(step: steps.Step) -> None:
    """Serve ``POST /dossiers/<id>/<step>``: the step's input through its
    schema into its service, under If-Match."""

    def post(self: MethodView, values: dict[str, Any], dossier_id: uuid.UUID) -> Any:
        db = request_session()
        dossier = _dossier(dossier_id)
        check_if_match(dossier)
        step.work(db, dossier, tidy(values, TEXT), signed_in())
        _shown(dossier)
        db.commit()
        return dossier, 200, etag_headers(dossier)

    post.__doc__ = step.doc
    post = requires(WRITE)(
        blp.doc(parameters=[IF_MATCH_PARAMETER])(
            blp.arguments(step.schema)(blp.response(200, RehabDossierSchema)(post))
        )
    )
    view = type(f"Dossier{step.name.title()}", (MethodView,), {"post": post})
    blp.route(f"/dossiers/<uuid:dossier_id>/{step.name}")(view)


for _step in steps.STEPS:
    _step_route(_step)

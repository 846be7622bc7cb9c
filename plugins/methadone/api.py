"""REST endpoints of Methadone treatment tracking:
/api/v1/c/<commune>/methadone/points/... for dispensing points and their
batches of attendance, /api/v1/c/<commune>/methadone/persons/<id>/... for
one person's treatment.

A person's routes reach the person first, and every read of their
treatment is audited with the fields shown. Doses are shown only to holders
of ``methadone:read_doses``; officers see attendance and phases.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from core.toolkit import (
    IF_MATCH_PARAMETER,
    PAGINATION,
    FileUploadSchema,
    accepts_upload,
    caller_holds,
    check_if_match,
    etag_headers,
    from_upload,
    note_read,
    page_of,
    page_read,
    reachable,
    request_session,
    requires,
    show_everything,
    signed_in,
)
from plugins.methadone import attendance, service
from plugins.methadone.models import Attendance, Enrolment
from plugins.methadone.schemas import (
    AdherenceSchema,
    AttendanceSchema,
    BulkAttendanceSchema,
    DispensingPointPatchSchema,
    DispensingPointSchema,
    DoseChangeSchema,
    EnrolmentPatchSchema,
    EnrolmentSchema,
    PeriodSchema,
    RecordedSchema,
)

READ = service.READ
DOSES = "methadone:read_doses"
WRITE = "methadone:write"
MANAGE = "methadone:manage"

ENROLMENT_FIELDS = frozenset(EnrolmentSchema().fields)
ATTENDANCE_FIELDS = frozenset(AttendanceSchema().fields)
DOSE_FIELDS = frozenset(DoseChangeSchema().fields)

blp = Blueprint(
    "methadone_api",
    __name__,
    url_prefix="/api/v1/c/<commune>/methadone",
    description="Methadone treatment: dispensing points, enrolments, doses, "
    "attendance and adherence (the methadone plugin).",
)


def _shown(everything: frozenset[str], summary: frozenset[str]) -> frozenset[str]:
    """The fields the caller sees: doses only with methadone:read_doses. The
    response schemas of the request follow."""
    allowed = caller_holds(DOSES)
    show_everything(allowed)
    return everything if allowed else summary


def _enrolment_fields() -> frozenset[str]:
    return _shown(ENROLMENT_FIELDS, EnrolmentSchema.SUMMARY)


def _enrolment(person_id: uuid.UUID, enrolment_id: uuid.UUID) -> Enrolment:
    db = request_session()
    return service.get_enrolment(db, reachable(db, person_id).id, enrolment_id)


def _about(enrolment: Enrolment) -> dict[str, str]:
    return {"enrolment": str(enrolment.id)}


# -- dispensing points -----------------------------------------------------------


@blp.route("/points")
class Points(MethodView):
    @requires(READ)
    @blp.response(200, DispensingPointSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, pagination_parameters: Any) -> Any:
        """The commune's dispensing points, open ones first."""
        return page_of(request_session(), service.points_query(), pagination_parameters)

    @requires(MANAGE)
    @blp.arguments(DispensingPointSchema)
    @blp.response(201, DispensingPointSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Add a dispensing point."""
        db = request_session()
        point = service.save_point(db, values)
        db.commit()
        return point, 201, etag_headers(point)


@blp.route("/points/<uuid:point_id>")
class PointById(MethodView):
    @requires(READ)
    @blp.response(200, DispensingPointSchema)
    def get(self, point_id: uuid.UUID) -> Any:
        """One dispensing point."""
        point = service.get_point(request_session(), point_id)
        return point, 200, etag_headers(point)

    @requires(MANAGE)
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(DispensingPointPatchSchema)
    @blp.response(200, DispensingPointSchema)
    def patch(self, values: dict[str, Any], point_id: uuid.UUID) -> Any:
        """Rename, move or close a dispensing point. Needs If-Match."""
        db = request_session()
        point = service.get_point(db, point_id)
        check_if_match(point)
        service.save_point(db, values, point)
        db.commit()
        return point, 200, etag_headers(point)


@blp.route("/points/<uuid:point_id>/attendance")
class DayAtPoint(MethodView):
    @requires(WRITE)
    @blp.arguments(BulkAttendanceSchema)
    @blp.response(201, RecordedSchema)
    def post(self, values: dict[str, Any], point_id: uuid.UUID) -> Any:
        """Record one day at the point for many people at once. Every line is
        checked first: one wrong line (``rows[3].status``) refuses them all."""
        db = request_session()
        point = service.get_point(db, point_id)
        rows = attendance.from_day(values["date"], values["rows"])
        lines = attendance.check(db, point, rows, "json")
        recorded = attendance.record(db, lines, signed_in())
        db.commit()
        return {"recorded": recorded}, 201


@blp.route("/points/<uuid:point_id>/imports")
class ImportAtPoint(MethodView):
    @requires(WRITE)
    @accepts_upload
    @blp.arguments(FileUploadSchema, location="files")
    @blp.response(201, RecordedSchema)
    def post(self, upload: dict[str, Any], point_id: uuid.UUID) -> Any:
        """Import the point's CSV export (multipart/form-data, part ``file``):
        columns patient_code, date, status and optionally dose_mg. Every line
        is checked first; one wrong line refuses the whole file, with each
        wrong line named (``rows[12].date``, "Line 14: ...")."""
        db = request_session()
        point = service.get_point(db, point_id)
        data, _declared, _name = from_upload(upload)
        lines = attendance.check(db, point, attendance.from_csv(data), "files")
        recorded = attendance.record(db, lines, signed_in())
        db.commit()
        return {"recorded": recorded}, 201


@blp.route("/points/<uuid:point_id>/adherence")
class PointAdherence(MethodView):
    @requires(MANAGE)
    @blp.arguments(PeriodSchema, location="query")
    @blp.response(200, AdherenceSchema)
    def get(self, args: dict[str, Any], point_id: uuid.UUID) -> Any:
        """How treatment at the point went over a period (the last 30 days
        when none is given): counts only, no one named."""
        db = request_session()
        point = service.get_point(db, point_id)
        start, end = service.period(args.get("start"), args.get("end"))
        treated = db.scalars(
            service.treated_in(start, end).where(Enrolment.point_id == point.id)
        )
        return _adherence(service.adherence(db, treated, start, end))


def _adherence(found: service.Adherence) -> dict[str, Any]:
    return {**asdict(found), "rate": found.rate}


# -- one person's treatment ------------------------------------------------------


@blp.route("/persons/<uuid:person_id>/enrolments")
class Enrolments(MethodView):
    @requires(READ)
    @blp.response(200, EnrolmentSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, person_id: uuid.UUID, pagination_parameters: Any) -> Any:
        """The person's treatments, the latest started first."""
        db = request_session()
        person = reachable(db, person_id)
        return page_read(
            db,
            person,
            service.enrolments_of(person.id),
            pagination_parameters,
            "methadone_enrolments",
            _enrolment_fields(),
        )

    @requires(WRITE)
    @blp.arguments(EnrolmentSchema)
    @blp.response(201, EnrolmentSchema)
    def post(self, values: dict[str, Any], person_id: uuid.UUID) -> Any:
        """Start the person's treatment at a dispensing point."""
        db = request_session()
        enrolment = service.enrol(db, reachable(db, person_id), values, signed_in())
        _enrolment_fields()
        db.commit()
        return enrolment, 201, etag_headers(enrolment)


@blp.route("/persons/<uuid:person_id>/enrolments/<uuid:enrolment_id>")
class EnrolmentById(MethodView):
    @requires(READ)
    @blp.response(200, EnrolmentSchema)
    def get(self, person_id: uuid.UUID, enrolment_id: uuid.UUID) -> Any:
        """One treatment; the ETag is what If-Match wants back."""
        db = request_session()
        enrolment = _enrolment(person_id, enrolment_id)
        shown = _enrolment_fields()
        note_read(db, person_id, "methadone_enrolment", shown, _about(enrolment))
        db.commit()
        return enrolment, 200, etag_headers(enrolment)

    @requires(WRITE)
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(EnrolmentPatchSchema)
    @blp.response(200, EnrolmentSchema)
    def patch(
        self, values: dict[str, Any], person_id: uuid.UUID, enrolment_id: uuid.UUID
    ) -> Any:
        """End a treatment, or take one up again. Needs If-Match."""
        db = request_session()
        enrolment = _enrolment(person_id, enrolment_id)
        check_if_match(enrolment)
        service.end_or_resume(db, enrolment, values)
        _enrolment_fields()
        db.commit()
        return enrolment, 200, etag_headers(enrolment)


@blp.route("/persons/<uuid:person_id>/enrolments/<uuid:enrolment_id>/doses")
class Doses(MethodView):
    @requires(DOSES)
    @blp.response(200, DoseChangeSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(
        self,
        person_id: uuid.UUID,
        enrolment_id: uuid.UUID,
        pagination_parameters: Any,
    ) -> Any:
        """The history of the treatment's doses and phases, the latest first."""
        enrolment = _enrolment(person_id, enrolment_id)
        return page_read(
            request_session(),
            person_id,
            service.doses_of(enrolment),
            pagination_parameters,
            "methadone_doses",
            DOSE_FIELDS,
            _about(enrolment),
        )

    @requires(WRITE)
    @blp.arguments(DoseChangeSchema)
    @blp.response(201, DoseChangeSchema)
    def post(
        self, values: dict[str, Any], person_id: uuid.UUID, enrolment_id: uuid.UUID
    ) -> Any:
        """Record a new dose and phase from a day on."""
        db = request_session()
        change = service.change_dose(
            db, _enrolment(person_id, enrolment_id), values, signed_in()
        )
        db.commit()
        return change, 201


@blp.route("/persons/<uuid:person_id>/enrolments/<uuid:enrolment_id>/attendance")
class EnrolmentAttendance(MethodView):
    @requires(READ)
    @blp.arguments(PeriodSchema, location="query")
    @blp.response(200, AttendanceSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(
        self,
        args: dict[str, Any],
        person_id: uuid.UUID,
        enrolment_id: uuid.UUID,
        pagination_parameters: Any,
    ) -> Any:
        """The treatment's days in a period (the last 30 when none is given),
        the latest first."""
        enrolment = _enrolment(person_id, enrolment_id)
        start, end = service.period(args.get("start"), args.get("end"))
        query = (
            service.attendance_of(enrolment)
            .where(Attendance.day >= start, Attendance.day < end)
            .order_by(Attendance.day.desc())
        )
        return page_read(
            request_session(),
            person_id,
            query,
            pagination_parameters,
            "methadone_attendance",
            _shown(ATTENDANCE_FIELDS, AttendanceSchema.SUMMARY),
            _about(enrolment),
        )


@blp.route("/persons/<uuid:person_id>/adherence")
class PersonAdherence(MethodView):
    @requires(READ)
    @blp.arguments(PeriodSchema, location="query")
    @blp.response(200, AdherenceSchema)
    def get(self, args: dict[str, Any], person_id: uuid.UUID) -> Any:
        """How the person's treatment went over a period (the last 30 days
        when none is given)."""
        db = request_session()
        person = reachable(db, person_id)
        start, end = service.period(args.get("start"), args.get("end"))
        treated = db.scalars(
            service.treated_in(start, end).where(Enrolment.person_id == person.id)
        )
        found = _adherence(service.adherence(db, treated, start, end))
        note_read(db, person, "methadone_adherence", sorted(found))
        db.commit()
        return found

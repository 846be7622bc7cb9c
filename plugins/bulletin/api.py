"""REST endpoints of the bulletin: /api/v1/c/<commune>/bulletin/..."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from core.toolkit import (
    IF_MATCH_PARAMETER,
    PAGINATION,
    check_if_match,
    etag_headers,
    page_of,
    request_session,
    requires,
    signed_in,
    utcnow,
)
from plugins.bulletin import service
from plugins.bulletin.models import Notice, Receipt
from plugins.bulletin.schemas import NoticePatchSchema, NoticeSchema

blp = Blueprint(
    "bulletin_api",
    __name__,
    url_prefix="/api/v1/c/<commune>/bulletin",
    description="Notices to a commune's staff (the reference plugin).",
)


@blp.route("/notices")
class Notices(MethodView):
    @requires("bulletin:read")
    @blp.response(200, NoticeSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, pagination_parameters: Any) -> Any:
        """Notices, pinned first, newest next."""
        query = select(Notice).order_by(
            Notice.pinned.desc(), Notice.created_at.desc(), Notice.id
        )
        return page_of(request_session(), query, pagination_parameters)

    @requires("bulletin:write")
    @blp.arguments(NoticeSchema)
    @blp.response(201, NoticeSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Post a notice; it is delivered to every staff inbox by a job."""
        db = request_session()
        notice = service.post(db, values, signed_in().user_id)
        db.commit()
        return notice, 201, etag_headers(notice)


@blp.route("/notices/<uuid:notice_id>")
class NoticeById(MethodView):
    @requires("bulletin:read")
    @blp.response(200, NoticeSchema)
    def get(self, notice_id: uuid.UUID) -> Any:
        """One notice."""
        notice = service.get(request_session(), notice_id)
        return notice, 200, etag_headers(notice)

    @requires("bulletin:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.arguments(NoticePatchSchema)
    @blp.response(200, NoticeSchema)
    def patch(self, values: dict[str, Any], notice_id: uuid.UUID) -> Any:
        """Change a notice. Needs If-Match."""
        db = request_session()
        notice = service.get(db, notice_id)
        check_if_match(notice)
        for key, value in values.items():
            setattr(notice, key, value)
        db.commit()
        return notice, 200, etag_headers(notice)

    @requires("bulletin:write")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.response(204)
    def delete(self, notice_id: uuid.UUID) -> None:
        """Remove a notice. Needs If-Match."""
        db = request_session()
        notice = service.get(db, notice_id)
        check_if_match(notice)
        db.delete(notice)
        db.commit()


@blp.route("/inbox")
class Inbox(MethodView):
    @requires("bulletin:read")
    @blp.response(200, NoticeSchema(many=True))
    def get(self) -> Any:
        """Notices delivered to you and not yet read."""
        db = request_session()
        return db.scalars(
            select(Notice)
            .join(
                Receipt,
                (Receipt.notice_id == Notice.id)
                & (Receipt.tenant_id == Notice.tenant_id),
            )
            .where(Receipt.user_id == signed_in().user_id, Receipt.read_at.is_(None))
            .order_by(Notice.created_at.desc())
        ).all()


@blp.route("/notices/<uuid:notice_id>/read")
class MarkRead(MethodView):
    @requires("bulletin:read")
    @blp.response(204)
    def post(self, notice_id: uuid.UUID) -> None:
        """Mark a notice of your inbox as read."""
        db = request_session()
        notice = service.get(db, notice_id)
        receipt = db.scalars(
            select(Receipt).where(
                Receipt.notice_id == notice.id, Receipt.user_id == signed_in().user_id
            )
        ).first()
        if receipt is not None and receipt.read_at is None:
            receipt.read_at = utcnow()
        db.commit()

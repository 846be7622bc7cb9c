"""The REST API under /api/v1: the flask-smorest Api, its problem+json errors,
and the checks every API request passes before reaching a view.

Domain packages keep their own blueprints (``core/<domain>/api.py``); this
module only wires them in and holds what they share.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

import marshmallow as ma
from flask import Flask, Response, request
from flask_smorest import Api
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from core.access.policy import public
from core.api.uploads import MULTIPART, allow_upload_body, is_upload_view
from core.db import request_session
from core.errors import flatten_validation_messages, problem_response

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
JSON_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class FieldErrorSchema(ma.Schema):
    location = ma.fields.String(metadata={"description": "json, query, path..."})
    field = ma.fields.String(metadata={"description": "Dotted path of the field"})
    message = ma.fields.String()


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, as every error of this API is returned."""

    type = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    request_id = ma.fields.String()
    errors = ma.fields.List(ma.fields.Nested(FieldErrorSchema))


class BinhYenApi(Api):
    """flask-smorest's Api with errors rendered as problem+json."""

    ERROR_SCHEMA = ProblemSchema

    # The spec and its viewer, registered by flask-smorest, declare their
    # access like every other route: they describe the API and hold no data.
    @public("the API's description, which holds no data")
    def _openapi_json(self) -> Any:
        return super()._openapi_json()

    @public("the API's documentation page, which holds no data")
    def _openapi_swagger_ui(self) -> Any:
        return super()._openapi_swagger_ui()

    def handle_http_exception(self, error: HTTPException) -> Response:
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        errors: list[dict[str, str]] = []
        messages = data.get("errors") or data.get("messages")
        if isinstance(messages, dict):
            for location, fields in messages.items():
                if isinstance(fields, dict):
                    errors.extend(flatten_validation_messages(fields, location))
                else:
                    errors.extend(flatten_validation_messages({"_": fields}, location))
        if status >= 500:
            detail = (
                "Something went wrong on the server. The request id in this "
                "answer lets an operator find what happened."
            )
        elif status == 422:
            detail = "Some fields are not valid; see errors for each one."
        elif status == 412 and not data:
            detail = (
                "This record changed since you read it. Fetch it again, then "
                "send your change with the new ETag in If-Match."
            )
        else:
            detail = data.get("message") or error.description or error.name
        return problem_response(
            status, detail, errors=errors, headers=data.get("headers")
        )


def log_unhandled(exc: BaseException) -> None:
    """Log an exception that reached the top without its message."""
    # Only the exception's type and where it happened: its message may quote
    # database values, which can be personal data.
    frames = "".join(traceback.format_tb(exc.__traceback__))
    logger.error("unhandled %s\n%s", type(exc).__name__, frames)


def _check_body() -> Response | None:
    if request.method not in JSON_BODY_METHODS:
        return None
    if not request.path.startswith(API_PREFIX):
        # Pages take forms; the page that uploads a scan takes a larger one.
        if is_upload_view():
            allow_upload_body()
        return None
    # The one exception to JSON bodies: routes marked accepts_upload also take
    # a file as multipart/form-data, and only they take bodies that large.
    upload = is_upload_view()
    if upload:
        allow_upload_body()
    has_body = bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", ""
    )
    is_json = request.mimetype == "application/json" or request.mimetype.endswith(
        "+json"
    )
    if has_body and not (is_json or (upload and request.mimetype == MULTIPART)):
        return problem_response(
            415,
            "Send the file as multipart/form-data."
            if upload
            else "Send the request body as JSON with 'Content-Type: application/json'.",
            slug="unsupported-media-type",
        )
    return None


def init_app(app: Flask) -> BinhYenApi:
    app.config.update(
        API_TITLE="Bình Yên",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/api/docs/assets/",
    )
    api = BinhYenApi(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]

    app.before_request(_check_body)

    @app.errorhandler(IntegrityError)
    def _integrity(_exc: IntegrityError) -> Response:
        request_session().rollback()
        return problem_response(
            409,
            "This change conflicts with an existing record (a duplicate name or "
            "code, or a reference to something that does not exist).",
            slug="conflict",
        )

    @app.errorhandler(StaleDataError)
    def _stale(_exc: StaleDataError) -> Response:
        request_session().rollback()
        return problem_response(
            412,
            "Someone else changed this record while you were editing it. Fetch "
            "it again and reapply your change.",
            slug="stale",
        )

    _serve_swagger_assets(app)
    return api


def _serve_swagger_assets(app: Flask) -> None:
    """Serve Swagger UI from the installed package: no CDN reaches our users."""
    from flask import send_from_directory
    from swagger_ui_bundle import swagger_ui_path

    @public("documentation assets")
    def swagger_asset(filename: str) -> Any:
        return send_from_directory(swagger_ui_path, filename)

    app.add_url_rule("/api/docs/assets/<path:filename>", "swagger_asset", swagger_asset)

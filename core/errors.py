"""Errors that reach a caller, and their rendering as problem+json (RFC 9457).

Services raise a :class:`Problem` subclass; the web layer turns it, like any
HTTP error, into ``application/problem+json`` in the caller's language.
A problem's text names what was wrong and what to do about it, and never
carries a personal field's value: field errors name the field, not its
content.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Response, has_request_context, json, request

logger = logging.getLogger(__name__)

PROBLEM_MIME = "application/problem+json"
TYPE_BASE = "https://binhyen.example/problems/"

# Titles per HTTP status, in Vietnamese (the default) and English.
_TITLES: dict[int, tuple[str, str]] = {
    400: ("Yêu cầu không hợp lệ", "Bad request"),
    401: ("Cần đăng nhập", "Sign-in required"),
    403: ("Không có quyền", "Not allowed"),
    404: ("Không tìm thấy", "Not found"),
    405: ("Phương thức không được hỗ trợ", "Method not allowed"),
    409: ("Xung đột dữ liệu", "Conflict"),
    410: ("Không còn phục vụ", "Gone"),
    412: ("Dữ liệu đã thay đổi", "Precondition failed"),
    413: ("Nội dung quá lớn", "Request too large"),
    415: ("Kiểu nội dung không được hỗ trợ", "Unsupported content type"),
    422: ("Dữ liệu không hợp lệ", "Invalid input"),
    428: ("Thiếu điều kiện If-Match", "If-Match required"),
    429: ("Quá nhiều yêu cầu", "Too many requests"),
    500: ("Lỗi máy chủ", "Server error"),
    503: ("Dịch vụ tạm thời không sẵn sàng", "Service unavailable"),
}


class Problem(Exception):
    """An error with an HTTP status, a stable type and a message for people."""

    status = 400
    slug = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        slug: str | None = None,
        values: Mapping[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        # A detail built from values names them (``"... %(permission)s ..."``)
        # and gives them in ``values``: it is translated whole, then filled.
        self.template = detail
        self.values = dict(values or {})
        self.detail = detail % self.values if self.values else detail
        super().__init__(self.detail)
        self.errors = errors or []
        self.headers = dict(headers or {})
        if slug:
            self.slug = slug
        self.extra = extra


class Unauthorized(Problem):
    status = 401
    slug = "unauthorized"


class Forbidden(Problem):
    status = 403
    slug = "forbidden"


class NotFound(Problem):
    status = 404
    slug = "not-found"


class Conflict(Problem):
    status = 409
    slug = "conflict"


class Gone(Problem):
    status = 410
    slug = "gone"


class PreconditionFailed(Problem):
    status = 412
    slug = "stale"


class PreconditionRequired(Problem):
    status = 428
    slug = "if-match-required"


class TooLarge(Problem):
    status = 413
    slug = "too-large"


class Invalid(Problem):
    status = 422
    slug = "invalid"


class TooManyRequests(Problem):
    status = 429
    slug = "throttled"


def field_error(field: str, message: str, location: str = "json") -> dict[str, str]:
    """One entry of a problem's ``errors`` list."""
    return {"location": location, "field": field, "message": message}


def refuse(field: str, message: str, detail: str) -> Invalid:
    """A 422 about one field: ``message`` says what is wrong with it and
    ``detail`` what to do."""
    return Invalid(detail, errors=[field_error(field, message)])


def not_after_today(field: str, day: date | None) -> None:
    """Refuse a date of something done that has not come yet (in Vietnam)."""
    from core.db import local_today

    if day is not None and day > local_today():
        raise refuse(field, "In the future.", "A date that has not come yet.")


def caller_prefers_english() -> bool:
    best = request.accept_languages.best_match(["vi", "en"], default="vi")
    return best == "en"


def title_for(status: int, english: bool | None = None) -> str:
    """The problem's title; in English if ``english``, or, left out, if the
    caller's browser prefers it (the API's way; pages pass their language)."""
    vi, en = _TITLES.get(status, _TITLES[500] if status >= 500 else _TITLES[400])
    if english is None:
        english = caller_prefers_english()
    return en if english else vi


def in_callers_language(text: str, **values: Any) -> str:
    """A message of core or a plugin in the caller's language, where the
    catalogues have it. A message built from values names them in the text
    (``"Line %(line)s: %(message)s"``) and gives them here, so that the
    sentence is translated whole and the values filled in after."""
    if not has_request_context():
        return text % values if values else text
    from flask_babel import gettext

    return str(gettext(text, **values))


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
    values: Mapping[str, Any] | None = None,
) -> Response:
    """Render one problem document; ``values`` fill the translated detail."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + (slug or str(status)),
        "title": title_for(status),
        "status": status,
        "detail": in_callers_language(detail, **(values or {})),
    }
    request_id = getattr(request, "binhyen_request_id", None)
    if request_id:
        body["request_id"] = request_id
    if errors:
        body["errors"] = [
            {**e, "message": in_callers_language(e["message"])} for e in errors
        ]
    if extra:
        body.update(extra)
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIME
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def render_problem(problem: Problem) -> Response:
    return problem_response(
        problem.status,
        problem.template,
        slug=problem.slug,
        errors=problem.errors,
        headers=problem.headers,
        extra=problem.extra,
        values=problem.values,
    )


def flatten_validation_messages(
    messages: Mapping[str, Any], location: str
) -> list[dict[str, str]]:
    """Turn marshmallow's nested message dict into a flat list of field errors."""
    flat: list[dict[str, str]] = []

    def walk(node: Any, path: list[str]) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                walk(value, [*path, str(key)])
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item, path)
        else:
            flat.append(field_error(".".join(path) or "_body", str(node), location))

    walk(messages, [])
    return flat

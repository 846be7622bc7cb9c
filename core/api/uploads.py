"""File uploads: the few API routes that take multipart/form-data.

Every other API route takes JSON bodies of at most BINHYEN_MAX_BODY_BYTES
(core.api refuses the rest). A view marked :func:`accepts_upload` may also be
sent ``multipart/form-data``, up to BINHYEN_MAX_UPLOAD_BYTES, and only it:
the larger limit is set on the request before its body is read, so no other
route ever reads more than the small one.

Uploaded parts are kept in memory (:class:`InMemoryUploads`), never spooled
to a temporary file: a confidential scan must not touch the disk in clear.
The size limit is what bounds that memory.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import IO, Any, TypeVar

from flask import Request, current_app, has_app_context, request

from core.config import SETTINGS_BY_NAME

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
UPLOAD_ATTR = "binhyen_upload"
MULTIPART = "multipart/form-data"
# Room for the multipart envelope (boundaries, part headers, small fields)
# around the largest accepted file.
ENVELOPE_BYTES = 64 * 1024


def accepts_upload(view: F) -> F:
    """Mark an API view as taking a multipart/form-data file upload."""
    setattr(view, UPLOAD_ATTR, True)
    return view


def is_upload_view() -> bool:
    """Whether the view the current request is routed to accepts uploads."""
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, request.method.lower(), None)
    return bool(getattr(view, UPLOAD_ATTR, False))


def upload_limit() -> int:
    """The largest file, in bytes, that may be stored: BINHYEN_MAX_UPLOAD_BYTES
    of the running app, or its default outside one."""
    if has_app_context():
        limit: int = current_app.config["BINHYEN_SETTINGS"].max_upload_bytes
        return limit
    default: int = SETTINGS_BY_NAME["max_upload_bytes"].default
    return default


def allow_upload_body() -> None:
    """Let this request's body grow to the upload limit (plus its envelope)."""
    request.max_content_length = upload_limit() + ENVELOPE_BYTES


class InMemoryUploads(Request):
    """Flask's request, keeping uploaded files in memory instead of in a
    temporary file on disk."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return io.BytesIO()

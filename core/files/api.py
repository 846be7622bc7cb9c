"""What an owner's API needs to take and hand out files: the upload schema,
the schema of a stored file, and the download response.

An upload route looks like this (core.commitments.api has one)::

    @blp.route(".../scans")
    class Scans(MethodView):
        @requires("commitments:write")
        @accepts_upload
        @blp.arguments(FileUploadSchema, location="files")
        @blp.response(201, StoredFileSchema)
        def post(self, args, ...):
            data, declared, name = from_upload(args)
            stored = files.store(db, data, declared_type=declared, ...)
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import marshmallow as ma
from flask import Response
from flask_smorest.fields import Upload

from core.files.models import StoredFile
from core.files.service import FIELD, download_name

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024

DOWNLOAD_RESPONSE = {
    "description": "The file, as it was stored.",
    "content": {
        t: {"schema": {"type": "string", "format": "binary"}}
        for t in ("application/pdf", "image/jpeg", "image/png")
    },
}


class FileUploadSchema(ma.Schema):
    """One file, in the multipart/form-data field ``file``."""

    file = Upload(
        required=True,
        data_key=FIELD,
        error_messages={
            "required": "Send the file as multipart/form-data, in a part named 'file'."
        },
    )

    class Meta:
        unknown = ma.RAISE


class StoredFileSchema(ma.Schema):
    """A stored file as lists show it; the content is fetched on its own."""

    id = ma.fields.UUID(dump_only=True)
    content_type = ma.fields.String(dump_only=True)
    size = ma.fields.Integer(dump_only=True)
    digest = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "HMAC-SHA256 of the content under a key of "
            "the commune: equal within the commune for equal files"
        },
    )
    filename = ma.fields.String(dump_only=True)
    uploaded_by = ma.fields.String(dump_only=True, attribute="recorded_by")
    uploaded_at = ma.fields.DateTime(dump_only=True, attribute="recorded_at")


def from_upload(args: dict[str, Any]) -> tuple[bytes, str | None, str | None]:
    """The bytes, declared type and original name of a parsed upload."""
    part = args["file"]
    return part.read(), part.mimetype, part.filename


def _chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), CHUNK_BYTES):
        yield data[start : start + CHUNK_BYTES]


def download(stored: StoredFile, stem: str) -> Response:
    """The decrypted file as an attachment that no cache keeps.

    AES-GCM checks the whole ciphertext before releasing any of it, so the
    body is decrypted whole (it is at most BINHYEN_MAX_UPLOAD_BYTES), then
    sent in chunks.
    """
    return attachment(
        bytes(stored.content), stored.content_type, download_name(stored, stem)
    )


def attachment(data: bytes, content_type: str, name: str) -> Response:
    """``data`` as a download named ``name`` that no cache keeps."""
    response = Response(_chunks(data), mimetype=content_type, direct_passthrough=True)
    response.content_length = len(data)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    # Should a browser open it anyway, nothing in it may run or load.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

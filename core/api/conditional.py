"""Optimistic concurrency over HTTP: ETags out, If-Match in.

A record's ETag is its version counter, which SQLAlchemy checks again in the
UPDATE itself, so a change that slips in between our check and our write is
still caught (as a 412), never silently overwritten.
"""

from __future__ import annotations

from typing import Protocol

from flask import request

from core.errors import PreconditionFailed, PreconditionRequired

IF_MATCH_PARAMETER = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": "The ETag of the record as you last read it.",
    "schema": {"type": "string"},
}


class Versioned(Protocol):
    version: int


def etag_of(record: Versioned) -> str:
    return f'"v{record.version}"'


def etag_headers(record: Versioned) -> dict[str, str]:
    return {"ETag": etag_of(record)}


def check_if_match(record: Versioned) -> None:
    """Refuse a change unless If-Match names the record's current version."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired(
            "Send If-Match with the ETag you got when you read this record, so "
            "that you cannot overwrite someone else's change by accident."
        )
    offered = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" in offered or etag_of(record) in offered:
        return
    raise PreconditionFailed(
        "This record changed since you read it. Fetch it again, then send your "
        "change with the new ETag in If-Match.",
        headers={"ETag": etag_of(record)},
    )

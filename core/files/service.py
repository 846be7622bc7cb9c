"""Rules for stored files: what may be stored, and storing and fetching it.

A file's type is read from its first bytes; what the uploader declared must
agree with it or the file is refused, so a page cannot be smuggled in as a
"photo". Empty files and files above BINHYEN_MAX_UPLOAD_BYTES are refused.
Owners call :func:`store` with the bytes and keep the returned file's id;
nothing here checks who may do so: the owner's route has done that.
"""

from __future__ import annotations

import logging
import os
import unicodedata
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.api.uploads import upload_limit
from core.crypto.fields import keyed_digest
from core.db import Actor, stamp
from core.errors import Invalid, NotFound, TooLarge, field_error
from core.files import metadata
from core.files.models import StoredFile

logger = logging.getLogger(__name__)

FIELD = "file"
MAX_NAME = 255


@dataclass(frozen=True)
class FileType:
    """A kind of file we accept, known by how its content starts."""

    content_type: str
    extension: str
    label: str
    magic: bytes


PDF = FileType("application/pdf", "pdf", "PDF", b"%PDF-")
JPEG = FileType("image/jpeg", "jpg", "JPEG", b"\xff\xd8\xff")
PNG = FileType("image/png", "png", "PNG", metadata.PNG_SIGNATURE)
TYPES = {t.content_type: t for t in (PDF, JPEG, PNG)}

# What each use accepts: papers (scans, dossiers) and photos.
DOCUMENTS = frozenset({PDF.content_type, JPEG.content_type, PNG.content_type})
PHOTOS = frozenset({JPEG.content_type, PNG.content_type})

# Names some clients use for the same types.
_ALIASES = {
    "application/x-pdf": PDF.content_type,
    "image/jpg": JPEG.content_type,
    "image/pjpeg": JPEG.content_type,
    "image/x-png": PNG.content_type,
}
# A declaration that says nothing: the content decides alone.
_UNDECLARED = frozenset({"", "application/octet-stream"})


def sniff(data: bytes) -> FileType | None:
    """The type of ``data`` by its first bytes, or None if we do not know it."""
    for file_type in TYPES.values():
        if data.startswith(file_type.magic):
            return file_type
    return None


def _refuse(message: str, detail: str) -> Invalid:
    return Invalid(detail, errors=[field_error(FIELD, message, "files")])


def check(
    data: bytes,
    declared: str | None,
    allowed: frozenset[str] = DOCUMENTS,
    limit: int | None = None,
) -> FileType:
    """The type of an upload, or the problem that refuses it."""
    limit = limit or upload_limit()
    if not data:
        raise _refuse("Empty.", "The file is empty; choose the file again.")
    if len(data) > limit:
        raise TooLarge(
            "The file is larger than %(kib)s KiB, the most accepted; scan at a "
            "lower resolution or split the document.",
            errors=[field_error(FIELD, "Too large.", "files")],
            values={"kib": limit // 1024},
        )
    labels = ", ".join(TYPES[t].label for t in sorted(allowed))
    found = sniff(data)
    if found is None or found.content_type not in allowed:
        raise _refuse(
            f"Not {labels}.", f"Only these kinds of file are accepted: {labels}."
        )
    said = (declared or "").split(";")[0].strip().lower()
    said = _ALIASES.get(said, said)
    if said not in _UNDECLARED and said != found.content_type:
        raise _refuse(
            "Its content is not of the type declared.",
            f"The file's content is {found.label}, not the type it was sent as; "
            "send it with its true type.",
        )
    return found


def clean_name(filename: str | None) -> str | None:
    """The last part of a path, NFC, without control characters, capped."""
    if not filename:
        return None
    name = os.path.basename(filename.replace("\\", "/"))
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = unicodedata.normalize("NFC", name).strip()
    return name[:MAX_NAME] or None


def store(
    db: Session,
    data: bytes,
    *,
    declared_type: str | None,
    filename: str | None,
    by: Actor,
    allowed: frozenset[str] = DOCUMENTS,
    strip_metadata: bool = False,
) -> StoredFile:
    """Check and store an upload in the session's commune; it is encrypted
    when the session flushes.

    ``strip_metadata`` removes EXIF and similar from JPEG and PNG (where and
    when a photo was taken, on which phone); PDFs are always kept as sent.
    """
    file_type = check(data, declared_type, allowed)
    if strip_metadata:
        try:
            data = metadata.strip(data, file_type.content_type)
        except metadata.DamagedImage as exc:
            raise _refuse(
                "Damaged.", "The image file is damaged; take or export it again."
            ) from exc
    stored = StoredFile(
        content_type=file_type.content_type,
        size=len(data),
        digest=keyed_digest(db, data),
        filename=clean_name(filename),
        content=data,
        **stamp(by),
    )
    db.add(stored)
    db.flush()
    logger.info(
        "file %s stored (%s, %d bytes)", stored.id, stored.content_type, len(data)
    )
    return stored


def get(db: Session, file_id: uuid.UUID) -> StoredFile:
    stored = db.scalars(select(StoredFile).where(StoredFile.id == file_id)).first()
    if stored is None:
        raise NotFound("No file of this commune has that id.")
    return stored


def delete(db: Session, stored: StoredFile) -> None:
    db.delete(stored)
    db.flush()
    logger.info("file %s deleted", stored.id)


def download_name(stored: StoredFile, stem: str) -> str:
    """A neutral name to save the file under: ``stem``, a short id and the
    extension. The original name stays out of headers and download lists."""
    extension = TYPES[stored.content_type].extension
    return f"{stem}-{str(stored.id)[-12:]}.{extension}"

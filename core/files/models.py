"""A stored file: its bytes and its name encrypted, the rest what a list
needs to show it without opening it."""

from __future__ import annotations

import uuid

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto.fields import EncryptedBytes, EncryptedText
from core.db import Base, Recorded, new_id
from tenants.isolation import TenantOwned


class StoredFile(TenantOwned, Recorded, Base):
    """One uploaded file of a commune; recorded_by uploaded it. Files do not
    change once stored."""

    __tablename__ = "files"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # Found from the content itself (core.files.service.sniff), never taken
    # from what the uploader declared.
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    # HMAC-SHA256 under a key of the commune (core.crypto.fields.keyed_digest),
    # not a plain hash: equal files of two communes cannot be linked.
    digest: Mapped[str] = mapped_column(String(64))
    # The name it had on the uploader's device may name the person.
    filename: Mapped[str | None] = mapped_column(EncryptedText())
    # Deferred: lists of files never load their bodies.
    content: Mapped[bytes] = mapped_column(EncryptedBytes(), deferred=True)

"""Rules for hamlets. Called by the API and the CLI with a commune-bound session."""

from __future__ import annotations

import logging
import unicodedata
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.errors import Conflict, NotFound, field_error
from core.hamlets.models import Hamlet, HamletKind
from tenants.divisions import fold

logger = logging.getLogger(__name__)


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    if "name" in cleaned:
        cleaned["name"] = unicodedata.normalize("NFC", cleaned["name"].strip())
    if cleaned.get("kind") is not None:
        cleaned["kind"] = HamletKind(cleaned["kind"])
    if "code" in cleaned and cleaned["code"] is not None:
        cleaned["code"] = cleaned["code"].strip().upper() or None
    return cleaned


def _refuse_duplicates(
    db: Session, values: Mapping[str, Any], exclude: uuid.UUID | None = None
) -> None:
    for field in ("name", "code"):
        value = values.get(field)
        if value is None:
            continue
        query = select(Hamlet.id).where(getattr(Hamlet, field) == value)
        if exclude is not None:
            query = query.where(Hamlet.id != exclude)
        if db.scalars(query).first() is not None:
            raise Conflict(
                f"Another hamlet of this commune already has this {field}.",
                errors=[field_error(field, "Already used in this commune.")],
            )


def list_query(
    db: Session,
    *,
    kind: str | None = None,
    q: str | None = None,
    only: frozenset[uuid.UUID] | None = None,
) -> Select[Any]:
    """Hamlets of the bound commune, optionally narrowed; ``only`` is a scope."""
    query = select(Hamlet).order_by(Hamlet.name, Hamlet.id)
    if kind:
        query = query.where(Hamlet.kind == HamletKind(kind))
    if only is not None:
        query = query.where(Hamlet.id.in_(only))
    if q:
        # A commune has tens of hamlets; folding names in Python keeps the
        # diacritic-free match identical on SQLite and PostgreSQL.
        wanted = fold(q)
        rows = db.execute(query.with_only_columns(Hamlet.id, Hamlet.name)).all()
        query = query.where(
            Hamlet.id.in_([hid for hid, name in rows if wanted in fold(name)])
        )
    return query


def get(db: Session, hamlet_id: uuid.UUID) -> Hamlet:
    hamlet = db.scalars(select(Hamlet).where(Hamlet.id == hamlet_id)).first()
    if hamlet is None:
        raise NotFound("No hamlet of this commune has that id.")
    return hamlet


def create(db: Session, values: Mapping[str, Any]) -> Hamlet:
    cleaned = _clean(values)
    _refuse_duplicates(db, cleaned)
    hamlet = Hamlet(**cleaned)
    db.add(hamlet)
    db.flush()
    logger.info("hamlet %s created", hamlet.id)
    return hamlet


def update(db: Session, hamlet: Hamlet, values: Mapping[str, Any]) -> Hamlet:
    cleaned = _clean(values)
    _refuse_duplicates(db, cleaned, exclude=hamlet.id)
    for key, value in cleaned.items():
        setattr(hamlet, key, value)
    db.flush()
    logger.info("hamlet %s updated", hamlet.id)
    return hamlet


def delete(db: Session, hamlet: Hamlet) -> None:
    db.delete(hamlet)
    db.flush()
    logger.info("hamlet %s deleted", hamlet.id)

"""The database: declarative base, engine, sessions and identifiers.

Every model of core, tenants and the plugins derives from :class:`Base`.
Sessions come from :class:`Database`; a web request uses exactly one, which
:func:`request_session` hands out and the app closes when the request ends.
Commune scoping of sessions lives in ``tenants.isolation``, not here.
"""

from __future__ import annotations

import enum
import logging
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as clock
from typing import Any, Protocol

from flask import Flask, current_app, g
from sqlalchemy import (
    DateTime,
    Engine,
    Enum,
    MetaData,
    String,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import NullPool

logger = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every mapped class; one metadata for core and plugins."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Vietnam keeps one offset all year (no summer time).
VIETNAM = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    """Today's date in Vietnam, which is what a date in a file means."""
    return datetime.now(VIETNAM).date()


def start_of(day: date) -> datetime:
    """The first moment of ``day`` in Vietnam, zone-aware."""
    return datetime.combine(day, clock(), tzinfo=VIETNAM)


def new_id() -> uuid.UUID:
    """A time-ordered UUID (version 7), so new rows land at the end of indexes.

    Identifiers are UUIDs rather than counters so that nothing about the size
    or order of a commune's files can be read from an address.
    """
    millis = (time.time_ns() // 1_000_000) & ((1 << 48) - 1)
    rand_a = int.from_bytes(os.urandom(2), "big") & 0xFFF
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    # Layout: 48 bits of milliseconds, version 7, 12 random bits,
    # the RFC 4122 variant, 62 random bits.
    return uuid.UUID(int=millis << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b)


class UtcDateTime(TypeDecorator[datetime]):
    """A moment in time, stored in UTC and always read back zone-aware.

    SQLite keeps no zone, so without this a value written as UTC would come
    back naive and fail to compare with ``utcnow()``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> Any:
        if value is not None and value.tzinfo is None:
            raise ValueError("store zone-aware datetimes only (use core.db.utcnow)")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value if value.tzinfo else value.replace(tzinfo=UTC)


def text_enum(values: type[enum.Enum], length: int = 32) -> Enum:
    """A column type for a Python enum, stored as its values in a plain
    string column (no database enum type to migrate when a value is added)."""
    return Enum(
        values,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


class Timestamped:
    """Creation and last-change times, kept by the database session."""

    created_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utcnow, sort_order=90
    )
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utcnow, onupdate=utcnow, sort_order=91
    )


class Actor(Protocol):
    """Whoever does something: a request's principal or the operator."""

    user_id: uuid.UUID | None
    username: str


class Recorded:
    """Who recorded a row, and when. Staff accounts live outside a commune's
    tables, so no key points at them: their id and name are kept as they
    were (fill both with :func:`stamp`)."""

    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(sort_order=80)
    recorded_by: Mapped[str] = mapped_column(String(64), sort_order=81)
    recorded_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utcnow, sort_order=82
    )


def add_once(session: Session, row: Any) -> bool:
    """Add ``row`` unless a unique key refuses it, as when a concurrent run
    wrote the same row first; returns whether it was added. Only the row is
    undone (a savepoint), never the rest of the transaction."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def stamp(actor: Actor) -> dict[str, Any]:
    """The :class:`Recorded` columns for a row ``actor`` records now."""
    return {"recorded_by_id": actor.user_id, "recorded_by": actor.username[:64]}


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys on (off by default in SQLite) and WAL for a web server."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets the pragmas the schema relies on.

    Statement parameters are left out of database error messages: they can be
    personal data, and such messages end up in logs.
    """
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("poolclass", NullPool)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class Database:
    """The engine and session factory of one application."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for work outside a request (CLI, jobs): commit is yours."""
        session = self.sessions()
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def init_app(app: Flask, database: Database) -> None:
    app.extensions["binhyen.db"] = database

    @app.teardown_appcontext
    def _close_request_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def get_database(app: Flask | None = None) -> Database:
    database: Database = (app or current_app).extensions["binhyen.db"]
    return database


def request_session() -> Session:
    """The one session of the current request (or app context)."""
    session: Session | None = g.get("db_session")
    if session is None:
        session = get_database().sessions()
        g.db_session = session
    return session

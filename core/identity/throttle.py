"""Throttling of failed sign-ins, in Redis when configured, else in the database.

Counts failures per key in fixed windows. Keys are HMACs of what they count
(an account name, a client address) under the app's secret key, so neither
store holds a username or an address in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from typing import Any, Protocol

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.db import Database
from core.identity.models import ThrottleCounter

logger = logging.getLogger(__name__)


class Store(Protocol):
    def add(self, key: str, window: int, ttl: int) -> int: ...

    def count(self, key: str, window: int) -> int: ...

    def clear(self, key: str, window: int) -> None: ...


class RedisStore:
    def __init__(self, client: Redis) -> None:
        self.client = client

    def _name(self, key: str, window: int) -> str:
        return f"binhyen:throttle:{key}:{window}"

    def add(self, key: str, window: int, ttl: int) -> int:
        name = self._name(key, window)
        pipe = self.client.pipeline()
        pipe.incr(name)
        pipe.expire(name, ttl)
        count, _ = pipe.execute()
        return int(count)

    def count(self, key: str, window: int) -> int:
        value = self.client.get(self._name(key, window))
        return int(value) if value else 0

    def clear(self, key: str, window: int) -> None:
        self.client.delete(self._name(key, window))


class DatabaseStore:
    """Counters in a small global table; old windows are pruned as we go."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, key: str, window: int, ttl: int) -> int:
        insert = pg_insert if self.database.dialect == "postgresql" else sqlite_insert
        statement = (
            insert(ThrottleCounter)
            .values(key=key, window_start=window, count=1)
            .on_conflict_do_update(
                index_elements=["key", "window_start"],
                set_={"count": ThrottleCounter.count + 1},
            )
            .returning(ThrottleCounter.count)
        )
        with self.database.session() as session:
            count = session.execute(statement).scalar_one()
            session.execute(
                delete(ThrottleCounter).where(
                    ThrottleCounter.window_start < window - ttl
                )
            )
            session.commit()
        return int(count)

    def count(self, key: str, window: int) -> int:
        with self.database.session() as session:
            value = session.scalar(
                select(ThrottleCounter.count).where(
                    ThrottleCounter.key == key, ThrottleCounter.window_start == window
                )
            )
        return int(value or 0)

    def clear(self, key: str, window: int) -> None:
        with self.database.session() as session:
            session.execute(
                delete(ThrottleCounter).where(
                    ThrottleCounter.key == key, ThrottleCounter.window_start == window
                )
            )
            session.commit()


class FallbackStore:
    """Redis, and the database while Redis cannot be reached, so that signing
    in keeps working, and keeps being throttled, through a Redis outage."""

    def __init__(self, primary: RedisStore, fallback: DatabaseStore) -> None:
        self.primary = primary
        self.fallback = fallback

    def _either(self, operation: str, *args: int | str) -> Any:
        try:
            return getattr(self.primary, operation)(*args)
        except RedisError as exc:
            logger.warning(
                "sign-in throttle counts in the database: Redis unreachable (%s)",
                type(exc).__name__,
            )
            return getattr(self.fallback, operation)(*args)

    def add(self, key: str, window: int, ttl: int) -> int:
        return int(self._either("add", key, window, ttl))

    def count(self, key: str, window: int) -> int:
        return int(self._either("count", key, window))

    def clear(self, key: str, window: int) -> None:
        self._either("clear", key, window)


class Throttle:
    """Allows ``limit`` failures per key in each window of ``window_seconds``."""

    def __init__(self, store: Store, secret: str, limit: int, window_seconds: int):
        self.store = store
        self.secret = secret.encode()
        self.limit = limit
        self.window_seconds = window_seconds

    def _key(self, kind: str, value: str) -> str:
        return hmac.new(
            self.secret, f"{kind}:{value}".encode(), hashlib.sha256
        ).hexdigest()

    def _window(self) -> int:
        now = int(time.time())
        return now - now % self.window_seconds

    def retry_after(self) -> int:
        return self._window() + self.window_seconds - int(time.time())

    def is_blocked(self, kind: str, value: str, limit: int | None = None) -> bool:
        count = self.store.count(self._key(kind, value), self._window())
        return count >= (limit or self.limit)

    def record_failure(self, kind: str, value: str) -> int:
        return self.store.add(
            self._key(kind, value), self._window(), self.window_seconds * 2
        )

    def clear(self, kind: str, value: str) -> None:
        self.store.clear(self._key(kind, value), self._window())


def limiter(limit: int, window_seconds: int) -> Throttle:
    """A throttle of ``limit`` counts per key in each ``window_seconds``, on
    the app's own store (Redis, or the database while Redis is away) and
    keyed under its secret: for limits other than sign-in's, such as a
    public form's."""
    from flask import current_app

    sign_in: Throttle = current_app.extensions["binhyen.throttle"]
    return Throttle(
        sign_in.store,
        sign_in.secret.decode(),
        limit=limit,
        window_seconds=window_seconds,
    )

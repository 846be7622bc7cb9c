"""Master keys, per-commune data keys, and the cache that serves them.

A master key is 32 random bytes given base64-encoded in BINHYEN_MASTER_KEY
(the embedded default generates one in the instance folder). Older master
keys listed in BINHYEN_OLD_MASTER_KEYS still unwrap, so ``binhyen keys
rotate`` can re-wrap every data key under the new one while the app runs.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core.crypto.models import CommuneKey, PlatformKey
from core.db import utcnow

logger = logging.getLogger(__name__)

KEY_BYTES = 32
NONCE_BYTES = 12


class KeyError_(LookupError):
    """A commune's data key is missing or destroyed: its fields are unreadable."""


class MasterKeyError(ValueError):
    """A master key is not 32 bytes of base64; the message says which."""


def parse_master_key(text: str, name: str = "BINHYEN_MASTER_KEY") -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except ValueError as exc:
        raise MasterKeyError(f"{name} is not base64") from exc
    if len(raw) != KEY_BYTES:
        raise MasterKeyError(f"{name} must decode to {KEY_BYTES} bytes, not {len(raw)}")
    return raw


def new_master_key() -> str:
    """A fresh master key, base64-encoded, for an operator to store safely."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def fingerprint(master: bytes) -> str:
    return hashlib.sha256(b"binhyen-master:" + master).hexdigest()[:16]


@dataclass(frozen=True)
class DataKey:
    """A commune's unwrapped data key and the keys derived from it."""

    commune_id: uuid.UUID
    cipher: AESGCM
    blind: bytes  # HMAC key of the commune's blind indexes


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(
        key
    )


# How long this process trusts an unwrapped key before it looks again at
# whether the key was destroyed: crypto-shredding by another process (the
# command line) reaches every web worker within this time.
RECHECK_SECONDS = 30.0


class Keyring:
    """Wraps and unwraps data keys; caches unwrapped ones for this process,
    checking again every ``recheck_seconds`` that they still exist."""

    def __init__(
        self,
        master: bytes,
        old_masters: tuple[bytes, ...] = (),
        recheck_seconds: float = RECHECK_SECONDS,
    ) -> None:
        self.master = master
        self.masters = {fingerprint(m): m for m in (master, *old_masters)}
        self.recheck_seconds = recheck_seconds
        self._cache: dict[uuid.UUID, DataKey] = {}
        self._loaded_at: dict[uuid.UUID, float] = {}
        self._platform: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def _wrap(self, data_key: bytes, owner: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(self.master).encrypt(nonce, data_key, owner)

    def _unwrap(self, wrapped: bytes | None, master_id: str, owner: bytes) -> bytes:
        master = self.masters.get(master_id)
        if master is None:
            raise KeyError_(
                "the master key that wrapped this key is not configured; add it "
                "to BINHYEN_OLD_MASTER_KEYS"
            )
        assert wrapped is not None
        nonce, body = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
        return AESGCM(master).decrypt(nonce, body, owner)

    def create(
        self, session: Session, commune_id: uuid.UUID, commune: Any = None
    ) -> CommuneKey:
        """Give a new commune its data key, in the session's transaction.

        Added, not flushed: this runs inside flushes (see core.crypto.fields),
        and the key only becomes usable once that transaction commits.
        """
        record = CommuneKey(
            commune_id=commune_id,
            commune=commune,
            wrapped=self._wrap(AESGCM.generate_key(bit_length=256), commune_id.bytes),
            master_id=fingerprint(self.master),
        )
        session.add(record)
        return record

    def get(
        self, session: Session, commune_id: uuid.UUID, create: bool = True
    ) -> DataKey:
        """The commune's data key, unwrapping it on first use (and making it,
        when ``create``, for a commune that has none yet)."""
        cached = self._cache.get(commune_id)
        if cached is not None and self.is_fresh(commune_id):
            return cached
        pending: dict[uuid.UUID, CommuneKey] = session.info.setdefault(
            "binhyen.new_keys", {}
        )
        record = pending.get(commune_id) or session.get(
            CommuneKey, commune_id, populate_existing=True
        )
        if record is None:
            if not create:
                raise KeyError_("this commune has no data key yet")
            # A commune onboarded before encryption existed: make its key now.
            # It is cached only after the commit, so a rolled-back key is
            # never used for anything that was kept.
            record = pending[commune_id] = self.create(session, commune_id)
        if record.wrapped is None:
            self.forget(commune_id)
            raise KeyError_(
                "this commune's data key was destroyed; its encrypted fields "
                "cannot be read"
            )
        raw = self._unwrap(record.wrapped, record.master_id, commune_id.bytes)
        key = DataKey(commune_id, AESGCM(raw), _derive(raw, b"binhyen blind index"))
        if commune_id not in pending:
            with self._lock:
                self._cache[commune_id] = key
                self._loaded_at[commune_id] = time.monotonic()
        return key

    def cached(self, commune_id: uuid.UUID) -> DataKey | None:
        """The key as this process holds it, however long ago it was checked."""
        return self._cache.get(commune_id)

    def is_fresh(self, commune_id: uuid.UUID) -> bool:
        """Whether the cached key was checked within ``recheck_seconds``."""
        loaded = self._loaded_at.get(commune_id)
        return loaded is not None and (time.monotonic() - loaded < self.recheck_seconds)

    def forget(self, commune_id: uuid.UUID | None = None) -> None:
        with self._lock:
            if commune_id is None:
                self._cache.clear()
                self._loaded_at.clear()
            else:
                self._cache.pop(commune_id, None)
                self._loaded_at.pop(commune_id, None)

    def rotate(self, session: Session) -> int:
        """Re-wrap every data key under the current master key; returns how many.

        Rows are re-wrapped one by one and each is readable under either
        master key at every moment, so the app keeps serving meanwhile.
        """
        current = fingerprint(self.master)
        changed = 0
        for record in session.scalars(
            select(CommuneKey).where(
                CommuneKey.master_id != current, CommuneKey.wrapped.is_not(None)
            )
        ):
            owner = record.commune_id.bytes
            raw = self._unwrap(record.wrapped, record.master_id, owner)
            record.wrapped = self._wrap(raw, owner)
            record.master_id = current
            record.rotated_at = utcnow()
            changed += 1
        for platform in session.scalars(
            select(PlatformKey).where(PlatformKey.master_id != current)
        ):
            owner = platform.name.encode()
            raw = self._unwrap(platform.wrapped, platform.master_id, owner)
            platform.wrapped = self._wrap(raw, owner)
            platform.master_id = current
            platform.rotated_at = utcnow()
            changed += 1
        session.flush()
        return changed

    def platform_key(self, session: Session, name: str) -> bytes:
        """A platform key by name (made on first use), e.g. "identity index"."""
        cached = self._platform.get(name)
        if cached is not None:
            return cached
        record = session.get(PlatformKey, name)
        if record is None:
            record = PlatformKey(
                name=name,
                master_id=fingerprint(self.master),
                wrapped=self._wrap(os.urandom(KEY_BYTES), name.encode()),
            )
            session.add(record)
            session.flush()
        raw = self._unwrap(record.wrapped, record.master_id, name.encode())
        self._platform[name] = raw
        return raw

    def destroy(self, session: Session, commune_id: uuid.UUID) -> None:
        """Crypto-shred a commune: its data key is gone for good."""
        record = session.get(CommuneKey, commune_id)
        if record is None:
            record = CommuneKey(commune_id=commune_id, master_id="-")
            session.add(record)
        record.wrapped = None
        record.destroyed_at = utcnow()
        session.flush()
        self.forget(commune_id)
        logger.warning("data key of commune %s destroyed", commune_id)


@event.listens_for(Session, "after_commit")
def _keys_committed(session: Session) -> None:
    session.info.pop("binhyen.new_keys", None)


@event.listens_for(Session, "after_rollback")
def _keys_rolled_back(session: Session) -> None:
    session.info.pop("binhyen.new_keys", None)

"""Encrypted columns and blind indexes, in one line per field.

``mapped_column(EncryptedText())`` makes a column encrypted: the attribute
holds plain text in Python and ciphertext in the database. Values are sealed
during the flush of a session bound to a commune, with that commune's data
key, and a plain string that reached the database unsealed is refused, so
nothing is ever written in clear by mistake (bulk UPDATE statements, which
skip the flush, are refused for encrypted columns).

``EncryptedText(index="national_id_index", normalize=digits)`` also keeps a
keyed blind index (HMAC-SHA256 under a key derived from the commune's data
key) in the named column, for exact look-ups: see :func:`blind_index`.

``mapped_column(EncryptedBytes())`` does the same for binary content (an
attached file), stored as raw ciphertext.

Column types get no context from SQLAlchemy, so the app's keyring is held
here, set once by the app factory (:func:`install_keyring`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary, Text, event, inspect
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.types import TypeDecorator

from core.crypto.keyring import NONCE_BYTES, KeyError_, Keyring
from core.db import new_id
from tenants.isolation import current_tenant, is_tenant_owned
from tenants.models import Commune

logger = logging.getLogger(__name__)

PREFIX = "enc1:"
BYTES_PREFIX = b"enc1:"
T = TypeVar("T")
_keyring: Keyring | None = None


def install_keyring(keyring: Keyring) -> None:
    global _keyring
    _keyring = keyring


def active_keyring() -> Keyring:
    if _keyring is None:
        raise RuntimeError("no keyring: create the app (core.app.create_app) first")
    return _keyring


class Sealed(str):
    """Plain text that also carries its ciphertext, ready for the database."""

    ciphertext: str

    def __new__(cls, plain: str, ciphertext: str) -> Sealed:
        sealed = super().__new__(cls, plain)
        sealed.ciphertext = ciphertext
        return sealed


class SealedBytes(bytes):
    """Plain bytes that also carry their ciphertext, ready for the database."""

    ciphertext: bytes

    def __new__(cls, plain: bytes, ciphertext: bytes) -> SealedBytes:
        sealed = super().__new__(cls, plain)
        sealed.ciphertext = ciphertext
        return sealed


class UnreadableError(RuntimeError):
    """An encrypted value whose commune key is gone (crypto-shredded)."""


class _Encrypted(TypeDecorator[T]):
    """What the encrypted column types share: a value reaches the database
    only sealed, and is sealed by the flush (see :func:`_seal_changes`)."""

    index: str | None = None
    normalize: Callable[[str], str] | None = None

    def seal(self, session: Session, value: T) -> T:
        raise NotImplementedError

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Sealed | SealedBytes):
            return value.ciphertext
        raise ValueError(
            "an encrypted column can only be written through the ORM unit of work "
            "(session.add / attribute changes) of a session bound to a commune"
        )


class EncryptedText(_Encrypted[str]):
    """Text stored as AES-GCM ciphertext under the commune's data key."""

    impl = Text
    cache_ok = True

    def __init__(
        self, index: str | None = None, normalize: Callable[[str], str] | None = None
    ) -> None:
        super().__init__()
        self.index = index
        self.normalize = normalize

    def seal(self, session: Session, value: str) -> str:
        return seal(session, value)

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return open_value(value)


class EncryptedBytes(_Encrypted[bytes]):
    """Bytes (a file's content) stored as AES-GCM ciphertext under the
    commune's data key, in binary: no base64, so a file costs its own size
    plus 33 bytes."""

    impl = LargeBinary
    cache_ok = True

    def seal(self, session: Session, value: bytes) -> bytes:
        return seal_bytes(session, value)

    def process_result_value(self, value: Any, dialect: Any) -> bytes | None:
        if value is None:
            return None
        return open_bytes(bytes(value))


def _encrypted_attributes(cls: type) -> list[tuple[str, _Encrypted[Any]]]:
    found: list[tuple[str, _Encrypted[Any]]] | None = getattr(
        cls, "__binhyen_encrypted__", None
    )
    if found is None:
        found = []
        attributes: Any = inspect(cls).column_attrs
        for attribute in attributes:
            column_type = attribute.columns[0].type
            if isinstance(column_type, _Encrypted):
                found.append((attribute.key, column_type))
        cls.__binhyen_encrypted__ = found  # type: ignore[attr-defined]
    return list(found)


def _encrypt(session: Session, plain: bytes) -> bytes:
    """The commune's id, a fresh nonce and the AES-GCM body, which binds the
    commune id as associated data: a value moved to another commune's row
    does not open."""
    tenant = current_tenant(session)
    if tenant is None:
        raise RuntimeError("encrypting needs a session bound to a commune")
    try:
        key = active_keyring().get(session, tenant)
    except KeyError_ as exc:
        raise UnreadableError(
            "this commune's data key was destroyed; nothing new can be stored for it"
        ) from exc
    nonce = os.urandom(NONCE_BYTES)
    return tenant.bytes + nonce + key.cipher.encrypt(nonce, plain, tenant.bytes)


def _decrypt(raw: bytes) -> bytes:
    commune = uuid.UUID(bytes=raw[:16])
    nonce, body = raw[16 : 16 + NONCE_BYTES], raw[16 + NONCE_BYTES :]
    key = active_keyring().cached(commune)
    if key is None:
        raise UnreadableError(
            "this commune's data key is not loaded or was destroyed; the field "
            "cannot be read"
        )
    return key.cipher.decrypt(nonce, body, commune.bytes)


def seal(session: Session, plain: str) -> Sealed:
    """Encrypt ``plain`` with the data key of the session's commune."""
    raw = _encrypt(session, plain.encode())
    return Sealed(plain, PREFIX + base64.b64encode(raw).decode())


def seal_bytes(session: Session, plain: bytes) -> SealedBytes:
    """Encrypt ``plain`` bytes with the data key of the session's commune."""
    return SealedBytes(plain, BYTES_PREFIX + _encrypt(session, plain))


def open_value(text: str) -> str:
    """Decrypt a stored value; raises :class:`UnreadableError` once shredded."""
    if not text.startswith(PREFIX):
        raise UnreadableError("an encrypted column holds a value that is not sealed")
    raw = base64.b64decode(text[len(PREFIX) :])
    return Sealed(_decrypt(raw).decode(), text)


def open_bytes(stored: bytes) -> bytes:
    """Decrypt stored bytes; raises :class:`UnreadableError` once shredded."""
    if not stored.startswith(BYTES_PREFIX):
        raise UnreadableError("an encrypted column holds bytes that are not sealed")
    return SealedBytes(_decrypt(stored[len(BYTES_PREFIX) :]), stored)


def _keyed_hash(session: Session, data: bytes, purpose: bytes) -> str:
    """HMAC-SHA256 of ``data`` under the commune's blind key, or under a key
    derived from it for ``purpose``, so hashes made for one use never match
    those made for another."""
    tenant = current_tenant(session)
    if tenant is None:
        raise RuntimeError("a keyed hash needs a session bound to a commune")
    key = active_keyring().get(session, tenant).blind
    if purpose:
        key = hmac.new(key, purpose, hashlib.sha256).digest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def blind_index(
    session: Session, value: str, normalize: Callable[[str], str] | None = None
) -> str:
    """The keyed index of ``value`` in the session's commune, for look-ups."""
    text = normalize(value) if normalize else value
    return _keyed_hash(session, text.encode(), b"")


def keyed_digest(session: Session, data: bytes) -> str:
    """A fingerprint of ``data`` (a file) that only its commune can compute.

    Equal files have equal digests within a commune, so a second copy can be
    noticed, but not across communes, and nobody holding a copy of the
    database can confirm a guess at a file by hashing it.
    """
    return _keyed_hash(session, data, b"binhyen:file-digest")


def _apart_key(session: Session, purpose: str) -> AESGCM:
    digest = _keyed_hash(session, purpose.encode(), b"binhyen:apart")
    return AESGCM(bytes.fromhex(digest))


def seal_apart(session: Session, purpose: str, plain: str) -> bytes:
    """Encrypt ``plain`` under a key of the session's commune kept for one
    ``purpose`` (a sealed tipster identity), not the key every encrypted
    column opens with: nothing reads the value unless the code that serves
    that purpose calls :func:`open_apart`. The key is derived from the
    commune's data key, so destroying that key erases these values too."""
    tenant = current_tenant(session)
    assert tenant is not None  # _keyed_hash has refused an unbound session
    key = _apart_key(session, purpose)
    nonce = os.urandom(NONCE_BYTES)
    bound = tenant.bytes + purpose.encode()
    return nonce + key.encrypt(nonce, plain.encode(), bound)


def open_apart(session: Session, purpose: str, raw: bytes) -> str:
    """Decrypt a value sealed by :func:`seal_apart` for the same purpose."""
    tenant = current_tenant(session)
    try:
        key = _apart_key(session, purpose)
    except KeyError_ as exc:
        raise UnreadableError("this commune's data key was destroyed") from exc
    assert tenant is not None
    bound = tenant.bytes + purpose.encode()
    return key.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], bound).decode()


@event.listens_for(Session, "before_flush")
def _seal_changes(session: Session, _ctx: Any, _instances: Any) -> None:
    if _keyring is not None:
        for obj in list(session.new):
            if isinstance(obj, Commune):
                # Every commune gets its data key in the transaction that
                # onboards it.
                obj.id = obj.id or new_id()
                _keyring.create(session, obj.id, obj)
    for obj in list(session.new) + list(session.dirty):
        if not is_tenant_owned(type(obj)):
            continue
        # An attribute never loaded (a deferred file body) cannot have changed.
        unloaded = inspect(obj).unloaded
        for name, column_type in _encrypted_attributes(type(obj)):
            if name in unloaded:
                continue
            value = getattr(obj, name)
            if value is None or isinstance(value, Sealed | SealedBytes):
                continue
            setattr(obj, name, column_type.seal(session, value))
            if column_type.index:
                setattr(
                    obj,
                    column_type.index,
                    blind_index(session, value, column_type.normalize),
                )


@event.listens_for(Session, "do_orm_execute")
def _load_key_for_reading(state: ORMExecuteState) -> None:
    # Unwrap the commune's key before rows with encrypted columns come back,
    # since the column type cannot reach the database itself.
    tenant = current_tenant(state.session)
    if tenant is None or _keyring is None or _keyring.is_fresh(tenant):
        return
    if any(
        _encrypted_attributes(m.class_)
        for m in state.all_mappers
        if is_tenant_owned(m.class_)
    ):
        try:
            _keyring.get(state.session, tenant, create=False)
        except KeyError_:
            # Nothing encrypted can exist without a key; a destroyed one was
            # just forgotten here, and open_value reports what is unreadable.
            logger.debug("no usable data key for the commune being read")


PLATFORM_PREFIX = "encp1:"


def seal_platform(session: Session, name: str, plain: str) -> str:
    """Encrypt a value of no commune (an account's TOTP secret) under the
    platform key ``name``, itself wrapped by the master key."""
    raw = seal_platform_bytes(session, name, plain.encode())
    return PLATFORM_PREFIX + base64.b64encode(raw).decode()


def open_platform(session: Session, name: str, text: str) -> str:
    if not text.startswith(PLATFORM_PREFIX):
        raise UnreadableError("this value was not sealed with a platform key")
    raw = base64.b64decode(text[len(PLATFORM_PREFIX) :])
    return open_platform_bytes(session, name, raw).decode()


def seal_platform_bytes(session: Session, name: str, plain: bytes) -> bytes:
    """Encrypt bytes of no commune (a region's report) under the platform key
    ``name``: a fresh nonce and the AES-GCM body, bound to ``name``."""
    key = AESGCM(active_keyring().platform_key(session, name))
    nonce = os.urandom(NONCE_BYTES)
    return nonce + key.encrypt(nonce, plain, name.encode())


def open_platform_bytes(session: Session, name: str, raw: bytes) -> bytes:
    key = AESGCM(active_keyring().platform_key(session, name))
    return key.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], name.encode())

"""Password hashing with argon2id, and the rules a new password must meet."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import Invalid, field_error

_hasher = PasswordHasher()  # argon2id with the library's current parameters
# Verified against when the account does not exist, so that a wrong username
# takes as long to refuse as a wrong password.
_DUMMY_HASH = _hasher.hash("binhyen-no-such-account")

MIN_LENGTH = 10


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher.hash(password)


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise Invalid(
            f"A password needs at least {MIN_LENGTH} characters.",
            errors=[field_error("password", f"At least {MIN_LENGTH} characters.")],
        )


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and bool(
            stored_hash
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)

"""Random credentials (session keys, API tokens) and the hashes we keep of them.

Both are 256-bit random values, so a plain SHA-256 is enough to store them:
there is nothing to brute-force, unlike a password.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "by_"  # noqa: S105  (a marker, not a secret)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()

"""Abuse resistance of the public tip routes: challenges, rate limits, and
the throttle on guessing receipt codes.

Two kinds of challenge, both a token signed with the app's secret that
names the commune, a nonce and when it was issued, and that opens only
once:

- ``work`` (the API): the client must find a ``solution`` such that
  SHA-256 of ``<token>:<solution>`` starts with the commune's
  ``work_bits`` zero bits. A phone does this in well under a second; a
  script sending thousands of tips pays for every one.
- ``form`` (the page, which must work without JavaScript): the page embeds
  the token, and a tip sent back sooner than ``form_min_seconds`` after it
  was issued is refused, as is one whose hidden trap field was filled in.
  People take longer than that to describe what they saw; simple bots do
  not.

Rate limits count accepted tips per commune and per client in each hour,
and failed receipt look-ups per client and per commune. Counters are keyed
by a keyed hash of what they count and expire with their window, so the
client's address is never stored (see core's ``limiter``).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from typing import Any

from flask import current_app, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from core.toolkit import TooManyRequests, limiter, refuse, utcnow

logger = logging.getLogger(__name__)

WORK = "work"
FORM = "form"
CHALLENGE_SECONDS = 2 * 3600
GUESS_WINDOW_SECONDS = 15 * 60
HOUR = 3600


def _serializer() -> URLSafeTimedSerializer:
    secret = current_app.config["BINHYEN_SETTINGS"].secret_key
    return URLSafeTimedSerializer(secret, salt="binhyen.tips.challenge")


def issue(commune_id: uuid.UUID, kind: str) -> str:
    """A fresh challenge token of ``kind`` for the commune."""
    payload = {"c": str(commune_id), "k": kind, "n": secrets.token_hex(12)}
    return str(_serializer().dumps(payload))


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def solves(token: str, solution: str, bits: int) -> bool:
    digest = hashlib.sha256(f"{token}:{solution}".encode()).digest()
    return leading_zero_bits(digest) >= bits


def solve(token: str, bits: int) -> str:
    """The first solution of a work challenge (what a client computes)."""
    counter = 0
    while not solves(token, str(counter), bits):
        counter += 1
    return str(counter)


def _refuse_challenge(detail: str) -> Exception:
    return refuse("challenge", "Not accepted.", detail)


def check(
    commune_id: uuid.UUID,
    kind: str,
    token: str,
    *,
    solution: str = "",
    bits: int = 0,
    min_seconds: int = 0,
) -> None:
    """Refuse a tip whose challenge is forged, stale, of another commune or
    kind, unsolved, answered too fast, or used before."""
    try:
        payload, issued = _serializer().loads(
            token, max_age=CHALLENGE_SECONDS, return_timestamp=True
        )
    except SignatureExpired as exc:
        raise _refuse_challenge(
            "The form or challenge has expired; load a new one and send again."
        ) from exc
    except BadSignature as exc:
        raise _refuse_challenge(
            "The challenge is not one this service issued; load a new one."
        ) from exc
    if payload.get("c") != str(commune_id) or payload.get("k") != kind:
        raise _refuse_challenge(
            "The challenge belongs to another form; load a new one and send again."
        )
    if kind == WORK and not solves(token, solution, bits):
        raise _refuse_challenge(
            "The solution does not solve the challenge; compute it again."
        )
    if kind == FORM:
        waited = (utcnow() - issued).total_seconds()
        if waited < min_seconds:
            raise _refuse_challenge(
                "The form was sent back too quickly. Check what you wrote, "
                "wait a few seconds and send it again."
            )
    # Once only: a solved challenge cannot carry a second tip.
    used = limiter(1, CHALLENGE_SECONDS).record_failure("tips-challenge", payload["n"])
    if used > 1:
        raise _refuse_challenge(
            "This challenge was already used; load a new one for another tip."
        )


def _client() -> str:
    # Used only as part of a keyed, expiring counter key: never stored,
    # logged or passed on.
    return request.remote_addr or "-"


def _retry(after: int) -> dict[str, str]:
    return {"Retry-After": str(after)}


def check_submission_rate(commune_id: uuid.UUID, settings: dict[str, Any]) -> None:
    """Refuse a tip once the commune or this client sent their hour's share."""
    per_client = limiter(settings["client_per_hour"], HOUR)
    if per_client.is_blocked("tips-client", f"{commune_id}:{_client()}"):
        raise TooManyRequests(
            "You have sent many tips in a short time. Wait an hour, or call the "
            "commune police if it is urgent.",
            headers=_retry(per_client.retry_after()),
        )
    per_commune = limiter(settings["commune_per_hour"], HOUR)
    if per_commune.is_blocked("tips-commune", str(commune_id)):
        logger.warning("tips refused: the commune's hourly limit is reached")
        raise TooManyRequests(
            "The commune is receiving very many tips right now. Try again in a "
            "while, or call the commune police if it is urgent.",
            headers=_retry(per_commune.retry_after()),
        )


def count_submission(commune_id: uuid.UUID, settings: dict[str, Any]) -> None:
    limiter(settings["client_per_hour"], HOUR).record_failure(
        "tips-client", f"{commune_id}:{_client()}"
    )
    limiter(settings["commune_per_hour"], HOUR).record_failure(
        "tips-commune", str(commune_id)
    )


def _guess_limits(settings: dict[str, Any]) -> tuple[Any, Any]:
    attempts = settings["code_attempts"]
    return (
        limiter(attempts, GUESS_WINDOW_SECONDS),
        limiter(attempts * 10, GUESS_WINDOW_SECONDS),
    )


def check_guessing(commune_id: uuid.UUID, settings: dict[str, Any]) -> None:
    """Refuse a receipt look-up after too many wrong codes or passphrases."""
    per_client, per_commune = _guess_limits(settings)
    client_blocked = per_client.is_blocked("tips-guess", f"{commune_id}:{_client()}")
    if client_blocked or per_commune.is_blocked("tips-guess-all", str(commune_id)):
        raise TooManyRequests(
            "Too many wrong receipt codes or passphrases. Wait a quarter of an "
            "hour and check the code on your receipt.",
            headers=_retry(per_client.retry_after()),
        )


def count_wrong_guess(commune_id: uuid.UUID, settings: dict[str, Any]) -> None:
    per_client, per_commune = _guess_limits(settings)
    per_client.record_failure("tips-guess", f"{commune_id}:{_client()}")
    per_commune.record_failure("tips-guess-all", str(commune_id))

"""The three ways a reminder leaves: e-mail over SMTP, an SMS gateway's
HTTP API, and the Zalo Official Account API.

Each sender takes the commune's channel row, an address and the text, and
either returns or raises :class:`ChannelError` with a short code that names
no one (``http_503``, ``unreachable``); the delivery job records the code
and tries again later. New kinds plug in through :data:`SENDERS`.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage

from plugins.counselling.models import Channel, ChannelKind

logger = logging.getLogger(__name__)

TIMEOUT = 10  # seconds; a gateway slower than this is tried again later


class ChannelError(Exception):
    """A delivery that did not go through; ``code`` says why, without data."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code[:64]


def _post_json(url: str, body: dict[str, object], headers: dict[str, str]) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise ChannelError("not_http")
    request = urllib.request.Request(  # noqa: S310 (http or https, checked above)
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 (same)
            return bytes(answer.read())
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"http_{exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ChannelError("unreachable") from exc


def send_sms(channel: Channel, address: str, subject: str, text: str) -> None:
    """POST ``{"to", "text"}`` to the gateway, with its token as a bearer."""
    if not channel.url:
        raise ChannelError("not_configured")
    headers = {"Authorization": f"Bearer {channel.secret}"} if channel.secret else {}
    _post_json(channel.url, {"to": address, "text": text}, headers)


def send_zalo(channel: Channel, address: str, subject: str, text: str) -> None:
    """Send a text to a follower of the commune's Official Account.

    The API answers 200 with ``{"error": 0}`` on success and a non-zero
    ``error`` otherwise (an expired token, a user who unfollowed).
    """
    if not channel.url or not channel.secret:
        raise ChannelError("not_configured")
    answer = _post_json(
        channel.url,
        {"recipient": {"user_id": address}, "message": {"text": text}},
        {"access_token": channel.secret},
    )
    try:
        error = json.loads(answer or b"{}").get("error", 0)
    except (ValueError, AttributeError) as exc:
        raise ChannelError("zalo_bad_answer") from exc
    if error != 0:
        raise ChannelError(f"zalo_{error}")


def send_email(channel: Channel, address: str, subject: str, text: str) -> None:
    """Send a plain-text e-mail through the commune's SMTP server."""
    if not channel.host or not channel.sender:
        raise ChannelError("not_configured")
    mail = EmailMessage()
    mail["From"] = channel.sender
    mail["To"] = address
    mail["Subject"] = subject
    mail.set_content(text)
    try:
        with smtplib.SMTP(channel.host, channel.port or 25, timeout=TIMEOUT) as smtp:
            if channel.starttls:
                smtp.starttls()
            if channel.username:
                smtp.login(channel.username, channel.secret or "")
            smtp.send_message(mail)
    except smtplib.SMTPResponseException as exc:
        raise ChannelError(f"smtp_{exc.smtp_code}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise ChannelError("smtp_unreachable") from exc


Sender = Callable[[Channel, str, str, str], None]

SENDERS: dict[ChannelKind, Sender] = {
    ChannelKind.EMAIL: send_email,
    ChannelKind.SMS: send_sms,
    ChannelKind.ZALO: send_zalo,
}

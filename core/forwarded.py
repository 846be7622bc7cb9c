"""Believing the proxy in front: the client's address and scheme behind an ingress.

Behind an ingress every request comes from the ingress's address, so the
sign-in throttle would count the whole province as one client and links
would say http. When the peer is one of ``BINHYEN_FORWARDED_ALLOW_IPS`` (the
same list gunicorn is given), the client address is the last entry of
``X-Forwarded-For`` (the one the proxy added) and the scheme is
``X-Forwarded-Proto``. From any other peer both headers are ignored, so a
client cannot claim another address by sending them.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable
from typing import Any

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_allowed(raw: str) -> list[Network] | None:
    """The trusted proxies from a comma-separated list; None means '*' (any)."""
    entries = [e.strip() for e in raw.split(",") if e.strip()]
    if "*" in entries:
        return None
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(
                f"{entry!r} is not an address or a network; give addresses like "
                "10.0.0.7, networks like 10.0.0.0/8, or '*'"
            ) from exc
    return networks


class TrustedProxy:
    """WSGI middleware taking address and scheme from a trusted proxy's headers."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], raw: str) -> None:
        self.wsgi_app = wsgi_app
        self.allowed = parse_allowed(raw)

    def trusts(self, peer: str) -> bool:
        if self.allowed is None:
            return True
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False  # a unix socket or something stranger: no proxy
        return any(address in network for network in self.allowed)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if self.trusts(environ.get("REMOTE_ADDR", "")):
            forwarded_for = environ.get("HTTP_X_FORWARDED_FOR", "")
            client = forwarded_for.split(",")[-1].strip()
            if client:
                environ["REMOTE_ADDR"] = client
            scheme = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1]
            if scheme.strip().lower() in {"http", "https"}:
                environ["wsgi.url_scheme"] = scheme.strip().lower()
        return self.wsgi_app(environ, start_response)

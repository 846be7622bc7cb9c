"""Behind an ingress: the client's address and scheme, believed only from the
proxies named in BINHYEN_FORWARDED_ALLOW_IPS."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from core.config import SettingsError, load_settings
from core.forwarded import TrustedProxy


def seen_through(allowed: str, environ: dict[str, Any]) -> dict[str, Any]:
    """The environ the app gets behind TrustedProxy."""
    seen: dict[str, Any] = {}

    def app(env: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        seen.update(env)
        return [b""]

    TrustedProxy(app, allowed)({"wsgi.url_scheme": "http", **environ}, lambda *a: None)
    return seen


def test_a_trusted_ingress_gives_the_client_address_and_scheme() -> None:
    env = seen_through(
        "10.0.0.0/8",
        {
            "REMOTE_ADDR": "10.42.0.7",
            "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.9",
            "HTTP_X_FORWARDED_PROTO": "https",
        },
    )
    # The last entry is the one the ingress itself added.
    assert env["REMOTE_ADDR"] == "203.0.113.9"
    assert env["wsgi.url_scheme"] == "https"


def test_headers_from_anyone_else_are_ignored() -> None:
    env = seen_through(
        "10.0.0.0/8",
        {
            "REMOTE_ADDR": "203.0.113.9",
            "HTTP_X_FORWARDED_FOR": "10.0.0.1",
            "HTTP_X_FORWARDED_PROTO": "https",
        },
    )
    assert env["REMOTE_ADDR"] == "203.0.113.9"
    assert env["wsgi.url_scheme"] == "http"


def test_a_star_trusts_every_peer_and_a_strange_scheme_is_ignored() -> None:
    env = seen_through(
        "*",
        {
            "REMOTE_ADDR": "172.16.5.5",
            "HTTP_X_FORWARDED_FOR": "2001:db8::1",
            "HTTP_X_FORWARDED_PROTO": "gopher",
        },
    )
    assert env["REMOTE_ADDR"] == "2001:db8::1"
    assert env["wsgi.url_scheme"] == "http"


def test_the_app_is_served_behind_the_configured_proxies(app: Flask) -> None:
    assert isinstance(app.wsgi_app, TrustedProxy)
    answer = app.test_client().get(
        "/healthz",
        headers={"X-Forwarded-For": "203.0.113.9"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert answer.status_code == 200


@pytest.mark.parametrize("raw", ["10.0.0.300", "ingress", "10.0.0.0/8,,nope"])
def test_a_list_that_is_not_addresses_is_refused_naming_the_variable(
    raw: str, tmp_path: Path
) -> None:
    with pytest.raises(SettingsError, match="BINHYEN_FORWARDED_ALLOW_IPS"):
        load_settings({"BINHYEN_FORWARDED_ALLOW_IPS": raw}, instance_path=str(tmp_path))

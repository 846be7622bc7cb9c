"""Fake message gateways on localhost for the counselling tests: an HTTP
server standing in for an SMS gateway or the Zalo API, and an SMTP server."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Gateway:
    """What the fake received, and how it should answer the next requests."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    # Statuses to answer with before accepting (e.g. [503, 503]).
    failures: list[int] = field(default_factory=list)
    # The JSON body of a 200 answer.
    answer: dict[str, Any] = field(default_factory=dict)


@contextmanager
def http_gateway(answer: dict[str, Any] | None = None) -> Iterator[Gateway]:
    gateway = Gateway(answer=answer or {"status": "accepted"})

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            headers = {k.lower(): v for k, v in self.headers.items()}
            gateway.received.append({"headers": headers, "body": body})
            status = gateway.failures.pop(0) if gateway.failures else 200
            payload = json.dumps(gateway.answer if status == 200 else {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass  # keep the test output quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/send"
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Mailbox:
    port: int = 0
    messages: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    # aiosmtpd checks its server by connecting to the port it was given, so
    # it needs a real one: ask the system for a free port first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    mailbox = Mailbox(port=_free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()

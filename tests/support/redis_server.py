"""A private redis-server for tests that stop Redis and start it again, and
an app connected to it."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from flask import Flask
from redis import Redis

from core.app import create_app
from core.config import load_settings
from tests.conftest import _empty_tables

REDIS_SERVER = "redis-server"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A private redis-server that a test may stop and start again."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = Redis.from_url(self.url)
        for _ in range(600):
            try:
                if client.ping():
                    return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def app_with(
    backend: str, schemas: dict[str, dict[str, str]], tmp_path: Path, redis_url: str
) -> Flask:
    urls = schemas[backend]
    _empty_tables(urls["owner"])
    settings = load_settings(
        {},
        database_url=urls["app"],
        migration_database_url=urls["owner"],
        redis_url=redis_url or None,
        instance_path=str(tmp_path / "instance"),
        secret_key="test-secret",
        cookie_secure=False,
    )
    app = create_app(settings)
    app.config["TESTING"] = True
    return app

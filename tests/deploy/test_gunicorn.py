"""The production server: gunicorn with several worker processes on one port.

A signed-in officer's requests land on whichever worker accepts them, with
no sticky sessions: the browser session lives in the database, so every
worker knows it. The server runs as a real subprocess against the test
database of the run (PostgreSQL and Redis when configured, else SQLite).
"""

from __future__ import annotations

import importlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from core.db import Database
from tests import factories as f
from tests.conftest import csrf_from

REQUESTS = 48
AT_ONCE = 6


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """A gunicorn master and its workers, started from core.gunicorn_conf."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**env, "BINHYEN_WEB_BIND": f"127.0.0.1:{self.port}"}
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--config",
                    "python:core.gunicorn_conf",
                ],
                env=env,
                cwd=log.parent,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )

    def wait_until_ready(self) -> None:
        for _attempt in range(240):
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn stopped at start:\n{self.log.read_text()}")
            try:
                if requests.get(self.url + "/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass  # bound, but no worker has booted yet
            time.sleep(0.25)
        pytest.fail(f"gunicorn never answered /healthz:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def access_lines(self) -> list[dict[str, Any]]:
        lines = []
        for line in self.log.read_text().splitlines():
            if line.startswith("{"):
                record = json.loads(line)
                if record["logger"] == "gunicorn.access":
                    lines.append(record)
        return lines


@pytest.fixture
def server(app: Flask, owner_urls: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    settings = app.config["BINHYEN_SETTINGS"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("BINHYEN_")}
    env.update(
        BINHYEN_DATABASE_URL=owner_urls["app"],
        BINHYEN_MIGRATION_DATABASE_URL=owner_urls["owner"],
        BINHYEN_SECRET_KEY=settings.secret_key,
        BINHYEN_MASTER_KEY=settings.master_key,
        BINHYEN_INSTANCE_PATH=str(tmp_path / "instance"),
        BINHYEN_COOKIE_SECURE="false",
        BINHYEN_LOG_FORMAT="json",
        BINHYEN_WEB_WORKERS="3",
        # One request at a time per worker: concurrent requests must spread.
        BINHYEN_WEB_WORKER_CLASS="sync",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    if owner_urls["redis"]:
        env["BINHYEN_REDIS_URL"] = owner_urls["redis"]
    running = Server(env, tmp_path / "gunicorn.log")
    try:
        running.wait_until_ready()
        yield running
    finally:
        running.stop()


def sign_in_over_http(url: str, username: str) -> tuple[dict[str, str], str]:
    """Sign in through the login form; returns the cookies and the CSRF token."""
    browser = requests.Session()
    answer = browser.post(
        url + "/login",
        data={
            "username": username,
            "password": f.PASSWORD,
            "csrf_token": csrf_from(browser.get(url + "/login", timeout=10).text),
        },
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    return browser.cookies.get_dict(), csrf_from(browser.get(url + "/login").text)


def test_a_signed_in_officer_is_served_by_several_workers_without_sticky_sessions(
    server: Server, database: Database, backend: str
) -> None:
    with database.session() as db:
        place = f.commune(db, "05089")
        chief = f.user(db)
        f.grant(db, chief, "commune_chief", commune=place)
        db.commit()
        slug, username = place.slug, chief.username
    cookies, csrf = sign_in_over_http(server.url, username)
    hamlets = f"{server.url}/api/v1/c/{slug}/hamlets/"

    def one(n: int) -> int:
        # A new connection each time, as through a load balancer: the
        # session cookie is the only thing that ties the requests together.
        headers = {"X-Request-Id": f"deploy-{n}", "Connection": "close"}
        if n % 8 == 0:  # some writes, whose CSRF check needs the session too
            answer = requests.post(
                hamlets,
                json={"name": f"Xóm {n}", "kind": "xom"},
                cookies=cookies,
                headers={**headers, "X-CSRF-Token": csrf},
                timeout=30,
            )
            return answer.status_code - 1  # 201 Created counts as served
        answer = requests.get(hamlets, cookies=cookies, headers=headers, timeout=30)
        return answer.status_code

    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        statuses = list(pool.map(one, range(REQUESTS)))
    assert statuses == [200] * REQUESTS
    listed = requests.get(hamlets, cookies=cookies, timeout=30).json()
    assert len(listed) == REQUESTS // 8

    metrics = requests.get(server.url + "/metrics", timeout=10).text
    server.stop()  # the access log is complete once the workers are gone

    served_by = {
        line["request_id"]: line["pid"]
        for line in server.access_lines()
        if line["request_id"].startswith("deploy-")
    }
    assert len(served_by) == REQUESTS
    assert len(set(served_by.values())) >= 2, "one worker served every request"

    # The scrape, answered by one worker, counts what every worker served.
    counted = re.search(
        r'binhyen_http_requests_total\{method="GET",'
        r'route="/api/v1/c/<commune>/hamlets/",status="200"\} (\S+)',
        metrics,
    )
    reads = REQUESTS - REQUESTS // 8 + 1
    assert counted and float(counted[1]) == reads
    assert slug not in metrics


def test_gunicorn_takes_its_settings_from_binhyen_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BINHYEN_WEB_WORKERS", "5")
    monkeypatch.setenv("BINHYEN_WEB_WORKER_CLASS", "sync")
    monkeypatch.setenv("BINHYEN_WEB_TIMEOUT", "45")
    monkeypatch.setenv("BINHYEN_FORWARDED_ALLOW_IPS", "10.0.0.0/8")
    monkeypatch.setenv("BINHYEN_LOG_FORMAT", "json")
    import core.gunicorn_conf as conf

    conf = importlib.reload(conf)
    assert (conf.workers, conf.worker_class, conf.timeout) == (5, "sync", 45)
    assert conf.forwarded_allow_ips == "10.0.0.0/8"
    handler = conf.logconfig_dict["handlers"]["binhyen"]
    assert handler["log_format"] == "json"
    # The access log names no client, query string, referrer or user agent.
    for atom in ("%(h)s", "%(q)s", "%(r)s", "%(f)s", "%(a)s", "%(u)s"):
        assert atom not in conf.access_log_format
    monkeypatch.undo()
    importlib.reload(conf)

"""The job outbox: written with the change, never lost, run once in effect.

Redis here is a real redis-server each test starts on a free port of its
own, so that a test can stop it and start it again.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import func, select

from core.app import create_app
from core.config import load_settings
from core.db import Database
from core.hamlets.models import Hamlet
from core.jobs import outbox, runner
from core.jobs.models import Job, JobStatus
from core.plugin_host.contributions import JobDefinition
from tenants.isolation import bind_tenant
from tests import factories as f
from tests.conftest import _empty_tables
from tests.support.jobs import drain

REDIS_SERVER = "redis-server"


def _free_port() -> int:
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


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer(_free_port())
    server.start()
    yield server
    server.stop()


def _app_with(
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


@pytest.fixture
def redis_app(
    backend: str,
    _schemas: dict[str, dict[str, str]],
    tmp_path: Path,
    redis_server: RedisServer,
) -> Iterator[Flask]:
    app = _app_with(backend, _schemas, tmp_path, redis_server.url)
    runner.bind_app(app)
    yield app
    app.extensions["binhyen.db"].dispose()


def _register(app: Flask, name: str, handler: Callable[..., Any], **kw: Any) -> None:
    app.extensions["binhyen.jobs"].add(JobDefinition(name, handler, **kw), None)


def _add_hamlet(session: Any, commune: Any, name: str) -> None:
    from core.hamlets import service

    service.create(session, {"name": name, "kind": "xom"})


def _queue_in(
    database: Database, place: Any, job_name: str, **arguments: Any
) -> uuid.UUID:
    session = f.in_commune(database, place)
    try:
        job = outbox.enqueue_job(session, job_name, **arguments)
        session.commit()
        return job.id
    finally:
        session.close()


def _jobs(database: Database, place: Any) -> list[Job]:
    session = f.in_commune(database, place)
    try:
        return list(session.scalars(select(Job).order_by(Job.created_at)))
    finally:
        session.close()


def _hamlet_names(database: Database, place: Any) -> list[str]:
    session = f.in_commune(database, place)
    try:
        return sorted(session.scalars(select(Hamlet.name)))
    finally:
        session.close()


def _drain(app: Flask) -> None:
    assert "binhyen.redis" in app.extensions
    drain(app)


# -- without Redis: in-process ----------------------------------------------


def test_without_redis_a_job_runs_right_after_its_commit(
    app: Flask, database: Database, backend: str
) -> None:
    if "binhyen.redis" in app.extensions:
        pytest.skip("this backend is configured with Redis")
    _register(app, "tests.hamlet", _add_hamlet)
    place = f.staffed_commune(database, "05089").commune
    with app.app_context():
        _queue_in(database, place, "tests.hamlet", name="Xóm Việc")
    assert _hamlet_names(database, place) == ["Xóm Việc"]
    [job] = _jobs(database, place)
    assert (job.status, job.attempts) == (JobStatus.DONE, 1)


def test_a_rolled_back_change_leaves_no_job_behind(
    app: Flask, database: Database
) -> None:
    _register(app, "tests.hamlet", _add_hamlet)
    place = f.staffed_commune(database, "05089").commune
    session = f.in_commune(database, place)
    try:
        outbox.enqueue_job(session, "tests.hamlet", name="Không bao giờ")
        session.rollback()
        session.commit()
    finally:
        session.close()
    assert _jobs(database, place) == []
    assert _hamlet_names(database, place) == []


def test_job_arguments_must_be_plain_identifiers_and_flags(
    app: Flask, database: Database
) -> None:
    _register(app, "tests.hamlet", _add_hamlet)
    place = f.staffed_commune(database, "05089").commune
    session = f.in_commune(database, place)
    try:
        with pytest.raises(Exception, match=r"not a plain value|identifiers"):
            outbox.enqueue_job(session, "tests.hamlet", name={"full": "Nguyễn Văn A"})
        with pytest.raises(KeyError):
            outbox.enqueue_job(session, "tests.no_such_job")
    finally:
        session.close()


def test_a_failing_job_is_retried_then_marked_failed_and_can_be_run_again(
    app: Flask, database: Database, client: Any
) -> None:
    calls: list[str] = []

    def flaky(session: Any, commune: Any, name: str) -> None:
        calls.append(name)
        if len(calls) < 3:
            raise RuntimeError("gateway down")
        _add_hamlet(session, commune, name)

    _register(app, "tests.flaky", flaky, max_attempts=2)
    staffed = f.staffed_commune(database, "05089")
    place = staffed.commune
    with app.app_context():
        job_id = _queue_in(database, place, "tests.flaky", name="Xóm Bền")
        for _ in range(2):
            runner.run(app, place.id, job_id, in_process=True)
    [job] = _jobs(database, place)
    assert (job.status, job.attempts, job.last_error) == (
        JobStatus.FAILED,
        2,
        "RuntimeError",
    )

    failed = client.get(
        f"/api/v1/c/{place.slug}/jobs/?status=failed", headers=f.bearer(staffed.token)
    )
    assert [j["id"] for j in failed.get_json()] == [str(job_id)]
    assert "gateway down" not in failed.get_data(as_text=True)

    again = client.post(
        f"/api/v1/c/{place.slug}/jobs/{job_id}/retry", headers=f.bearer(staffed.token)
    )
    assert again.status_code == 200
    if "binhyen.redis" in app.extensions:
        runner.bind_app(app)
        _drain(app)
    [job] = _jobs(database, place)
    assert job.status is JobStatus.DONE
    assert _hamlet_names(database, place) == ["Xóm Bền"]


# -- with Redis ---------------------------------------------------------------


def test_with_redis_a_committed_job_waits_in_the_queue_for_a_worker(
    redis_app: Flask,
) -> None:
    database: Database = redis_app.extensions["binhyen.db"]
    _register(redis_app, "tests.hamlet", _add_hamlet)
    place = f.staffed_commune(database, "05089").commune
    with redis_app.app_context():
        _queue_in(database, place, "tests.hamlet", name="Xóm Hàng Đợi")
    [job] = _jobs(database, place)
    assert job.status is JobStatus.QUEUED
    assert _hamlet_names(database, place) == []

    _drain(redis_app)
    [job] = _jobs(database, place)
    assert (job.status, job.attempts) == (JobStatus.DONE, 1)
    assert _hamlet_names(database, place) == ["Xóm Hàng Đợi"]


def test_with_redis_down_requests_succeed_and_every_job_runs_once_it_is_back(
    redis_app: Flask, redis_server: RedisServer
) -> None:
    database: Database = redis_app.extensions["binhyen.db"]
    staffed = f.staffed_commune(database, "05089")
    with database.session() as db:
        bind_tenant(db, staffed.commune.id)
        f.plugin_on(db)
        db.commit()
    client = redis_app.test_client()
    url = f"/api/v1/c/{staffed.commune.slug}/bulletin/notices"

    redis_server.stop()
    for number in range(5):
        answer = client.post(
            url, json={"title": f"Thông báo {number}"}, headers=f.bearer(staffed.token)
        )
        assert answer.status_code == 201, answer.get_json()
    waiting = _jobs(database, staffed.commune)
    assert [j.status for j in waiting] == [JobStatus.PENDING] * 5

    redis_server.start()
    with redis_app.app_context():
        assert outbox.sweep(database, redis_app.extensions["binhyen.dispatcher"]) == 5
        # A second sweep finds nothing more to hand over.
        assert outbox.sweep(database, redis_app.extensions["binhyen.dispatcher"]) == 0
    _drain(redis_app)

    done = _jobs(database, staffed.commune)
    assert [(j.status, j.attempts) for j in done] == [(JobStatus.DONE, 1)] * 5
    session = f.in_commune(database, staffed.commune)
    try:
        from plugins.bulletin.models import Receipt

        receipts = session.scalar(select(func.count()).select_from(Receipt))
    finally:
        session.close()
    # One chief in the commune: one delivery per notice, none twice.
    assert receipts == 5


def test_a_worker_killed_in_the_middle_of_a_job_leads_to_a_retry(
    redis_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database: Database = redis_app.extensions["binhyen.db"]
    settings = redis_app.config["BINHYEN_SETTINGS"]
    _register(redis_app, "tests.slow", _add_hamlet)
    monkeypatch.setattr(outbox, "RETRY_INTERVALS", [1])
    place = f.staffed_commune(database, "05089").commune
    marker = tmp_path / "slow-job-started"

    env = {
        **os.environ,
        "BINHYEN_DATABASE_URL": settings.database_url,
        "BINHYEN_MIGRATION_DATABASE_URL": settings.migration_database_url,
        "BINHYEN_REDIS_URL": settings.redis_url,
        "BINHYEN_SECRET_KEY": "test-secret",
        "BINHYEN_INSTANCE_PATH": str(tmp_path / "worker"),
        "MARKER_PATH": str(marker),
    }
    script = Path(__file__).with_name("worker_with_slow_job.py")
    worker = subprocess.Popen(
        [sys.executable, str(script)],
        env=env,
        cwd=Path(__file__).parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        with redis_app.app_context():
            job_id = _queue_in(database, place, "tests.slow", name="Xóm Sau Sự Cố")
        _wait_for(lambda: marker.exists(), "the job to start", worker)
        os.kill(int(marker.read_text()), signal.SIGKILL)  # the work horse
        _wait_for(
            lambda: _hamlet_names(database, place) == ["Xóm Sau Sự Cố"],
            "the retried job to finish",
            worker,
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    [job] = _jobs(database, place)
    assert job.id == job_id
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)


def _wait_for(
    condition: Callable[[], bool], what: str, process: subprocess.Popen[bytes]
) -> None:
    # Bounded by a count, not a clock the test asserts on.
    for _ in range(600):
        if condition():
            return
        if process.poll() is not None:
            raise AssertionError(
                f"worker exited while waiting for {what}: "
                + (process.stderr.read().decode() if process.stderr else "")
            )
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def test_a_single_attempt_job_is_queued_without_a_retry_policy(
    redis_app: Flask,
) -> None:
    database: Database = redis_app.extensions["binhyen.db"]
    _register(redis_app, "tests.once", _add_hamlet, max_attempts=1)
    place = f.staffed_commune(database, "05089").commune
    with redis_app.app_context():
        _queue_in(database, place, "tests.once", name="Xóm Một Lần")
    assert [j.status for j in _jobs(database, place)] == [JobStatus.QUEUED]
    _drain(redis_app)
    assert _hamlet_names(database, place) == ["Xóm Một Lần"]


def test_a_delayed_job_waits_in_rqs_scheduled_registry(redis_app: Flask) -> None:
    from rq.registry import ScheduledJobRegistry

    from core.db import utcnow

    database: Database = redis_app.extensions["binhyen.db"]
    _register(redis_app, "tests.hamlet", _add_hamlet)
    place = f.staffed_commune(database, "05089").commune
    session = f.in_commune(database, place)
    try:
        job = outbox.enqueue_job(
            session,
            "tests.hamlet",
            run_after=utcnow() + timedelta(hours=1),
            name="Xóm Để Sau",
        )
        session.commit()
    finally:
        session.close()
    registry = ScheduledJobRegistry(
        outbox.QUEUE_NAME, connection=redis_app.extensions["binhyen.redis"]
    )
    assert f"binhyen-{job.id}" in registry.get_job_ids()
    _drain(redis_app)
    assert _hamlet_names(database, place) == []


def test_the_scheduler_times_the_sweep_and_every_plugins_periodic_job(
    redis_app: Flask,
) -> None:
    from core.jobs import schedule

    scheduler = schedule.cron_scheduler(redis_app)
    timed = {job.name: (job.cron, job.interval) for job in scheduler.get_jobs()}
    assert timed["binhyen:bulletin.expire"] == ("0 20 * * *", None)
    assert (None, schedule.SWEEP_EVERY) in timed.values()


def test_the_embedded_scheduler_sweeps_first_and_runs_due_work_here(
    app: Flask, database: Database
) -> None:
    from core.db import utcnow
    from core.jobs import schedule

    if "binhyen.redis" in app.extensions:
        pytest.skip("the embedded scheduler is for the no-Redis default")
    _register(app, "tests.hamlet", _add_hamlet)
    place = f.staffed_commune(database, "05089").commune
    session = f.in_commune(database, place)
    try:
        # Due already, but written while nothing ran: only a sweep sends it.
        session.add(
            Job(
                name="tests.hamlet",
                arguments={"name": "Xóm Bù"},
                run_after=utcnow() - timedelta(minutes=1),
            )
        )
        session.commit()
    finally:
        session.close()
    turns = iter([False, True])
    schedule.run_in_process(app, stop=lambda: next(turns))
    assert _hamlet_names(database, place) == ["Xóm Bù"]


def test_failed_jobs_are_listed_and_retried_from_the_command_line(
    app: Flask, database: Database
) -> None:
    place = f.staffed_commune(database, "05089").commune
    session = f.in_commune(database, place)
    try:
        failed = f.job(session)
        session.commit()
    finally:
        session.close()
    runner_cli = app.test_cli_runner()
    listed = runner_cli.invoke(args=["jobs", "failed", "--json"])
    assert listed.exit_code == 0, listed.output
    assert str(failed.id) in listed.output
    again = runner_cli.invoke(
        args=["jobs", "retry", str(failed.id), "--commune", place.slug]
    )
    assert again.exit_code == 0, again.output
    statuses = {j.id: j.status for j in _jobs(database, place)}
    # Sent again: run here at once without Redis (and skipped, since its
    # plugin is off in this commune), or waiting in the queue with Redis.
    expected = (
        JobStatus.QUEUED if "binhyen.redis" in app.extensions else (JobStatus.SKIPPED)
    )
    assert statuses[failed.id] is expected

"""The job outbox: written with the change, never lost, run once in effect.

Redis here is a real redis-server each test starts on a free port of its
own, so that a test can stop it and start it again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from core.db import Database, utcnow
from core.hamlets.models import Hamlet
from core.jobs import outbox, runner
from core.jobs.models import Job, JobStatus
from core.plugin_host.contributions import JobDefinition
from tenants.isolation import bind_tenant
from tests import factories as f
from tests.support.jobs import drain, run_due_jobs


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


def test_without_redis_a_failed_job_waits_its_back_off_before_the_sweep_retries(
    app: Flask, database: Database
) -> None:
    if "binhyen.redis" in app.extensions:
        pytest.skip("with Redis, RQ keeps the back-off; see the test below")
    calls: list[str] = []

    def flaky(session: Any, commune: Any, name: str) -> None:
        calls.append(name)
        if len(calls) < 2:
            raise RuntimeError("gateway down")
        _add_hamlet(session, commune, name)

    _register(app, "tests.flaky", flaky, max_attempts=3)
    place = f.staffed_commune(database, "05089").commune
    before = utcnow()
    with app.app_context():
        _queue_in(database, place, "tests.flaky", name="Xóm Chờ")
    [job] = _jobs(database, place)
    assert (job.status, job.attempts) == (JobStatus.PENDING, 1)
    assert job.run_after is not None
    assert job.run_after >= before + timedelta(seconds=outbox.RETRY_INTERVALS[0])

    dispatcher = app.extensions["binhyen.dispatcher"]
    assert outbox.sweep(database, dispatcher) == 0  # not yet due
    session = f.in_commune(database, place)
    try:
        waiting = session.get(Job, (place.id, job.id))
        assert waiting is not None
        waiting.run_after = utcnow()  # as if the back-off had passed
        session.commit()
    finally:
        session.close()
    assert outbox.sweep(database, dispatcher) == 1
    [job] = _jobs(database, place)
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)


def test_each_retry_waits_longer_and_rq_is_given_one_wait_per_retry() -> None:
    # RQ takes a list of waits from its end when the list is longer than the
    # retries, which would make a job with two retries wait 300 s, then 900.
    assert outbox.retry_intervals(3) == [10, 60]
    assert outbox.retry_intervals(1) == []
    assert outbox.retry_intervals(7) == [10, 60, 300, 900, 900, 900]
    assert [outbox.back_off(n) for n in (1, 2, 4, 9)] == [10, 60, 900, 900]


def test_with_redis_a_failing_job_is_retried_by_rq_after_its_back_off(
    redis_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rq.registry import ScheduledJobRegistry

    database: Database = redis_app.extensions["binhyen.db"]

    def broken(session: Any, commune: Any, name: str) -> None:
        raise RuntimeError("gateway down")

    _register(redis_app, "tests.broken", broken, max_attempts=3)
    place = f.staffed_commune(database, "05089").commune
    with redis_app.app_context():
        job_id = _queue_in(database, place, "tests.broken", name="Xóm Lỗi")
    before = utcnow()
    _drain(redis_app)
    after = utcnow()
    [job] = _jobs(database, place)
    assert (job.status, job.attempts) == (JobStatus.RETRYING, 1)
    scheduled = ScheduledJobRegistry(
        outbox.QUEUE_NAME, connection=redis_app.extensions["binhyen.redis"]
    )
    assert f"binhyen-{job_id}" in scheduled.get_job_ids()
    at = scheduled.get_scheduled_time(f"binhyen-{job_id}")
    # Scheduled one back-off after the failure, which came between before
    # and after (RQ keeps whole seconds); however slow the machine.
    back_off = timedelta(seconds=outbox.RETRY_INTERVALS[0])
    assert before.replace(microsecond=0) + back_off <= at <= after + back_off

    # With no back-off, RQ runs it again at once, until attempts run out.
    monkeypatch.setattr(outbox, "RETRY_INTERVALS", [0])
    with redis_app.app_context():
        again = _queue_in(database, place, "tests.broken", name="Xóm Lỗi Nữa")
    _drain(redis_app)
    final = next(j for j in _jobs(database, place) if j.id == again)
    assert (final.status, final.attempts, final.last_error) == (
        JobStatus.FAILED,
        3,
        "RuntimeError",
    )


def test_the_worker_command_runs_what_waits_in_the_queue(redis_app: Flask) -> None:
    database: Database = redis_app.extensions["binhyen.db"]
    _register(redis_app, "tests.hamlet", _add_hamlet)
    place = f.staffed_commune(database, "05089").commune
    with redis_app.app_context():
        _queue_in(database, place, "tests.hamlet", name="Xóm Thợ")
    result = redis_app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert _hamlet_names(database, place) == ["Xóm Thợ"]
    [job] = _jobs(database, place)
    assert job.status is JobStatus.DONE


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
    redis_app: Flask, redis_server: Any
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


def test_a_job_written_to_start_later_waits_for_its_time(
    app: Flask, database: Database
) -> None:
    _register(app, "tests.hamlet", _add_hamlet)
    place = f.staffed_commune(database, "05089").commune
    later = utcnow() + timedelta(hours=1)
    with app.app_context():
        job_id = _queue_in(
            database, place, "tests.hamlet", run_after=later, name="Xóm Muộn"
        )
        if "binhyen.redis" not in app.extensions:
            # Without Redis the commit ran due jobs at once; this one waits.
            assert runner.run(app, place.id, job_id, in_process=True) == "waiting"
        run_due_jobs(app)
    assert _hamlet_names(database, place) == []
    [job] = _jobs(database, place)
    assert job.attempts == 0

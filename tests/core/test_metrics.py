"""Prometheus metrics at /metrics: what is counted, and what never becomes a label."""

from __future__ import annotations

import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.db import Database
from core.jobs import outbox
from core.jobs.models import JobStatus
from tests import factories as f

HAMLETS = "/api/v1/c/<commune>/hamlets/"
HAMLET = "/api/v1/c/<commune>/hamlets/<uuid:hamlet_id>"


def scrape(client: FlaskClient) -> str:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.mimetype == "text/plain"
    return answer.get_data(as_text=True)


def value(text: str, name: str, **labels: str) -> float:
    """The sample of ``name`` with exactly these labels; 0 when absent."""
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
        if found == labels:
            return float(match[3])
    return 0.0


def test_requests_are_counted_by_route_template_and_status(
    client: FlaskClient, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    slug = staffed.commune.slug
    missing = uuid.uuid4()
    before = scrape(client)

    for _ in range(3):
        answer = client.get(
            f"/api/v1/c/{slug}/hamlets/", headers=f.bearer(staffed.token)
        )
        assert answer.status_code == 200
    answer = client.get(
        f"/api/v1/c/{slug}/hamlets/{missing}", headers=f.bearer(staffed.token)
    )
    assert answer.status_code == 404

    after = scrape(client)
    ok = {"method": "GET", "route": HAMLETS, "status": "200"}
    assert (
        value(after, "binhyen_http_requests_total", **ok)
        - value(before, "binhyen_http_requests_total", **ok)
        == 3
    )
    gone = {"method": "GET", "route": HAMLET, "status": "404"}
    assert (
        value(after, "binhyen_http_requests_total", **gone)
        - value(before, "binhyen_http_requests_total", **gone)
        == 1
    )
    timed = {"method": "GET", "route": HAMLETS}
    assert (
        value(after, "binhyen_http_request_duration_seconds_count", **timed)
        - value(before, "binhyen_http_request_duration_seconds_count", **timed)
        == 3
    )
    # The commune and the ids in the paths are never labels.
    assert slug not in after
    assert str(missing) not in after
    assert staffed.commune.name not in after


def test_paths_without_a_route_share_one_label(client: FlaskClient) -> None:
    before = scrape(client)
    probe = f"/wp-admin/{uuid.uuid4().hex}"
    assert client.get(probe).status_code == 404
    after = scrape(client)
    labels = {"method": "GET", "route": "unmatched", "status": "404"}
    assert (
        value(after, "binhyen_http_requests_total", **labels)
        == value(before, "binhyen_http_requests_total", **labels) + 1
    )
    assert probe not in after


def test_refused_requests_are_counted_under_their_route(
    client: FlaskClient, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    before = scrape(client)
    answer = client.get(f"/api/v1/c/{staffed.commune.slug}/hamlets/")  # no sign-in
    assert answer.status_code == 401
    labels = {"method": "GET", "route": HAMLETS, "status": "401"}
    assert (
        value(scrape(client), "binhyen_http_requests_total", **labels)
        == value(before, "binhyen_http_requests_total", **labels) + 1
    )


def test_a_metrics_token_keeps_the_metrics_from_anyone_without_it(
    app: Flask, client: FlaskClient
) -> None:
    app.config["BINHYEN_SETTINGS"].values["metrics_token"] = "prometheus-only"
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert "BINHYEN_METRICS_TOKEN" in refused.get_json()["detail"]
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    # Prometheus's token is not an API token: no sign-in is tried with it.
    right = client.get("/metrics", headers={"Authorization": "Bearer prometheus-only"})
    assert right.status_code == 200
    assert "binhyen_http_requests_total" in right.get_data(as_text=True)


def test_without_a_token_the_metrics_are_open_and_say_so_in_the_access_rules(
    app: Flask, client: FlaskClient
) -> None:
    from core.app import access_declaration

    assert access_declaration(app.view_functions["metrics.metrics"]) == {"*": "public"}
    assert client.get("/metrics").status_code == 200


def test_job_figures_come_from_the_queue_and_the_outbox_sweep(
    app: Flask, client: FlaskClient, database: Database, backend: str
) -> None:
    places = [f.staffed_commune(database, code).commune for code in ("05089", "05098")]
    for place, failed in zip(places, (2, 1), strict=True):
        with f.in_commune(database, place) as session:
            for _ in range(failed):
                f.job(session, JobStatus.FAILED)
            f.job(session, JobStatus.DONE)
            session.commit()
    dispatcher = app.extensions["binhyen.dispatcher"]

    if backend == "sqlite":
        # No Redis: jobs run in-process and there is no queue to measure.
        outbox.sweep(database, dispatcher)
        assert "binhyen_job" not in scrape(client)
        return

    with f.in_commune(database, places[0]) as session:
        outbox.enqueue_job(session, "bulletin.announce", notice_id=str(uuid.uuid4()))
        session.commit()  # handed to Redis; no worker runs here
    outbox.sweep(database, dispatcher)

    text = scrape(client)
    assert value(text, "binhyen_job_queue_depth", state="queued") == 1
    assert value(text, "binhyen_jobs_failed") == 3
    assert value(text, "binhyen_jobs_waiting") == 0
    assert value(text, "binhyen_jobs_counted_timestamp_seconds") > 0
    for place in places:
        assert place.slug not in text


def test_audit_verification_leaves_its_duration_for_the_next_scrape(
    app: Flask, client: FlaskClient, database: Database, backend: str
) -> None:
    f.staffed_commune(database, "05089")
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    text = scrape(client)
    if backend == "sqlite":
        assert "binhyen_audit_verify" not in text
        return
    assert value(text, "binhyen_audit_verify_chains") == 2  # platform and commune
    assert value(text, "binhyen_audit_verify_broken_chains") == 0
    assert re.search(r"^binhyen_audit_verify_duration_seconds \S+$", text, re.M)
    assert value(text, "binhyen_audit_verify_timestamp_seconds") > 0


@pytest.mark.parametrize("path", ["/metrics", "/healthz"])
def test_probes_and_metrics_answer_without_a_page(
    client: FlaskClient, path: str
) -> None:
    answer = client.get(path, headers={"Accept": "text/html"})
    assert answer.status_code == 200
    assert b"<html" not in answer.get_data()

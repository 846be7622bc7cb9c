"""Every error is problem+json, says what to do, leaks nothing and changes nothing."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.access.policy import public
from core.db import Database
from tests import factories as f
from tests.conftest import csrf_from, sign_in

PROBLEM = "application/problem+json"


def _hamlet_count(client: FlaskClient, staffed: f.Staffed) -> int:
    listed = client.get(
        f"/api/v1/c/{staffed.commune.slug}/hamlets/", headers=f.bearer(staffed.token)
    )
    return len(listed.get_json())


def test_unknown_commune_is_a_problem_in_vietnamese_by_default(
    client: FlaskClient,
) -> None:
    answer = client.get("/api/v1/c/khong-co/hamlets/")
    assert answer.status_code == 404
    assert answer.mimetype == PROBLEM
    problem = answer.get_json()
    assert problem["title"] == "Không tìm thấy"
    assert problem["status"] == 404
    assert "khong-co" in problem["detail"]
    assert problem["request_id"] == answer.headers["X-Request-Id"]


def test_problem_titles_follow_the_callers_language(client: FlaskClient) -> None:
    answer = client.get(
        "/api/v1/c/khong-co/hamlets/", headers={"Accept-Language": "en-GB,en"}
    )
    assert answer.get_json()["title"] == "Not found"


def test_wrong_content_type_is_refused_and_creates_nothing(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    answer = client.post(
        f"/api/v1/c/{cao_phong.commune.slug}/hamlets/",
        data="name=Xóm Dụ&kind=xom",
        content_type="application/x-www-form-urlencoded",
        headers=f.bearer(cao_phong.token),
    )
    assert answer.status_code == 415
    assert answer.mimetype == PROBLEM
    assert "application/json" in answer.get_json()["detail"]
    assert _hamlet_count(client, cao_phong) == 0


def test_oversized_body_is_refused_and_creates_nothing(
    client: FlaskClient, database: Database, app: Flask
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    limit = app.config["BINHYEN_SETTINGS"].max_body_bytes
    answer = client.post(
        f"/api/v1/c/{cao_phong.commune.slug}/hamlets/",
        json={"name": "x" * (limit + 1), "kind": "xom"},
        headers=f.bearer(cao_phong.token),
    )
    assert answer.status_code == 413
    assert answer.mimetype == PROBLEM
    assert _hamlet_count(client, cao_phong) == 0


def test_malformed_json_is_a_bad_request(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    answer = client.post(
        f"/api/v1/c/{cao_phong.commune.slug}/hamlets/",
        data='{"name": "Xóm',
        content_type="application/json",
        headers=f.bearer(cao_phong.token),
    )
    assert answer.status_code == 400
    assert answer.mimetype == PROBLEM
    assert _hamlet_count(client, cao_phong) == 0


def test_unknown_api_path_and_wrong_method_are_problems(client: FlaskClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert (missing.status_code, missing.mimetype) == (404, PROBLEM)
    wrong = client.put("/api/v1/me", json={})
    assert (wrong.status_code, wrong.mimetype) == (405, PROBLEM)


def test_anonymous_api_call_is_told_how_to_authenticate(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    answer = client.get(f"/api/v1/c/{cao_phong.commune.slug}/hamlets/")
    assert answer.status_code == 401
    assert answer.mimetype == PROBLEM
    assert "Bearer" in answer.headers["WWW-Authenticate"]


def test_a_failing_validation_echoes_and_logs_no_submitted_value(
    client: FlaskClient, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    marker = "Nguyễn Văn Bí Mật 0912345678"
    with caplog.at_level(logging.DEBUG):
        answer = client.post(
            f"/api/v1/c/{cao_phong.commune.slug}/hamlets/",
            json={"name": marker, "kind": marker, "code": marker},
            headers=f.bearer(cao_phong.token),
        )
    assert answer.status_code == 422
    assert marker not in answer.get_data(as_text=True)
    assert marker not in caplog.text
    assert {e["field"] for e in answer.get_json()["errors"]} == {"kind", "code"}


def test_a_server_error_is_a_problem_that_reveals_and_logs_no_detail(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "0912345678 Nguyễn Văn An"

    @public("a test route that fails")
    def explode() -> None:
        raise RuntimeError(f"database said: {secret}")

    app.add_url_rule("/api/v1/explode", "explode", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.DEBUG):
        answer = app.test_client().get("/api/v1/explode")
    assert answer.status_code == 500
    assert answer.mimetype == PROBLEM
    assert secret not in answer.get_data(as_text=True)
    assert "RuntimeError" in caplog.text
    assert secret not in caplog.text


def test_pages_show_errors_as_pages_and_send_strangers_to_sign_in(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    missing = client.get("/c/khong-co/")
    assert missing.status_code == 404
    assert missing.mimetype == "text/html"
    anonymous = client.get(f"/c/{cao_phong.commune.slug}/")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].endswith("/login")


def test_error_pages_speak_the_pages_language_and_name_what_to_do(
    client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    viewer, _secret = f.member(database, cao_phong, "viewer")
    assert sign_in(client, viewer.username, f.PASSWORD).status_code == 302
    slug = cao_phong.commune.slug

    # A refusal built from a value is translated whole, then filled in.
    refused = client.get(f"/c/{slug}/people/")
    assert refused.status_code == 403 and refused.mimetype == "text/html"
    assert "<h1>Không có quyền</h1>" in refused.text
    assert "Bạn cần quyền persons:read ở xã này" in refused.text
    # An unknown address gets our own sentence, not the library's English.
    lost = client.get(f"/c/{slug}/khong-co-trang-nay")
    assert lost.status_code == 404
    assert "Không có trang này" in lost.text and "requested URL" not in lost.text

    # With English chosen on the page, the same errors come in English.
    chosen = client.post(
        "/language", data={"lang": "en", "csrf_token": csrf_from(lost.text)}
    )
    assert chosen.status_code == 302
    refused = client.get(f"/c/{slug}/people/")
    assert "You need the permission persons:read in this commune" in refused.text
    assert "<h1>Not allowed</h1>" in refused.text
    assert "There is no such page here" in client.get(f"/c/{slug}/x").text

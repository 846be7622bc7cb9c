"""Probes and the API's own documentation."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from core.app import create_app
from core.config import load_settings


def test_healthz_answers_while_the_process_runs(client: FlaskClient) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok"}


def test_readyz_checks_the_database_and_redis_where_configured(
    client: FlaskClient, backend: str
) -> None:
    checks = client.get("/readyz").get_json()["checks"]
    assert checks["database"] == "ok"
    if backend == "postgresql":
        assert checks["redis"] == "ok"
    else:
        assert "redis" not in checks


def test_readyz_reports_an_unreachable_database(tmp_path: object) -> None:
    settings = load_settings(
        {},
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none",
        redis_url="redis://127.0.0.1:1/0",
        instance_path=str(tmp_path),
        secret_key="test",
    )
    answer = create_app(settings).test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["checks"] == {
        "database": "unreachable",
        "redis": "unreachable",
    }


def test_openapi_document_describes_the_api(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/c/{commune}/hamlets/" in spec["paths"]
    assert "/api/v1/communes" in spec["paths"]
    assert "bearer" in spec["components"]["securitySchemes"]
    patch = spec["paths"]["/api/v1/c/{commune}/hamlets/{hamlet_id}"]["patch"]
    assert any(p["name"] == "If-Match" for p in patch["parameters"])


def test_interactive_docs_load_their_assets_from_this_server(
    client: FlaskClient, app: Flask
) -> None:
    page = client.get("/api/docs").get_data(as_text=True)
    assert "/api/docs/assets/swagger-ui-bundle.js" in page
    asset = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert len(asset.get_data()) > 1000

"""Log lines: readable text in development, JSON objects in production, each
tagged with its request and commune and carrying no personal data."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask, g

from core import logging as logging_module
from core.config import SettingsError, load_settings


def captured(log_format: str) -> tuple[logging.Logger, io.StringIO]:
    """A logger whose one handler is the app's, writing into a buffer."""
    buffer = io.StringIO()
    handler = logging_module.make_handler(log_format)
    handler.setStream(buffer)  # type: ignore[attr-defined]
    logger = logging.getLogger(f"tests.logging.{log_format}")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, buffer


def test_json_lines_carry_the_request_id_and_commune_of_their_request(
    app: Flask,
) -> None:
    logger, buffer = captured("json")
    with app.test_request_context("/api/v1/c/cao-phong/hamlets/"):
        g.request_id = "4f2a9c"
        g.commune = SimpleNamespace(slug="cao-phong")
        logger.info("hamlet %s renamed", "0190c5c1")
    logger.info("outside any request")

    inside, outside = (json.loads(line) for line in buffer.getvalue().splitlines())
    assert inside["request_id"] == "4f2a9c"
    assert inside["commune"] == "cao-phong"
    assert inside["message"] == "hamlet 0190c5c1 renamed"
    assert inside["level"] == "INFO"
    assert inside["logger"] == "tests.logging.json"
    assert inside["time"].endswith("+00:00")
    assert (outside["request_id"], outside["commune"]) == ("-", "-")


def test_text_lines_carry_the_same_tags(app: Flask) -> None:
    logger, buffer = captured("text")
    with app.test_request_context("/"):
        g.request_id = "4f2a9c"
        logger.warning("sign-in refused")
    assert "WARNING tests.logging.text [4f2a9c -] sign-in refused" in buffer.getvalue()


def test_an_exception_is_one_json_line_with_its_traceback() -> None:
    logger, buffer = captured("json")
    try:
        raise KeyError("x")
    except KeyError:
        logger.exception("job failed")
    (line,) = buffer.getvalue().splitlines()
    assert "KeyError" in json.loads(line)["exception"]


def test_access_lines_keep_only_the_fields_without_personal_data() -> None:
    logger, buffer = captured("json")
    access = logging.getLogger("gunicorn.access")
    access.handlers, access.propagate = logger.handlers, False
    try:
        atoms = {
            "h": "203.0.113.9",
            "m": "GET",
            "U": "/api/v1/c/cao-phong/persons/",
            "q": "national_id=001203004567",
            "a": "Mozilla/5.0",
            "f": "https://example.org/?q=nguyen",
            "s": "200",
            "B": 512,
            "M": 12,
            "{x-request-id}o": "4f2a9c",
        }
        access.info("%(m)s %(U)s %(s)s", atoms)
    finally:
        access.handlers, access.propagate = [], True
    line = json.loads(buffer.getvalue())
    assert line["request_id"] == "4f2a9c"
    assert (line["method"], line["path"], line["status"]) == (
        "GET",
        "/api/v1/c/cao-phong/persons/",
        "200",
    )
    assert (line["bytes"], line["duration_ms"]) == (512, 12)
    text = buffer.getvalue()
    for private in ("203.0.113.9", "001203004567", "Mozilla", "nguyen"):
        assert private not in text


def test_configuring_again_switches_the_format_without_a_second_handler() -> None:
    root = logging.getLogger()

    def ours() -> list[logging.Handler]:
        return [h for h in root.handlers if getattr(h, "binhyen", False)]

    try:
        logging_module.configure("INFO", "json")
        logging_module.configure("INFO", "json")
        assert len(ours()) == 1
        assert isinstance(ours()[0].formatter, logging_module.JsonFormatter)
    finally:
        logging_module.configure("INFO", "text")
    # Back to text, still with one handler of ours.
    assert len(ours()) == 1
    assert not isinstance(ours()[0].formatter, logging_module.JsonFormatter)


def test_an_unknown_log_format_is_refused_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"BINHYEN_LOG_FORMAT.*text, json"):
        load_settings({"BINHYEN_LOG_FORMAT": "xml"}, instance_path=str(tmp_path))


def test_the_development_server_logs_addresses_without_their_query(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logging_module.configure("INFO")
    werkzeug = logging.getLogger("werkzeug")
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        werkzeug.info(
            '127.0.0.1 - - [04/Dec/2026 10:00:00] "%s" %s %s\n',
            "GET /c/cao-phong/hamlets/?q=xom+tay+phong HTTP/1.1",
            200,
            "-",
        )
        werkzeug.info('"%s" %s %s', "GET /api/v1/me?token=abc HTTP/1.1", 200, 15)
    assert "tay" not in caplog.text and "token=abc" not in caplog.text
    assert "GET /api/v1/me HTTP/1.1" in caplog.text

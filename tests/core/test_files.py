"""The encrypted file store, through the scans of a commitment: uploads are
typed by their content and bounded in size, come back byte for byte, are
audited when fetched, and are unreadable in a copy of the database."""

from __future__ import annotations

import hashlib
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.api.uploads import InMemoryUploads
from core.audit.models import AuditEvent
from core.db import Database
from core.errors import Invalid
from core.files import metadata
from core.files import service as files
from core.files.models import StoredFile
from core.identity.authn import operator
from tests import factories as f
from tests.conftest import csrf_from, sign_in
from tests.core.test_crypto import dump

# A PDF whose text names the person, as a scanned form would.
PDF = b"%PDF-1.7\n% Ban cam ket cua Luong Van Khoa\n" + bytes(range(256)) * 8
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + (
    b"\x00" * 64
)
PNG = metadata.PNG_SIGNATURE + b"\x00\x00\x00\x0dIHDR" + b"\x00" * 17
NAME = "Cam kết Lương Văn Khoa.pdf"


def _scans(staffed: f.Staffed, database: Database) -> str:
    session = f.in_commune(database, staffed.commune)
    try:
        commitment = f.commitment(session)
        session.commit()
        return (
            f"/api/v1/c/{staffed.commune.slug}/persons/{commitment.person_id}"
            f"/commitments/{commitment.id}/scans"
        )
    finally:
        session.close()


def _upload(
    client: FlaskClient,
    url: str,
    staffed: f.Staffed,
    data: bytes,
    content_type: str = "application/pdf",
    name: str = NAME,
) -> Any:
    return client.post(
        url,
        data={"file": (io.BytesIO(data), name, content_type)},
        content_type="multipart/form-data",
        headers=f.bearer(staffed.token),
    )


@pytest.fixture
def chief(database: Database) -> f.Staffed:
    return f.staffed_commune(database, "05089")


def test_a_scan_comes_back_byte_for_byte_as_an_attachment_nobody_caches(
    client: FlaskClient, database: Database, chief: f.Staffed
) -> None:
    url = _scans(chief, database)
    made = _upload(client, url, chief, PDF)
    assert made.status_code == 201, made.get_json()
    stored = made.get_json()
    assert (stored["content_type"], stored["size"]) == ("application/pdf", len(PDF))
    assert stored["filename"] == NAME

    fetched = client.get(f"{url}/{stored['id']}", headers=f.bearer(chief.token))
    assert fetched.status_code == 200
    assert fetched.data == PDF
    assert fetched.mimetype == "application/pdf"
    assert fetched.headers["Cache-Control"] == "no-store"
    disposition = fetched.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "Khoa" not in disposition, "the original name stays out of headers"
    assert fetched.headers["X-Content-Type-Options"] == "nosniff"


def test_a_download_is_audited_as_a_read_of_the_persons_file(
    client: FlaskClient, database: Database, chief: f.Staffed
) -> None:
    url = _scans(chief, database)
    stored = _upload(client, url, chief, PDF).get_json()
    client.get(f"{url}/{stored['id']}", headers=f.bearer(chief.token))

    session = f.in_commune(database, chief.commune)
    try:
        reads = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "person.read")
        ).all()
    finally:
        session.close()
    downloads = [r for r in reads if r.details.get("part") == "commitment_scan"]
    assert len(downloads) == 1
    assert downloads[0].fields == ["content"]
    assert downloads[0].details["file"] == stored["id"]
    assert downloads[0].object_id == url.split("/persons/")[1].split("/")[0]


@pytest.mark.parametrize(
    ("data", "declared", "status"),
    [
        (b"<html><script>alert(1)</script></html>", "application/pdf", 422),
        (b"GIF89a" + b"\x00" * 32, "image/gif", 422),
        (PDF, "image/png", 422),
        (PNG, "image/jpeg", 422),
        (b"", "application/pdf", 422),
    ],
    ids=["html-as-pdf", "gif", "pdf-as-png", "png-as-jpeg", "empty"],
)
def test_an_upload_whose_content_is_not_what_we_take_is_refused_and_nothing_kept(
    client: FlaskClient,
    database: Database,
    chief: f.Staffed,
    data: bytes,
    declared: str,
    status: int,
) -> None:
    url = _scans(chief, database)
    refused = _upload(client, url, chief, data, declared)
    assert refused.status_code == status
    problem = refused.get_json()
    assert refused.mimetype == "application/problem+json"
    assert problem["errors"][0]["field"] == "file"
    assert "Khoa" not in refused.get_data(as_text=True)
    assert client.get(url, headers=f.bearer(chief.token)).get_json() == []


def test_a_declaration_that_says_nothing_lets_the_content_decide(
    client: FlaskClient, database: Database, chief: f.Staffed
) -> None:
    url = _scans(chief, database)
    for data, declared in ((JPEG, "application/octet-stream"), (PNG, "image/x-png")):
        made = _upload(client, url, chief, data, declared, "scan")
        assert made.status_code == 201, made.get_json()
    listed = client.get(url, headers=f.bearer(chief.token)).get_json()
    assert [s["content_type"] for s in listed] == ["image/jpeg", "image/png"]


def test_a_file_over_the_upload_limit_is_refused_with_413(
    app: Flask, client: FlaskClient, database: Database, chief: f.Staffed
) -> None:
    app.config["BINHYEN_SETTINGS"].values["max_upload_bytes"] = 4096
    url = _scans(chief, database)
    just_over = _upload(client, url, chief, (PDF * 3)[:4097])
    assert just_over.status_code == 413
    assert just_over.get_json()["errors"][0]["field"] == "file"
    # Far over: refused while the body is read, before anything is parsed.
    far_over = _upload(client, url, chief, PDF * 100)
    assert far_over.status_code == 413
    assert far_over.mimetype == "application/problem+json"
    assert _upload(client, url, chief, (PDF * 3)[:4096]).status_code == 201


def test_uploads_may_exceed_the_json_body_limit_and_json_routes_may_not(
    app: Flask, client: FlaskClient, database: Database, chief: f.Staffed
) -> None:
    settings = app.config["BINHYEN_SETTINGS"]
    big = PDF + b"\x00" * (settings.max_body_bytes + 1024)
    assert settings.max_body_bytes < len(big) < settings.max_upload_bytes
    url = _scans(chief, database)
    assert _upload(client, url, chief, big).status_code == 201

    people = f"/api/v1/c/{chief.commune.slug}/persons/"
    too_big = client.post(
        people,
        json={"full_name": "x" * (settings.max_body_bytes + 10)},
        headers=f.bearer(chief.token),
    )
    assert too_big.status_code == 413


def test_a_browser_uploads_a_large_scan_with_its_csrf_token_in_the_form(
    app: Flask, client: FlaskClient, database: Database, chief: f.Staffed
) -> None:
    url = _scans(chief, database)
    assert sign_in(client, chief.chief.username, f.PASSWORD).status_code == 302
    csrf = csrf_from(client.get("/login").get_data(as_text=True))
    big = PDF + b"\x00" * app.config["BINHYEN_SETTINGS"].max_body_bytes

    def post(form: dict[str, Any]) -> Any:
        return client.post(
            url,
            data={**form, "file": (io.BytesIO(big), "scan.pdf", "application/pdf")},
            content_type="multipart/form-data",
        )

    assert post({}).status_code == 403
    made = post({"csrf_token": csrf})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["size"] == len(big)


def test_only_upload_routes_take_multipart_and_they_say_how_to_send_a_file(
    client: FlaskClient, database: Database, chief: f.Staffed
) -> None:
    people = f"/api/v1/c/{chief.commune.slug}/persons/"
    form = client.post(
        people,
        data={"file": (io.BytesIO(PDF), "a.pdf", "application/pdf")},
        content_type="multipart/form-data",
        headers=f.bearer(chief.token),
    )
    assert form.status_code == 415

    url = _scans(chief, database)
    as_json = client.post(url, json={}, headers=f.bearer(chief.token))
    assert as_json.status_code == 422
    assert as_json.get_json()["errors"][0]["field"] == "file"
    as_text = client.post(
        url, data=b"%PDF-1.4", content_type="text/plain", headers=f.bearer(chief.token)
    )
    assert as_text.status_code == 415
    assert "multipart/form-data" in as_text.get_json()["detail"]


def test_a_scan_is_found_only_under_its_own_commitment(
    client: FlaskClient, database: Database, chief: f.Staffed
) -> None:
    url = _scans(chief, database)
    stored = _upload(client, url, chief, PDF).get_json()
    elsewhere = _scans(chief, database)
    answer = client.get(f"{elsewhere}/{stored['id']}", headers=f.bearer(chief.token))
    assert answer.status_code == 404
    missing = client.get(f"{url}/{uuid.uuid4()}", headers=f.bearer(chief.token))
    assert missing.status_code == 404


def test_removing_a_scan_removes_the_stored_file(
    client: FlaskClient, database: Database, chief: f.Staffed
) -> None:
    url = _scans(chief, database)
    stored = _upload(client, url, chief, PDF).get_json()
    gone = client.delete(f"{url}/{stored['id']}", headers=f.bearer(chief.token))
    assert gone.status_code == 204
    assert client.get(url, headers=f.bearer(chief.token)).get_json() == []
    session = f.in_commune(database, chief.commune)
    try:
        assert session.scalars(select(StoredFile)).all() == []
    finally:
        session.close()


def test_equal_files_share_a_digest_in_one_commune_but_not_across_two(
    client: FlaskClient, database: Database, chief: f.Staffed
) -> None:
    other = f.staffed_commune(database, "05098")
    here = _scans(chief, database)
    first = _upload(client, here, chief, PDF).get_json()
    second = _upload(client, here, chief, PDF).get_json()
    there = _upload(client, _scans(other, database), other, PDF).get_json()
    assert first["digest"] == second["digest"] != there["digest"]
    assert hashlib.sha256(PDF).hexdigest() not in {first["digest"], there["digest"]}


def test_neither_a_files_bytes_nor_its_name_are_in_a_dump(
    app: Flask,
    client: FlaskClient,
    database: Database,
    chief: f.Staffed,
    backend: str,
    tmp_path: Path,
) -> None:
    url = _scans(chief, database)
    assert _upload(client, url, chief, PDF).status_code == 201
    raw = dump(app, backend, tmp_path)
    for secret in (PDF, PDF[:40], NAME.encode()):
        assert secret not in raw
        assert secret.hex().encode() not in raw  # bytea as pg_dump writes it


# -- types and metadata, no database -----------------------------------------

EXIF = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08GPS 21.0285N 105.8542E Pixel 7"
JPEG_WITH_EXIF = (
    b"\xff\xd8"
    + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\xff\xe1"
    + (len(EXIF) + 2).to_bytes(2, "big")
    + EXIF
    + b"\xff\xe2\x00\x10ICC_PROFILE\x00\x01\x01"
    + b"\xff\xfe\x00\x0bcomment!!"
    + b"\xff\xdb\x00\x05\x00\x01\x02"
    + b"\xff\xda\x00\x04\x01\x00"
    + b"\x12\x34\xff\x00\x56\xff\xd0\x78"
    + b"\xff\xd9"
    + b"trailing thumbnail"
)


def test_a_jpeg_loses_its_exif_comments_and_trailer_and_keeps_its_picture() -> None:
    stripped = metadata.strip(JPEG_WITH_EXIF, "image/jpeg")
    assert b"GPS" not in stripped and b"comment" not in stripped
    assert b"trailing" not in stripped
    assert b"JFIF" in stripped and b"ICC_PROFILE" in stripped
    assert stripped.endswith(b"\x12\x34\xff\x00\x56\xff\xd0\x78\xff\xd9")
    assert metadata.strip(stripped, "image/jpeg") == stripped


def test_a_png_loses_its_text_chunks_and_keeps_the_rest() -> None:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + b"\x00\x00\x00\x00"

    png = (
        metadata.PNG_SIGNATURE
        + chunk(b"IHDR", b"\x00" * 13)
        + chunk(b"tEXt", b"Author\x00Luong Van Khoa")
        + chunk(b"IDAT", b"pixels")
        + chunk(b"IEND", b"")
    )
    stripped = metadata.strip(png, "image/png")
    assert b"Khoa" not in stripped
    assert b"pixels" in stripped and stripped.endswith(chunk(b"IEND", b""))


def test_a_pdf_is_never_changed_and_a_broken_image_is_reported() -> None:
    assert metadata.strip(PDF, "application/pdf") == PDF
    with pytest.raises(metadata.DamagedImage):
        metadata.strip(b"\xff\xd8\xff\xe1\x01\x00Exif", "image/jpeg")


def test_types_are_known_by_their_first_bytes() -> None:
    assert [files.sniff(d).content_type for d in (PDF, JPEG, PNG)] == [  # type: ignore[union-attr]
        "application/pdf",
        "image/jpeg",
        "image/png",
    ]
    assert files.sniff(b"PK\x03\x04 a zip") is None


def test_uploaded_parts_are_kept_in_memory_not_in_temporary_files() -> None:
    request = InMemoryUploads.from_values()
    assert isinstance(
        request._get_file_stream(50_000_000, "application/pdf"), io.BytesIO
    )


def test_the_store_strips_a_photo_for_callers_that_ask_and_keeps_scans_as_sent(
    database: Database, chief: f.Staffed
) -> None:
    session = f.in_commune(database, chief.commune)
    as_photo = {
        "declared_type": None,
        "filename": None,
        "by": operator("tests"),
        "allowed": files.PHOTOS,
    }
    try:
        photo = files.store(session, JPEG_WITH_EXIF, strip_metadata=True, **as_photo)
        scan = f.stored_file(session, JPEG_WITH_EXIF, "image/jpeg")
        session.commit()
        assert b"GPS" not in photo.content and photo.size == len(photo.content)
        assert scan.content == JPEG_WITH_EXIF
        with pytest.raises(Invalid, match="JPEG, PNG"):
            files.store(session, PDF, **as_photo)
    finally:
        session.close()

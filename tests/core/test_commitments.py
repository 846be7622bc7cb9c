"""Commitments: who signed, reviews that keep, renew or end them, breaches,
the work list's due reviews, the timeline, and who may see any of it."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.commitments import service
from core.db import Database, local_today
from tests import factories as f
from tests.core.test_crypto import dump

TERMS = "Cam kết không tái sử dụng ma túy, không giao du với Hoàng Văn Tú."
SIGNER = "Đinh Thị Mơ"
RELATION = "mẹ đẻ"
BREACH = "Bị bắt gặp tại nhà Hoàng Văn Tú lúc 23 giờ"
SCAN = b"%PDF-1.5\n% Chu ky cua Dinh Thi Mo\n" + b"\x07" * 512


@pytest.fixture
def chief(database: Database) -> f.Staffed:
    return f.staffed_commune(database, "05089")


@pytest.fixture
def person_url(database: Database, chief: f.Staffed) -> str:
    session = f.in_commune(database, chief.commune)
    try:
        person = f.person(session)
        session.commit()
        return f"/api/v1/c/{chief.commune.slug}/persons/{person.id}"
    finally:
        session.close()


def _sign(client: FlaskClient, url: str, token: str, **body: Any) -> Any:
    body = {
        "signer_kind": "family",
        "signer_name": SIGNER,
        "signer_relation": RELATION,
        "signed_on": "2025-06-02",
        "terms": TERMS,
        "review_on": "2025-12-02",
        **body,
    }
    return client.post(f"{url}/commitments/", json=body, headers=f.bearer(token))


def test_an_officer_records_a_family_signed_commitment_and_reads_it_back(
    client: FlaskClient, database: Database, chief: f.Staffed, person_url: str
) -> None:
    _officer, officer = f.mentor(database, chief, f.person_id_in(person_url))
    made = _sign(client, person_url, officer)
    assert made.status_code == 201, made.get_json()
    assert made.headers["ETag"] == '"v1"'
    commitment = made.get_json()

    read = client.get(
        f"{person_url}/commitments/{commitment['id']}", headers=f.bearer(officer)
    )
    assert read.status_code == 200
    body = read.get_json()
    assert (body["signer_name"], body["signer_relation"], body["terms"]) == (
        SIGNER,
        RELATION,
        TERMS,
    )
    assert (body["status"], body["review_on"]) == ("active", "2025-12-02")
    listed = client.get(f"{person_url}/commitments/", headers=f.bearer(officer))
    assert [c["id"] for c in listed.get_json()] == [commitment["id"]]


def test_a_family_signer_must_be_named_and_a_person_signer_must_not(
    client: FlaskClient, chief: f.Staffed, person_url: str
) -> None:
    unnamed = _sign(client, person_url, chief.token, signer_name=None)
    assert unnamed.status_code == 422
    assert [e["field"] for e in unnamed.get_json()["errors"]] == ["signer_name"]

    named = _sign(client, person_url, chief.token, signer_kind="person")
    assert named.status_code == 422
    fields = {e["field"] for e in named.get_json()["errors"]}
    assert fields == {"signer_name", "signer_relation"}
    assert SIGNER not in named.get_data(as_text=True)

    alone = _sign(
        client,
        person_url,
        chief.token,
        signer_kind="person",
        signer_name=None,
        signer_relation=None,
    )
    assert alone.status_code == 201
    listed = client.get(f"{person_url}/commitments/", headers=f.bearer(chief.token))
    assert len(listed.get_json()) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"review_on": "2025-05-01"}, "review_on"),
        ({"signed_on": (local_today() + timedelta(days=2)).isoformat()}, "signed_on"),
        ({"terms": "   "}, "terms"),
        ({"status": "ended"}, "status"),
        ({"signer_kind": "cousin"}, "signer_kind"),
    ],
)
def test_a_commitment_that_does_not_hold_together_is_refused(
    client: FlaskClient,
    chief: f.Staffed,
    person_url: str,
    change: dict[str, str],
    field: str,
) -> None:
    refused = _sign(client, person_url, chief.token, **change)
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert field in {e["field"] for e in refused.get_json()["errors"]}
    listed = client.get(f"{person_url}/commitments/", headers=f.bearer(chief.token))
    assert listed.get_json() == []


def test_a_change_needs_if_match_and_a_stale_one_is_refused(
    client: FlaskClient, chief: f.Staffed, person_url: str
) -> None:
    made = _sign(client, person_url, chief.token)
    url = f"{person_url}/commitments/{made.get_json()['id']}"
    auth = f.bearer(chief.token)

    blind = client.patch(url, json={"review_on": "2026-01-10"}, headers=auth)
    assert blind.status_code == 428
    first = made.headers["ETag"]
    moved = client.patch(
        url, json={"review_on": "2026-01-10"}, headers={**auth, "If-Match": first}
    )
    assert moved.status_code == 200
    assert moved.headers["ETag"] == '"v2"'
    stale = client.patch(
        url, json={"terms": "Ghi đè"}, headers={**auth, "If-Match": first}
    )
    assert stale.status_code == 412
    assert client.get(url, headers=auth).get_json()["terms"] == TERMS


def test_a_review_that_continues_moves_the_date_and_one_that_ends_closes_it(
    client: FlaskClient, chief: f.Staffed, person_url: str
) -> None:
    made = _sign(client, person_url, chief.token).get_json()
    url = f"{person_url}/commitments/{made['id']}"
    auth = f.bearer(chief.token)

    kept = client.post(
        f"{url}/reviews",
        json={
            "reviewed_on": "2025-12-02",
            "outcome": "continued",
            "next_review_on": "2026-06-02",
        },
        headers=auth,
    )
    assert kept.status_code == 201, kept.get_json()
    assert kept.get_json()["reviewed_by"] == chief.chief.username
    after = client.get(url, headers=auth).get_json()
    assert (after["status"], after["review_on"]) == ("active", "2026-06-02")

    no_date = client.post(
        f"{url}/reviews",
        json={"reviewed_on": "2026-06-01", "outcome": "continued"},
        headers=auth,
    )
    assert no_date.status_code == 422
    assert no_date.get_json()["errors"][0]["field"] == "next_review_on"

    ended = client.post(
        f"{url}/reviews",
        json={"reviewed_on": "2026-06-01", "outcome": "ended"},
        headers=auth,
    )
    assert ended.status_code == 201
    assert client.get(url, headers=auth).get_json()["status"] == "ended"
    again = client.post(
        f"{url}/reviews",
        json={"reviewed_on": "2026-06-01", "outcome": "ended"},
        headers=auth,
    )
    assert again.status_code == 409
    reviews = client.get(f"{url}/reviews", headers=auth).get_json()
    assert [r["outcome"] for r in reviews] == ["ended", "continued"]


def test_breaches_are_kept_with_who_recorded_them(
    client: FlaskClient, database: Database, chief: f.Staffed, person_url: str
) -> None:
    _officer, officer = f.mentor(database, chief, f.person_id_in(person_url))
    made = _sign(client, person_url, chief.token).get_json()
    url = f"{person_url}/commitments/{made['id']}/breaches"
    recorded = client.post(
        url,
        json={"occurred_on": "2025-08-15", "description": BREACH},
        headers=f.bearer(officer),
    )
    assert recorded.status_code == 201, recorded.get_json()
    [breach] = client.get(url, headers=f.bearer(chief.token)).get_json()
    assert breach["description"] == BREACH
    assert breach["recorded_by"] != chief.chief.username


def test_reviews_due_are_the_active_commitments_whose_date_has_come(
    database: Database, chief: f.Staffed
) -> None:
    session = f.in_commune(database, chief.commune)
    try:
        an = f.person(session)
        due = f.commitment(session, an.id, review_on=date(2025, 9, 1))
        f.commitment(session, an.id, review_on=date(2025, 9, 2))
        today = f.commitment(session, review_on=date(2025, 8, 1))
        ended = f.commitment(session, review_on=date(2025, 7, 1))
        service.review(
            session,
            ended,
            {"reviewed_on": date(2025, 7, 1), "outcome": "ended"},
            f.authn.operator("tests"),
        )
        session.commit()

        found = service.reviews_due(session, date(2025, 9, 1))
    finally:
        session.close()
    assert found == [
        service.DueReview(today.person_id, today.id, date(2025, 8, 1)),
        service.DueReview(an.id, due.id, date(2025, 9, 1)),
    ]


def test_the_timeline_says_what_happened_and_never_the_terms(
    client: FlaskClient, database: Database, chief: f.Staffed, person_url: str
) -> None:
    made = _sign(client, person_url, chief.token).get_json()
    url = f"{person_url}/commitments/{made['id']}"
    auth = f.bearer(chief.token)
    client.post(
        f"{url}/breaches",
        json={"occurred_on": "2025-08-15", "description": BREACH},
        headers=auth,
    )
    client.post(
        f"{url}/reviews",
        json={"reviewed_on": "2025-12-02", "outcome": "renewed"},
        headers=auth,
    )
    session = f.in_commune(database, chief.commune)
    try:
        entries = service.timeline_entries(session, uuid.UUID(made["person_id"]))
    finally:
        session.close()
    ordered = sorted(entries, key=lambda e: e.at)
    assert [e.kind for e in ordered] == [
        "commitment.signed",
        "commitment.breached",
        "commitment.reviewed",
    ]
    assert [e.at.date() for e in ordered] == [
        date(2025, 6, 2),
        date(2025, 8, 15),
        date(2025, 12, 2),
    ]
    assert all(e.permission == "commitments:read" and e.link == url for e in entries)
    text = " ".join(e.summary for e in entries)
    assert "người nhà" in text
    assert not any(s in text for s in (TERMS, SIGNER, BREACH))


@pytest.mark.parametrize(
    "role", ["health_worker", "viewer", "committee_member", "hamlet_member"]
)
def test_roles_that_do_not_keep_files_cannot_see_or_record_commitments(
    client: FlaskClient,
    database: Database,
    chief: f.Staffed,
    person_url: str,
    role: str,
) -> None:
    made = _sign(client, person_url, chief.token).get_json()
    url = f"{person_url}/commitments/{made['id']}"
    hamlets = None
    if role == "hamlet_member":
        session = f.in_commune(database, chief.commune)
        hamlets = [f.hamlet(session).id]
        session.commit()
        session.close()
    _account, token = f.member(database, chief, role, hamlets=hamlets)
    auth = f.bearer(token)
    assert client.get(f"{person_url}/commitments/", headers=auth).status_code == 403
    assert client.get(url, headers=auth).status_code == 403
    assert client.get(f"{url}/scans", headers=auth).status_code == 403
    assert _sign(client, person_url, token).status_code == 403
    upload = client.post(
        f"{url}/scans",
        data={"file": (io.BytesIO(SCAN), "scan.pdf", "application/pdf")},
        content_type="multipart/form-data",
        headers=auth,
    )
    assert upload.status_code == 403


def test_every_read_is_audited_as_a_read_of_the_persons_file_naming_fields(
    client: FlaskClient, database: Database, chief: f.Staffed, person_url: str
) -> None:
    made = _sign(client, person_url, chief.token).get_json()
    auth = f.bearer(chief.token)
    client.get(f"{person_url}/commitments/", headers=auth)
    client.get(f"{person_url}/commitments/{made['id']}/breaches", headers=auth)

    session = f.in_commune(database, chief.commune)
    try:
        reads = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "person.read")
            .order_by(AuditEvent.seq)
        ).all()
    finally:
        session.close()
    assert [r.details["part"] for r in reads] == ["commitments", "commitment_breaches"]
    assert {"terms", "signer_name"} <= set(reads[0].fields)
    assert all(r.object_id == made["person_id"] for r in reads)
    assert TERMS not in str([(r.fields, r.details) for r in reads])


def test_no_terms_family_signer_breach_or_scan_is_in_a_dump(
    app: Flask,
    client: FlaskClient,
    chief: f.Staffed,
    person_url: str,
    backend: str,
    tmp_path: Path,
) -> None:
    made = _sign(client, person_url, chief.token).get_json()
    url = f"{person_url}/commitments/{made['id']}"
    auth = f.bearer(chief.token)
    assert (
        client.post(
            f"{url}/breaches",
            json={"occurred_on": "2025-08-15", "description": BREACH},
            headers=auth,
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"{url}/scans",
            data={"file": (io.BytesIO(SCAN), f"{SIGNER}.pdf", "application/pdf")},
            content_type="multipart/form-data",
            headers=auth,
        ).status_code
        == 201
    )
    raw = dump(app, backend, tmp_path)
    for secret in (TERMS, SIGNER, RELATION, BREACH):
        assert secret.encode() not in raw, secret
    assert SCAN not in raw and SCAN.hex().encode() not in raw

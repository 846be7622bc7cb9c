"""Compulsory rehabilitation end to end: a tier-3 person's dossier with its
documents and scans, submitted, heard, decided, admitted and released, and
post-rehab management opening for the period the ruleset gives an adult and
a minor; what a dossier refuses; the printable summary; the audit of reads;
and a commune that has not switched the plugin on."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from core.audit.models import AuditEvent
from core.cases import rules as core_rules
from core.db import Database
from core.plugin_host.host import PluginHost
from plugins.compulsory_rehab import rules
from tests import factories as f

EN = {"Accept-Language": "en"}
REQUIRED = (
    "background_summary",
    "statement",
    "violation_record",
    "addiction_determination",
)


@dataclass
class Commune:
    """A commune running the plugin, a tier-3 person and an officer who is
    responsible for them."""

    staffed: f.Staffed
    person_id: str
    officer: str

    @property
    def base(self) -> str:
        return f"/api/v1/c/{self.staffed.commune.slug}/compulsory-rehab"


def _commune(database: Database, code: str, born: date, plugin: bool = True) -> Any:
    staffed = f.staffed_commune(database, code)
    with f.in_commune(database, staffed.commune) as db:
        if plugin:
            f.plugin_on(db, "compulsory_rehab")
        person = f.person(db, "Lường Văn Khánh", date_of_birth=born)
        f.tier_change(db, person, tier=3)
        db.commit()
    _account, officer = f.mentor(database, staffed, person.id)
    return Commune(staffed, str(person.id), officer)


@pytest.fixture
def adult(client: FlaskClient, database: Database) -> Commune:
    return _commune(database, "05089", date(1990, 3, 4))


def _send(
    client: FlaskClient,
    method: str,
    url: str,
    token: str,
    body: Any = None,
    etag: str | None = None,
) -> Any:
    headers = {**f.bearer(token), **EN}
    if etag:
        headers["If-Match"] = etag
    return client.open(url, method=method, json=body, headers=headers)


def _scan(client: FlaskClient, place: Commune, dossier_id: str, doc_id: str) -> Any:
    return client.put(
        f"{place.base}/dossiers/{dossier_id}/documents/{doc_id}/scan",
        data={"file": (io.BytesIO(f.PDF_BYTES), "scan.pdf", "application/pdf")},
        content_type="multipart/form-data",
        headers=f.bearer(place.officer),
    )


def _open(client: FlaskClient, place: Commune, opened_on: str = "2024-01-05") -> Any:
    """A new dossier for the commune's person, as the API returns it."""
    made = _send(
        client,
        "POST",
        f"{place.base}/persons/{place.person_id}/dossiers",
        place.officer,
        {"opened_on": opened_on},
    )
    assert made.status_code == 201, made.get_json()
    return made.get_json()


def _document(
    client: FlaskClient, place: Commune, dossier_id: str, kind: str, **more: str
) -> Any:
    """Record a document prepared on 6 January 2024 (without its scan)."""
    return _send(
        client,
        "POST",
        f"{place.base}/dossiers/{dossier_id}/documents",
        place.officer,
        {"kind": kind, "prepared_by": "Nguyễn Văn Tâm", "prepared_on": "2024-01-06"}
        | more,
    )


def _prepared(client: FlaskClient, place: Commune) -> Any:
    """A dossier opened on 5 January 2024 with every required document
    prepared and scanned."""
    dossier = _open(client, place)
    assert dossier["status"] == "preparing"
    assert sorted(dossier["missing"]) == sorted(REQUIRED)
    for kind in REQUIRED:
        added = _document(
            client, place, dossier["id"], kind, confirmed_by="Công an xã Cao Phong"
        )
        assert added.status_code == 201, added.get_json()
        scanned = _scan(client, place, dossier["id"], added.get_json()["id"])
        assert scanned.status_code == 201, scanned.get_json()
    return dossier["id"]


def _dossier(client: FlaskClient, place: Commune, dossier_id: str) -> Any:
    answer = _send(client, "GET", f"{place.base}/dossiers/{dossier_id}", place.officer)
    assert answer.status_code == 200, answer.get_json()
    return answer


def _step(
    client: FlaskClient, place: Commune, dossier_id: str, step: str, body: Any
) -> Any:
    etag = _dossier(client, place, dossier_id).headers["ETag"]
    return _send(
        client,
        "POST",
        f"{place.base}/dossiers/{dossier_id}/{step}",
        place.officer,
        body,
        etag,
    )


def _walk_to_decision(
    client: FlaskClient, place: Commune, dossier_id: str, term: int, year: int
) -> Any:
    submitted = _step(
        client,
        place,
        dossier_id,
        "submission",
        {
            "submitted_on": f"{year}-01-10",
            "referral_number": "12/TTr-UBND",
            "referred_by": "Chủ tịch UBND xã",
            "pending_manager": "commune",
        },
    )
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["status"] == "submitted"
    heard = _step(
        client,
        place,
        dossier_id,
        "hearing",
        {"hearing_on": f"{year}-01-22", "court": "TAND khu vực 1 Hòa Bình"},
    )
    assert heard.status_code == 200, heard.get_json()
    return _step(
        client,
        place,
        dossier_id,
        "decision",
        {
            "decided_on": f"{year}-01-23",
            "decision_number": "05/QĐ-TA",
            "court": "TAND khu vực 1 Hòa Bình",
            "term_months": term,
            "facility": "Cơ sở cai nghiện ma túy số 2",
        },
    )


def _case(client: FlaskClient, place: Commune, case_id: str) -> Any:
    answer = _send(
        client,
        "GET",
        f"/api/v1/c/{place.staffed.commune.slug}/persons/{place.person_id}"
        f"/cases/{case_id}",
        place.officer,
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_an_adult_walks_from_dossier_to_release_and_two_years_of_management(
    client: FlaskClient, adult: Commune
) -> None:
    dossier_id = _prepared(client, adult)
    decided = _walk_to_decision(client, adult, dossier_id, term=12, year=2024)
    assert decided.status_code == 200, decided.get_json()
    body = decided.get_json()
    assert body["status"] == "decided"
    assert body["age_group"] == "adult"
    assert body["ruleset"] == "law-73-2021"
    assert body["pending_manager"] == "commune"
    referral = _case(client, adult, body["case_id"])
    assert referral["kind"] == "compulsory_rehab_referral"
    assert referral["status"] == "open"

    admitted = _step(
        client, adult, dossier_id, "admission", {"admitted_on": "2024-01-29"}
    )
    assert admitted.status_code == 200, admitted.get_json()
    assert admitted.get_json()["release_due_on"] == "2025-01-29"

    released = _step(
        client,
        adult,
        dossier_id,
        "release",
        {"released_on": "2025-01-29", "certificate_number": "88/GCN"},
    )
    assert released.status_code == 200, released.get_json()
    body = released.get_json()
    assert body["status"] == "released"
    assert _case(client, adult, body["case_id"])["status"] == "closed"
    post = _case(client, adult, body["post_case_id"])
    assert post["kind"] == "post_rehab_management"
    assert post["status"] == "open"
    assert post["start_on"] == "2025-01-29"
    assert post["term_months"] == 24
    assert post["end_on"] == "2027-01-29"


def test_a_minor_gets_a_court_term_of_six_to_twelve_months_and_one_year_after(
    client: FlaskClient, database: Database
) -> None:
    minor = _commune(database, "05098", date(2008, 6, 1))
    dossier_id = _prepared(client, minor)

    too_long = _walk_to_decision(client, minor, dossier_id, term=18, year=2024)
    assert too_long.status_code == 422
    problem = too_long.get_json()
    assert [e["field"] for e in problem["errors"]] == ["term_months"]
    assert (problem["least"], problem["most"]) == (6, 12)

    etag = _dossier(client, minor, dossier_id).headers["ETag"]
    decided = _send(
        client,
        "POST",
        f"{minor.base}/dossiers/{dossier_id}/decision",
        minor.officer,
        {
            "decided_on": "2024-01-23",
            "decision_number": "06/QĐ-TA",
            "court": "TAND khu vực 1 Hòa Bình",
            "term_months": 6,
            "facility": "Cơ sở cai nghiện cho người chưa thành niên",
        },
        etag,
    )
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["age_group"] == "minor"
    _step(client, minor, dossier_id, "admission", {"admitted_on": "2024-02-01"})
    released = _step(
        client,
        minor,
        dossier_id,
        "release",
        {"released_on": "2024-08-01", "certificate_number": "91/GCN"},
    )
    assert released.status_code == 200, released.get_json()
    post = _case(client, minor, released.get_json()["post_case_id"])
    assert post["term_months"] == 12
    assert post["end_on"] == "2025-08-01"


def test_a_dossier_is_not_submitted_without_every_required_scan(
    client: FlaskClient, adult: Commune
) -> None:
    made = _open(client, adult)
    assert _document(client, adult, made["id"], "statement").status_code == 201

    answer = _step(
        client,
        adult,
        made["id"],
        "submission",
        {
            "submitted_on": "2024-01-10",
            "referral_number": "12/TTr-UBND",
            "referred_by": "Chủ tịch UBND xã",
            "pending_manager": "facility",
        },
    )
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.get_json()["errors"]}
    assert fields == {f"documents.{kind}" for kind in REQUIRED}
    assert _dossier(client, adult, made["id"]).get_json()["status"] == "preparing"


def test_the_background_summary_needs_the_police_confirmation(
    client: FlaskClient, adult: Commune
) -> None:
    made = _open(client, adult)
    answer = _document(client, adult, made["id"], "background_summary")
    assert answer.status_code == 422
    assert [e["field"] for e in answer.get_json()["errors"]] == ["confirmed_by"]


def test_a_scan_that_is_not_a_document_is_refused(
    client: FlaskClient, adult: Commune
) -> None:
    dossier_id = _open(client, adult)["id"]
    doc = _document(client, adult, dossier_id, "statement").get_json()
    answer = client.put(
        f"{adult.base}/dossiers/{dossier_id}/documents/{doc['id']}/scan",
        data={"file": (io.BytesIO(b"MZ not a scan"), "scan.pdf", "application/pdf")},
        content_type="multipart/form-data",
        headers=f.bearer(adult.officer),
    )
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0]["field"] == "file"


def test_only_a_person_in_tier_three_gets_a_dossier(
    client: FlaskClient, database: Database, adult: Commune
) -> None:
    with f.in_commune(database, adult.staffed.commune) as db:
        other = f.person(db, "Hà Thị Mai", date_of_birth=date(1995, 1, 1))
        f.tier_change(db, other, tier=1)
        db.commit()
    answer = _send(
        client,
        "POST",
        f"{adult.base}/persons/{other.id}/dossiers",
        adult.staffed.token,
        {},
    )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.get_json()["errors"]] == ["person_id"]


def test_a_refused_dossier_closes_the_referral_and_a_step_out_of_order_conflicts(
    client: FlaskClient, database: Database, adult: Commune
) -> None:
    dossier_id = _prepared(client, adult)
    early = _step(client, adult, dossier_id, "admission", {"admitted_on": "2024-01-29"})
    assert early.status_code == 409
    assert early.get_json()["step"] == "preparing"

    _step(
        client,
        adult,
        dossier_id,
        "submission",
        {
            "submitted_on": "2024-01-10",
            "referral_number": "12/TTr-UBND",
            "referred_by": "Chủ tịch UBND xã",
            "pending_manager": "commune",
        },
    )
    stale = _send(
        client,
        "POST",
        f"{adult.base}/dossiers/{dossier_id}/refusal",
        adult.officer,
        {"decided_on": "2024-01-23", "decision_number": "7/QĐ-TA", "court": "TAND"},
        '"0"',
    )
    assert stale.status_code == 412
    refused = _step(
        client,
        adult,
        dossier_id,
        "refusal",
        {
            "decided_on": "2024-01-23",
            "decision_number": "7/QĐ-TA",
            "court": "TAND",
            "reason": "Chưa đủ điều kiện",
        },
    )
    assert refused.status_code == 200, refused.get_json()
    body = refused.get_json()
    assert body["status"] == "refused"
    assert body["refusal_reason"] == "Chưa đủ điều kiện"
    assert _case(client, adult, body["case_id"])["status"] == "closed"
    with f.in_commune(database, adult.staffed.commune) as db:
        stored = db.execute(
            text("SELECT refusal_reason FROM compulsory_rehab_dossiers")
        ).scalar_one()
    assert "điều kiện" not in stored  # sealed under the commune's key


def test_the_summary_is_a_pdf_and_every_read_is_audited(
    client: FlaskClient, database: Database, adult: Commune
) -> None:
    dossier_id = _prepared(client, adult)
    answer = _send(
        client, "GET", f"{adult.base}/dossiers/{dossier_id}/summary", adult.officer
    )
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert answer.data.startswith(b"%PDF-")
    assert answer.headers["Cache-Control"] == "no-store"

    _dossier(client, adult, dossier_id)
    with f.in_commune(database, adult.staffed.commune) as db:
        parts = [
            event.details.get("part")
            for event in db.scalars(
                select(AuditEvent).where(AuditEvent.action == "person.read")
            )
        ]
    assert "compulsory_rehab_summary" in parts
    assert "compulsory_rehab_dossier" in parts


def test_an_officer_who_does_not_reach_the_person_sees_nothing(
    client: FlaskClient, database: Database, adult: Commune
) -> None:
    dossier_id = _prepared(client, adult)
    _account, stranger = f.member(database, adult.staffed, "officer")
    answer = _send(client, "GET", f"{adult.base}/dossiers/{dossier_id}", stranger)
    assert answer.status_code == 404


def test_a_commune_without_the_plugin_answers_404(
    client: FlaskClient, database: Database
) -> None:
    place = _commune(database, "05128", date(1990, 3, 4), plugin=False)
    answer = _send(
        client,
        "POST",
        f"{place.base}/persons/{place.person_id}/dossiers",
        place.officer,
        {},
    )
    assert answer.status_code == 404


def test_the_steps_reach_the_timeline_and_submissions_the_figures(
    app: Flask, client: FlaskClient, database: Database, adult: Commune
) -> None:
    dossier_id = _prepared(client, adult)
    _walk_to_decision(client, adult, dossier_id, term=12, year=2024)

    timeline = client.get(
        f"/api/v1/c/{adult.staffed.commune.slug}/persons/{adult.person_id}/timeline",
        headers=f.bearer(adult.officer),
    ).get_json()
    mine = sorted(e["kind"] for e in timeline if e["source"] == "compulsory_rehab")
    assert mine == [
        "compulsory_rehab.decided",
        "compulsory_rehab.opened",
        "compulsory_rehab.submitted",
    ]

    host: PluginHost = app.extensions["binhyen.plugins"]
    with f.in_commune(database, adult.staffed.commune) as db:

        def submitted(start: date, end: date) -> int:
            answered = host.call_enabled(
                db,
                "binhyen_metrics",
                commune=adult.staffed.commune,
                start=start,
                end=end,
            )
            figures = {m.key: m.value for _owner, m in host.flatten(answered)}
            return int(figures["compulsory_rehab.submitted"])

        assert submitted(date(2024, 1, 1), date(2024, 2, 1)) == 1
        assert submitted(date(2024, 2, 1), date(2024, 3, 1)) == 0


def test_every_ruleset_of_core_has_its_dossier_rules() -> None:
    for ruleset in core_rules.rulesets():
        found = rules.for_ruleset(ruleset.id)
        assert {d.kind for d in found.documents if d.required} == set(REQUIRED)
        assert all(d.source for d in found.documents)


def test_under_the_2025_law_an_adult_serves_the_fixed_term_it_sets(
    client: FlaskClient, adult: Commune
) -> None:
    dossier = _open(client, adult, "2026-07-06")
    assert dossier["ruleset"] == "law-120-2025"
    for kind in REQUIRED:
        added = _document(client, adult, dossier["id"], kind, confirmed_by="Công an")
        _scan(client, adult, dossier["id"], added.get_json()["id"])
    _step(
        client,
        adult,
        dossier["id"],
        "submission",
        {
            "submitted_on": "2026-07-08",
            "referral_number": "30/TTr-UBND",
            "referred_by": "Chủ tịch UBND xã",
            "pending_manager": "facility",
        },
    )
    decision = {
        "decided_on": "2026-07-20",
        "decision_number": "15/QĐ-TA",
        "court": "TAND khu vực 1 Hòa Bình",
        "facility": "Cơ sở cai nghiện ma túy số 2",
    }
    twelve = _step(
        client, adult, dossier["id"], "decision", decision | {"term_months": 12}
    )
    assert twelve.status_code == 422
    assert (twelve.get_json()["least"], twelve.get_json()["most"]) == (24, 24)
    decided = _step(
        client, adult, dossier["id"], "decision", decision | {"term_months": 24}
    )
    assert decided.status_code == 200, decided.get_json()
    _step(client, adult, dossier["id"], "admission", {"admitted_on": "2026-07-22"})
    # Released early (the facility's decision), on a day that has come.
    released = _step(
        client,
        adult,
        dossier["id"],
        "release",
        {"released_on": "2026-11-02", "certificate_number": "99/GCN"},
    )
    assert released.status_code == 200, released.get_json()
    post = _case(client, adult, released.get_json()["post_case_id"])
    assert (post["term_months"], post["end_on"]) == (24, "2028-11-02")

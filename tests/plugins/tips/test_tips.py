"""Tips end to end: intake, the receipt-code dialogue, triage, sealing and
unsealing, abuse resistance, retries, and what is never kept."""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import Database
from core.jobs.models import Job
from core.worklist.models import Desk, WorkItem
from plugins.tips import guard
from plugins.tips import service as tip_service
from plugins.tips.models import SealedIdentity, Status, Tip
from tenants.models import Commune
from tests import factories as f
from tests.conftest import PRODUCTION_HASHERS
from tests.core.test_crypto import dump
from tests.support.jobs import run_due_jobs

EN = {"Accept-Language": "en"}
# Few bits, so that the tests solve challenges in an instant.
FAST = {"work_bits": 4, "form_min_seconds": 0}
DESCRIPTION = "Nhóm thanh niên tụ tập sau nhà văn hóa xóm lúc 22 giờ"


@dataclass
class Tips:
    """A staffed commune that runs the tip plugin."""

    staffed: f.Staffed
    database: Database

    @property
    def commune(self) -> Commune:
        return self.staffed.commune

    @property
    def api(self) -> str:
        return f"/api/v1/c/{self.commune.slug}/tips"

    @property
    def chief(self) -> dict[str, str]:
        return {**f.bearer(self.staffed.token), **EN}

    def officer(self) -> tuple[Any, dict[str, str]]:
        account, secret = f.member(self.database, self.staffed, "officer")
        return account, {**f.bearer(secret), **EN}


def _tips_in(database: Database, code: str = "05089", **settings: Any) -> Tips:
    staffed = f.staffed_commune(database, code)
    with f.in_commune(database, staffed.commune) as db:
        f.plugin_on(db, "tips").settings = {**FAST, **settings}
        db.commit()
    return Tips(staffed, database)


@pytest.fixture
def tips(database: Database) -> Tips:
    return _tips_in(database)


def _challenge(client: FlaskClient, tips: Tips) -> dict[str, str]:
    got = client.get(f"{tips.api}/public/challenge")
    assert got.status_code == 200, got.get_json()
    token = got.get_json()["challenge"]
    return {
        "challenge": token,
        "solution": guard.solve(token, got.get_json()["work_bits"]),
    }


def _send(
    client: FlaskClient,
    tips: Tips,
    headers: dict[str, str] | None = None,
    environ: dict[str, str] | None = None,
    **body: Any,
) -> Any:
    values = {"category": "place", "description": DESCRIPTION, **body}
    if "challenge" not in values:
        values.update(_challenge(client, tips))
    return client.post(
        f"{tips.api}/public/tips",
        json=values,
        headers={**EN, **(headers or {})},
        environ_base=environ or {},
    )


def _sent(client: FlaskClient, tips: Tips, **body: Any) -> dict[str, Any]:
    answer = _send(client, tips, **body)
    assert answer.status_code == 201, answer.get_json()
    return dict(answer.get_json())


def _tip_rows(tips: Tips) -> list[Tip]:
    with f.in_commune(tips.database, tips.commune) as db:
        return list(db.scalars(select(Tip)))


def _items(tips: Tips, kind: str) -> list[WorkItem]:
    with f.in_commune(tips.database, tips.commune) as db:
        return list(db.scalars(select(WorkItem).where(WorkItem.kind == kind)))


def _move(client: FlaskClient, tips: Tips, tip_id: str, **values: Any) -> Any:
    current = client.get(f"{tips.api}/tips/{tip_id}", headers=tips.chief)
    return client.patch(
        f"{tips.api}/tips/{tip_id}",
        json=values,
        headers={**tips.chief, "If-Match": current.headers["ETag"]},
    )


def _tip_id(tips: Tips) -> str:
    (tip,) = _tip_rows(tips)
    return str(tip.id)


# -- intake ------------------------------------------------------------------


def test_a_resident_sends_an_anonymous_tip_and_the_desk_hears_of_it(
    app: Flask, client: FlaskClient, tips: Tips
) -> None:
    receipt = _sent(client, tips, place="Sau nhà văn hóa")
    assert re.fullmatch(r"([0-9A-Z]{4}-){4}[0-9A-Z]{4}", receipt["receipt_code"])
    assert receipt["passphrase"] and receipt["status"] == "new"

    (tip,) = _tip_rows(tips)
    assert tip.status is Status.NEW and tip.identified.value == "anonymous"
    assert tip.description == DESCRIPTION
    run_due_jobs(app)
    (item,) = _items(tips, "tip_received")
    assert item.desk is Desk.CHIEF and item.subject_id == tip.id


def test_a_tipster_who_chooses_a_passphrase_is_not_given_one(
    client: FlaskClient, tips: Tips
) -> None:
    receipt = _sent(client, tips, passphrase="hoa sen trắng 42")
    assert receipt["passphrase"] is None


def test_a_tip_must_say_what_happened_and_name_a_known_hamlet(
    client: FlaskClient, tips: Tips
) -> None:
    empty = _send(client, tips, description="   ")
    assert empty.status_code == 422
    stranger = _send(client, tips, hamlet="Xóm Không Có")
    assert stranger.status_code == 422
    assert stranger.get_json()["errors"][0]["field"] == "hamlet"
    assert _tip_rows(tips) == []


def test_a_commune_without_the_plugin_answers_404_on_its_public_routes(
    client: FlaskClient, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05098")
    slug = staffed.commune.slug
    assert client.get(f"/c/{slug}/tips/new").status_code == 404
    assert client.get(f"/c/{slug}/tips/receipt").status_code == 404
    assert client.get(f"/api/v1/c/{slug}/tips/public/challenge").status_code == 404
    sent = client.post(
        f"/api/v1/c/{slug}/tips/public/tips",
        json={"category": "use", "description": "x", "challenge": "", "solution": ""},
    )
    assert sent.status_code == 404


# -- the challenge -------------------------------------------------------------


def test_an_unsolved_reused_or_foreign_challenge_is_refused(
    client: FlaskClient, database: Database, tips: Tips
) -> None:
    challenge = _challenge(client, tips)
    # With four bits a guess may solve it by luck: take one that does not.
    guess = next(
        str(n)
        for n in range(1000)
        if not guard.solves(challenge["challenge"], str(n), FAST["work_bits"])
    )
    wrong = _send(client, tips, challenge=challenge["challenge"], solution=guess)
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"][0]["field"] == "challenge"

    assert _send(client, tips, **challenge).status_code == 201
    again = _send(client, tips, **challenge)
    assert again.status_code == 422
    assert "already used" in again.get_json()["detail"]

    other = _tips_in(database, "05098")
    foreign = _challenge(client, other)
    assert _send(client, tips, **foreign).status_code == 422
    assert len(_tip_rows(tips)) == 1


def test_a_forged_challenge_is_refused(client: FlaskClient, tips: Tips) -> None:
    refused = _send(client, tips, challenge="made-up.token", solution="1")
    assert refused.status_code == 422
    assert "not one this service issued" in refused.get_json()["detail"]


# -- retries -------------------------------------------------------------------


def test_a_retry_with_the_same_idempotency_key_files_one_tip(
    client: FlaskClient, tips: Tips
) -> None:
    body = {"category": "dealing", "description": DESCRIPTION}
    body.update(_challenge(client, tips))
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = _send(client, tips, headers=key, **body)
    second = _send(client, tips, headers=key, **body)
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(_tip_rows(tips)) == 1

    changed = _send(client, tips, headers=key, **{**body, "description": "Khác"})
    assert changed.status_code == 409
    assert len(_tip_rows(tips)) == 1


# -- rate limits -------------------------------------------------------------------


def test_a_flood_is_refused_but_every_accepted_tip_is_kept_and_announced(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    tips = _tips_in(database, commune_per_hour=3, client_per_hour=100)
    accepted = []
    for number in range(5):
        answer = _send(
            client,
            tips,
            description=f"Tin số {number}",
            environ={"REMOTE_ADDR": f"198.51.100.{number}"},
        )
        assert answer.status_code in {201, 429}
        if answer.status_code == 201:
            accepted.append(answer.get_json()["receipt_code"])
        else:
            assert int(answer.headers["Retry-After"]) > 0
            assert "very many tips" in answer.get_json()["detail"]
    assert len(accepted) == 3
    run_due_jobs(app)
    assert {t.description for t in _tip_rows(tips)} == {f"Tin số {n}" for n in range(3)}
    assert len(_items(tips, "tip_received")) == 3


def test_one_client_is_limited_without_holding_up_another(
    client: FlaskClient, database: Database
) -> None:
    tips = _tips_in(database, client_per_hour=2)
    noisy = {"REMOTE_ADDR": "198.51.100.7"}
    assert _send(client, tips, environ=noisy).status_code == 201
    assert _send(client, tips, environ=noisy).status_code == 201
    refused = _send(client, tips, environ=noisy)
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    quiet = _send(client, tips, environ={"REMOTE_ADDR": "198.51.100.8"})
    assert quiet.status_code == 201
    assert len(_tip_rows(tips)) == 3


# -- the receipt-code dialogue ----------------------------------------------------


def _thread(client: FlaskClient, tips: Tips, code: str, passphrase: str) -> Any:
    return client.post(
        f"{tips.api}/public/receipt",
        json={"receipt_code": code, "passphrase": passphrase},
        headers=EN,
    )


def test_the_tipster_reads_the_officers_question_and_answers_anonymously(
    app: Flask, client: FlaskClient, tips: Tips
) -> None:
    receipt = _sent(client, tips)
    tip_id = _tip_id(tips)
    asked = client.post(
        f"{tips.api}/tips/{tip_id}/questions",
        json={"body": "Bạn thấy bao nhiêu người?"},
        headers=tips.chief,
    )
    assert asked.status_code == 201

    # Typed from paper: lower case, spaces for dashes.
    typed = receipt["receipt_code"].lower().replace("-", " ")
    thread = _thread(client, tips, typed, receipt["passphrase"])
    assert thread.status_code == 200, thread.get_json()
    assert thread.get_json()["status"] == "new"
    (question,) = thread.get_json()["messages"]
    assert question["sender"] == "officer"
    assert question["body"] == "Bạn thấy bao nhiêu người?"
    assert "author_id" not in question

    answered = client.post(
        f"{tips.api}/public/receipt/answers",
        json={
            "receipt_code": receipt["receipt_code"],
            "passphrase": receipt["passphrase"],
            "body": "Khoảng năm người.",
        },
        headers=EN,
    )
    assert answered.status_code == 201
    run_due_jobs(app)
    seen = client.get(f"{tips.api}/tips/{tip_id}", headers=tips.chief).get_json()
    assert [m["sender"] for m in seen["messages"]] == ["officer", "tipster"]
    assert seen["first_response_at"] is not None
    assert len(_items(tips, "tip_answered")) == 1


def test_a_wrong_passphrase_finds_nothing(client: FlaskClient, tips: Tips) -> None:
    receipt = _sent(client, tips)
    wrong = _thread(client, tips, receipt["receipt_code"], "not the passphrase")
    assert wrong.status_code == 404
    assert DESCRIPTION not in wrong.get_data(as_text=True)


def test_guessing_receipt_codes_is_throttled(
    client: FlaskClient, database: Database
) -> None:
    tips = _tips_in(database, code_attempts=3)
    receipt = _sent(client, tips)
    for _ in range(3):
        guess = _thread(client, tips, "AAAA-BBBB-CCCC-DDDD-EEEE", "đoán bừa 123")
        assert guess.status_code == 404
    blocked = _thread(client, tips, receipt["receipt_code"], receipt["passphrase"])
    assert blocked.status_code == 429
    assert "Too many wrong receipt codes" in blocked.get_json()["detail"]
    assert int(blocked.headers["Retry-After"]) > 0


# -- triage --------------------------------------------------------------------------


def test_triage_follows_its_steps_and_closing_needs_an_outcome(
    client: FlaskClient, tips: Tips
) -> None:
    _sent(client, tips)
    tip_id = _tip_id(tips)
    skipped = _move(client, tips, tip_id, status="actionable")
    assert skipped.status_code == 422
    assert skipped.get_json()["errors"][0]["field"] == "status"

    assert _move(client, tips, tip_id, status="verifying").status_code == 200
    assert _move(client, tips, tip_id, status="actionable").status_code == 200
    unexplained = _move(client, tips, tip_id, status="closed")
    assert unexplained.status_code == 422
    assert unexplained.get_json()["errors"][0]["field"] == "outcome"
    closed = _move(
        client, tips, tip_id, status="closed", outcome="place_handled", valuable=True
    )
    assert closed.status_code == 200, closed.get_json()
    body = closed.get_json()
    assert body["status"] == "closed" and body["valuable"] is True
    assert body["verified_at"] and body["closed_at"]


def test_a_triage_change_needs_if_match(client: FlaskClient, tips: Tips) -> None:
    _sent(client, tips)
    changed = client.patch(
        f"{tips.api}/tips/{_tip_id(tips)}",
        json={"status": "verifying"},
        headers=tips.chief,
    )
    assert changed.status_code == 428


def test_a_tip_is_assigned_only_to_staff_of_the_commune(
    client: FlaskClient, tips: Tips
) -> None:
    _sent(client, tips)
    tip_id = _tip_id(tips)
    officer, _headers = tips.officer()
    assigned = _move(client, tips, tip_id, assignee_id=str(officer.id))
    assert assigned.status_code == 200
    assert assigned.get_json()["assignee_id"] == str(officer.id)
    stranger = _move(client, tips, tip_id, assignee_id=str(uuid.uuid4()))
    assert stranger.status_code == 422


def test_a_tip_alone_never_orders_a_drug_test(
    client: FlaskClient, database: Database, tips: Tips
) -> None:
    _sent(client, tips, category="use")
    tip_id = _tip_id(tips)
    with f.in_commune(database, tips.commune) as db:
        person_id = f.person(db).id
        db.commit()
    linked = client.post(
        f"{tips.api}/tips/{tip_id}/people",
        json={"person_id": str(person_id)},
        headers=tips.chief,
    )
    assert linked.status_code == 201
    advice = f"{tips.api}/tips/{tip_id}/people/{person_id}/drug-test"

    refused = client.post(advice, headers=tips.chief)
    assert refused.status_code == 409
    assert refused.get_json()["type"].endswith("tip-not-verified")
    _move(client, tips, tip_id, status="verifying")
    assert client.post(advice, headers=tips.chief).status_code == 409
    assert _items(tips, "tip_drug_test_advised") == []

    _move(client, tips, tip_id, status="actionable")
    assert client.post(advice, headers=tips.chief).status_code == 202
    (item,) = _items(tips, "tip_drug_test_advised")
    assert item.desk is Desk.HEALTH and item.person_id == person_id


def test_an_officer_reads_and_triages_but_cannot_unseal(
    client: FlaskClient, tips: Tips
) -> None:
    _sent(client, tips, contact_name="Lò Thị Mai")
    tip_id = _tip_id(tips)
    _officer, officer = tips.officer()
    assert client.get(f"{tips.api}/tips", headers=officer).status_code == 200
    unseal = client.post(
        f"{tips.api}/tips/{tip_id}/unseal",
        json={"reason": "Cần mời làm nhân chứng trong vụ án"},
        headers=officer,
    )
    assert unseal.status_code == 403
    assert client.get(f"{tips.api}/unseals", headers=officer).status_code == 403


# -- sealed identity -------------------------------------------------------------


def test_contact_details_are_sealed_apart_and_unsealed_with_a_reason(
    app: Flask, client: FlaskClient, database: Database, tips: Tips
) -> None:
    _sent(client, tips, contact_name="Lò Thị Mai", contact="0912 345 678")
    tip_id = _tip_id(tips)
    shown = client.get(f"{tips.api}/tips/{tip_id}", headers=tips.chief)
    assert shown.get_json()["identified"] == "contact"
    assert "Lò Thị Mai" not in shown.get_data(as_text=True)
    assert "0912" not in client.get(f"{tips.api}/tips", headers=tips.chief).text

    unseal = f"{tips.api}/tips/{tip_id}/unseal"
    short = client.post(unseal, json={"reason": "cần"}, headers=tips.chief)
    assert short.status_code == 422
    opened = client.post(
        unseal,
        json={"reason": "Cần mời làm nhân chứng trong vụ án số 12"},
        headers=tips.chief,
    )
    assert opened.status_code == 200, opened.get_json()
    assert opened.get_json() == {"name": "Lò Thị Mai", "contact": "0912 345 678"}

    with f.in_commune(database, tips.commune) as db:
        (event,) = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "tips.unseal")
        ).all()
        assert event.object_id == tip_id and event.actor_id == tips.staffed.chief.id
        assert event.fields == ["tipster_identity"]
    # Every holder of tips:unseal sees it: in the register and on the desk.
    (entry,) = client.get(f"{tips.api}/unseals", headers=tips.chief).get_json()
    assert entry["reason"] == "Cần mời làm nhân chứng trong vụ án số 12"
    assert entry["recorded_by"] == tips.staffed.chief.username
    (item,) = _items(tips, "tip_unsealed")
    assert item.desk is Desk.CHIEF


def test_an_anonymous_tipster_has_nothing_to_unseal(
    client: FlaskClient, tips: Tips
) -> None:
    _sent(client, tips)
    opened = client.post(
        f"{tips.api}/tips/{_tip_id(tips)}/unseal",
        json={"reason": "Cần mời làm nhân chứng trong vụ án"},
        headers=tips.chief,
    )
    assert opened.status_code == 404
    assert opened.get_json()["type"].endswith("anonymous-tip")


def test_the_sealed_identity_does_not_open_with_the_communes_column_key(
    client: FlaskClient, database: Database, tips: Tips
) -> None:
    _sent(client, tips, contact="0912 345 678")
    with f.in_commune(database, tips.commune) as db:
        (sealed,) = db.scalars(select(SealedIdentity)).all()
        # Raw bytes, not an encrypted column: loading the row opens nothing.
        assert isinstance(sealed.sealed, bytes)
        assert b"0912" not in sealed.sealed


# -- what is never kept ------------------------------------------------------------


def test_no_network_identifier_of_a_tipster_is_stored_logged_or_passed_to_jobs(
    app: Flask,
    client: FlaskClient,
    database: Database,
    tips: Tips,
    backend: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    address = "203.0.113.77"
    agent = "TipsterPhone/9.9 (Zalo; unique-agent-4471)"
    environ = {"REMOTE_ADDR": address, "HTTP_USER_AGENT": agent}
    with caplog.at_level(logging.DEBUG):
        receipt = _send(client, tips, environ=environ, contact="0912 345 678")
        assert receipt.status_code == 201
        code, passphrase = receipt.get_json()["receipt_code"], "sai mật khẩu"
        client.post(
            f"{tips.api}/public/receipt",
            json={"receipt_code": code, "passphrase": passphrase},
            environ_base=environ,
        )
        run_due_jobs(app)

    with f.in_commune(database, tips.commune) as db:
        jobs = db.scalars(select(Job)).all()
        assert jobs, "the desk was told through the outbox"
        for job in jobs:
            assert address not in str(job.arguments) and agent not in str(job.arguments)
        # The audit trail records who changed what; for a tipster, no source.
        events = db.scalars(select(AuditEvent)).all()
        assert any(e.object_type == "tips_tips" for e in events)
        assert all(e.source != address for e in events)
    assert address not in caplog.text and agent not in caplog.text
    raw = dump(app, backend, tmp_path)
    assert address.encode() not in raw
    assert agent.encode() not in raw


def test_a_dump_holds_no_tip_text_tipster_detail_or_passphrase(
    app: Flask, client: FlaskClient, tips: Tips, backend: str, tmp_path: Path
) -> None:
    secrets = {
        "description": "Điểm tiêm chích bí mật ở lán 4471",
        "place": "Lán trông vịt 4471",
        "contact_name": "Đinh Văn Khánh 4471",
        "contact": "0987 004 471",
        "passphrase": "mật khẩu riêng 4471",
    }
    receipt = _sent(client, tips, **secrets)
    answered = client.post(
        f"{tips.api}/public/receipt/answers",
        json={
            "receipt_code": receipt["receipt_code"],
            "passphrase": secrets["passphrase"],
            "body": "Trả lời kín 4471",
        },
    )
    assert answered.status_code == 201, answered.get_json()
    (tip,) = _tip_rows(tips)
    assert tip.description == secrets["description"]  # stored, and readable
    raw = dump(app, backend, tmp_path)
    # The dump holds what was written: the commune's plain name is there.
    assert tips.commune.name.encode() in raw
    for value in [*secrets.values(), "Trả lời kín 4471", receipt["receipt_code"]]:
        assert value.encode() not in raw, value


def test_the_passphrase_is_kept_as_an_argon2id_hash_of_owasps_strength(
    client: FlaskClient, tips: Tips, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The suite hashes lightly (tests/conftest.py); this test uses the
    # plugin's own hasher, at OWASP's minimum for argon2id.
    monkeypatch.setattr(
        tip_service, "_hasher", PRODUCTION_HASHERS["plugins.tips.service"]
    )
    receipt = _sent(client, tips)
    (tip,) = _tip_rows(tips)
    assert tip.passphrase_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert receipt["passphrase"] not in tip.passphrase_hash
    found = _thread(client, tips, receipt["receipt_code"], receipt["passphrase"])
    assert found.status_code == 200, found.get_json()


# -- the dashboard -------------------------------------------------------------------


def test_statistics_count_tips_by_category_and_hamlet_and_verification(
    app: Flask, client: FlaskClient, database: Database, tips: Tips
) -> None:
    from datetime import timedelta

    from core.db import local_today

    with f.in_commune(database, tips.commune) as db:
        hamlet_id = f.hamlet(db, "Xóm Bưng").id
        db.commit()
    _sent(client, tips, category="place", hamlet="Xóm Bưng")
    _sent(client, tips, category="place", hamlet="Xóm Bưng")
    _sent(client, tips, category="needs_help")
    first = next(t for t in _tip_rows(tips) if t.category.value == "needs_help")
    _move(client, tips, str(first.id), status="verifying", valuable=True)
    _move(client, tips, str(first.id), status="actionable")

    host = app.extensions["binhyen.plugins"]
    today = local_today()
    with f.in_commune(database, tips.commune) as db:
        results = host.call_enabled(
            db,
            "binhyen_metrics",
            commune=tips.commune,
            start=today - timedelta(days=1),
            end=today + timedelta(days=1),
        )
    metrics = [
        m for _owner, found in results for m in found if m.key.startswith("tips")
    ]
    overall = {m.key: m.value for m in metrics if m.hamlet_id is None}
    assert overall["tips.received"] == 3
    assert overall["tips.place"] == 2 and overall["tips.needs_help"] == 1
    assert overall["tips.verified"] == 1 and overall["tips.valuable"] == 1
    assert overall["tips.responded"] == 1
    (places,) = [m for m in metrics if m.hamlet_id == hamlet_id]
    assert places.key == "tips.place" and places.value == 2 and places.concentration


# -- the pages -----------------------------------------------------------------------


def _field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"the page has no {name} field"
    return found.group(1)


def _form(client: FlaskClient, tips: Tips) -> dict[str, str]:
    page = client.get(f"/c/{tips.commune.slug}/tips/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return {
        "csrf_token": _field(html, "csrf_token"),
        "challenge": _field(html, "challenge"),
        "category": "needs_help",
        "description": DESCRIPTION,
    }


def test_the_public_form_takes_a_tip_with_a_photo_without_javascript(
    client: FlaskClient, database: Database, tips: Tips
) -> None:
    from io import BytesIO

    from core.files.models import StoredFile
    from plugins.tips.models import TipPhoto
    from tests.core.test_files import JPEG_WITH_EXIF

    with f.in_commune(database, tips.commune) as db:
        f.hamlet(db, "Xóm Bưng")
        db.commit()
    form = _form(client, tips)
    assert "Xóm Bưng" in client.get(f"/c/{tips.commune.slug}/tips/new").text
    sent = client.post(
        f"/c/{tips.commune.slug}/tips/new",
        data={
            **form,
            "hamlet": "Xóm Bưng",
            "photos": (BytesIO(JPEG_WITH_EXIF), "anh.jpg", "image/jpeg"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 200, sent.text
    (tip,) = _tip_rows(tips)
    assert tip.category.value == "needs_help" and tip.hamlet_id is not None
    assert re.search(r"([0-9A-Z]{4}-){4}[0-9A-Z]{4}", sent.text), "no receipt code"
    with f.in_commune(database, tips.commune) as db:
        (photo,) = db.scalars(select(TipPhoto)).all()
        stored = db.scalars(
            select(StoredFile).where(StoredFile.id == photo.file_id)
        ).one()
        assert b"GPS" not in stored.content


def test_a_form_sent_back_too_soon_or_with_its_trap_filled_is_refused(
    client: FlaskClient, database: Database
) -> None:
    patient = _tips_in(database, form_min_seconds=600)
    hasty = client.post(
        f"/c/{patient.commune.slug}/tips/new",
        data=_form(client, patient),
        headers=EN,
    )
    assert hasty.status_code == 422
    assert "sent back too quickly" in hasty.text
    other = _tips_in(database, "05098")
    trapped = client.post(
        f"/c/{other.commune.slug}/tips/new",
        data={**_form(client, other), "website": "http://spam.example"},
        headers=EN,
    )
    assert trapped.status_code == 422
    assert _tip_rows(patient) == [] and _tip_rows(other) == []


def test_the_receipt_page_shows_the_question_and_takes_the_answer(
    client: FlaskClient, tips: Tips
) -> None:
    receipt = _sent(client, tips)
    tip_id = _tip_id(tips)
    client.post(
        f"{tips.api}/tips/{tip_id}/questions",
        json={"body": "Ở xóm nào?"},
        headers=tips.chief,
    )
    page = client.get(f"/c/{tips.commune.slug}/tips/receipt")
    csrf = _field(page.text, "csrf_token")
    opened = client.post(
        f"/c/{tips.commune.slug}/tips/receipt",
        data={
            "csrf_token": csrf,
            "receipt_code": receipt["receipt_code"],
            "passphrase": receipt["passphrase"],
        },
    )
    assert opened.status_code == 200 and "Ở xóm nào?" in opened.text
    answered = client.post(
        f"/c/{tips.commune.slug}/tips/receipt/answer",
        data={
            "csrf_token": csrf,
            "receipt_code": receipt["receipt_code"],
            "passphrase": receipt["passphrase"],
            "body": "Xóm Bưng.",
        },
    )
    assert answered.status_code == 200 and "Xóm Bưng." in answered.text
    wrong = client.post(
        f"/c/{tips.commune.slug}/tips/receipt",
        data={"csrf_token": csrf, "receipt_code": "X", "passphrase": "y"},
    )
    assert wrong.status_code == 404 and "Ở xóm nào?" not in wrong.text


def test_the_triage_desk_lists_tips_and_moves_one_along(
    client: FlaskClient, tips: Tips
) -> None:
    from tests.conftest import sign_in

    _sent(client, tips, category="dealing")
    tip_id = _tip_id(tips)
    assert sign_in(client, tips.staffed.chief.username, f.PASSWORD).status_code == 302
    desk = client.get(f"/c/{tips.commune.slug}/tips/")
    assert desk.status_code == 200 and tip_id in desk.text
    page = client.get(f"/c/{tips.commune.slug}/tips/{tip_id}")
    assert page.status_code == 200 and DESCRIPTION in page.text
    # Staff to assign are offered by name and outcomes in the reader's words.
    chief = tips.staffed.chief
    assert f'<option value="{chief.id}" >{chief.full_name}</option>' in page.text
    assert f">{chief.id}</option>" not in page.text
    assert ">Không phát hiện gì</option>" in page.text
    assert ">no_finding</option>" not in page.text
    csrf = _field(page.text, "csrf_token")
    moved = client.post(
        f"/c/{tips.commune.slug}/tips/{tip_id}/triage",
        data={"csrf_token": csrf, "version": "1", "status": "verifying"},
    )
    assert moved.status_code == 302
    asked = client.post(
        f"/c/{tips.commune.slug}/tips/{tip_id}/ask",
        data={"csrf_token": csrf, "body": "Bạn có ảnh không?"},
    )
    assert asked.status_code == 302
    (tip,) = _tip_rows(tips)
    assert tip.status is Status.VERIFYING and tip.first_response_at is not None
    stale = client.post(
        f"/c/{tips.commune.slug}/tips/{tip_id}/triage",
        data={"csrf_token": csrf, "version": "1", "status": "actionable"},
    )
    assert stale.status_code == 412


def test_the_desk_pages_need_the_permission(client: FlaskClient, tips: Tips) -> None:
    from tests.conftest import sign_in

    viewer, _secret = f.member(tips.database, tips.staffed, "viewer")
    assert sign_in(client, viewer.username, f.PASSWORD).status_code == 302
    assert client.get(f"/c/{tips.commune.slug}/tips/").status_code == 403


# -- signed with the national identity ---------------------------------------------


def test_a_resident_signs_a_tip_with_the_national_identity_sealed_apart(
    app: Flask, database: Database, backend: str, tmp_path: Path
) -> None:
    from tests.core.test_sso import CITIZEN_ID, _app_with_providers, _consent
    from tests.support.oidc_provider import OpenIdProvider

    tips = _tips_in(database)
    new = f"/c/{tips.commune.slug}/tips/new"
    with OpenIdProvider(client_id="binhyen-vneid") as provider:
        provider.behaviour.claims = {"sub": "vneid-9", "citizen_id": CITIZEN_ID}
        sso_app = _app_with_providers(app, {"vneid": (provider, "vneid")})
        try:
            browser = sso_app.test_client()
            assert "/login/sso/vneid/resident" in browser.get(new).text
            unsafe = browser.get("/login/sso/vneid/resident?next=https://evil.example")
            assert unsafe.status_code == 400
            started = browser.get(f"/login/sso/vneid/resident?next={new}")
            assert started.status_code == 302
            back = browser.get(_consent(started.headers["Location"]))
            assert back.status_code == 302 and back.headers["Location"].endswith(new)

            page = browser.get(new, headers=EN)
            assert "You proved your identity" in page.text
            sent = browser.post(
                new,
                data={
                    "csrf_token": _field(page.text, "csrf_token"),
                    "challenge": _field(page.text, "challenge"),
                    "category": "dealing",
                    "description": DESCRIPTION,
                },
            )
            assert sent.status_code == 200, sent.text
            (tip,) = _tip_rows(tips)
            assert tip.identified.value == "national_id"
            # The proof is used once: the next tip from this browser is not signed.
            assert "You proved your identity" not in browser.get(new, headers=EN).text

            opened = browser.post(
                f"{tips.api}/tips/{tip.id}/unseal",
                json={"reason": "Cần mời làm nhân chứng trong vụ án số 7"},
                headers=tips.chief,
            )
            assert opened.status_code == 200, opened.get_json()
            proven = opened.get_json()["national_identity"]
            assert proven == {"provider": "vneid", "citizen_id": CITIZEN_ID}
            with f.in_commune(database, tips.commune) as db:
                assert db.scalars(select(AuditEvent)).all()
                assert not any(
                    CITIZEN_ID in str(e.details) for e in db.scalars(select(AuditEvent))
                )
        finally:
            sso_app.extensions["binhyen.db"].dispose()
    assert CITIZEN_ID.encode() not in dump(app, backend, tmp_path)


def test_the_chief_unseals_a_tipster_on_the_tips_page_with_a_reason(
    client: FlaskClient, tips: Tips
) -> None:
    from tests.conftest import sign_in

    _sent(client, tips, contact="0912 345 678")
    tip_id = _tip_id(tips)
    assert sign_in(client, tips.staffed.chief.username, f.PASSWORD).status_code == 302
    page = client.get(f"/c/{tips.commune.slug}/tips/{tip_id}")
    assert "0912 345 678" not in page.text
    unseal = f"/c/{tips.commune.slug}/tips/{tip_id}/unseal"
    csrf = _field(page.text, "csrf_token")
    bare = client.post(unseal, data={"csrf_token": csrf})
    assert bare.status_code == 422 and "0912 345 678" not in bare.text
    opened = client.post(
        unseal, data={"csrf_token": csrf, "reason": "Cần mời làm nhân chứng"}
    )
    assert opened.status_code == 200 and "0912 345 678" in opened.text


def test_kept_answers_to_retries_are_forgotten_after_a_day(
    client: FlaskClient, database: Database, tips: Tips
) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from core.db import utcnow
    from plugins.tips import service
    from plugins.tips.models import Submission

    for key in ("first", "second"):
        assert _send(client, tips, headers={"Idempotency-Key": key}).status_code == 201
    with f.in_commune(database, tips.commune) as db:
        stale, fresh = db.scalars(select(Submission.key_index)).all()
        db.execute(
            update(Submission)
            .where(Submission.key_index == stale)
            .values(created_at=utcnow() - timedelta(days=2))
        )
        service.purge_submissions(db, tips.commune)
        db.commit()
        assert db.scalars(select(Submission.key_index)).all() == [fresh]


def test_a_tipster_adds_photos_through_the_api_stripped_and_at_most_three(
    client: FlaskClient, database: Database, tips: Tips
) -> None:
    from io import BytesIO

    from core.files.models import StoredFile
    from tests.core.test_files import JPEG_WITH_EXIF

    receipt = _sent(client, tips)

    def add(data: bytes, name: str = "anh.jpg", kind: str = "image/jpeg") -> Any:
        return client.post(
            f"{tips.api}/public/receipt/photos",
            data={
                "receipt_code": receipt["receipt_code"],
                "passphrase": receipt["passphrase"],
                "file": (BytesIO(data), name, kind),
            },
            content_type="multipart/form-data",
            headers=EN,
        )

    pdf = add(f.PDF_BYTES, "giay.pdf", "application/pdf")
    assert pdf.status_code == 422
    for _ in range(3):
        assert add(JPEG_WITH_EXIF).status_code == 201
    fourth = add(JPEG_WITH_EXIF)
    assert fourth.status_code == 422
    assert fourth.get_json()["errors"][0]["field"] == "photos"
    with f.in_commune(database, tips.commune) as db:
        stored = db.scalars(select(StoredFile)).all()
        assert len(stored) == 3
        assert all(b"GPS" not in s.content for s in stored)

"""Counselling end to end: the log (encrypted, reads audited), channels with
secrets never shown, consent, and reminders delivered through fake SMS,
Zalo and SMTP servers on localhost, retried, held in quiet hours and
refused without consent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text, update

from core.audit.models import AuditEvent
from core.db import Database
from core.jobs.models import Job
from plugins.counselling import service
from plugins.counselling.models import Contact
from tests import factories as f
from tests.plugins.counselling.fakes import http_gateway, smtp_server
from tests.support.jobs import run_due_jobs

ENGLISH = {"Accept-Language": "en"}
PHONE = "0912 345 678"
# Quiet hours off and no wait between tries, so nothing hangs on the clock;
# quiet hours themselves are tested with a given time.
NO_WAITING = {"quiet_from": 0, "quiet_until": 0, "retry_after_seconds": 0}
REMINDER = {
    "purpose": "methadone",
    "at": "2026-12-10T08:30:00+07:00",
    "place": "Trạm Y tế xã Cao Phong",
}


@dataclass
class Hotline:
    staffed: f.Staffed
    person_id: str

    @property
    def base(self) -> str:
        return f"/api/v1/c/{self.staffed.commune.slug}/counselling"

    @property
    def chief(self) -> dict[str, str]:
        return {**f.bearer(self.staffed.token), **ENGLISH}


def _hotline(database: Database, code: str, **settings: Any) -> Hotline:
    staffed = f.staffed_commune(database, code)
    with f.in_commune(database, staffed.commune) as db:
        f.plugin_on(db, "counselling").settings = settings
        person = f.person(db, "Hà Văn Dũng")
        db.commit()
        return Hotline(staffed, str(person.id))


@pytest.fixture
def hotline(database: Database) -> Hotline:
    return _hotline(database, "05089", **NO_WAITING)


def _channel(client: FlaskClient, hotline: Hotline, kind: str, **body: Any) -> Any:
    url = f"{hotline.base}/channels/{kind}"
    answer = client.put(url, json=body, headers=hotline.chief)
    assert answer.status_code == 200, answer.get_json()
    return answer


def _contact(
    client: FlaskClient, hotline: Hotline, consent: bool = True, **changes: Any
) -> dict[str, Any]:
    body = {
        "relation": "family",
        "name": "Bùi Thị Hoa",
        "channel": "sms",
        "phone": PHONE,
        **changes,
    }
    made = client.post(
        f"{hotline.base}/persons/{hotline.person_id}/contacts",
        json=body,
        headers=hotline.chief,
    )
    assert made.status_code == 201, made.get_json()
    contact = dict(made.get_json())
    if consent:
        given = client.put(
            f"{hotline.base}/contacts/{contact['id']}/consent",
            json={"basis": "written"},
            headers={**hotline.chief, "If-Match": made.headers["ETag"]},
        )
        assert given.status_code == 200, given.get_json()
        contact = dict(given.get_json())
        contact["etag"] = given.headers["ETag"]
    return contact


def _remind(
    app: Flask, client: FlaskClient, hotline: Hotline, contact_id: str
) -> dict[str, Any]:
    sent = client.post(
        f"{hotline.base}/contacts/{contact_id}/reminders",
        json=REMINDER,
        headers=hotline.chief,
    )
    assert sent.status_code == 202, sent.get_json()
    run_due_jobs(app, rounds=2)
    status = client.get(
        f"{hotline.base}/reminders/{sent.get_json()['id']}", headers=hotline.chief
    )
    return dict(status.get_json())


# -- reminders ----------------------------------------------------------------


def test_a_reminder_to_a_consenting_family_goes_through_the_sms_gateway(
    app: Flask, client: FlaskClient, database: Database, hotline: Hotline
) -> None:
    with http_gateway() as gateway:
        _channel(client, hotline, "sms", url=gateway.url, secret="sms-token-123")
        contact = _contact(client, hotline)
        status = _remind(app, client, hotline, contact["id"])

    assert status["status"] == "sent"
    assert status["attempts"] == 1
    [request] = gateway.received
    assert request["headers"]["authorization"] == "Bearer sms-token-123"
    assert request["body"]["to"] == PHONE
    # In Vietnamese by default; when and where, never why.
    said = request["body"]["text"]
    assert "08:30" in said and "10/12/2026" in said
    assert "Trạm Y tế xã Cao Phong" in said
    assert "ethadone" not in said
    # The job carries the message's id and nothing about the family.
    with f.in_commune(database, hotline.staffed.commune) as db:
        job = db.scalars(select(Job).where(Job.name == service.DELIVER_JOB)).one()
        assert job.arguments == {"message_id": status["id"]}


def test_a_failing_gateway_is_tried_again_until_it_accepts(
    app: Flask, client: FlaskClient, hotline: Hotline
) -> None:
    with http_gateway() as gateway:
        gateway.failures = [503, 502]
        _channel(client, hotline, "sms", url=gateway.url, secret="t")
        contact = _contact(client, hotline)
        status = _remind(app, client, hotline, contact["id"])

    assert len(gateway.received) == 3
    assert status["status"] == "sent"
    assert status["attempts"] == 3
    assert status["last_error"] is None


def test_a_reminder_is_failed_after_the_communes_attempts_and_says_why(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    hotline = _hotline(database, "05098", max_attempts=2, **NO_WAITING)
    with http_gateway() as gateway:
        gateway.failures = [503, 503, 503]
        _channel(client, hotline, "sms", url=gateway.url, secret="t")
        contact = _contact(client, hotline)
        status = _remind(app, client, hotline, contact["id"])

    assert len(gateway.received) == 2
    assert (status["status"], status["attempts"]) == ("failed", 2)
    assert status["last_error"] == "http_503"


def test_a_reminder_goes_to_a_zalo_follower_in_english(
    app: Flask, client: FlaskClient, hotline: Hotline
) -> None:
    with http_gateway({"error": 0, "message": "Success"}) as zalo:
        _channel(client, hotline, "zalo", url=zalo.url, secret="oa-access-token")
        contact = _contact(
            client,
            hotline,
            channel="zalo",
            phone=None,
            zalo_user_id="4815162342",
            language="en",
        )
        status = _remind(app, client, hotline, contact["id"])

    assert status["status"] == "sent"
    [request] = zalo.received
    assert request["headers"]["access_token"] == "oa-access-token"
    assert request["body"]["recipient"] == {"user_id": "4815162342"}
    assert request["body"]["message"]["text"].startswith("Reminder: 08:30 on 10/12")


def test_a_zalo_error_answer_counts_as_a_failed_try(
    app: Flask, client: FlaskClient, hotline: Hotline
) -> None:
    with http_gateway({"error": -216, "message": "Access token is invalid"}) as zalo:
        _channel(client, hotline, "zalo", url=zalo.url, secret="expired")
        contact = _contact(
            client, hotline, channel="zalo", phone=None, zalo_user_id="4815162342"
        )
        status = _remind(app, client, hotline, contact["id"])
    assert status["status"] == "failed"
    assert status["last_error"] == "zalo_-216"
    assert len(zalo.received) == 5


def test_a_reminder_goes_by_email_through_the_communes_smtp_server(
    app: Flask, client: FlaskClient, hotline: Hotline
) -> None:
    with smtp_server() as mailbox:
        _channel(
            client,
            hotline,
            "email",
            host="127.0.0.1",
            port=mailbox.port,
            starttls=False,
            sender="congan@caophong.gov.vn",
        )
        contact = _contact(
            client, hotline, channel="email", phone=None, email="hoa@example.vn"
        )
        status = _remind(app, client, hotline, contact["id"])

    assert status["status"] == "sent"
    [mail] = mailbox.messages
    assert mail.rcpt_tos == ["hoa@example.vn"]
    parsed = message_from_bytes(mail.content, policy=default)
    body = parsed.get_body()
    assert body is not None
    assert "10/12/2026" in body.get_content()
    assert parsed["Subject"].startswith("Tin nhắc lịch")


def test_a_family_without_consent_gets_nothing(
    app: Flask, client: FlaskClient, hotline: Hotline
) -> None:
    with http_gateway() as gateway:
        _channel(client, hotline, "sms", url=gateway.url, secret="t")
        contact = _contact(client, hotline, consent=False)
        refused = client.post(
            f"{hotline.base}/contacts/{contact['id']}/reminders",
            json=REMINDER,
            headers=hotline.chief,
        )
        run_due_jobs(app)
    assert refused.status_code == 409
    assert refused.content_type == "application/problem+json"
    assert PHONE not in refused.get_data(as_text=True)
    assert gateway.received == []
    listed = client.get(
        f"{hotline.base}/contacts/{contact['id']}/reminders", headers=hotline.chief
    )
    assert listed.get_json() == []


@pytest.mark.parametrize(
    "place", ["Cơ sở điều trị Methadone", "TRUNG TAM CAI NGHIEN", "Điểm xét nghiệm"]
)
def test_a_reminder_whose_place_names_the_reason_is_refused(
    client: FlaskClient, hotline: Hotline, place: str
) -> None:
    _channel(client, hotline, "sms", url="http://127.0.0.1:9/", secret="t")
    contact = _contact(client, hotline)
    refused = client.post(
        f"{hotline.base}/contacts/{contact['id']}/reminders",
        json={**REMINDER, "place": place},
        headers=hotline.chief,
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.get_json()["errors"]] == ["place"]


def test_withdrawn_consent_stops_reminders_still_waiting(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    # An hour between tries: after the first failure the reminder waits.
    hotline = _hotline(
        database, "05098", quiet_from=0, quiet_until=0, retry_after_seconds=3600
    )
    with http_gateway() as gateway:
        gateway.failures = [503]
        _channel(client, hotline, "sms", url=gateway.url, secret="t")
        contact = _contact(client, hotline)
        waiting = _remind(app, client, hotline, contact["id"])
        assert (waiting["status"], waiting["last_error"]) == ("retrying", "http_503")

        withdrawn = client.delete(
            f"{hotline.base}/contacts/{contact['id']}/consent",
            headers={**hotline.chief, "If-Match": contact["etag"]},
        )
        assert withdrawn.status_code == 200
        assert withdrawn.get_json()["consenting"] is False
        # The next try comes due: it finds the reminder cancelled.
        with f.in_commune(database, hotline.staffed.commune) as db:
            db.execute(update(Job).values(run_after=None))
            db.commit()
        run_due_jobs(app, rounds=2)
        again = client.post(
            f"{hotline.base}/contacts/{contact['id']}/reminders",
            json=REMINDER,
            headers=hotline.chief,
        )
    assert again.status_code == 409
    assert len(gateway.received) == 1
    status = client.get(
        f"{hotline.base}/reminders/{waiting['id']}", headers=hotline.chief
    )
    assert status.get_json()["status"] == "cancelled"


def test_quiet_hours_hold_a_reminder_until_morning_in_vietnam(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    hotline = _hotline(database, "05098")  # quiet 21:00 to 07:00
    with http_gateway() as gateway:
        _channel(client, hotline, "sms", url=gateway.url, secret="t")
        contact = _contact(client, hotline)
    late = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)  # 22:30 in Vietnam
    with app.app_context(), f.in_commune(database, hotline.staffed.commune) as db:
        found = db.get(Contact, (hotline.staffed.commune.id, uuid.UUID(contact["id"])))
        assert found is not None
        message = service.remind(
            db, found, dict(REMINDER, at=late), f.authn.operator("tests"), now=late
        )
        job = db.scalars(select(Job).where(Job.name == service.DELIVER_JOB)).one()
        assert job.run_after == datetime(2026, 12, 5, 0, 0, tzinfo=UTC)  # 07:00
        assert message.not_before == job.run_after
        db.rollback()


@pytest.mark.parametrize(
    ("hour_utc", "held_until_utc"),
    [
        (13, None),  # 20:00 in Vietnam
        (14, datetime(2026, 12, 5, 0, tzinfo=UTC)),  # 21:00
        (22, datetime(2026, 12, 5, 0, tzinfo=UTC)),  # 05:00 the next day
        (23, datetime(2026, 12, 5, 0, tzinfo=UTC)),  # 06:00 the next day
        (0, None),  # 07:00 the next day
    ],
)
def test_quiet_hours_run_over_midnight(
    hour_utc: int, held_until_utc: datetime | None
) -> None:
    now = datetime(2026, 12, 4 if hour_utc else 5, hour_utc, tzinfo=UTC)
    assert service.quiet_until(now, 21, 7) == held_until_utc
    assert service.quiet_until(now, 0, 0) is None


# -- channels -----------------------------------------------------------------


def test_a_channels_secret_is_kept_encrypted_and_never_shown(
    client: FlaskClient, database: Database, hotline: Hotline
) -> None:
    made = _channel(
        client, hotline, "sms", url="https://sms.example.vn/send", secret="s3cr3t-token"
    )
    assert made.get_json()["secret_set"] is True
    assert "s3cr3t" not in made.get_data(as_text=True)
    listed = client.get(f"{hotline.base}/channels", headers=hotline.chief)
    assert "s3cr3t" not in listed.get_data(as_text=True)
    with f.in_commune(database, hotline.staffed.commune) as db:
        stored = db.execute(text("SELECT secret FROM counselling_channels")).scalar()
    assert stored and "s3cr3t" not in stored

    # A change keeps the secret when none is sent, and needs If-Match.
    missing = client.put(
        f"{hotline.base}/channels/sms", json={"enabled": False}, headers=hotline.chief
    )
    assert missing.status_code == 428
    changed = client.put(
        f"{hotline.base}/channels/sms",
        json={"url": "https://sms2.example.vn/send"},
        headers={**hotline.chief, "If-Match": made.headers["ETag"]},
    )
    assert changed.status_code == 200
    assert changed.get_json()["secret_set"] is True


def test_a_channel_is_set_up_only_by_a_manager(
    client: FlaskClient, database: Database, hotline: Hotline
) -> None:
    _officer, secret = f.member(database, hotline.staffed, "officer")
    answer = client.put(
        f"{hotline.base}/channels/sms",
        json={"url": "https://sms.example.vn/send"},
        headers=f.bearer(secret),
    )
    assert answer.status_code == 403
    bad = client.put(
        f"{hotline.base}/channels/sms", json={"url": "ftp://x"}, headers=hotline.chief
    )
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["field"] == "url"


def test_a_contact_needs_the_address_of_its_channel(
    client: FlaskClient, hotline: Hotline
) -> None:
    answer = client.post(
        f"{hotline.base}/persons/{hotline.person_id}/contacts",
        json={"relation": "self", "name": "Hà Văn Dũng", "channel": "zalo"},
        headers=hotline.chief,
    )
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0]["field"] == "zalo_user_id"


# -- the log ------------------------------------------------------------------


def test_the_log_keeps_free_text_encrypted_and_audits_each_read(
    client: FlaskClient, database: Database, hotline: Hotline
) -> None:
    made = client.post(
        f"{hotline.base}/entries",
        json={
            "occurred_at": "2026-12-03T20:15:00+07:00",
            "means": "phone",
            "anonymous": True,
            "topic": "family",
            "details": "Mẹ lo con trai dùng ma túy đá",
            "advice": "Hẹn gặp tại trạm y tế",
            "referral": "Trạm Y tế xã",
        },
        headers=hotline.chief,
    )
    assert made.status_code == 201, made.get_json()
    entry_id = made.get_json()["id"]
    with f.in_commune(database, hotline.staffed.commune) as db:
        stored = db.execute(text("SELECT details FROM counselling_entries")).scalar()
    assert stored and "ma túy" not in stored

    read = client.get(f"{hotline.base}/entries/{entry_id}", headers=hotline.chief)
    assert read.get_json()["details"] == "Mẹ lo con trai dùng ma túy đá"
    client.get(f"{hotline.base}/entries", headers=hotline.chief)
    with f.in_commune(database, hotline.staffed.commune) as db:
        reads = db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "counselling.read",
                AuditEvent.object_id == entry_id,
            )
        ).all()
    assert len(reads) == 2
    assert "details" in reads[0].fields


def test_an_anonymous_caller_has_no_name(client: FlaskClient, hotline: Hotline) -> None:
    answer = client.post(
        f"{hotline.base}/entries",
        json={
            "occurred_at": "2026-12-03T20:15:00+07:00",
            "means": "messaging",
            "anonymous": True,
            "caller": "Chị Hoa",
            "topic": "other",
        },
        headers=hotline.chief,
    )
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0]["field"] == "caller"


def test_a_viewer_cannot_read_the_log(
    client: FlaskClient, database: Database, hotline: Hotline
) -> None:
    _viewer, secret = f.member(database, hotline.staffed, "viewer")
    answer = client.get(f"{hotline.base}/entries", headers=f.bearer(secret))
    assert answer.status_code == 403


def test_a_commune_without_counselling_answers_404(
    client: FlaskClient, database: Database, hotline: Hotline
) -> None:
    other = f.staffed_commune(database, "05128")
    base = f"/api/v1/c/{other.commune.slug}/counselling"
    for path in ("entries", "channels"):
        answer = client.get(f"{base}/{path}", headers=f.bearer(other.token))
        assert answer.status_code == 404


def test_counselling_and_reminders_sent_appear_in_the_communes_figures(
    app: Flask, client: FlaskClient, hotline: Hotline
) -> None:
    for day in ("2026-02-03", "2026-02-27", "2026-03-01"):
        made = client.post(
            f"{hotline.base}/entries",
            json={
                "occurred_at": f"{day}T09:00:00+07:00",
                "means": "in_person",
                "topic": "treatment",
            },
            headers=hotline.chief,
        )
        assert made.status_code == 201
    answer = client.get(
        f"/api/v1/c/{hotline.staffed.commune.slug}/statistics/?period=2026-02",
        headers=hotline.chief,
    )
    assert answer.status_code == 200, answer.get_json()
    figures = {
        fig["key"]: fig["value"]
        for fig in answer.get_json()["figures"]
        if fig["key"].startswith("counselling.")
    }
    assert figures == {"counselling.entries": 2, "counselling.reminders_sent": 0}


def test_an_officer_sees_entries_about_people_they_reach_and_anonymous_ones(
    client: FlaskClient, database: Database, hotline: Hotline
) -> None:
    def log(**about: Any) -> str:
        made = client.post(
            f"{hotline.base}/entries",
            json={
                "occurred_at": "2026-12-03T09:00:00+07:00",
                "means": "phone",
                "topic": "relapse",
                **about,
            },
            headers=hotline.chief,
        )
        assert made.status_code == 201, made.get_json()
        return str(made.get_json()["id"])

    anonymous = log()
    about_person = log(person_id=hotline.person_id)
    _stranger, stranger = f.member(database, hotline.staffed, "officer")
    _mentor, mentor = f.mentor(database, hotline.staffed, hotline.person_id)

    def seen(token: str) -> set[str]:
        answer = client.get(f"{hotline.base}/entries", headers=f.bearer(token))
        return {entry["id"] for entry in answer.get_json()}

    assert seen(stranger) == {anonymous}
    assert seen(mentor) == {anonymous, about_person}
    hidden = client.get(
        f"{hotline.base}/entries/{about_person}", headers=f.bearer(stranger)
    )
    assert hidden.status_code == 404


def test_reading_a_contacts_reminders_is_audited_in_their_persons_file(
    client: FlaskClient, database: Database, hotline: Hotline
) -> None:
    with f.in_commune(database, hotline.staffed.commune) as db:
        reminder = f.reminder(db)
        contact = db.scalars(
            select(Contact).where(Contact.id == reminder.contact_id)
        ).one()
        reminder_id, contact_id = str(reminder.id), str(contact.id)
        person_id = str(contact.person_id)
        db.commit()

    listed = client.get(
        f"{hotline.base}/contacts/{contact_id}/reminders", headers=hotline.chief
    )
    assert listed.status_code == 200, listed.get_json()
    assert [r["id"] for r in listed.get_json()] == [reminder_id]
    one = client.get(f"{hotline.base}/reminders/{reminder_id}", headers=hotline.chief)
    assert one.status_code == 200, one.get_json()
    assert one.get_json()["purpose"] == "appointment"

    # An officer who does not reach the person finds neither.
    _stranger, stranger = f.member(database, hotline.staffed, "officer")
    for url in (f"contacts/{contact_id}/reminders", f"reminders/{reminder_id}"):
        hidden = client.get(f"{hotline.base}/{url}", headers=f.bearer(stranger))
        assert hidden.status_code == 404

    with f.in_commune(database, hotline.staffed.commune) as db:
        reads = db.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.action == "person.read",
                AuditEvent.object_id == person_id,
            )
            .order_by(AuditEvent.seq)
        ).all()
    reminders = [e for e in reads if e.details["part"] == "counselling_reminders"]
    assert [e.details for e in reminders] == [
        {"part": "counselling_reminders", "contact": contact_id},
        {
            "part": "counselling_reminders",
            "contact": contact_id,
            "reminder": reminder_id,
        },
    ]
    for event in reminders:
        assert event.actor_id == hotline.staffed.chief.id
        assert {"purpose", "channel", "at", "status"} <= set(event.fields)
        assert "place" not in event.fields

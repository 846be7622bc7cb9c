"""The counselling pages: an anonymous call recorded and read (audited), then
corrected on its form; a person's contact added, a reminder refused without
consent and for a place that names the reason, then queued once consent is
recorded; the channels' secrets written but never shown; roles without the
permission refused."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import Database
from core.identity import authn
from core.people.models import Person
from core.plugin_host.models import CommunePlugin
from plugins.counselling import demo, service
from plugins.counselling.models import Channel, ChannelKind, Contact, Entry, Message
from tests import factories as f
from tests.conftest import csrf_from, sign_in
from tests.plugins.counselling.fakes import Gateway, http_gateway
from tests.support.jobs import run_due_jobs

SECRET = "zalo-token-7f3a9c1e-never-shown"


def _browser(app: Flask, username: str) -> FlaskClient:
    browser = app.test_client()
    assert sign_in(browser, username, f.PASSWORD).status_code == 302
    return browser


def _running(database: Database) -> tuple[f.Staffed, uuid.UUID]:
    staffed = f.staffed_commune(database, "05089")
    with f.in_commune(database, staffed.commune) as db:
        f.plugin_on(db, "counselling").settings = {"quiet_from": 0, "quiet_until": 0}
        person = f.person(db, "Hà Văn Dũng")
        db.commit()
        return staffed, person.id


def _version(html: str, action: str) -> str:
    """The version in the form posting to ``action``."""
    form = html[html.index(f'action="{action}"') :]
    found = re.search(r'name="version" value="(\d+)"', form)
    assert found
    return found.group(1)


ENTRY = {
    "occurred_at": "2026-12-03T20:15",
    "means": "phone",
    "anonymous": "true",
    "anonymous__present": "1",
    "topic": "family",
    "details": "Mẹ gọi: con trai bỏ học, hay đi đêm, nghi dùng ma túy đá.",
    "advice": "Nói chuyện bình tĩnh; hẹn đến Trạm Y tế để được tư vấn thêm.",
    "referral": "Trạm Y tế xã",
}


def test_an_anonymous_call_is_recorded_listed_and_its_reading_audited(
    app: Flask, database: Database
) -> None:
    staffed, _person = _running(database)
    slug = staffed.commune.slug
    chief = _browser(app, staffed.chief.username)

    log = chief.get(f"/c/{slug}/counselling/")
    assert log.status_code == 200
    assert "Tư vấn" in log.get_data(as_text=True)  # the menu item
    form = chief.get(f"/c/{slug}/counselling/entries/new").get_data(as_text=True)
    # The service's rule, beside its field: an anonymous caller has no name.
    refused = chief.post(
        f"/c/{slug}/counselling/entries/new",
        data={**ENTRY, "caller": "Bà Lò Thị Nga", "csrf_token": csrf_from(form)},
    )
    assert refused.status_code == 422
    assert 'id="e-caller"' in refused.get_data(as_text=True)

    done = chief.post(
        f"/c/{slug}/counselling/entries/new",
        data={**ENTRY, "csrf_token": csrf_from(form)},
    )
    assert done.status_code == 302
    with f.in_commune(database, staffed.commune) as db:
        entry = db.scalars(select(Entry)).one()
        assert entry.anonymous and entry.caller is None
        # 20:15 typed on the page is 20:15 in Vietnam, 13:15 UTC.
        assert entry.occurred_at.astimezone(service.VIETNAM).hour == 20
        assert done.headers["Location"].endswith(f"/entries/{entry.id}")

    page = chief.get(done.headers["Location"]).get_data(as_text=True)
    assert "con trai bỏ học" in page and "03/12/2026 20:15" in page
    listed = chief.get(f"/c/{slug}/counselling/").get_data(as_text=True)
    assert f"/counselling/entries/{entry.id}" in listed
    with f.in_commune(database, staffed.commune) as db:
        reads = db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "counselling.read",
                AuditEvent.object_id == str(entry.id),
            )
        ).all()
    assert len(reads) >= 2  # its page and the log


def test_an_entry_is_corrected_on_its_form_and_a_stale_form_is_refused(
    app: Flask, database: Database
) -> None:
    staffed, _person = _running(database)
    slug = staffed.commune.slug
    chief = _browser(app, staffed.chief.username)
    form = chief.get(f"/c/{slug}/counselling/entries/new").get_data(as_text=True)
    done = chief.post(
        f"/c/{slug}/counselling/entries/new",
        data={**ENTRY, "csrf_token": csrf_from(form)},
    )
    entry_page = done.headers["Location"]
    assert "/counselling/entries/" in entry_page
    edit = f"{entry_page}/edit"
    assert f'href="{edit}"' in chief.get(entry_page).get_data(as_text=True)

    # The form comes filled from the entry, in Vietnam's time.
    filled = chief.get(edit).get_data(as_text=True)
    assert "<h1>Sửa lượt tư vấn</h1>" in filled
    assert 'value="2026-12-03T20:15"' in filled and "Trạm Y tế xã" in filled
    version = _version(filled, edit)
    corrected = {
        **ENTRY,
        "anonymous": "",  # unticked: the caller gave her name after all
        "caller": "Bà Lò Thị Nga",
        "referral": "",  # left empty: cleared
        "version": version,
        "csrf_token": csrf_from(filled),
    }
    del corrected["anonymous"]
    saved = chief.post(edit, data=corrected)
    assert saved.status_code == 302 and saved.headers["Location"] == entry_page
    with f.in_commune(database, staffed.commune) as db:
        entry = db.scalars(select(Entry)).one()
        assert not entry.anonymous and entry.caller == "Bà Lò Thị Nga"
        assert entry.referral is None and entry.version == int(version) + 1

    # The same form sent again was drawn from the old version: refused whole.
    stale = chief.post(edit, data={**corrected, "caller": "Người khác"})
    assert stale.status_code == 412
    with f.in_commune(database, staffed.commune) as db:
        assert db.scalars(select(Entry)).one().caller == "Bà Lò Thị Nga"

    # A viewer, who may not write to the log, cannot open the form.
    viewer, _secret = f.member(database, staffed, "viewer")
    assert _browser(app, viewer.username).get(edit).status_code == 403


def test_a_reminder_needs_consent_and_a_place_that_does_not_name_the_reason(
    app: Flask, database: Database
) -> None:
    staffed, person_id = _running(database)
    with http_gateway() as gateway:
        with f.in_commune(database, staffed.commune) as db:
            service.save_channel(db, ChannelKind.SMS, None, {"url": gateway.url})
            db.commit()
        _ask_for_reminders(app, database, staffed, person_id, gateway)


def _ask_for_reminders(
    app: Flask,
    database: Database,
    staffed: f.Staffed,
    person_id: uuid.UUID,
    gateway: Gateway,
) -> None:
    slug = staffed.commune.slug
    chief = _browser(app, staffed.chief.username)
    person_url = f"/c/{slug}/counselling/people/{person_id}"

    # The log's chooser leads to the person's reminders.
    log = chief.get(f"/c/{slug}/counselling/").get_data(as_text=True)
    assert "Hà Văn Dũng" in log
    chosen = chief.get(f"/c/{slug}/counselling/?person_id={person_id}")
    assert chosen.headers["Location"].endswith(person_url)

    page = chief.get(person_url).get_data(as_text=True)
    added = chief.post(
        f"{person_url}/contacts",
        data={
            "relation": "family",
            "name": "Bùi Thị Hoa",
            "channel": "sms",
            "phone": "0912 345 678",
            "language": "vi",
            "csrf_token": csrf_from(page),
        },
    )
    assert added.status_code == 302
    with f.in_commune(database, staffed.commune) as db:
        contact = db.scalars(select(Contact)).one()
    remind_url = f"/c/{slug}/counselling/contacts/{contact.id}/reminders"
    reminder = {
        "purpose": "methadone",
        "at": "2026-12-10T08:30",
        "place": "Nhà văn hóa xóm Bưng",
        "csrf_token": csrf_from(page),
    }

    # No consent yet: refused with the reason, beside that contact's form.
    page = chief.get(person_url).get_data(as_text=True)
    assert "0912 345 678" in page
    refused = chief.post(remind_url, data=reminder)
    assert refused.status_code == 409
    assert "chưa đồng ý nhận tin nhắc lịch" in refused.get_data(as_text=True)

    consent_url = f"/c/{slug}/counselling/contacts/{contact.id}/consent"
    given = chief.post(
        consent_url,
        data={
            "basis": "verbal",
            "version": _version(page, consent_url),
            "csrf_token": csrf_from(page),
        },
    )
    assert given.status_code == 302

    # A place that says why is refused beside the field, accents or not.
    naming = chief.post(remind_url, data={**reminder, "place": "Co so Methadone"})
    assert naming.status_code == 422
    body = naming.get_data(as_text=True)
    assert f'id="e-remind-{contact.id}-place"' in body
    assert 'value="Co so Methadone"' in body
    assert (
        chief.post(
            remind_url, data={**reminder, "place": "Trung tâm cai nghiện"}
        ).status_code
        == 422
    )

    queued = chief.post(remind_url, data=reminder)
    assert queued.status_code == 302
    with f.in_commune(database, staffed.commune) as db:
        message = db.scalars(select(Message)).one()
        assert message.place == "Nhà văn hóa xóm Bưng"
        assert message.at.astimezone(service.VIETNAM).hour == 8
    run_due_jobs(app, rounds=2)
    with f.in_commune(database, staffed.commune) as db:
        assert db.scalars(select(Message)).one().status.value == "sent"
    [text] = [str(r["body"]) for r in gateway.received]
    assert "xóm Bưng" in text and "08:30" in text and "ethadon" not in text
    shown = chief.get(person_url).get_data(as_text=True)
    assert "Đã gửi" in shown  # its delivery status

    # Withdrawn: no reminder goes to them any more.

    withdraw_url = f"/c/{slug}/counselling/contacts/{contact.id}/withdraw"
    withdrawn = chief.post(
        withdraw_url,
        data={
            "version": _version(shown, withdraw_url),
            "csrf_token": csrf_from(shown),
        },
    )
    assert withdrawn.status_code == 302
    with f.in_commune(database, staffed.commune) as db:
        assert db.scalars(select(Contact)).one().withdrawn_at is not None
    assert chief.post(remind_url, data=reminder).status_code == 409
    page = chief.get(person_url).get_data(as_text=True)
    assert "Đã rút lại đồng ý ngày" in page
    assert len(gateway.received) == 1


def test_a_channel_secret_is_stored_but_never_shown_and_only_chiefs_set_it_up(
    app: Flask, database: Database
) -> None:
    staffed, _person = _running(database)
    slug = staffed.commune.slug
    chief = _browser(app, staffed.chief.username)
    url = f"/c/{slug}/counselling/channels"

    page = chief.get(url).get_data(as_text=True)
    saved = chief.post(
        f"{url}/zalo",
        data={
            "enabled": "true",
            "enabled__present": "1",
            "url": "https://openapi.zalo.test/v3/message",
            "secret": SECRET,
            "csrf_token": csrf_from(page),
        },
    )
    assert saved.status_code == 302
    page = chief.get(url).get_data(as_text=True)
    assert SECRET not in page
    assert "https://openapi.zalo.test/v3/message" in page

    # Saved again with the secret left empty: the stored one is kept. A bad
    # address is refused beside the field, and the secret typed is not
    # echoed back.
    refused = chief.post(
        f"{url}/zalo",
        data={
            "enabled": "true",
            "enabled__present": "1",
            "url": "not an address",
            "secret": "another-token-typed",
            "version": _version(page, f"{url}/zalo"),
            "csrf_token": csrf_from(page),
        },
    )
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'id="e-zalo-url"' in body and "another-token-typed" not in body
    again = chief.post(
        f"{url}/zalo",
        data={
            "enabled__present": "1",
            "url": "https://openapi.zalo.test/v3/message",
            "version": _version(page, f"{url}/zalo"),
            "csrf_token": csrf_from(page),
        },
    )
    assert again.status_code == 302
    with f.in_commune(database, staffed.commune) as db:
        channel = db.scalars(select(Channel)).one()
        assert channel.secret == SECRET and not channel.enabled
    for path in ("/", url.split("/counselling")[1]):
        shown = chief.get(f"/c/{slug}/counselling{path}")
        assert shown.status_code == 200, path
        assert SECRET not in shown.text

    officer, _token = f.member(database, staffed, "officer")
    desk = _browser(app, officer.username)
    assert desk.get(f"/c/{slug}/counselling/").status_code == 200
    assert desk.get(url).status_code == 403
    log = desk.get(f"/c/{slug}/counselling/")
    assert log.status_code == 200 and "/counselling/entries/new" in log.text
    assert "/counselling/channels" not in log.text
    assert (
        desk.post(
            f"{url}/sms",
            data={"url": "http://evil.test/", "csrf_token": csrf_from(log.text)},
        ).status_code
        == 403
    )


def _reads_of(
    database: Database, staffed: f.Staffed, person_id: uuid.UUID | str
) -> list[tuple[str, list[str], dict[str, str]]]:
    """The chief's recorded reads of the person's file, oldest first: part,
    fields and the rest of the details."""
    with f.in_commune(database, staffed.commune) as db:
        events = db.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.action == "person.read",
                AuditEvent.object_id == str(person_id),
                AuditEvent.actor_id == staffed.chief.id,
            )
            .order_by(AuditEvent.seq)
        ).all()
    return [
        (
            e.details["part"],
            sorted(e.fields),
            {k: v for k, v in e.details.items() if k != "part"},
        )
        for e in events
    ]


def test_pages_naming_a_person_or_showing_their_reminders_record_the_read(
    app: Flask, database: Database
) -> None:
    staffed, person_id = _running(database)
    with f.in_commune(database, staffed.commune) as db:
        entry = service.create_entry(
            db,
            {
                "occurred_at": datetime(2026, 12, 3, 13, 15, tzinfo=UTC),
                "means": "phone",
                "topic": "family",
                "person_id": person_id,
            },
            authn.operator("tests"),
        )
        reminder = f.reminder(db)
        contact = db.scalars(
            select(Contact).where(Contact.id == reminder.contact_id)
        ).one()
        entry_id, contact_id = entry.id, str(contact.id)
        family_of = contact.person_id
        db.commit()
    slug = staffed.commune.slug
    chief = _browser(app, staffed.chief.username)
    named: tuple[str, list[str], dict[str, str]] = ("file", ["full_name"], {})

    # The form of an entry about a person names them: a read of their name.
    form = chief.get(f"/c/{slug}/counselling/entries/new?person={person_id}")
    assert form.status_code == 200
    assert "Hà Văn Dũng" in form.get_data(as_text=True)
    assert _reads_of(database, staffed, person_id) == [named]
    # So do the entry's page and its form.
    for url in (f"entries/{entry_id}", f"entries/{entry_id}/edit"):
        assert chief.get(f"/c/{slug}/counselling/{url}").status_code == 200
    assert _reads_of(database, staffed, person_id) == [named] * 3

    # A person's page names them and shows their contacts and the reminders
    # asked for each: each is recorded, with the fields shown.
    page = chief.get(f"/c/{slug}/counselling/people/{family_of}")
    assert page.status_code == 200
    assert _reads_of(database, staffed, family_of) == [
        named,
        ("counselling_contacts", sorted(service.CONTACT_FIELDS), {}),
        (
            "counselling_reminders",
            sorted(
                [
                    "attempts",
                    "at",
                    "last_error",
                    "not_before",
                    "purpose",
                    "sent_at",
                    "status",
                ]
            ),
            {"contact": contact_id},
        ),
    ]


def test_a_persons_file_links_to_their_reminders_for_counsellors_only(
    app: Flask, database: Database
) -> None:
    staffed, person_id = _running(database)
    slug = staffed.commune.slug
    file = f"/c/{slug}/people/{person_id}"
    reminders = f"/c/{slug}/counselling/people/{person_id}"
    with f.in_commune(database, staffed.commune) as db:
        hamlet = f.hamlet(db, "Xóm Bưng")
        subject = db.get(Person, (staffed.commune.id, person_id))
        assert subject is not None
        subject.hamlet_id = hamlet.id
        db.commit()
    chief = _browser(app, staffed.chief.username)
    page = chief.get(file).get_data(as_text=True)
    assert "Trong các phân hệ" in page
    assert f'<a href="{reminders}">Người nhận nhắc lịch và lời nhắc</a>' in page

    # A hamlet team member reaches the person but not the counselling log.
    member, _secret = f.member(database, staffed, "hamlet_member", hamlets=[hamlet.id])
    seen = _browser(app, member.username).get(file)
    assert seen.status_code == 200 and reminders not in seen.get_data(as_text=True)

    # Where the commune has switched the plugin off, no link is drawn.
    with f.in_commune(database, staffed.commune) as db:
        db.scalars(select(CommunePlugin)).one().enabled = False
        db.commit()
    after = chief.get(file)
    assert after.status_code == 200 and "Hà Văn Dũng" in after.text
    assert reminders not in after.text


def test_staff_outside_counselling_are_refused_its_pages(
    app: Flask, database: Database
) -> None:
    staffed, person_id = _running(database)
    slug = staffed.commune.slug
    member, _token = f.member(database, staffed, "committee_member")
    reader = _browser(app, member.username)
    for path in ("/", "/entries/new", f"/people/{person_id}", "/channels"):
        assert reader.get(f"/c/{slug}/counselling{path}").status_code == 403
    page = reader.get(f"/c/{slug}/")
    assert page.status_code == 200 and f'href="/c/{slug}/"' in page.text
    assert "/counselling/" not in page.text  # no menu item either


def test_the_demo_logs_two_calls_and_sets_up_no_channel(database: Database) -> None:
    staffed, _person = _running(database)
    with f.in_commune(database, staffed.commune) as db:
        demo.seed(db)
        db.commit()
        assert len(db.scalars(select(Entry)).all()) == 2
        assert db.scalars(select(Channel)).first() is None

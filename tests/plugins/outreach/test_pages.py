"""The outreach pages: a session planned on the form, recorded held with its
audience, seen in the month's calendar, or removed after a question;
refusals beside the fields; staff who only read see no form and are refused
one."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import Database, local_today
from plugins.outreach import demo
from plugins.outreach.models import OutreachSession, SessionStatus
from tests import factories as f
from tests.conftest import csrf_from, sign_in

TODAY = local_today()


def _browser(app: Flask, username: str) -> FlaskClient:
    browser = app.test_client()
    assert sign_in(browser, username, f.PASSWORD).status_code == 302
    return browser


def _running(database: Database) -> tuple[f.Staffed, str]:
    staffed = f.staffed_commune(database, "05089")
    with f.in_commune(database, staffed.commune) as db:
        f.plugin_on(db, "outreach")
        hamlet = f.hamlet(db, "Xóm Bưng")
        db.commit()
        return staffed, str(hamlet.id)


PLAN = {
    "setting": "school",
    "school": "Trường THCS Cao Phong",
    "class_name": "8A",
    "place": "Hội trường nhà trường",
    "topic": "Tác hại của ma túy tổng hợp",
    "planned_on": TODAY.isoformat(),
    "speakers.0.name": "Đại úy Lò Văn Thắng",
    "speakers.0.role": "Công an xã",
    "speakers.0.respected_local__present": "1",
    "speakers.1.name": "Cụ Bùi Văn Hợp",
    "speakers.1.respected_local": "true",
    "speakers.1.respected_local__present": "1",
    "materials.0": "Tờ rơi “Nói không với ma túy”",
}


def _audience(counts: dict[tuple[str, str], int]) -> dict[str, str]:
    """The audience grid as the edit form posts it."""
    form = {}
    for i, ((sex, age), count) in enumerate(counts.items()):
        form[f"audience.{i}.sex"] = sex
        form[f"audience.{i}.age_group"] = age
        form[f"audience.{i}.count"] = str(count)
    return form


def _version(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found
    return found.group(1)


def test_a_session_planned_on_the_page_is_recorded_held_and_shown_in_its_month(
    app: Flask, database: Database
) -> None:
    staffed, _hamlet = _running(database)
    slug = staffed.commune.slug
    chief = _browser(app, staffed.chief.username)

    calendar = chief.get(f"/c/{slug}/outreach/")
    assert calendar.status_code == 200
    assert "Tuyên truyền" in calendar.get_data(as_text=True)  # the menu item
    form = chief.get(f"/c/{slug}/outreach/sessions/new").get_data(as_text=True)
    planned = chief.post(
        f"/c/{slug}/outreach/sessions/new",
        data={**PLAN, "csrf_token": csrf_from(form)},
    )
    assert planned.status_code == 302
    session_url = planned.headers["Location"]
    with f.in_commune(database, staffed.commune) as db:
        talk = db.scalars(select(OutreachSession)).one()
        assert talk.status is SessionStatus.PLANNED
        assert [s["respected_local"] for s in talk.speakers] == [False, True]
        assert talk.materials == ["Tờ rơi “Nói không với ma túy”"]
        assert session_url.endswith(f"/outreach/sessions/{talk.id}")

    # Recorded held with its audience, from the form the session page offers.
    page = chief.get(session_url).get_data(as_text=True)
    held_url = f"/c/{slug}/outreach/sessions/{talk.id}/edit?held=1"
    assert held_url.replace("&", "&amp;") in page or held_url in page
    edit = chief.get(held_url).get_data(as_text=True)
    assert 'value="Đại úy Lò Văn Thắng"' in edit
    counts = {
        ("male", "under_15"): 0,
        ("male", "15_to_17"): 21,
        ("female", "15_to_17"): 19,
        ("female", "over_30"): 2,
    }
    fields = {k: v for k, v in PLAN.items() if not k.startswith("speakers.1")}
    done = chief.post(
        f"/c/{slug}/outreach/sessions/{talk.id}/edit",
        data={
            **fields,
            **_audience(counts),
            "status": "held",
            "held_on": TODAY.isoformat(),
            "csrf_token": csrf_from(edit),
            "version": _version(edit),
        },
    )
    assert done.status_code == 302
    with f.in_commune(database, staffed.commune) as db:
        held = db.get(OutreachSession, (staffed.commune.id, talk.id))
        assert held is not None
        assert held.status is SessionStatus.HELD and held.held_on == TODAY
        assert held.audience_total == 42
        assert len(held.speakers) == 1  # the row left empty is cleared

    shown = chief.get(f"/c/{slug}/outreach/?month={TODAY:%Y-%m}")
    html = shown.get_data(as_text=True)
    assert "Tác hại của ma túy tổng hợp" in html
    assert TODAY.strftime("%d/%m/%Y") in html
    assert "42" in html and "Đã tổ chức" in html
    english = chief.get(
        f"/c/{slug}/outreach/?month={TODAY:%Y-%m}", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Outreach sessions, " in english and "42 people" in english
    elsewhere = chief.get(
        f"/c/{slug}/outreach/?month={TODAY - timedelta(days=62):%Y-%m}"
    )
    assert elsewhere.status_code == 200 and "<h1" in elsewhere.text
    assert "Tác hại của ma túy tổng hợp" not in elsewhere.text


def test_a_refused_session_is_explained_beside_its_fields_and_nothing_is_kept(
    app: Flask, database: Database
) -> None:
    staffed, _hamlet = _running(database)
    slug = staffed.commune.slug
    chief = _browser(app, staffed.chief.username)
    form = chief.get(f"/c/{slug}/outreach/sessions/new").get_data(as_text=True)

    # The service's rule: a session in a hamlet names the hamlet.
    refused = chief.post(
        f"/c/{slug}/outreach/sessions/new",
        data={**PLAN, "setting": "hamlet", "csrf_token": csrf_from(form)},
    )
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'id="e-hamlet_id"' in body
    assert 'value="Hội trường nhà trường"' in body  # what was typed is kept
    # The schema's rule, for a field of a list: a speaker has a name.
    nameless = chief.post(
        f"/c/{slug}/outreach/sessions/new",
        data={
            **PLAN,
            "speakers.0.name": "",
            "csrf_token": csrf_from(form),
        },
    )
    assert nameless.status_code == 422
    assert 'id="e-speakers.0.name"' in nameless.get_data(as_text=True)
    with f.in_commune(database, staffed.commune) as db:
        assert db.scalars(select(OutreachSession)).first() is None


def test_a_held_session_with_a_count_below_zero_is_refused_beside_that_cell(
    app: Flask, database: Database
) -> None:
    staffed, hamlet_id = _running(database)
    slug = staffed.commune.slug
    chief = _browser(app, staffed.chief.username)
    form = chief.get(f"/c/{slug}/outreach/sessions/new").get_data(as_text=True)
    plan = {
        **PLAN,
        "setting": "hamlet",
        "hamlet_id": hamlet_id,
        "school": "",
        "class_name": "",
    }
    planned = chief.post(
        f"/c/{slug}/outreach/sessions/new",
        data={**plan, "csrf_token": csrf_from(form)},
    )
    assert planned.status_code == 302
    talk_id = uuid.UUID(planned.headers["Location"].rsplit("/", 1)[1])
    edit_url = f"/c/{slug}/outreach/sessions/{talk_id}/edit"
    edit = chief.get(edit_url).get_data(as_text=True)
    assert "Xóm Bưng" in edit

    refused = chief.post(
        edit_url,
        data={
            **plan,
            **_audience({("male", "18_to_30"): 5, ("female", "18_to_30"): -3}),
            "status": "held",
            "held_on": TODAY.isoformat(),
            "csrf_token": csrf_from(edit),
            "version": _version(edit),
        },
    )
    assert refused.status_code == 422
    assert 'id="e-audience.1.count"' in refused.get_data(as_text=True)
    stale = chief.post(
        edit_url,
        data={**plan, "status": "cancelled", "csrf_token": csrf_from(edit)},
    )
    assert stale.status_code == 412  # no version: someone may have changed it
    with f.in_commune(database, staffed.commune) as db:
        talk = db.get(OutreachSession, (staffed.commune.id, talk_id))
        assert talk is not None and talk.status is SessionStatus.PLANNED


def test_a_session_recorded_by_mistake_is_removed_after_a_question(
    app: Flask, database: Database
) -> None:
    staffed, _hamlet_id = _running(database)
    slug = staffed.commune.slug
    chief = _browser(app, staffed.chief.username)
    form = chief.get(f"/c/{slug}/outreach/sessions/new").get_data(as_text=True)
    planned = chief.post(
        f"/c/{slug}/outreach/sessions/new",
        data={**PLAN, "csrf_token": csrf_from(form)},
    )
    session_page = planned.headers["Location"]
    remove = f"{session_page}/remove"
    assert f'href="{remove}"' in chief.get(session_page).get_data(as_text=True)

    # The question names the session; nothing is removed by asking it.
    question = chief.get(remove).get_data(as_text=True)
    assert PLAN["topic"] in question
    version = _version(question)
    with f.in_commune(database, staffed.commune) as db:
        talk = db.scalars(select(OutreachSession)).one()
        talk.place = "Nhà văn hoá xóm"  # someone corrects it meanwhile
        db.commit()
    stale = chief.post(
        remove, data={"version": version, "csrf_token": csrf_from(question)}
    )
    assert stale.status_code == 412
    with f.in_commune(database, staffed.commune) as db:
        assert db.scalars(select(OutreachSession)).one().place == "Nhà văn hoá xóm"

    question = chief.get(remove).get_data(as_text=True)
    removed = chief.post(
        remove,
        data={"version": _version(question), "csrf_token": csrf_from(question)},
    )
    assert removed.status_code == 302
    assert removed.headers["Location"].endswith(
        f"/outreach/?month={TODAY.strftime('%Y-%m')}"
    )
    with f.in_commune(database, staffed.commune) as db:
        assert db.scalars(select(OutreachSession)).first() is None
    assert chief.get(session_page).status_code == 404


def test_staff_who_only_read_see_the_calendar_but_cannot_plan(
    app: Flask, database: Database
) -> None:
    staffed, hamlet_id = _running(database)
    slug = staffed.commune.slug
    member, _token = f.member(
        database, staffed, "hamlet_member", hamlets=[uuid.UUID(hamlet_id)]
    )
    reader = _browser(app, member.username)

    calendar = reader.get(f"/c/{slug}/outreach/")
    assert calendar.status_code == 200
    assert "/outreach/sessions/new" not in calendar.get_data(as_text=True)
    assert reader.get(f"/c/{slug}/outreach/sessions/new").status_code == 403
    with f.in_commune(database, staffed.commune) as db:
        talk = f.outreach_session(db)
        db.commit()
    remove = f"/c/{slug}/outreach/sessions/{talk.id}/remove"
    assert reader.get(remove).status_code == 403
    form = reader.get(f"/c/{slug}/outreach/").get_data(as_text=True)
    refused = reader.post(
        f"/c/{slug}/outreach/sessions/new",
        data={**PLAN, "csrf_token": csrf_from(form)},
    )
    assert refused.status_code == 403
    with f.in_commune(database, staffed.commune) as db:
        assert db.scalars(select(OutreachSession.id)).all() == [talk.id]


def test_the_demo_holds_one_session_and_plans_another(database: Database) -> None:
    staffed, _hamlet = _running(database)
    with f.in_commune(database, staffed.commune) as db:
        demo.seed(db)
        db.commit()
        statuses = sorted(t.status.value for t in db.scalars(select(OutreachSession)))
    assert statuses == ["held", "planned"]

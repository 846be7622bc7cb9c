"""Outreach end to end: sessions planned and held at schools and in
hamlets, the calendar, the commune's figures, and a commune that has not
switched the plugin on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from core.db import Database, local_today
from tests import factories as f

TODAY = local_today()
ENGLISH = {"Accept-Language": "en"}


@dataclass
class Place:
    """A commune running outreach, with one hamlet."""

    staffed: f.Staffed
    hamlet_id: str

    @property
    def base(self) -> str:
        return f"/api/v1/c/{self.staffed.commune.slug}/outreach"

    @property
    def chief(self) -> dict[str, str]:
        return {**f.bearer(self.staffed.token), **ENGLISH}


@pytest.fixture
def place(database: Database) -> Place:
    staffed = f.staffed_commune(database, "05089")
    with f.in_commune(database, staffed.commune) as db:
        f.plugin_on(db, "outreach")
        hamlet = f.hamlet(db, "Xóm Tây Phong")
        db.commit()
        return Place(staffed, str(hamlet.id))


def _school(**changes: Any) -> dict[str, Any]:
    return {
        "setting": "school",
        "school": "Trường THCS Tây Phong",
        "class_name": "9A",
        "place": "Hội trường nhà trường",
        "topic": "Tác hại của ma túy tổng hợp",
        "planned_on": TODAY.isoformat(),
        "speakers": [
            {"name": "Trung tá Đinh Văn Hùng", "role": "Trưởng Công an xã"},
            {
                "name": "Cụ Bùi Văn Thành",
                "role": "Trưởng dòng họ",
                "respected_local": True,
            },
        ],
        "materials": ["Tờ rơi 'Nói không với ma túy'", "Phim ngắn 10 phút"],
        **changes,
    }


def _made(client: FlaskClient, place: Place, body: dict[str, Any]) -> Any:
    made = client.post(f"{place.base}/sessions", json=body, headers=place.chief)
    assert made.status_code == 201, made.get_json()
    return made


AUDIENCE = [
    {"sex": "female", "age_group": "15_to_17", "count": 18},
    {"sex": "male", "age_group": "15_to_17", "count": 21},
    {"sex": "male", "age_group": "over_30", "count": 2},
]


def test_a_planned_school_session_is_marked_held_with_its_audience(
    client: FlaskClient, place: Place
) -> None:
    made = _made(client, place, _school())
    body = made.get_json()
    assert body["status"] == "planned"
    assert body["speakers"][1]["respected_local"] is True
    assert body["audience_total"] == 0

    held = client.patch(
        f"{place.base}/sessions/{body['id']}",
        json={"status": "held", "held_on": TODAY.isoformat(), "audience": AUDIENCE},
        headers={**place.chief, "If-Match": made.headers["ETag"]},
    )
    assert held.status_code == 200, held.get_json()
    assert held.get_json()["audience_total"] == 41
    assert held.get_json()["version"] == 2
    # Stored in a fixed order: male before female, young before old.
    assert [c["sex"] for c in held.get_json()["audience"]] == [
        "male",
        "male",
        "female",
    ]


def test_a_change_without_the_current_version_is_refused(
    client: FlaskClient, place: Place
) -> None:
    made = _made(client, place, _school())
    url = f"{place.base}/sessions/{made.get_json()['id']}"
    missing = client.patch(url, json={"topic": "Khác"}, headers=place.chief)
    assert missing.status_code == 428
    first = client.patch(
        url,
        json={"topic": "Khác"},
        headers={**place.chief, "If-Match": made.headers["ETag"]},
    )
    assert first.status_code == 200
    stale = client.patch(
        url,
        json={"topic": "Nữa"},
        headers={**place.chief, "If-Match": made.headers["ETag"]},
    )
    assert stale.status_code == 412


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"school": None}, "school"),
        ({"setting": "hamlet", "school": None}, "hamlet_id"),
        ({"status": "held"}, "held_on"),
        ({"held_on": TODAY.isoformat()}, "held_on"),
        (
            {"status": "held", "held_on": (TODAY + timedelta(days=1)).isoformat()},
            "held_on",
        ),
        ({"audience": AUDIENCE[:1] * 2}, "audience"),
        ({"audience": [{"sex": "x", "age_group": "15_to_17", "count": 1}]}, "audience"),
        ({"topic": "   "}, "topic"),
    ],
)
def test_a_session_that_does_not_fit_together_is_refused_by_field(
    client: FlaskClient, place: Place, changes: dict[str, Any], field: str
) -> None:
    answer = client.post(
        f"{place.base}/sessions", json=_school(**changes), headers=place.chief
    )
    assert answer.status_code == 422, answer.get_json()
    assert answer.content_type == "application/problem+json"
    fields = [error["field"] for error in answer.get_json()["errors"]]
    assert any(name.startswith(field) for name in fields), fields


def test_a_hamlet_session_names_one_of_the_communes_hamlets(
    client: FlaskClient, database: Database, place: Place
) -> None:
    other = f.staffed_commune(database, "05098")
    with f.in_commune(database, other.commune) as db:
        elsewhere = f.hamlet(db, "Xóm Khác").id
        db.commit()
    body = _school(setting="hamlet", school=None, class_name=None)
    foreign = client.post(
        f"{place.base}/sessions",
        json={**body, "hamlet_id": str(elsewhere)},
        headers=place.chief,
    )
    assert foreign.status_code == 422
    assert foreign.get_json()["errors"][0]["field"] == "hamlet_id"
    _made(client, place, {**body, "hamlet_id": place.hamlet_id})


def test_the_calendar_shows_a_months_sessions_by_day(
    client: FlaskClient, place: Place
) -> None:
    _made(client, place, _school(planned_on="2026-03-10"))
    _made(client, place, _school(planned_on="2026-03-02", class_name="8B"))
    _made(client, place, _school(planned_on="2026-03-10", class_name="7C"))
    _made(client, place, _school(planned_on="2026-04-01"))
    answer = client.get(f"{place.base}/calendar?month=2026-03", headers=place.chief)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["month"] == "2026-03"
    assert [(d["day"], len(d["sessions"])) for d in body["days"]] == [
        ("2026-03-02", 1),
        ("2026-03-10", 2),
    ]
    december = client.get(f"{place.base}/calendar?month=2026-12", headers=place.chief)
    assert december.get_json()["days"] == []


def test_sessions_filter_by_status(client: FlaskClient, place: Place) -> None:
    _made(client, place, _school())
    _made(
        client,
        place,
        _school(status="held", held_on=TODAY.isoformat(), audience=AUDIENCE),
    )
    answer = client.get(f"{place.base}/sessions?status=held", headers=place.chief)
    assert [s["status"] for s in answer.get_json()] == ["held"]


def test_held_sessions_appear_in_the_communes_figures(
    client: FlaskClient, place: Place
) -> None:
    held_on = date(2026, 2, 12)
    _made(
        client,
        place,
        _school(
            planned_on="2026-02-10",
            status="held",
            held_on="2026-02-12",
            audience=AUDIENCE,
        ),
    )
    _made(
        client,
        place,
        {
            **_school(setting="hamlet", school=None, class_name=None),
            "hamlet_id": place.hamlet_id,
            "planned_on": "2026-02-20",
            "status": "held",
            "held_on": held_on.isoformat(),
            "audience": [{"sex": "female", "age_group": "over_30", "count": 30}],
        },
    )
    _made(client, place, _school(planned_on="2026-02-25"))
    _made(client, place, _school(planned_on="2026-03-25"))

    answer = client.get(
        f"/api/v1/c/{place.staffed.commune.slug}/statistics/?period=2026-02",
        headers=place.chief,
    )
    assert answer.status_code == 200, answer.get_json()
    figures = {
        fig["key"]: fig["value"]
        for fig in answer.get_json()["figures"]
        if fig["key"].startswith("outreach.")
    }
    assert figures == {
        "outreach.planned": 3,
        "outreach.held": 2,
        "outreach.held.school": 1,
        "outreach.held.hamlet": 1,
        "outreach.reached": 71,
        "outreach.reached.female": 48,
        "outreach.reached.male": 23,
    }


def test_a_viewer_reads_sessions_but_cannot_plan_one(
    client: FlaskClient, database: Database, place: Place
) -> None:
    _made(client, place, _school())
    _viewer, secret = f.member(database, place.staffed, "viewer")
    assert (
        client.get(f"{place.base}/sessions", headers=f.bearer(secret)).status_code
        == 200
    )
    refused = client.post(
        f"{place.base}/sessions", json=_school(), headers=f.bearer(secret)
    )
    assert refused.status_code == 403


def test_a_commune_without_outreach_answers_404(
    client: FlaskClient, database: Database, place: Place
) -> None:
    other = f.staffed_commune(database, "05098")
    base = f"/api/v1/c/{other.commune.slug}/outreach"
    assert (
        client.get(f"{base}/sessions", headers=f.bearer(other.token)).status_code == 404
    )
    assert (
        client.get(f"{base}/calendar", headers=f.bearer(other.token)).status_code == 404
    )

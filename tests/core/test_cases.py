"""Cases through the API: opened on a decision and dated by the ruleset in
force, explained, extended, closed, reported when past their end; and the
tier decisions around them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.db import Database, local_today
from tests import factories as f
from tests.core.test_crypto import dump


def _person(
    client: FlaskClient, staffed: f.Staffed, born: str | None = "1990-02-01"
) -> str:
    made = client.post(
        f"/api/v1/c/{staffed.commune.slug}/persons/",
        json={"full_name": "Bùi Văn Tùng", "date_of_birth": born},
        headers=f.bearer(staffed.token),
    )
    assert made.status_code == 201, made.get_json()
    return str(made.get_json()["id"])


def _cases(staffed: f.Staffed, person_id: str) -> str:
    return f"/api/v1/c/{staffed.commune.slug}/persons/{person_id}/cases/"


def _open(
    client: FlaskClient,
    staffed: f.Staffed,
    person_id: str,
    token: str | None = None,
    **body: Any,
) -> Any:
    body = {
        "kind": "illegal_use_management",
        "decision_number": "12/QĐ-UBND",
        "decision_on": "2026-01-05",
        "decided_by": "Chủ tịch UBND xã Cao Phong",
        **body,
    }
    return client.post(
        _cases(staffed, person_id), json=body, headers=f.bearer(token or staffed.token)
    )


def test_a_case_opened_on_a_decision_gets_its_dates_from_the_ruleset(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief)
    made = _open(client, chief, person, trigger_on="2026-01-01")
    assert made.status_code == 201, made.get_json()
    case = made.get_json()
    assert (case["ruleset"], case["start_on"], case["end_on"]) == (
        "law-73-2021",
        "2026-01-05",
        "2027-01-05",
    )
    assert made.headers["ETag"] == '"v1"'
    keys = {d["key"]: d for d in case["deadlines"]}
    assert keys["decision"]["due_on"] == "2026-01-06"
    assert keys["decision"]["met"] is True
    assert keys["end"]["explanation"].startswith("Quản lý người sử dụng")
    assert "Law 73/2021/QH14 Art. 23" in keys["end"]["source"]

    english = client.get(
        _cases(chief, person) + case["id"],
        headers={**f.bearer(chief.token), "Accept-Language": "en"},
    ).get_json()
    end = next(d for d in english["deadlines"] if d["key"] == "end")
    assert end["explanation"].startswith("Management of illegal drug use: 12 months")
    assert end["value"] == "12 months"


def test_a_case_starting_under_the_2025_law_is_dated_by_it(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief)
    first = _open(
        client,
        chief,
        person,
        kind="voluntary_rehab",
        setting="home",
        decision_on="2026-07-15",
    ).get_json()
    assert (first["ruleset"], first["term_months"], first["end_on"]) == (
        "law-120-2025",
        24,
        "2028-07-15",
    )
    assert first["later"] is False
    closed = client.post(
        _cases(chief, person) + first["id"] + "/close",
        json={"outcome": "ended_early", "closed_on": "2026-09-01"},
        headers={**f.bearer(chief.token), "If-Match": '"v1"'},
    )
    assert closed.status_code == 200, closed.get_json()

    again = _open(
        client,
        chief,
        person,
        kind="voluntary_rehab",
        setting="community",
        decision_on="2026-10-01",
    ).get_json()
    assert (again["later"], again["term_months"], again["end_on"]) == (
        True,
        36,
        "2029-10-01",
    )


def test_a_range_the_law_leaves_open_needs_the_decisions_term(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief)
    body = {"kind": "voluntary_rehab", "setting": "home", "decision_on": "2025-05-10"}
    missing = _open(client, chief, person, **body)
    assert missing.status_code == 422
    assert missing.get_json()["errors"][0]["field"] == "term_months"
    too_long = _open(client, chief, person, term_months=13, **body)
    assert too_long.status_code == 422
    made = _open(client, chief, person, term_months=9, **body)
    assert made.get_json()["end_on"] == "2026-02-10"
    listed = client.get(_cases(chief, person), headers=f.bearer(chief.token))
    assert len(listed.get_json()) == 1


def test_voluntary_rehab_says_where_and_nothing_else_does(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief)
    nowhere = _open(client, chief, person, kind="voluntary_rehab", term_months=6)
    assert nowhere.get_json()["errors"][0]["field"] == "setting"
    misplaced = _open(client, chief, person, setting="home")
    assert misplaced.get_json()["errors"][0]["field"] == "setting"


@pytest.mark.parametrize(
    ("born", "months", "end"),
    [("1990-02-01", 24, "2028-03-01"), ("2010-01-01", 12, "2027-03-01")],
)
def test_post_rehab_after_compulsory_rehab_lasts_by_age(
    client: FlaskClient, database: Database, born: str, months: int, end: str
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief, born=born)
    referral = _open(
        client,
        chief,
        person,
        kind="compulsory_rehab_referral",
        decision_on="2025-01-10",
    ).get_json()
    assert referral["end_on"] is None
    assert referral["age_group"] == ("adult" if months == 24 else "minor")
    after = _open(
        client,
        chief,
        person,
        kind="post_rehab_management",
        decision_on="2026-03-01",
        follows_case_id=referral["id"],
    )
    assert after.status_code == 201, after.get_json()
    assert (after.get_json()["term_months"], after.get_json()["end_on"]) == (
        months,
        end,
    )


def test_a_referral_without_a_date_of_birth_is_refused(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief, born=None)
    refused = _open(client, chief, person, kind="compulsory_rehab_referral")
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0] == {
        "location": "json",
        "field": "kind",
        "message": "Cần ngày sinh.",
    }


def test_a_second_open_case_of_one_kind_is_refused_with_a_pointer(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief)
    first = _open(client, chief, person).get_json()
    again = _open(client, chief, person, decision_number="13/QĐ-UBND")
    assert again.status_code == 409
    assert again.get_json()["existing"] == first["id"]


def test_an_extension_moves_the_end_and_explains_itself(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief)
    case = _open(client, chief, person).get_json()
    url = _cases(chief, person) + case["id"] + "/extensions"
    body = {
        "decision_number": "40/QĐ-UBND",
        "decision_on": "2026-12-01",
        "decided_by": "Chủ tịch UBND xã Cao Phong",
        "new_end_on": "2027-04-05",
        "reason": "Tái sử dụng trong thời gian quản lý",
    }
    no_tag = client.post(url, json=body, headers=f.bearer(chief.token))
    assert no_tag.status_code == 428
    auth = {**f.bearer(chief.token), "If-Match": '"v1"'}
    earlier = client.post(url, json={**body, "new_end_on": "2026-12-31"}, headers=auth)
    assert earlier.status_code == 422
    extended = client.post(url, json=body, headers=auth)
    assert extended.status_code == 201, extended.get_json()
    shown = extended.get_json()
    assert (shown["end_on"], shown["planned_end_on"]) == ("2027-04-05", "2027-01-05")
    assert shown["extensions"][0]["reason"] == body["reason"]
    explained = [d for d in shown["deadlines"] if d["rule"] == "extension"]
    assert "40/QĐ-UBND" in explained[0]["explanation"]
    stale = client.post(url, json={**body, "new_end_on": "2027-06-05"}, headers=auth)
    assert stale.status_code == 412


def test_closing_records_the_outcome_and_only_post_rehab_gets_a_certificate(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief)
    case = _open(client, chief, person).get_json()
    url = _cases(chief, person) + case["id"] + "/close"
    auth = {**f.bearer(chief.token), "If-Match": '"v1"'}
    wrong = client.post(
        url,
        json={"outcome": "completed", "certificate_number": "54/2026"},
        headers=auth,
    )
    assert wrong.status_code == 422
    closed = client.post(
        url,
        json={"outcome": "completed", "closed_on": "2026-11-30", "note": "Tiến bộ"},
        headers=auth,
    )
    assert closed.status_code == 200
    assert (closed.get_json()["status"], closed.get_json()["outcome"]) == (
        "closed",
        "completed",
    )
    assert closed.get_json()["closing_note"] == "Tiến bộ"
    twice = client.post(
        url, json={"outcome": "completed"}, headers={**auth, "If-Match": "*"}
    )
    assert twice.status_code == 409


def test_the_report_lists_cases_past_their_end_and_not_extended_ones(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    overdue_person = _person(client, chief)
    extended_person = _person(client, chief)
    decided = (local_today() - timedelta(days=400)).isoformat()
    overdue = _open(client, chief, overdue_person, decision_on=decided).get_json()
    extended = _open(client, chief, extended_person, decision_on=decided).get_json()
    client.post(
        _cases(chief, extended_person) + extended["id"] + "/extensions",
        json={
            "decision_number": "41/QĐ-UBND",
            "decision_on": decided,
            "decided_by": "Chủ tịch UBND xã",
            "new_end_on": (local_today() + timedelta(days=60)).isoformat(),
            "reason": "Tái sử dụng trong thời gian quản lý",
        },
        headers={**f.bearer(chief.token), "If-Match": '"v1"'},
    )
    report = client.get(
        f"/api/v1/c/{chief.commune.slug}/cases/past-end",
        headers=f.bearer(chief.token),
    ).get_json()
    assert [line["case_id"] for line in report] == [overdue["id"]]
    assert (
        report[0]["days_past"]
        == (local_today() - date.fromisoformat(overdue["end_on"])).days
    )


def test_health_workers_read_cases_without_the_closing_note_and_hamlet_teams_not(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief)
    case = _open(client, chief, person).get_json()
    client.post(
        _cases(chief, person) + case["id"] + "/close",
        json={"outcome": "completed", "note": "Ghi chú nội bộ"},
        headers={**f.bearer(chief.token), "If-Match": '"v1"'},
    )
    _account, health = f.member(database, chief, "health_worker")
    seen = client.get(_cases(chief, person) + case["id"], headers=f.bearer(health))
    assert seen.status_code == 200
    assert "closing_note" not in seen.get_json()
    assert "Ghi chú nội bộ" not in seen.get_data(as_text=True)
    refused = _open(client, chief, person, token=health)
    assert refused.status_code == 403
    session = f.in_commune(database, chief.commune)
    try:
        ham = f.hamlet(session, "Xóm Đồi")
        session.commit()
    finally:
        session.close()
    _account, hamlet = f.member(database, chief, "hamlet_member", hamlets=[ham.id])
    listed = client.get(_cases(chief, person), headers=f.bearer(hamlet))
    assert listed.status_code == 403


def test_reading_cases_is_audited_as_a_read_of_the_file(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief)
    _open(client, chief, person)
    client.get(_cases(chief, person), headers=f.bearer(chief.token))
    readers = client.get(
        f"/api/v1/c/{chief.commune.slug}/persons/{person}/readers",
        headers=f.bearer(chief.token),
    ).get_json()
    assert [r["part"] for r in readers] == ["cases"]
    assert "decision_number" in readers[0]["fields"]


def test_the_rulesets_are_listed_with_their_sources(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    listed = client.get("/api/v1/rulesets", headers=f.bearer(chief.token)).get_json()
    assert [r["id"] for r in listed] == ["law-73-2021", "law-120-2025"]
    kinds = {k["kind"]: k for k in listed[1]["kinds"]}
    assert kinds["voluntary_rehab"]["period"]["later_months"] == [36, 36]
    assert kinds["voluntary_rehab"]["period"]["confirmed"] is False


# -- tiers ---------------------------------------------------------------------


def _tier(
    client: FlaskClient, staffed: f.Staffed, person_id: str, token: str, **body: Any
) -> Any:
    url = f"/api/v1/c/{staffed.commune.slug}/persons/{person_id}/tier"
    current = client.get(
        f"/api/v1/c/{staffed.commune.slug}/persons/{person_id}",
        headers=f.bearer(staffed.token),
    )
    return client.post(
        url,
        json={"reason": "Xét nghiệm dương tính lần hai", **body},
        headers={**f.bearer(token), "If-Match": current.headers["ETag"]},
    )


def test_the_chief_places_a_person_in_a_tier_and_the_history_keeps_why(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief)
    officer, _secret = f.member(database, chief, "officer")
    assert _tier(client, chief, person, chief.token, tier=1).status_code == 201
    without_officer = _tier(client, chief, person, chief.token, tier=2)
    assert without_officer.status_code == 422
    assert without_officer.get_json()["errors"][0]["field"] == "officer_id"
    second = _tier(
        client, chief, person, chief.token, tier=2, officer_id=str(officer.id)
    )
    assert second.status_code == 201, second.get_json()
    history = client.get(
        f"/api/v1/c/{chief.commune.slug}/persons/{person}/tier",
        headers=f.bearer(chief.token),
    ).get_json()
    assert [(h["from_tier"], h["to_tier"]) for h in history] == [(1, 2), (None, 1)]
    assert history[0]["reason"] == "Xét nghiệm dương tính lần hai"
    file = client.get(
        f"/api/v1/c/{chief.commune.slug}/persons/{person}",
        headers=f.bearer(chief.token),
    ).get_json()
    assert file["tier"] == 2
    assigned = client.get(
        f"/api/v1/c/{chief.commune.slug}/persons/{person}/assignments",
        headers=f.bearer(chief.token),
    ).get_json()
    assert [a["officer_id"] for a in assigned] == [str(officer.id)]


def test_only_the_chief_changes_a_tier_and_a_reason_is_needed(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief)
    _officer, secret = f.member(database, chief, "officer")
    assert _tier(client, chief, person, secret, tier=1).status_code == 403
    short = _tier(client, chief, person, chief.token, tier=1, reason="vì")
    assert short.status_code == 422
    assert short.get_json()["errors"][0]["field"] == "reason"
    same = _tier(client, chief, person, chief.token, tier=1)
    assert same.status_code == 201
    assert _tier(client, chief, person, chief.token, tier=1).status_code == 409


def test_a_hamlet_team_member_never_sees_a_tier(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    session = f.in_commune(database, chief.commune)
    try:
        ham = f.hamlet(session, "Xóm Dụ")
        session.commit()
    finally:
        session.close()
    made = client.post(
        f"/api/v1/c/{chief.commune.slug}/persons/",
        json={"full_name": "Xa Văn Nam", "hamlet_id": str(ham.id)},
        headers=f.bearer(chief.token),
    ).get_json()
    _tier(client, chief, made["id"], chief.token, tier=1)
    _account, hamlet = f.member(database, chief, "hamlet_member", hamlets=[ham.id])
    seen = client.get(
        f"/api/v1/c/{chief.commune.slug}/persons/{made['id']}",
        headers=f.bearer(hamlet),
    ).get_json()
    assert "tier" not in seen
    history = client.get(
        f"/api/v1/c/{chief.commune.slug}/persons/{made['id']}/tier",
        headers=f.bearer(hamlet),
    )
    assert history.status_code == 403


def test_no_reason_note_or_closing_note_is_in_a_dump(
    app: Flask, client: FlaskClient, database: Database, backend: str, tmp_path: Path
) -> None:
    chief = f.staffed_commune(database, "05089")
    person = _person(client, chief)
    reason = "Lý do tầng bí mật số 4471"
    note = "Ghi chú kết thúc bí mật số 9313"
    placed = _tier(client, chief, person, chief.token, tier=1, reason=reason)
    assert placed.status_code == 201, placed.get_json()
    opened = _open(client, chief, person)
    assert opened.status_code == 201, opened.get_json()
    closed = client.post(
        _cases(chief, person) + opened.get_json()["id"] + "/close",
        json={"outcome": "completed", "note": note},
        headers={**f.bearer(chief.token), "If-Match": '"v1"'},
    )
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["closing_note"] == note  # stored, and readable
    raw = dump(app, backend, tmp_path)
    # The dump holds what was written: the decision's plain fields are there.
    assert "Chủ tịch UBND xã Cao Phong".encode() in raw
    for value in (reason, note):
        assert value.encode() not in raw, value


# Each kind of case, opened on each ruleset: (kind, decided, extra body,
# expected ruleset, expected term in months, expected end).
EVERY_KIND = [
    ("illegal_use_management", "2026-03-02", {}, "law-73-2021", 12, "2027-03-02"),
    ("illegal_use_management", "2026-09-01", {}, "law-120-2025", 12, "2027-09-01"),
    (
        "voluntary_rehab",
        "2026-02-10",
        {"setting": "home", "term_months": 6},
        "law-73-2021",
        6,
        "2026-08-10",
    ),
    (
        "voluntary_rehab",
        "2026-08-10",
        {"setting": "home"},
        "law-120-2025",
        24,
        "2028-08-10",
    ),
    ("methadone_treatment", "2026-01-15", {}, "law-73-2021", None, None),
    ("methadone_treatment", "2026-07-15", {}, "law-120-2025", None, None),
    ("compulsory_rehab_referral", "2026-02-20", {}, "law-73-2021", None, None),
    ("compulsory_rehab_referral", "2026-08-20", {}, "law-120-2025", None, None),
]


def test_every_kind_of_case_is_dated_by_the_ruleset_of_its_start(
    client: FlaskClient, database: Database
) -> None:
    chief = f.staffed_commune(database, "05089")
    for kind, decided, extra, ruleset, term, end in EVERY_KIND:
        person = _person(client, chief)
        made = _open(client, chief, person, kind=kind, decision_on=decided, **extra)
        assert made.status_code == 201, (kind, decided, made.get_json())
        case = made.get_json()
        assert (case["ruleset"], case["term_months"], case["end_on"]) == (
            ruleset,
            term,
            end,
        ), (kind, decided)
        if kind == "methadone_treatment":
            # Post-rehab management after substitution treatment: 1 year on
            # both rulesets, counted from its own start.
            after = _open(
                client,
                chief,
                person,
                kind="post_rehab_management",
                decision_on=decided.replace("-01-", "-05-").replace("-07-", "-11-"),
                follows_case_id=case["id"],
            ).get_json()
            start = date.fromisoformat(after["start_on"])
            assert after["term_months"] == 12, decided
            assert after["end_on"] == start.replace(year=start.year + 1).isoformat()

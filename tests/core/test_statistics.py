"""Statistics: every figure against a hand count, hot spots, the protection
of small counts (summed and differenced), and that no statistics route
takes a region admin to a single person."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.models import AuditEvent, PlatformAuditEvent
from core.cases import service as case_service
from core.commitments import service as commitment_service
from core.db import Database
from core.identity import authn
from core.plugin_host.host import PluginHost
from core.statistics import hotspots, protection, service
from core.statistics.models import Audience, ExportStatus, PublishedFigure
from core.statistics.protection import Shown
from core.toolkit import Metric, PluginInfo, hookimpl
from core.worklist.models import ItemStatus
from tenants.models import Commune
from tests import factories as f
from tests.conftest import csrf_from, sign_in
from tests.support.jobs import drain

BASE = "/api/v1/c"
TODAY = date(2026, 10, 15)


@dataclass
class Place:
    staffed: f.Staffed
    hamlets: dict[str, uuid.UUID]
    people: list[uuid.UUID]

    @property
    def commune(self) -> Commune:
        return self.staffed.commune


def _person(db: Session, hamlet: uuid.UUID | None, name: str = "Lò Văn An") -> Any:
    return f.person(db, name, hamlet_id=hamlet)


def _case(
    db: Session, person: Any, start: date, kind: str = "illegal_use_management"
) -> Any:
    return f.case(db, person, kind=kind, decision_on=start, start_on=start)


def _tier(db: Session, person: Any, tier: int, on: date) -> None:
    from core.people import service as people_service

    people_service.change_tier(
        db,
        person,
        tier=tier,
        reason="Theo kết quả xác minh",
        decided_on=on,
        decided_by=authn.operator("tests"),
    )


def _item(db: Session, person: Any, kind: str, due: date, done: bool) -> None:
    item = f.work_item(db, person)
    item.kind, item.due_on = kind, due
    if done:
        item.status = ItemStatus.DONE
    db.flush()


@pytest.fixture
def cao_phong(database: Database) -> Place:
    """The hand-counted commune. For February 2026 (last day the 28th):

    * P1 (Tây Phong): case 5 Jan, tier 1 from 6 Jan: managed.
    * P2 (Tây Phong): Methadone from 10 Feb, tier 2 from 10 Feb: managed, new.
    * P3 (Xóm Mới): case 15 Feb, no tier: managed, new.
    * P4 (Xóm Mới): case 10 Jan 2025, ended 10 Jan 2026, still open: past end.
    * P5 (Tây Phong): case 20 Jan, closed 5 Feb: neither.
    * P6 (no hamlet): case 3 Mar: not yet.
    * Contacts: one due 20 Feb done, one check due 25 Feb open, one due in
      March; one commitment reviewed on 12 Feb.
    """
    staffed = f.staffed_commune(database, "05089")
    session = f.in_commune(database, staffed.commune)
    try:
        west = f.hamlet(session, "Xóm Tây Phong").id
        new = f.hamlet(session, "Xóm Mới").id
        p1, p2, p3 = (_person(session, h) for h in (west, west, new))
        p4, p5, p6 = (_person(session, h) for h in (new, west, None))
        _case(session, p1, date(2026, 1, 5))
        _tier(session, p1, 1, date(2026, 1, 6))
        f.assignment(session, staffed.commune, p2)
        _case(session, p2, date(2026, 2, 10), "methadone_treatment")
        _tier(session, p2, 2, date(2026, 2, 10))
        _case(session, p3, date(2026, 2, 15))
        _case(session, p4, date(2025, 1, 10))
        closing = _case(session, p5, date(2026, 1, 20))
        case_service.close(
            session,
            closing,
            {"outcome": "ended_early", "closed_on": date(2026, 2, 5)},
            by_name="tests",
        )
        _case(session, p6, date(2026, 3, 3))
        _item(session, p1, "contact_due", date(2026, 2, 20), done=True)
        _item(session, p2, "residence_check", date(2026, 2, 25), done=False)
        _item(session, p3, "contact_due", date(2026, 3, 2), done=True)
        commitment = f.commitment(
            session, p1.id, signed_on=date(2026, 1, 6), review_on=date(2026, 2, 1)
        )
        commitment_service.review(
            session,
            commitment,
            {"reviewed_on": date(2026, 2, 12), "outcome": "ended"},
            authn.operator("tests"),
        )
        session.commit()
        people = [p.id for p in (p1, p2, p3, p4, p5, p6)]
    finally:
        session.close()
    return Place(staffed, {"west": west, "new": new}, people)


def _values(figures: list[dict[str, Any]]) -> dict[str, Any]:
    return {figure["key"]: figure["value"] for figure in figures}


def _get(client: FlaskClient, url: str, token: str) -> Any:
    answer = client.get(url, headers=f.bearer(token))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _no_person_in(body: str, place: Place) -> None:
    for person in place.people:
        assert str(person) not in body


def _region_admin(database: Database) -> str:
    return f.region_admin(database)[1]


def _refresh(app: Flask, database: Database, place: Commune) -> None:
    with app.app_context():
        session = f.in_commune(database, place)
        try:
            service.refresh(session, place, months=12, today=TODAY)
            session.commit()
        finally:
            session.close()


# -- a commune's own, exact figures ------------------------------------------


def test_commune_figures_for_a_month_match_the_hand_count(
    client: FlaskClient, cao_phong: Place
) -> None:
    answer = client.get(
        f"{BASE}/{cao_phong.commune.slug}/statistics/?period=2026-02",
        headers=f.bearer(cao_phong.staffed.token),
    )
    assert answer.status_code == 200
    body = answer.get_json()
    figures = _values(body["figures"])
    assert body["audience"] == "commune"
    assert body["computed_at"] is not None
    assert {k: v for k, v in figures.items() if v} == {
        "people.managed": 3,
        "people.managed.tier.1": 1,
        "people.managed.tier.2": 1,
        "people.managed.tier.none": 1,
        "people.managed.kind.illegal_use_management": 2,
        "people.managed.kind.methadone_treatment": 1,
        "people.new": 2,
        "cases.new": 2,
        "cases.new.kind.illegal_use_management": 1,
        "cases.new.kind.methadone_treatment": 1,
        "people.past_end": 1,
        "contacts.due": 2,
        "contacts.done": 1,
        "commitments.reviewed": 1,
    }
    hamlets = {h["name"]: _values(h["figures"]) for h in body["hamlets"]}
    assert hamlets["Xóm Tây Phong"] == {
        "people.managed": 2,
        "people.new": 1,
        "cases.new": 1,
    }
    assert hamlets["Xóm Mới"] == {"people.managed": 1, "people.new": 1, "cases.new": 1}
    _no_person_in(answer.get_data(as_text=True), cao_phong)


def test_a_quarter_takes_levels_at_its_end_and_sums_what_happened_in_it(
    client: FlaskClient, cao_phong: Place
) -> None:
    body = _get(
        client,
        f"{BASE}/{cao_phong.commune.slug}/statistics/?period=2026-Q1",
        cao_phong.staffed.token,
    )
    figures = _values(body["figures"])
    # On 31 March: P1, P2, P3 and P6; P4 still past its end.
    assert figures["people.managed"] == 4
    assert figures["people.past_end"] == 1
    # Over the quarter: P1, P5 in January, P2, P3 in February, P6 in March.
    assert (figures["cases.new"], figures["people.new"]) == (5, 5)
    assert (figures["contacts.due"], figures["contacts.done"]) == (3, 2)


def test_the_trend_gives_each_month_its_own_figures(
    client: FlaskClient, cao_phong: Place
) -> None:
    body = _get(
        client,
        f"{BASE}/{cao_phong.commune.slug}/statistics/trend"
        "?start=2026-01-01&end=2026-04-01",
        cao_phong.staffed.token,
    )
    months = {m["month"]: _values(m["figures"]) for m in body["months"]}
    assert list(months) == ["2026-01", "2026-02", "2026-03"]
    assert [months[m]["people.managed"] for m in months] == [2, 3, 4]
    assert [months[m]["cases.new"] for m in months] == [2, 2, 1]
    assert months["2026-01"]["people.managed.tier.1"] == 1
    assert months["2026-01"]["people.managed.tier.none"] == 1


def test_plugins_figures_join_the_commune_figures(
    client: FlaskClient, database: Database, cao_phong: Place
) -> None:
    with f.in_commune(database, cao_phong.commune) as db:
        f.plugin_on(db)
        f.notice(db)
        db.commit()
    body = _get(
        client, f"{BASE}/{cao_phong.commune.slug}/statistics/", cao_phong.staffed.token
    )
    figures = {figure["key"]: figure for figure in body["figures"]}
    assert figures["bulletin.posted"]["value"] == 1
    assert figures["bulletin.posted"]["section"] == "plugin:bulletin"
    assert figures["bulletin.unread"]["stock"] is True


def test_a_period_must_be_a_month_quarter_year_or_a_span_of_days(
    client: FlaskClient, cao_phong: Place
) -> None:
    url = f"{BASE}/{cao_phong.commune.slug}/statistics/"
    for query in (
        "?period=2026-13",
        "?start=2026-02-01",
        "?start=2026-03-01&end=2026-02-01",
    ):
        answer = client.get(url + query, headers=f.bearer(cao_phong.staffed.token))
        assert answer.status_code == 422, query
    days = _get(
        client, url + "?start=2026-02-10&end=2026-02-16", cao_phong.staffed.token
    )
    assert _values(days["figures"])["cases.new"] == 2


# -- hot spots ----------------------------------------------------------------


class Spots:
    """A plugin counting tips about places of use per hamlet, in September."""

    def __init__(self, counts: dict[uuid.UUID, int]) -> None:
        self.counts = counts

    @hookimpl
    def binhyen_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            name="spots", title_vi="Điểm nóng", title_en="Spots", version="1"
        )

    @hookimpl
    def binhyen_metrics(self, start: date, end: date) -> Iterable[Metric]:
        if start != date(2026, 9, 1):
            return ()
        return [
            Metric(
                "spots.places",
                "Tin báo về điểm sử dụng",
                "Tips about places of use",
                value,
                hamlet_id=hamlet,
                concentration=True,
            )
            for hamlet, value in self.counts.items()
        ]


def test_a_hamlet_rising_above_its_baseline_or_holding_most_tips_is_flagged(
    app: Flask, client: FlaskClient, database: Database, cao_phong: Place
) -> None:
    west, new = cao_phong.hamlets["west"], cao_phong.hamlets["new"]
    session = f.in_commune(database, cao_phong.commune)
    try:
        for day in (2, 9, 16):
            _case(session, _person(session, west), date(2026, 9, day))
        for day in (3, 10):
            _case(session, _person(session, new), date(2026, 9, day))
        f.plugin_on(session, "spots")
        session.commit()
    finally:
        session.close()
    host: PluginHost = app.extensions["binhyen.plugins"]
    host.add("spots", Spots({west: 4, new: 1}))

    body = _get(
        client,
        f"{BASE}/{cao_phong.commune.slug}/statistics/hot-spots?month=2026-09",
        cao_phong.staffed.token,
    )
    flags = {
        (flag["hamlet"], flag["figure"], flag["rule"]): flag for flag in body["flags"]
    }
    assert set(flags) == {
        ("Xóm Tây Phong", "cases.new", "rising"),
        ("Xóm Tây Phong", "people.new", "rising"),
        ("Xóm Tây Phong", "spots.places", "rising"),
        ("Xóm Tây Phong", "spots.places", "concentrated"),
    }
    rising = flags[("Xóm Tây Phong", "cases.new", "rising")]
    assert (rising["count"], rising["baseline"], rising["needed"]) == (3, [0] * 6, 3.0)
    assert (
        flags[("Xóm Tây Phong", "spots.places", "concentrated")]["commune_count"] == 5
    )
    assert body["rules"] == hotspots.RULES


def test_the_rising_rule_compares_with_twice_the_hamlets_own_mean() -> None:
    assert hotspots.rising(3, [0, 0, 0, 0, 0, 0]) == 3.0
    assert hotspots.rising(2, [0, 0, 0, 0, 0, 0]) is None
    assert hotspots.rising(5, [3, 2, 4, 3, 3, 3]) is None  # needs 6
    assert hotspots.rising(6, [3, 2, 4, 3, 3, 3]) == 6.0
    assert hotspots.concentrated(3, 6) and not hotspots.concentrated(3, 7)


# -- protection ---------------------------------------------------------------


def test_small_counts_are_withheld_and_the_rest_rounded_to_the_threshold() -> None:
    shown = {n: protection.protect(n, 5) for n in (0, 1, 4, 5, 7, 8, 12, 13, 100)}
    assert shown[0] == Shown()
    assert shown[1] == shown[4] == Shown(withheld=1)
    assert [shown[n].visible for n in (5, 7, 8, 12, 13, 100)] == [5, 5, 10, 10, 15, 100]
    assert protection.render(Shown(withheld=1), 5) == {"suppressed": True, "below": 5}
    assert protection.render(Shown(15, 2), 5) == {
        "suppressed": True,
        "shown": 15,
        "small_parts": 2,
        "below": 5,
    }
    assert protection.display(Shown(15, 2), 5) == "15 (+2 ô < 5)"


def _spread(database: Database, code: str, per_month: dict[int, int]) -> f.Staffed:
    """A commune whose people each got a case in 2026: ``per_month[m]`` of
    them in month ``m``."""
    staffed = f.staffed_commune(database, code)
    with f.in_commune(database, staffed.commune) as session:
        for month, many in per_month.items():
            for day in range(1, many + 1):
                _case(session, _person(session, None), date(2026, month, day))
        session.commit()
    return staffed


def test_the_nightly_job_writes_only_protected_cells(
    app: Flask, database: Database, cao_phong: Place
) -> None:
    _refresh(app, database, cao_phong.commune)
    with database.session() as db:
        rows = db.scalars(select(PublishedFigure)).all()
    assert rows
    assert {r.commune_id for r in rows} == {cao_phong.commune.id}
    # Totals are never stored: readers sum the protected parts.
    assert not {r.figure for r in rows} & {"people.managed", "cases.new"}
    for row in rows:
        assert row.value is None or row.value % 5 == 0, row.figure
        assert row.threshold == 5
    february = {r.figure: r.value for r in rows if r.month == date(2026, 2, 1)}
    assert february["people.managed.tier.1"] is None  # one person: withheld
    assert february["people.managed.tier.3"] == 0


def test_regional_sums_leave_nothing_to_recover_by_subtraction(
    app: Flask, client: FlaskClient, database: Database, cao_phong: Place
) -> None:
    spread = _spread(database, "05098", {1: 3, 2: 6, 3: 8})
    for place in (cao_phong.commune, spread.commune):
        _refresh(app, database, place)
    token = _region_admin(database)

    body = _get(client, "/api/v1/regions/25/statistics?period=2026-Q1", token)
    assert body["threshold"] == 5 and body["computed_at"]
    communes = {c["commune"]["slug"]: _values(c["figures"]) for c in body["communes"]}
    mine, theirs = communes[cao_phong.commune.slug], communes[spread.commune.slug]
    small = {"suppressed": True, "below": 5}

    # The months of a period: new cases were 3, 6 and 8 (17); what is shown
    # is 5 + 10 and one small month, never 17.
    assert theirs["cases.new"] == {**small, "shown": 15, "small_parts": 1}
    assert theirs["people.managed"] == 15  # 17 on 31 March, rounded
    assert theirs["people.managed.tier.none"] == 15
    # Cao Phong's people, by tier, are each fewer than five.
    assert mine["people.managed.tier.1"] == small
    assert mine["people.managed"] == {**small, "shown": 0, "small_parts": 3}

    # Every total is the sum of what is shown of its parts, so the total
    # minus the parts shown leaves only "so many small cells".
    total = _values(body["total"])
    for key, value in total.items():
        parts = [_pair(c[key]) for c in communes.values() if key in c]
        assert _pair(value) == (sum(p[0] for p in parts), sum(p[1] for p in parts))

    # The same through the months: the quarter's sum equals its months'.
    trend = _get(
        client,
        f"{BASE}/{spread.commune.slug}/statistics/trend?period=2026-Q1",
        token,
    )
    months = [_values(m["figures"])["cases.new"] for m in trend["months"]]
    assert months == [small, 5, 10]
    assert trend["audience"] == "region"


def _pair(value: Any) -> tuple[int, int]:
    """A shown figure as (sum of the cells shown, cells withheld)."""
    if isinstance(value, int):
        return value, 0
    return value.get("shown", 0), value.get("small_parts", 1)


def test_a_region_admin_reaches_no_single_person_through_any_statistics_route(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    lonely = f.staffed_commune(database, "05128")
    with f.in_commune(database, lonely.commune) as session:
        person = _person(session, f.hamlet(session, "Bản Lác").id, "Hà Thị Một")
        _case(session, person, date(2026, 2, 3))
        _tier(session, person, 3, date(2026, 2, 4))
        exact = f.commune_export(session, Audience.COMMUNE)
        session.commit()
        hidden = {str(person.id), "Hà Thị Một"}
    _refresh(app, database, lonely.commune)
    token = _region_admin(database)
    slug = lonely.commune.slug

    routes = [
        f"{BASE}/{slug}/statistics/?period=2026-02",
        f"{BASE}/{slug}/statistics/?period=2026",
        f"{BASE}/{slug}/statistics/trend",
        f"{BASE}/{slug}/statistics/trend?period=2026",
        "/api/v1/regions/25/statistics?period=2026-02",
        "/api/v1/regions/25/statistics/trend?period=2026",
        f"{BASE}/{slug}/statistics/exports/",
        "/api/v1/regions/25/statistics/exports/",
    ]
    numbers: list[Any] = []
    for url in routes:
        answer = client.get(url, headers=f.bearer(token))
        assert answer.status_code == 200, url
        text = answer.get_data(as_text=True)
        assert not any(secret in text for secret in hidden), url
        numbers.extend(_counts(answer.get_json()))
    # Every count about the one person is withheld; no 1 anywhere.
    assert numbers and all(
        n == 0 or (isinstance(n, dict) and n.get("suppressed") and not n.get("shown"))
        for n in numbers
    )

    # Exact figures, hamlets and the commune's own reports stay closed.
    assert (
        client.get(
            f"{BASE}/{slug}/statistics/hot-spots", headers=f.bearer(token)
        ).status_code
        == 403
    )
    assert (
        client.get(
            f"{BASE}/{slug}/statistics/?start=2026-02-03&end=2026-02-04",
            headers=f.bearer(token),
        ).status_code
        == 422
    )
    for tail in ("", "/file"):
        refused = client.get(
            f"{BASE}/{slug}/statistics/exports/{exact.id}{tail}",
            headers=f.bearer(token),
        )
        assert refused.status_code == 404
    body = _get(client, f"{BASE}/{slug}/statistics/?period=2026-02", token)
    assert body["hamlets"] == [] and body["audience"] == "region"
    # The commune sees in its own trail that figures were read from outside.
    with f.in_commune(database, lonely.commune) as db:
        reads = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "statistics.read")
        ).all()
    assert len(reads) == 5 and {r.details["audience"] for r in reads} == {"region"}


def _counts(body: Any) -> Iterable[Any]:
    """Every figure value in a statistics answer, however deep."""
    if isinstance(body, dict):
        if "key" in body and "value" in body:
            yield body["value"]
        for value in body.values():
            yield from _counts(value)
    elif isinstance(body, list):
        for item in body:
            yield from _counts(item)


def test_cells_protected_under_another_threshold_are_withheld_until_redone(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    spread = _spread(database, "05098", {3: 8})
    _refresh(app, database, spread.commune)
    token = _region_admin(database)
    url = "/api/v1/regions/25/statistics?period=2026-03"
    assert _values(_get(client, url, token)["total"])["cases.new"] == 10

    app.config["BINHYEN_SETTINGS"].values["small_cell_threshold"] = 10
    stale = _values(_get(client, url, token)["total"])["cases.new"]
    # Each of the five kinds' cells, made under 5, is withheld whole.
    assert stale == {"suppressed": True, "shown": 0, "small_parts": 5, "below": 10}
    _refresh(app, database, spread.commune)
    redone = _values(_get(client, url, token)["total"])["cases.new"]
    # Eight is fewer than ten.
    assert redone == {"suppressed": True, "below": 10}


def test_region_reads_are_audited_and_refused_to_commune_staff(
    client: FlaskClient, database: Database, cao_phong: Place
) -> None:
    refused = client.get(
        "/api/v1/regions/25/statistics", headers=f.bearer(cao_phong.staffed.token)
    )
    assert refused.status_code == 403
    _get(
        client, "/api/v1/regions/25/statistics?period=2026-Q1", _region_admin(database)
    )
    with database.session() as db:
        noted = db.scalars(
            select(PlatformAuditEvent).where(
                PlatformAuditEvent.action == "statistics.region_read"
            )
        ).all()
    assert [e.details for e in noted] == [
        {"region": "25", "period": "2026-Q1", "communes": 1}
    ]


# -- reports --------------------------------------------------------------------


def _built(app: Flask, client: FlaskClient, url: str, token: str, **body: Any) -> Any:
    asked = client.post(url, json=body, headers=f.bearer(token))
    assert asked.status_code == 202, asked.get_json()
    drain(app)
    done = _get(client, f"{url}{asked.get_json()['id']}", token)
    assert (done["status"], done["progress"]) == ("done", 100), done
    answer = client.get(done["download"], headers=f.bearer(token))
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    return done, answer.data


def test_a_commune_report_is_built_by_a_job_and_downloaded_once_done(
    app: Flask, client: FlaskClient, database: Database, cao_phong: Place
) -> None:
    url = f"{BASE}/{cao_phong.commune.slug}/statistics/exports/"
    token = cao_phong.staffed.token
    done, data = _built(app, client, url, token, period="2026-02", format="xlsx")
    assert done["audience"] == "commune" and done["size"] == len(data)

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = {
        row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]
    }
    assert rows["Xã Cao Phong"] is None
    assert rows["Tháng 02/2026"] is None
    assert rows["Người đang trong diện quản lý"] == 3
    assert rows["Hồ sơ mới lập"] == 2

    _done, pdf = _built(app, client, url, token, period="2026-Q1", format="pdf")
    assert pdf.startswith(b"%PDF") and b"DejaVu" in pdf
    with f.in_commune(database, cao_phong.commune) as db:
        downloads = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "statistics.export_download")
        ).all()
    assert len(downloads) == 2
    listed = _get(client, url, token)
    assert [e["format"] for e in listed] == ["pdf", "xlsx"]


def test_a_report_waits_for_its_job_before_it_can_be_fetched(
    client: FlaskClient, database: Database, cao_phong: Place
) -> None:
    with f.in_commune(database, cao_phong.commune) as db:
        waiting = f.commune_export(db)
        waiting.status = ExportStatus.RUNNING
        db.commit()
    answer = client.get(
        f"{BASE}/{cao_phong.commune.slug}/statistics/exports/{waiting.id}/file",
        headers=f.bearer(cao_phong.staffed.token),
    )
    assert answer.status_code == 409


def test_a_region_report_holds_protected_figures_only(
    app: Flask, client: FlaskClient, database: Database, cao_phong: Place
) -> None:
    spread = _spread(database, "05098", {3: 8})
    for place in (cao_phong.commune, spread.commune):
        _refresh(app, database, place)
    token = _region_admin(database)
    url = "/api/v1/regions/25/statistics/exports/"
    done, data = _built(app, client, url, token, period="2026-03", format="xlsx")
    assert done["audience"] == "region"

    from openpyxl import load_workbook

    cells = [
        value
        for row in load_workbook(io.BytesIO(data))
        .worksheets[0]
        .iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert "Xã Cao Phong" in cells and "Tổng cộng" in cells
    assert "< 5" in cells
    assert not [n for n in cells if isinstance(n, int) and 0 < n < 5]
    refused = client.post(
        url,
        json={"period": "2026-03", "format": "pdf"},
        headers=f.bearer(cao_phong.staffed.token),
    )
    assert refused.status_code == 403


def test_binhyen_report_writes_a_communes_and_a_regions_report(
    app: Flask, cao_phong: Place, tmp_path: Any
) -> None:
    runner_ = app.test_cli_runner()
    refreshed = runner_.invoke(args=["report", "refresh", "--months", "12"])
    assert refreshed.exit_code == 0, refreshed.output
    commune_file = tmp_path / "xa.pdf"
    made = runner_.invoke(
        args=[
            "report",
            "commune",
            "--commune",
            cao_phong.commune.slug,
            "--period",
            "2026-02",
            "--format",
            "pdf",
            "-o",
            str(commune_file),
        ]
    )
    assert made.exit_code == 0, made.output
    assert commune_file.read_bytes().startswith(b"%PDF")
    region_file = tmp_path / "vung.xlsx"
    made = runner_.invoke(
        args=[
            "report",
            "region",
            "--region",
            "25",
            "--period",
            "2026",
            "-o",
            str(region_file),
        ]
    )
    assert made.exit_code == 0, made.output
    assert region_file.stat().st_size > 0
    wrong = runner_.invoke(
        args=[
            "report",
            "region",
            "--region",
            "25",
            "--period",
            "2026-13",
            "-o",
            str(region_file),
        ]
    )
    assert wrong.exit_code != 0 and "quarter" in wrong.output


# -- the pages of figures -----------------------------------------------------


def _page_text(answer: Any) -> str:
    """A page's text with the tags taken out and the spaces folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", answer.get_data(as_text=True)).split())


def test_the_communes_figures_page_shows_exact_counts_and_builds_a_report(
    app: Flask, client: FlaskClient, cao_phong: Place
) -> None:
    staffed = cao_phong.staffed
    assert sign_in(client, staffed.chief.username, f.PASSWORD).status_code == 302
    url = f"/c/{cao_phong.commune.slug}/figures"
    page = client.get(f"{url}?period=2026-02")
    assert page.status_code == 200
    text = _page_text(page)
    # Three people under management in February: an exact count, not "< 5".
    assert "Người đang trong diện quản lý 3" in text
    csrf = csrf_from(page.get_data(as_text=True))

    refused = client.post(
        f"{url}/exports",
        data={"csrf_token": csrf, "period": "2026-13", "format": "xlsx"},
    )
    assert refused.status_code == 422
    assert 'id="e-period"' in refused.get_data(as_text=True)

    asked = client.post(
        f"{url}/exports",
        data={"csrf_token": csrf, "period": "2026-02", "format": "xlsx"},
    )
    assert asked.status_code == 302 and asked.headers["Location"].endswith("#reports")
    drain(app)
    listed = client.get(url).get_data(as_text=True)
    links = re.findall(r'href="([^"]+/statistics/exports/[^"]+/file)"', listed)
    assert len(links) == 1
    download = client.get(links[0])
    assert download.status_code == 200 and download.data.startswith(b"PK")


def test_the_regions_figures_page_withholds_small_counts_and_is_not_the_communes(
    app: Flask, client: FlaskClient, database: Database, cao_phong: Place
) -> None:
    _refresh(app, database, cao_phong.commune)
    admin, _token = f.region_admin(database)

    chief = cao_phong.staffed.chief
    assert sign_in(client, chief.username, f.PASSWORD).status_code == 302
    assert client.get("/regions/25/figures").status_code in (403, 404)

    browser = app.test_client()
    assert sign_in(browser, admin.username, f.PASSWORD).status_code == 302
    page = browser.get("/regions/25/figures?period=2026-02")
    assert page.status_code == 200
    text = _page_text(page)
    assert cao_phong.commune.name in text
    # Cao Phong's three people are fewer than five: withheld, never shown.
    assert "Người đang trong diện quản lý &lt; 5" in text
    assert "Người đang trong diện quản lý 3" not in text
    _no_person_in(page.get_data(as_text=True), cao_phong)
    with database.session() as db:
        reads = db.scalars(
            select(PlatformAuditEvent).where(
                PlatformAuditEvent.action == "statistics.region_read"
            )
        ).all()
    assert [event.actor_id for event in reads] == [admin.id] * len(reads)
    assert reads

"""What the triage desk reads of tips: the list carries no free text, and a
tip's text is read one tip at a time, each read audited."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import Database
from tests import factories as f
from tests.conftest import sign_in

DESCRIPTION = "Nhóm thanh niên tụ tập sau nhà văn hóa xóm lúc 22 giờ"
PLACE = "Bãi đất trống sau chợ Đồng Xuân"
OUTCOME_NOTE = "Đã mời hai thanh niên lên làm việc"
SUMMARY = {
    "id",
    "category",
    "status",
    "hamlet_id",
    "valuable",
    "assignee_id",
    "created_at",
    "first_response_at",
    "version",
}


def test_the_list_of_tips_carries_no_text_and_one_tip_read_is_audited(
    client: FlaskClient, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    with f.in_commune(database, staffed.commune) as db:
        f.plugin_on(db, "tips")
        tip = f.tip(db, description=DESCRIPTION, place=PLACE)
        tip.outcome_note = OUTCOME_NOTE
        db.commit()
        tip_id = str(tip.id)
    api = f"/api/v1/c/{staffed.commune.slug}/tips"
    chief = f.bearer(staffed.token)

    listed = client.get(f"{api}/tips", headers=chief)
    assert listed.status_code == 200, listed.get_json()
    [row] = listed.get_json()
    assert set(row) == SUMMARY
    assert row["id"] == tip_id and row["category"] == "place"
    for text in (DESCRIPTION, PLACE, OUTCOME_NOTE):
        assert text not in listed.get_data(as_text=True)

    one = client.get(f"{api}/tips/{tip_id}", headers=chief)
    assert one.status_code == 200, one.get_json()
    shown = one.get_json()
    assert (shown["description"], shown["place"], shown["outcome_note"]) == (
        DESCRIPTION,
        PLACE,
        OUTCOME_NOTE,
    )
    with f.in_commune(database, staffed.commune) as db:
        reads = db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "tips.read",
                AuditEvent.object_id == tip_id,
            )
        ).all()
    [read] = reads
    assert read.actor_id == staffed.chief.id
    assert {"description", "place", "outcome_note"} <= set(read.fields)
    for event in reads:
        for text in (DESCRIPTION, PLACE, OUTCOME_NOTE):
            assert text not in str(event.details)


def test_the_desk_page_lists_tips_without_their_text(
    client: FlaskClient, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05098")
    with f.in_commune(database, staffed.commune) as db:
        f.plugin_on(db, "tips")
        tip = f.tip(db, description=DESCRIPTION, place=PLACE)
        db.commit()
        tip_id = str(tip.id)
    assert sign_in(client, staffed.chief.username, f.PASSWORD).status_code == 302
    page = client.get(f"/c/{staffed.commune.slug}/tips/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert tip_id in html
    assert DESCRIPTION not in html and PLACE not in html

"""A tip's items on the work list: the tap leads to the tip's page."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import Database
from core.worklist.models import WorkItem
from plugins.tips import service
from tests import factories as f
from tests.conftest import sign_in
from tests.support.jobs import run_due_jobs


def test_the_desks_item_about_a_new_tip_leads_to_the_tip(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    slug = staffed.commune.slug
    with f.in_commune(database, staffed.commune) as db:
        f.plugin_on(db, "tips")
        tip_id = f.tip(db).id
        db.commit()
    run_due_jobs(app)
    with f.in_commune(database, staffed.commune) as db:
        (item,) = db.scalars(
            select(WorkItem).where(WorkItem.origin == service.NAME)
        ).all()
    assert sign_in(client, staffed.chief.username, f.PASSWORD).status_code == 302
    tap = f"/c/{slug}/tips/work/{item.id}"
    assert f'href="{tap}"' in client.get(f"/c/{slug}/work/").text
    led = client.get(tap)
    assert led.status_code == 302
    assert led.headers["Location"] == f"/c/{slug}/tips/{tip_id}"
    assert client.get(led.headers["Location"]).status_code == 200
    # An id that is no tip's item is not found.
    other = f"/c/{slug}/tips/work/{tip_id}"
    assert client.get(other).status_code == 404

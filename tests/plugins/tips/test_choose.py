"""The residents' way in: the sign-in page links the page where anyone picks
their province and commune and is sent to that commune's tip form."""

from __future__ import annotations

from flask.testing import FlaskClient

from core.db import Database
from tests import factories as f


def test_a_resident_finds_their_communes_tip_form_from_the_sign_in_page(
    client: FlaskClient, database: Database
) -> None:
    running = f.staffed_commune(database, "05089")  # Phú Thọ (25)
    with f.in_commune(database, running.commune) as db:
        f.plugin_on(db, "tips")
        db.commit()
    quiet = f.staffed_commune(database, "05098")  # on the platform, tips off

    sign_in_page = client.get("/login")
    assert "Dành cho người dân" in sign_in_page.text
    assert '<a href="/tips/">Gửi tin báo cho công an xã</a>' in sign_in_page.text

    provinces = client.get("/tips/")
    assert provinces.status_code == 200
    assert '<option value="25" >Phú Thọ</option>' in provinces.text
    assert 'name="commune"' not in provinces.text  # no province chosen yet
    communes = client.get("/tips/?province=25")
    assert f'<option value="{running.commune.slug}">' in communes.text
    assert f'<option value="{quiet.commune.slug}">' in communes.text

    sent_on = client.get(f"/tips/?commune={running.commune.slug}")
    assert sent_on.status_code == 302
    assert sent_on.headers["Location"] == f"/c/{running.commune.slug}/tips/new"
    assert client.get(sent_on.headers["Location"]).status_code == 200
    # A commune without the plugin answers its form with 404, saying so.
    off = client.get(f"/c/{quiet.commune.slug}/tips/new")
    assert off.status_code == 404 and "chưa bật phân hệ" in off.text
    # An address no commune has is refused with a way back to the list.
    unknown = client.get("/tips/?commune=khong-co-xa-nay")
    assert unknown.status_code == 404 and "Không có xã nào" in unknown.text

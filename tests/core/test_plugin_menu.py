"""A plugin's menu entry shows in the communes that run it, to those allowed."""

from __future__ import annotations

from flask.testing import FlaskClient

from core.db import Database
from tenants.isolation import bind_tenant
from tests import factories as f
from tests.conftest import sign_in


def test_the_bulletin_menu_shows_only_where_the_plugin_is_on(
    client: FlaskClient, database: Database
) -> None:
    on = f.staffed_commune(database, "05089")
    off = f.staffed_commune(database, "05098")
    with database.session() as db:
        bind_tenant(db, on.commune.id)
        f.plugin_on(db)
        db.commit()
    with database.session() as db:
        # The same person serves both communes, so only the plugin differs.
        f.grant(
            db,
            db.get(type(on.chief), on.chief.id),
            "commune_chief",
            commune=off.commune,
        )
        db.commit()
    assert sign_in(client, on.chief.username, f.PASSWORD).status_code == 302

    served = client.get(f"/c/{on.commune.slug}/").get_data(as_text=True)
    assert f'href="/c/{on.commune.slug}/bulletin/"' in served
    assert "Bảng tin" in served
    elsewhere = client.get(f"/c/{off.commune.slug}/")
    assert elsewhere.status_code == 200 and "Tổng quan" in elsewhere.text
    assert "/bulletin/" not in elsewhere.text


def test_the_menu_offers_each_role_the_core_pages_it_can_use(
    client: FlaskClient, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    slug = staffed.commune.slug
    officer, _secret = f.member(database, staffed, "officer")
    chief = client.application.test_client()
    assert sign_in(chief, staffed.chief.username, f.PASSWORD).status_code == 302
    assert sign_in(client, officer.username, f.PASSWORD).status_code == 302
    for browser, transfers in ((chief, True), (client, False)):
        home = browser.get(f"/c/{slug}/")
        assert home.status_code == 200
        # Everyone with teams:read reaches the teams page from the menu...
        assert f'href="/c/{slug}/admin/teams"' in home.text
        # ...and only the chief, who decides on offered files, the transfers.
        assert (f'href="/c/{slug}/people/transfers"' in home.text) is transfers

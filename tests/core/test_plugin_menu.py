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
    elsewhere = client.get(f"/c/{off.commune.slug}/").get_data(as_text=True)
    assert "/bulletin/" not in elsewhere

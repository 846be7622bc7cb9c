"""Field encryption: nothing sensitive in a dump, before or after a key
rotation, and nothing readable once a commune's key is destroyed.

The bulletin's notice text is the encrypted field these tests write: free
text written by staff, which may name people.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import make_url

from core.app import create_app
from core.config import load_settings
from core.crypto.fields import EncryptedText, Sealed, UnreadableError, blind_index
from core.crypto.keyring import (
    Keyring,
    fingerprint,
    new_master_key,
    parse_master_key,
)
from core.crypto.models import CommuneKey
from core.db import Database
from plugins.bulletin.models import Notice
from tenants.isolation import bind_tenant
from tests import factories as f
from tests.conftest import PG_OWNER_URL

SECRET_TEXT = "Nguyễn Thị Bí Mật, 0912 345 678, thôn Đồi Hồng"
PERSON_SECRETS = {
    "national_id": "017203445566",
    "phone": "0987 001 002",
    "address": "Nhà số 12, xóm Bưng, cạnh cầu treo",
    "family_contacts": "Vợ: Bùi Thị Dịu, 0966 333 444",
}
CONTACT_NOTE = "Đã vay tiền mua xe, cần theo dõi thêm"


def _enable_bulletin(database: Database, staffed: f.Staffed) -> None:
    with database.session() as db:
        bind_tenant(db, staffed.commune.id)
        f.plugin_on(db)
        db.commit()


def _post(client: Any, staffed: f.Staffed, body: str) -> Any:
    answer = client.post(
        f"/api/v1/c/{staffed.commune.slug}/bulletin/notices",
        json={"title": "Lịch làm việc", "body": body},
        headers=f.bearer(staffed.token),
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def dump(app: Flask, backend: str, tmp_path: Path) -> bytes:
    """Every byte the database holds, as an attacker with a copy would see it."""
    settings = app.config["BINHYEN_SETTINGS"]
    if backend == "sqlite":
        database_file = make_url(settings.database_url).database
        app.extensions["binhyen.db"].dispose()
        parts = [Path(database_file).read_bytes()]
        for suffix in ("-wal", "-shm"):
            side = Path(database_file + suffix)
            if side.exists():
                parts.append(side.read_bytes())
        return b"".join(parts)
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed for this test (postgresql-client)"
    url = make_url(PG_OWNER_URL)
    out = tmp_path / "dump.sql"
    subprocess.run(
        [
            pg_dump,
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            "postgres",
            "-d",
            url.database or "",
            "-f",
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out.read_bytes()


def test_an_encrypted_field_reads_back_as_written_and_is_stored_sealed(
    app: Flask, client: Any, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    _enable_bulletin(database, staffed)
    notice = _post(client, staffed, SECRET_TEXT)

    read = client.get(
        f"/api/v1/c/{staffed.commune.slug}/bulletin/notices/{notice['id']}",
        headers=f.bearer(staffed.token),
    )
    assert read.get_json()["body"] == SECRET_TEXT
    with database.engine.connect() as connection:
        from sqlalchemy import text

        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT set_config('app.tenant_id', :t, false)"),
                {"t": str(staffed.commune.id)},
            )
        stored = connection.execute(text("SELECT body FROM bulletin_notices")).scalar()
    assert stored.startswith("enc1:")
    assert SECRET_TEXT not in stored


def test_a_dump_holds_no_plaintext_before_or_after_a_key_rotation(
    app: Flask, client: Any, database: Database, backend: str, tmp_path: Path
) -> None:
    staffed = f.staffed_commune(database, "05089")
    _enable_bulletin(database, staffed)
    notice = _post(client, staffed, SECRET_TEXT)
    with f.in_commune(database, staffed.commune) as db:
        person = f.person(db, "Lê Văn Kín", **PERSON_SECRETS)
        f.contact(db, person, note=CONTACT_NOTE)
        db.commit()
    secrets = [SECRET_TEXT, CONTACT_NOTE, *PERSON_SECRETS.values()]
    raw = dump(app, backend, tmp_path)
    assert [s for s in secrets if s.encode() in raw] == []

    # Rotate: a new master key, the old one still accepted while re-wrapping.
    settings = app.config["BINHYEN_SETTINGS"]
    old_master = settings.master_key
    new_master = new_master_key()
    rotated_settings = load_settings(
        {},
        database_url=settings.database_url,
        migration_database_url=settings.migration_database_url,
        redis_url=settings.redis_url,
        instance_path=settings.instance_path,
        secret_key=settings.secret_key,
        cookie_secure=False,
        master_key=new_master,
        old_master_keys=old_master,
    )
    rotated = create_app(rotated_settings)
    result = rotated.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "keys re-wrapped" in result.output
    with rotated.extensions["binhyen.db"].session() as db:
        masters = {k.master_id for k in db.scalars(select(CommuneKey))}
    assert masters == {fingerprint(parse_master_key(new_master))}

    # Only the new master key from now on: the notice still reads back.
    settings_after = load_settings(
        {},
        database_url=settings.database_url,
        migration_database_url=settings.migration_database_url,
        redis_url=settings.redis_url,
        instance_path=settings.instance_path,
        secret_key=settings.secret_key,
        cookie_secure=False,
        master_key=new_master,
    )
    after = create_app(settings_after)
    read = after.test_client().get(
        f"/api/v1/c/{staffed.commune.slug}/bulletin/notices/{notice['id']}",
        headers=f.bearer(staffed.token),
    )
    assert read.get_json()["body"] == SECRET_TEXT
    file = after.test_client().get(
        f"/api/v1/c/{staffed.commune.slug}/persons/{person.id}",
        headers=f.bearer(staffed.token),
    )
    assert file.get_json()["national_id"] == PERSON_SECRETS["national_id"]
    raw = dump(after, backend, tmp_path)
    assert [s for s in secrets if s.encode() in raw] == []
    for extra in (rotated, after):
        extra.extensions["binhyen.db"].dispose()


def test_after_crypto_shredding_nothing_encrypted_can_be_read_back(
    app: Flask, client: Any, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    neighbour = f.staffed_commune(database, "05098")
    _enable_bulletin(database, staffed)
    _enable_bulletin(database, neighbour)
    notice = _post(client, staffed, SECRET_TEXT)
    kept = _post(client, neighbour, "Thông báo của xã bên")

    refused = app.test_cli_runner().invoke(
        args=["keys", "destroy", "--commune", staffed.commune.slug], input="n\n"
    )
    assert refused.exit_code != 0
    assert (
        client.get(
            f"/api/v1/c/{staffed.commune.slug}/bulletin/notices/{notice['id']}",
            headers=f.bearer(staffed.token),
        ).status_code
        == 200
    )

    result = app.test_cli_runner().invoke(
        args=["keys", "destroy", "--commune", staffed.commune.slug], input="y\n"
    )
    assert result.exit_code == 0, result.output
    gone = client.get(
        f"/api/v1/c/{staffed.commune.slug}/bulletin/notices/{notice['id']}",
        headers=f.bearer(staffed.token),
    )
    assert gone.status_code == 410
    assert gone.get_json()["type"].endswith("/data-erased")
    assert SECRET_TEXT not in gone.get_data(as_text=True)

    # A fresh process with the same master key cannot read it either.
    app.extensions["binhyen.keyring"].forget()
    session = f.in_commune(database, staffed.commune)
    try:
        with pytest.raises(UnreadableError):
            session.scalars(select(Notice)).all()
    finally:
        session.close()
    # The neighbour's data is untouched.
    other = client.get(
        f"/api/v1/c/{neighbour.commune.slug}/bulletin/notices/{kept['id']}",
        headers=f.bearer(neighbour.token),
    )
    assert other.get_json()["body"] == "Thông báo của xã bên"


def test_shredding_from_the_command_line_reaches_a_running_web_process(
    app: Flask, client: Any, database: Database
) -> None:
    staffed = f.staffed_commune(database, "05089")
    _enable_bulletin(database, staffed)
    notice = _post(client, staffed, SECRET_TEXT)
    url = f"/api/v1/c/{staffed.commune.slug}/bulletin/notices/{notice['id']}"
    assert client.get(url, headers=f.bearer(staffed.token)).status_code == 200

    # Another process (the operator's shell) destroys the key; this one
    # still holds it unwrapped, until it checks again.
    settings = app.config["BINHYEN_SETTINGS"]
    operator = Keyring(parse_master_key(settings.master_key))
    with database.session() as db:
        operator.destroy(db, staffed.commune.id)
        db.commit()
    app.extensions["binhyen.keyring"].recheck_seconds = 0

    gone = client.get(url, headers=f.bearer(staffed.token))
    assert gone.status_code == 410
    written = client.post(
        f"/api/v1/c/{staffed.commune.slug}/bulletin/notices",
        json={"title": "Mới", "body": "Không được ghi"},
        headers=f.bearer(staffed.token),
    )
    assert written.status_code == 410
    assert "Không được ghi" not in written.get_data(as_text=True)


def test_a_plain_value_never_reaches_an_encrypted_column_unsealed(
    app: Flask, database: Database
) -> None:
    from sqlalchemy import update

    staffed = f.staffed_commune(database, "05089")
    session = f.in_commune(database, staffed.commune)
    try:
        notice = f.notice(session)
        session.commit()
        with pytest.raises(Exception, match="unit of work"):
            session.execute(
                update(Notice).where(Notice.id == notice.id).values(body=SECRET_TEXT)
            )
        session.rollback()
    finally:
        session.close()


def test_each_commune_has_its_own_key_and_its_own_blind_index(
    app: Flask, database: Database
) -> None:
    a = f.staffed_commune(database, "05089").commune
    b = f.staffed_commune(database, "05098").commune
    indexes, ciphertexts = [], []
    for place in (a, b):
        session = f.in_commune(database, place)
        try:
            note = f.notice(session)
            note.body = SECRET_TEXT
            session.commit()
            assert isinstance(note.body, Sealed)
            ciphertexts.append(note.body.ciphertext)
            indexes.append(blind_index(session, "012345678901"))
            assert blind_index(session, "012345678901") == indexes[-1]
        finally:
            session.close()
    assert indexes[0] != indexes[1]
    assert ciphertexts[0] != ciphertexts[1]
    assert isinstance(Notice.__table__.c.body.type, EncryptedText)


def test_a_master_key_must_be_32_bytes_of_base64() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        parse_master_key(base64.b64encode(os.urandom(16)).decode())
    with pytest.raises(ValueError, match="base64"):
        parse_master_key("not base64 at all!")

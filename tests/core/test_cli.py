"""The `binhyen` command: onboarding, accounts, tokens, settings and the demo."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from core.access.models import Membership, MembershipHamlet
from core.config import SETTINGS
from core.db import Database
from core.demo import COMMUNES, DEMO_PASSWORD, ROLE_ACCOUNTS
from core.hamlets.models import Hamlet
from core.identity.models import User
from core.identity.passwords import verify_password
from tenants.models import Commune, CommuneStatus, Region
from tests import factories as f
from tests.conftest import sign_in
from tests.support.jobs import run_due_jobs


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def run(runner: FlaskCliRunner, *args: str, **kwargs: Any) -> Result:
    """Run a command that must succeed."""
    result = runner.invoke(args=list(args), **kwargs)
    assert result.exit_code == 0, result.output
    return result


def refused(runner: FlaskCliRunner, *args: str, **kwargs: Any) -> str:
    """Run a command that must fail cleanly; returns its one-line message."""
    result = runner.invoke(args=list(args), **kwargs)
    assert result.exit_code != 0, result.output
    # A clean failure exits; any other exception would be a traceback.
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def misused(runner: FlaskCliRunner, *args: str) -> str:
    """Run a command with a bad option; returns Click's error line."""
    result = runner.invoke(args=list(args))
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.output.strip().splitlines()[-1]


def json_of(runner: FlaskCliRunner, *args: str) -> Any:
    return json.loads(run(runner, *args, "--json").stdout)


def onboarded(runner: FlaskCliRunner, *codes: str) -> None:
    """Province 25 and the given communes of it, as the operator."""
    run(runner, "regions", "create", "--code", "25")
    for code in codes:
        run(runner, "communes", "create", "--region", "25", "--code", code)


def account(runner: FlaskCliRunner, username: str) -> None:
    run(
        runner,
        "users",
        "create",
        "--username",
        username,
        "--full-name",
        f"Cán bộ {username}",
        "--password-stdin",
        input=f"{f.PASSWORD}\n",
    )


def memberships_of(database: Database, username: str) -> list[Membership]:
    with database.session() as db:
        user = db.scalars(select(User).where(User.username == username)).one()
        return list(db.scalars(select(Membership).where(Membership.user_id == user.id)))


def region_id_of(database: Database, code: str) -> Any:
    with database.session() as db:
        return db.scalars(select(Region.id).where(Region.code == code)).one()


# -- regions and communes --------------------------------------------------


def test_regions_are_created_and_listed_as_json(runner: FlaskCliRunner) -> None:
    created = run(runner, "regions", "create", "--code", "25")
    assert "Phú Thọ" in created.output
    run(
        runner,
        "regions",
        "create",
        "--kind",
        "group",
        "--code",
        "cum-nam",
        "--name",
        "Cụm phía Nam",
        "--parent",
        "25",
    )

    listed = json_of(runner, "regions", "list")
    assert listed == [
        {"code": "25", "kind": "province", "name": "Phú Thọ", "parent": None},
        {"code": "cum-nam", "kind": "group", "name": "Cụm phía Nam", "parent": "25"},
    ]
    plain = run(runner, "regions", "list").output.splitlines()
    assert plain == ["25  province  Phú Thọ  -", "cum-nam  group  Cụm phía Nam  25"]


def test_communes_are_created_and_listed_by_region(runner: FlaskCliRunner) -> None:
    onboarded(runner)
    run(
        runner,
        "regions",
        "create",
        "--kind",
        "group",
        "--code",
        "cum-nam",
        "--name",
        "Cụm phía Nam",
        "--parent",
        "25",
    )
    created = run(runner, "communes", "create", "--region", "25", "--code", "05089")
    assert "/c/cao-phong/" in created.output
    run(runner, "communes", "create", "--region", "cum-nam", "--code", "05098")

    everything = json_of(runner, "communes", "list")
    assert [(c["code"], c["slug"], c["region"], c["status"]) for c in everything] == [
        ("05089", "cao-phong", "25", "active"),
        ("05098", "thung-nai", "cum-nam", "active"),
    ]
    in_group = json_of(runner, "communes", "list", "--region", "cum-nam")
    assert [c["slug"] for c in in_group] == ["thung-nai"]
    in_province = json_of(runner, "communes", "list", "--region", "25")
    assert [c["slug"] for c in in_province] == ["cao-phong", "thung-nai"]


def test_communes_are_suspended_archived_and_activated(
    runner: FlaskCliRunner, client: FlaskClient, database: Database
) -> None:
    cao_phong = f.staffed_commune(database, "05089")
    hamlets = "/api/v1/c/cao-phong/hamlets/"
    auth = f.bearer(cao_phong.token)

    def status() -> str:
        return str(json_of(runner, "communes", "list")[0]["status"])

    assert "suspended" in run(runner, "communes", "suspend", "cao-phong").output
    assert status() == "suspended"
    assert client.get(hamlets, headers=auth).status_code == 403

    run(runner, "communes", "archive", "cao-phong")
    assert status() == "archived"
    assert client.get(hamlets, headers=auth).status_code == 410

    run(runner, "communes", "activate", "cao-phong")
    assert status() == "active"
    assert client.get(hamlets, headers=auth).status_code == 200


def test_onboarding_errors_are_one_line_and_exit_non_zero(
    runner: FlaskCliRunner, database: Database
) -> None:
    onboarded(runner, "05089")

    unknown = refused(runner, "communes", "create", "--region", "25", "--code", "99999")
    assert "99999" in unknown
    duplicate = refused(
        runner, "communes", "create", "--region", "25", "--code", "05089"
    )
    assert "already" in duplicate
    malformed = refused(
        runner, "communes", "create", "--region", "25", "--code", "5089"
    )
    assert "code" in malformed
    elsewhere = refused(
        runner, "communes", "create", "--region", "25", "--code", "00070"
    )
    assert "region" in elsewhere
    assert "already" in refused(runner, "regions", "create", "--code", "25")
    assert "99" in refused(runner, "regions", "create", "--code", "99")
    assert "no-such" in refused(runner, "communes", "suspend", "no-such")
    assert "x1" in refused(
        runner, "communes", "create", "--region", "x1", "--code", "05098"
    )

    with database.session() as db:
        assert list(db.scalars(select(Commune.code))) == ["05089"]
        assert list(db.scalars(select(Region.code))) == ["25"]


# -- accounts and tokens ---------------------------------------------------


def test_an_empty_password_on_stdin_is_refused_rather_than_dropped(
    runner: FlaskCliRunner, database: Database
) -> None:
    args = ("users", "create", "--username", "chief", "--full-name", "Trưởng")
    assert "--no-password" in refused(runner, *args, "--password-stdin", input="\n")
    assert "10" in refused(runner, *args, "--password-stdin", input="short\n")
    with database.session() as db:
        assert db.scalars(select(User.id)).first() is None


def test_an_account_created_with_password_stdin_keeps_that_password(
    runner: FlaskCliRunner, database: Database
) -> None:
    account(runner, "chief")
    with database.session() as db:
        user = db.scalars(select(User).where(User.username == "chief")).one()
    assert user.full_name == "Cán bộ chief"
    assert verify_password(user.password_hash, f.PASSWORD)
    assert not verify_password(user.password_hash, f.PASSWORD + "\n")
    assert "taken" in refused(
        runner,
        "users",
        "create",
        "--username",
        "chief",
        "--full-name",
        "Khác",
        "--password-stdin",
        input="x\n",
    )


def test_roles_are_granted_in_a_commune_a_region_and_hamlets(
    runner: FlaskCliRunner, database: Database
) -> None:
    onboarded(runner, "05089")
    with database.session() as db:
        place = db.scalars(select(Commune)).one()
    with f.in_commune(database, place) as db:
        hamlet_id = str(f.hamlet(db, "Xóm Tây Phong").id)
        db.commit()
    for name in ("chief", "admin", "member"):
        account(runner, name)

    run(
        runner,
        "users",
        "grant",
        "chief",
        "--role",
        "commune_chief",
        "--commune",
        "cao-phong",
    )
    run(runner, "users", "grant", "admin", "--role", "region_admin", "--region", "25")
    run(
        runner,
        "users",
        "grant",
        "member",
        "--role",
        "hamlet_member",
        "--commune",
        "cao-phong",
        "--hamlet",
        hamlet_id,
    )

    [chief] = memberships_of(database, "chief")
    assert (chief.role, chief.commune_id) == ("commune_chief", place.id)
    [admin] = memberships_of(database, "admin")
    assert (admin.role, admin.region_id, admin.commune_id) == (
        "region_admin",
        region_id_of(database, "25"),
        None,
    )
    [member] = memberships_of(database, "member")
    with f.in_commune(database, place) as db:
        scoped = list(
            db.scalars(
                select(MembershipHamlet.hamlet_id).where(
                    MembershipHamlet.membership_id == member.id
                )
            )
        )
    assert [str(h) for h in scoped] == [hamlet_id]


def test_grant_errors_are_one_line_and_exit_non_zero(
    runner: FlaskCliRunner, database: Database
) -> None:
    onboarded(runner, "05089")
    account(runner, "member")

    assert "hamlet" in refused(
        runner,
        "users",
        "grant",
        "member",
        "--role",
        "hamlet_member",
        "--commune",
        "cao-phong",
    )
    bad_id = misused(
        runner,
        "users",
        "grant",
        "member",
        "--role",
        "hamlet_member",
        "--commune",
        "cao-phong",
        "--hamlet",
        "not-a-uuid",
    )
    assert bad_id.startswith("Error:")
    assert "--hamlet" in bad_id
    assert "--commune or --region" in misused(
        runner, "users", "grant", "member", "--role", "viewer"
    )
    assert "region_admin" in refused(
        runner,
        "users",
        "grant",
        "member",
        "--role",
        "region_admin",
        "--commune",
        "cao-phong",
    )
    assert "nobody" in refused(
        runner, "users", "grant", "nobody", "--role", "viewer", "--commune", "cao-phong"
    )
    assert memberships_of(database, "member") == []


def test_a_token_is_printed_once_and_works_on_the_api(
    runner: FlaskCliRunner, client: FlaskClient, database: Database
) -> None:
    onboarded(runner, "05089")
    with database.session() as db:
        place = db.scalars(select(Commune)).one()
    with f.in_commune(database, place) as db:
        f.hamlet(db, "Xóm Tây Phong")
        db.commit()
    account(runner, "chief")
    run(
        runner,
        "users",
        "grant",
        "chief",
        "--role",
        "commune_chief",
        "--commune",
        "cao-phong",
    )

    made = run(
        runner,
        "tokens",
        "create",
        "--user",
        "chief",
        "--commune",
        "cao-phong",
        "--permission",
        "hamlets:read",
    )
    secret = made.stdout.strip()
    assert len(secret.splitlines()) == 1
    assert secret.startswith("by_")
    assert "not shown again" in made.stderr
    assert secret not in made.stderr

    listed = client.get("/api/v1/c/cao-phong/hamlets/", headers=f.bearer(secret))
    assert listed.status_code == 200
    assert [h["name"] for h in listed.get_json()] == ["Xóm Tây Phong"]
    # The token carries only what was asked for.
    writing = client.post(
        "/api/v1/c/cao-phong/hamlets/",
        json={"name": "Xóm Mới", "kind": "xom"},
        headers=f.bearer(secret),
    )
    assert writing.status_code == 403

    beyond = refused(
        runner,
        "tokens",
        "create",
        "--user",
        "chief",
        "--commune",
        "cao-phong",
        "--permission",
        "communes:write",
    )
    assert "communes:write" in beyond


def test_a_region_token_from_the_cli_onboards_through_the_api(
    runner: FlaskCliRunner, client: FlaskClient
) -> None:
    onboarded(runner)
    account(runner, "admin")
    run(runner, "users", "grant", "admin", "--role", "region_admin", "--region", "25")
    made = run(
        runner,
        "tokens",
        "create",
        "--user",
        "admin",
        "--region",
        "25",
        "--permission",
        "communes:write",
        "--permission",
        "communes:read",
        "--days",
        "7",
    )
    auth = f.bearer(made.stdout.strip())

    created = client.post(
        "/api/v1/communes", json={"region": "25", "code": "05089"}, headers=auth
    )
    assert created.status_code == 201, created.get_json()
    listed = client.get("/api/v1/communes", headers=auth).get_json()
    assert [c["slug"] for c in listed] == ["cao-phong"]


# -- acting as an account --------------------------------------------------


def test_as_checks_the_named_accounts_permissions(
    runner: FlaskCliRunner, database: Database
) -> None:
    onboarded(runner, "05089")
    run(runner, "regions", "create", "--code", "01")
    for name in ("chief", "admin"):
        account(runner, name)
    run(
        runner,
        "users",
        "grant",
        "chief",
        "--role",
        "commune_chief",
        "--commune",
        "cao-phong",
    )
    run(runner, "users", "grant", "admin", "--role", "region_admin", "--region", "25")

    create = ("communes", "create", "--region", "25", "--code", "05098")
    assert "communes:write" in refused(runner, *create, "--as", "chief")
    assert "communes:write" in refused(
        runner, "communes", "suspend", "cao-phong", "--as", "chief"
    )
    assert "operator" in refused(
        runner, "regions", "create", "--code", "02", "--as", "admin"
    )
    assert "01" in refused(
        runner,
        "communes",
        "create",
        "--region",
        "01",
        "--code",
        "00070",
        "--as",
        "admin",
    )

    run(runner, *create, "--as", "admin")
    run(runner, "communes", "suspend", "thung-nai", "--as", "admin")

    # A chief staffs their commune but does not appoint another chief.
    account(runner, "officer")
    grant = ("users", "grant", "officer", "--commune", "cao-phong", "--as", "chief")
    assert "region" in refused(runner, *grant, "--role", "commune_chief")
    run(runner, *grant, "--role", "officer")
    assert [m.role for m in memberships_of(database, "officer")] == ["officer"]
    with database.session() as db:
        stored = {c.slug: c.status for c in db.scalars(select(Commune))}
    assert stored == {
        "cao-phong": CommuneStatus.ACTIVE,
        "thung-nai": CommuneStatus.SUSPENDED,
    }
    assert "nobody" in refused(runner, *create, "--as", "nobody")


# -- settings and the demo -------------------------------------------------


def test_settings_json_lists_every_setting(runner: FlaskCliRunner) -> None:
    listed = json_of(runner, "settings")
    assert [s["variable"] for s in listed] == [s.env_var for s in SETTINGS]
    assert all(s["description"] for s in listed)
    assert all(s["variable"].startswith("BINHYEN_") for s in listed)


def test_demo_seed_refuses_a_configured_database_without_force(
    runner: FlaskCliRunner, database: Database
) -> None:
    message = refused(runner, "demo", "seed")
    assert "--force" in message
    with database.session() as db:
        assert db.scalars(select(User.id)).first() is None
        assert db.scalars(select(Region.id)).first() is None


def test_demo_seed_leaves_a_database_that_already_has_regions_alone(
    runner: FlaskCliRunner, database: Database
) -> None:
    onboarded(runner, "05089")
    again = run(runner, "demo", "seed", "--force")
    assert "skipped" in again.output
    with database.session() as db:
        assert list(db.scalars(select(Commune.code))) == ["05089"]
        assert db.scalars(select(User.id)).first() is None


def test_every_demo_account_signs_in_and_finds_work_waiting(
    runner: FlaskCliRunner, client: FlaskClient
) -> None:
    seeded = run(runner, "demo", "seed", "--force")
    assert (
        "plugins on in Xã Cao Phong: bulletin, compulsory_rehab, counselling, "
        "drug_testing, methadone"
    ) in seeded.output
    run_due_jobs(client.application)
    for slug in COMMUNES:
        for prefix in ROLE_ACCOUNTS:
            browser = client.application.test_client()
            username = f"{prefix}.{slug.replace('-', '')}"
            answer = sign_in(browser, username, DEMO_PASSWORD)
            assert answer.status_code == 302, username
            assert answer.headers["Location"].endswith("/"), username
    officer = client.application.test_client()
    sign_in(officer, "officer.caophong", DEMO_PASSWORD)
    work = officer.get(
        "/api/v1/c/cao-phong/work-items/", headers={"Accept": "application/json"}
    )
    assert work.status_code == 200
    # The plugins' demo data: a positive test and a missed-dose alert.
    assert {item["kind"] for item in work.get_json()} >= {
        "residence_check",
        "drug_test_positive",
        "methadone_missed_doses",
    }
    people = officer.get("/api/v1/c/cao-phong/persons/").get_json()
    assert len(people) >= 5
    chief = client.application.test_client()
    sign_in(chief, "chief.caophong", DEMO_PASSWORD)
    past = chief.get("/api/v1/c/cao-phong/cases/past-end").get_json()
    assert past, "the demo has a case past its end, for the chief to close"
    dossiers = chief.get("/c/cao-phong/compulsory-rehab/").get_data(as_text=True)
    assert "/c/cao-phong/compulsory-rehab/dossiers/" in dossiers, (
        "the demo has a dossier for compulsory rehabilitation in preparation"
    )


def test_demo_seed_with_force_fills_an_empty_database_once(
    runner: FlaskCliRunner, client: FlaskClient, database: Database
) -> None:
    seeded = run(runner, "demo", "seed", "--force")
    assert DEMO_PASSWORD in seeded.output

    with database.session() as db:
        communes = {c.slug: c for c in db.scalars(select(Commune))}
        usernames = set(db.scalars(select(User.username)))
    assert set(communes) == set(COMMUNES)
    for slug, (code, hamlets) in COMMUNES.items():
        assert communes[slug].code == code
        with f.in_commune(database, communes[slug]) as db:
            names = sorted(db.scalars(select(Hamlet.name)))
        assert names == sorted(name for name, _kind, _code in hamlets)
    expected = {"admin.phutho"} | {
        f"{prefix}.{slug.replace('-', '')}"
        for prefix in ROLE_ACCOUNTS
        for slug in COMMUNES
    }
    assert usernames == expected

    again = run(runner, "demo", "seed", "--force")
    assert "skipped" in again.output
    with database.session() as db:
        assert len(list(db.scalars(select(Commune.id)))) == len(COMMUNES)
        assert len(list(db.scalars(select(User.id)))) == len(expected)


def test_the_operator_lists_rulesets_and_past_end_cases_and_raises_due_work(
    runner: FlaskCliRunner, database: Database
) -> None:
    listed = run(runner, "cases", "rulesets", "--json")
    assert [r["id"] for r in json.loads(listed.output)] == [
        "law-73-2021",
        "law-120-2025",
    ]
    staffed = f.staffed_commune(database, "05089")
    with f.in_commune(database, staffed.commune) as db:
        opened = f.case(db, decision_on=date(2025, 6, 2))
        db.commit()
        case_id, person_id = str(opened.id), str(opened.person_id)
    past = run(runner, "cases", "past-end", "--commune", staffed.commune.slug, "--json")
    assert [(r["case"], r["person"]) for r in json.loads(past.output)] == [
        (case_id, person_id)
    ]
    raised = run(
        runner,
        "cases",
        "raise-due",
        "--commune",
        staffed.commune.slug,
        "--date",
        "2027-01-06",
    )
    assert raised.output.strip() == "3 work items raised."
    again = run(
        runner,
        "cases",
        "raise-due",
        "--commune",
        staffed.commune.slug,
        "--date",
        "2027-01-06",
    )
    assert again.output.strip() == "0 work items raised."
    message = refused(runner, "cases", "past-end", "--commune", "nowhere")
    assert "commune" in message.lower()

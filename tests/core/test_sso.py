"""Single sign-on over OpenID Connect, end to end against a real provider.

The provider (tests/support/oidc_provider.py) runs on 127.0.0.1 and is
spoken to over HTTP: by the test, playing the browser, at its authorization
endpoint; by the app itself for discovery, its keys and the code exchange.
The Flask test client plays the same browser on the app's side.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.app import create_app
from core.audit.models import PlatformAuditEvent
from core.config import load_settings
from core.db import Database
from core.identity import service as identity_service
from core.identity import sso
from core.identity.models import BrowserSession, ExternalIdentity, User
from tests.conftest import csrf_from
from tests.support.oidc_provider import OpenIdProvider

# A well-formed personal identification number: province code 001, century
# and sex 2, year 03, then six digits.
CITIZEN_ID = "001203004567"
OTHER_CITIZEN_ID = "079198000123"
PROVIDER_TIMEOUT = 10  # seconds, for each request the test makes itself


# -- fixtures and helpers --------------------------------------------------


def _app_with_providers(
    app: Flask, providers: dict[str, tuple[OpenIdProvider, str]]
) -> Flask:
    """An app on the fixture app's database, with these sign-on providers:
    name -> (running provider, profile)."""
    env = {}
    for name, (running, profile) in providers.items():
        prefix = f"BINHYEN_OIDC_{name.upper()}_"
        env[prefix + "ISSUER"] = running.issuer
        env[prefix + "CLIENT_ID"] = running.client_id
        env[prefix + "CLIENT_SECRET"] = running.client_secret
        env[prefix + "PROFILE"] = profile
    base = app.config["BINHYEN_SETTINGS"]
    settings = load_settings(
        env,
        database_url=base.database_url,
        migration_database_url=base.migration_database_url,
        redis_url=base.redis_url,
        instance_path=base.instance_path,
        secret_key=base.secret_key,
        master_key=base.master_key,
        cookie_secure=False,
    )
    configured = create_app(settings)
    configured.config["TESTING"] = True
    return configured


@pytest.fixture
def provider() -> Iterator[OpenIdProvider]:
    with OpenIdProvider(client_id="binhyen-vneid") as running:
        running.behaviour.claims = {"sub": "vneid-person-1", "citizen_id": CITIZEN_ID}
        yield running


@pytest.fixture
def sso_app(app: Flask, provider: OpenIdProvider) -> Iterator[Flask]:
    configured = _app_with_providers(app, {"vneid": (provider, "vneid")})
    yield configured
    configured.extensions["binhyen.db"].dispose()


@pytest.fixture
def browser(sso_app: Flask) -> FlaskClient:
    return sso_app.test_client()


def _account(
    database: Database, username: str = "can.bo.sso", active: bool = True
) -> User:
    """An account an admin provisioned for single sign-on only."""
    with database.session() as db:
        account = identity_service.create_user(
            db, username=username, full_name="Cán bộ Đăng nhập một lần"
        )
        account.is_active = active
        db.commit()
        db.expunge(account)
        return account


def _link(app: Flask, username: str, identifier: str, provider: str = "vneid") -> Any:
    """Run `binhyen users link`, the identifier on standard input."""
    return app.test_cli_runner().invoke(
        args=["users", "link", username, "--provider", provider, "--subject-stdin"],
        input=identifier + "\n",
    )


def _provisioned(
    sso_app: Flask, database: Database, identifier: str = CITIZEN_ID, **kw: Any
) -> User:
    account = _account(database, **kw)
    result = _link(sso_app, account.username, identifier)
    assert result.exit_code == 0, result.output
    return account


def _begin(browser: FlaskClient, provider: str = "vneid") -> str:
    """Press the provider's button: the address the app sends the browser to."""
    started = browser.get(f"/login/sso/{provider}")
    assert started.status_code == 302
    return str(started.headers["Location"])


def _consent(authorize_url: str) -> str:
    """The browser at the provider, which sends it back: the callback URL."""
    answer = requests.get(
        authorize_url, allow_redirects=False, timeout=PROVIDER_TIMEOUT
    )
    assert answer.status_code == 302, answer.text
    return str(answer.headers["Location"])


def _sign_on(browser: FlaskClient, provider: str = "vneid") -> tuple[Any, str]:
    """The whole round trip: (the app's answer to the callback, callback URL)."""
    callback = _consent(_begin(browser, provider))
    return browser.get(callback), callback


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _sessions(database: Database) -> int:
    with database.session() as db:
        return db.scalar(select(func.count()).select_from(BrowserSession)) or 0


def _platform_events(database: Database, action: str) -> list[PlatformAuditEvent]:
    with database.session() as db:
        events = list(
            db.scalars(
                select(PlatformAuditEvent)
                .where(PlatformAuditEvent.action == action)
                .order_by(PlatformAuditEvent.seq)
            )
        )
        db.expunge_all()
        return events


def _causes(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Why the app refused, as it logged it: the names of the exceptions."""
    prefix = "single sign-on refused: "
    return [
        r.getMessage().removeprefix(prefix)
        for r in caplog.records
        if r.name == "core.identity.sso" and r.getMessage().startswith(prefix)
    ]


def _assert_refused(
    response: Any, database: Database, reason: str, status: int = 401
) -> None:
    """The refusal page, no session anywhere, and one audited refusal."""
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert "Không đăng nhập được" in page
    assert 'href="/login"' in page  # the way back to try again
    if reason == "unknown_identity":
        assert "quản trị viên" in page  # who to ask for an account
    else:
        assert "thử lại" in page
    assert _sessions(database) == 0
    refusals = _platform_events(database, "sign_in.refused")
    assert [e.details for e in refusals] == [{"via": "sso:vneid", "reason": reason}]
    assert _platform_events(database, "sign_in") == []


def _is_signed_in_as(browser: FlaskClient, username: str) -> bool:
    home = browser.get("/", follow_redirects=True)
    return home.status_code == 200 and username in home.get_data(as_text=True)


# -- the flow that works ---------------------------------------------------


def test_a_provisioned_person_signs_in_through_vneid_end_to_end(
    browser: FlaskClient, database: Database, provider: OpenIdProvider, sso_app: Flask
) -> None:
    account = _provisioned(sso_app, database)

    authorize_url = _begin(browser)
    assert authorize_url.startswith(provider.url("authorize") + "?")
    asked = _query(authorize_url)
    assert asked["response_type"] == "code"
    assert asked["client_id"] == "binhyen-vneid"
    assert asked["redirect_uri"] == "http://localhost/login/sso/vneid/callback"
    assert "openid" in asked["scope"].split()
    assert asked["code_challenge_method"] == "S256"
    assert len(asked["code_challenge"]) == 43  # base64url of a SHA-256
    assert len(asked["state"]) >= 20
    assert len(asked["nonce"]) >= 20

    callback = _consent(authorize_url)
    assert callback.startswith(asked["redirect_uri"] + "?")
    answered = _query(callback)
    assert answered["state"] == asked["state"]
    assert answered["code"]

    landed = browser.get(callback)
    assert landed.status_code == 302
    assert landed.headers["Location"] == "/"
    assert _is_signed_in_as(browser, account.username)
    assert _sessions(database) == 1

    # The code was exchanged once, with a verifier the provider accepted.
    assert len(provider.token_answers) == 1
    assert "id_token" in provider.token_answers[0]

    [signed_in] = _platform_events(database, "sign_in")
    assert signed_in.details == {"via": "sso:vneid"}
    assert signed_in.object_type == "user"
    assert signed_in.object_id == str(account.id)
    assert _platform_events(database, "sign_in.refused") == []


def test_a_resident_round_trip_left_unfinished_does_not_capture_a_staff_sign_in(
    browser: FlaskClient, database: Database, sso_app: Flask
) -> None:
    account = _provisioned(sso_app, database)
    left = browser.get("/login/sso/vneid/resident?next=/c/cao-phong/tips/new")
    assert left.status_code == 302

    landed, _callback = _sign_on(browser)
    assert landed.headers["Location"] == "/"
    assert _is_signed_in_as(browser, account.username)


def test_a_resident_is_sent_back_only_to_a_page_of_a_commune(
    browser: FlaskClient,
) -> None:
    for elsewhere in ("https://evil.example/", "//evil.example/c/x/", "/login"):
        answer = browser.get(f"/login/sso/vneid/resident?next={elsewhere}")
        assert answer.status_code == 400, elsewhere


def test_an_id_token_just_past_its_expiry_is_accepted_within_the_leeway(
    browser: FlaskClient, database: Database, provider: OpenIdProvider, sso_app: Flask
) -> None:
    account = _provisioned(sso_app, database)
    # Expired 20 seconds ago: a clock that far apart is forgiven (60 s).
    provider.behaviour.issued_seconds_ago = 320
    provider.behaviour.lifetime_seconds = 300

    landed, _callback = _sign_on(browser)

    assert landed.status_code == 302
    assert _is_signed_in_as(browser, account.username)


# -- refusals: a response that cannot be trusted ---------------------------


def test_an_id_token_signed_with_a_key_outside_the_jwks_is_refused(
    browser: FlaskClient,
    database: Database,
    provider: OpenIdProvider,
    sso_app: Flask,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _provisioned(sso_app, database)
    provider.behaviour.sign_with_unpublished_key = True

    refused, _callback = _sign_on(browser)

    _assert_refused(refused, database, "invalid_response")
    assert _causes(caplog) == ["BadSignatureError"]
    # The provider did hand over a token: the app refused it.
    assert "id_token" in provider.token_answers[-1]


def test_an_id_token_from_another_issuer_is_refused(
    browser: FlaskClient,
    database: Database,
    provider: OpenIdProvider,
    sso_app: Flask,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _provisioned(sso_app, database)
    provider.behaviour.issuer = "https://impostor.example"

    refused, _callback = _sign_on(browser)

    _assert_refused(refused, database, "invalid_response")
    assert _causes(caplog) == ["InvalidClaimError"]


def test_an_id_token_for_another_audience_is_refused(
    browser: FlaskClient,
    database: Database,
    provider: OpenIdProvider,
    sso_app: Flask,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _provisioned(sso_app, database)
    provider.behaviour.audience = "some-other-service"

    refused, _callback = _sign_on(browser)

    _assert_refused(refused, database, "invalid_response")
    assert _causes(caplog) == ["InvalidClaimError"]


def test_an_expired_id_token_is_refused(
    browser: FlaskClient,
    database: Database,
    provider: OpenIdProvider,
    sso_app: Flask,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _provisioned(sso_app, database)
    # Issued 15 minutes ago for 5: expired 10 minutes ago, far past the leeway.
    provider.behaviour.issued_seconds_ago = 900
    provider.behaviour.lifetime_seconds = 300

    refused, _callback = _sign_on(browser)

    _assert_refused(refused, database, "invalid_response")
    assert _causes(caplog) == ["ExpiredTokenError"]


def test_an_id_token_with_another_nonce_is_refused(
    browser: FlaskClient,
    database: Database,
    provider: OpenIdProvider,
    sso_app: Flask,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _provisioned(sso_app, database)
    provider.behaviour.nonce = "a-nonce-from-another-sign-in-attempt"

    refused, _callback = _sign_on(browser)

    _assert_refused(refused, database, "invalid_response")
    assert _causes(caplog) == ["InvalidClaimError"]


def test_an_id_token_without_the_identifying_claim_is_refused(
    browser: FlaskClient, database: Database, provider: OpenIdProvider, sso_app: Flask
) -> None:
    _provisioned(sso_app, database)
    provider.behaviour.claims = {"sub": "vneid-person-1"}  # no citizen_id

    refused, _callback = _sign_on(browser)

    _assert_refused(refused, database, "missing_claim")


def test_a_provider_that_stalls_is_given_up_on(
    app: Flask,
    database: Database,
    provider: OpenIdProvider,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(sso, "PROVIDER_TIMEOUT_SECONDS", 0.5)
    impatient = _app_with_providers(app, {"vneid": (provider, "vneid")})
    try:
        _provisioned(impatient, database)
        provider.behaviour.stall_token_endpoint = True
        browser = impatient.test_client()

        refused, _callback = _sign_on(browser)
    finally:
        impatient.extensions["binhyen.db"].dispose()

    _assert_refused(refused, database, "invalid_response")
    assert _causes(caplog) == ["ReadTimeout"]


# -- refusals: replays and injected codes ----------------------------------


def test_a_callback_replayed_after_signing_out_is_refused(
    browser: FlaskClient,
    database: Database,
    provider: OpenIdProvider,
    sso_app: Flask,
    caplog: pytest.LogCaptureFixture,
) -> None:
    account = _provisioned(sso_app, database)
    landed, callback = _sign_on(browser)
    assert landed.status_code == 302
    home = browser.get("/", follow_redirects=True)
    signed_out = browser.post(
        "/logout", data={"csrf_token": csrf_from(home.get_data(as_text=True))}
    )
    assert signed_out.status_code == 302
    assert not _is_signed_in_as(browser, account.username)

    replayed = browser.get(callback)

    assert replayed.status_code == 401
    assert _causes(caplog) == ["MismatchingStateError"]
    assert _sessions(database) == 0
    assert not _is_signed_in_as(browser, account.username)
    refusals = _platform_events(database, "sign_in.refused")
    assert [e.details for e in refusals] == [
        {"via": "sso:vneid", "reason": "invalid_response"}
    ]
    # Refused on the state alone: the provider was not asked again.
    assert len(provider.token_answers) == 1


def test_a_callback_replayed_in_another_browser_is_refused(
    browser: FlaskClient,
    database: Database,
    provider: OpenIdProvider,
    sso_app: Flask,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _provisioned(sso_app, database)
    # The callback address leaks (a proxy log, a shared screen) before use.
    callback = _consent(_begin(browser))
    intruder = sso_app.test_client()

    refused = intruder.get(callback)

    _assert_refused(refused, database, "invalid_response")
    assert _causes(caplog) == ["MismatchingStateError"]
    assert provider.token_answers == []


def test_a_code_issued_to_another_sign_in_is_refused_by_its_code_verifier(
    browser: FlaskClient,
    database: Database,
    provider: OpenIdProvider,
    sso_app: Flask,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _provisioned(sso_app, database)
    # An attacker starts a sign-in of their own and gets a code for it...
    attacker = sso_app.test_client()
    stolen_code = _query(_consent(_begin(attacker)))["code"]
    # ...and slips it into the victim's callback, with the victim's state.
    victims_state = _query(_consent(_begin(browser)))["state"]

    refused = browser.get(
        f"/login/sso/vneid/callback?code={stolen_code}&state={victims_state}"
    )

    _assert_refused(refused, database, "invalid_response")
    assert _causes(caplog) == ["OAuthError"]
    [answer] = provider.token_answers
    assert answer["error"] == "invalid_grant"
    assert "challenge" in answer["error_description"].lower()


# -- refusals: identities without an account -------------------------------


def test_an_identity_nobody_provisioned_is_refused(
    browser: FlaskClient, database: Database, provider: OpenIdProvider, sso_app: Flask
) -> None:
    _provisioned(sso_app, database, identifier=OTHER_CITIZEN_ID)

    refused, _callback = _sign_on(browser)

    _assert_refused(refused, database, "unknown_identity", status=403)
    assert CITIZEN_ID not in refused.get_data(as_text=True)


def test_a_disabled_account_cannot_sign_in_through_sso(
    browser: FlaskClient, database: Database, provider: OpenIdProvider, sso_app: Flask
) -> None:
    _provisioned(sso_app, database, active=False)

    refused, _callback = _sign_on(browser)

    _assert_refused(refused, database, "unknown_identity", status=403)


# -- several providers -----------------------------------------------------


def test_every_configured_provider_is_offered_and_each_signs_in(
    app: Flask, database: Database, provider: OpenIdProvider
) -> None:
    with OpenIdProvider(client_id="binhyen-ministry", path="/realms/bo") as ministry:
        ministry.behaviour.claims = {"sub": "f3a1c9e2-ministry-staff"}
        both = _app_with_providers(
            app, {"vneid": (provider, "vneid"), "ministry": (ministry, "generic")}
        )
        try:
            page = both.test_client().get("/login").get_data(as_text=True)
            assert 'href="/login/sso/vneid"' in page
            assert "VNeID" in page
            assert 'href="/login/sso/ministry"' in page
            assert "MINISTRY" in page

            # A generic provider identifies the person by "sub".
            account = _account(database)
            linked = _link(
                both, account.username, "f3a1c9e2-ministry-staff", "ministry"
            )
            assert linked.exit_code == 0, linked.output
            browser = both.test_client()
            landed, _callback = _sign_on(browser, "ministry")
            assert landed.status_code == 302
            assert _is_signed_in_as(browser, account.username)
            assert provider.token_answers == []  # the other provider was not asked
        finally:
            both.extensions["binhyen.db"].dispose()

    [signed_in] = _platform_events(database, "sign_in")
    assert signed_in.details == {"via": "sso:ministry"}


def test_an_issuer_with_a_trailing_slash_is_matched_exactly(
    app: Flask, database: Database
) -> None:
    # Some providers (Auth0, for one) publish an issuer ending in "/"; their
    # id_tokens carry it exactly so, and discovery is found below it.
    with OpenIdProvider(client_id="binhyen-slash", path="/tenant/") as slashed:
        slashed.behaviour.claims = {"sub": "auth0|person-1"}
        configured = _app_with_providers(app, {"idp": (slashed, "generic")})
        try:
            account = _account(database)
            linked = _link(configured, account.username, "auth0|person-1", "idp")
            assert linked.exit_code == 0, linked.output
            browser = configured.test_client()
            landed, _callback = _sign_on(browser, "idp")
            assert landed.status_code == 302
            assert _is_signed_in_as(browser, account.username)
        finally:
            configured.extensions["binhyen.db"].dispose()


# -- linking an account ----------------------------------------------------


@pytest.mark.parametrize(
    "identifier", ["00120300456", "0012030045678", "00120300456X", "001 203 004 567"]
)
def test_linking_refuses_a_vneid_identifier_that_is_not_twelve_digits(
    sso_app: Flask, database: Database, identifier: str
) -> None:
    account = _account(database)

    result = _link(sso_app, account.username, identifier)

    assert result.exit_code == 1
    assert "12-digit personal identification number" in result.output
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(ExternalIdentity)) == 0


def test_a_linked_identity_keeps_no_plaintext_identifier(
    sso_app: Flask, database: Database
) -> None:
    account = _provisioned(sso_app, database)

    with database.session() as db:
        [row] = db.scalars(select(ExternalIdentity)).all()
        assert row.user_id == account.id
        assert row.provider == "vneid"
        values = [str(getattr(row, c.key)) for c in ExternalIdentity.__table__.c]
        assert not any(CITIZEN_ID in value for value in values)
        assert len(row.subject_hash) == 64
        # Nor does the audit trail of the linking quote it.
        trail = db.scalars(select(PlatformAuditEvent)).all()
        assert trail
        assert not any(CITIZEN_ID in str(e.details) for e in trail)


def test_linking_needs_a_configured_provider(app: Flask, database: Database) -> None:
    account = _account(database)

    result = _link(app, account.username, CITIZEN_ID)

    assert result.exit_code == 1
    assert "No sign-on provider is named 'vneid' (configured: none)" in result.output
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(ExternalIdentity)) == 0


def test_a_person_who_cancels_at_the_provider_is_told_so(
    browser: FlaskClient, database: Database
) -> None:
    _begin(browser)
    back = browser.get("/login/sso/vneid/callback?error=access_denied&state=x")
    assert back.status_code == 401
    assert "huỷ đăng nhập" in back.get_data(as_text=True)
    refusals = _platform_events(database, "sign_in.refused")
    assert [e.details for e in refusals] == [
        {"via": "sso:vneid", "reason": "cancelled"}
    ]


def test_an_unreachable_provider_gets_a_page_saying_try_later(
    app: Flask, database: Database, provider: OpenIdProvider
) -> None:
    configured = _app_with_providers(app, {"vneid": (provider, "vneid")})
    provider.__exit__(None, None, None)  # nothing answers at the issuer now
    answer = configured.test_client().get("/login/sso/vneid")
    assert answer.status_code == 503
    assert "thử lại sau" in answer.get_data(as_text=True)
    refusals = _platform_events(database, "sign_in.refused")
    assert [e.details for e in refusals] == [
        {"via": "sso:vneid", "reason": "provider_unreachable"}
    ]

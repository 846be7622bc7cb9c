"""A real OpenID provider for the tests, served over HTTP on 127.0.0.1.

Built on authlib's server side: discovery, a JWKS, an authorization endpoint
that consents at once for the person the test chose, and a token endpoint
that gives an id_token for a code only to the client that authenticates with
its secret and sends the code_verifier matching the code_challenge (S256).
A test makes it misbehave the way a broken or hostile provider would by
changing its :class:`Behaviour`.
"""

from __future__ import annotations

import functools
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    OAuth2Error,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, Response, jsonify, request
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

ALGORITHM = "RS256"
KEY_ID = "provider-key-1"
# The longest a stalled token endpoint keeps a request waiting.
STALL_LIMIT_SECONDS = 10
# The Flask test client plays the browser at http://localhost, so the app's
# callback addresses are there; the provider accepts no redirect elsewhere.
REDIRECT_ORIGIN = "http://localhost/"


@functools.cache
def _keys() -> tuple[RSAKey, RSAKey]:
    """The key the provider publishes, and an impostor under the same key id.

    Made once per test run: RSA keys take a while to generate.
    """
    parameters: Any = {"kid": KEY_ID, "use": "sig", "alg": ALGORITHM}
    return (
        RSAKey.generate_key(2048, parameters=parameters),
        RSAKey.generate_key(2048, parameters=parameters),
    )


@dataclass
class Behaviour:
    """What the provider puts in the id_tokens it issues. The defaults are
    those of an honest provider; each field is a way to misbehave."""

    # What the provider says about the person who signs in there.
    claims: dict[str, Any] = field(default_factory=lambda: {"sub": "person-1"})
    # Sign with a key that is not in the JWKS, under the published key id.
    sign_with_unpublished_key: bool = False
    # The token's "iss" and "aud"; None: the provider's issuer, the client.
    issuer: str | None = None
    audience: str | None = None
    # The token's "nonce"; None: the one the client sent.
    nonce: str | None = None
    # When the token was issued, and for how long it is valid.
    issued_seconds_ago: int = 0
    lifetime_seconds: int = 300
    # Keep the token endpoint from answering until the provider stops.
    stall_token_endpoint: bool = False


@dataclass
class _Client(ClientMixin):
    client_id: str
    client_secret: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return scope

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri.startswith(REDIRECT_ORIGIN)

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class _Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    person: dict[str, Any]
    auth_time: int

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class _CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    @property
    def provider(self) -> OpenIdProvider:
        found: OpenIdProvider = self.server.provider
        return found

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        payload = request.payload
        nonce = payload.data.get("nonce")
        self.provider.codes[code] = _Code(
            code=code,
            client_id=request.client.get_client_id(),
            redirect_uri=payload.redirect_uri,
            scope=payload.scope,
            nonce=nonce,
            code_challenge=payload.data.get("code_challenge"),
            code_challenge_method=payload.data.get("code_challenge_method"),
            person=request.user,
            auth_time=int(time.time()),
        )
        if nonce:
            self.provider.nonces.add(nonce)

    def query_authorization_code(self, code: str, client: _Client) -> _Code | None:
        found = self.provider.codes.get(code)
        if found is None or found.client_id != client.get_client_id():
            return None
        return found

    def delete_authorization_code(self, authorization_code: _Code) -> None:
        # A code is good for one exchange only.
        self.provider.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: _Code) -> dict[str, Any]:
        return authorization_code.person


class _OpenIdCode(OpenIDCode):
    """Adds the id_token to the token response, as the behaviour says."""

    def __init__(self, provider: OpenIdProvider) -> None:
        super().__init__(require_nonce=True)
        self.provider = provider

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return nonce in self.provider.nonces

    def get_client_algorithm(self, client: _Client) -> str:
        return ALGORITHM

    def get_encode_header(self, client: _Client) -> dict[str, str]:
        return {"alg": ALGORITHM, "kid": KEY_ID}

    def resolve_client_private_key(self, client: _Client) -> RSAKey:
        published, unpublished = _keys()
        if self.provider.behaviour.sign_with_unpublished_key:
            return unpublished
        return published

    def get_client_claims(self, client: _Client) -> dict[str, Any]:
        behaviour = self.provider.behaviour
        issued = int(time.time()) - behaviour.issued_seconds_ago
        return {
            "iss": behaviour.issuer or self.provider.issuer,
            "aud": [behaviour.audience or client.get_client_id()],
            "iat": issued,
            "exp": issued + behaviour.lifetime_seconds,
        }

    def get_authorization_code_claims(
        self, authorization_code: _Code
    ) -> dict[str, Any]:
        claims: dict[str, Any] = super().get_authorization_code_claims(
            authorization_code
        )
        if self.provider.behaviour.nonce is not None:
            claims["nonce"] = self.provider.behaviour.nonce
        return claims

    def generate_user_info(self, user: dict[str, Any], scope: str) -> UserInfo:
        return UserInfo(user)


class OpenIdProvider:
    """An OpenID provider on a free port of 127.0.0.1, one client registered.

    Use it as a context manager: it serves from a thread while inside.
    ``path`` is appended to the address to make the issuer, as a realm of
    a Keycloak server would be.
    """

    def __init__(self, client_id: str = "binhyen", path: str = "") -> None:
        self.client_id = client_id
        self.client_secret = secrets.token_urlsafe(24)
        self.behaviour = Behaviour()
        self.codes: dict[str, _Code] = {}
        self.nonces: set[str] = set()
        # Every answer of the token endpoint, successful or not, in order.
        self.token_answers: list[dict[str, Any]] = []
        self._released = threading.Event()
        self._client = _Client(client_id, self.client_secret)
        self._prefix = path.rstrip("/")
        self._http = make_server("127.0.0.1", 0, self._build_app(), threaded=True)
        self.issuer = f"http://127.0.0.1:{self._http.server_port}{path}"
        self._thread = threading.Thread(
            target=self._http.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="openid-provider",
            daemon=True,
        )

    def __enter__(self) -> OpenIdProvider:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._released.set()
        self._http.shutdown()
        self._thread.join(timeout=5)
        self._http.server_close()

    def url(self, endpoint: str) -> str:
        return f"http://127.0.0.1:{self._http.server_port}{self._prefix}/{endpoint}"

    def _build_app(self) -> Flask:
        app = Flask("openid-provider")
        server = AuthorizationServer(
            app,
            query_client=lambda client_id: (
                self._client if client_id == self._client.client_id else None
            ),
            save_token=lambda token, request: None,
        )
        server.provider = self
        server.register_grant(
            _CodeGrant, [CodeChallenge(required=True), _OpenIdCode(self)]
        )
        prefix = self._prefix
        client_auth_methods = _CodeGrant.TOKEN_ENDPOINT_AUTH_METHODS

        @app.get(f"{prefix}/.well-known/openid-configuration")
        def discovery() -> Response:
            return jsonify(
                issuer=self.issuer,
                authorization_endpoint=self.url("authorize"),
                token_endpoint=self.url("token"),
                jwks_uri=self.url("jwks"),
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=[ALGORITHM],
                code_challenge_methods_supported=["S256"],
                token_endpoint_auth_methods_supported=client_auth_methods,
                scopes_supported=["openid", "profile"],
            )

        @app.get(f"{prefix}/jwks")
        def jwks() -> Response:
            published, _unpublished = _keys()
            return jsonify(KeySet([published]).as_dict(private=False))

        @app.get(f"{prefix}/authorize")
        def authorize() -> Any:
            # Stricter than authlib's default, which lets a confidential
            # client skip PKCE: this provider insists on it.
            if request.args.get("code_challenge_method") != "S256":
                return jsonify(
                    error="invalid_request",
                    error_description="PKCE with code_challenge_method=S256 "
                    "is required.",
                ), 400
            # No login form: the person is whoever the test says.
            person = dict(self.behaviour.claims)
            try:
                grant = server.get_consent_grant(end_user=person)
            except OAuth2Error as error:
                return server.handle_error_response(None, error)
            return server.create_authorization_response(grant=grant, grant_user=person)

        @app.post(f"{prefix}/token")
        def token() -> Response:
            if self.behaviour.stall_token_endpoint:
                self._released.wait(timeout=STALL_LIMIT_SECONDS)
            response: Response = server.create_token_response()
            self.token_answers.append(response.get_json())
            return response

        return app

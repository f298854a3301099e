"""A loopback OAuth 2.0 provider (Google or Microsoft flavour) with a clickable consent page.

Real HTTP on 127.0.0.1, port 0: `/authorize` shows an account chooser with Allow/Deny and redirects to
the client's redirect_uri with `code`+`state` (or `error=access_denied`); `/token` does the
authorization_code grant (PKCE S256 checked, codes single use; an RS256-signed ID token) and the
refresh_token grant (Microsoft rotates refresh tokens); the signing keys are published as a JWKS where
the provider publishes them (Google `/oauth2/v3/certs`, Microsoft `/common/discovery/v2.0/keys`), and
the ID token's issuer is the provider's (Microsoft's names the account's tenant). Failures can be
scripted and are the providers' real error bodies; an account's claims can be set to what a hostile
tenant would send.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.wrappers import Request, Response

from tests.fakes.loopback import LoopbackServer

CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret"
ACME_TENANT = "4c6f1a2e-0d3b-4e5f-9a8b-7c6d5e4f3a21"  # the Microsoft tenant of the default accounts
CONSUMER_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"  # personal Microsoft accounts
JWKS_PATHS = {"google": "/oauth2/v3/certs", "microsoft": "/common/discovery/v2.0/keys"}


def new_signing_key() -> rsa.RSAPrivateKey:
    """A fresh RSA key (2048 bits, as the providers use)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


_PROVIDER_KEY = new_signing_key()  # one per test run: generating keys is slow


def microsoft_error(code: int, message: str, error: str = "invalid_grant") -> dict[str, Any]:
    """A Microsoft identity platform error body, as its token endpoint sends it."""
    trace = "2f1c1e6a-5a0b-4b8e-9c3e-7e0f3b2a1d00"
    return {
        "error": error,
        "error_description": f"AADSTS{code}: {message} Trace ID: {trace} Correlation ID: "
        f"0b7d2c4e-1111-4222-8333-944445555666 Timestamp: 2026-11-27 10:00:00Z",
        "error_codes": [code],
        "timestamp": "2026-11-27 10:00:00Z",
        "trace_id": trace,
        "correlation_id": "0b7d2c4e-1111-4222-8333-944445555666",
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }


GOOGLE_REVOKED = {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
GOOGLE_BAD_CODE = {"error": "invalid_grant", "error_description": "Bad Request"}
GOOGLE_BAD_VERIFIER = {"error": "invalid_grant", "error_description": "Invalid code verifier."}
GOOGLE_INVALID_CLIENT = {"error": "invalid_client", "error_description": "Unauthorized"}
MS_INACTIVE = microsoft_error(
    70008,
    "The provided authorization code or refresh token has expired due to inactivity. Send a new "
    "interactive authorization request for this user and resource.",
)
MS_PASSWORD_CHANGED = microsoft_error(
    50173,
    "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might "
    "have changed or reset their password.",
)
MS_CODE_REDEEMED = microsoft_error(
    54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code."
)
MS_BAD_VERIFIER = microsoft_error(
    501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."
)
MS_TRANSIENT = microsoft_error(
    90033, "A transient error has occurred. Please try again.", error="temporarily_unavailable"
)
MS_INVALID_CLIENT = microsoft_error(7000215, "Invalid client secret provided.", error="invalid_client")


@dataclass
class Grant:
    """An issued authorization code, waiting to be exchanged once."""

    email: str
    client_id: str
    redirect_uri: str
    challenge: str
    scope: str


@dataclass
class FakeOAuthProvider:
    """One provider on loopback. `flavor` picks the error bodies and whether refresh tokens rotate."""

    flavor: str = "google"
    accounts: list[str] = field(default_factory=lambda: ["rep@acme.com", "someone.else@acme.com"])
    expires_in: int = 3600
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    # per account: claims its ID tokens carry instead of the provider's own (None drops one)
    claims_for: dict[str, dict[str, Any]] = field(default_factory=dict)
    # for every ID token: claim changes after the account's (aud, exp…), and header changes (kid)
    id_token_changes: dict[str, Any] = field(default_factory=dict)
    id_token_headers: dict[str, Any] = field(default_factory=dict)
    forged_id_token: str | None = None  # sent instead of a signed one (alg none, HMAC…)

    def __post_init__(self) -> None:
        self.codes: dict[str, Grant] = {}
        self.refresh_tokens: dict[str, str] = {}  # live refresh token → account email
        self.access_tokens: dict[str, str] = {}
        self._failures: deque[tuple[int, Any]] = deque()
        self._delays: deque[float] = deque()
        self._lock = threading.Lock()
        self.published_key = _PROVIDER_KEY  # what the JWKS endpoint serves
        self.signing_key = _PROVIDER_KEY  # what ID tokens are signed with (tests may forge)
        self.key_id = f"fake-{self.flavor}-key-1"
        self._server = LoopbackServer(self._wsgi, name=f"fake-{self.flavor}")

    # -- lifecycle, URLs, scripting -----------------------------------------------------------------------

    def start(self) -> FakeOAuthProvider:
        """Serve in a background thread."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.stop()

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>"""
        return self._server.url

    @property
    def jwks_url(self) -> str:
        """Where the signing keys are published."""
        return f"{self.base_url}{JWKS_PATHS[self.flavor]}"

    @property
    def issuer_setting(self) -> str:
        """The issuer as GOOGLE_ISSUER / MICROSOFT_ISSUER configure it (Microsoft: a {tenantid} template)."""
        return self.base_url if self.flavor == "google" else f"{self.base_url}/{{tenantid}}/v2.0"

    def subject_of(self, email: str) -> str:
        """The account's stable id: Google's numeric `sub`, Microsoft's `oid` (a GUID)."""
        if self.flavor == "google":
            return str(int(hashlib.sha256(email.lower().encode()).hexdigest()[:15], 16))
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"oid:{email.lower()}"))

    @property
    def rotates_refresh_tokens(self) -> bool:
        """Microsoft rotates refresh tokens on every refresh; Google does not."""
        return self.flavor == "microsoft"

    def fail_next_token(self, status: int, body: dict[str, Any] | str) -> None:
        """Answer the next `/token` request with this status and body (JSON if a dict)."""
        self._failures.append((status, body))

    def delay_next_token(self, seconds: float) -> None:
        """Make the next `/token` request wait (for client timeouts)."""
        self._delays.append(seconds)

    def issue_refresh_token(self, email: str) -> str:
        """A live refresh token for `email`, as if the user had consented earlier."""
        token = f"rt-{self.flavor}-{secrets.token_urlsafe(12)}"
        self.refresh_tokens[token] = email
        return token

    def revoke(self, refresh_token: str) -> None:
        """Revoke a refresh token (the next refresh with it gets invalid_grant)."""
        self.refresh_tokens.pop(refresh_token, None)

    # -- HTTP -----------------------------------------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Callable) -> Any:
        request = Request(environ)
        routes = {
            ("GET", "/authorize"): self._consent_page,
            ("POST", "/authorize"): self._decide,
            ("POST", "/token"): self._token,
            ("GET", JWKS_PATHS[self.flavor]): self._jwks,
        }
        handler = routes.get((request.method, request.path))
        response = handler(request) if handler else Response("not found", status=404)
        return response(environ, start_response)

    def _consent_page(self, request: Request) -> Response:
        params = dict(request.args)
        self.authorize_requests.append(params)
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
        )
        choices = "".join(
            f'<label><input type="radio" name="account" value="{html.escape(a)}"'
            f"{' checked' if i == 0 else ''}> {html.escape(a)}</label><br>"
            for i, a in enumerate(self.accounts)
        )
        name = "Google" if self.flavor == "google" else "Microsoft"
        page = (
            f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Sign in – {name} (fake)</title>"
            '<meta name="viewport" content="width=device-width"></head>'
            f"<body><h1>{name}: choose an account</h1>"
            f'<form method="post" action="/authorize">{hidden}<fieldset><legend>Account</legend>{choices}'
            f"</fieldset><p>Mailbox Assistant wants to read and send your email: "
            f"{html.escape(params.get('scope', ''))}</p>"
            '<button name="decision" value="allow">Allow</button> '
            '<button name="decision" value="deny">Deny</button></form></body></html>'
        )
        return Response(page, mimetype="text/html")

    def _decide(self, request: Request) -> Response:
        form = request.form
        redirect_uri, state = form["redirect_uri"], form.get("state", "")
        if form.get("decision") != "allow":
            query = {"error": "access_denied", "state": state}
            if self.flavor == "microsoft":
                query["error_description"] = "AADSTS65004: User declined to consent to access the app."
            return Response(status=302, headers={"Location": f"{redirect_uri}?{urlencode(query)}"})
        code = f"code-{secrets.token_urlsafe(16)}"
        self.codes[code] = Grant(
            form["account"],
            form["client_id"],
            redirect_uri,
            form.get("code_challenge", ""),
            form.get("scope", ""),
        )
        return Response(
            status=302, headers={"Location": f"{redirect_uri}?{urlencode({'code': code, 'state': state})}"}
        )

    def _token(self, request: Request) -> Response:
        form = dict(request.form)
        self.token_requests.append(form)
        if self._delays:
            time.sleep(self._delays.popleft())
        if self._failures:
            status, body = self._failures.popleft()
            return _json(body, status) if isinstance(body, dict) else Response(body, status=status)
        client_id = form.get("client_id") or (request.authorization.username if request.authorization else "")
        secret = form.get("client_secret") or (
            request.authorization.password if request.authorization else ""
        )
        if (client_id, secret) != (CLIENT_ID, CLIENT_SECRET):
            return _json(GOOGLE_INVALID_CLIENT if self.flavor == "google" else MS_INVALID_CLIENT, 401)
        with self._lock:
            if form.get("grant_type") == "authorization_code":
                return self._exchange(form)
            if form.get("grant_type") == "refresh_token":
                return self._refresh(form)
        return _json({"error": "unsupported_grant_type"}, 400)

    def _exchange(self, form: dict[str, str]) -> Response:
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None:
            return _json(GOOGLE_BAD_CODE if self.flavor == "google" else MS_CODE_REDEEMED, 400)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        if not verifier or challenge != grant.challenge or form.get("redirect_uri") != grant.redirect_uri:
            return _json(GOOGLE_BAD_VERIFIER if self.flavor == "google" else MS_BAD_VERIFIER, 400)
        refresh_token = self.issue_refresh_token(grant.email)
        return _json(self._token_body(grant.email, refresh_token, grant.scope, id_token=True))

    def _refresh(self, form: dict[str, str]) -> Response:
        email = self.refresh_tokens.get(form.get("refresh_token", ""))
        if email is None:
            return _json(GOOGLE_REVOKED if self.flavor == "google" else MS_INACTIVE, 400)
        new_refresh = None
        if self.rotates_refresh_tokens:
            self.revoke(form["refresh_token"])
            new_refresh = self.issue_refresh_token(email)
        return _json(self._token_body(email, new_refresh, "", id_token=False))

    def _token_body(
        self, email: str, refresh_token: str | None, scope: str, *, id_token: bool
    ) -> dict[str, Any]:
        access_token = f"at-{secrets.token_urlsafe(16)}"
        self.access_tokens[access_token] = email
        # Google answers with long-form scopes; Microsoft leaves out offline_access (both change the scope)
        granted = [s for s in scope.split() if s != "offline_access"] if scope else []
        body: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }
        if granted:
            body["scope"] = " ".join(granted)
        if refresh_token:
            body["refresh_token"] = refresh_token
        if id_token:
            body["id_token"] = self.forged_id_token or self._id_token(email)
        return body

    def _id_token(self, email: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {"aud": CLIENT_ID, "iat": now, "nbf": now, "exp": now + 3600}
        if self.flavor == "google":
            claims |= {"sub": self.subject_of(email), "azp": CLIENT_ID}
            claims |= {"email": email, "email_verified": True}
        else:  # Microsoft also sends `email` (optional claim), which any tenant's admin can set
            oid = self.subject_of(email)
            claims |= {"sub": f"pairwise-{oid[:8]}", "oid": oid, "tid": ACME_TENANT, "ver": "2.0"}
            claims |= {"preferred_username": email, "email": email}
        claims |= self.claims_for.get(email, {})
        if "iss" not in claims:  # Microsoft's names the tenant the account signed in to
            tenant = claims.get("tid")
            claims["iss"] = self.base_url if self.flavor == "google" else f"{self.base_url}/{tenant}/v2.0"
        claims |= self.id_token_changes
        claims = {name: value for name, value in claims.items() if value is not None}
        headers = {"kid": self.key_id} | self.id_token_headers
        return jwt.encode(claims, self.signing_key, algorithm="RS256", headers=headers)

    def _jwks(self, _request: Request) -> Response:
        key = jwt.algorithms.RSAAlgorithm.to_jwk(self.published_key.public_key(), as_dict=True)
        return _json({"keys": [key | {"kid": self.key_id, "use": "sig", "alg": "RS256"}]})


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")

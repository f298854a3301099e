"""A loopback stand-in for Slack's OpenID Connect ("Sign in with Slack"): the authorize page consents at
once as the user the test picked, the token endpoint answers the code with an ID token signed with an
RSA key, and the key set is published as Slack publishes its own."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.wrappers import Request, Response

from tests.fakes.loopback import LoopbackServer

CLIENT_ID = "1234.5678"
CLIENT_SECRET = "slack-client-secret"


class FakeSlackOpenId:
    """GET /openid/connect/authorize → redirect back with a code; POST /api/openid.connect.token → token;
    GET /openid/connect/keys → the JWKS."""

    def __init__(self) -> None:
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.published_key = self.signing_key  # a test may sign with a key Slack does not publish
        self.user = {"id": "U_SUPPORT", "email": "sam@acme.com", "name": "Sam Support"}
        self.claims_override: dict[str, Any] = {}  # what the next ID token says differently
        self.token_requests: list[dict[str, str]] = []
        self._codes: dict[str, dict[str, Any]] = {}
        self._server = LoopbackServer(self._wsgi, name="fake-slack-openid")

    def start(self) -> FakeSlackOpenId:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    @property
    def authorize_url(self) -> str:
        return f"{self._server.url}/openid/connect/authorize"

    @property
    def token_url(self) -> str:
        return f"{self._server.url}/api/openid.connect.token"

    @property
    def jwks_url(self) -> str:
        return f"{self._server.url}/openid/connect/keys"

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path == "/openid/connect/authorize":
            response = self._authorize(request)
        elif request.path == "/api/openid.connect.token" and request.method == "POST":
            response = self._token(request)
        elif request.path == "/openid/connect/keys":
            key = jwt.algorithms.RSAAlgorithm.to_jwk(self.published_key.public_key(), as_dict=True)
            response = _json({"keys": [{**key, "kid": "slack-test", "alg": "RS256", "use": "sig"}]})
        else:
            response = Response("not found", 404)
        return response(environ, start_response)

    def _authorize(self, request: Request) -> Response:
        """Consent at once: back to redirect_uri with a code and the state."""
        code = secrets.token_urlsafe(12)
        self._codes[code] = {"nonce": request.args.get("nonce"), "redirect_uri": request.args["redirect_uri"]}
        query = urlencode({"code": code, "state": request.args.get("state", "")})
        return Response(status=302, headers={"Location": f"{request.args['redirect_uri']}?{query}"})

    def _token(self, request: Request) -> Response:
        """The ID token of a code, for the client that asked (ok:false otherwise, as Slack answers)."""
        form = {key: value for key, value in request.form.items()}
        self.token_requests.append(form)
        grant = self._codes.pop(form.get("code", ""), None)
        if (
            grant is None
            or form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != CLIENT_SECRET
            or form.get("redirect_uri") != grant["redirect_uri"]
        ):
            return _json({"ok": False, "error": "invalid_code"})
        claims = {
            "iss": "https://slack.com",
            "aud": CLIENT_ID,
            "sub": self.user["id"],
            "iat": int(time.time()),
            "exp": int(time.time()) + 3600,
            "nonce": grant["nonce"],
            "https://slack.com/user_id": self.user["id"],
            "https://slack.com/team_id": "T0TEAM",
            "email": self.user["email"],
            "name": self.user["name"],
            **self.claims_override,
        }
        id_token = jwt.encode(claims, self.signing_key, algorithm="RS256", headers={"kid": "slack-test"})
        return _json({"ok": True, "access_token": "xoxp-openid", "id_token": id_token})


def _json(data: dict[str, Any]) -> Response:
    return Response(json.dumps(data), 200, content_type="application/json")


def query_of(url: str) -> dict[str, str]:
    """The query parameters of `url`, one value each."""
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}

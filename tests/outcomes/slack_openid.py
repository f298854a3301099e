"""A loopback stand-in for Slack's OpenID Connect ("Sign in with Slack"): the authorize page consents at
once as the user the test picked, and the token endpoint answers the code with an ID token."""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from werkzeug.wrappers import Request, Response

from tests.fakes.loopback import LoopbackServer

CLIENT_ID = "1234.5678"
CLIENT_SECRET = "slack-client-secret"


class FakeSlackOpenId:
    """GET /openid/connect/authorize → redirect back with a code; POST /api/openid.connect.token → token."""

    def __init__(self) -> None:
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

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path == "/openid/connect/authorize":
            response = self._authorize(request)
        elif request.path == "/api/openid.connect.token" and request.method == "POST":
            response = self._token(request)
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
            "exp": int(time.time()) + 3600,
            "nonce": grant["nonce"],
            "https://slack.com/user_id": self.user["id"],
            "https://slack.com/team_id": "T0TEAM",
            "email": self.user["email"],
            "name": self.user["name"],
            **self.claims_override,
        }
        return _json({"ok": True, "access_token": "xoxp-openid", "id_token": _unsigned_jwt(claims)})


def _unsigned_jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def _json(data: dict[str, Any]) -> Response:
    return Response(json.dumps(data), 200, content_type="application/json")


def query_of(url: str) -> dict[str, str]:
    """The query parameters of `url`, one value each."""
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}

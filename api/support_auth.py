"""Who may see support's page: "Sign in with Slack" (OpenID Connect) for SUPPORT_SLACK_IDS and
ADMIN_SLACK_IDS, a single-use link from `mailbox-assistant support-link` otherwise, and the session.

The session is a cookie signed with SECRET_KEY (itsdangerous, timestamped: it lasts
SUPPORT_SESSION_HOURS), HttpOnly, SameSite=Lax, and `__Host-` + Secure when PUBLIC_URL is https. A Slack
session is checked against the allow-list on every request, so removing someone's id ends it. The
pages are `@public` for the API-key check (a browser has no key) and need this session instead.

GET  /support/sign-in                  how to sign in (the Slack button when configured)
GET  /support/sign-in/slack            → Slack's authorize page (state and nonce in a signed cookie)
GET  /support/sign-in/slack/callback   checks state, exchanges the code, verifies the ID token, signs in
GET  /support/sign-in/<token>          confirms a sign-in link (a GET never uses it: link previews)
POST /support/sign-in/<token>          uses the link and signs in
POST /support/sign-out                 ends the session
"""

from __future__ import annotations

import functools
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

import jwt
import requests
from flask import Blueprint, Response, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from api.auth import public
from api.reconnect_pages import is_https, secure_headers, settings
from api.web import get_session
from mailbox_assistant.outcomes.signin import pending_email, redeem_sign_in

logger = logging.getLogger(__name__)
View = TypeVar("View", bound=Callable[..., Any])
SLACK_ISSUER = "https://slack.com"
SLACK_USER_ID_CLAIM = "https://slack.com/user_id"
OIDC_MINUTES = 10
CLOCK_SKEW_SECONDS = 60

bp = Blueprint("support_sign_in", __name__, url_prefix="/support")
bp.after_request(secure_headers)


@dataclass(frozen=True)
class Person:
    """Who is signed in: an address (link, or Slack's), the Slack id when through Slack, a CSRF token."""

    email: str | None
    slack_id: str | None
    name: str
    csrf: str


def signed_in() -> Person | None:
    """The person of this request's session cookie, or None (no cookie, altered, expired, or no longer
    on the Slack allow-list)."""
    if settings().secret_key is None:
        return None
    value = request.cookies.get(_cookie_name("session"))
    if not value:
        return None
    max_age = int(settings().support_session_hours * 3600)
    try:
        data = _serializer("session").loads(value, max_age=max_age)
        person = Person(**data)
    except (BadSignature, TypeError):
        return None
    if person.slack_id is not None and person.slack_id not in allowed_slack_ids():
        return None
    return person


def support_page(view: View) -> View:
    """Mark a view as one of support's pages: public for API keys, signed-in people only."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if settings().secret_key is None:
            return _message(503, "Support's page is not set up", "This server has no SECRET_KEY.")
        person = signed_in()
        if person is None:
            return redirect(url_for("support_sign_in.show_sign_in", next=request.full_path.rstrip("?")), 303)
        return view(person, *args, **kwargs)

    return public(guarded)  # type: ignore[return-value]


def allowed_slack_ids() -> frozenset[str]:
    """The Slack users who may sign in with Slack."""
    return settings().support_slack_ids | settings().admin_slack_ids


@bp.get("/sign-in")
@public
def show_sign_in() -> Response:
    """How to sign in: Sign in with Slack when it is configured, and the sign-in link command."""
    return Response(
        render_template(
            "support/sign_in.html",
            title="Sign in",
            slack_enabled=_slack_configured(),
            next=_safe_next(request.args.get("next")),
        )
    )


@bp.get("/sign-in/slack")
@public
def start_slack_sign_in() -> Response:
    """Send the browser to Slack's OpenID Connect authorize page."""
    if not _slack_configured() or settings().secret_key is None:
        return _message(404, "Sign in with Slack is not set up", "Ask for a sign-in link instead.")
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    query = {
        "response_type": "code",
        "scope": "openid email profile",
        "client_id": settings().slack_client_id,
        "redirect_uri": _slack_redirect_uri(),
        "state": state,
        "nonce": nonce,
    }
    response = redirect(f"{settings().slack_openid_authorize_url}?{urlencode(query)}", 303)
    flow = {"state": state, "nonce": nonce, "next": _safe_next(request.args.get("next"))}
    _set_cookie(response, "oidc", _serializer("oidc").dumps(flow), OIDC_MINUTES * 60)
    return response


@bp.get("/sign-in/slack/callback")
@public
def finish_slack_sign_in() -> Response:
    """Check the state, exchange the code at Slack, read who it is from the ID token, sign them in."""
    try:
        flow = _serializer("oidc").loads(
            request.cookies.get(_cookie_name("oidc"), ""), max_age=OIDC_MINUTES * 60
        )
    except BadSignature:
        flow = None
    state = request.args.get("state", "")
    if not flow or not hmac.compare_digest(str(flow.get("state", "")), state):
        return _message(400, "That sign-in did not start here", "Start again from the sign-in page.")
    if request.args.get("error") or not request.args.get("code"):
        return _message(403, "Slack did not sign you in", "The sign-in was cancelled or refused.")
    claims = _exchange_code(request.args["code"], flow["nonce"])
    if claims is None:
        return _message(502, "Slack's answer could not be read", "Try again in a moment.")
    slack_id = claims.get(SLACK_USER_ID_CLAIM) or ""
    if slack_id not in allowed_slack_ids():
        logger.info("support sign-in refused for Slack user %s", slack_id)
        return _message(
            403,
            "This page is for support",
            "Your Slack account is not on the support list (SUPPORT_SLACK_IDS or ADMIN_SLACK_IDS).",
        )
    person = Person(
        email=claims.get("email"), slack_id=slack_id, name=claims.get("name") or slack_id, csrf=_new_csrf()
    )
    response = _start_session(person, flow.get("next"))
    response.delete_cookie(_cookie_name("oidc"), path="/", secure=is_https(), httponly=True, samesite="Lax")
    return response


@bp.get("/sign-in/<token>")
@public
def confirm_sign_in_link(token: str) -> Response:
    """The sign-in link's page: who it signs in, and a button that uses it."""
    email = pending_email(get_session(), token)
    if email is None:
        return _used_link()
    return Response(render_template("support/sign_in_link.html", title="Sign in", email=email))


@bp.post("/sign-in/<token>")
@public
def use_sign_in_link(token: str) -> Response:
    """Use the link (once) and sign in."""
    email = redeem_sign_in(get_session(), token)
    if email is None:
        return _used_link()
    return _start_session(Person(email=email, slack_id=None, name=email, csrf=_new_csrf()), None)


@bp.post("/sign-out")
@public
def sign_out() -> Response:
    """End the session (the form carries the session's CSRF token)."""
    person = signed_in()
    if person is not None and not hmac.compare_digest(person.csrf, request.form.get("csrf", "")):
        return _message(400, "That sign-out did not come from this page", "Use the Sign out button.")
    response = _message(200, "Signed out", "You are signed out of support's page.", link=True)
    response.delete_cookie(
        _cookie_name("session"), path="/", secure=is_https(), httponly=True, samesite="Lax"
    )
    return response


def _start_session(person: Person, next_url: str | None) -> Response:
    response = redirect(_safe_next(next_url), 303)
    hours = settings().support_session_hours
    _set_cookie(response, "session", _serializer("session").dumps(asdict(person)), int(hours * 3600))
    return response


def _exchange_code(code: str, nonce: str) -> dict[str, Any] | None:
    """The claims of the ID token Slack's token endpoint gives for the code, once its RS256 signature
    (Slack's published keys), issuer, audience, expiry and nonce hold; None otherwise."""
    secret = settings().slack_client_secret
    timeout = settings().oauth_timeout_seconds
    try:
        answer = requests.post(
            settings().slack_openid_token_url,
            data={
                "client_id": settings().slack_client_id,
                "client_secret": secret.get_secret_value() if secret else "",
                "code": code,
                "redirect_uri": _slack_redirect_uri(),
            },
            timeout=timeout,
        ).json()
    except (requests.RequestException, ValueError):
        logger.warning("Slack's token endpoint did not answer", exc_info=True)
        return None
    if not isinstance(answer, dict) or not answer.get("ok") or not isinstance(answer.get("id_token"), str):
        logger.warning(
            "Slack refused the sign-in code: %s", answer.get("error") if isinstance(answer, dict) else "?"
        )
        return None
    try:
        key = _slack_keys(settings().slack_openid_jwks_url, timeout).get_signing_key_from_jwt(
            answer["id_token"]
        )
        claims = jwt.decode(
            answer["id_token"],
            key.key,
            algorithms=["RS256"],
            audience=settings().slack_client_id,
            issuer=SLACK_ISSUER,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
    except (jwt.PyJWKClientError, jwt.InvalidTokenError) as exc:
        logger.warning("Slack's ID token was refused: %s", exc)
        return None
    if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        logger.warning("Slack's ID token is not for this sign-in (nonce)")
        return None
    return claims


@functools.lru_cache(maxsize=4)
def _slack_keys(jwks_url: str, timeout: float) -> jwt.PyJWKClient:
    """Slack's signing keys, fetched once an hour."""
    return jwt.PyJWKClient(jwks_url, cache_jwk_set=True, lifespan=3600, timeout=timeout)


def _used_link() -> Response:
    return _message(
        410,
        "This sign-in link cannot be used",
        "It has been used already, has expired (links last 10 minutes) or was never made.",
        details=["Run `mailbox-assistant support-link --email you@example.com` for a new one."],
    )


def _message(
    status: int, title: str, message: str, *, details: list[str] | None = None, link: bool = False
) -> Response:
    html = render_template(
        "support/message.html", title=title, message=message, details=details or [], sign_in_link=link
    )
    return Response(html, status)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    secret = settings().secret_key
    assert secret is not None  # the views check it first
    return URLSafeTimedSerializer(secret.get_secret_value(), salt=f"mailbox-assistant.support-{purpose}")


def _cookie_name(purpose: str) -> str:
    name = f"mba_support_{purpose}"
    return f"__Host-{name}" if is_https() else name


def _set_cookie(response: Response, purpose: str, value: str, max_age: int) -> None:
    response.set_cookie(
        _cookie_name(purpose),
        value,
        max_age=max_age,
        path="/",
        secure=is_https(),
        httponly=True,
        samesite="Lax",  # sent on Slack's top-level redirect back to the callback
    )


def _safe_next(value: str | None) -> str:
    """Where to go after signing in: a support page of this server, never elsewhere."""
    if (
        value
        and value.startswith("/support")
        and not value.startswith("/support/sign-")
        and "\\" not in value
    ):
        return value
    return "/support"


def _slack_configured() -> bool:
    return bool(settings().slack_client_id and settings().slack_client_secret)


def _slack_redirect_uri() -> str:
    return f"{settings().public_url.rstrip('/')}/support/sign-in/slack/callback"


def _new_csrf() -> str:
    return secrets.token_urlsafe(24)

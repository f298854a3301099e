"""The reconnect pages' rendering and security headers (CSP, no referrer, no framing, no caching)."""

from __future__ import annotations

from flask import Response, current_app, make_response, render_template

from mailbox_assistant.reconnect.providers import configured_providers
from mailbox_assistant.settings import Settings

FLOW_COOKIE_HTTP = "mba_flow"
FLOW_COOKIE_HTTPS = "__Host-mba_flow"  # __Host-: Secure, Path=/, no Domain — set by this host only


def settings() -> Settings:
    """The app's settings."""
    return current_app.extensions["settings"]


def is_https() -> bool:
    """True when PUBLIC_URL is https (cookies are then Secure)."""
    return settings().public_url.lower().startswith("https://")


def flow_cookie_name() -> str:
    """The name of the cookie that binds an OAuth flow to the browser that started it."""
    return FLOW_COOKIE_HTTPS if is_https() else FLOW_COOKIE_HTTP


def page(
    status: int, title: str, message: str, *, details: list[str] | None = None, **extra: object
) -> Response:
    """A small message page: what happened (`message`), and what to do (`details`)."""
    html = render_template("message.html", title=title, message=message, details=details or [], **extra)
    return make_response(html, status)


def secure_headers(response: Response) -> Response:
    """Headers of every reconnect page: strict CSP, no referrer (token URLs), no framing, no caching."""
    form_targets = " ".join(
        ["'self'", *sorted({p.authorize_origin for p in configured_providers(settings())})]
    )
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
        f"form-action {form_targets}; frame-ancestors 'none'"
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    if is_https():
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response

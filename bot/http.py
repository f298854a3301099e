"""HTTP mode: a Flask app serving `POST /slack/events` (gunicorn: `bot.http:create_app()`).

Nothing of a request is parsed before its signature is checked (Bolt parses a body when it builds its
request, before its own check): the body is read up to MAX_BODY_BYTES (413 past it, the rest unread),
its Slack signature verified (401, logged without the body), then parsed (400 when it is not a JSON
object or form Slack would send) and handed to Bolt, which verifies it again.
"""

from __future__ import annotations

import logging

from flask import Flask, Request, Response, jsonify, request
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.flask.handler import to_flask_response
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

from mailbox_assistant.logs import configure_logging
from mailbox_assistant.settings import Settings, get_settings

logger = logging.getLogger(__name__)

# Slack's requests are a few kilobytes; the largest it sends us (a click on a full message) stays far
# below this.
MAX_BODY_BYTES = 1024 * 1024
READ_CHUNK_BYTES = 64 * 1024


def create_app(settings: Settings | None = None, bolt_app: App | None = None) -> Flask:
    """The Flask app around the Bolt app; built from the environment when nothing is passed."""
    from bot.app import build_bot

    if settings is None:  # a process starting (gunicorn 'bot.http:create_app()'): check what it needs now
        settings = get_settings()
        settings.check_for("bot-http")
    configure_logging(settings.log_level)
    settings.require("slack_signing_secret")
    verifier = SignatureVerifier(settings.slack_signing_secret.get_secret_value())
    bolt_app = bolt_app or build_bot(settings)
    app = Flask(__name__)

    @app.post("/slack/events")
    def slack_events():
        """Every Slack request: events, slash commands and interactivity."""
        checked = signed_request(request, verifier)
        if isinstance(checked, Response):
            return checked
        return to_flask_response(bolt_app.dispatch(checked))

    @app.get("/healthz")
    def healthz():
        """Liveness probe."""
        return {"status": "ok"}

    return app


def signed_request(req: Request, verifier: SignatureVerifier) -> BoltRequest | Response:
    """The request as Bolt takes it, or the refusal: 413 too large, 401 unsigned, 400 malformed."""
    raw = read_body(req)
    if raw is None:
        logger.info("refused a Slack request: body over %d bytes", MAX_BODY_BYTES)
        return refusal(413, "request body too large")
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return refusal(400, "request body is not UTF-8")
    if not is_signed(verifier, body, req):
        logger.info("refused a Slack request: bad or stale signature (%d bytes)", len(raw))
        return refusal(401, "invalid request")
    try:
        parsed = parse_body(body, req.mimetype)
    except (ValueError, RecursionError):
        parsed = None
    if not isinstance(parsed, dict):
        logger.warning("refused a signed Slack request whose body is not a Slack payload")
        return refusal(400, "malformed request body")
    return BoltRequest(body=body, query=req.query_string.decode("utf-8"), headers=req.headers)


def read_body(req: Request) -> bytes | None:
    """The raw body, read in chunks; None as soon as it is larger than MAX_BODY_BYTES."""
    if req.content_length is not None and req.content_length > MAX_BODY_BYTES:
        return None
    body = bytearray()
    while chunk := req.stream.read(READ_CHUNK_BYTES):
        if len(body) + len(chunk) > MAX_BODY_BYTES:
            return None
        body += chunk
    return bytes(body)


def is_signed(verifier: SignatureVerifier, body: str, req: Request) -> bool:
    """True when Slack signed `body` within the last five minutes (a malformed timestamp is unsigned)."""
    timestamp = req.headers.get("X-Slack-Request-Timestamp", "")
    signature = req.headers.get("X-Slack-Signature", "")
    if not timestamp.isascii() or not timestamp.isdigit() or not signature:
        return False
    return verifier.is_valid(body, timestamp, signature)


def refusal(status: int, detail: str) -> Response:
    """A short JSON refusal."""
    response = jsonify(error=detail)
    response.status_code = status
    return response

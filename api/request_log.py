"""One structured log line per request: method, route, status, duration; never keys, tokens or queries."""

from __future__ import annotations

import json
import logging
import time

from flask import Flask, Response, g, request

logger = logging.getLogger("api.requests")


def init_request_log(app: Flask, level: str = "INFO") -> None:
    """Log every request of `app` as one JSON line (to stderr when logging is not configured yet)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level.upper(), format="%(message)s")
    app.before_request(_start_timer)
    app.after_request(_log_request)


def _start_timer() -> None:
    """Remember when the request started."""
    g.request_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    """Write the line with the matched URL rule (`/reconnect/<token>`), never the concrete path: a path
    can carry a bearer secret (a signed reconnect link). Unmatched requests log route null."""
    if logger.isEnabledFor(logging.INFO):
        started = g.get("request_started", time.perf_counter())
        record = {
            "method": request.method,
            "route": request.url_rule.rule if request.url_rule is not None else None,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "api_key_id": g.get("api_key_id"),
        }
        logger.info(json.dumps(record))
    return response

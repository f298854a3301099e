"""The `bot` command: Socket Mode for development, `--http` to serve `POST /slack/events`."""

from __future__ import annotations

import argparse
import logging
import os

from mailbox_assistant.logs import configure_logging
from mailbox_assistant.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `bot` command."""
    parser = subparsers.add_parser("bot", help="run the Slack bot (Socket Mode, or HTTP with --http)")
    parser.add_argument("--http", action="store_true", help="serve POST /slack/events instead of Socket Mode")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP mode: address to listen on")
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("PORT", "3000")), help="HTTP mode port"
    )
    parser.set_defaults(func=run_bot)


def run_bot(args: argparse.Namespace) -> int:
    """Start the bot in the mode asked for; a missing setting stops it with one line naming it."""
    settings = load_settings()
    configure_logging(settings.log_level)
    if args.http:
        return _serve_http(settings, args.host, args.port)
    settings.check_for("bot-socket")
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import build_bot

    app = build_bot(settings, socket_mode=True)
    print("Slack bot connected in Socket Mode; press Ctrl-C to stop.", flush=True)
    SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
    return 0


def _serve_http(settings, host: str, port: int) -> int:
    """Serve the Flask app with Werkzeug's threaded server (production: gunicorn, see the Procfile)."""
    from werkzeug.serving import make_server

    from bot.http import create_app

    settings.check_for("bot-http")
    # Werkzeug's access lines only at DEBUG: Slack posts every event here.
    logging.getLogger("werkzeug").setLevel(max(logging.INFO + 1, logging.getLogger().level))
    server = make_server(host, port, create_app(settings), threaded=True)
    print(f"Slack bot listening on http://{host}:{server.server_port}/slack/events", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0

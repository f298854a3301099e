"""Commands of the status API: `api` (dev server), `db upgrade`, `api-key create|list|revoke`."""

from __future__ import annotations

import argparse
import json
import logging
from typing import TYPE_CHECKING

from mailbox_assistant.settings import load_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `api`, `db` and `api-key` commands."""
    serve = subparsers.add_parser("api", help="run the status API development server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.set_defaults(func=run_api)

    db = subparsers.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply the migrations up to the latest").set_defaults(func=run_db_upgrade)

    keys = subparsers.add_parser("api-key", help="manage status API keys")
    key_commands = keys.add_subparsers(dest="key_command", required=True)
    create = key_commands.add_parser("create", help="create a key; it is printed once, on the last line")
    create.add_argument("--name", required=True)
    create.add_argument("--scope", required=True, choices=["read", "write", "admin"])
    create.set_defaults(func=run_key_create)
    listing = key_commands.add_parser("list", help="list keys (never the keys themselves)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(func=run_key_list)
    revoke = key_commands.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("key_id", type=int)
    revoke.set_defaults(func=run_key_revoke)


def run_api(args: argparse.Namespace) -> int:
    """Serve the API with Flask's development server (production: gunicorn, see the Procfile)."""
    from api import create_app

    settings = load_settings()
    settings.check_for("api")
    logging.basicConfig(level=settings.log_level.upper(), format="%(message)s")
    # Werkzeug's own access line carries the query string; api.requests logs each request instead.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    create_app(settings).run(host=args.host, port=args.port)
    return 0


def run_db_upgrade(_args: argparse.Namespace) -> int:
    """Upgrade the database at DATABASE_URL to the latest migration."""
    from migrations import upgrade

    upgrade(load_settings().database_url)
    return 0


def _sessions() -> sessionmaker[Session]:
    """A session factory over DATABASE_URL (imported lazily to keep the CLI's start-up fast)."""
    from mailbox_assistant.db import make_engine, make_session_factory

    return make_session_factory(make_engine(load_settings().database_url))


def run_key_create(args: argparse.Namespace) -> int:
    """Create a key and print it once, alone on the last line of stdout."""
    from api.keys import create_key
    from mailbox_assistant.db import session_scope

    with session_scope(_sessions()) as session:
        row, key = create_key(session, args.name, args.scope)
    print(
        f"Created API key {row.id} '{row.name}' with scope {row.scope}. Store it now; it is not shown again:"
    )
    print(key)
    return 0


def run_key_list(args: argparse.Namespace) -> int:
    """Print every key's id, name, scope, prefix and state."""
    from api.keys import list_keys
    from mailbox_assistant.db import session_scope

    with session_scope(_sessions()) as session:
        rows = [row.as_dict() for row in list_keys(session)]
    for row in rows:
        if args.json:
            print(json.dumps(row))
        else:
            state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "active"
            print(f"{row['id']}\t{row['name']}\t{row['scope']}\t{row['prefix']}…\t{state}")
    return 0


def run_key_revoke(args: argparse.Namespace) -> int:
    """Revoke a key by id; exit code 1 if there is no such key."""
    from api.keys import revoke_key
    from mailbox_assistant.db import session_scope

    with session_scope(_sessions()) as session:
        row = revoke_key(session, args.key_id)
    if row is None:
        print(f"mailbox-assistant: no API key with id {args.key_id}")
        return 1
    print(f"Revoked API key {row.id} '{row.name}'.")
    return 0

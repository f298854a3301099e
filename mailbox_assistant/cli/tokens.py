"""`mailbox-assistant tokens rotate`: re-encrypt stored OAuth tokens under the newest key."""

from __future__ import annotations

import argparse

from mailbox_assistant.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `tokens` and its subcommands."""
    parser = subparsers.add_parser("tokens", help="stored OAuth tokens")
    commands = parser.add_subparsers(dest="tokens_command", required=True, metavar="COMMAND")
    rotate = commands.add_parser(
        "rotate",
        help="re-encrypt every stored token under the first key of TOKEN_ENCRYPTION_KEY",
        description="Run after putting a new key first in TOKEN_ENCRYPTION_KEY (NEW,OLD) on every "
        "process; drop OLD only once this reports no unreadable token.",
    )
    rotate.set_defaults(func=run_rotate)


def run_rotate(_args: argparse.Namespace) -> int:
    """Rotate every row; exit code 1 when some tokens no configured key opens."""
    from sqlalchemy.pool import NullPool

    from mailbox_assistant.db import make_engine, make_session_factory
    from mailbox_assistant.reconnect.crypto import cipher_from_settings
    from mailbox_assistant.reconnect.rotation import rotate_tokens

    settings = load_settings()
    cipher = cipher_from_settings(settings)
    engine = make_engine(settings.database_url, poolclass=NullPool)
    try:
        result = rotate_tokens(make_session_factory(engine), cipher)
    finally:
        engine.dispose()
    print(f"Re-encrypted the tokens of {result.rotated} mailbox(es) under the newest key.")
    if result.unreadable:
        ids = ", ".join(str(i) for i in result.unreadable)
        print(
            f"{len(result.unreadable)} mailbox(es) have tokens no key of TOKEN_ENCRYPTION_KEY opens "
            f"(mailbox ids {ids}); keep the key that wrote them, or they must be reconnected "
            "(the token monitor records each as disconnected)."
        )
        return 1
    return 0

"""`mailbox-assistant support-link --email ADDRESS`: a single-use sign-in link to the support page."""

from __future__ import annotations

import argparse

from mailbox_assistant.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `support-link`."""
    parser = subparsers.add_parser(
        "support-link", help="print a single-use sign-in link to the support page (valid 10 minutes)"
    )
    parser.add_argument("--email", required=True, help="who signs in with it (shown on the page)")
    parser.set_defaults(func=run_support_link)


def run_support_link(args: argparse.Namespace) -> int:
    """Store a sign-in for the address and print its link, alone on the last line."""
    from sqlalchemy.orm import Session
    from sqlalchemy.pool import NullPool

    from mailbox_assistant.db import make_engine
    from mailbox_assistant.outcomes.signin import LINK_LIFETIME, create_sign_in

    email = args.email.strip()
    if "@" not in email or len(email) > 320 or any(c.isspace() for c in email):
        print(f"mailbox-assistant support-link: {email!r} is not an email address")
        return 2
    settings = load_settings()
    settings.require("secret_key")  # the page's session cookies are signed with it
    engine = make_engine(settings.database_url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            token = create_sign_in(session, email.lower())
    finally:
        engine.dispose()
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    print(f"Sign-in link for {email.lower()}, valid {minutes} minutes and usable once:")
    print(f"{settings.public_url.rstrip('/')}/support/sign-in/{token}")
    return 0

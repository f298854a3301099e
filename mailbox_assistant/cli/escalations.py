"""`mailbox-assistant escalations list [--failed] | retry ID | close ID`: the outbox, for operators."""

from __future__ import annotations

import argparse

from mailbox_assistant.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `escalations` and its subcommands."""
    parser = subparsers.add_parser("escalations", help="list, retry or close escalations to support")
    commands = parser.add_subparsers(dest="escalations_command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="recent escalations with their delivery status")
    listing.add_argument(
        "--failed", action="store_true", help="only those not delivered after repeated tries"
    )
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.set_defaults(func=run_list)

    retry = commands.add_parser("retry", help="deliver an undelivered escalation on the worker's next turn")
    retry.add_argument("id", type=int)
    retry.set_defaults(func=run_retry)

    close = commands.add_parser("close", help="close a case, so its asker can open a new one")
    close.add_argument("id", type=int)
    close.set_defaults(func=run_close)


def run_list(args: argparse.Namespace) -> int:
    """Print one line per escalation, newest first, and a count."""
    from mailbox_assistant.escalation.cases import list_cases

    with _session() as session:
        cases = list_cases(session, failed_only=args.failed, limit=args.limit)
    for case in cases:
        print(
            f"#{case.id}  {case.status:<7}  attempts={case.attempts}  {case.created_at:%Y-%m-%d %H:%M}  "
            f"{case.asker_email or case.asker_slack_id}  {case.mailbox_email or case.mailbox_ref}  "
            f"{case.reason}  email={'sent' if case.email_sent_at else 'pending'}  "
            f"slack={'posted' if case.slack_posted_at else '-'}"
            + (
                f"  next={case.run_at:%Y-%m-%d %H:%M}  error={case.last_error}"
                if case.status != "sent"
                else ""
            )
        )
    print(f"{len(cases)} {'failed ' if args.failed else ''}escalation(s)")
    return 0


def run_retry(args: argparse.Namespace) -> int:
    """Make an undelivered escalation due now."""
    from mailbox_assistant.escalation.cases import retry_case

    with _session() as session:
        if not retry_case(session, args.id):
            print(f"escalation #{args.id}: no such undelivered escalation")
            return 1
    print(f"escalation #{args.id} queued; the worker sends it on its next turn")
    return 0


def run_close(args: argparse.Namespace) -> int:
    """Close a case: its asker may open a new one about the same mailbox."""
    from mailbox_assistant.escalation.cases import close_case

    with _session() as session:
        if not close_case(session, args.id):
            print(f"escalation #{args.id}: no such open case")
            return 1
    print(f"escalation #{args.id} closed")
    return 0


def _session():
    """A session of its own (no pool kept: the command runs once)."""
    from sqlalchemy.orm import Session
    from sqlalchemy.pool import NullPool

    from mailbox_assistant.db import make_engine

    return Session(make_engine(load_settings().database_url, poolclass=NullPool), expire_on_commit=False)

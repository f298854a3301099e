"""`mailbox-assistant report [--since 7d] [--until …] [--json]`: the outcomes report as a table."""

from __future__ import annotations

import argparse
import json

from mailbox_assistant.settings import load_settings

COLUMNS = [
    ("disconnections", "disconnected"),
    ("reconnected", "reconnected"),
    ("reconnected_within_24h", "within 24h"),
    ("escalated", "escalated"),
    ("feedback_yes", "helped"),
    ("feedback_no", "did not"),
    ("self_serve_rate", "self-serve"),
    ("median_minutes_to_reconnect", "median min"),
    ("notified", "notified"),
    ("median_minutes_to_first_notice", "min to notice"),
]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `report`."""
    parser = subparsers.add_parser(
        "report", help="what became of the disconnections: by reason, by provider and in all"
    )
    parser.add_argument(
        "--since", default="30d", help="7d, 24h, 2w (before now), or an ISO 8601 date or time (default 30d)"
    )
    parser.add_argument("--until", help="the end of the period, in the same forms (default: now)")
    parser.add_argument("--json", action="store_true", help="the report as the status API returns it")
    parser.set_defaults(func=run_report)


def run_report(args: argparse.Namespace) -> int:
    """Print the report of the period."""
    from sqlalchemy.orm import Session
    from sqlalchemy.pool import NullPool

    from mailbox_assistant.db import make_engine
    from mailbox_assistant.orm import utcnow
    from mailbox_assistant.outcomes.report import outcomes_report, parse_moment

    now = utcnow()
    try:
        until = parse_moment(args.until, now) if args.until else now
        since = parse_moment(args.since, now)
    except ValueError:
        print("mailbox-assistant report: --since and --until take 7d, 24h, 2w or an ISO 8601 date or time")
        return 2
    if since >= until:
        print("mailbox-assistant report: the period is empty (--since must be before --until)")
        return 2
    engine = make_engine(load_settings().database_url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            report = outcomes_report(session, since, until).as_dict()
    finally:
        engine.dispose()
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def format_report(report: dict) -> str:
    """The report as two tables (by reason, by provider) with the totals under each."""
    lines = [f"Disconnections from {report['since'][:16]} to {report['until'][:16]} UTC", ""]
    for key, title in (("reasons", "reason"), ("providers", "provider")):
        rows = [[row[title], *(_cell(row[name], name) for name, _ in COLUMNS)] for row in report[key]]
        rows.append(["all", *(_cell(report["totals"][name], name) for name, _ in COLUMNS)])
        lines.extend(_table([title, *(label for _, label in COLUMNS)], rows))
        lines.append("")
    lines.append(
        "self-serve: reconnected within 24 hours with no escalation, over disconnections; notified: the"
        " owner was told by a proactive DM or an answer (see the README)"
    )
    return "\n".join(lines)


def _cell(value: object, name: str) -> str:
    if value is None:
        return "-"
    if name == "self_serve_rate":
        return f"{value:.0%}"
    if name.startswith("median_minutes"):
        return f"{value:g}"
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join(
            [first, *(cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))]
        )

    return [line(header), "  ".join("-" * width for width in widths), *(line(row) for row in rows)]

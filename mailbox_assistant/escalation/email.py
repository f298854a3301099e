"""The escalation email, pure: a case row in, an `EmailMessage` (subject, headers, text and HTML) out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape
from typing import Any
from urllib.parse import urlencode

from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.mailboxes.status import parse_time
from mailbox_assistant.providers import support_name
from mailbox_assistant.redact import redact

SUBJECT_PREFIX = "[Mailbox disconnected]"
SLACK_ID = re.compile(r"[A-Za-z0-9_]{1,32}")


@dataclass(frozen=True)
class Link:
    """A URL the system built (the only kind of value the HTML body turns into a link)."""

    url: str
    text: str


Value = str | Link


def subject_for(case: Escalation) -> str:
    """`[Mailbox disconnected] <mailbox email>: <reason title>` on one line."""
    return _one_line(f"{SUBJECT_PREFIX} {mailbox_label(case)}: {case.reason_title}", 250)


def mailbox_label(case: Escalation) -> str:
    """The mailbox as support names it: its address, else its id, else the person's Slack account; never
    free text from the click that opened the case."""
    if case.mailbox_email:
        return case.mailbox_email
    ref = mailbox_id_header(case)
    if ref.startswith("slack:"):
        return f"Slack user {ref.removeprefix('slack:')}"
    return "unknown mailbox" if ref == "unknown" else f"mailbox {ref}"


def mailbox_id_header(case: Escalation) -> str:
    """`X-Mailbox-Id`: the mailbox id, else the address or `slack:<user id>` the case is about, else
    `unknown`; a value the case row holds is used only when it has one of these shapes."""
    if case.mailbox_id is not None:
        return str(case.mailbox_id)
    ref = case.mailbox_ref or ""
    if ref.isascii() and ref.isdigit():
        return ref
    if case.mailbox_email:
        return _one_line(case.mailbox_email, 320)
    if ref.startswith("slack:") and SLACK_ID.fullmatch(ref.removeprefix("slack:")):
        return ref
    return "unknown"


def message_id(case: Escalation, email_from: str) -> str:
    """A Message-ID fixed by the escalation id, so a resend after a crash is recognisably the same email."""
    domain = email_from.rpartition("@")[2].strip(" >") or "localhost"
    return f"<escalation-{case.id}@{domain}>"


def slack_user_link(case: Escalation) -> Value:
    """A link that opens the asker in Slack (a DM with them), or their user id when the team is unknown."""
    if case.asker_team_id:
        query = urlencode({"team": case.asker_team_id, "channel": case.asker_slack_id})
        url = f"https://slack.com/app_redirect?{query}"
        return Link(url, url)
    return f"Slack user {case.asker_slack_id}"


def build_email(case: Escalation, *, support_email: str, email_from: str) -> EmailMessage:
    """The email support receives for `case` (contract: subject, Reply-To and the X- headers)."""
    message = EmailMessage()
    message["Subject"] = subject_for(case)
    message["From"] = email_from
    message["To"] = support_email
    if case.asker_email:
        message["Reply-To"] = case.asker_email
    message["Date"] = format_datetime(case.created_at)
    message["Message-ID"] = message_id(case, email_from) if case.id else make_msgid()
    message["X-Mailbox-Id"] = mailbox_id_header(case)
    message["X-Mailbox-Reason"] = case.reason
    message["X-Escalation-Id"] = str(case.id)
    message["Auto-Submitted"] = "auto-generated"
    sections = case_sections(case)
    message.set_content(render_text(case, sections))
    message.add_alternative(render_html(case, sections), subtype="html")
    return message


def case_sections(case: Escalation) -> list[tuple[str, list[tuple[str, Value]]]]:
    """The facts of the case as titled lists of (label, value), shared by both bodies."""
    provider = support_name(case.provider)
    return [
        (
            "Who asked",
            [
                ("Name", case.asker_name),
                ("Email", case.asker_email or "(none on the Slack profile)"),
                ("Slack", slack_user_link(case)),
            ],
        ),
        (
            "Mailbox",
            [
                ("Address", mailbox_label(case)),
                ("Mailbox id", str(case.mailbox_id) if case.mailbox_id is not None else "(not found)"),
                ("Provider", provider),
                ("Current status", case.mailbox_status or "unknown (status service unreachable)"),
            ],
        ),
        (
            "Last failure",
            [
                ("Reason", f"{case.reason_title} ({case.reason})"),
                ("Raw error", redact(case.raw_error) or "(none recorded)"),
                ("Time", _time(case.failed_at)),
            ],
        ),
    ]


def history_lines(case: Escalation) -> list[str]:
    """One line per recent event, newest first."""
    return [
        _one_line(
            f"{_time(_parse(event.get('occurred_at')))}  {event.get('type', '?')}"
            + (f"  {event['reason']}" if event.get("reason") else "")
            + (f"  — {redact(event['error'])}" if event.get("error") else "")
        )
        for event in case.history or []
    ]


def transcript_lines(case: Escalation) -> list[tuple[str, str]]:
    """(speaker, text) per turn, oldest first."""
    names = {"user": case.asker_name, "bot": "Mailbox Assistant"}
    return [
        (
            f"{_time(_parse(turn.get('at')))} {names.get(turn.get('role', ''), '?')}",
            redact(turn["text"]) or "",
        )
        for turn in case.transcript or []
    ]


def render_text(case: Escalation, sections: list[tuple[str, list[tuple[str, Value]]]]) -> str:
    """The plain-text body."""
    lines = [f"Escalation #{case.id}: {case.asker_name} needs help with {mailbox_label(case)}.", ""]
    for title, rows in sections:
        lines.append(title)
        lines.extend(f"  {label + ':':<15} {_plain(value)}" for label, value in rows)
        lines.append("")
    lines.append("Recent event history (newest first)")
    lines.extend(f"  {line}" for line in history_lines(case) or ["(none available)"])
    lines.append("")
    lines.append("Conversation with the assistant (oldest first)")
    for speaker, text in transcript_lines(case) or [("", "(no recent messages)")]:
        lines.append(f"  {speaker}: {text}" if speaker else f"  {text}")
    lines += ["", _reply_hint(case)]
    return "\n".join(lines) + "\n"


def render_html(case: Escalation, sections: list[tuple[str, list[tuple[str, Value]]]]) -> str:
    """The HTML body; every value is escaped, so user text shows as text (a `<script>` or a URL included):
    only the links the system built are links."""
    parts = [
        '<!doctype html><html><body style="font-family:sans-serif">',
        f"<h2>Escalation #{case.id}: {escape(case.asker_name)} needs help with "
        f"{escape(mailbox_label(case))}</h2>",
    ]
    for title, rows in sections:
        parts.append(f"<h3>{escape(title)}</h3><table>")
        for label, value in rows:
            shown = _link(value) if isinstance(value, Link) else escape(value)
            parts.append(f'<tr><th align="left">{escape(label)}</th><td>{shown}</td></tr>')
        parts.append("</table>")
    parts.append("<h3>Recent event history (newest first)</h3><ul>")
    parts += [f"<li><code>{escape(line)}</code></li>" for line in history_lines(case) or ["(none available)"]]
    parts.append("</ul><h3>Conversation with the assistant (oldest first)</h3>")
    turns = transcript_lines(case)
    parts += [f"<p><b>{escape(speaker)}</b>: {_paragraph(text)}</p>" for speaker, text in turns]
    if not turns:
        parts.append("<p>(no recent messages)</p>")
    parts.append(f"<p><i>{escape(_reply_hint(case))}</i></p></body></html>")
    return "\n".join(parts)


def _reply_hint(case: Escalation) -> str:
    if case.asker_email:
        return f"Reply to this email to answer {case.asker_name} directly (Reply-To: {case.asker_email})."
    return f"{case.asker_name} has no email on their Slack profile: answer them in Slack."


def _link(link: Link) -> str:
    return f'<a href="{escape(link.url, quote=True)}">{escape(link.text)}</a>'


def _plain(value: Value) -> str:
    return value.url if isinstance(value, Link) else value


def _paragraph(text: str) -> str:
    return escape(text).replace("\n", "<br>")


def _time(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "unknown time"


def _parse(value: Any) -> datetime | None:
    return parse_time(value) if isinstance(value, str) else None


def _one_line(text: str, limit: int = 500) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"

"""What support receives is safe: user text escaped in HTML, no secrets, a bounded transcript."""

from __future__ import annotations

import re

from sqlalchemy import select

from mailbox_assistant.conversations.transcript import MAX_TRANSCRIPT_CHARS, MAX_TURNS, ConversationLog, turns
from mailbox_assistant.escalation.email import build_email
from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.escalation.smtp import SmtpConfigError, parse_smtp_url


def test_user_text_is_escaped_in_the_html_body(make_case):
    case = make_case(
        asker_name='Eve <img src=x onerror="alert(1)">',
        transcript=[{"role": "user", "text": "<script>alert('hi')</script> help", "at": None}],
        raw_error="<b>bad</b>",
    )

    message = build_email(case, support_email="s@x.com", email_from="a@x.com")

    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(&#x27;hi&#x27;)&lt;/script&gt;" in html
    assert "<img" not in html and "<b>bad" not in html
    assert "<script>alert('hi')</script> help" in text  # plain text shows it as typed


def test_no_secret_reaches_the_email(make_case):
    case = make_case(
        raw_error="invalid_grant refresh_token=1//0gSecretRefreshToken123 for Bearer ya29.AccessToken12345",
        transcript=[{"role": "user", "text": "my bot token is xoxb-1234-5678-abcdefghijkl", "at": None}],
        history=[{"type": "disconnected", "error": "password=hunter2hunter2", "occurred_at": None}],
    )

    raw = build_email(case, support_email="s@x.com", email_from="a@x.com").as_string()

    for secret in ("1//0gSecret", "ya29.Access", "xoxb-1234", "hunter2hunter2"):
        assert secret not in raw
    assert "[redacted]" in raw


def test_someone_without_an_email_gets_no_reply_to_and_support_is_told_to_use_slack(make_case):
    case = make_case(asker_email=None)

    message = build_email(case, support_email="s@x.com", email_from="a@x.com")

    assert message["Reply-To"] is None
    assert "answer them in Slack" in message.get_body(("plain",)).get_content()


def test_a_subject_cannot_carry_extra_header_lines(make_case):
    case: Escalation = make_case(reason_title="Token expired\r\nBcc: everyone@example.com")

    message = build_email(case, support_email="s@x.com", email_from="a@x.com")

    assert (
        message["Subject"] == "[Mailbox disconnected] ana@acme.com: Token expired Bcc: everyone@example.com"
    )
    assert message["Bcc"] is None


def test_the_transcript_keeps_the_last_turns_within_its_size_bound(engine):
    log = ConversationLog(engine)
    for number in range(40):
        log.record("U_ANA", "user", f"question {number} " + "x" * 2000)
    log.record("U_BO", "user", "someone else")

    recent = log.recent("U_ANA")

    assert len(recent) <= MAX_TURNS and sum(len(t["text"]) for t in recent) <= MAX_TRANSCRIPT_CHARS
    assert recent[-1]["text"].startswith("question 39") and all(len(t["text"]) <= 1000 for t in recent)
    assert [t["text"] for t in log.recent("U_BO")] == ["someone else"]


def test_the_transcript_table_keeps_only_the_last_turns_of_each_person(engine):
    log = ConversationLog(engine)
    log.record("U_BO", "user", "someone else")
    for number in range(15):
        log.record_many("U_ANA", [("user", f"question {number}"), ("bot", f"answer {number}")])

    with engine.connect() as connection:
        stored = connection.execute(select(turns.c.slack_user_id, turns.c.text).order_by(turns.c.id)).all()

    kept = [text for user, text in stored if user == "U_ANA"]
    assert kept == [f"{kind} {n}" for n in range(15 - MAX_TURNS // 2, 15) for kind in ("question", "answer")]
    assert [text for user, text in stored if user == "U_BO"] == ["someone else"]


def test_smtp_urls():
    starttls = parse_smtp_url("smtp+starttls://me%40x.com:p%40ss@mail.example.com")
    assert (starttls.host, starttls.port, starttls.security) == ("mail.example.com", 587, "starttls")
    assert (starttls.username, starttls.password) == ("me@x.com", "p@ss")
    assert "p@ss" not in repr(starttls) and "p@ss" not in starttls.describe()
    assert parse_smtp_url("smtps://mail.example.com").port == 465
    assert parse_smtp_url("smtp://localhost:2525?timeout=3").timeout == 3.0
    for bad in ("http://mail.example.com", "smtp://", "smtp://host:port"):
        try:
            parse_smtp_url(bad)
        except SmtpConfigError as exc:
            assert "SMTP_URL" in str(exc)
        else:
            raise AssertionError(f"{bad} was accepted")


def test_only_the_links_the_system_builds_are_links(make_case):
    case = make_case(
        asker_name="https://evil.example/login",
        raw_error="https://evil.example/reset your password here",
        transcript=[{"role": "user", "text": "https://evil.example/x", "at": None}],
    )

    html = build_email(case, support_email="s@x.com", email_from="a@x.com").get_body(("html",)).get_content()

    assert re.findall(r'<a href="([^"]*)"', html) == [
        "https://slack.com/app_redirect?team=T0TEAM&amp;channel=U_ANA"
    ]
    assert "https://evil.example/login" in html  # shown as text


def test_the_subject_and_headers_carry_no_text_from_the_click(make_case):
    case = make_case(
        mailbox_ref="urgent: wire the money to https://evil.example",
        mailbox_id=None,
        mailbox_email=None,
        reason="unknown",
        reason_title="Mailbox details unavailable",
    )

    message = build_email(case, support_email="s@x.com", email_from="a@x.com")

    assert message["Subject"] == "[Mailbox disconnected] unknown mailbox: Mailbox details unavailable"
    assert message["X-Mailbox-Id"] == "unknown"
    assert "evil.example" not in message.as_string()

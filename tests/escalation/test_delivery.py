"""The outbox delivers each escalation to support over real SMTP, once, whatever the server does meanwhile."""

from __future__ import annotations

import logging
import socket
import threading
from datetime import timedelta

import pytest

from mailbox_assistant.escalation.outbox import EscalationOutbox
from tests.escalation.conftest import SENDER, SUPPORT, reload
from tests.escalation.smtp_server import Credentials, SmtpServer, make_certificate, server_tls_context


def free_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_queued_case_is_emailed_to_support_with_the_contract_headers(
    smtp, mailroom, make_case, make_outbox
):
    case = make_case()

    handled = make_outbox(f"smtp://127.0.0.1:{smtp.port}").run_once()

    [message] = mailroom.wait_for_messages(1)
    assert handled == 1
    assert message["To"] == SUPPORT and message["From"] == SENDER
    assert message["Reply-To"] == "ana@acme.com"
    assert message["Subject"] == "[Mailbox disconnected] ana@acme.com: Account suspended"
    assert message["X-Mailbox-Id"] == "7"
    assert message["X-Mailbox-Reason"] == "account_suspended"
    assert message["X-Escalation-Id"] == str(case.id)
    assert message["Message-ID"] == f"<escalation-{case.id}@mailbox.example>"
    assert mailroom.envelopes[0].rcpt_tos == [SUPPORT]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "Ana Lima" in body and "ana@acme.com" in body
        assert "https://slack.com/app_redirect?team=T0TEAM&amp;channel=U_ANA" in body or (
            "https://slack.com/app_redirect?team=T0TEAM&channel=U_ANA" in body
        )
        assert "Google Workspace" in body and "disconnected" in body
        assert "Account disabled: terms of service violation" in body
        assert "why did my mailbox disconnect?" in body


def test_a_delivered_case_is_marked_sent_and_never_sent_again(
    smtp, mailroom, make_case, make_outbox, db_session, clock
):
    case = make_case()
    outbox = make_outbox(f"smtp://127.0.0.1:{smtp.port}")

    outbox.run_once()
    clock.advance(timedelta(days=1))
    again = outbox.run_once()

    delivered = reload(db_session, case)
    assert again == 0 and len(mailroom.wait_for_messages(1)) == 1
    assert delivered.status == "sent" and delivered.email_sent_at and delivered.sent_at
    assert delivered.attempts == 1 and delivered.last_error is None


def test_starttls_with_authentication(mailroom, make_case, make_outbox, tmp_path):
    cert, key = make_certificate(tmp_path)
    credentials = Credentials("mailer", "s3cret:/@pass")
    server = SmtpServer(
        mailroom,
        tls_context=server_tls_context(cert, key),
        require_starttls=True,
        authenticator=credentials,
        auth_required=True,
        auth_require_tls=True,
    ).start()
    try:
        make_case()
        url = f"smtp+starttls://mailer:s3cret%3A%2F%40pass@127.0.0.1:{server.port}?ca_file={cert}"
        make_outbox(url).run_once()

        [message] = mailroom.wait_for_messages(1)
    finally:
        server.stop()
    assert credentials.attempts == [b"mailer"]
    assert message["X-Escalation-Id"]


def test_implicit_tls_smtps(mailroom, make_case, make_outbox, tmp_path):
    cert, key = make_certificate(tmp_path)
    server = SmtpServer(mailroom, ssl_context=server_tls_context(cert, key)).start()
    try:
        make_case()
        make_outbox(f"smtps://127.0.0.1:{server.port}?ca_file={cert}").run_once()

        assert len(mailroom.wait_for_messages(1)) == 1
    finally:
        server.stop()


def test_a_wrong_password_keeps_the_case_queued_and_is_never_logged(
    mailroom, make_case, make_outbox, tmp_path, db_session, caplog
):
    cert, key = make_certificate(tmp_path)
    server = SmtpServer(
        mailroom,
        tls_context=server_tls_context(cert, key),
        require_starttls=True,
        authenticator=Credentials("mailer", "right"),
        auth_required=True,
    ).start()
    try:
        case = make_case()
        make_outbox(f"smtp+starttls://mailer:wrong-hunter2@127.0.0.1:{server.port}?ca_file={cert}").run_once()
    finally:
        server.stop()
    failed = reload(db_session, case)
    assert failed.status == "queued" and failed.attempts == 1 and "535" in failed.last_error
    assert "wrong-hunter2" not in caplog.text and "wrong-hunter2" not in failed.last_error


@pytest.mark.parametrize("trouble", ["down", "rejecting", "slow"])
def test_smtp_trouble_keeps_the_case_queued_with_backoff_then_it_is_sent_once(
    trouble, mailroom, make_case, make_outbox, db_session, clock
):
    server = SmtpServer(mailroom)
    server.port = free_port()
    if trouble != "down":
        server.start()
        mailroom.mode = {"rejecting": "reject", "slow": "slow"}[trouble]
    case = make_case()
    outbox = make_outbox(f"smtp://127.0.0.1:{server.port}?timeout=0.3", alert_after=10)
    try:
        waits = []
        for _ in range(3):
            before = clock.now
            assert outbox.run_once() == 1
            row = reload(db_session, case)
            waits.append(row.run_at - before)
            assert row.status == "queued" and row.email_sent_at is None and row.last_error
            assert outbox.run_once() == 0  # not due yet
            clock.advance(row.run_at - clock.now)
        assert row.attempts == 3
        assert waits == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]

        if trouble == "down":
            server.start()
        mailroom.mode = "accept"
        assert outbox.run_once() == 1
        clock.advance(timedelta(hours=2))
        outbox.run_once()
    finally:
        server.stop()

    assert len(mailroom.wait_for_messages(1)) == 1
    assert len(mailroom.messages) == 1
    assert reload(db_session, case).status == "sent"


def test_backoff_doubles_up_to_a_cap(engine):
    outbox = EscalationOutbox(engine, send_email=print, support_email=SUPPORT, email_from=SENDER)

    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


def test_repeated_failures_log_an_error_mark_failed_and_keep_retrying(
    make_case, make_outbox, db_session, clock, caplog, mailroom
):
    server = SmtpServer(mailroom)
    server.port = free_port()
    case = make_case()
    outbox = make_outbox(f"smtp://127.0.0.1:{server.port}", alert_after=3)

    with caplog.at_level(logging.WARNING, logger="mailbox_assistant.escalation.outbox"):
        for _ in range(3):
            outbox.run_once()
            clock.advance(timedelta(hours=1))

    failed = reload(db_session, case)
    assert failed.status == "failed" and failed.attempts == 3
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and f"escalation {case.id} not delivered after 3 attempts" in errors[0].message
    server.start()
    try:
        outbox.run_once()  # a failed case is still retried, at the capped interval
    finally:
        server.stop()
    assert reload(db_session, case).status == "sent" and len(mailroom.messages) == 1


def test_a_worker_that_crashes_after_claiming_loses_nothing(smtp, mailroom, make_case, make_outbox, clock):
    make_case()
    crashed = make_outbox(f"smtp://127.0.0.1:{smtp.port}")
    assert len(crashed.claim()) == 1  # … and the process dies before sending

    survivor = make_outbox(f"smtp://127.0.0.1:{smtp.port}")
    assert survivor.run_once() == 0  # the lease still holds
    clock.advance(crashed.lease + timedelta(seconds=1))
    assert survivor.run_once() == 1

    assert len(mailroom.wait_for_messages(1)) == 1


def test_concurrent_workers_send_each_case_once(smtp, mailroom, make_case, make_outbox):
    for mailbox_id in range(1, 9):
        make_case(mailbox_id=mailbox_id)
    workers = [make_outbox(f"smtp://127.0.0.1:{smtp.port}", batch_size=3) for _ in range(4)]
    barrier = threading.Barrier(len(workers))

    def work(outbox: EscalationOutbox) -> None:
        barrier.wait()
        while outbox.run_once():
            pass

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    messages = mailroom.wait_for_messages(8)
    assert sorted(m["X-Mailbox-Id"] for m in messages) == [str(n) for n in range(1, 9)]

"""Raw errors of any length: recorded (cut to their head and tail, with a marker) and classified; only
the request body as a whole has a size limit."""

from __future__ import annotations

import json

import requests

from mailbox_assistant.mailboxes.raw_errors import MAX_STORED_ERROR

HTML_PAGE = (
    "HTTP/1.1 400 Bad Request\nContent-Type: text/html\n\n<html><head><title>Error</title></head><body>"
    "<h1>invalid_grant</h1><p>Token has been expired or revoked.</p>"
    + '<div class="frame">at com.example.sync.MailboxPoller.poll(MailboxPoller.java:123)</div>\n' * 250
    + "</body></html>"
)
STACK_TRACE = (
    "Traceback (most recent call last):\n"
    + '  File "/srv/sync/worker.py", line 88, in refresh\n    creds.refresh(request)\n' * 250
    + "google.auth.exceptions.RefreshError: ('invalid_grant: Token has been expired or revoked.', "
    "{'error': 'invalid_grant', 'error_description': 'Token has been expired or revoked.'})"
)


def test_a_5000_character_error_is_recorded_cut_to_its_head_and_tail(client, auth, new_mailbox, post_event):
    mailbox = new_mailbox()
    error = "H" * 2500 + "M" * 500 + "T" * 2000

    response = post_event(mailbox["id"], type="disconnected", error=error)

    assert response.status_code == 201
    stored = response.json["error"]
    head, _, rest = stored.partition("\n[… ")
    cut, _, tail = rest.partition(" characters cut …]\n")
    assert len(stored) <= MAX_STORED_ERROR
    assert head.startswith("H") and tail.endswith("T")
    assert error.startswith(head) and error.endswith(tail)
    assert len(head) + int(cut.replace(",", "")) + len(tail) == len(error)
    now = client.get(f"/api/v1/mailboxes/{mailbox['id']}", headers=auth("read")).json
    assert now["status"] == "disconnected"
    assert now["last_failure"]["error"] == stored


def test_a_20_kb_html_page_and_stack_trace_are_recorded_and_classified(new_mailbox, post_event):
    mailbox = new_mailbox()

    page = post_event(mailbox["id"], type="disconnected", error=HTML_PAGE)
    trace = post_event(mailbox["id"], type="disconnected", error=STACK_TRACE)

    assert len(HTML_PAGE) > 20_000 and len(STACK_TRACE) > 19_000
    assert (page.status_code, trace.status_code) == (201, 201)
    assert page.json["reason"] == "token_expired"  # the code is in the page's head
    assert trace.json["reason"] == "token_expired"  # and in the trace's tail
    assert page.json["error"].startswith("HTTP/1.1 400 Bad Request")
    assert trace.json["error"].endswith("'Token has been expired or revoked.'})")


def test_an_error_that_fits_is_stored_whole(new_mailbox, post_event):
    mailbox = new_mailbox()
    error = "x" * MAX_STORED_ERROR

    response = post_event(mailbox["id"], type="error", error=error)

    assert response.status_code == 201
    assert response.json["error"] == error


def test_a_body_over_the_limit_is_a_413_problem_and_records_nothing(client, auth, new_mailbox, post_event):
    mailbox = new_mailbox()

    response = post_event(mailbox["id"], type="disconnected", error="x" * 2 * 2**20)

    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 413 and "limit" in response.json["detail"]
    history = client.get(f"/api/v1/mailboxes/{mailbox['id']}/events", headers=auth("read")).json
    assert history["items"] == []


def test_a_streamed_body_over_the_limit_is_refused_while_it_is_read(live_api, auth, new_mailbox):
    mailbox = new_mailbox()
    body = json.dumps({"type": "disconnected", "error": "x" * 2 * 2**20}).encode()

    def chunks():  # no Content-Length: the limit is found while reading
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    response = requests.post(
        f"{live_api}/api/v1/mailboxes/{mailbox['id']}/events",
        data=chunks(),
        headers={**auth("write"), "Content-Type": "application/json"},
        timeout=30,
    )

    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/problem+json"
    history = requests.get(
        f"{live_api}/api/v1/mailboxes/{mailbox['id']}/events", headers=auth("read"), timeout=5
    ).json()
    assert history["items"] == []

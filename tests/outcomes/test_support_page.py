"""Support's page over HTTP: who may see it (sign-in links, Sign in with Slack, sessions), what every view
shows, the CSVs, and the headers every page carries."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from api.support_auth import signed_in as _signed_in  # noqa: F401  (the module under test)
from mailbox_assistant.db import make_session_factory
from mailbox_assistant.outcomes.signin import create_sign_in
from tests.outcomes.slack_openid import query_of

NOW = datetime.now(UTC).replace(microsecond=0)
VIEWS = ["/support", "/support/escalations", "/support/incidents", "/support/repeats", "/support/feedback"]


def follow_slack_sign_in(client, slack_openid, next_path: str = "/support"):
    """Click Sign in with Slack; Slack consents at once; the browser comes back to the callback."""
    start = client.get("/support/sign-in/slack", query_string={"next": next_path})
    assert start.status_code == 303
    authorize = start.headers["Location"]
    assert authorize.startswith(slack_openid.authorize_url)
    import requests

    back = requests.get(authorize, allow_redirects=False, timeout=5).headers["Location"]
    assert back.startswith("http://support.test/support/sign-in/slack/callback?")
    return client.get("/support/sign-in/slack/callback", query_string=query_of(back))


@pytest.mark.parametrize("path", [*VIEWS, "/support/data/reasons.csv"])
def test_every_view_asks_to_sign_in_first(support_client, path):
    response = support_client.get(path, query_string={"days": 7})

    assert response.status_code == 303
    assert response.headers["Location"].startswith("/support/sign-in?next=")


def test_a_sign_in_link_works_once(support_client, sign_in_link):
    link = sign_in_link("sam@acme.com")

    page = support_client.get(link)
    assert page.status_code == 200 and "Sign in as sam@acme.com" in page.get_data(as_text=True)
    assert support_client.get("/support").status_code == 303  # looking at the link did not use it
    used = support_client.post(link)
    again = support_client.post(link)

    assert used.status_code == 303 and used.headers["Location"] == "/support"
    cookie = used.headers["Set-Cookie"]
    assert cookie.startswith("mba_support_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert support_client.get("/support").status_code == 200
    assert again.status_code == 410 and support_client.get(link).status_code == 410


def test_a_sign_in_link_expires_after_10_minutes(support_app, support_client):
    with make_session_factory(support_app.extensions["database"]["engine"])() as session:
        token = create_sign_in(session, "sam@acme.com", now=NOW - timedelta(minutes=11))

    assert support_client.post(f"/support/sign-in/{token}").status_code == 410
    assert support_client.post("/support/sign-in/not-a-token").status_code == 410


def test_sign_in_with_slack_lets_in_the_support_list_only(support_client, slack_openid):
    response = follow_slack_sign_in(support_client, slack_openid, next_path="/support/feedback?days=7")

    assert response.status_code == 303 and response.headers["Location"] == "/support/feedback?days=7"
    page = support_client.get("/support/feedback?days=7").get_data(as_text=True)
    assert "Sam Support" in page
    [exchange] = slack_openid.token_requests
    assert exchange["redirect_uri"] == "http://support.test/support/sign-in/slack/callback"

    outsider = support_client.application.test_client()
    slack_openid.user = {"id": "U_ANA", "email": "ana@acme.com", "name": "Ana"}
    refused = follow_slack_sign_in(outsider, slack_openid)
    assert refused.status_code == 403 and outsider.get("/support").status_code == 303


def test_admins_may_sign_in_with_slack_too(support_client, slack_openid):
    slack_openid.user = {"id": "U_ADMIN", "email": "admin@acme.com", "name": "Admin"}

    assert follow_slack_sign_in(support_client, slack_openid).status_code == 303
    assert support_client.get("/support").status_code == 200


@pytest.mark.parametrize(
    "claims", [{"nonce": "another"}, {"aud": "someone-else"}, {"iss": "https://evil.test"}, {"exp": 1}]
)
def test_an_id_token_that_is_not_for_this_sign_in_is_refused(support_client, slack_openid, claims):
    slack_openid.claims_override = claims

    response = follow_slack_sign_in(support_client, slack_openid)

    assert response.status_code == 502 and support_client.get("/support").status_code == 303


def test_an_id_token_not_signed_by_slack_is_refused(support_client, slack_openid):
    from cryptography.hazmat.primitives.asymmetric import rsa

    slack_openid.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    response = follow_slack_sign_in(support_client, slack_openid)

    assert response.status_code == 502 and support_client.get("/support").status_code == 303


def test_a_callback_without_the_browsers_state_is_refused(support_client, slack_openid):
    support_client.get("/support/sign-in/slack")

    response = support_client.get("/support/sign-in/slack/callback?code=x&state=forged")

    assert response.status_code == 400 and support_client.get("/support").status_code == 303


def test_a_slack_session_ends_when_its_person_leaves_the_support_list(support_app, slack_openid):
    client = support_app.test_client()
    follow_slack_sign_in(client, slack_openid)
    assert client.get("/support").status_code == 200

    support_app.extensions["settings"] = support_app.extensions["settings"].model_copy(
        update={"support_slack_ids": frozenset()}
    )

    assert client.get("/support").status_code == 303


def test_sign_out_needs_the_pages_csrf_token(signed_in):
    assert signed_in.post("/support/sign-out", data={"csrf": "forged"}).status_code == 400
    page = signed_in.get("/support").get_data(as_text=True)
    csrf = page.split('name="csrf" value="')[1].split('"')[0]

    assert signed_in.post("/support/sign-out", data={"csrf": csrf}).status_code == 200
    assert signed_in.get("/support").status_code == 303


def test_an_altered_session_cookie_is_not_a_session(signed_in):
    cookie = signed_in.get_cookie("mba_support_session")
    signed_in.set_cookie("mba_support_session", cookie.value[:-2] + "xx")

    assert signed_in.get("/support").status_code == 303


def test_without_a_secret_key_the_page_says_it_is_not_set_up(client):
    response = client.get("/support")

    assert response.status_code == 503 and "not set up" in response.get_data(as_text=True)


def test_https_sessions_are_host_only_secure_cookies(support_app, sign_in_link):
    support_app.extensions["settings"] = support_app.extensions["settings"].model_copy(
        update={"public_url": "https://support.example"}
    )

    cookie = support_app.test_client().post(sign_in_link("sam@acme.com")).headers["Set-Cookie"]

    assert cookie.startswith("__Host-mba_support_session=") and "Secure" in cookie and "Path=/" in cookie


@pytest.mark.parametrize("path", [*VIEWS, "/support/sign-in"])
def test_every_page_carries_the_reconnect_pages_security_headers(signed_in, path):
    response = signed_in.get(path)

    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "script" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def seed_outcomes(fleet):
    """Two mailboxes: one reconnected in 20 minutes, one that kept disconnecting and was escalated and
    voted down with a formula-looking comment."""
    start = NOW - timedelta(days=2)
    quick, flaky = fleet.mailbox("quick@acme.com"), fleet.mailbox("flaky@acme.com", provider="microsoft")
    fleet.disconnect(quick, start)
    fleet.reconnect(quick, start + timedelta(minutes=20))
    for hour in range(3):
        fleet.disconnect(flaky, start + timedelta(hours=hour), error="AADSTS50173: password changed")
        fleet.reconnect(flaky, start + timedelta(hours=hour, minutes=5))
    fleet.escalate(flaky, start + timedelta(hours=2, minutes=1))
    fleet.vote(flaky, start + timedelta(hours=2, minutes=2), helpful=False)
    return quick, flaky


def test_the_overview_shows_the_reports_figures(signed_in, fleet):
    seed_outcomes(fleet)
    report = fleet.report(since=NOW - timedelta(days=7), until=NOW + timedelta(minutes=5))["totals"]

    page = signed_in.get("/support?days=7").get_data(as_text=True)

    assert f'data-figure="disconnections">{report["disconnections"]}<' in page
    assert f'data-figure="escalated">{report["escalated"]}<' in page
    assert f"{report['self_serve_rate']:.0%}" in page
    assert page.count('role="img"') == 4 and page.count("<desc") == 4


def test_each_list_view_shows_its_rows(signed_in, fleet):
    seed_outcomes(fleet)

    escalations = signed_in.get("/support/escalations").get_data(as_text=True)
    repeats = signed_in.get("/support/repeats").get_data(as_text=True)
    feedback = signed_in.get("/support/feedback").get_data(as_text=True)

    assert "flaky@acme.com" in escalations and 'data-count="1"' in escalations
    assert "flaky@acme.com" in repeats and "quick@acme.com" not in repeats
    assert "flaky@acme.com" in feedback and "The mailbox password was changed" in feedback


def test_csv_files_hold_the_tables_numbers(signed_in, fleet):
    seed_outcomes(fleet)
    report = fleet.report(since=NOW - timedelta(days=30), until=NOW + timedelta(minutes=5))

    response = signed_in.get("/support/data/providers.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))

    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    by_provider = {row["provider"]: row for row in rows}
    for expected in report["providers"]:
        assert int(by_provider[expected["provider"]]["disconnections"]) == expected["disconnections"]
    assert int(by_provider["all"]["escalated"]) == report["totals"]["escalated"]
    assert signed_in.get("/support/data/nothing.csv").status_code == 404


def test_csv_cells_a_spreadsheet_would_run_are_quoted(signed_in, fleet, engine):
    seed_outcomes(fleet)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE feedback_votes SET comment = '=HYPERLINK(\"http://evil\")'")

    rows = list(csv.reader(io.StringIO(signed_in.get("/support/data/feedback.csv").get_data(as_text=True))))

    assert rows[1][-1] == '\'=HYPERLINK("http://evil")'


def test_the_sign_in_page_offers_slack_and_the_link_command(support_client):
    page = support_client.get("/support/sign-in").get_data(as_text=True)

    assert "Sign in with Slack" in page and "mailbox-assistant support-link --email" in page

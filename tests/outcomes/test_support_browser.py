"""Support's page in headless Chromium (Debian's, never a downloaded one), over real HTTP: sign in, every
view with seeded data, the numbers shown checked against the report, keyboard focus, the charts' text
alternatives, the render time. Each view is saved as a screenshot under test-output/screenshots/."""

from __future__ import annotations

import os
import shutil
import statistics
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from mailbox_assistant.mailboxes.models import Incident
from tests.fakes.loopback import LoopbackServer

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
NOW = datetime.now(UTC).replace(second=0, microsecond=0)
ERRORS = {
    "token_expired": "invalid_grant: Token has been expired or revoked.",
    "password_changed": "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth "
    "token is needed. The user might have changed or reset their password.",
    "storage_full": "552 5.2.2 Mailbox full: quota exceeded",
    "sending_limit": "550 5.4.5 Daily user sending limit exceeded.",
    "suspicious_activity": "AADSTS50053: The account is locked because the user tried to sign in too many "
    "times with an incorrect user ID or password.",
    "provider_outage": "IMAP: [UNAVAILABLE] Temporary server failure, try again later",
}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    """Headless Chromium launched from the system path."""
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator[sync_api.Page]:
    """A desktop-sized page that collects CSP violations and script errors (tests assert none)."""
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda message: errors.append(message.text) if "Refused" in message.text else None)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.errors = errors  # type: ignore[attr-defined]
    yield tab
    context.close()


@pytest.fixture
def live_support(support_app) -> Iterator[str]:
    """Support's page served on a loopback port (its PUBLIC_URL, for Slack's redirect); its base URL."""
    server = LoopbackServer(support_app, name="live-support")
    settings = support_app.extensions["settings"]
    support_app.extensions["settings"] = settings.model_copy(update={"public_url": server.url})
    server.start()
    yield server.url
    server.stop()


def shot(page, request, name: str) -> Path:
    """Save a full-page screenshot named after the step and the test's database."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    backend = request.node.callspec.params.get("database_url", "db")
    path = SCREENSHOTS / f"support-{name}-{backend}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def seed_a_month(fleet, engine) -> None:
    """A month of a small fleet: 24 mailboxes of three providers, most reconnecting by themselves, some
    escalated, one that keeps disconnecting, votes both ways, and an incident going on now."""
    providers = ["google", "google", "microsoft", "imap"]
    reasons = list(ERRORS)
    for number in range(24):
        mailbox = fleet.mailbox(f"rep{number:02d}@acme.com", provider=providers[number % 4])
        reason = reasons[number % len(reasons)]
        began = NOW - timedelta(days=(number * 5) % 28 + 1, hours=number % 7)
        fleet.disconnect(mailbox, began, error=ERRORS[reason])
        if number % 5 != 3:
            fleet.reconnect(mailbox, began + timedelta(minutes=3 + number * 11))
        if number % 6 == 1:
            fleet.escalate(mailbox, began + timedelta(minutes=30))
        if number % 4 == 0:
            fleet.vote(mailbox, began + timedelta(minutes=2), helpful=number % 8 != 0, voter=f"U{number}")
    flaky = fleet.mailbox("flaky@acme.com", provider="microsoft")
    for day in (6, 5, 3, 2):
        began = NOW - timedelta(days=day)
        fleet.disconnect(flaky, began, error=ERRORS["password_changed"])
        fleet.reconnect(flaky, began + timedelta(minutes=9))
    fleet.vote(flaky, NOW - timedelta(days=2) + timedelta(minutes=1), helpful=False, voter="U_FLAKY")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE feedback_votes SET comment = 'I reconnected and it dropped again an hour later' "
            "WHERE voter_slack_id = 'U_FLAKY'"
        )
        connection.execute(
            insert(Incident.__table__).values(
                provider="imap",
                started_at=NOW - timedelta(minutes=40),
                last_disconnected_at=NOW - timedelta(minutes=5),
                mailbox_count=12,
                reconnected_count=3,
                created_at=NOW - timedelta(minutes=40),
            )
        )


def sign_in(page, url: str, sign_in_link) -> None:
    """Open a sign-in link and use it."""
    page.goto(url + sign_in_link("sam@acme.com"))
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in as sam@acme.com"
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/support")


def cell(page, table: str, row: str, column: str) -> str:
    """The text of a table's cell, by the row's heading and the column's name."""
    locator = page.locator(
        f'table[data-table="{table}"] tr:has(th[scope=row]:text-is("{row}")) td[data-column="{column}"]'
    )
    return locator.first.get_attribute("data-value")


def test_every_view_shows_the_reports_numbers(page, request, live_support, sign_in_link, fleet, engine):
    seed_a_month(fleet, engine)
    report = fleet.report(since=NOW - timedelta(days=30), until=NOW + timedelta(minutes=5))
    totals = report["totals"]

    sign_in(page, live_support, sign_in_link)

    assert page.get_by_role("heading", level=1).inner_text() == "Outcomes of the last 30 days"
    assert page.locator('[data-figure="disconnections"]').inner_text() == str(totals["disconnections"])
    assert page.locator('[data-figure="escalated"]').inner_text() == str(totals["escalated"])
    assert page.locator('[data-figure="self_serve_rate"]').inner_text() == f"{totals['self_serve_rate']:.0%}"
    assert page.locator('[data-figure="feedback_no"]').inner_text() == str(totals["feedback_no"])
    for row in report["reasons"]:
        label = page.locator('table[data-table="reasons"] tbody tr').filter(has_text=row["reason"])
        assert label.locator('td[data-column="disconnections"]').get_attribute("data-value") == str(
            row["disconnections"]
        )
        assert label.locator('td[data-column="self_serve_rate"]').get_attribute("data-value") == str(
            row["self_serve_rate"]
        )
    for row in report["providers"]:
        assert cell(page, "providers", row["provider"], "escalated") == str(row["escalated"])
    shot(page, request, "01-overview")

    page.get_by_role("link", name="Open escalations").click()
    assert page.locator("[data-count]").get_attribute("data-count") == str(totals["escalated"])
    shot(page, request, "02-escalations")
    page.get_by_role("link", name="Incidents").click()
    assert page.locator('td[data-column="mailboxes"]').inner_text() == "12"  # mailboxes affected
    shot(page, request, "03-incidents")
    page.get_by_role("link", name="Repeat disconnections").click()
    assert page.get_by_role("rowheader", name="flaky@acme.com").is_visible()
    shot(page, request, "04-repeats")
    page.get_by_role("link", name="Voted down").click()
    assert page.locator("[data-count]").get_attribute("data-count") == str(totals["feedback_no"])
    assert page.get_by_text("I reconnected and it dropped again an hour later").first.is_visible()
    assert page.get_by_text("AADSTS50173").first.is_visible()
    shot(page, request, "05-voted-down")
    assert page.errors == []  # no CSP violation, no script error


def test_charts_have_text_alternatives_and_tables(page, live_support, sign_in_link, fleet, engine):
    seed_a_month(fleet, engine)
    sign_in(page, live_support, sign_in_link)

    charts = page.get_by_role("img")

    assert charts.count() == 4
    for index in range(4):
        chart = charts.nth(index)
        title_id, desc_id = chart.get_attribute("aria-labelledby").split()
        assert page.locator(f"#{title_id}").text_content().strip()
        assert len(page.locator(f"#{desc_id}").text_content()) > 20  # a summary, not a label
    assert page.get_by_role("img", name="Self-serve rate by provider").is_visible()
    assert page.locator("svg rect title").count() > 10  # each bar tells its exact figure
    assert page.locator("details table").count() == 4 and page.locator("a[download]").count() == 4


def test_keyboard_reaches_every_control_with_a_visible_focus(
    page, request, live_support, sign_in_link, fleet, engine
):
    seed_a_month(fleet, engine)
    sign_in(page, live_support, sign_in_link)

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert page.locator(".skip").bounding_box()["x"] >= 0  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    seen = []
    for _ in range(30):  # from the main content to its end
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return [e.tagName, e.textContent.trim().slice(0, 40), s.outlineStyle, s.outlineWidth]; })()"
        )
        if focused[0] == "BODY":
            break
        seen.append(focused)
        assert focused[2] != "none" and focused[3] != "0px", focused  # the focus can be seen
    assert [text for tag, text, *_ in seen[:3]] == ["last 7 days", "last 30 days", "last 90 days"]
    assert sum(tag == "SUMMARY" for tag, *_ in seen) == 4  # every chart's numbers can be opened
    summary = page.locator("summary").first
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("details").first.get_attribute("open") is not None
    shot(page, request, "06-keyboard")


def test_the_page_renders_within_a_second(page, live_support, sign_in_link, fleet, engine):
    seed_a_month(fleet, engine)
    sign_in(page, live_support, sign_in_link)

    durations = []
    for _ in range(3):
        page.goto(f"{live_support}/support")
        durations.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))

    assert statistics.median(durations) <= 1000, durations


def test_sign_in_with_slack_in_a_browser(page, request, live_support, support_app):
    page.goto(f"{live_support}/support/feedback")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in to support's page"
    shot(page, request, "00-sign-in")

    page.get_by_role("link", name="Sign in with Slack").click()  # the stand-in consents at once

    page.wait_for_url(f"{live_support}/support/feedback")
    assert page.get_by_text("Sam Support").is_visible()

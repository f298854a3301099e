"""The whole reconnect flow in headless Chromium (Debian's, never a downloaded one), over real HTTP:
link → page → provider consent → callback. Each page is saved as a screenshot under
test-output/screenshots/."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailbox_assistant.reconnect.destination import reconnect_url
from mailbox_assistant.reconnect.links import reconnect_link
from tests.reconnect.conftest import bot_view

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    """Headless Chromium launched from the system path."""
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request) -> Iterator[sync_api.Page]:
    """A fresh phone-sized page that collects CSP violations and script errors (tests assert none)."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda message: errors.append(message.text) if "Refused" in message.text else None)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.errors = errors  # type: ignore[attr-defined]
    yield tab
    context.close()


def shot(page, request, name: str) -> Path:
    """Save a full-page screenshot named after the test's database and the step."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    backend = (
        request.node.callspec.params.get("database_url", "db") if hasattr(request.node, "callspec") else "db"
    )
    path = SCREENSHOTS / f"{name}-{backend}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_for(predicate, timeout: float = 5.0):
    """Poll `predicate` until truthy (the callback commits before the page is served, but be safe)."""
    deadline = time.monotonic() + timeout
    while not (result := predicate()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return result


def test_reconnect_end_to_end_in_a_browser(page, request, live_reconnect, seed, inspect_db):
    url, app = live_reconnect
    settings = app.extensions["settings"]
    mailbox = seed()
    link = reconnect_url(bot_view(mailbox), settings)

    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Reconnect rep@acme.com"
    assert page.get_by_text("The mailbox's sign-in token expired").is_visible()
    assert page.locator("link[rel=stylesheet]").count() == 1
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.button')).borderRadius") == "8px"
    )  # CSS loaded
    shot(page, request, "01-reconnect-page")

    page.get_by_role("button", name="Continue to Google").click()
    page.wait_for_url("**/authorize?**")
    shot(page, request, "02-provider-consent")
    page.get_by_label("rep@acme.com").check()
    page.get_by_role("button", name="Allow").click()

    page.wait_for_url(f"{url}/oauth/google/callback?**")
    assert page.get_by_role("heading", level=1).inner_text() == "Mailbox reconnected"
    shot(page, request, "03-reconnected")
    assert wait_for(lambda: inspect_db(mailbox.id)["mailbox"].status == "connected")
    assert [e.type for e in inspect_db(mailbox.id)["events"]] == ["disconnected", "reconnected"]

    page.goto(link)  # the same link again
    assert page.get_by_role("heading", level=1).inner_text() == "Already connected"
    shot(page, request, "04-link-already-used")
    assert page.errors == []  # no CSP violation, no script error


def test_wrong_account_in_a_browser(page, request, live_reconnect, seed, inspect_db):
    _, app = live_reconnect
    mailbox = seed()

    page.goto(reconnect_url(bot_view(mailbox), app.extensions["settings"]))
    page.get_by_role("button", name="Continue to Google").click()
    page.get_by_label("someone.else@acme.com").check()
    page.get_by_role("button", name="Allow").click()

    assert page.get_by_role("heading", level=1).inner_text() == "That is a different account"
    assert page.get_by_text("You signed in as someone.else@acme.com").is_visible()
    shot(page, request, "05-wrong-account")
    assert (
        inspect_db(mailbox.id)["mailbox"].status == "disconnected" and inspect_db(mailbox.id)["token"] is None
    )


def test_consent_denied_in_a_browser(page, request, live_reconnect, seed, inspect_db):
    _, app = live_reconnect
    mailbox = seed("rep@contoso.com", provider="microsoft")

    page.goto(reconnect_url(bot_view(mailbox), app.extensions["settings"]))
    page.get_by_role("button", name="Continue to Microsoft").click()
    page.get_by_role("button", name="Deny").click()

    assert page.get_by_role("heading", level=1).inner_text() == "You did not allow access"
    page.get_by_text("What Microsoft said").click()
    assert page.get_by_text("AADSTS65004").is_visible()
    shot(page, request, "06-consent-denied")
    assert inspect_db(mailbox.id)["mailbox"].status == "disconnected"


def test_expired_and_tampered_links_in_a_browser(page, request, live_reconnect, seed, monkeypatch):
    from itsdangerous import TimestampSigner

    _, app = live_reconnect
    settings = app.extensions["settings"]
    mailbox = seed()
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 48 * 3600)
        expired = reconnect_link(settings, mailbox.id, mailbox.disconnected_at)

    response = page.goto(expired)
    assert response.status == 410 and response.headers["referrer-policy"] == "no-referrer"
    assert page.get_by_role("heading", level=1).inner_text() == "This link has expired"
    shot(page, request, "07-link-expired")

    response = page.goto(reconnect_link(settings, mailbox.id, mailbox.disconnected_at)[:-6])  # cut short
    assert response.status == 400
    assert page.get_by_role("heading", level=1).inner_text() == "This link is not valid"
    shot(page, request, "08-link-tampered")

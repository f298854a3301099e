"""manifest.yml asks for exactly the scopes, events, command and interactivity the code uses."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())

# The scope each Web API method the bot calls needs (methods without a scope need none).
METHOD_SCOPES = {
    "users_info": {"users:read", "users:read.email"},  # the email field needs users:read.email
    "users_lookupByEmail": {"users:read.email"},  # an admin asking about someone by address
    "users_list": {"users:read"},  # an admin asking about someone by name
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "conversations_open": {"im:write"},
    "views_publish": set(),
    "views_open": set(),
    "views_update": set(),  # the next page of the mailbox list modal
    "auth_test": set(),  # the workspace id for Slack links in escalation emails
}
EVENT_SCOPES = {"app_mention": {"app_mentions:read"}, "message.im": {"im:history"}, "app_home_opened": set()}


def called_methods() -> set[str]:
    """Every `client.<method>(` call in the bot's code."""
    source = "\n".join(path.read_text() for path in (ROOT / "bot").rglob("*.py"))
    return set(re.findall(r"client\.(\w+)\(", source))


def registered_events() -> set[str]:
    """Every `app.event("...")` in the listeners."""
    source = "\n".join(path.read_text() for path in (ROOT / "bot" / "listeners").rglob("*.py"))
    return set(re.findall(r'app\.event\("(\w+)"\)', source))


def test_every_called_method_is_known():
    assert called_methods() <= METHOD_SCOPES.keys()


def test_scopes_are_exactly_those_used():
    needed = set().union(*(METHOD_SCOPES[m] for m in called_methods()))
    needed |= set().union(*EVENT_SCOPES.values()) | {"commands"}

    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == needed


def test_events_are_exactly_those_listened_to():
    events = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])

    assert events == set(EVENT_SCOPES)
    # `message` listens for message.im; the others by name.
    assert {e.split(".")[0] for e in events} == registered_events()


def test_slash_command_home_tab_and_interactivity():
    assert [c["command"] for c in MANIFEST["features"]["slash_commands"]] == ["/mailbox"]
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
    assert MANIFEST["features"]["app_home"]["messages_tab_read_only_enabled"] is False
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True


def test_sign_in_with_slack_asks_for_the_scopes_and_callback_support_s_page_uses():
    """Support's page signs in with Slack's OpenID Connect: its scopes and callback are in the manifest."""
    source = (ROOT / "api" / "support_auth.py").read_text()
    scope = re.search(r'"scope": "([^"]+)"', source).group(1)
    callback = re.search(r"public_url\.rstrip\('/'\)\}(/[^\"]+)\"", source).group(1)

    assert set(MANIFEST["oauth_config"]["scopes"]["user"]) == set(scope.split())
    assert [url.split("YOUR-STATUS-API-HOST")[1] for url in MANIFEST["oauth_config"]["redirect_urls"]] == [
        callback
    ]

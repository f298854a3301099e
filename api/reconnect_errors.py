"""The pages shown when a reconnect is refused (by the provider, or by our account check): what
happened, and what to do next."""

from __future__ import annotations

from flask import Response

from api.reconnect_pages import page
from knowledge import classify, get_reason
from mailbox_assistant.mailboxes.models import Mailbox
from mailbox_assistant.reconnect.identity import Refusal
from mailbox_assistant.reconnect.providers import Provider

AGAIN = "Open your reconnect link again and go through the sign-in once more."
SUPPORT = "If it happens again, ask Mailbox Assistant in Slack to hand it to support."

# error code → (status, title, what happened, what to do); `{p}` is the provider, `{m}` the mailbox
KNOWN_ERRORS: dict[str, tuple[int, str, str, list[str]]] = {
    "access_denied": (
        403,
        "You did not allow access",
        "{p} says access was not allowed, so {m} is still disconnected. Nothing was changed.",
        [
            "Open your reconnect link again and choose Allow on {p}'s consent screen.",
            "If your organisation blocks the app, ask your IT admin to allow it, or ask support in Slack.",
        ],
    ),
    "consent_required": (
        403,
        "Your organisation must approve the app",
        "{p} needs an administrator to approve access for {m}. Nothing was changed.",
        ["Ask your IT admin to grant consent to the app.", SUPPORT],
    ),
    "interaction_required": (
        400,
        "{p} needs you to sign in again",
        "{p} wants you to complete a step in the sign-in (for example multi-factor authentication).",
        [AGAIN],
    ),
    "invalid_grant": (
        400,
        "The sign-in expired before it was finished",
        "{p} no longer accepts this sign-in, so {m} is still disconnected. Nothing was changed.",
        [AGAIN, SUPPORT],
    ),
    "invalid_client": (
        502,
        "Our {p} app is not set up correctly",
        "{p} did not accept our app's credentials. This is on our side, not yours; nothing was changed.",
        ["Ask Mailbox Assistant in Slack to hand it to support; they will fix the app's settings."],
    ),
    "unauthorized_client": (
        502,
        "Our {p} app is not set up correctly",
        "{p} did not allow our app to do this. This is on our side, not yours; nothing was changed.",
        ["Ask Mailbox Assistant in Slack to hand it to support; they will fix the app's settings."],
    ),
    "temporarily_unavailable": (
        503,
        "{p} is not answering",
        "{p} could not finish the sign-in right now. Nothing was changed.",
        ["Wait a few minutes, then open your reconnect link again."],
    ),
}
KNOWN_ERRORS["server_error"] = KNOWN_ERRORS["temporarily_unavailable"]


def provider_error_page(
    provider: Provider, mailbox: Mailbox, error: str, description: str | None, raw: str | None = None
) -> Response:
    """The page for a provider error during reconnect (callback `?error=` or a token-endpoint refusal)."""
    raw_error = raw or (f"{error}: {description}" if description else error)
    status, title, message, steps = KNOWN_ERRORS.get(
        error,
        (
            400,
            "{p} stopped the sign-in",
            "{p} refused the sign-in, so {m} is still disconnected.",
            [AGAIN, SUPPORT],
        ),
    )
    reason_code, confidence = classify(raw_error)
    if reason_code not in ("unknown", "token_expired") and confidence >= 0.5:
        # e.g. AADSTS50173 (password changed), AADSTS50057 (account disabled): say what it usually means
        reason = get_reason(reason_code)
        message = f"{message} {{p}} says: {reason.title}. {reason.summary}"

    def fill(text: str) -> str:
        return text.replace("{p}", provider.display_name).replace("{m}", mailbox.email)

    return page(
        status,
        fill(title),
        fill(message),
        details=[fill(step) for step in steps],
        raw_error=raw_error[:2000],
        provider_name=provider.display_name,
    )


def account_refused_page(
    provider: Provider, expected: str, account: str | None, refusal: Refusal
) -> Response:
    """403: the signed-in account may not reconnect this mailbox; nothing was stored."""
    p = provider.display_name
    if refusal == "other_address":
        who = f"You signed in as {account}" if account else f"{p} did not confirm the account's address"
        return page(
            403,
            "That is a different account",
            f"{who}, but this link is for {expected}. Nothing was changed.",
            details=[
                f"Open your reconnect link again and, at {p}, choose {expected} "
                "(use “Use another account” if it is not listed).",
                f"If {p} signs you in automatically, sign out of {account or 'that account'} first.",
            ],
        )
    if refusal == "other_account":
        message = f"This is not the {p} account that connected {expected} before. Nothing was changed."
    else:
        message = f"This {p} account belongs to another organisation than {expected}. Nothing was changed."
    return page(
        403,
        "That is a different account",
        message,
        details=[f"Sign in at {p} with your work account for {expected}.", SUPPORT],
    )


def unverified_sign_in_page(provider: Provider, expected: str) -> Response:
    """403: the provider's answer could not be verified (its ID token); nothing was stored."""
    return page(
        403,
        "We could not verify this sign-in",
        f"The answer from {provider.display_name} could not be checked, so {expected} was not reconnected. "
        "Nothing was changed.",
        details=[AGAIN, SUPPORT],
    )

"""The one provider registry: every name a provider goes by → its canonical key and display name.

The status API canonicalises a mailbox's provider when it is registered (`gmail` → `google`), so
everything after — incidents counted per provider, the steps shown, the OAuth app chosen, the name
people read — agrees on one key. Pure: no settings, no I/O.
"""

from __future__ import annotations

# Canonical key → the other names the platform and the providers use for it.
ALIASES: dict[str, tuple[str, ...]] = {
    "google": ("gmail", "google_workspace", "googleworkspace", "workspace", "gsuite", "g_suite"),
    "microsoft": (
        "outlook",
        "office365",
        "office_365",
        "o365",
        "microsoft365",
        "microsoft_365",
        "m365",
        "exchange",
        "exchange_online",
        "hotmail",
        "live",
        "msn",
    ),
    "imap": ("smtp", "imap_smtp", "imap/smtp", "custom", "other_imap"),
    "yahoo": ("aol", "yahoo_mail"),
    "icloud": ("apple", "me", "mac"),
    "zoho": ("zoho_mail",),
}
DISPLAY_NAMES = {
    "google": "Google",
    "microsoft": "Microsoft 365",
    "imap": "IMAP/SMTP",
    "yahoo": "Yahoo",
    "icloud": "iCloud",
    "zoho": "Zoho",
}
# How support names the service in a case (the admin console they will open).
SUPPORT_NAMES = {"google": "Google Workspace", "microsoft": "Microsoft 365"}
# The account people sign in with on a reconnect page ("Continue to Microsoft"), not the product.
SIGN_IN_NAMES = {"google": "Google", "microsoft": "Microsoft"}
OAUTH_PROVIDERS = ("google", "microsoft")  # the providers we reconnect with OAuth
_KEY_OF = {alias: key for key, aliases in ALIASES.items() for alias in (key, *aliases)}


def canonical(name: str | None) -> str:
    """The canonical key of a provider name (`Gmail` → `google`); an unknown name, lower-cased."""
    cleaned = (name or "").strip().lower().replace(" ", "_").replace("-", "_")
    return _KEY_OF.get(cleaned, cleaned) or "other"


def display_name(name: str | None) -> str:
    """The provider as people call it: `Google`, `Microsoft 365`, `IMAP/SMTP`; else the name as given."""
    key = canonical(name)
    if key in DISPLAY_NAMES:
        return DISPLAY_NAMES[key]
    return (name or "").strip() or "Other"


def support_name(name: str | None) -> str:
    """The provider as support's case shows it: `Google Workspace`, `Microsoft 365`, `IMAP/SMTP`."""
    if not (name or "").strip():
        return "unknown provider"
    return SUPPORT_NAMES.get(canonical(name)) or display_name(name)


def sign_in_name(name: str | None) -> str:
    """Whose sign-in a reconnect page leads to: `Google`, `Microsoft`."""
    key = canonical(name)
    return SIGN_IN_NAMES.get(key) or display_name(name)


def oauth_key(name: str | None) -> str | None:
    """`google` or `microsoft` when we reconnect this provider with OAuth, else None."""
    key = canonical(name)
    return key if key in OAUTH_PROVIDERS else None

"""The OAuth 2.0 providers we reconnect mailboxes with (Google, Microsoft): endpoints, scopes, options,
and what their ID tokens must say (signing keys, issuer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from mailbox_assistant.providers import oauth_key, sign_in_name
from mailbox_assistant.settings import Settings


@dataclass(frozen=True)
class Provider:
    """One provider's OAuth app: client credentials, endpoints, scopes and extra authorize parameters."""

    name: str
    client_id: str
    client_secret: str = field(repr=False)
    authorize_url: str
    token_url: str
    jwks_url: str
    # Google: the issuer; Microsoft: a template whose {tenantid} is the token's own tid
    issuer: str
    scopes: tuple[str, ...]
    authorize_params: dict[str, str] = field(default_factory=dict)
    allowed_tenants: frozenset[str] = frozenset()  # Microsoft: tids that may sign in; empty: any

    def issuers_for(self, tenant: str | None) -> frozenset[str]:
        """The issuers an ID token of this provider may name (Google documents two spellings)."""
        if self.name == "microsoft":
            return frozenset({self.issuer.replace("{tenantid}", tenant)}) if tenant else frozenset()
        return frozenset({self.issuer, self.issuer.removeprefix("https://")})

    @property
    def display_name(self) -> str:
        """'Google' or 'Microsoft', for pages."""
        return sign_in_name(self.name)

    @property
    def authorize_origin(self) -> str:
        """scheme://host[:port] of the authorize endpoint (allowed as a form target by our CSP)."""
        parts = urlsplit(self.authorize_url)
        return f"{parts.scheme}://{parts.netloc}"


def provider_key(provider: str | None) -> str | None:
    """'google' or 'microsoft' for a mailbox's provider name (aliases included), else None."""
    return oauth_key(provider)


def get_provider(settings: Settings, provider: str | None) -> Provider | None:
    """The OAuth app for a mailbox's provider, or None when it is not Google/Microsoft or not configured."""
    key = provider_key(provider)
    if key == "google" and settings.google_client_id and settings.google_client_secret:
        return Provider(
            name="google",
            client_id=settings.google_client_id,
            client_secret=settings.google_client_secret.get_secret_value(),
            authorize_url=settings.google_authorize_url,
            token_url=settings.google_token_url,
            jwks_url=settings.google_jwks_url,
            issuer=settings.google_issuer,
            scopes=tuple(settings.google_scopes.split()),
            # offline: a refresh token; consent: Google only returns a new refresh token on consent
            authorize_params={"access_type": "offline", "prompt": "consent"},
        )
    if key == "microsoft" and settings.microsoft_client_id and settings.microsoft_client_secret:
        return Provider(
            name="microsoft",
            client_id=settings.microsoft_client_id,
            client_secret=settings.microsoft_client_secret.get_secret_value(),
            authorize_url=settings.microsoft_authorize_url,
            token_url=settings.microsoft_token_url,
            jwks_url=settings.microsoft_jwks_url,
            issuer=settings.microsoft_issuer,
            scopes=tuple(settings.microsoft_scopes.split()),  # offline_access: a refresh token
            authorize_params={"prompt": "select_account"},
            allowed_tenants=frozenset(filter(None, map(str.strip, settings.microsoft_tenant_ids.split(",")))),
        )
    return None


def configured_providers(settings: Settings) -> list[Provider]:
    """Every provider whose OAuth app is configured."""
    return [p for p in (get_provider(settings, "google"), get_provider(settings, "microsoft")) if p]

"""The OAuth 2.0 authorization-code flow and token refresh with requests-oauthlib, and their errors.

PKCE note: requests-oauthlib's `pkce="S256"` keeps the verifier on the session object, which does not
survive between the authorize request and the callback; we make the pair ourselves, keep the verifier
server-side (`oauth_states`) and pass `code_verifier=` to `fetch_token`.
"""

from __future__ import annotations

from typing import Any

import requests
from oauthlib.oauth2 import OAuth2Error, WebApplicationClient
from oauthlib.oauth2.rfc6749.errors import (
    InvalidClientError,
    ServerError,
    TemporarilyUnavailableError,
    UnauthorizedClientError,
)
from requests_oauthlib import OAuth2Session

from mailbox_assistant.reconnect.providers import Provider

Token = dict[str, Any]


class TransientOAuthError(Exception):
    """The provider could not answer now (5xx, 429, timeout, connection): retry later, change nothing."""


class AppCredentialsRejected(TransientOAuthError):
    """The provider refused *our* OAuth app (client id or secret): a configuration fault, not the user's."""


class ProviderRefused(Exception):
    """The provider refused (invalid_grant, access_denied, invalid_client…); `raw` is its own error body."""

    def __init__(self, error: str, description: str | None, raw: str) -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error
        self.description = description
        self.raw = raw


def new_code_verifier() -> str:
    """A fresh PKCE code verifier."""
    return WebApplicationClient("").create_code_verifier(64)


def code_challenge(verifier: str) -> str:
    """The S256 PKCE challenge of a code verifier."""
    return WebApplicationClient("").create_code_challenge(verifier, "S256")


def authorization_url(provider: Provider, redirect_uri: str, state: str, code_challenge: str) -> str:
    """The provider's consent URL for this state and PKCE challenge (offline access, provider options)."""
    session = OAuth2Session(provider.client_id, scope=list(provider.scopes), redirect_uri=redirect_uri)
    url, _ = session.authorization_url(
        provider.authorize_url,
        state=state,
        code_challenge=code_challenge,
        code_challenge_method="S256",
        **provider.authorize_params,
    )
    return url


def exchange_code(
    provider: Provider, redirect_uri: str, code: str, code_verifier: str, timeout: float
) -> Token:
    """Trade an authorization code (and its PKCE verifier) for tokens at the token endpoint."""
    # No scope on this session: providers widen or trim scopes (Google adds openid, Microsoft omits
    # offline_access), which oauthlib would otherwise raise as a scope-change Warning.
    session = OAuth2Session(provider.client_id, redirect_uri=redirect_uri)
    return _token_call(
        session,
        "access_token_response",
        lambda: session.fetch_token(
            provider.token_url,
            code=code,
            code_verifier=code_verifier,
            client_secret=provider.client_secret,
            include_client_id=True,
            timeout=timeout,
        ),
    )


def refresh_access_token(provider: Provider, refresh_token: str, timeout: float) -> Token:
    """A new access token (and maybe a rotated refresh token: Microsoft rotates, Google does not)."""
    session = OAuth2Session(provider.client_id)
    return _token_call(
        session,
        "refresh_token_response",
        lambda: session.refresh_token(
            provider.token_url,
            refresh_token=refresh_token,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            timeout=timeout,
        ),
    )


def _token_call(session: OAuth2Session, hook_name: str, call: Any) -> Token:
    """Run a token request; map its failures to TransientOAuthError or ProviderRefused (with the raw body)."""
    seen: list[requests.Response] = []

    def inspect(response: requests.Response) -> requests.Response:
        seen.append(response)
        if response.status_code >= 500 or response.status_code == 429:
            status, body = response.status_code, response.text[:500]
            raise TransientOAuthError(f"token endpoint answered {status}: {body}")
        return response

    session.register_compliance_hook(hook_name, inspect)
    try:
        return dict(call())
    except Warning as scope_changed:  # only if a scope was set; keep the token the provider gave
        return dict(scope_changed.token)  # type: ignore[attr-defined]
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransientOAuthError(f"token endpoint unreachable: {exc}") from exc
    except (ServerError, TemporarilyUnavailableError) as exc:
        raise TransientOAuthError(f"{exc.error}: {exc.description}") from exc
    except (InvalidClientError, UnauthorizedClientError) as exc:
        raise AppCredentialsRejected(f"{exc.error}: {exc.description}") from exc
    except OAuth2Error as exc:
        raw = seen[-1].text if seen and seen[-1].text else f"{exc.error}: {exc.description or ''}"
        raise ProviderRefused(exc.error, exc.description, raw) from exc

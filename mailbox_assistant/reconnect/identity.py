"""Who signed in: the ID token of the token endpoint, verified (signature against the provider's
published keys, issuer, audience, expiry), read as the account it names, and checked against the
mailbox and the account that connected it before.

Microsoft: on a multi-tenant app any tenant can sign in, and an account's `email` claim is whatever
its tenant's admin typed ("nOAuth"), so it is never read. The account is `preferred_username` (or
`upn`, whose domain the tenant must have verified), in the tenant `tid`, with the object id `oid`.
Google: `email` only when `email_verified`. The first consent remembers the subject (Google `sub`,
Microsoft `oid` and `tid`); a reconnect must be that same account, and a first consent of a Microsoft
mailbox must come from the tenant that other mailboxes of its domain consented from.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal

import jwt

from mailbox_assistant.reconnect.oauth import Token, TransientOAuthError
from mailbox_assistant.reconnect.providers import Provider

ALGORITHMS = ["RS256"]  # what Google and Microsoft sign with; never "none" or a shared-secret HMAC
CLOCK_SKEW_SECONDS = 60
KEY_SET_LIFETIME_SECONDS = 3600  # an unknown key id fetches the set again at once

Refusal = Literal["other_address", "other_account", "other_tenant"]


class IdTokenRejected(Exception):
    """The sign-in cannot be trusted: no ID token, or one not signed for us by the provider, or expired."""


class KeysUnavailable(TransientOAuthError):
    """The provider's signing keys could not be fetched now; nothing can be verified, try later."""


@dataclass(frozen=True)
class Account:
    """The account an ID token names: the address the provider vouches for, and its stable ids."""

    email: str | None
    subject: str  # Google `sub`, Microsoft `oid`
    tenant: str | None = None  # Microsoft `tid`


@dataclass(frozen=True)
class KnownAccount:
    """The account that consented for a mailbox before (from its stored tokens)."""

    provider: str
    subject: str | None
    tenant: str | None


@functools.lru_cache(maxsize=16)
def _key_set(jwks_url: str, timeout: float) -> jwt.PyJWKClient:
    """One key client per JWKS URL; it keeps the fetched key set for KEY_SET_LIFETIME_SECONDS."""
    return jwt.PyJWKClient(jwks_url, cache_jwk_set=True, lifespan=KEY_SET_LIFETIME_SECONDS, timeout=timeout)


def verify_id_token(provider: Provider, token: Token, timeout: float) -> dict[str, Any]:
    """The claims of the token response's ID token, once its signature, issuer, audience and times hold.

    :raise IdTokenRejected: no ID token, or it fails a check.
    :raise KeysUnavailable: the provider's JWKS endpoint did not answer.
    """
    id_token = token.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise IdTokenRejected(f"{provider.display_name} sent no ID token")
    try:
        key = _key_set(provider.jwks_url, timeout).get_signing_key_from_jwt(id_token)
    except jwt.PyJWKClientConnectionError as exc:
        raise KeysUnavailable(f"signing keys of {provider.name} unreachable: {exc}") from exc
    except (jwt.PyJWKClientError, jwt.DecodeError) as exc:  # malformed, or a key id it does not publish
        raise IdTokenRejected(f"ID token not signed with a key of {provider.name}: {exc}") from exc
    try:
        claims = jwt.decode(
            id_token,
            key.key,
            algorithms=ALGORITHMS,
            audience=provider.client_id,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["iss", "sub", "aud", "exp", "iat"], "verify_iss": False},
        )
    except jwt.InvalidTokenError as exc:
        raise IdTokenRejected(f"ID token refused: {exc}") from exc
    tenant = claims.get("tid") if isinstance(claims.get("tid"), str) else None
    if claims["iss"] not in provider.issuers_for(tenant):  # Microsoft: the issuer names the token's tid
        raise IdTokenRejected(f"ID token issuer {claims['iss']!r} is not {provider.name}'s")
    return claims


def account_of(provider: Provider, claims: dict[str, Any]) -> Account:
    """The account verified claims name; IdTokenRejected when they lack its stable ids."""
    if provider.name == "microsoft":
        oid, tid = claims.get("oid"), claims.get("tid")
        if not (isinstance(oid, str) and oid and isinstance(tid, str) and tid):
            raise IdTokenRejected("Microsoft ID token without oid and tid (is the profile scope granted?)")
        return Account(_address(claims.get("preferred_username") or claims.get("upn")), oid, tid)
    verified = claims.get("email_verified") in (True, "true")
    return Account(_address(claims.get("email")) if verified else None, str(claims["sub"]))


def signed_in_account(provider: Provider, token: Token, timeout: float) -> Account:
    """The verified account of a token response (see verify_id_token for what it raises)."""
    return account_of(provider, verify_id_token(provider, token, timeout))


def refusal(
    provider: Provider,
    account: Account,
    mailbox_email: str,
    known: KnownAccount | None,
    domain_tenants: frozenset[str],
) -> Refusal | None:
    """Why `account` may not reconnect the mailbox `mailbox_email`, or None when it may.

    `known`: who consented for this mailbox before; `domain_tenants`: the Microsoft tenants other
    mailboxes of the same domain consented from.
    """
    if account.email is None or account.email != mailbox_email.strip().lower():
        return "other_address"
    if provider.allowed_tenants and account.tenant not in provider.allowed_tenants:
        return "other_tenant"
    if known is not None and known.provider == provider.name and known.subject is not None:
        if (known.subject, known.tenant) != (account.subject, account.tenant):
            return "other_account"
    elif domain_tenants and account.tenant not in domain_tenants:
        return "other_tenant"
    return None


def _address(value: Any) -> str | None:
    """An address claim, lower-cased; None when it is not one."""
    if not isinstance(value, str) or "@" not in value:
        return None
    return value.strip().lower()

"""Reconnect pages: a signed link → what happened and what will happen → the provider's OAuth flow → done.

GET  /reconnect/<token>            the page (mailbox, why it disconnected, what will happen)
POST /reconnect/<token>            starts the authorization-code flow (state + PKCE, stored server-side)
GET  /oauth/<provider>/callback    checks state and browser, exchanges the code, verifies the ID token
                                   and the account, stores the tokens encrypted, records `reconnected`
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.exceptions import HTTPException

from api.auth import public
from api.reconnect_errors import account_refused_page, provider_error_page, unverified_sign_in_page
from api.reconnect_pages import flow_cookie_name, is_https, page, secure_headers, settings
from api.web import get_session
from knowledge import get_reason
from mailbox_assistant.db import begin_write
from mailbox_assistant.mailboxes import store
from mailbox_assistant.mailboxes.models import Mailbox
from mailbox_assistant.reconnect import identity, oauth
from mailbox_assistant.reconnect import store as oauth_store
from mailbox_assistant.reconnect.crypto import cipher_from_settings
from mailbox_assistant.reconnect.links import LinkExpired, LinkInvalid, read_link_token
from mailbox_assistant.reconnect.providers import Provider, get_provider

bp = Blueprint("reconnect", __name__)
bp.after_request(secure_headers)
logger = logging.getLogger(__name__)

NEW_LINK_STEPS = [
    "Open Slack and ask Mailbox Assistant “how do I reconnect my mailbox?” (or type /mailbox).",
    "Use the Reconnect button in its answer: it carries a fresh link.",
]


@bp.get("/reconnect/<token>")
@public
def show_reconnect(token: str) -> Response:
    """The reconnect page of a signed link, or a page saying why the link cannot be used."""
    found = _mailbox_of_link(token)
    if isinstance(found, Response):
        return found
    mailbox, provider = found
    reason = get_reason(mailbox.last_failure_reason or "unknown")
    html = render_template(
        "reconnect.html",
        title=f"Reconnect {mailbox.email}",
        mailbox=mailbox,
        provider=provider,
        reason=reason,
        link_hours=f"{settings().reconnect_link_hours:g}",
    )
    return Response(html)


@bp.post("/reconnect/<token>")
@public
def start_reconnect(token: str) -> Response:
    """Store a new flow (state, PKCE verifier, browser binding) and send the browser to the provider."""
    found = _mailbox_of_link(token)
    if isinstance(found, Response):
        return found
    mailbox, provider = found
    cookie_name = flow_cookie_name()
    browser_secret = request.cookies.get(cookie_name) or secrets.token_urlsafe(32)
    lifetime = timedelta(minutes=settings().oauth_state_minutes)
    state, verifier = oauth_store.open_flow(
        get_session(),
        mailbox_id=mailbox.id,
        provider=provider.name,
        code_verifier=oauth.new_code_verifier(),
        browser_secret=browser_secret,
        lifetime=lifetime,
    )
    challenge = oauth.code_challenge(verifier)
    response = redirect(
        oauth.authorization_url(provider, _redirect_uri(provider.name), state, challenge), 303
    )
    response.set_cookie(
        cookie_name,
        browser_secret,
        max_age=int(lifetime.total_seconds()),
        path="/",
        secure=is_https(),
        httponly=True,
        samesite="Lax",  # sent on the provider's top-level redirect back to the callback
    )
    return response


@bp.get("/reconnect/<int:mailbox_id>")
@public
def show_platform_hint(mailbox_id: int) -> Response:
    """The unsigned fallback link (no OAuth app configured): where to reconnect; reveals nothing."""
    return page(
        200,
        "Reconnect your mailbox",
        "Mailboxes of this kind are reconnected from your sales platform's mailbox settings.",
        details=[
            "Open the platform and go to Settings → Mailboxes.",
            "Choose the disconnected mailbox and select Reconnect, then sign in again.",
            "Still stuck? Ask Mailbox Assistant in Slack to hand it to support.",
        ],
    )


def _mailbox_of_link(token: str) -> tuple[Mailbox, Provider] | Response:
    """The mailbox and provider a usable link is for, or the page that says why it is not usable."""
    if settings().secret_key is None:
        # Without SECRET_KEY this server makes no signed links (the bot links to the platform's own
        # reconnect page instead), so a token here is none of ours: say so, never a 500.
        return page(
            404,
            "This link is not valid",
            "This server does not make reconnect links.",
            details=NEW_LINK_STEPS,
        )
    try:
        claim = read_link_token(settings(), token)
    except LinkExpired:
        return page(
            410, "This link has expired", "Reconnect links work for a limited time.", details=NEW_LINK_STEPS
        )
    except LinkInvalid:
        return page(400, "This link is not valid", "It may be incomplete or altered.", details=NEW_LINK_STEPS)
    mailbox = get_session().get(Mailbox, claim.mailbox_id)
    if mailbox is None:
        return page(404, "This link is not valid", "The mailbox it was made for no longer exists.")
    if mailbox.status == "connected":
        return page(
            409,
            "Already connected",
            f"{mailbox.email} is connected, so this link has no more work to do.",
            details=["Nothing else is needed. If it disconnects again, Slack will send you a new link."],
        )
    if not claim.matches(mailbox.disconnected_at):
        return page(
            410,
            "This link is out of date",
            "The mailbox changed since the link was made.",
            details=NEW_LINK_STEPS,
        )
    provider = get_provider(settings(), mailbox.provider)
    if provider is None:
        return show_platform_hint(mailbox.id)
    return mailbox, provider


def _redirect_uri(provider_name: str) -> str:
    """The callback URL registered with the provider's OAuth app."""
    return f"{settings().public_url.rstrip('/')}/oauth/{provider_name}/callback"


@bp.get("/oauth/<provider_name>/callback")
@public
def finish_reconnect(provider_name: str) -> Response:
    """Check state and browser, exchange the code, check the account, store tokens, record `reconnected`."""
    session = get_session()
    cookie = request.cookies.get(flow_cookie_name(), "")
    try:
        flow = oauth_store.claim_flow(session, request.args.get("state", ""), provider_name, cookie)
    except oauth_store.FlowUnknown:
        return page(
            400,
            "This sign-in was not started here",
            "We could not match it to a reconnect link (it may have been used already).",
            details=["Open your reconnect link again and start over."],
        )
    except oauth_store.FlowExpired:
        return page(
            400,
            "This sign-in took too long",
            "It expired before it was finished.",
            details=["Open your reconnect link again and start over."],
        )
    except oauth_store.FlowInOtherBrowser:
        return page(
            400,
            "This sign-in was started in another browser",
            "For your safety it was not used.",
            details=["Open your reconnect link in this browser and start over."],
        )
    mailbox = session.get(Mailbox, flow.mailbox_id)
    provider = get_provider(settings(), provider_name)
    if mailbox is None or provider is None:
        return page(404, "Nothing to reconnect", "This mailbox or its provider is no longer set up here.")
    if "error" in request.args:
        return provider_error_page(
            provider, mailbox, request.args["error"], request.args.get("error_description")
        )
    code = request.args.get("code")
    if not code:
        return page(400, "No answer from the sign-in", f"{provider.display_name} sent no authorization code.")
    timeout = settings().oauth_timeout_seconds
    try:
        token = oauth.exchange_code(provider, _redirect_uri(provider.name), code, flow.code_verifier, timeout)
        account = identity.signed_in_account(provider, token, timeout)
    except oauth.TransientOAuthError:
        logger.warning("%s unavailable during reconnect", provider.name, exc_info=True)
        return page(
            503,
            f"{provider.display_name} is not answering",
            "Nothing changed: your mailbox is still disconnected.",
            details=["Wait a few minutes, then open your reconnect link again."],
        )
    except oauth.ProviderRefused as refused:
        return provider_error_page(provider, mailbox, refused.error, refused.description, refused.raw)
    except identity.IdTokenRejected as rejected:
        logger.warning("reconnect of mailbox %s: %s", mailbox.id, rejected)
        return unverified_sign_in_page(provider, mailbox.email)
    known = oauth_store.known_account(session, mailbox.id)
    domain_tenants = oauth_store.tenants_of_domain(
        session, provider.name, mailbox.email, except_mailbox_id=mailbox.id
    )
    refusal = identity.refusal(provider, account, mailbox.email, known, domain_tenants)
    if refusal is not None:
        logger.warning("reconnect of mailbox %s refused: %s", mailbox.id, refusal)
        return account_refused_page(provider, mailbox.email, account.email, refusal)
    _store_consent(mailbox, provider, account, token, flow.state)
    response = page(
        200,
        "Mailbox reconnected",
        f"{mailbox.email} is connected again. You can close this page;"
        " Slack will confirm it in your messages.",
    )
    response.delete_cookie(flow_cookie_name(), path="/", secure=is_https(), httponly=True, samesite="Lax")
    return response


def _store_consent(
    mailbox: Mailbox, provider: Provider, account: identity.Account, token: oauth.Token, state: str
) -> None:
    """In one transaction: the encrypted tokens, and a `reconnected` event if the mailbox was disconnected."""
    session = get_session()
    cipher = cipher_from_settings(settings())
    if mailbox.status == "disconnected":
        store.record_event(session, mailbox.id, "reconnected", idempotency_key=f"oauth:{state[:40]}")
    else:
        begin_write(session)
    oauth_store.save_consent(
        session,
        cipher,
        mailbox_id=mailbox.id,
        provider=provider.name,
        account_email=mailbox.email.lower(),
        token=token,
        account_subject=account.subject,
        account_tenant=account.tenant,
    )
    session.commit()


@bp.errorhandler(Exception)
def unexpected_error(exc: Exception) -> Response:
    """A page (not JSON) for anything unexpected on these pages; the traceback goes to the log only."""
    if isinstance(exc, HTTPException):
        return page(exc.code or 500, exc.name, exc.description or "")
    logger.exception("reconnect page failed")
    return page(500, "Something went wrong", "Nothing was changed. Please try again in a few minutes.")

"""Mailboxes: register (upsert by email), list by owner and status, read one."""

from __future__ import annotations

from flask import Blueprint, Response, g

from api import keys
from api.auth import admit, requires
from api.openapi import documented, responses, spec
from api.schemas import MAILBOX_ID_RULE, MailboxCreate, MailboxOut, MailboxPage, MailboxQuery
from api.serialize import mailbox_list_item, mailbox_out
from api.web import get_connection, get_session, get_statement_engine, json_response, require_json_body
from mailbox_assistant.mailboxes import store
from mailbox_assistant.mailboxes.warnings import last_warnings

bp = Blueprint("mailboxes", __name__, url_prefix="/api/v1/mailboxes")
bp.before_request(require_json_body)


@bp.post("")
@spec.validate(resp=responses(HTTP_200=MailboxOut, HTTP_201=MailboxOut), tags=["mailboxes"])
@requires("write")
def create_mailbox(json: MailboxCreate) -> tuple[MailboxOut, int]:
    """Register a mailbox: 201 when new, 200 with the existing one for a known email (any case)."""
    session = get_session()
    mailbox, created = store.upsert_mailbox(session, json.email, json.provider, json.owner_email)
    session.commit()
    return mailbox_out(mailbox), 201 if created else 200


@bp.get("")
@spec.validate(resp=responses(HTTP_200=MailboxPage), tags=["mailboxes"])
@requires("read")
def list_mailboxes(query: MailboxQuery) -> MailboxPage:
    """List mailboxes in id order, by owner and/or status, with cursor paging; disconnected mailboxes
    carry how often they disconnected recently, connected ones their last warning (one more query
    each, only when the page has any). With
    `email`, the one mailbox of that address (any case), counted in the same indexed query."""
    connection = get_connection()
    if query.email is not None:
        found = store.mailbox_by_email(connection, query.email, query.owner_email, query.status, query.cursor)
        items = [mailbox_list_item(found, {found.id: found.recent_disconnects or 0})] if found else []
        return MailboxPage(items=items, next_cursor=None)
    mailboxes, next_cursor = store.list_mailboxes(
        connection, query.owner_email, query.status, query.limit, query.cursor
    )
    recent = store.recent_disconnects(connection, [m.id for m in mailboxes if m.status == "disconnected"])
    warned = last_warnings(connection, [m.id for m in mailboxes if m.status == "connected"])
    items = [mailbox_list_item(m, recent, warned) for m in mailboxes]
    return MailboxPage(items=items, next_cursor=next_cursor)


@bp.get(f"/{MAILBOX_ID_RULE}")
# Nothing to validate, and the response is built as a MailboxOut: spectree only documents it.
@documented(responses(HTTP_200=MailboxOut), tags=["mailboxes"])
@requires("read", key_read_by_view=True)
def get_mailbox(mailbox_id: int) -> Response:
    """A mailbox and its current status (the API key is read in the same query)."""
    api_key, mailbox = keys.read_mailbox_with_key(get_statement_engine(), g.api_key_hash, mailbox_id)
    admit(api_key)  # 401/403 before anything about the mailbox, even its existence, is told
    if mailbox is None:
        raise store.NotFound(f"no mailbox with id {mailbox_id}")
    return json_response(mailbox_out(mailbox))

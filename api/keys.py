"""API keys: create, list, revoke, authenticate; only the SHA-256 of a key is stored."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, bindparam, select
from sqlalchemy.orm import Session

from api.direct_select import DirectSelect
from api.models import SCOPES, ApiKey
from mailbox_assistant.mailboxes.models import Mailbox
from mailbox_assistant.orm import MAX_ID, utcnow

KEY_PREFIX = "mba_"


def hash_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def scope_allows(granted: str, needed: str) -> bool:
    """Scopes nest: admin ⊃ write ⊃ read."""
    return SCOPES.index(granted) >= SCOPES.index(needed)


def create_key(session: Session, name: str, scope: str) -> tuple[ApiKey, str]:
    """Store a new key's hash; returns the row and the key itself (shown once, never stored)."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, scope=scope, key_hash=hash_key(key), prefix=key[:12], created_at=utcnow())
    session.add(row)
    session.flush()
    return row, key


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, oldest first, revoked ones included."""
    return list(session.execute(select(ApiKey).order_by(ApiKey.id)).scalars())


def revoke_key(session: Session, key_id: int) -> ApiKey | None:
    """Revoke a key by id (idempotent); None if there is no such key."""
    row = session.get(ApiKey, key_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


class Credential(NamedTuple):
    """Who a request is: the id and scope of its API key."""

    id: int
    scope: str


_KEYS = ApiKey.__table__.c
# A Core statement of table columns (no ORM entity): this runs on every request, and its compiled form
# is cached by SQLAlchemy (and prepared by psycopg on PostgreSQL).
_ACTIVE_KEY = select(_KEYS.id, _KEYS.scope).where(
    _KEYS.key_hash == bindparam("key_hash"), _KEYS.revoked_at.is_(None)
)


def authenticate(db: Session | Connection, key: str) -> Credential | None:
    """The id and scope of the active key matching `key`, by an indexed lookup of its hash.

    Looked up on every request, never cached: a revoked key is refused from the next request on.
    """
    return authenticate_hash(db, hash_key(key))


def authenticate_hash(db: Session | Connection, key_hash: str) -> Credential | None:
    """The id and scope of the active key with this hash (see `authenticate`)."""
    # The lookup is by hash, so timing reveals nothing about the stored keys.
    row = db.execute(_ACTIVE_KEY, {"key_hash": key_hash}).first()
    return Credential(row.id, row.scope) if row else None


_MAILBOXES = Mailbox.__table__
_KEY_TABLE = ApiKey.__table__
# The mailbox and the request's API key in one query (api.auth.requires(key_read_by_view=True)): no row
# if the key is unknown or revoked; a row without a mailbox if there is no such mailbox. The hottest
# read of the API, so it runs on the DBAPI connection (api.direct_select). Public: the benchmark's floor
# endpoint (bench/api_load.py) runs the same statement.
MAILBOX_WITH_KEY = DirectSelect(
    select(_KEY_TABLE.c.id.label("key_id"), _KEY_TABLE.c.scope.label("key_scope"), *_MAILBOXES.c)
    .select_from(_KEY_TABLE.outerjoin(_MAILBOXES, _MAILBOXES.c.id == bindparam("mailbox_id")))
    .where(_KEY_TABLE.c.key_hash == bindparam("key_hash"), _KEY_TABLE.c.revoked_at.is_(None))
)


def read_mailbox_with_key(engine: Engine, key_hash: str, mailbox_id: int) -> tuple[Credential | None, Any]:
    """The active API key with this hash (None if unknown or revoked) and the mailbox row (None if there
    is no such mailbox), in one indexed query. The caller checks the key before using the mailbox."""
    # An id beyond the column's range matches no mailbox: NULL compares equal to nothing.
    row = MAILBOX_WITH_KEY.first(
        engine, key_hash=key_hash, mailbox_id=mailbox_id if mailbox_id <= MAX_ID else None
    )
    if row is None:
        return None, None
    return Credential(row.key_id, row.key_scope), row if row.id is not None else None

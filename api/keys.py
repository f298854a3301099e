"""API keys: create, list, revoke, authenticate; only the SHA-256 of a key is stored."""

from __future__ import annotations

import hashlib
import secrets
from typing import NamedTuple

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from api.models import SCOPES, ApiKey, utcnow

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

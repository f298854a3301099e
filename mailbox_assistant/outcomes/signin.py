"""Single-use sign-in links to support's page, for installs without "Sign in with Slack".

`mailbox-assistant support-link --email ADDRESS` makes one: a random token whose SHA-256 alone is
stored, valid for LINK_LIFETIME, redeemed at most once (one guarded UPDATE decides, whichever process
answers the request).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from mailbox_assistant.db import begin_write
from mailbox_assistant.orm import utcnow
from mailbox_assistant.outcomes.models import SupportSignIn

LINK_LIFETIME = timedelta(minutes=10)
_sign_ins = SupportSignIn.__table__


def create_sign_in(session: Session, email: str, now: datetime | None = None) -> str:
    """Store a new sign-in for `email` and return its token (shown once, in the link)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    begin_write(session)
    session.execute(
        insert(_sign_ins).values(
            token_hash=_hash(token), email=email, created_at=now, expires_at=now + LINK_LIFETIME
        )
    )
    session.commit()
    return token


def pending_email(session: Session, token: str, now: datetime | None = None) -> str | None:
    """The address a token signs in, while it is unused and unexpired (nothing is changed)."""
    row = session.execute(
        select(_sign_ins.c.email).where(
            _sign_ins.c.token_hash == _hash(token),
            _sign_ins.c.used_at.is_(None),
            _sign_ins.c.expires_at > (now or utcnow()),
        )
    ).first()
    return row.email if row else None


def redeem_sign_in(session: Session, token: str, now: datetime | None = None) -> str | None:
    """Use the token: the address it signs in, or None if it is unknown, used or expired."""
    now = now or utcnow()
    email = pending_email(session, token, now)
    if email is None:
        return None
    begin_write(session)
    claimed = session.execute(
        update(_sign_ins)
        .where(
            _sign_ins.c.token_hash == _hash(token),
            _sign_ins.c.used_at.is_(None),
            _sign_ins.c.expires_at > now,
        )
        .values(used_at=now)
    )
    session.commit()
    return email if claimed.rowcount == 1 else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

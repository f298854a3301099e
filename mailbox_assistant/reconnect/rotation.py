"""Re-encrypt every stored OAuth token under the newest TOKEN_ENCRYPTION_KEY (`tokens rotate`), and say
which tokens no configured key opens, before an old key is dropped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbox_assistant.db import begin_write
from mailbox_assistant.orm import utcnow
from mailbox_assistant.reconnect.crypto import InvalidToken, TokenCipher
from mailbox_assistant.reconnect.models import OAuthToken


@dataclass
class Rotation:
    """What a rotation did: rows re-encrypted, and the mailboxes whose tokens no key opens."""

    rotated: int = 0
    unreadable: list[int] = field(default_factory=list)


def rotate_tokens(sessions: Callable[[], Session], cipher: TokenCipher, batch_size: int = 200) -> Rotation:
    """Re-encrypt the access and refresh tokens of every row under the cipher's newest key.

    A batch of rows per transaction, each row locked while it is rewritten (PostgreSQL FOR UPDATE,
    SQLite's write lock), so a refresh the token monitor saves meanwhile is never overwritten with the
    older token. A row no key opens is left as it is and reported.
    """
    result, after_id = Rotation(), 0
    while True:
        with sessions() as session:
            begin_write(session)
            rows = list(
                session.execute(
                    select(OAuthToken)
                    .where(OAuthToken.id > after_id)
                    .order_by(OAuthToken.id)
                    .limit(batch_size)
                    .with_for_update()
                ).scalars()
            )
            if not rows:
                session.commit()
                return result
            for row in rows:
                try:
                    access = cipher.rotate(row.access_token_enc)
                    refresh = cipher.rotate(row.refresh_token_enc)
                except InvalidToken:
                    result.unreadable.append(row.mailbox_id)
                    continue
                if (access, refresh) != (None, None):
                    row.access_token_enc, row.refresh_token_enc = access, refresh
                    row.updated_at = utcnow()
                    result.rotated += 1
            after_id = rows[-1].id
            session.commit()

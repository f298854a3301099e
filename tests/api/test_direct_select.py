"""DirectSelect: the hottest read on the DBAPI connection returns what SQLAlchemy would."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from api.direct_select import DirectSelect
from mailbox_assistant.mailboxes.models import Mailbox

MAILBOX_BY_ID = select(Mailbox.__table__).where(Mailbox.__table__.c.id == bindparam("mailbox_id"))


def test_rows_hold_what_sqlalchemy_returns(app, new_mailbox, post_event):
    mailbox = new_mailbox()
    post_event(mailbox["id"], type="disconnected", error="invalid_grant")
    engine = app.extensions["database"]["engine"]

    row = DirectSelect(MAILBOX_BY_ID).first(engine, mailbox_id=mailbox["id"])

    with engine.connect() as connection:
        expected = connection.execute(MAILBOX_BY_ID, {"mailbox_id": mailbox["id"]}).one()
    assert tuple(row) == tuple(expected)
    assert row._fields == tuple(expected._fields)
    assert row.disconnected_at.utcoffset().total_seconds() == 0  # aware, in UTC, as UtcDateTime reads it


def test_no_row_is_none_and_the_connection_goes_back_to_the_pool(app):
    engine = app.extensions["database"]["engine"]
    checked_out = engine.pool.checkedout()

    assert DirectSelect(MAILBOX_BY_ID).first(engine, mailbox_id=12345) is None
    assert engine.pool.checkedout() == checked_out

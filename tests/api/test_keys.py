"""api.keys: keys are random, stored only as hashes, listed without secrets, revocable."""

from __future__ import annotations

import hashlib

from api.keys import authenticate, create_key, list_keys, revoke_key, scope_allows


def test_only_the_hash_of_a_key_is_stored(db_session):
    row, key = create_key(db_session, "sync", "write")
    db_session.commit()

    assert key.startswith("mba_") and len(key) > 40
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(row.as_dict())


def test_authenticate_finds_active_keys_only(db_session):
    row, key = create_key(db_session, "sync", "write")
    db_session.commit()

    found = authenticate(db_session, key)
    revoke_key(db_session, row.id)
    db_session.commit()

    assert found is not None and found.id == row.id
    assert authenticate(db_session, key) is None
    assert authenticate(db_session, key + "x") is None


def test_revoking_an_unknown_key_returns_none(db_session):
    assert revoke_key(db_session, 404) is None


def test_list_shows_every_key_oldest_first(db_session):
    create_key(db_session, "a", "read")
    create_key(db_session, "b", "admin")
    db_session.commit()

    assert [(k.name, k.scope) for k in list_keys(db_session)] == [("a", "read"), ("b", "admin")]


def test_scopes_nest():
    assert scope_allows("admin", "write") and scope_allows("write", "read") and scope_allows("read", "read")
    assert not scope_allows("read", "write") and not scope_allows("write", "admin")

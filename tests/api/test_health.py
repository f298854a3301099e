"""GET /healthz."""

from __future__ import annotations


def test_healthz_reports_ok_without_a_key(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}

"""The OpenAPI document: complete, public, and obeyed by the API (schemathesis inside the suite)."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 25


def _flask_rule_to_openapi(rule: str) -> str:
    """/a/<int(max=9):id> → /a/{id}."""
    return re.sub(r"<(?:[^:>]*:)?([^>]+)>", r"{\1}", rule)


def test_document_lists_exactly_the_routes_of_the_app(app, client):
    document = client.get("/openapi.json").json
    routes = {
        (_flask_rule_to_openapi(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") or rule.rule == "/healthz"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }

    documented = {(path, method) for path, item in document["paths"].items() for method in item}

    assert documented == routes


def test_document_declares_bearer_auth_and_leaves_healthz_public(client):
    document = client.get("/openapi.json").json

    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert document["security"] == [{"bearer": []}]
    assert document["paths"]["/healthz"]["get"]["security"] == []


def test_errors_are_documented_as_problem_json(client):
    document = client.get("/openapi.json").json
    responses = document["paths"]["/api/v1/mailboxes/{mailbox_id}"]["get"]["responses"]

    assert responses["404"]["content"].keys() == {"application/problem+json"}
    assert responses["422"]["content"].keys() == {"application/problem+json"}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_requests_get_no_5xx_and_only_documented_responses(
    app, api_keys, new_mailbox, post_event, mode
):
    mailbox = new_mailbox()
    post_event(mailbox["id"], type="disconnected", error="invalid_grant")
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {api_keys['admin']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9  # 7 + GET /api/v1/incidents (issue 6) + GET /api/v1/reports/outcomes

    for operation in operations:
        if mode is GenerationMode.NEGATIVE and operation.path == "/healthz":
            continue  # it takes no input, so there is nothing invalid to send

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        call()

"""Schemathesis explores every documented operation: no 5xx, every error an Okta object."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from hooks.tokens import token_create

pytestmark = pytest.mark.django_db(transaction=True)

OKTA_ERROR_KEYS = {"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}
EXAMPLES_PER_OPERATION = 25


def assert_okta_error(response) -> None:
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), response.text
    body = response.json()
    assert set(body) >= OKTA_ERROR_KEYS, body
    assert isinstance(body["errorCauses"], list)
    assert all(isinstance(c, dict) and "errorSummary" in c for c in body["errorCauses"])


def test_no_operation_answers_5xx_or_a_non_okta_error(live_server, admin_user, settings):
    settings.HOOKS_API_RATE_LIMIT = 100_000
    _, token = token_create(user=admin_user, name="schemathesis")
    auth = {"Authorization": f"SSWS {token}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema", headers=auth)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    exercised = 0
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def explore(case):
            nonlocal exercised
            response = case.call(base_url=live_server.url, headers=auth, timeout=10)
            exercised += 1
            assert response.status_code < 500, (case.method, case.path, response.text)
            if response.status_code >= 400:
                assert_okta_error(response)

        explore()
    assert exercised >= len(operations)

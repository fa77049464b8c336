"""Verification marks VERIFIED only the channel it challenged.

A real receiver on 127.0.0.1 answers the challenge; while it is answering, its handler
changes the hook through the API (another thread, its own database connection), exactly
as a concurrent PUT from an integrator would.
"""

from __future__ import annotations

import copy

import pytest
from django.db import connection
from rest_framework.test import APIClient

from hooks.eventhooks.services import SYSTEM
from hooks.eventhooks.verification import VerificationFailed, hook_verify
from hooks.models import Delivery, Event, EventHook
from hooks.receiver.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)

ENDPOINT_CHANGED = "The endpoint changed while it was being verified; verify again"


@pytest.fixture
def put_during_challenge(api_token, hook_body):
    """Start a receiver whose challenge answer is preceded by a PUT `change(body)` on the hook."""
    started: list[Receiver] = []

    def start(hook_id: str, change) -> Receiver:
        def on_request(request):
            if request.method != "GET":
                return
            body = copy.deepcopy(hook_body)
            body["channel"]["config"]["uri"] = receiver.url
            change(body)
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"SSWS {api_token}")
            try:
                response = client.put(f"/api/v1/eventHooks/{hook_id}", body, format="json")
                assert response.status_code == 200, response.content
            finally:
                connection.close()  # this thread's connection, not the test's

        receiver = Receiver(on_event=on_request)
        started.append(receiver.start())
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


def test_a_uri_changed_during_the_challenge_is_not_marked_verified(
    create_hook, put_during_challenge
):
    hook_id = create_hook(uri="http://127.0.0.1:9999/placeholder")["id"]
    receiver = put_during_challenge(
        hook_id,
        lambda body: body["channel"]["config"].update(uri="http://127.0.0.1:9999/never-challenged"),
    )
    EventHook.objects.filter(pk=hook_id).update(uri=receiver.url)

    with pytest.raises(VerificationFailed) as failure:
        hook_verify(hook=EventHook.objects.get(pk=hook_id), actor=SYSTEM)

    assert failure.value.cause == ENDPOINT_CHANGED
    hook = EventHook.objects.get(pk=hook_id)
    assert hook.uri == "http://127.0.0.1:9999/never-challenged"
    assert hook.verification_status == EventHook.Verification.UNVERIFIED
    assert len(receiver.verifications) == 1  # the old URI did answer the challenge
    verification = Delivery.objects.get(hook_id=hook_id, kind=Delivery.Kind.VERIFICATION)
    assert (verification.status, verification.last_error) == ("FAILED", ENDPOINT_CHANGED)
    audit = Event.objects.get(event_type="event_hook.verified").data
    assert audit["outcome"] == {"result": "FAILURE", "reason": ENDPOINT_CHANGED}


def test_the_api_answers_the_change_as_a_verification_failure(
    api, create_hook, put_during_challenge
):
    hook_id = create_hook(uri="http://127.0.0.1:9999/placeholder")["id"]
    receiver = put_during_challenge(
        hook_id,
        lambda body: body["channel"]["config"]["authScheme"].update(value="Bearer other"),
    )
    EventHook.objects.filter(pk=hook_id).update(uri=receiver.url)

    response = api.post(f"/api/v1/eventHooks/{hook_id}/lifecycle/verify")

    assert response.status_code == 400
    assert response.json()["errorCauses"] == [{"errorSummary": ENDPOINT_CHANGED}]
    hook = EventHook.objects.get(pk=hook_id)
    assert (hook.auth_value, hook.verification_status) == ("Bearer other", "UNVERIFIED")


def test_a_change_outside_the_channel_does_not_spoil_the_verification(
    create_hook, put_during_challenge
):
    hook_id = create_hook(uri="http://127.0.0.1:9999/placeholder")["id"]
    receiver = put_during_challenge(
        hook_id, lambda body: body.update(name="Renamed while verifying")
    )
    EventHook.objects.filter(pk=hook_id).update(uri=receiver.url)

    hook = hook_verify(hook=EventHook.objects.get(pk=hook_id), actor=SYSTEM)

    assert (hook.name, hook.verification_status) == ("Renamed while verifying", "VERIFIED")

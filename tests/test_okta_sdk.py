"""Okta's own Python SDK (okta 3.x), unmodified, against a running console."""

from __future__ import annotations

import asyncio
import importlib
import os

import pytest

from hooks.access.tokens import token_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def okta_client_factory(live_server, admin_user, tmp_path, monkeypatch):
    """Build okta.client.Client instances pointed at the live server."""
    # The SDK reads ~/.okta/okta.yaml, ./okta.yaml and OKTA_* variables: isolate it.
    for name in list(os.environ):
        if name.startswith("OKTA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")
    client_module = importlib.import_module("okta.client")
    _, token = token_create(user=admin_user, name="okta sdk")

    def make(api_token: str = token):
        return client_module.Client(
            {
                "orgUrl": live_server.url,
                "token": api_token,
                "authorizationMode": "SSWS",
                "requestTimeout": 30,
                "rateLimit": {"maxRetries": 0},
            }
        )

    return make


def sdk_models():
    models = importlib.import_module("okta.models")
    return models


def new_hook(name: str, uri: str = "https://receiver.example.com/okta"):
    m = sdk_models()
    return m.EventHook(
        name=name,
        description="created by the okta SDK",
        events=m.EventSubscriptions(
            type="EVENT_TYPE", items=["user.lifecycle.create", "user.lifecycle.deactivate"]
        ),
        channel=m.EventHookChannel(
            type="HTTP",
            version="1.0.0",
            config=m.EventHookChannelConfig(
                uri=uri,
                headers=[m.EventHookChannelConfigHeader(key="X-Other-Header", value="other")],
                auth_scheme=m.EventHookChannelConfigAuthScheme(
                    type="HEADER", key="Authorization", value="Bearer sdk-secret"
                ),
            ),
        ),
    )


def test_the_full_lifecycle_runs_through_the_unmodified_sdk(okta_client_factory, receiver):
    async def scenario():
        async with okta_client_factory() as client:
            listed, _, err = await client.list_event_hooks()
            assert err is None and listed == []

            created, _, err = await client.create_event_hook(new_hook("sdk hook", uri=receiver.url))
            assert err is None, err
            assert created.id.startswith("who") and len(created.id) == 20
            assert created.status == "ACTIVE"
            assert created.verification_status == "UNVERIFIED"

            verified, _, err = await client.verify_event_hook(created.id)
            assert err is None, err
            assert verified.verification_status == "VERIFIED"
            assert receiver.verifications[-1].header("Authorization") == "Bearer sdk-secret"

            fetched, _, err = await client.get_event_hook(created.id)
            assert err is None and fetched.name == "sdk hook"
            assert fetched.channel.config.auth_scheme.key == "Authorization"
            assert fetched.channel.config.auth_scheme.value is None

            fetched.name = "sdk hook renamed"
            replaced, _, err = await client.replace_event_hook(created.id, fetched)
            assert err is None, err
            assert replaced.name == "sdk hook renamed"
            # GET -> modify -> PUT carries no authScheme.value: the secret is kept and the
            # unchanged channel stays verified.
            assert replaced.verification_status == "VERIFIED"

            for call, status in [
                (client.deactivate_event_hook, "INACTIVE"),
                (client.activate_event_hook, "ACTIVE"),
                (client.deactivate_event_hook, "INACTIVE"),
            ]:
                hook, _, err = await call(created.id)
                assert err is None and hook.status == status

            result = await client.delete_event_hook(created.id)
            assert result[-1] is None
            listed, _, err = await client.list_event_hooks()
            assert err is None and listed == []

    asyncio.run(scenario())


def test_the_sdk_gets_okta_api_errors_with_the_right_codes(okta_client_factory):
    errors_module = importlib.import_module("okta.errors.okta_api_error")

    async def scenario():
        async with okta_client_factory("not-a-token") as client:
            _, _, err = await client.list_event_hooks()
            assert isinstance(err, errors_module.OktaAPIError)
            assert err.status == 401 and err.error_code == "E0000011"

        async with okta_client_factory() as client:
            _, _, err = await client.get_event_hook("whoDOESNOTEXIST00000")
            assert isinstance(err, errors_module.OktaAPIError)
            assert err.status == 404 and err.error_code == "E0000007"

            _, _, err = await client.create_event_hook(new_hook("bad", uri="http://x y"))
            assert isinstance(err, errors_module.OktaAPIError)
            assert err.status == 400 and err.error_code == "E0000001"
            assert any("channel.config.uri" in c["errorSummary"] for c in err.error_causes)

            created, _, _ = await client.create_event_hook(new_hook("active one"))
            result = await client.delete_event_hook(created.id)
            err = result[-1]
            assert isinstance(err, errors_module.OktaAPIError)
            assert err.status == 400 and err.error_code == "E0000001"

    asyncio.run(scenario())

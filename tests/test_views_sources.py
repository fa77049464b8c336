"""The console's Sources pages and the System Log's source column and filter."""

from __future__ import annotations

import pytest

from hooks.eventhooks.services import SYSTEM
from hooks.models import Source
from hooks.sources.ingest import store_events
from hooks.sources.services import source_create
from hooks.sources.validation import SourceSpec
from hooks.systemlog.publishing import event_publish
from tests.fake_okta import okta_event

pytestmark = pytest.mark.django_db


def test_create_an_event_hook_source_and_copy_its_ingest_url(admin_client):
    page = admin_client.get("/sources")
    assert page.status_code == 200 and "Connect a source" in page.content.decode()
    answer = admin_client.post(
        "/sources",
        {
            "name": "Acme",
            "type": "OKTA_EVENT_HOOK",
            "auth_key": "Authorization",
            "auth_value": "Bearer x",
        },
    )
    source = Source.objects.get(name="Acme")
    assert answer.status_code == 302 and answer["Location"] == f"/sources/{source.pk}"
    detail = admin_client.get(answer["Location"]).content.decode()
    assert f"http://testserver/ingest/okta/{source.pk}" in detail
    assert "Bearer x" not in detail
    listing = admin_client.get("/sources").content.decode()
    assert "Acme" in listing and 'aria-current="page">Sources' in listing


def test_the_form_shows_causes_next_to_fields(admin_client):
    answer = admin_client.post(
        "/sources",
        {"name": "R", "type": "OKTA_SYSTEM_LOG", "org_url": "https://10.1.2.3", "token": ""},
    )
    text = answer.content.decode()
    assert answer.status_code == 400
    assert "The field cannot be left blank" in text and not Source.objects.exists()


def test_deactivate_then_delete_with_confirmation(admin_client):
    source = source_create(
        spec=SourceSpec(name="Gone", type="OKTA_EVENT_HOOK", auth_key="X-Key", auth_value="v"),
        actor=SYSTEM,
    )
    confirm = admin_client.get(f"/sources/{source.pk}/delete").content.decode()
    assert "deactivate it first" in confirm
    assert admin_client.post(f"/sources/{source.pk}/delete").status_code == 409
    admin_client.post(f"/sources/{source.pk}/lifecycle/deactivate")
    assert "Delete source" in admin_client.get(f"/sources/{source.pk}/delete").content.decode()
    assert admin_client.post(f"/sources/{source.pk}/delete").status_code == 302
    assert not Source.objects.exists()


def test_the_system_log_names_and_filters_by_source(admin_client):
    source = source_create(
        spec=SourceSpec(name="Acme org", type="OKTA_EVENT_HOOK", auth_key="X-Key", auth_value="v"),
        actor=SYSTEM,
    )
    store_events(source, [okta_event(1)])
    event_publish(events=[{"eventType": "user.session.start", "uuid": "local-1"}])
    everything = admin_client.get("/logs").content.decode()
    assert "via Acme org" in everything and "local-1" in everything
    # An actor's alternateId is searched row by row (the bounded scan): still named.
    scanned = admin_client.get("/logs", {"actor": "ann@example.com"}).content.decode()
    assert "via Acme org" in scanned
    filtered = admin_client.get("/logs", {"source": source.pk}).content.decode()
    assert okta_event(1)["uuid"] in filtered and "local-1" not in filtered


def test_only_super_admins(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/sources").status_code == 403

"""The Sources pages in a real browser (Debian's chromium), with screenshots in
artifacts/screenshots/: connect an Okta event hook source, see its events in the System Log."""

from __future__ import annotations

import json

import pytest
import requests

from hooks.models import Source
from tests.browser_support import chromium, log_in, new_page, shot
from tests.fake_okta import okta_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def orm_beside_playwright(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_connect_a_source_and_find_its_events(live_server, admin_user):
    base = live_server.url
    with chromium() as browser:
        page = new_page(browser)
        log_in(page, base)
        page.click("nav >> text=Sources")
        page.wait_for_url(f"{base}/sources")
        shot(page, "40-sources-empty")
        page.fill("#id_name", "Acme production")
        page.select_option("#id_type", "OKTA_EVENT_HOOK")
        page.fill("#id_auth_value", "Bearer from-okta")
        page.click("text=Create source")
        source = Source.objects.get(name="Acme production")
        page.wait_for_url(f"{base}/sources/{source.pk}")
        ingest = page.text_content("#ingest-url")
        assert ingest == f"{base}/ingest/okta/{source.pk}"
        # Okta delivers an envelope to the URL shown.
        body = {"eventType": "com.okta.event_hook", "data": {"events": [okta_event(7)]}}
        answer = requests.post(
            ingest,
            data=json.dumps(body),
            timeout=10,
            headers={"Authorization": "Bearer from-okta", "Content-Type": "application/json"},
        )
        assert answer.status_code == 204
        page.reload()
        assert "user.lifecycle.create" in page.text_content("body")
        shot(page, "41-source-detail")
        page.click("text=in the System Log")
        page.wait_for_url(f"**/logs?source={source.pk}")
        assert "via Acme production" in page.text_content("#log-rows")
        shot(page, "42-system-log-by-source")
        page.goto(f"{base}/sources")
        shot(page, "43-sources-list")

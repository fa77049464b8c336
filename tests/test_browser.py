"""The console in a real browser: Debian's chromium against a live server, a real worker
cluster and a real receiver. Screenshots of every page go to artifacts/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hooks.models import Delivery, EventHook
from hooks.systemlog.publishing import event_publish
from tests.browser_support import CHROMIUM, chromium, log_in, new_page, shot
from tests.cluster import running_cluster

# `integration`: tasks go to the real qcluster, not inline (see tasks_run_inline in conftest).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
]


def test_chromium_is_installed():
    """.ci/run installs Debian's chromium; without it the browser tests must fail, not skip."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium"


AUTH_SECRET = "Bearer br0wser-SECRET-2718"
FILTER_VALUE = "ops@example.com"


@pytest.fixture(autouse=True)
def orm_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread; Django would then refuse the
    test's own ORM calls as "async", although they run synchronously between browser steps."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def cluster(tmp_path, transactional_db):
    with running_cluster(tmp_path) as running:
        yield running


def test_a_hook_from_creation_to_deletion(live_server, admin_user, cluster, receiver):
    base = live_server.url
    with chromium() as browser:
        page = new_page(browser)
        page.goto(f"{base}/accounts/login/")
        shot(page, "01-login")
        log_in(page, base)
        shot(page, "02-event-hooks-empty")

        # Step 1: details, with a secret (checked with the show toggle) and a custom header.
        page.click("text=Create event hook")
        page.wait_for_url(f"{base}/eventhooks/new")
        page.fill("#id_uri", receiver.url)
        page.fill("#id_name", "Browser hook")
        page.fill("#id_description", "Made by the browser test")
        page.fill("#id_auth_key", "Authorization")
        page.fill("#id_auth_value", AUTH_SECRET)
        page.click("button.secret-toggle")
        assert page.get_attribute("#id_auth_value", "type") == "text"
        page.click("button.secret-toggle")
        assert page.get_attribute("#id_auth_value", "type") == "password"
        page.locator("input[name=headers_key]").nth(0).fill("X-Team")
        page.locator("input[name=headers_value]").nth(0).fill("identity")
        page.click("button[name=header_action][value=add]")
        page.wait_for_function("document.querySelectorAll('input[name=headers_key]').length === 3")
        assert page.locator("input[name=headers_key]").nth(0).input_value() == "X-Team"
        page.fill("#event-type-search", "mfa.factor.activate")
        page.wait_for_selector(
            "#event-type-list input[value='user.lifecycle.create']", state="detached"
        )
        page.check("#event-type-list input[value='user.mfa.factor.activate']")
        assert page.input_value("#id_auth_value") == AUTH_SECRET  # htmx kept the typed secret
        shot(page, "03-create-details")
        page.click("button.primary:has-text('Create hook & continue')")
        page.wait_for_url("**/filters?setup=1")
        hook = EventHook.objects.get(name="Browser hook")
        assert page.inner_text("#signing-secret") == hook.signing_secret

        # Step 2: a filter from the builder, checked live against the System Log.
        page.check("input[name=f0-apply]")
        page.click("button[name=row_action][value='add:0']")
        page.wait_for_function("document.querySelectorAll('input[name=f0-row_value]').length === 2")
        page.locator("select[name=f0-row_field]").nth(0).select_option("actor.alternateId")
        page.locator("input[name=f0-row_value]").nth(0).fill(FILTER_VALUE)
        page.click("text=Check against recent events")
        page.wait_for_selector("#check-f0 .check.ok")
        shot(page, "04-filters")
        page.click("button.primary:has-text('Save & continue')")
        page.wait_for_url("**/preview?setup=1")
        hook.refresh_from_db()
        assert hook.filters == {
            "user.mfa.factor.activate": f"event.actor.alternateId eq '{FILTER_VALUE}'"
        }

        # Step 3: preview the sample and deliver it through the worker cluster.
        assert "sample event" in page.inner_text("#preview-request")
        page.click("button.primary:has-text('Deliver request')")
        page.wait_for_selector("#preview-result .result.ok", timeout=30_000)
        assert "Delivery successful" in page.inner_text("#preview-result")
        shot(page, "05-preview-delivered")

        # Step 4: verify & activate.
        page.click("a.primary:has-text('Next')")
        page.wait_for_url("**/activate?setup=1")
        page.click("button.primary:has-text('Verify')")
        page.wait_for_selector("#verify-result .result.ok", timeout=30_000)
        assert "VERIFIED" in page.inner_text("#hook-badges")
        shot(page, "06-verified")
        assert receiver.verifications[-1].header("Authorization") == AUTH_SECRET

        # The overview: no secret anywhere, and the health picture.
        page.click("text=Go to hook")  # #14 item 4: "Go to hook" is the main button now
        page.wait_for_selector("svg.health-chart")
        assert AUTH_SECRET not in page.content() and hook.signing_secret not in page.content()
        shot(page, "07-hook-overview")

        # A published event shows up on the Deliveries tab by itself (htmx polling).
        page.click("nav.tabs >> text=Deliveries")
        page.wait_for_url("**/deliveries")
        actor = {"id": "00uOPS", "alternateId": FILTER_VALUE}
        event_publish(events=[{"eventType": "user.mfa.factor.activate", "actor": actor}])
        page.wait_for_selector(
            "details.delivery:has(.kind:text-is('Events')) .badge.ok", timeout=30_000
        )
        receiver.wait_for_events(1, timeout=10)
        page.locator("details.delivery:has(.kind:text-is('Events')) summary").first.click()
        page.wait_for_selector("details.delivery[open] .attempt")
        shot(page, "08-deliveries")
        assert Delivery.objects.filter(hook=hook, kind="EVENTS", status="SUCCEEDED").exists()

        page.click("nav.tabs >> text=Activity")
        page.wait_for_selector("text=event_hook.verified")
        shot(page, "09-activity")

        # The list shows the delivery outcome; the overview's health picture has a bar now.
        page.goto(f"{base}/")
        page.wait_for_selector("td .badge.ok:text-is('SUCCEEDED')")
        shot(page, "10-event-hooks")
        page.click("td.name a:text-is('Browser hook')")
        page.wait_for_selector("svg.health-chart g.hour rect[fill]")
        shot(page, "11-hook-health")

        # Deactivate and delete, each after its confirmation step (#14 item 8).
        page.click(".head-actions a:has-text('Deactivate…')")
        page.wait_for_url(re.compile(r"/lifecycle/deactivate\?next="))
        page.click("button.danger:has-text('Deactivate event hook')")
        page.wait_for_selector(".message.success")
        page.click(".head-actions a:has-text('Delete')")
        page.wait_for_url("**/delete")
        shot(page, "12-delete-confirm")
        page.click("button.danger:has-text('Delete event hook')")
        page.wait_for_url(f"{base}/")
        assert "was deleted" in page.inner_text(".messages")
        shot(page, "13-event-hooks-after-delete")
        assert not EventHook.objects.filter(pk=hook.pk).exists()

        # The other pages of the console.
        pages = [
            ("/catalog", "14-catalog"),
            ("/catalog/user.mfa.factor.activate", "15-event-type"),
            ("/logs", "16-system-log"),
            ("/tokens", "17-tokens"),
        ]
        for path, name in pages:
            page.goto(f"{base}{path}")
            page.wait_for_selector("main h1")
            shot(page, name)


def test_core_pages_work_with_javascript_disabled(live_server, admin_user):
    base = live_server.url
    with chromium() as browser:
        page = new_page(browser, javascript=False)
        log_in(page, base)
        for path, title in [
            ("/", "Event Hooks"),
            ("/eventhooks/new", "Create event hook"),
            ("/catalog", "Event Catalog"),
            ("/logs", "System Log"),
            ("/tokens", "API Tokens"),
        ]:
            page.goto(f"{base}{path}")
            assert page.title().startswith(title)
        # The no-JavaScript search and "add another header" are plain submits.
        page.goto(f"{base}/eventhooks/new")
        page.fill("#id_uri", "https://example.com/no-js")
        page.fill("#id_name", "Without JavaScript")
        page.fill("#event-type-search", "user.lifecycle.create")
        page.click("button[name=search]")
        page.wait_for_load_state()
        page.check("#event-type-list input[value='user.lifecycle.create']")
        page.click("button[name=header_action][value=add]")
        page.wait_for_load_state()
        assert page.locator("input[name=headers_key]").count() == 3
        assert page.input_value("#id_name") == "Without JavaScript"
        assert page.is_hidden("button.secret-toggle")  # the toggle needs JavaScript
        shot(page, "20-nojs-create")
        page.click("button.primary:has-text('Create hook & continue')")
        page.wait_for_url("**/filters?setup=1")
        shot(page, "21-nojs-filters")
        hook = EventHook.objects.get(name="Without JavaScript")
        assert hook.event_types == ["user.lifecycle.create"]
        page.goto(f"{base}/eventhooks/{hook.id}/preview")
        assert page.is_visible("text=Deliver request")
        page.goto(f"{base}/eventhooks/{hook.id}/deliveries")
        assert page.is_visible("form.filters-bar")
        shot(page, "22-nojs-deliveries")

"""Console, round two (#14 items 1-5) in a real browser: Debian's chromium against a live
server. Screenshots (desktop size) go to artifacts/screenshots/3x-*.png."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from hooks.eventhooks.services import Actor, hook_create
from hooks.eventhooks.validation import HookSpec
from hooks.models import Delivery, DeliveryAttempt, EventHook
from hooks.outbound.payloads import encode, envelope
from tests.browser_support import chromium, log_in, new_page, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def orm_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread (see tests/test_browser.py)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def make_hook(user, name="Finder", uri="https://receiver.example.com/okta", **changes):
    spec = HookSpec(
        name=name,
        uri=uri,
        description="Round two",
        event_types=["user.lifecycle.create", "user.session.start"],
        auth_key="Authorization",
        auth_value="Bearer f1nd-SECRET",
        **changes,
    )
    return hook_create(spec=spec, actor=Actor(user=user))


def event(uuid, event_type="user.lifecycle.create", actor="ops@example.com"):
    return {
        "uuid": uuid,
        "eventType": event_type,
        "published": "2026-01-01T00:00:00.000Z",
        "actor": {"id": f"00u{actor[:3]}", "type": "User", "alternateId": actor},
        "target": [{"id": "00uT", "type": "User", "displayName": "Tess Target"}],
    }


def delivery(hook, status, *events, minutes_ago=0, duration=87.0):
    row = Delivery.objects.create(
        hook=hook, status=status, event_count=len(events), attempt_count=1, last_status_code=200
    )
    row.body = encode(
        envelope(hook_id=hook.id, envelope_id=str(row.envelope_id), events=list(events))
    )
    row.save(update_fields=["body"])
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    Delivery.objects.filter(pk=row.pk).update(created_at=moment)
    ok = status == "SUCCEEDED"
    DeliveryAttempt.objects.create(
        delivery=row,
        number=1,
        started_at=moment,
        finished_at=moment,
        duration_ms=duration,
        outcome="SUCCESS" if ok else "FAILURE",
        response_status=200 if ok else 500,
        request_headers={"Accept": "application/json"},
        error="" if ok else "HTTP 500",
    )
    return row


def clipboard_page(browser, base):
    page = new_page(browser)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    return page


def clipboard(page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


def badges(page) -> list[str]:
    return page.locator("#delivery-list details.delivery summary .badge").all_inner_texts()


# --- Item 1: deliveries you can find --------------------------------------------------------------


def test_deliveries_you_can_find(live_server, admin_user):
    hook, _ = make_hook(admin_user)
    failed = delivery(hook, "FAILED", event("u-f1"), minutes_ago=3, duration=1503.0)
    delivery(
        hook, "SUCCEEDED", event("u-s1", "user.session.start", "bea@example.com"), minutes_ago=2
    )
    found = delivery(hook, "SUCCEEDED", event("u-s2"), event("u-s3"), minutes_ago=1)
    base = live_server.url
    with chromium() as browser:
        page = clipboard_page(browser, base)
        log_in(page, base)
        page.goto(f"{base}/eventhooks/{hook.id}/deliveries")
        row = page.locator(f"summary#delivery-{found.envelope_id}")
        assert row.locator("code.event-type").inner_text() == "user.lifecycle.create"
        assert row.locator("strong.actor").inner_text() == "ops@example.com"
        assert row.locator("strong.target").inner_text() == "Tess Target (User)"
        assert row.locator("code.event-id").inner_text() == str(found.envelope_id)
        assert page.locator(f"summary#delivery-{failed.envelope_id} .duration").inner_text() == (
            "1503 ms"
        )
        assert page.is_hidden("#delivery-filters button[data-submit-fallback]")  # live filters
        shot(page, "30-deliveries-rows")

        # A status applies as soon as it is chosen, and a poll never undoes it.
        page.select_option("#id_status", "FAILED")
        page.wait_for_function(
            "() => [...document.querySelectorAll('#delivery-list summary .badge')]"
            ".every(b => b.textContent === 'FAILED')",
            polling=100,
        )
        assert "status=FAILED" in page.url
        page.wait_for_timeout(2_600)  # one 2-second poll later
        assert badges(page) == ["FAILED"]
        assert page.input_value("#id_status") == "FAILED"

        # Search by actor (Enter), then by eventId; the status filter is cleared first.
        page.select_option("#id_status", "")
        page.wait_for_function(
            "document.querySelectorAll('#delivery-list details.delivery').length === 3", polling=100
        )
        page.fill("#id_q", "BEA@example.com")
        page.press("#id_q", "Enter")
        page.wait_for_function(
            "document.querySelectorAll('#delivery-list details.delivery').length === 1", polling=100
        )
        assert "bea@example.com" in page.inner_text("#delivery-list")
        shot(page, "31-deliveries-search-actor")
        page.fill("#id_q", str(found.envelope_id))
        page.press("#id_q", "Enter")
        page.wait_for_selector(f"#delivery-list summary#delivery-{found.envelope_id}")
        assert page.locator("#delivery-list details.delivery").count() == 1

        # The payload is indented, and its copy button copies it.
        row.click()
        page.click("details.delivery[open] .payload summary")
        pretty = page.inner_text(f"#payload-{found.pk}")
        assert '\n  "eventType": "com.okta.event_hook",' in pretty
        page.click(f"button[data-copy='payload-{found.pk}']")
        page.wait_for_selector(f"button[data-copy='payload-{found.pk}'].copied")
        assert clipboard(page) == pretty.strip()
        assert page.inner_text("#copy-status") == "Copied payload"
        page.click(f"details.delivery[open] button[data-copy-text='{found.envelope_id}']")
        page.wait_for_function(
            f"() => navigator.clipboard.readText().then(t => t === '{found.envelope_id}')",
            polling=100,
        )
        shot(page, "32-deliveries-payload")


def test_delivery_filters_without_javascript_use_the_submit_button(live_server, admin_user):
    hook, _ = make_hook(admin_user)
    delivery(hook, "FAILED", event("u-f1"), minutes_ago=3)
    delivery(hook, "SUCCEEDED", event("u-s1"), minutes_ago=2)
    base = live_server.url
    with chromium() as browser:
        page = new_page(browser, javascript=False)
        log_in(page, base)
        page.goto(f"{base}/eventhooks/{hook.id}/deliveries")
        page.select_option("#id_status", "SUCCEEDED")
        page.click("#delivery-filters button[data-submit-fallback]")
        page.wait_for_url("**status=SUCCEEDED**")
        assert badges(page) == ["SUCCEEDED"]


def test_redeliver_all_failed_leaves_out_recovered_failures(live_server, admin_user, receiver):
    hook, _ = make_hook(admin_user, uri=receiver.url)
    EventHook.objects.filter(pk=hook.pk).update(verification_status="VERIFIED")
    originals = [delivery(hook, "FAILED", event(f"u-{n}"), minutes_ago=5 - n) for n in range(2)]
    base = live_server.url
    with chromium() as browser:
        page = new_page(browser)
        log_in(page, base)
        page.goto(f"{base}/eventhooks/{hook.id}/deliveries")
        page.click("text=Redeliver all failed (2)")
        page.click("button.primary:has-text('Redeliver 2')")
        page.wait_for_selector("text=2 succeeded", timeout=30_000)
        page.goto(f"{base}/eventhooks/{hook.id}/deliveries")
        assert not page.is_visible("text=Redeliver all failed")  # did not grow: nothing left
        for original in originals:
            assert "redelivered → " in page.inner_text(f"summary#delivery-{original.envelope_id}")
        shot(page, "33-deliveries-after-redeliver-all")


# --- Item 2: copy buttons, secret fingerprint -----------------------------------------------------


def test_copy_buttons_for_secrets_tokens_and_ids(live_server, admin_user):
    hook, _ = make_hook(admin_user)
    base = live_server.url
    with chromium() as browser:
        page = clipboard_page(browser, base)
        log_in(page, base)
        page.goto(f"{base}/eventhooks/{hook.id}/secret/rotate")
        page.click("form button.danger, form button.primary")
        page.wait_for_selector("#signing-secret")
        hook.refresh_from_db()
        fingerprint = hashlib.sha256(hook.signing_secret.encode()).hexdigest()[:8]
        assert page.inner_text("code.fingerprint") == fingerprint
        assert "just now" in page.inner_text("dd:right-of(dt:text-is('Rotated'))")
        page.click("button[data-copy='signing-secret']")
        page.wait_for_selector("button[data-copy='signing-secret']:text-is('Copied')")
        assert clipboard(page) == hook.signing_secret
        assert page.inner_text("#copy-status") == "Copied signing secret"
        shot(page, "34-signing-secret-copy")
        page.click("button[data-copy='hook-id']")
        page.wait_for_function(
            f"() => navigator.clipboard.readText().then(t => t === '{hook.id}')", polling=100
        )
        page.click("button[data-copy='hook-uri']")
        page.wait_for_function(
            f"() => navigator.clipboard.readText().then(t => t === '{hook.uri}')", polling=100
        )
        page.reload()
        assert hook.signing_secret not in page.content()
        assert page.inner_text("code.fingerprint") == fingerprint

        page.goto(f"{base}/tokens")
        page.fill("#id_name", "Copy me")
        page.click("button.primary:has-text('Create token')")
        page.wait_for_selector("#new-token")
        token = page.inner_text("#new-token")
        page.click("button[data-copy='new-token']")
        page.wait_for_selector("button[data-copy='new-token'].copied")
        assert clipboard(page) == token
        shot(page, "35-token-copy")


def test_copy_falls_back_without_the_clipboard_api(live_server, admin_user):
    hook, _ = make_hook(admin_user)
    base = live_server.url
    with chromium() as browser:
        page = new_page(browser)
        # As on a plain-http deployment: no navigator.clipboard; execCommand copies.
        page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
        log_in(page, base)
        page.goto(f"{base}/eventhooks/{hook.id}")
        page.evaluate(
            "window.copied = ''; document.addEventListener('copy', () => "
            "{ window.copied = document.getSelection().toString(); })"
        )
        page.click("button[data-copy='hook-id']")
        page.wait_for_selector("button[data-copy='hook-id'].copied")
        assert page.evaluate("window.copied") == hook.id
        assert page.inner_text("#copy-status") == "Copied hook id"


# --- Item 3: the filter builder -------------------------------------------------------------------


def test_filter_builder_fixes(live_server, admin_user):
    hook, _ = make_hook(admin_user)
    base = live_server.url
    with chromium() as browser:
        page = new_page(browser)
        log_in(page, base)
        page.goto(f"{base}/eventhooks/{hook.id}/filters")
        page.check("input[name=f0-apply]")
        fields = page.locator("select[name=f0-row_field]")
        assert fields.count() == 1 and fields.nth(0).input_value() == ""  # no default field
        fields.nth(0).select_option("actor.alternateId")
        page.locator("select[name=f0-row_operator]").nth(0).select_option("sw")
        page.locator("input[name=f0-row_value]").nth(0).fill("adm")
        page.click("button[name=row_action][value='add:0']")
        page.wait_for_function(
            "document.querySelectorAll('input[name=f0-row_value]').length === 2", polling=100
        )
        page.wait_for_timeout(500)
        assert page.locator("input[name=f0-row_value]").count() == 2  # one row added, not two
        assert page.locator("input[name=f0-row_value]").nth(0).input_value() == "adm"
        ops = [
            o
            for o in page.locator("select[name=f0-row_operator] >> nth=0").inner_text().split("\n")
            if o.strip()
        ]
        assert [o.split(" ·")[0].strip() for o in ops] == ["eq", "ne", "sw", "co", "ew"]
        shot(page, "36-filters-operators")

        # Conditions -> Expression Language carries the filter over, and it is checked.
        # Wait for the redrawn section itself: the textarea already holds the carried-over
        # expression and a check result is on screen before it, so on a slow machine a
        # fill could land first and be replaced by the redraw (CI failure, 2026-11-29).
        with page.expect_response(
            lambda r: (
                r.request.method == "POST" and r.url.endswith(f"/eventhooks/{hook.id}/filters")
            )
        ):
            page.check("input[name=f0-mode][value=advanced]")
        page.wait_for_function(
            "document.querySelector('#f0-expression').value === "
            "\"event.actor.alternateId.startsWith('adm')\""
        )
        page.wait_for_selector("#check-f0 .check.ok")

        # A broken expression: the live check points at it, and so does a refused save.
        page.fill("#f0-expression", "event.actor.alternateId.startsWith('adm') &&")
        page.wait_for_selector("#check-f0 .check.bad mark")
        page.click("button.primary:has-text('Save filters')")
        page.wait_for_load_state()
        page.wait_for_selector("#check-f0 .check.bad mark")
        assert page.is_checked("input[name=f0-mode][value=advanced]")
        shot(page, "37-filters-refused-save-caret")
        page.fill("#f0-expression", "event.actor.alternateId.startsWith('adm')")
        page.click("button.primary:has-text('Save filters')")
        page.wait_for_selector(".message.success")
        hook.refresh_from_db()
        assert hook.filters == {
            "user.lifecycle.create": "event.actor.alternateId.startsWith('adm')"
        }
        # Stored EL of the builder's shape opens as conditions, operator and all.
        assert page.locator("select[name=f0-row_operator]").nth(0).input_value() == "sw"


# --- Item 4: the create flow ----------------------------------------------------------------------


def test_create_flow_polish(live_server, admin_user, receiver):
    base = live_server.url
    with chromium() as browser:
        page = new_page(browser)
        log_in(page, base)
        page.goto(f"{base}/eventhooks/new")
        assert "http:// is allowed for addresses in 127.0.0.0/8" in page.inner_text(
            "#id_uri_helptext"
        )
        assert page.inner_text("ol.steps li:nth-child(4)").strip().endswith("Verify")
        assert page.inner_text("[data-selected-count]") == "0"
        page.check("#event-type-list input[value='user.lifecycle.create']")
        page.check("#event-type-list input[value='user.session.start']")
        assert page.inner_text("[data-selected-count]") == "2"
        assert page.locator("[data-selected-chips] .chip").count() == 2
        page.uncheck("#event-type-list input[value='user.session.start']")
        assert page.inner_text("[data-selected-count]") == "1"
        shot(page, "38-create-selected-count")

        # A refused create: the error summary has the focus.
        page.fill("#id_uri", "ftp://nowhere")  # the browser accepts it; the server does not
        page.fill("#id_name", "Polished")
        page.click("button.primary:has-text('Create hook & continue')")
        page.wait_for_selector("[data-error-summary]")
        assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
        shot(page, "39-create-error-summary")

        page.fill("#id_uri", receiver.url)
        page.click("button.primary:has-text('Create hook & continue')")
        page.wait_for_url("**/filters?setup=1")
        hook = EventHook.objects.get(name="Polished")
        page.goto(f"{base}/eventhooks/{hook.id}/activate?setup=1")
        page.click("#verify-button")
        page.wait_for_selector("#verify-result .result.ok", timeout=30_000)
        assert page.get_attribute("#go-to-hook", "class") == "button primary"
        assert page.get_attribute("#verify-button", "class") is None  # no longer the main one
        assert page.inner_text("#verify-button") == "Verify again"
        shot(page, "40-create-verified")
        page.click("#go-to-hook")
        page.wait_for_url(f"{base}/eventhooks/{hook.id}")


# --- Item 5: the hook overview --------------------------------------------------------------------


def test_hook_overview_edit_page_and_health(live_server, admin_user):
    hook, _ = make_hook(admin_user)
    make_hook(admin_user, name="Quiet one")
    EventHook.objects.filter(pk=hook.pk).update(
        consecutive_failures=1,
        failing_since=timezone.now() - timedelta(minutes=5),
        last_delivery_at=timezone.now(),
        last_delivery_outcome="FAILED",
    )
    base = live_server.url
    with chromium() as browser:
        page = new_page(browser)
        log_in(page, base)
        page.goto(f"{base}/")
        assert "1 failed attempt in a row" in page.inner_text(
            "tr:has-text('Finder') td.health-cell"
        )
        assert "No deliveries yet" in page.inner_text("tr:has-text('Quiet one') td.health-cell")
        shot(page, "41-hooks-list-health")

        page.click("td.name a:text-is('Finder')")
        page.wait_for_selector("#hook-failing")
        assert page.is_hidden("input[name=uri]")  # read-only
        created = page.inner_text("dd:right-of(dt:text-is('Created'))")
        assert "just now" in created and "admin" in created
        assert "1 failed attempt in a row" in page.inner_text("dd:right-of(dt:text-is('Health'))")
        shot(page, "42-hook-overview")

        page.click(".settings-summary a:text-is('Edit')")
        page.wait_for_url(f"{base}/eventhooks/{hook.id}/edit")
        page.fill("#id_description", "Edited in the browser")
        page.click("button.primary:has-text('Save changes')")
        page.wait_for_url(f"{base}/eventhooks/{hook.id}")
        assert "Edited in the browser" in page.inner_text(".settings-summary")
        shot(page, "43-hook-overview-after-edit")

"""Verifying a hook in the create flow, in a real browser (Debian's chromium): the page's
header must follow the outcome, with JavaScript (htmx swaps) and without (a reload)."""

from __future__ import annotations

import re

import pytest

from hooks.eventhooks.services import SYSTEM, hook_create
from hooks.eventhooks.validation import HookSpec
from hooks.models import EventHook
from tests.browser_support import chromium, log_in, new_page, shot

# Tasks run inline (no `integration` marker): the verification runs within the request.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def orm_beside_playwright(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def unverified_hook(receiver, name: str) -> EventHook:
    hook, _ = hook_create(
        spec=HookSpec(name=name, uri=receiver.url, event_types=["user.lifecycle.create"]),
        actor=SYSTEM,
    )
    assert hook.verification_status != "VERIFIED"
    return hook


def header_verify_links(page) -> int:
    return page.locator(".head-actions a:has-text('Verify…')").count()


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_after_verifying_in_the_create_flow_the_header_no_longer_offers_verify(
    live_server, admin_user, receiver, javascript
):
    hook = unverified_hook(receiver, f"Verify in the flow ({javascript})")
    base = live_server.url
    with chromium() as browser:
        page = new_page(browser, javascript=javascript)
        log_in(page, base)
        page.goto(f"{base}/eventhooks/{hook.id}/activate?setup=1")
        assert header_verify_links(page) == 1
        page.click("#verify-button")
        if javascript:
            page.wait_for_selector("#verify-result .result.ok", timeout=30_000)
            assert page.url.endswith("/activate?setup=1")  # swapped in place, no reload
        else:
            page.wait_for_url(re.compile(r"/activate\?setup=1$"))
            page.wait_for_selector("#verify-result .result.ok")
        shot(page, f"18-verified-header-{'htmx' if javascript else 'nojs'}")
        assert "VERIFIED" in page.inner_text("#hook-badges")
        assert header_verify_links(page) == 0, page.inner_text(".head-actions")
        # The header's other actions still lead back to this page, not to the verify POST.
        deactivate = page.locator(".head-actions a:has-text('Deactivate…')")
        assert deactivate.count() == 1
        assert deactivate.get_attribute("href").endswith(
            "?next=" + f"/eventhooks/{hook.id}/activate%3Fsetup%3D1"
        )

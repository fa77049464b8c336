"""Console, round two (#14 items 6-9) in a real browser: every page at 1360 px and at
390 × 844 (a phone) without sideways scrolling, axe-core over every page, the System Log's
search and "sent to", confirmations, keyboard and screen-reader details, favicon and error
pages. Screenshots of every page at both sizes go to artifacts/screenshots/a11y-*.png.

One chromium for the module; the page sweep reuses one signed-in context and only resizes
its viewport, so the whole file stays fast on a small machine.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

from hooks.access.tokens import token_create
from hooks.eventhooks.services import Actor, hook_create
from hooks.eventhooks.validation import HookSpec
from hooks.models import ApiToken, EventHook, OutboxEntry
from hooks.systemlog.publishing import event_publish
from tests.browser_support import VIEWPORT, chromium, log_in, shot

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"  # axe-core 4.11.0, vendored (MPL-2.0)
PHONE = {"width": 390, "height": 844}
BLOCKING_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django would then refuse the
    # tests' own ORM calls as "async", although they run between browser steps.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with chromium() as running:
            yield running
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def open_page(browser, *, javascript: bool = True, viewport: dict = VIEWPORT):
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


@pytest.fixture
def console(live_server, admin_user, receiver):
    """A verified hook that received deliveries, a second hook, an API token, and System Log
    entries: one matched to the hook, and a failed sign-in as `mallory`."""
    hook, _ = hook_create(
        spec=HookSpec(
            name="Sales sync",
            description="Tells the sales system about new users",
            uri=receiver.url,
            event_types=["user.lifecycle.create", "user.mfa.factor.activate"],
            headers=[{"key": "X-Env", "value": "prod"}],
            auth_key="Authorization",
            auth_value="Bearer a11y-S3CRET",
        ),
        actor=Actor(user=admin_user),
    )
    EventHook.objects.filter(pk=hook.pk).update(verification_status="VERIFIED")
    hook_create(
        spec=HookSpec(
            name="Audit mirror with a rather long name to wrap on phones",
            uri="https://receiver.example.com/a-very-long/path/that/must/wrap/on/a/phone",
            event_types=["group.user_membership.add"],
        ),
        actor=Actor(user=admin_user),
    )
    event_publish(
        events=[
            {
                "eventType": "user.lifecycle.create",
                "actor": {"id": "00uA11Y", "alternateId": "ops@example.com", "type": "User"},
                "target": [
                    {
                        "id": "00uNEW",
                        "type": "User",
                        "alternateId": "new.hire@example.com",
                        "displayName": "New Hire",
                    }
                ],
                "displayMessage": "Create okta user",
            }
        ]
    )
    token_create(user=admin_user, name="Terraform CI")
    hook.refresh_from_db()
    return hook


def axe_problems(page) -> list[dict]:
    """Serious and critical axe-core violations on the current page."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
             .map(v => ({id: v.id, impact: v.impact, help: v.help,
                         nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))"""
    )
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


def overflow(page) -> int:
    """How many pixels the page scrolls sideways (0: none)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def check_both_sizes(page, name: str, problems: dict) -> None:
    """Screenshots at desktop and phone width, axe over the page, no sideways scroll on a phone."""
    shot(page, f"a11y-desktop-{name}")
    if found := axe_problems(page):
        problems[name] = found
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(50)  # one layout pass
    if (extra := overflow(page)) > 0:
        problems.setdefault(name, []).append(f"scrolls sideways by {extra}px at 390px")
    # The phone menu is folded: its links are hidden until the toggle opens it.
    if page.locator("nav.mainnav").count():
        assert page.is_hidden("nav.mainnav a >> nth=0"), name
        assert page.is_visible("summary.navmenu-toggle"), name
    shot(page, f"a11y-phone-{name}")
    page.set_viewport_size(VIEWPORT)


def test_every_page_fits_a_phone_and_has_no_serious_axe_violation(
    browser, live_server, console, staff_user
):
    base, hook = live_server.url, console
    token = ApiToken.objects.get(name="Terraform CI")
    page = open_page(browser)
    failed_requests = []
    page.on("response", lambda r: r.status >= 400 and failed_requests.append(r.url))
    problems: dict[str, list] = {}

    page.goto(f"{base}/accounts/login/")
    check_both_sizes(page, "login", problems)
    page.goto(f"{base}/no/such/page")
    assert "This page does not exist" in page.inner_text("main")
    assert page.locator("nav.mainnav").count() == 0  # anonymous: no console navigation
    check_both_sizes(page, "404", problems)
    failed_requests.remove(f"{base}/no/such/page")

    log_in(page, base)
    pages = [
        ("event-hooks", "/"),
        ("create-details", "/eventhooks/new"),
        ("setup-filters", f"/eventhooks/{hook.id}/filters?setup=1"),
        ("hook-overview", f"/eventhooks/{hook.id}"),
        ("hook-filters", f"/eventhooks/{hook.id}/filters"),
        ("hook-preview", f"/eventhooks/{hook.id}/preview"),
        ("hook-deliveries", f"/eventhooks/{hook.id}/deliveries"),
        ("hook-activity", f"/eventhooks/{hook.id}/activity"),
        ("hook-verification", f"/eventhooks/{hook.id}/activate"),
        ("hook-rotate-secret", f"/eventhooks/{hook.id}/secret/rotate"),
        ("hook-deactivate-confirm", f"/eventhooks/{hook.id}/lifecycle/deactivate?next=/"),
        ("hook-delete-confirm", f"/eventhooks/{hook.id}/delete"),
        ("redeliver-failed-confirm", f"/eventhooks/{hook.id}/deliveries/redeliver-failed"),
        ("catalog", "/catalog"),
        ("event-type", "/catalog/user.lifecycle.create"),
        ("system-log", "/logs"),
        ("tokens", "/tokens"),
        ("token-revoke-confirm", f"/tokens/{token.id}/revoke"),
        ("404-signed-in", "/eventhooks/nope"),
        ("admin", "/admin/"),  # Django's own admin, linked from the console's nav
    ]
    for name, path in pages:
        page.goto(f"{base}{path}")
        page.wait_for_selector("main h1")
        if name == "hook-deliveries":  # open one delivery: its attempt tables must fit too
            page.locator("details.delivery summary").first.click()
        if name == "system-log":
            page.locator("details.log-entry summary").first.click()
        check_both_sizes(page, name, problems)
    failed_requests.remove(f"{base}/eventhooks/nope")

    # A staff member who is not a super admin: the branded 403, without the console's nav.
    other = open_page(browser)
    log_in_as_staff(other, base)
    other.goto(f"{base}/")
    assert "Only super admins can use the console" in other.inner_text("main")
    assert other.locator("nav.mainnav").count() == 0 and other.locator(".site-footer").count() == 0
    check_both_sizes(other, "403", problems)
    other.context.close()

    # The 500 page as Django's handler renders it (no request context), served to the browser.
    html = server_error(RequestFactory().get("/")).content
    page.route(
        f"{base}/__500",
        lambda route: route.fulfill(status=500, body=html, content_type="text/html"),
    )
    page.goto(f"{base}/__500")
    assert "Something went wrong on our side" in page.inner_text("main")
    check_both_sizes(page, "500", problems)
    failed_requests.remove(f"{base}/__500")

    report = "\n".join(f"{name}: {found}" for name, found in problems.items())
    assert problems == {}, f"\n{report}"
    # No favicon 404 (nor any other failed request) on any page.
    assert failed_requests == [], failed_requests
    page.context.close()


def log_in_as_staff(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "staff-pass-123")
    page.click("form button[type=submit].primary")
    page.wait_for_load_state()


def test_the_system_log_searches_and_shows_targets_and_hooks(browser, live_server, console):
    base, hook = live_server.url, console
    page = open_page(browser)
    # A failed sign-in first: the System Log names the attempted username as its actor.
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "mallory")
    page.fill("#id_password", "wrong-password")
    page.click("form button[type=submit].primary")
    page.wait_for_selector(".errors")
    log_in(page, base)

    page.goto(f"{base}/logs")
    failed = page.locator(
        "details.log-entry", has=page.locator("code.type:text-is('user.session.start')")
    )
    failed = failed.filter(has=page.locator(".badge.bad"))
    assert failed.locator(".actor").inner_text().endswith("mallory")
    # Event type autocomplete: the catalog's names in a <datalist>.
    assert page.get_attribute("#id_event_type", "list") == "event-type-names"
    assert page.locator("#event-type-names option[value='user.lifecycle.create']").count() == 1

    # The Target column and, expanded, the hook the event went to (a link to its delivery).
    created = page.locator("details.log-entry", has=page.locator(".target:has-text('New Hire')"))
    assert created.locator("code.type").inner_text() == "user.lifecycle.create"
    created.locator("summary").click()
    link = created.locator(".sent-to a:text-is('Sales sync')")
    delivery = OutboxEntry.objects.get(hook=hook).delivery
    assert (
        link.get_attribute("href")
        == f"/eventhooks/{hook.id}/deliveries?show={delivery.envelope_id}"
    )
    shot(page, "a11y-system-log-sent-to")

    # "Event type starts with" (the API's sw) and the free-text box (the API's q), with htmx.
    page.fill("#id_event_type", "user.session.")
    page.click("form.filters-bar button[type=submit]")
    page.wait_for_url("**event_type=user.session.*")
    page.wait_for_selector("#log-rows details.log-entry")
    types = set(page.locator("#log-rows code.type").all_inner_texts())
    assert types and all(t.startswith("user.session.") for t in types)
    page.fill("#id_event_type", "")
    page.fill("#id_q", "new.hire@example")
    page.click("form.filters-bar button[type=submit]")
    page.wait_for_url("**q=new.hire*")
    page.wait_for_function("document.querySelectorAll('#log-rows details.log-entry').length === 1")
    assert page.locator("#log-rows code.type").inner_text() == "user.lifecycle.create"
    shot(page, "a11y-system-log-search")
    page.context.close()


def test_revoke_and_deactivate_ask_first_without_javascript(browser, live_server, console):
    base, hook = live_server.url, console
    page = open_page(browser, javascript=False)
    log_in(page, base)
    page.goto(f"{base}/tokens")
    page.click("a:has-text('Revoke Terraform CI…')")
    page.wait_for_url("**/revoke")
    assert ApiToken.objects.get(name="Terraform CI").revoked_at is None  # only asked so far
    page.click("button.danger:has-text('Revoke token')")
    page.wait_for_url(f"{base}/tokens")
    assert "was revoked" in page.inner_text(".messages")
    assert ApiToken.objects.get(name="Terraform CI").revoked_at is not None

    page.goto(f"{base}/eventhooks/{hook.id}")
    page.click(".head-actions a:has-text('Deactivate…')")
    page.wait_for_url(re.compile(r"/lifecycle/deactivate\?next="))
    hook.refresh_from_db()
    assert hook.status == "ACTIVE"
    page.click("a:has-text('Cancel')")
    page.wait_for_url(f"{base}/eventhooks/{hook.id}")
    page.click(".head-actions a:has-text('Deactivate…')")
    page.click("button.danger:has-text('Deactivate event hook')")
    page.wait_for_url(f"{base}/eventhooks/{hook.id}")
    assert "is inactive" in page.inner_text(".messages")
    hook.refresh_from_db()
    assert hook.status == "INACTIVE"

    # The phone menu is a <details>: it opens without JavaScript.
    page.set_viewport_size(PHONE)
    assert page.is_hidden("nav.mainnav")
    page.click("summary.navmenu-toggle")
    assert page.is_visible("nav.mainnav a:text-is('System Log')")
    shot(page, "a11y-phone-menu-open")
    # The hook's tabs scroll sideways within their bar (the page itself does not).
    tabs = page.locator("nav.tabs")
    assert tabs.evaluate("t => getComputedStyle(t).overflowX") == "auto"
    assert tabs.evaluate("t => t.scrollWidth > t.clientWidth")
    page.locator("nav.tabs a:text-is('Verification')").scroll_into_view_if_needed()
    assert page.is_visible("nav.tabs a:text-is('Verification')") and overflow(page) == 0
    page.context.close()


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two CSS rgb()/rgba() colours."""

    def luminance(colour: str) -> float:
        red, green, blue = (int(v) / 255 for v in re.findall(r"[\d.]+", colour)[:3])
        linear = [
            c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_keyboard_focus_sorting_chart_favicon_and_docs_link(browser, live_server, console):
    base, hook = live_server.url, console
    page = open_page(browser)
    log_in(page, base)

    # The focus ring on the dark top bar: the brand link is the second Tab stop.
    page.goto(f"{base}/?sort=-name")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "brand"
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert contrast(ring, "rgb(18, 26, 42)") >= 3

    # Escape closes an open Actions menu and gives the focus back to its toggle.
    menu = page.locator("details.menu").first
    menu.locator("summary").focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("open") is not None
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    assert menu.get_attribute("open") is None
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    # The focus ring contrasts at least 3:1 with the page around it (its offset leaves a gap
    # of the surrounding colour, so that is what it sits on).
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert contrast(ring, "rgb(255, 255, 255)") >= 3 and contrast(ring, "rgb(246, 247, 249)") >= 3

    # aria-sort names the sorting column and its direction; the others have none.
    assert page.get_attribute("th:has(a:text('Name'))", "aria-sort") == "descending"
    assert page.locator("th[aria-sort]").count() == 1
    page.goto(f"{base}/?sort=created")
    assert page.get_attribute("th:has(a:text('Created'))", "aria-sort") == "ascending"

    # The health chart has a text alternative: an image role whose name sums it up.
    page.goto(f"{base}/eventhooks/{hook.id}")
    chart = page.locator("svg.health-chart")
    assert chart.get_attribute("role") == "img"
    assert "1 deliveries in the last 24 hours: 1 succeeded" in page.evaluate(
        "document.getElementById('health-desc').textContent"
    )
    # ... and its numbers per hour as a (visually hidden) table.
    hidden_table = page.locator(".chart-frame table.visually-hidden")
    assert hidden_table.locator("tbody tr").count() == 1
    assert hidden_table.locator("tbody td").first.inner_text() == "1"  # succeeded

    # The favicon: a <link rel=icon> to the SVG, and /favicon.ico leads there.
    icon = page.get_attribute("link[rel=icon]", "href")
    assert icon.endswith("favicon.svg")
    response = page.goto(f"{base}/favicon.ico")
    assert response.ok and "svg" in response.headers["content-type"]
    assert response.request.redirected_from is not None

    # The API reference is linked from every console page.
    page.goto(f"{base}/catalog")
    assert page.get_attribute(".site-footer a", "href") == "/api/v1/docs"
    page.context.close()


def test_the_500_page_needs_no_database(django_db_blocker):
    """Django renders 500.html with no context processors; it must not touch the database
    either (which may be what failed)."""
    with django_db_blocker.block():
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    assert b'rel="icon"' in response.content


def test_the_system_log_reads_the_hooks_of_a_page_in_one_query(admin_client, admin_user):
    """The "sent to" hooks of a System Log page cost the same queries for 1 row as for 30."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    hook, _ = hook_create(
        spec=HookSpec(
            name="Counted",
            uri="https://receiver.example.com/c",
            event_types=["user.lifecycle.create"],
        ),
        actor=Actor(user=admin_user),
    )

    def publish_matched(count: int) -> None:
        for _ in range(count):
            event = event_publish(events=[{"eventType": "user.lifecycle.create"}]).events[0]
            OutboxEntry.objects.create(hook=hook, event=event)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get("/logs").status_code == 200
        return len(captured)

    publish_matched(1)
    admin_client.get("/logs")  # the session and such, read once
    one = queries()
    publish_matched(29)
    assert queries() == one
    assert admin_client.get("/logs").content.decode().count(">Counted</a>") == 30

"""System checks about unsafe production settings: warnings, and errors for what must not
be deployed (an Error stops `migrate`, `qcluster` and every other command that runs checks)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from hooks.lib.client_address import too_wide, trusted_proxies
from hooks.outbound.ssrf import allowed_ports


@register(deploy=False)
def production_settings_check(app_configs, **kwargs) -> list[Warning]:
    """Warn (hooks.W001-W004) when DEBUG is off but the settings are still development ones."""
    if settings.DEBUG:
        return []
    warnings = []
    if settings.SECRET_KEY == settings.INSECURE_DEV_SECRET_KEY or len(settings.SECRET_KEY) < 40:
        warnings.append(
            Warning(
                "DJANGO_SECRET_KEY is the development key or too short.",
                hint="Set DJANGO_SECRET_KEY to 50 random characters; secrets at rest are "
                "encrypted with a key derived from it.",
                id="hooks.W001",
            )
        )
    if "*" in settings.ALLOWED_HOSTS:
        warnings.append(
            Warning(
                "DJANGO_ALLOWED_HOSTS contains '*'.",
                hint="List the host names the console is served under.",
                id="hooks.W002",
            )
        )
    if any(net in ("0.0.0.0/0", "::/0") for net in settings.HOOKS_ALLOWED_NETWORKS):
        warnings.append(
            Warning(
                "HOOKS_ALLOWED_NETWORKS allows every address: the SSRF guard is off.",
                hint="Allow only the private networks that really host receivers.",
                id="hooks.W003",
            )
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and settings.HOOKS_REDIS_URL:
        warnings.append(
            Warning(
                "Redis broker with an SQLite database: workers on other machines cannot "
                "share the database.",
                hint="Set DATABASE_URL to PostgreSQL for scale-out.",
                id="hooks.W004",
            )
        )
    return warnings


@register(deploy=False)
def exposure_check(app_configs, **kwargs) -> list[Error]:
    """Error (hooks.E001) when DEBUG is off and /metrics would have no token."""
    if settings.DEBUG or settings.HOOKS_METRICS_TOKEN:
        return []
    return [
        Error(
            "HOOKS_METRICS_TOKEN is not set with DEBUG off: /metrics answers every scrape "
            "with 401.",
            hint='Set HOOKS_METRICS_TOKEN to a random value, e.g. from `python -c "import '
            'secrets; print(secrets.token_urlsafe(32))"`, and give it to the scraper as '
            "`Authorization: Bearer <token>` (Prometheus: `authorization: {credentials: ...}`).",
            id="hooks.E001",
        )
    ]


@register(deploy=False)
def outbound_policy_check(app_configs, **kwargs) -> list[Error]:
    """Error (hooks.E002) when HOOKS_ALLOWED_PORTS cannot be read: refuse to start, not to send."""
    try:
        allowed_ports()
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc),
                hint="Use comma-separated ports and inclusive ranges, e.g. 80,443,1024-65535.",
                id="hooks.E002",
            )
        ]
    return []


@register(deploy=False)
def trusted_proxies_check(app_configs, **kwargs) -> list[CheckMessage]:
    """Error (hooks.E004) when HOOKS_TRUSTED_PROXIES cannot be read: a typo must not
    silently trust nobody (every client one address) or be found at the first sign-in.
    Warning (hooks.W005) when it trusts a network wider than /8 (IPv4) or /16 (IPv6) that
    is not private (hooks.lib.client_address.too_wide)."""
    try:
        networks = trusted_proxies()
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc),
                hint="List the networks of the reverse proxies in front of the console, "
                "comma-separated, e.g. 10.0.0.0/24,fd00::/64 (a single address: 10.0.0.5).",
                id="hooks.E004",
            )
        ]
    wide = too_wide(networks)
    if not wide:
        return []
    names = ", ".join(str(network) for network in wide)
    return [
        Warning(
            f"HOOKS_TRUSTED_PROXIES trusts {names}: any client in it can name its own address "
            "in X-Forwarded-For, and so escape the per-address sign-in throttle and write "
            "any address into the System Log.",
            hint="List only the networks of your reverse proxies (at most a /8 for IPv4, a "
            "/16 for public IPv6), e.g. 10.0.0.0/24,fd00::/64.",
            id="hooks.W005",
        )
    ]


@register(deploy=False)
def org_url_check(app_configs, **kwargs) -> list[Error]:
    """Error (hooks.E003) when DEBUG is off and HOOKS_ORG_URL is not set.

    Workers have no request to learn the console's address from, and receivers read the
    org from the envelope's `source`: one silently skipped every event that named
    http://127.0.0.1:8000. Development servers record what they serve (hooks/ops/org.py); a
    deployment behind a proxy or a load balancer cannot know its public URL, so it must say.
    """
    if settings.DEBUG or settings.HOOKS_ORG_URL:
        return []
    return [
        Error(
            "HOOKS_ORG_URL is not set with DEBUG off: envelopes would name "
            "http://127.0.0.1:8000 as their `source`, and receivers that read the org from "
            "it would skip every event.",
            hint="Set HOOKS_ORG_URL to the console's public URL, e.g. "
            "https://hooks.example.com, in the environment of every web and worker process.",
            id="hooks.E003",
        )
    ]

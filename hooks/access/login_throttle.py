"""Sign-in throttling for the console's and the admin's login pages.

Failed sign-ins are counted per attempted username and per client address, in the
RateCounter table that also counts the API rate limit, so that every web process
shares one count (Django's default cache is per process). A row's `minute` is the
minute its window ends: the first failure starts a window of HOOKS_LOGIN_FAILURE_WINDOW,
and forget_old_counters(), run with every sweep (hooks.tasks.sweep), deletes rows whose
window has ended.

The forms check the counts before the password: a throttled attempt never reaches
authenticate(), so it costs no password hash and publishes no System Log event.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction

from hooks.lib.client_address import client_address as client_address_of
from hooks.models import RateCounter


def now() -> float:
    """The clock (a function, so that tests can move it)."""
    return time.time()


def _username_key(username: str) -> str:
    # Hashed: usernames may be longer than the key column, and need not sit in it readable.
    return "login-user:" + hashlib.sha256(username.encode()).hexdigest()[:40]


def _address_key(address: str) -> str:
    return f"login-addr:{address}"[:100]


def client_address(request) -> str:
    """The address failures are counted against: the one the System Log records."""
    return (client_address_of(request) if request is not None else None) or "unknown"


def _seconds_left(key: str, limit: int, current: float) -> float:
    """Seconds until `key` may try again; 0 when it is under its limit."""
    row = RateCounter.objects.filter(caller=key).values_list("minute", "used").first()
    if row is None or limit <= 0:
        return 0
    window_end_minute, failures = row
    left = window_end_minute * 60 - current
    return left if failures >= limit and left > 0 else 0


def throttled_for(username: str, address: str) -> tuple[str, float] | None:
    """("account" or "address", seconds left) when sign-in is refused, else None."""
    current = now()
    account = _seconds_left(
        _username_key(username), settings.HOOKS_LOGIN_FAILURES_PER_USERNAME, current
    )
    if account:
        return "account", account
    by_address = _seconds_left(
        _address_key(address), settings.HOOKS_LOGIN_FAILURES_PER_ADDRESS, current
    )
    if by_address:
        return "address", by_address
    return None


def record_failure(username: str, address: str) -> None:
    """Count one failed sign-in against the username and the address."""
    current_minute = int(now() // 60)
    window_minutes = max(1, math.ceil(settings.HOOKS_LOGIN_FAILURE_WINDOW / 60))
    for key in (_username_key(username), _address_key(address)):
        # Failures are rare enough for a locked read-modify-write, which any database has.
        with transaction.atomic():
            counter, created = RateCounter.objects.select_for_update().get_or_create(
                caller=key, defaults={"minute": current_minute + window_minutes, "used": 1}
            )
            if created:
                continue
            if counter.minute > current_minute:  # the window is still open
                counter.used += 1
            else:  # a new window starts with this failure
                counter.minute, counter.used = current_minute + window_minutes, 1
            counter.save(update_fields=["minute", "used"])


def forget_failures(username: str) -> None:
    """A successful sign-in clears the account's count (not the address's)."""
    RateCounter.objects.filter(caller=_username_key(username)).delete()


def throttled_message(scope: str, seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    subject = "for this account" if scope == "account" else "from your address"
    return f"Too many failed sign-ins {subject}; try again in {minutes} {unit}."


if TYPE_CHECKING:  # what the mixin is mixed into, for type checkers only
    _LoginForm = AuthenticationForm
else:
    _LoginForm = object


class ThrottledLoginMixin(_LoginForm):
    """Refuse a throttled sign-in before the password is checked; count failures."""

    def clean(self):
        username = self.cleaned_data.get("username")
        if not username or self.cleaned_data.get("password") is None:
            return super().clean()  # an incomplete form checks no password
        address = client_address(self.request)
        refused = throttled_for(username, address)
        if refused:
            raise forms.ValidationError(throttled_message(*refused), code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if self.user_cache is None:  # wrong credentials, not an inactive/non-staff user
                record_failure(username, address)
            raise
        forget_failures(username)
        return cleaned


class ConsoleLoginForm(ThrottledLoginMixin, AuthenticationForm):
    """The console's /accounts/login/ form."""


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's /admin/login/ form."""

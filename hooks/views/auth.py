"""Who may use the console: super admins only, as in Okta."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import cast

from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import HttpResponseClientRedirect

from hooks.eventhooks.services import Actor


def superadmin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send anonymous users to the login page and show everyone else but superusers a 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            response = redirect_to_login(request.get_full_path())
            if getattr(request, "htmx", False):
                # A fragment swap would paint the login form inside the page: reload instead.
                return HttpResponseClientRedirect(response["Location"])
            return response
        if not (user.is_active and user.is_superuser):
            return render(request, "403.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def console_actor(request: HttpRequest) -> Actor:
    """The Actor recorded in the System Log for a console action."""
    return Actor(user=cast(User, request.user))  # console views are superadmin_required

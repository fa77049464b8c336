"""The API Tokens page: create (the token is shown once), list, revoke."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from hooks.access.tokens import token_create, token_revoke
from hooks.forms import TokenCreateForm
from hooks.models import ApiToken
from hooks.views.auth import superadmin_required
from hooks.views.common import HtmxHttpRequest, flash_secret, pop_secret


@require_http_methods(["GET", "POST"])
@superadmin_required
def tokens(request: HtmxHttpRequest) -> HttpResponse:
    """`/tokens`: every token (active first), and a form to make one for yourself."""
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        row, token = token_create(user=cast(User, request.user), name=form.cleaned_data["name"])
        flash_secret(request, kind="token", owner=row.pk, value=token)
        return redirect("hooks:tokens")
    revealed = pop_secret(request, kind="token")
    rows = ApiToken.objects.select_related("user").order_by(
        F("revoked_at").asc(nulls_first=True), "-created_at"
    )
    context = {"form": form, "tokens": rows, "revealed": revealed}
    return render(request, "hooks/tokens.html", context)


@require_http_methods(["GET", "POST"])
@superadmin_required
def token_revoke_view(request: HtmxHttpRequest, token_id: str) -> HttpResponse:
    """GET asks for confirmation (a page: it works without JavaScript); POST revokes the
    token at once. It stays listed as revoked."""
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=token_id)
    if request.method == "GET":
        return render(request, "hooks/token_confirm_revoke.html", {"token": token})
    token = token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” (…{token.token_hint}) was revoked.")
    return redirect("hooks:tokens")

"""manage.py create_api_token / revoke_api_token."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from hooks.models import ApiToken

pytestmark = pytest.mark.django_db


def test_create_prints_the_token_alone_on_the_last_line_and_it_works(admin_user):
    out = StringIO()
    call_command("create_api_token", "--user", "admin", "--name", "CI", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    assert " " not in token and len(token) == 42
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"SSWS{token}")
    assert client.get("/api/v1/eventHooks").status_code == 200
    row = ApiToken.objects.get(name="CI")
    out = StringIO()
    call_command("revoke_api_token", row.id, stdout=out)
    assert "Revoked" in out.getvalue()
    assert client.get("/api/v1/eventHooks").status_code == 401


def test_create_for_an_unknown_user_is_a_clear_error():
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("create_api_token", "--user", "ghost", stdout=StringIO())


def test_revoke_of_an_unknown_id_is_a_clear_error():
    with pytest.raises(CommandError, match="No API token"):
        call_command("revoke_api_token", "00Tnothing", stdout=StringIO())

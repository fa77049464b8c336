"""API authentication: `Authorization: SSWS <token>` (space optional) or the console session."""

from __future__ import annotations

import re

from rest_framework import authentication, exceptions

from hooks.access.tokens import token_authenticate

# okta 3.x sends "SSWS<token>" with no space; Go and terraform send the space.
SSWS_HEADER = re.compile(r"^SSWS\s*(\S+)\s*$")


class SswsTokenAuthentication(authentication.BaseAuthentication):
    """Authenticate with an API token; `request.auth` is the ApiToken row."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        match = SSWS_HEADER.match(header)
        if match is None:
            raise exceptions.AuthenticationFailed("Unsupported authorization scheme")
        token = token_authenticate(match.group(1))
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token provided")
        return token.user, token

    def authenticate_header(self, request) -> str:
        return "SSWS"


class ConsoleSessionAuthentication(authentication.SessionAuthentication):
    """The console's login session, with Django's CSRF check on unsafe methods."""

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to anonymous requests.
        return "SSWS"

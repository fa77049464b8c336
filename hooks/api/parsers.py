"""JSON parsing that tolerates Okta SDK quirks."""

from __future__ import annotations

import re
from io import BytesIO

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# NUL cannot be stored in PostgreSQL text or jsonb; refuse it up front on every engine.
NUL = re.compile(rb"\x00|\\u0000", re.IGNORECASE)


class OktaJSONParser(JSONParser):
    """JSON bodies; lifecycle POSTs arrive as empty application/octet-stream and parse to {}."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        if request is not None and not request.META.get("CONTENT_LENGTH", "0").strip("0"):
            return {}
        body = stream.read()
        if NUL.search(body):
            raise ParseError("NUL characters (\\u0000) are not allowed in request bodies.")
        return super().parse(BytesIO(body), "application/json", parser_context)

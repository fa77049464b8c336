"""JSON parsing that tolerates Okta SDK quirks."""

from __future__ import annotations

from rest_framework.parsers import JSONParser


class OktaJSONParser(JSONParser):
    """JSON bodies; lifecycle POSTs arrive as empty application/octet-stream and parse to {}."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        if request is not None and not request.META.get("CONTENT_LENGTH", "0").strip("0"):
            return {}
        return super().parse(stream, "application/json", parser_context)

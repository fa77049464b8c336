"""JSON parsing that tolerates Okta SDK quirks and refuses bodies that could cost a 500."""

from __future__ import annotations

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant

from hooks.api.errors import body_too_large
from hooks.lib.bounded_json import JSONTooDeep, loads_bounded

# NUL cannot be stored in PostgreSQL text or jsonb; refuse it up front on every engine: the
# byte, or its JSON escape (either case of `u`; `0000` has no letters). Three substring
# searches, not a case-insensitive regex: that cost ~0.4 ms on a 100-event body.
NUL_SPELLINGS = (b"\x00", b"\\u0000", b"\\U0000")


class OktaJSONParser(JSONParser):
    """JSON bodies; lifecycle POSTs arrive as empty application/octet-stream and parse to {}.

    Bodies over DATA_UPLOAD_MAX_MEMORY_SIZE are 413 before they are read (DRF reads the
    stream itself, so Django's own check on request.body does not apply), and JSON nested
    deeper than MAX_JSON_DEPTH is malformed (400 E0000003) rather than a RecursionError.
    """

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        if request is not None:
            length = request.META.get("CONTENT_LENGTH", "0").strip()
            if not length.strip("0"):
                return {}
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if limit is not None and length.isascii() and length.isdigit() and int(length) > limit:
                raise body_too_large(limit)
        body = stream.read()
        if any(nul in body for nul in NUL_SPELLINGS):
            raise ParseError("NUL characters (\\u0000) are not allowed in request bodies.")
        try:
            return loads_bounded(body.decode("utf-8"), parse_constant=strict_constant)
        except UnicodeDecodeError:
            raise ParseError("The body is not UTF-8.") from None
        except JSONTooDeep as error:
            raise ParseError(f"{error}.") from None
        except ValueError as error:  # json.JSONDecodeError and NaN/Infinity
            raise ParseError(f"JSON parse error - {error}") from None

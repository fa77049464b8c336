"""The ingest URL of an OKTA_EVENT_HOOK source: what an Okta event hook points at.

`GET` answers Okta's one-time verification (`X-Okta-Verification-Challenge`), `POST`
takes Okta's envelope. Both need the source's configured header, compared in constant
time. Okta waits 3 s and retries once, so nothing slow happens here: the events are
stored with their outbox rows and acknowledged (204); delivery is the workers' job.
Not under /api/: Okta authenticates with the hook's header, not an API token or session.
"""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from hooks.models import Source
from hooks.sources.errors import record_error
from hooks.sources.ingest import EnvelopeError, parse_envelope, store_events

logger = logging.getLogger(__name__)

CHALLENGE_HEADER = "X-Okta-Verification-Challenge"
MAX_CHALLENGE_LENGTH = 1024


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _authorized(request: HttpRequest, source: Source) -> bool:
    provided = request.headers.get(source.auth_key, "")
    expected = source.auth_value
    # Both sides as bytes: compare_digest refuses non-ASCII str, and a header is bytes anyway.
    return bool(expected) and hmac.compare_digest(
        provided.encode("utf-8", "surrogateescape"), expected.encode("utf-8")
    )


@csrf_exempt
def okta_ingest(request: HttpRequest, source_id: str) -> HttpResponse:
    """`/ingest/okta/<sourceId>`: Okta's verification GET and event POSTs."""
    if request.method not in ("GET", "POST"):
        response = _error(405, "Use GET (verification) or POST (events)")
        response["Allow"] = "GET, POST"
        return response
    source = Source.objects.filter(pk=source_id, type=Source.Type.OKTA_EVENT_HOOK).first()
    if source is None:
        return _error(404, "No such source")
    if not _authorized(request, source):
        return _error(401, f"The {source.auth_key} header is missing or wrong")
    if source.status != Source.Status.ACTIVE:
        # 4xx is final for Okta: an inactive source takes nothing in, and is not retried.
        return _error(403, "This source is inactive")
    if request.method == "GET":
        challenge = request.headers.get(CHALLENGE_HEADER)
        if not challenge or len(challenge) > MAX_CHALLENGE_LENGTH:
            return _error(400, f"{CHALLENGE_HEADER} is missing")
        return JsonResponse({"verification": challenge})
    return _receive(request, source)


def _receive(request: HttpRequest, source: Source) -> HttpResponse:
    limit = settings.HOOKS_INGEST_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error(400, "Content-Length is not a number")
    if declared > limit:
        return _error(413, f"The body is larger than {limit} bytes")
    # Read from the stream (not request.body, bounded by DATA_UPLOAD_MAX_MEMORY_SIZE): one
    # byte past the limit tells a body that is too large even without a Content-Length.
    body = request.read(limit + 1)
    if len(body) > limit:
        return _error(413, f"The body is larger than {limit} bytes")
    try:
        raw_events = parse_envelope(body)
    except EnvelopeError as error:
        return _error(400, str(error))
    result = store_events(source, raw_events)
    if result.rejected:
        record_error(source.pk, f"{len(result.rejected)} events refused: {result.rejected[0]}")
        logger.warning("source %s refused %d events", source.pk, len(result.rejected))
    return HttpResponse(status=204)

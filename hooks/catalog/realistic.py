"""Realistic-looking LogEvents for a catalog type: what `manage.py publish_event` sends.

``realistic_log_event()`` fills the catalog sample's full shape (``sample_log_event``) with
made-up but plausible values: Okta-style ids (``00u…`` users, ``00g…`` groups, ``0oa…``
apps), a client with an IP address (RFC 5737 documentation ranges), user agent and
location, ``request.ipChain``, authentication, security and debug contexts and a
transaction. A receiver that reads ``target[].id`` or ``client.ipAddress`` works from the
first test event. ``uuid``, ``published`` and the request id are fresh per event; a
principal's id is stable per (type, alternateId).

Pure Python: no Django imports.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from typing import Any

from .samples import sample_log_event

__all__ = ["SYSTEM_PRINCIPAL", "display_name_for", "party", "realistic_log_event", "stable_id"]

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# The system actor of the console's own events (hooks.systemlog.events.SYSTEM_ACTOR, which
# needs Django; a test keeps the two equal).
SYSTEM_PRINCIPAL: dict[str, Any] = {
    "id": "0oa00000000000000000",
    "type": "SystemPrincipal",
    "alternateId": "system@okta.com",
    "displayName": "Okta System",
    "detailEntry": None,
}

# Okta's id prefix per LogEvent object type; other types get "0ob".
ID_PREFIXES: dict[str, str] = {
    "User": "00u",
    "AppUser": "0ua",
    "UserGroup": "00g",
    "AppInstance": "0oa",
    "PublicClientApp": "0oa",
    "IdentityProvider": "0oa",
    "AuthorizationServer": "aus",
    "PolicyEntity": "00p",
    "PolicyRule": "0pr",
    "Role": "cr0",
    "ResourceSet": "iam",
    "Device": "guo",
    "Authenticator": "aut",
    "AuthenticatorEnrollment": "pfd",
    "EventHook": "who",
    "InlineHook": "cal",
    "TrustedOrigin": "tos",
    "Token": "00T",
    "Scope": "scp",
    "LogStream": "0oa",
}
OTHER_PREFIX = "0ob"

PEOPLE = (
    ("maria.lopez@example.com", "Maria Lopez"),
    ("sam.chen@example.com", "Sam Chen"),
    ("amara.okafor@example.com", "Amara Okafor"),
    ("lars.nilsson@example.com", "Lars Nilsson"),
)
# A few made-up names per target type; other types get "Example <type>".
OBJECT_NAMES: dict[str, tuple[str, ...]] = {
    "UserGroup": ("Sales", "Engineering", "Contractors"),
    "AppInstance": ("Salesforce.com", "Slack", "Zoom"),
    "PublicClientApp": ("Okta Verify", "Example Mobile App"),
    "AuthorizationServer": ("default",),
    "Role": ("Help Desk Administrator", "Application Administrator"),
    "Authenticator": ("Okta Verify", "Password"),
    "AuthenticatorEnrollment": ("Password", "Okta Verify"),
    "Device": ("Maria's MacBook Pro", "Sam's iPhone"),
}

# (ipAddress prefix, geographicalContext, securityContext): documentation addresses only.
PLACES = (
    (
        "198.51.100.",
        ("San Francisco", "California", "United States", "94107", 37.7697, -122.3933),
        (7922, "comcast", "comcast cable communications llc", "comcast.net"),
    ),
    (
        "203.0.113.",
        ("New York", "New York", "United States", "10001", 40.7506, -73.9972),
        (701, "verizon", "verizon business", "verizon.net"),
    ),
    (
        "192.0.2.",
        ("London", "England", "United Kingdom", "EC1A", 51.5171, -0.1062),
        (2856, "british telecommunications plc", "bt", "bt.com"),
    ),
)
USER_AGENTS = (
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36",
        "Mac OS X",
        "CHROME",
        "Computer",
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
        "Windows 10",
        "EDGE_CHROMIUM",
        "Computer",
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "iOS",
        "SAFARI",
        "Mobile",
    ),
)


def stable_id(object_type: str, key: str) -> str:
    """An Okta-style id (prefix + 17 base62) that is always the same for (type, key)."""
    digest = int.from_bytes(hashlib.sha256(f"{object_type}:{key}".encode()).digest(), "big")
    chars = []
    for _ in range(17):
        digest, index = divmod(digest, 62)
        chars.append(BASE62[index])
    return ID_PREFIXES.get(object_type, OTHER_PREFIX) + "".join(chars)


def _random_base62(length: int) -> str:
    return "".join(secrets.choice(BASE62) for _ in range(length))


def display_name_for(object_type: str, alternate_id: str) -> str:
    """`maria.lopez@example.com` reads as "Maria Lopez"; other names stay as they are."""
    if object_type == "User" and "@" in alternate_id:
        local = alternate_id.split("@", 1)[0]
        return " ".join(part.capitalize() for part in local.replace("_", ".").split(".") if part)
    return alternate_id


def party(
    object_type: str, alternate_id: str, display_name: str | None = None, *, id_: str | None = None
) -> dict[str, Any]:
    """An actor or target entry with a stable id for (type, alternateId)."""
    return {
        "id": id_ or stable_id(object_type, alternate_id),
        "type": object_type,
        "alternateId": alternate_id,
        "displayName": display_name or display_name_for(object_type, alternate_id),
        "detailEntry": None,
    }


def _made_up_party(object_type: str, rng: random.Random) -> dict[str, Any]:
    if object_type == "SystemPrincipal":
        return dict(SYSTEM_PRINCIPAL)
    if object_type == "User":
        return party("User", *rng.choice(PEOPLE))
    name = rng.choice(OBJECT_NAMES.get(object_type, (f"Example {object_type}",)))
    return party(object_type, name, name)


def _geo(place: tuple) -> dict[str, Any]:
    city, state, country, postal_code, lat, lon = place
    return {
        "city": city,
        "state": state,
        "country": country,
        "postalCode": postal_code,
        "geolocation": {"lat": lat, "lon": lon},
    }


def _request_uri(event_type: str) -> str:
    """A plausible API path for the type's first word (users, groups, apps...)."""
    if event_type.startswith("user.session") or event_type.startswith("user.authentication"):
        return "/idp/idx/identify"
    collection = {
        "user": "users",
        "group": "groups",
        "application": "apps",
        "app": "apps",
        "policy": "policies",
        "device": "devices",
    }
    return "/api/v1/" + collection.get(event_type.split(".", 1)[0], "logs")


def realistic_log_event(
    name: str,
    *,
    actor: dict[str, Any] | None = None,
    targets: list[dict[str, Any]] | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """Return a new LogEvent of type ``name``, shaped like ``sample_log_event(name)``.

    ``actor`` and ``targets`` replace the made-up ones (actor type and one target per
    target type come from the catalog, as in the sample).
    """
    rng = rng or random.Random()  # made-up test data, not secrets
    event = sample_log_event(name)
    # Copies: the caller may pass the same actor and targets for many events.
    event["actor"] = dict(actor) if actor else _made_up_party(event["actor"]["type"], rng)
    event["target"] = (
        [dict(target) for target in targets]
        if targets
        else [_made_up_party(t["type"], rng) for t in event["target"]]
    )

    prefix, place, (as_number, as_org, isp, domain) = rng.choice(PLACES)
    ip_address = f"{prefix}{rng.randint(2, 254)}"
    raw_user_agent, os_name, browser, device = rng.choice(USER_AGENTS)
    event["client"] = {
        "userAgent": {"rawUserAgent": raw_user_agent, "os": os_name, "browser": browser},
        "zone": "null",
        "device": device,
        "id": None,
        "ipAddress": ip_address,
        "geographicalContext": _geo(place),
    }
    event["request"] = {
        "ipChain": [
            {"ip": ip_address, "geographicalContext": _geo(place), "version": "V4", "source": None}
        ]
    }
    event["securityContext"] = {
        "asNumber": as_number,
        "asOrg": as_org,
        "isp": isp,
        "domain": domain,
        "isProxy": False,
    }
    event["authenticationContext"].update(externalSessionId="102" + _random_base62(22))
    request_id = _random_base62(24) + "AAA" + rng.choice("ABCDEFGH")
    uri = _request_uri(name)
    event["debugContext"] = {
        "debugData": {"requestId": request_id, "requestUri": uri, "url": uri + "?"}
    }
    event["transaction"] = {"type": "WEB", "id": request_id, "detail": {}}
    return event

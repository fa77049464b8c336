"""Sample System Log ``LogEvent`` objects for previews, docs and tests.

``sample_log_event()`` builds the placeholder that a preview shows when no real event of a
type exists yet: the full LogEvent shape (reference/okta-event-hooks.md §3.3) with every
field it cannot know set to None, as Okta's preview does ("Undetermined fields are set to
null"). The two module constants are complete, realistic events with made-up values, to be
used as fixtures; ``copy.deepcopy`` them before changing anything.

Pure Python: no Django imports.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from .entries import get_catalog_entry

__all__ = ["CONCEPTS_SAMPLE_EVENT", "DEACTIVATE_SAMPLE_EVENT", "sample_log_event"]


def _now_timestamp() -> str:
    """Return the current UTC time as ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _null_party(type_: str) -> dict[str, Any]:
    """Return an actor or target object of ``type_`` whose values are all unknown."""
    return {
        "id": None,
        "type": type_,
        "alternateId": None,
        "displayName": None,
        "detailEntry": None,
    }


def sample_log_event(name: str, *, label: str | None = None) -> dict[str, Any]:
    """Return a new sample LogEvent of type ``name`` with undetermined fields set to None.

    ``eventType``, ``displayMessage``, the actor type and one target per catalog target
    type come from the catalog entry; ``uuid`` (a time-based UUID) and ``published`` are
    fresh. ``label``, when given, is used as ``displayMessage`` instead of the catalog's.
    A name that is not in the catalog still gets the full shape, with a ``User`` actor, no
    targets, and ``label`` (or None) as its display message.
    """
    entry = get_catalog_entry(name)
    if entry is None:
        display_message = label
        actor_type = "User"
        target_types: list[str] = []
    else:
        display_message = label if label is not None else entry["display_message"]
        actor_type = entry["actor_type"]
        target_types = entry["target_types"]

    return {
        "uuid": str(uuid.uuid1()),
        "published": _now_timestamp(),
        "eventType": name,
        "version": "0",
        "displayMessage": display_message,
        "severity": "INFO",
        "client": {
            "userAgent": {"rawUserAgent": None, "os": None, "browser": None},
            "zone": None,
            "device": None,
            "id": None,
            "ipAddress": None,
            "geographicalContext": {
                "city": None,
                "state": None,
                "country": None,
                "postalCode": None,
                "geolocation": {"lat": None, "lon": None},
            },
        },
        "device": None,
        "actor": _null_party(actor_type),
        "outcome": {"result": "SUCCESS", "reason": None},
        "target": [_null_party(type_) for type_ in target_types],
        "transaction": {"type": None, "id": None, "detail": {}},
        "debugContext": {"debugData": {"requestId": None, "requestUri": None, "url": None}},
        "legacyEventType": None,
        "authenticationContext": {
            "authenticationProvider": None,
            "credentialProvider": None,
            "credentialType": None,
            "issuer": None,
            "authenticationStep": 0,
            "externalSessionId": None,
            "interface": None,
        },
        "securityContext": {
            "asNumber": None,
            "asOrg": None,
            "isp": None,
            "domain": None,
            "isProxy": None,
        },
        "request": {"ipChain": []},
        "insertionTimestamp": None,
    }


def _sf_geo() -> dict[str, Any]:
    """Return a fresh geographicalContext, so no two fixture fields share one dict."""
    return {
        "city": "San Francisco",
        "state": "California",
        "country": "United States",
        "postalCode": "94107",
        "geolocation": {"lat": 37.7697, "lon": -122.3933},
    }


_MAC_CHROME_UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)

# A successful sign-in, shaped like the sample on Okta's event hooks concepts page,
# including its ``client.ipChain`` quirk. All ids and values are made up.
CONCEPTS_SAMPLE_EVENT: dict[str, Any] = {
    "uuid": "5f4c2e1a-3b7d-11ef-9a6c-2b1f8d4e7c90",
    "published": "2024-07-05T16:42:18.531Z",
    "eventType": "user.session.start",
    "version": "0",
    "displayMessage": "User login to Okta",
    "severity": "INFO",
    "client": {
        "userAgent": {
            "rawUserAgent": _MAC_CHROME_UA,
            "os": "Mac OS X",
            "browser": "CHROME",
        },
        "zone": "null",
        "device": "Computer",
        "id": None,
        "ipAddress": "198.51.100.23",
        "geographicalContext": _sf_geo(),
        "ipChain": [
            {
                "ip": "198.51.100.23",
                "geographicalContext": _sf_geo(),
                "version": "V4",
                "source": None,
            }
        ],
    },
    "device": None,
    "actor": {
        "id": "00u8xk2lqrTmWb3Zp5d7",
        "type": "User",
        "alternateId": "maria.lopez@example.com",
        "displayName": "Maria Lopez",
        "detailEntry": None,
    },
    "outcome": {"result": "SUCCESS", "reason": None},
    "target": [
        {
            "id": "pfd4hq7TnW2xKc9bR0d7",
            "type": "AuthenticatorEnrollment",
            "alternateId": "unknown",
            "displayName": "Password",
            "detailEntry": None,
        }
    ],
    "transaction": {"type": "WEB", "id": "ZogJ4kq2LxS7vB1nTcW9aAAAB7E", "detail": {}},
    "debugContext": {
        "debugData": {
            "requestId": "ZogJ4kq2LxS7vB1nTcW9aAAAB7E",
            "requestUri": "/idp/idx/identify",
            "url": "/idp/idx/identify?",
            "threatSuspected": "false",
            "dtHash": "3f9c1b7e5a2d48c6b0e4f1a9d7c3b5e8a6f2d4c1b9e7a5f3d1c8b6a4e2f0d9c7",
            "origin": "https://example.okta.com",
        }
    },
    "legacyEventType": "core.user_auth.login_success",
    "authenticationContext": {
        "authenticationProvider": None,
        "credentialProvider": None,
        "credentialType": None,
        "issuer": None,
        "authenticationStep": 0,
        "externalSessionId": "102Jk8sWq3RtYv6NbXz1PmLcA",
        "interface": None,
    },
    "securityContext": {
        "asNumber": 7922,
        "asOrg": "comcast",
        "isp": "comcast cable communications llc",
        "domain": "comcast.net",
        "isProxy": False,
    },
    "request": {
        "ipChain": [
            {
                "ip": "198.51.100.23",
                "geographicalContext": _sf_geo(),
                "version": "V4",
                "source": None,
            }
        ]
    },
    "insertionTimestamp": None,
}

# An admin deactivating a user through the Admin Console, shaped like the event in Okta's
# event hook implementation guide. All ids and values are made up; ``targetEventHookIds``
# shows how a subscribed hook's id appears in ``debugData``.
DEACTIVATE_SAMPLE_EVENT: dict[str, Any] = {
    "uuid": "a7e3d9c2-3b7e-11ef-8d41-5f0c6b2a9e13",
    "published": "2024-07-05T16:51:02.207Z",
    "eventType": "user.lifecycle.deactivate",
    "version": "0",
    "displayMessage": "Deactivate Okta user",
    "severity": "INFO",
    "client": {
        "userAgent": {
            "rawUserAgent": _MAC_CHROME_UA,
            "os": "Mac OS X",
            "browser": "CHROME",
        },
        "zone": "null",
        "device": "Computer",
        "id": None,
        "ipAddress": "198.51.100.23",
        "geographicalContext": _sf_geo(),
    },
    "device": None,
    "actor": {
        "id": "00u8xk2lqrTmWb3Zp5d7",
        "type": "User",
        "alternateId": "maria.lopez@example.com",
        "displayName": "Maria Lopez",
        "detailEntry": None,
    },
    "outcome": {"result": "SUCCESS", "reason": None},
    "target": [
        {
            "id": "00u3fn9Qv7pLkT2hW6d7",
            "type": "User",
            "alternateId": "sam.chen@example.com",
            "displayName": "Sam Chen",
            "detailEntry": None,
        }
    ],
    "transaction": {"type": "WEB", "id": "ZogLRm7pQa4wXe2uVbK8sgAAC3M", "detail": {}},
    "debugContext": {
        "debugData": {
            "requestId": "ZogLRm7pQa4wXe2uVbK8sgAAC3M",
            "requestUri": "/api/v1/users/00u3fn9Qv7pLkT2hW6d7/lifecycle/deactivate",
            "url": "/api/v1/users/00u3fn9Qv7pLkT2hW6d7/lifecycle/deactivate?",
            "targetEventHookIds": "who7Kd2mQx9TbV4nL1d7",
        }
    },
    "legacyEventType": "core.user.config.user_deactivated",
    "authenticationContext": {
        "authenticationProvider": None,
        "credentialProvider": None,
        "credentialType": None,
        "issuer": None,
        "authenticationStep": 0,
        "externalSessionId": "102Jk8sWq3RtYv6NbXz1PmLcA",
        "interface": None,
    },
    "securityContext": {
        "asNumber": None,
        "asOrg": None,
        "isp": None,
        "domain": None,
        "isProxy": None,
    },
    "request": {
        "ipChain": [
            {
                "ip": "198.51.100.23",
                "geographicalContext": _sf_geo(),
                "version": "V4",
                "source": None,
            }
        ]
    },
    "insertionTimestamp": None,
}

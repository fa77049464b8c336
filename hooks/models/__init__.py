"""Data of the Event Hooks Console: catalog, hooks, System Log, outbox, deliveries, tokens.

One module per part of the path of an event; every model is importable from here.
"""

from hooks.models.deliveries import Delivery, DeliveryAttempt, SenderSlot
from hooks.models.events import Event, OutboxEntry
from hooks.models.hooks import EventHook, EventType, Source, UserIdentity
from hooks.models.operations import ApiToken, Heartbeat, RateCounter

__all__ = [
    "EventType",
    "UserIdentity",
    "EventHook",
    "Source",
    "Event",
    "OutboxEntry",
    "Delivery",
    "DeliveryAttempt",
    "SenderSlot",
    "ApiToken",
    "Heartbeat",
    "RateCounter",
]

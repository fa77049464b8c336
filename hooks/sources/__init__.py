"""Sources: events coming in from an Okta org, by an Okta event hook pointed at our ingest
URL (endpoint.py) or by a reader polling the org's System Log (reader.py); both store
through ingest.py into the same publish path as events published here.

May import: hooks.lib, hooks.models, hooks.outbound, hooks.systemlog, hooks.eventhooks
(Actor, header rules), hooks.delivery.dispatch (enqueue).
"""

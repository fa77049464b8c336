"""Operating the service: worker heartbeats, the org URL (which local web servers record as a
heartbeat row), metrics, retention, observability.

Below the event path: it reads, records and prunes rows, and never calls the layers above
(the web layer and the commands call it).

May import: hooks.lib, hooks.models.
"""

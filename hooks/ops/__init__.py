"""Operating the service: worker heartbeats, metrics, retention, observability.

May import: hooks.lib, hooks.models, hooks.systemlog, hooks.delivery.
"""

"""The System Log: event shapes, publishing events, querying and scanning the log, Django auth
signals as events.

May import: hooks.lib, hooks.models, hooks.catalog, hooks.expressions.
"""
